//! `agi-timelines check SCENARIO...`: validate priors files without running them.

use super::BadInput;
use crate::scenarios::load;

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

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut failed = 0;
    for arg in &args.scenarios {
        let s = arg.to_string_lossy();
        match load(Some(arg)) {
            Ok(l) => {
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
