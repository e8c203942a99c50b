//! `agi-timelines compare A B C...`: several scenarios, one seed, side by side.
//!
//! Every scenario runs with the same seed and trajectory count (common random numbers:
//! chunk `c` of each scenario starts from the same generator state), and the results
//! go into one long-format histogram CSV and one summary CSV with a column per scenario,
//! ready for a spreadsheet pivot table or chart.

use crate::chart;
use crate::cli::{BadInput, SimFlags, load_scenario};
use crate::engine::{CHUNK_SIZE, GENERATOR, RunSpec};
use crate::histogram::Grid;
use crate::output;
use crate::report;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines compare situational-awareness epoch-trends skeptic\n  \
    agi-timelines compare mine.toml situational-awareness -n 10M --seed 1 -o results/mine-vs-sa"
)]
pub struct Args {
    #[command(flatten)]
    pub sim: SimFlags,

    /// Two or more priors files or shipped scenario names.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<std::ffi::OsString>,

    /// Output folder. Default: results/compare/.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Serialize)]
struct CompareManifest {
    program: String,
    version: String,
    scenarios: Vec<ScenarioEntry>,
    seed: u64,
    trajectories: u64,
    bin_width: String,
    threads: usize,
    chunk_size: u64,
    generator: String,
    elapsed_seconds: f64,
    rerun: String,
    outputs: Vec<String>,
}

#[derive(Serialize)]
struct ScenarioEntry {
    name: String,
    priors_source: String,
    priors: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Load and validate everything before the first trajectory.
    let mut loaded = Vec::new();
    for s in &args.scenarios {
        loaded.push(load_scenario(Some(s))?);
    }
    for (i, a) in loaded.iter().enumerate() {
        if let Some(b) = loaded[..i].iter().find(|b| b.model.name == a.model.name) {
            return Err(BadInput(format!(
                "two scenarios are named `{}` ({} and {}); give each a distinct `name`",
                a.model.name, b.source, a.source
            ))
            .into());
        }
        for w in &a.model.warnings {
            eprintln!("{}: warning: {w}", a.model.name);
        }
    }
    let grids = loaded
        .iter()
        .map(|l| Grid::new(l.model.start, l.model.horizon, args.sim.bin_width))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BadInput(e.0))?;
    let threads = super::threads(args.sim.threads)?;
    if args.out.as_deref() == Some(std::path::Path::new("-")) {
        return Err(BadInput(
            "compare writes several files and needs an output folder, not `-o -`".into(),
        )
        .into());
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join("compare"));
    output::prepare_dir(&out_dir).map_err(|e| {
        BadInput(format!(
            "cannot write results to {}: {e}",
            out_dir.display()
        ))
    })?;
    let seed = args.sim.seed.unwrap_or_else(rand::random::<u64>);
    if args.sim.seed.is_none() && !args.sim.quiet {
        eprintln!("seed: {seed} (pass --seed {seed} to reproduce this comparison)");
    }

    let clock = Instant::now();
    let mut tallies = Vec::new();
    for (l, grid) in loaded.iter().zip(&grids) {
        let spec = RunSpec::new(&l.model, seed, args.sim.trajectories, *grid);
        let t = super::simulate(&l.model, &spec, threads, args.sim.quiet, &l.model.name)?;
        tallies.push(t);
    }
    let elapsed = clock.elapsed().as_secs_f64();

