//! `agi-timelines scenarios [--show NAME]`: list the shipped scenarios or print one.

use super::BadInput;
use crate::scenarios::{DEFAULT, SHIPPED, find};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines scenarios\n  agi-timelines scenarios --show skeptic > my-priors.toml"
)]
pub struct Args {
    /// Print this scenario's priors file, comments and all, to copy and edit.
    #[arg(long, value_name = "NAME")]
    pub show: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let text = match args.show {
        Some(name) => match find(&name) {
            Some(s) => s.text.to_string(),
            None => {
                let names: Vec<&str> = SHIPPED.iter().map(|s| s.name).collect();
                return Err(BadInput(format!(
                    "no shipped scenario `{name}`; shipped: {}",
                    names.join(", ")
                ))
                .into());
            }
        },
        None => {
            let mut t = String::new();
            for s in SHIPPED {
                let mark = if s.name == DEFAULT { " (default)" } else { "" };
                t.push_str(&format!("{}{mark}\n    {}\n", s.name, s.description()));
            }
            t
        }
    };
    super::write_stdout(text.as_bytes())
}
