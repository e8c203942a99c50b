//! `agi-timelines completions SHELL`: print a shell completion script.

use clap::CommandFactory;
use clap_complete::Shell;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines completions bash > ~/.local/share/bash-completion/completions/agi-timelines\n  \
    agi-timelines completions zsh > ~/.zfunc/_agi-timelines\n  agi-timelines completions fish > ~/.config/fish/completions/agi-timelines.fish"
)]
pub struct Args {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "agi-timelines", &mut out);
    crate::cli::write_stdout(&out)?;
    Ok(())
}
