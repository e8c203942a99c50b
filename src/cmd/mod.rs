//! One module per subcommand, each with its clap `Args` and one `run` function.

pub mod check;
pub mod compare;
pub mod run;
pub mod scenarios;

use crate::cli::BadInput;

/// The `-j/--threads` value: at least 1; default all cores.
pub fn threads(requested: Option<usize>) -> Result<usize, BadInput> {
    match requested {
        Some(0) => Err(BadInput("--threads must be at least 1".into())),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}
