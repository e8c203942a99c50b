use agi_timelines::cli::{Cli, Command, exit_code};
use agi_timelines::cmd;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cmd::install_interrupt_handler();
    let result = match cli.command {
        Command::Run(a) => cmd::run::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Merge(a) => cmd::merge::run(a),
        Command::Completions(a) => cmd::completions::run(a),
        Command::Hindcast(a) => cmd::hindcast::run(a),
        Command::Scenarios(a) => cmd::scenarios::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.is::<cmd::Interrupted>() {
                return ExitCode::from(cmd::EXIT_INTERRUPTED);
            }
            ExitCode::from(exit_code(&e))
        }
    }
}
