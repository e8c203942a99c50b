//! `agi-timelines check SCENARIO...`: validate priors files without running them.

use super::BadInput;
use crate::engine::{self, RunSpec, TRIAL_SIZE, Trial};
use crate::scenarios::{Loaded, load};
use crate::tally::{BinWidth, Grid};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines check my-priors.toml\n  agi-timelines check priors/*.toml"
)]
pub struct Args {
    /// Priors files or shipped scenario names.
    #[arg(required = true)]
    pub scenarios: Vec<std::ffi::OsString>,

    /// Print nothing for valid files.
    #[arg(short, long)]
    pub quiet: bool,
}

/// A trial of a scenario's evidence (seed 1, yearly bins), refused when it keeps no
/// trajectory; `None` without evidence.
fn try_evidence(l: &Loaded) -> Result<Option<Trial>, anyhow::Error> {
    let m = &l.model;
    if m.evidence().is_none() {
        return Ok(None);
    }
    let grid = Grid::new(m.start, m.horizon, BinWidth::Years(1)).map_err(|e| BadInput(e.0))?;
    let spec = RunSpec::new(m, 1, TRIAL_SIZE, grid);
    super::run::refuse_impossible_evidence(l, &spec)?;
    Ok(engine::trial(m, &spec))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut failed = 0;
    for arg in &args.scenarios {
        let s = arg.to_string_lossy();
        // A file that parses may still hold evidence that no trajectory satisfies.
        let tried = load(Some(arg)).map_err(anyhow::Error::new).and_then(|l| {
            let trial = try_evidence(&l)?;
            Ok((l, trial))
        });
        match tried {
            Ok((l, trial)) => {
                super::print_warnings(&format!("{s}: warning: "), &l.model.warnings);
                if !args.quiet {
                    let m = &l.model;
                    let n = |k: usize, one: &str, many: &str| {
                        format!("{k} {}", if k == 1 { one } else { many })
                    };
                    println!(
                        "ok: {s} (scenario `{}`: {}, {} uncertain; {}; {}; {} to {})",
                        m.name,
                        n(m.inputs.len(), "input", "inputs"),
                        m.uncertain_inputs().count(),
                        n(m.drivers.len(), "driver", "drivers"),
                        n(m.bottlenecks.len(), "bottleneck", "bottlenecks"),
                        m.start,
                        m.horizon
                    );
                    if let (Some(ev), Some(t)) = (m.evidence(), trial) {
                        println!(
                            "    evidence: {}{}; a trial keeps {:.1}% of {} trajectories",
                            ev.no_arrival_before
                                .map_or(String::new(), |y| format!("no arrival before {y}, ")),
                            n(ev.observations.len(), "observation", "observations"),
                            t.kept as f64 / t.drawn as f64 * 100.0,
                            crate::format::fmt_count(t.drawn)
                        );
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if failed > 0 {
        return Err(BadInput(format!(
            "{failed} of {} scenarios failed validation",
            args.scenarios.len()
        ))
        .into());
    }
    Ok(())
}
