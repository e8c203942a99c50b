//! `agi-timelines run [SCENARIO]`: simulate and write the results folder.

use super::flags::{Out, OutRules, SimFlags, Years, check_signposts, parse_shard, parse_years};
use super::{BadInput, write_stdout};
use crate::engine::{self, CHUNK_SIZE, RunSpec, Shard, chunk_count};
use crate::format::fmt_count;
use crate::output;
use crate::report::evidence::{FEW_KEPT, trial_refusal};
use crate::report::{RunContext, RunReport, histogram_csv};
use crate::scenarios::Loaded;
use crate::shard::ShardFile;
use crate::tally::{Grid, Tally, TallySize};
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

    /// Also compute signposts.csv (and its chart): at each of these years (comma-separated
    /// decimal years), what an observer would see (every driver's level, effective compute,
    /// which bottlenecks have started) and how far each observation would move the
    /// forecast.
    #[arg(long, value_name = "YEARS", value_parser = parse_years)]
    pub signposts: Option<Years>,

    /// Skip the charts: chart.svg and chart.png, and signposts.svg/png (drawing them
    /// takes ~10 ms).
    #[arg(long = "no-chart")]
    pub no_chart: bool,

    /// Compute only shard K of N equal parts of the run (same seed and count on every
    /// machine) and write a mergeable tally.json; combine with `agi-timelines merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Parse, then validate, then run: nothing is written before all checks pass.
    let mut loaded = crate::scenarios::load(args.scenario.as_deref())?;
    args.sim.evidence.apply(&mut loaded.model)?;
    let model = &loaded.model;
    super::print_warnings("warning: ", &model.warnings);
    let grid =
        Grid::new(model.start, model.horizon, args.sim.bin_width).map_err(|e| BadInput(e.0))?;
    if let Some(Years(years)) = &args.signposts {
        check_signposts(years, model)?;
    }
    let size = TallySize::new(model, &grid, args.sensitivity)
        .with_signposts(args.signposts.as_ref().map_or(0, |y| y.0.len()));
    size.check()
        .and_then(|()| size.check_trajectories(args.sim.trajectories))
        .map_err(|e| BadInput(e.0))?;
    if let Some(s) = args.shard {
        // A shard with no chunk would compute nothing; a count beyond the chunks is a
        // mistake (and would make the merge list millions of missing shards).
        let chunks = chunk_count(args.sim.trajectories);
        if s.count > chunks {
            return Err(BadInput(format!(
                "--shard {}/{}: a run of {} trajectories is {chunks} {} of {} trajectories, so it splits into at most {chunks} {}",
                s.index,
                s.count,
                fmt_count(args.sim.trajectories),
                if chunks == 1 { "chunk" } else { "chunks" },
                fmt_count(CHUNK_SIZE),
                if chunks == 1 { "shard" } else { "shards" }
            ))
            .into());
        }
    }
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
    refuse_impossible_evidence(&loaded, &spec)?;
    if let Some(Years(years)) = &args.signposts {
        spec = engine::with_signposts(model, spec, years);
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
    if args.shard.is_none() {
        check_kept(&loaded, &tally, cfg.quiet)?;
    }

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
        let file = ShardFile::new(
            &loaded,
            &spec,
            cfg.bin_width,
            args.sim.evidence.change(),
            tally,
        );
        write(&file.files(cfg.threads, elapsed))?;
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
        flags: format!(
            "{}{}",
            args.sim.evidence.change().args(),
            signpost_args(args.signposts.as_ref().map(|y| y.0.as_slice()))
        ),
    };
    write_report(&report, &cx, out_dir, cfg.quiet)
}

/// `--signposts` as a command line repeats it (empty without).
pub fn signpost_args(years: Option<&[f64]>) -> String {
    match years {
        Some(y) if !y.is_empty() => format!(
            " --signposts {}",
            y.iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => String::new(),
    }
}

/// Refuse, before sampling, evidence that no trajectory of a trial satisfies (with the
/// file, line and key of the part at fault).
pub fn refuse_impossible_evidence(loaded: &Loaded, spec: &RunSpec) -> Result<(), BadInput> {
    if let Some(trial) = engine::trial(&loaded.model, spec)
        && let Some(why) = trial_refusal(&loaded.model, &loaded.source, &trial)
    {
        return Err(BadInput(why));
    }
    Ok(())
}

/// After a run with evidence: refuse to write results that rest on no trajectory, and
/// warn (on stderr) when they rest on few.
pub fn check_kept(loaded: &Loaded, tally: &Tally, quiet: bool) -> Result<(), BadInput> {
    let Some(et) = &tally.evidence else {
        return Ok(());
    };
    let kept = tally.trajectories();
    let name = &loaded.model.name;
    if kept == 0 {
        return Err(BadInput(format!(
            "none of the {} trajectories drawn for `{name}` is consistent with its evidence, so              there is nothing to report and nothing was written: run more trajectories (-n), or              revisit the evidence",
            fmt_count(et.drawn)
        )));
    }
    if kept < FEW_KEPT && !quiet {
        eprintln!(
            "warning: `{name}`: only {} of {} trajectories are consistent with the evidence; every              figure rests on them (their standard errors say how much): run more (-n) for precision",
            fmt_count(kept),
            fmt_count(et.drawn)
        );
    }
    Ok(())
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
