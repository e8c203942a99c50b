//! `agi-timelines run [SCENARIO]`: simulate and write the results folder.

use super::flags::{Out, OutRules, SimFlags, parse_shard};
use super::{BadInput, write_stdout};
use crate::engine::{RunSpec, Shard};
use crate::output;
use crate::report::{RunContext, RunReport, histogram_csv};
use crate::shard::ShardFile;
use crate::tally::Grid;
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

    /// Skip chart.svg and chart.png (drawing them takes ~10 ms).
    #[arg(long = "no-chart")]
    pub no_chart: bool,

    /// Compute only shard K of N equal parts of the run (same seed and count on every
    /// machine) and write a mergeable tally.json; combine with `agi-timelines merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Parse, then validate, then run: nothing is written before all checks pass.
    let loaded = crate::scenarios::load(args.scenario.as_deref())?;
    let model = &loaded.model;
    for w in &model.warnings {
        eprintln!("warning: {w}");
    }
    let grid =
        Grid::new(model.start, model.horizon, args.sim.bin_width).map_err(|e| BadInput(e.0))?;
    let stdout_refused = if args.shard.is_some() {
        Some("--shard writes tally.json and needs an output folder, not `-o -`")
    } else if args.sensitivity {
        Some("--sensitivity writes sensitivity.csv and needs an output folder, not `-o -`")
    } else {
        None
    };
    if args.shard.is_some() && args.sim.seed.is_none() {
        return Err(
            BadInput("--shard needs --seed: every shard must use the same seed".into()).into(),
        );
    }
    let results = PathBuf::from("results");
    let cfg = args.sim.resolve(
        args.out.as_deref(),
        OutRules {
            default: match args.shard {
                Some(s) => results.join(format!("{}.shard-{}-of-{}", model.name, s.index, s.count)),
                None => results.join(&model.name),
            },
            stdout_refused,
            what: "this run",
        },
    )?;

    let mut spec = RunSpec::new(model, cfg.seed, cfg.trajectories, grid);
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
    let tally = super::progress::simulate(model, &spec, cfg.threads, cfg.quiet, &label)?;
    let elapsed = clock.elapsed().as_secs_f64();

    let out_dir = match &cfg.out {
        Out::Stdout => {
            write_stdout(&histogram_csv(&tally.histogram, cfg.bin_width))?;
            if !cfg.quiet {
                let report = RunReport::new(&loaded, &spec, &tally, cfg.bin_width);
                eprint!("{}", report.summary.text(model, &tally));
            }
            return Ok(());
        }
        Out::Dir(dir) => dir,
    };
    let write = |files: &[(&str, Vec<u8>)]| {
        output::write_set(out_dir, files)
            .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))
    };
    if let Some(shard) = args.shard {
        let trajectories = tally.trajectories();
        write(&ShardFile::new(&loaded, &spec, cfg.bin_width, tally).files(cfg.threads, elapsed))?;
        if !cfg.quiet {
            let _ = writeln!(
                std::io::stdout().lock(),
                "shard {}/{} of `{}`: {trajectories} of {} trajectories, seed {}, {elapsed:.2} s\nWrote {}/{{tally.json, manifest.json}}; merge all {} shards with `agi-timelines merge`",
                shard.index,
                shard.count,
                model.name,
                cfg.trajectories,
                cfg.seed,
                out_dir.display(),
                shard.count
            );
        }
        return Ok(());
    }
    let report = RunReport::new(&loaded, &spec, &tally, cfg.bin_width);
    let cx = RunContext {
        threads: cfg.threads,
        elapsed,
        started,
        shard_label: "1/1".into(),
        chart: !args.no_chart,
    };
    write_report(&report, &cx, out_dir, cfg.quiet)
}

/// Write every file of a finished run (or merge) into `out_dir`, then print its text.
pub fn write_report(
    report: &RunReport,
    cx: &RunContext,
    out_dir: &std::path::Path,
    quiet: bool,
) -> anyhow::Result<()> {
    let files = report.files(cx)?;
    output::write_set(out_dir, &files)
        .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))?;
    if !quiet {
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        // A closed stdout (e.g. `| head`) is not an error: the files are written.
        write_stdout(report.text(cx, out_dir, &names).as_bytes())?;
    }
    Ok(())
}
