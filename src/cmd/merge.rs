//! `agi-timelines merge DIR...`: combine the shards of a run split across machines
//! (the format and the checks are in [`crate::shard`]).

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
    let shards = args
        .shards
        .iter()
        .map(|p| ShardFile::read(p).map(|s| (p.clone(), s)))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge(&shards)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&merged.loaded.model.name));
    let out_dir = prepare_dir(&out_dir)?;
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
    };
    super::run::write_report(&report, &cx, &out_dir, args.quiet)
}
