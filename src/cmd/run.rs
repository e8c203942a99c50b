//! `agi-timelines run [SCENARIO]`: simulate and write the results folder.

use crate::analysis;
use crate::chart;
use crate::cli::{BadInput, Loaded, SimFlags, load_scenario};
use crate::engine::{CHUNK_SIZE, GENERATOR, RunSpec, Shard, Tally};
use crate::histogram::{BinWidth, Grid};
use crate::output;
use crate::report::{self, Manifest};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines run\n  agi-timelines run epoch-trends -n 10M --seed 42\n  \
    agi-timelines run my-priors.toml -o results/mine --bin-width 1/12 -j 2"
)]
pub struct Args {
    #[command(flatten)]
    pub sim: SimFlags,

    /// A priors file (path), or the name of a shipped scenario (see `scenarios`).
    /// Omitted: the built-in default, situational-awareness.
    pub scenario: Option<std::ffi::OsString>,

    /// Output folder. Default: results/<scenario name>/. `-` writes histogram.csv to
    /// stdout instead (no files; the summary goes to stderr unless --quiet).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Also compute sensitivity (sensitivity.csv and a tornado table): which inputs
    /// move the arrival year most.
    #[arg(long)]
    pub sensitivity: bool,

    /// Skip chart.svg and chart.png (drawing the PNG takes ~0.3 s).
    #[arg(long = "no-chart")]
    pub no_chart: bool,

    /// Compute only shard K of N equal parts of the run (same seed and count on every
    /// machine) and write a mergeable tally.json; combine with `agi-timelines merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

/// Parse `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("`{s}` is not a shard: use K/N with 1 <= K <= N, e.g. 3/8");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if k < 1 || k > n {
        return Err(bad());
    }
    Ok(Shard { index: k, count: n })
}

/// The mergeable result of one shard (`tally.json`).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ShardFile {
    pub format: String,
    pub version: String,
    pub scenario: String,
    pub priors_source: String,
    pub priors: String,
    pub seed: u64,
    pub trajectories: u64,
    pub bin_width: String,
    pub sensitivity: bool,
    pub shard_index: u64,
    pub shard_count: u64,
    pub chunk_size: u64,
    pub tally: Tally,
}

/// The `format` field of every tally.json.
pub const SHARD_FORMAT: &str = "agi-timelines shard tally v2";

/// What a finished run (or a merge of shards) needs in order to write its results.
pub struct Finished<'a> {
    pub loaded: &'a Loaded,
    pub spec: &'a RunSpec,
    pub tally: &'a Tally,
    pub bin_width: BinWidth,
    pub sensitivity: bool,
    pub no_chart: bool,
    pub threads: usize,
    pub elapsed: f64,
    pub started: u64,
    /// "1/1" for a whole run, "merged from N shards" for a merge.
    pub shard_label: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Parse, then validate, then run: nothing is written before all checks pass.
    let loaded = load_scenario(args.scenario.as_deref())?;
    let model = &loaded.model;
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    let grid =
        Grid::new(model.start, model.horizon, args.sim.bin_width).map_err(|e| BadInput(e.0))?;
    let threads = super::threads(args.sim.threads)?;
    let to_stdout = args.out.as_deref() == Some(std::path::Path::new("-"));
    if to_stdout && args.shard.is_some() {
        return Err(BadInput(
            "--shard writes tally.json and needs an output folder, not `-o -`".into(),
        )
        .into());
    }
    if to_stdout && args.sensitivity {
        return Err(BadInput(
            "--sensitivity writes sensitivity.csv and needs an output folder, not `-o -`".into(),
        )
        .into());
    }
    let out_dir = args.out.clone().unwrap_or_else(|| {
        let base = PathBuf::from("results");
        match args.shard {
            Some(s) => base.join(format!("{}.shard-{}-of-{}", model.name, s.index, s.count)),
            None => base.join(&model.name),
        }
    });
    if !to_stdout {
        output::prepare_dir(&out_dir).map_err(|e| {
            BadInput(format!(
                "cannot write results to {}: {e}",
                out_dir.display()
            ))
        })?;
    }
    let seed = match (args.sim.seed, args.shard) {
        (Some(s), _) => s,
        (None, Some(_)) => {
            return Err(BadInput(
                "--shard needs --seed: every shard must use the same seed".into(),
            )
            .into());
        }
        (None, None) => {
            let s = rand::random::<u64>();
            if !args.sim.quiet {
                eprintln!("seed: {s} (pass --seed {s} to reproduce this run)");
            }
            s
        }
    };

    let mut spec = RunSpec::new(model, seed, args.sim.trajectories, grid);
    if let Some(s) = args.shard {
        spec.shard = s;
    }
    if args.sensitivity {
        spec = spec.with_sensitivity(model);
    }
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let clock = Instant::now();
    let label = match args.shard {
        Some(s) => format!("{} {}/{}", model.name, s.index, s.count),
        None => model.name.clone(),
    };
    let tally = super::simulate(model, &spec, threads, args.sim.quiet, &label)?;
    let elapsed = clock.elapsed().as_secs_f64();

    if to_stdout {
        let csv = report::histogram_csv(&tally.histogram, args.sim.bin_width);
        crate::cli::write_stdout(&csv)?;
        if !args.sim.quiet {
            let rows = report::summary_rows(model, &tally, seed);
            eprint!("{}", report::text_summary(model, &tally, &rows));
        }
        return Ok(());
    }
    if let Some(shard) = args.shard {
        return write_shard(
            &args, &loaded, &tally, shard, seed, threads, elapsed, &out_dir,
        );
    }
    write_results(
        &Finished {
            loaded: &loaded,
            spec: &spec,
            tally: &tally,
            bin_width: args.sim.bin_width,
            sensitivity: args.sensitivity,
            no_chart: args.no_chart,
            threads,
            elapsed,
            started,
            shard_label: "1/1".into(),
        },
        &out_dir,
        args.sim.quiet,
    )
}

