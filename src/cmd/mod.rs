//! The command line: one module per subcommand, each with its clap `Args` and one `run`
//! function; [`flags`] holds the flags they share and turns them into one run
//! configuration; [`progress`] the progress bar and Ctrl-C. [`main`] parses, dispatches
//! and maps errors to exit codes.

pub mod check;
pub mod compare;
pub mod completions;
pub mod flags;
pub mod hindcast;
pub mod merge;
pub mod progress;
pub mod run;
pub mod scenarios;

use crate::VERSION;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit code after Ctrl-C (128 + SIGINT), as shells expect.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Bad input or usage: exit code 2 (anything else is 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// The run was stopped by Ctrl-C; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by Ctrl-C; no results were written (earlier results are untouched)")]
pub struct Interrupted;

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
    Run(run::Args),
    /// Run several scenarios with one seed; write long-format and side-by-side CSVs.
    Compare(compare::Args),
    /// Check a scenario's driver rates against the GPT-2 -> GPT-4 jump (4.5-6 OOM).
    Hindcast(hindcast::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Combine the shards of a run (`run --shard K/N`) into its full results.
    Merge(merge::Args),
    /// Validate priors files; exit 0 when all are valid, 2 otherwise.
    Check(check::Args),
    /// List the shipped scenarios, or print one with --show.
    Scenarios(scenarios::Args),
}

/// Parse the command line, run the command, and turn its result into an exit code:
/// 0 ok, 2 bad input or usage, 130 interrupted, 1 anything else.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    progress::install_interrupt_handler();
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Check(a) => check::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Hindcast(a) => hindcast::run(a),
        Command::Scenarios(a) => scenarios::run(a),
    };
    crate::output::release_locks();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Exit code for an error: 130 after Ctrl-C, 2 for bad input or usage, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.is::<Interrupted>() {
        EXIT_INTERRUPTED
    } else if err.is::<BadInput>()
        || err.is::<crate::priors::PriorsError>()
        || err.is::<crate::scenarios::LoadError>()
        || err.is::<crate::shard::ShardError>()
    {
        2
    } else {
        1
    }
}

/// Print a model's warnings on stderr, each after `prefix` (`warning: `, or with the
/// scenario or file before it): the first [`crate::priors::MAX_SHOWN`], then how many
/// more.
pub fn print_warnings(prefix: &str, warnings: &[String]) {
    let shown = crate::priors::MAX_SHOWN;
    for w in warnings.iter().take(shown) {
        eprintln!("{prefix}{w}");
    }
    if warnings.len() > shown {
        eprintln!("{prefix}... and {} more", warnings.len() - shown);
    }
}

/// Write `bytes` to stdout; a closed pipe is fine, any other failure is exit code 1.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    crate::output::write_stdout(bytes)
        .map_err(|e| anyhow::anyhow!("writing to standard output: {e}"))
}
