//! `agi-timelines run [SCENARIO]`: simulate and write the results folder.

use crate::analysis;
use crate::chart;
use crate::cli::{BadInput, Loaded, load_scenario, parse_bin_width, parse_count};
use crate::engine::{CHUNK_SIZE, GENERATOR, RunSpec};
use crate::histogram::{BinWidth, Grid};
use crate::output;
use crate::report::{self, Manifest};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines run\n  agi-timelines run epoch-trends -n 10M --seed 42\n  \
    agi-timelines run my-priors.toml -o results/mine --bin-width 1/12 -j 2"
)]
pub struct Args {
    /// A priors file (path), or the name of a shipped scenario (see `scenarios`).
    /// Omitted: the built-in default, situational-awareness.
    pub scenario: Option<String>,

    /// Trajectories to simulate: 1000000, 1e6, 1_000_000, 10M, 2.5k.
    #[arg(short = 'n', long = "trajectories", default_value = "1000000", value_parser = parse_count)]
    pub trajectories: u64,

    /// Random seed (a 64-bit integer). Omitted: one is picked, printed and recorded.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Output folder. Default: results/<scenario name>/.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Histogram bin width in years: 1, 5, 0.25, 1/12, or year, quarter, month, week, day.
    #[arg(long = "bin-width", value_name = "YEARS", default_value = "1", value_parser = parse_bin_width)]
    pub bin_width: BinWidth,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long = "threads")]
    pub threads: Option<usize>,

    /// Also compute sensitivity (sensitivity.csv and a tornado table): which inputs
    /// move the arrival year most.
    #[arg(long)]
    pub sensitivity: bool,

    /// Skip chart.svg and chart.png (drawing the PNG takes ~0.3 s).
    #[arg(long = "no-chart")]
    pub no_chart: bool,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Parse, then validate, then run: nothing is written before all checks pass.
    let Loaded {
        model,
        source,
        text,
    } = load_scenario(args.scenario.as_deref())?;
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    let grid = Grid::new(model.start, model.horizon, args.bin_width).map_err(|e| BadInput(e.0))?;
    let threads = super::threads(args.threads)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&model.name));
    output::prepare_dir(&out_dir).map_err(|e| {
        BadInput(format!(
            "cannot write results to {}: {e}",
            out_dir.display()
        ))
    })?;
    let seed = args.seed.unwrap_or_else(rand::random::<u64>);
    if args.seed.is_none() && !args.quiet {
        eprintln!("seed: {seed} (pass --seed {seed} to reproduce this run)");
    }

    let mut spec = RunSpec::new(&model, seed, args.trajectories, grid);
    if args.sensitivity {
        spec = spec.with_sensitivity(&model);
    }
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let clock = Instant::now();
    let tally = super::simulate(&model, &spec, threads, args.quiet, &model.name)?;
    let elapsed = clock.elapsed().as_secs_f64();

    let rows = report::summary_rows(&model, &tally, seed);
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (
            "histogram.csv",
            report::histogram_csv(&tally.histogram, args.bin_width),
        ),
        ("summary.csv", report::summary_csv(&rows)),
    ];
    let attribution = analysis::attribution_rows(&model, &tally.attribution, &spec.coarse);
    files.push((
        "attribution.csv",
        analysis::attribution_csv(&attribution, model.horizon),
    ));
    let sensitivity = match (&tally.sensitivity, &spec.sensitivity) {
        (Some(t), Some(s)) => Some(analysis::sensitivity_rows(&model, s, t, &spec.coarse)),
        _ => None,
    };
    if let Some(rows) = &sensitivity {
        files.push((
            "sensitivity.csv",
            analysis::sensitivity_csv(rows, model.horizon),
        ));
    }
    if !args.no_chart {
        let chart_input = chart::ChartInput::from_run(&model, &tally, args.bin_width, seed);
        files.push(("chart.svg", chart::chart_svg(&chart_input)));
        files.push(("chart.png", chart::chart_png(&chart_input)?));
    }

    let scenario_arg = if source.starts_with("builtin:") {
        model.name.clone()
    } else {
        source.clone()
    };
    let mut names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    names.push("manifest.json".into());
    let manifest = Manifest {
        program: "agi-timelines".into(),
        version: crate::cli::VERSION.into(),
        scenario: model.name.clone(),
        priors_source: source,
        seed,
        trajectories: args.trajectories,
        shard: "1/1".into(),
        bin_width: args.bin_width.to_string(),
        threads,
        chunk_size: CHUNK_SIZE,
        generator: GENERATOR.into(),
        sensitivity: args.sensitivity,
        elapsed_seconds: (elapsed * 1000.0).round() / 1000.0,
        started_unix_seconds: started,
        rerun: format!(
            "agi-timelines run {scenario_arg} -n {} --seed {seed} --bin-width {}{}",
            args.trajectories,
            args.bin_width,
            if args.sensitivity {
                " --sensitivity"
            } else {
                ""
            }
        ),
        outputs: names.clone(),
        priors: text,
    };
    files.push(("manifest.json", report::manifest_json(&manifest)));
    output::write_set(&out_dir, &files)
        .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))?;

    if !args.quiet {
        let rate = args.trajectories as f64 / elapsed.max(1e-9);
        let mut text = format!(
            "agi-timelines {}: scenario `{}`, {} trajectories, seed {seed}, {threads} threads, {elapsed:.2} s ({:.1} M trajectories/s)\n\n{}",
            env!("CARGO_PKG_VERSION"),
            model.name,
            args.trajectories,
            rate / 1e6,
            report::text_summary(&model, &tally, &rows),
        );
        if !model.bottlenecks.is_empty() {
            text.push('\n');
            text.push_str(&analysis::attribution_text(&attribution, model.horizon));
        }
        if let Some(rows) = &sensitivity {
            text.push('\n');
            text.push_str(&analysis::sensitivity_text(rows, model.horizon, 10));
        }
        text.push_str(&format!(
            "\nWrote {}/{{{}}}\n",
            out_dir.display(),
            names.join(", ")
        ));
        // A closed stdout (e.g. `| head`) is not an error: the files are written.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    Ok(())
}
