//! `agi-timelines compare A B C...`: several scenarios, one seed, side by side.
//!
//! Every scenario runs with the same seed and trajectory count (common random numbers:
//! chunk `c` of each scenario starts from the same generator state), and the results
//! go into one long-format histogram CSV and one summary CSV with a column per scenario,
//! ready for a spreadsheet pivot table or chart.

use super::flags::{Out, OutRules, SimFlags, Years, check_signposts, parse_years};
use super::{BadInput, write_stdout};
use crate::engine::RunSpec;
use crate::output;
use crate::report::CompareReport;
use crate::tally::{Grid, MAX_TALLY_BYTES, TallySize};
use std::path::PathBuf;
use std::time::Instant;

/// Most memory the tallies of all compared scenarios may take together (each is kept
/// until the last scenario has run).
const MAX_KEPT_BYTES: u64 = 8 * MAX_TALLY_BYTES;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines compare situational-awareness epoch-trends skeptic\n  \
    agi-timelines compare mine.toml situational-awareness -n 10M --seed 1 -o results/mine-vs-sa"
)]
pub struct Args {
    #[command(flatten)]
    pub sim: SimFlags,

    /// Two or more priors files or shipped scenario names (one is enough with
    /// --with-prior).
    #[arg(required = true, num_args = 1..)]
    pub scenarios: Vec<std::ffi::OsString>,

    /// Output folder. Default: results/compare/.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Also compute compare-signposts.csv: each scenario's signposts at these years
    /// (comma-separated decimal years; see `run --signposts`).
    #[arg(long, value_name = "YEARS", value_parser = parse_years)]
    pub signposts: Option<Years>,

    /// Also show each scenario's prior (every trajectory drawn, before its evidence)
    /// beside it, from the same run. With this, one scenario is enough.
    #[arg(long = "with-prior")]
    pub with_prior: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Load and validate everything before the first trajectory.
    if args.scenarios.len() < 2 && !args.with_prior {
        return Err(BadInput(
            "compare needs two or more scenarios (or one with --with-prior, to see it beside its prior)".into(),
        )
        .into());
    }
    let mut loaded = Vec::new();
    for s in &args.scenarios {
        let mut l = crate::scenarios::load(Some(s))?;
        args.sim.evidence.apply(&mut l.model)?;
        loaded.push(l);
    }
    if args.with_prior && !loaded.iter().any(|l| l.model.evidence().is_some()) {
        return Err(BadInput(
            "--with-prior: no scenario here has evidence (an [evidence] section, or --as-of)"
                .into(),
        )
        .into());
    }
    for (i, a) in loaded.iter().enumerate() {
        if let Some(b) = loaded[..i].iter().find(|b| b.model.name == a.model.name) {
            return Err(BadInput(format!(
                "two scenarios are named `{}` ({} and {}); give each a distinct `name`",
                a.model.name, b.source, a.source
            ))
            .into());
        }
        super::print_warnings(&format!("{}: warning: ", a.model.name), &a.model.warnings);
    }
    if let Some(Years(years)) = &args.signposts {
        for l in &loaded {
            check_signposts(years, &l.model)?;
        }
    }
    let grids = loaded
        .iter()
        .map(|l| Grid::new(l.model.start, l.model.horizon, args.sim.bin_width))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BadInput(e.0))?;
    // Each scenario's tally is kept until all have run.
    let mut kept = 0;
    for (l, grid) in loaded.iter().zip(&grids) {
        let size = TallySize::new(&l.model, grid, false)
            .with_signposts(args.signposts.as_ref().map_or(0, |y| y.0.len()));
        size.check()
            .and_then(|()| size.check_trajectories(args.sim.trajectories))
            .map_err(|e| BadInput(format!("{}: {e}", l.model.name)))?;
        kept += size.bytes();
    }
    if kept > MAX_KEPT_BYTES {
        return Err(BadInput(format!(
            "comparing {} scenarios keeps all their tallies, {} MiB in all; the limit is {} MiB: compare fewer scenarios at once, or use nearer horizons or wider bins",
            loaded.len(),
            kept.div_ceil(1 << 20),
            MAX_KEPT_BYTES >> 20
        ))
        .into());
    }
    let cfg = args.sim.resolve(
        args.out.as_deref(),
        OutRules {
            default: PathBuf::from("results").join("compare"),
            stdout_refused: Some(
                "compare writes several files and needs an output folder, not `-o -`",
            ),
            what: "this comparison",
        },
    )?;
    let Out::Dir(out_dir) = &cfg.out else {
        unreachable!("`-o -` is refused above")
    };

    // Every scenario's evidence is tried before the first is run.
    let mut specs: Vec<RunSpec> = loaded
        .iter()
        .zip(&grids)
        .map(|(l, grid)| RunSpec::new(&l.model, cfg.seed, cfg.trajectories, *grid))
        .collect();
    for (l, spec) in loaded.iter().zip(&specs) {
        super::run::refuse_impossible_evidence(l, spec)?;
    }
    if let Some(Years(years)) = &args.signposts {
        specs = loaded
            .iter()
            .zip(specs)
            .map(|(l, spec)| crate::engine::with_signposts(&l.model, spec, years))
            .collect();
    }
    let clock = Instant::now();
    let mut tallies = Vec::new();
    for (l, spec) in loaded.iter().zip(&specs) {
        let t = super::progress::simulate(&l.model, spec, cfg.threads, cfg.quiet, &l.model.name)?;
        super::run::check_kept(l, &t, cfg.quiet)?;
        tallies.push(t);
    }
    let elapsed = clock.elapsed().as_secs_f64();

    let mut report = CompareReport::new(
        loaded.iter().zip(&tallies),
        cfg.seed,
        cfg.trajectories,
        cfg.bin_width,
        args.with_prior,
    );
    if args.signposts.is_some() {
        report.signposts = loaded
            .iter()
            .zip(&tallies)
            .zip(&specs)
            .filter_map(|((l, t), spec)| {
                Some(t.signposts.as_ref()?.rows(
                    &l.model,
                    spec.tally.signposts.as_ref()?,
                    &spec.tally.coarse,
                ))
            })
            .collect();
    }
    let rerun = format!(
        "agi-timelines compare {} -n {} --seed {} --bin-width {}{}{}",
        args.scenarios
            .iter()
            .map(|s| s.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
        cfg.trajectories,
        cfg.seed,
        cfg.bin_width,
        args.sim.evidence.change().args(),
        if args.with_prior { " --with-prior" } else { "" }
    ) + &super::run::signpost_args(args.signposts.as_ref().map(|y| y.0.as_slice()));
    output::write_set(out_dir, &report.files(cfg.threads, elapsed, rerun)?)
        .map_err(|e| anyhow::anyhow!("writing results to {}: {e}", out_dir.display()))?;
    if !cfg.quiet {
        write_stdout(report.text(elapsed, out_dir).as_bytes())?;
    }
    Ok(())
}
