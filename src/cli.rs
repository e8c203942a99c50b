//! Command-line definitions. Raw flags become one validated value each (counts, bin
//! widths, shards, scenarios) before any work starts; each command lives in `cmd/`.

use crate::histogram::BinWidth;
use crate::model::Model;
use crate::priors::{PriorsError, load_model_with_text};
use crate::scenarios;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Version string: crate version and git revision.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("AGI_TIMELINES_GIT_REVISION"),
    ")"
);

/// Bad input or usage: exit code 2 (anything else is 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

#[derive(Parser, Debug)]
#[command(
    name = "agi-timelines",
    version = VERSION,
    about = "Monte Carlo forecasts of the year AGI arrives, from priors on compute, algorithms and unhobbling.",
    long_about = "Monte Carlo forecasts of the year AGI arrives.\n\n\
        Each trajectory draws every input from its prior (a TOML priors file), counts the OOMs of \
        effective compute above GPT-4 that growth drivers add, slows them with bottlenecks, and \
        records when an uncertain threshold is crossed. Results are CSV histograms and summaries.\n\n\
        Exit codes: 0 ok, 2 bad input or usage, 130 interrupted (Ctrl-C), 1 anything else.",
    after_help = "Examples:\n  agi-timelines run                      # the built-in default scenario, 1e6 trajectories\n  \
        agi-timelines run skeptic -n 10M --seed 7\n  agi-timelines run my-priors.toml -o out/ --bin-width quarter\n  \
        agi-timelines check my-priors.toml\n  agi-timelines scenarios --show epoch-trends > my-priors.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario; write histogram, summary, attribution (and sensitivity) CSVs, charts and a manifest.
    Run(crate::cmd::run::Args),
    /// Run several scenarios with one seed; write long-format and side-by-side CSVs.
    Compare(crate::cmd::compare::Args),
    /// Check a scenario's driver rates against the GPT-2 -> GPT-4 jump (4.5-6 OOM).
    Hindcast(crate::cmd::hindcast::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(crate::cmd::completions::Args),
    /// Combine the shards of a run (`run --shard K/N`) into its full results.
    Merge(crate::cmd::merge::Args),
    /// Validate priors files; exit 0 when all are valid, 2 otherwise.
    Check(crate::cmd::check::Args),
    /// List the shipped scenarios, or print one with --show.
    Scenarios(crate::cmd::scenarios::Args),
}

/// Flags shared by `run` and `compare`, spelled once.
#[derive(clap::Args, Debug, Clone)]
pub struct SimFlags {
    /// Trajectories to simulate (per scenario): 1000000, 1e6, 1_000_000, 10M, 2.5k.
    #[arg(short = 'n', long = "trajectories", default_value = "1000000", value_parser = parse_count)]
    pub trajectories: u64,

    /// Random seed (a 64-bit integer). Omitted: one is picked, printed and recorded.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Histogram bin width in years: 1, 5, 0.25, 1/12, or year, quarter, month, week, day.
    #[arg(long = "bin-width", value_name = "YEARS", default_value = "1", value_parser = parse_bin_width)]
    pub bin_width: BinWidth,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long = "threads")]
    pub threads: Option<usize>,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Parse a trajectory count: `1000000`, `1e6`, `1_000_000`, `10M`, `2.5k`, `1G`.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('m' | 'M') => (&t[..t.len() - 1], 1e6),
        Some('g' | 'G' | 'b' | 'B') => (&t[..t.len() - 1], 1e9),
        Some('t' | 'T') => (&t[..t.len() - 1], 1e12),
        _ => (t.as_str(), 1.0),
    };
    let bad =
        || format!("`{s}` is not a trajectory count: use e.g. 1000000, 1e6, 1_000_000, 10M, 2.5k");
    if num.is_empty() {
        return Err(bad());
    }
    // Exact integer path first, so counts above 2^53 stay exact.
    if mult == 1.0
        && let Ok(n) = num.parse::<u64>()
    {
        return if n == 0 {
            Err("the trajectory count must be at least 1".into())
        } else {
            Ok(n)
        };
    }
    let x: f64 = num.parse().map_err(|_| bad())?;
    let v = x * mult;
    if !v.is_finite() || v < 1.0 {
        return Err(if v.is_finite() && v >= 0.0 {
            "the trajectory count must be at least 1".into()
        } else {
            bad()
        });
    }
    if v.fract() != 0.0 {
        return Err(format!("`{s}` is not a whole number of trajectories"));
    }
    if v >= u64::MAX as f64 {
        return Err(format!(
            "`{s}` trajectories is more than this program can count (2^64)"
        ));
    }
    Ok(v as u64)
}

pub fn parse_bin_width(s: &str) -> Result<BinWidth, String> {
    BinWidth::parse(s).map_err(|e| e.0)
}

/// Where a scenario's priors came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub model: Model,
    /// `builtin:<name>` or the path as given.
    pub source: String,
    pub text: String,
}

/// Resolve a SCENARIO argument. A value containing a path separator or ending in
/// `.toml` is always a file; a bare word is a shipped scenario when one has that name,
/// else a file. `None` is the built-in default.
pub fn load_scenario(arg: Option<&std::ffi::OsStr>) -> Result<Loaded, anyhow::Error> {
    let arg = arg.unwrap_or(std::ffi::OsStr::new(scenarios::DEFAULT));
    // A path need not be UTF-8; a shipped name always is.
    if let Some(name) = arg.to_str() {
        let looks_like_path = name.contains('/') || name.contains('\\') || name.ends_with(".toml");
        if !looks_like_path && let Some(s) = scenarios::find(name) {
            let model = s.model().map_err(anyhow::Error::new)?;
            return Ok(Loaded {
                model,
                source: format!("builtin:{}", s.name),
                text: s.text.to_string(),
            });
        }
    }
    let path = PathBuf::from(arg);
    if !path.exists() {
        let names: Vec<&str> = scenarios::SHIPPED.iter().map(|s| s.name).collect();
        let shown = path.display().to_string();
        let looks_like_path =
            shown.contains('/') || shown.contains('\\') || shown.ends_with(".toml");
        return Err(BadInput(if looks_like_path {
            format!("cannot read priors file `{shown}`: no such file")
        } else {
            format!(
                "no shipped scenario or priors file named `{shown}`{}; shipped scenarios: {}",
                crate::priors::suggest(&shown, names.iter().copied()),
                names.join(", ")
            )
        })
        .into());
    }
    let (model, text) = load_model_with_text(&path).map_err(anyhow::Error::new)?;
    Ok(Loaded {
        model,
        source: path.display().to_string(),
        text,
    })
}

/// Write `bytes` to stdout. A closed pipe (`| head`) is not an error: the reader has
/// all it wanted. Any other failure (a full disk, `> /dev/full`) is, with exit code 1,
/// so that a script never takes lost output for success.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("writing to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Exit code for an error: 2 for bad input or usage, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.is::<BadInput>() || err.is::<PriorsError>() {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_every_spelling() {
        for (s, n) in [
            ("1000000", 1_000_000u64),
            ("1e6", 1_000_000),
            ("1_000_000", 1_000_000),
            ("10M", 10_000_000),
            ("2.5k", 2_500),
            ("1G", 1_000_000_000),
            ("18446744073709551615", u64::MAX),
        ] {
            assert_eq!(parse_count(s), Ok(n), "{s}");
        }
        for s in [
            "0",
            "-5",
            "1.5",
            "abc",
            "",
            "1e30",
            "nan",
            "k",
            "18446744073709551616",
        ] {
            assert!(parse_count(s).is_err(), "{s}");
        }
    }
}
