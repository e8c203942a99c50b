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
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "agi-timelines", &mut out);
    if args.shell == Shell::Bash {
        out = fix_bash_case_labels(&out);
    }
    super::write_stdout(&out)?;
    Ok(())
}

/// clap_complete's bash script for a hyphenated binary name spells the subcommands'
/// case labels `agi__subcmd__timelines__subcmd__run` while it sets `cmd` to
/// `agi__timelines__subcmd__run`, so nothing after the subcommand ever completes
/// (clap-rs/clap#6421). Spell the labels like `cmd`.
fn fix_bash_case_labels(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("agi__subcmd__timelines", "agi__timelines")
        .into_bytes()
}