#[allow(clippy::too_many_arguments)]
fn write_shard(
    args: &Args,
    loaded: &Loaded,
    tally: &Tally,
    shard: Shard,
    seed: u64,
    threads: usize,
    elapsed: f64,
    out_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let file = ShardFile {
        format: SHARD_FORMAT.into(),
        version: crate::cli::VERSION.into(),
        scenario: loaded.model.name.clone(),
        priors_source: loaded.source.clone(),
        priors: loaded.text.clone(),
        seed,
        trajectories: args.sim.trajectories,
        bin_width: args.sim.bin_width.to_string(),
        sensitivity: args.sensitivity,
        shard_index: shard.index,
        shard_count: shard.count,
        chunk_size: CHUNK_SIZE,
        tally: tally.clone(),
    };
    let mut bytes = serde_json::to_vec(&file)?;
    bytes.push(b'\n');
    let manifest = serde_json::json!({
        "program": "agi-timelines",
        "version": crate::cli::VERSION,
        "scenario": loaded.model.name,
        "seed": seed,
        "trajectories": args.sim.trajectories,
        "shard": format!("{}/{}", shard.index, shard.count),
        "shard_trajectories": tally.trajectories(),
        "threads": threads,
        "elapsed_seconds": (elapsed * 1000.0).round() / 1000.0,
        "outputs": ["tally.json", "manifest.json"],
        "next": "agi-timelines merge <all N shard folders> -o <results folder>",
    });
    let mut mbytes = serde_json::to_vec_pretty(&manifest)?;
    mbytes.push(b'\n');
    output::write_set(out_dir, &[("tally.json", bytes), ("manifest.json", mbytes)])
        .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))?;
    if !args.sim.quiet {
        let _ = writeln!(
            std::io::stdout().lock(),
            "shard {}/{} of `{}`: {} of {} trajectories, seed {seed}, {elapsed:.2} s\nWrote {}/{{tally.json, manifest.json}}; merge all {} shards with `agi-timelines merge`",
            shard.index,
            shard.count,
            loaded.model.name,
            tally.trajectories(),
            args.sim.trajectories,
            out_dir.display(),
            shard.count
        );
    }
    Ok(())
}

/// Write every result file of a finished run into `out_dir` and print the summary.
pub fn write_results(f: &Finished, out_dir: &std::path::Path, quiet: bool) -> anyhow::Result<()> {
    let model = &f.loaded.model;
    let tally = f.tally;
    let spec = f.spec;
    let seed = spec.seed;
    let rows = report::summary_rows(model, tally, seed);
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        (
            "histogram.csv",
            report::histogram_csv(&tally.histogram, f.bin_width),
        ),
        ("summary.csv", report::summary_csv(&rows)),
    ];
    let attribution = analysis::attribution_rows(model, &tally.attribution, &spec.coarse);
    files.push((
        "attribution.csv",
        analysis::attribution_csv(&attribution, model.horizon),
    ));
    let sensitivity = match (&tally.sensitivity, &spec.sensitivity) {
        (Some(t), Some(s)) => Some(analysis::sensitivity_rows(model, s, t, &spec.coarse)),
        _ => None,
    };
    if let Some(rows) = &sensitivity {
        files.push((
            "sensitivity.csv",
            analysis::sensitivity_csv(rows, model.horizon),
        ));
    }
    if !f.no_chart {
        let chart_input = chart::ChartInput::from_run(model, tally, f.bin_width, seed);
        files.push(("chart.svg", chart::chart_svg(&chart_input)));
        files.push(("chart.png", chart::chart_png(&chart_input)?));
    }

    let source = &f.loaded.source;
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
        priors_source: source.clone(),
        seed,
        trajectories: spec.trajectories,
        shard: f.shard_label.clone(),
        bin_width: f.bin_width.to_string(),
        threads: f.threads,
        chunk_size: CHUNK_SIZE,
        generator: GENERATOR.into(),
        sensitivity: f.sensitivity,
        elapsed_seconds: (f.elapsed * 1000.0).round() / 1000.0,
        started_unix_seconds: f.started,
        rerun: format!(
            "agi-timelines run {scenario_arg} -n {} --seed {seed} --bin-width {}{}",
            spec.trajectories,
            f.bin_width,
            if f.sensitivity { " --sensitivity" } else { "" }
        ),
        outputs: names.clone(),
        priors: f.loaded.text.clone(),
    };
    files.push(("manifest.json", report::manifest_json(&manifest)));
    output::write_set(out_dir, &files)
        .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))?;

    if !quiet {
        // A merge ran nothing itself (threads 0): no speed to report.
        let how = if f.threads == 0 {
            "merged from shards".to_string()
        } else {
            let rate = spec.trajectories as f64 / f.elapsed.max(1e-9);
            format!(
                "{} threads, {:.2} s ({:.1} M trajectories/s)",
                f.threads,
                f.elapsed,
                rate / 1e6
            )
        };
        let mut text = format!(
            "agi-timelines {}: scenario `{}`, {} trajectories, seed {seed}, {how}\n\n{}",
            env!("CARGO_PKG_VERSION"),
            model.name,
            spec.trajectories,
            report::text_summary(model, tally, &rows),
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
        crate::cli::write_stdout(text.as_bytes())?;
    }
    Ok(())
}