    // Long format: the histogram rows of each scenario, prefixed by its name.
    let mut long = String::from("scenario,year_start,year_end,probability,cumulative\n");
    for (l, t) in loaded.iter().zip(&tallies) {
        let h = &t.histogram;
        let n = h.total();
        for b in report::bins(h, args.sim.bin_width) {
            long.push_str(&format!(
                "{},{},{},{},{}\n",
                l.model.name,
                report::fmt_year(b.year_start),
                report::fmt_year(b.year_end),
                report::fmt_prob(b.count, n),
                report::fmt_prob(b.cumulative, n)
            ));
        }
        long.push_str(&format!(
            "{},{},,{},1\n",
            l.model.name,
            report::fmt_year(l.model.horizon),
            report::fmt_prob(h.not_by_horizon, n)
        ));
    }
    // Wide summary: a column per scenario; standard errors in `<metric>_std_error` rows.
    let summaries: Vec<Vec<report::SummaryRow>> = loaded
        .iter()
        .zip(&tallies)
        .map(|(l, t)| report::summary_rows(&l.model, t, seed))
        .collect();
    let mut metrics: Vec<String> = Vec::new();
    for rows in &summaries {
        for r in rows {
            if r.metric != "scenario" && !metrics.contains(&r.metric) {
                metrics.push(r.metric.clone());
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["metric".to_string()];
    header.extend(loaded.iter().map(|l| l.model.name.clone()));
    w.write_record(&header)?;
    for with_se in [false, true] {
        for m in &metrics {
            let cells: Vec<String> = summaries
                .iter()
                .map(|rows| {
                    rows.iter()
                        .find(|r| &r.metric == m)
                        .map_or(String::new(), |r| {
                            if with_se {
                                r.std_error.clone()
                            } else {
                                r.value.clone()
                            }
                        })
                })
                .collect();
            if with_se && cells.iter().all(|c| c.is_empty()) {
                continue;
            }
            let name = if with_se {
                format!("{m}_std_error")
            } else {
                m.clone()
            };
            let mut rec = vec![name];
            rec.extend(cells);
            w.write_record(&rec)?;
        }
    }
    let wide = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;

    let series: Vec<(String, Vec<chart::ChartBin>)> = loaded
        .iter()
        .zip(&tallies)
        .map(|(l, t)| {
            (
                l.model.name.clone(),
                chart::chart_bins(&t.histogram, args.sim.bin_width),
            )
        })
        .collect();
    let title = "AGI arrival year: cumulative probability by scenario";
    let caption = format!(
        "{} trajectories per scenario, seed {seed}, agi-timelines {}",
        chart::fmt_count(args.sim.trajectories),
        env!("CARGO_PKG_VERSION")
    );
    let outputs = [
        "compare-histogram.csv",
        "compare-summary.csv",
        "compare-chart.svg",
        "compare-chart.png",
        "manifest.json",
    ];
    let manifest = CompareManifest {
        program: "agi-timelines".into(),
        version: crate::cli::VERSION.into(),
        scenarios: loaded
            .iter()
            .map(|l| ScenarioEntry {
                name: l.model.name.clone(),
                priors_source: l.source.clone(),
                priors: l.text.clone(),
            })
            .collect(),
        seed,
        trajectories: args.sim.trajectories,
        bin_width: args.sim.bin_width.to_string(),
        threads,
        chunk_size: CHUNK_SIZE,
        generator: GENERATOR.into(),
        elapsed_seconds: (elapsed * 1000.0).round() / 1000.0,
        rerun: format!(
            "agi-timelines compare {} -n {} --seed {seed} --bin-width {}",
            args.scenarios
                .iter()
                .map(|s| s.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            args.sim.trajectories,
            args.sim.bin_width
        ),
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)?;
    manifest_bytes.push(b'\n');
    output::write_set(
        &out_dir,
        &[
            ("compare-histogram.csv", long.into_bytes()),
            ("compare-summary.csv", wide.clone()),
            (
                "compare-chart.svg",
                chart::compare_chart_svg(title, &caption, &series),
            ),
            (
                "compare-chart.png",
                chart::compare_chart_png(title, &caption, &series)?,
            ),
            ("manifest.json", manifest_bytes),
        ],
    )
    .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))?;

    if !args.sim.quiet {
        let mut text = format!(
            "agi-timelines {}: {} scenarios, {} trajectories each, seed {seed}, {elapsed:.2} s\n\n",
            env!("CARGO_PKG_VERSION"),
            loaded.len(),
            args.sim.trajectories
        );
        let show = [
            "p10",
            "p50",
            "p90",
            "p_by_2027",
            "p_by_2030",
            "p_by_2040",
            "p_by_horizon",
        ];
        let width = loaded
            .iter()
            .map(|l| l.model.name.len())
            .max()
            .unwrap_or(8)
            .max(10);
        text.push_str(&format!("  {:<13}", "metric"));
        for l in &loaded {
            text.push_str(&format!("  {:>width$}", l.model.name));
        }
        text.push('\n');
        for m in show {
            text.push_str(&format!("  {m:<13}"));
            for rows in &summaries {
                let v = rows
                    .iter()
                    .find(|r| r.metric == m)
                    .map_or("", |r| r.value.as_str());
                let v = match (m.starts_with("p_by"), v.parse::<f64>()) {
                    (true, Ok(p)) => format!("{:.1}%", p * 100.0),
                    (false, Ok(y)) => format!("{y:.1}"),
                    _ => v.to_string(),
                };
                text.push_str(&format!("  {v:>width$}"));
            }
            text.push('\n');
        }
        text.push_str(&format!(
            "\nWrote {}/{{{}}}\n",
            out_dir.display(),
            outputs.join(", ")
        ));
        crate::cli::write_stdout(text.as_bytes())?;
    }
    Ok(())
}
