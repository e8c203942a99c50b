//! `agi-timelines merge DIR...`: combine the shards of a run split across machines
//! (the format and the checks are in [`crate::shard`]).

use super::BadInput;
use super::flags::prepare_dir;
use crate::report::{RunContext, RunReport};
use crate::shard::{ShardFile, merge};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines merge results/skeptic.shard-*-of-4 -o results/skeptic\n  \
    agi-timelines merge shard1/ shard2/ shard3/"
)]
pub struct Args {
    /// Shard folders written by `run --shard K/N` (or their tally.json files).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,

    /// Output folder. Default: results/<scenario name>/.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Skip chart.svg and chart.png.
    #[arg(long = "no-chart")]
    pub no_chart: bool,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let merged = merge(&args.shards)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&merged.loaded.model.name));
    let out_dir = prepare_dir(&out_dir)?;
    // Writing into a shard's own folder would replace its tally.json with the merged
    // results: refuse, whichever path names it.
    if let Ok(out) = out_dir.canonicalize() {
        for p in &args.shards {
            let folder = match ShardFile::file_of(p).parent() {
                Some(f) if !f.as_os_str().is_empty() => f.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if folder.canonicalize().is_ok_and(|f| f == out) {
                return Err(BadInput(format!(
                    "the output folder {} holds the shard {}; merge into another folder, or the shard's tally would be replaced",
                    out_dir.display(),
                    p.display()
                ))
                .into());
            }
        }
    }
    super::run::check_kept(&merged.loaded, &merged.tally, args.quiet)?;
    let report = RunReport::new(
        &merged.loaded,
        &merged.spec,
        &merged.tally,
        merged.bin_width,
    );
    let cx = RunContext {
        threads: 0,
        elapsed: 0.0,
        started: 0,
        shard_label: format!("merged from {} shards", merged.shards),
        chart: !args.no_chart,
        flags: merged.flags.clone(),
    };
    super::run::write_report(&report, &cx, &out_dir, args.quiet)
}
