//! `agi-timelines merge DIR...`: combine the shards of a run split across machines.
//!
//! Each `run --shard K/N` computes a fixed part of the chunk sequence and writes its
//! integer tallies to `tally.json`. Merging adds the tallies, so the result is the
//! same, byte for byte, as one run of the whole on one machine. Shards from different
//! scenarios, priors, seeds, counts, bin widths or program versions are refused.

use super::run::{Finished, SHARD_FORMAT, ShardFile, write_results};
use crate::cli::{BadInput, Loaded};
use crate::engine::{RunSpec, Tally};
use crate::histogram::{BinWidth, Grid};
use crate::output;
use crate::priors::parse_model;
use std::path::{Path, PathBuf};

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

fn read_shard(path: &Path) -> Result<ShardFile, BadInput> {
    let file = if path.is_dir() {
        path.join("tally.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| {
        BadInput(format!(
            "{}: cannot read a shard tally: {e}",
            file.display()
        ))
    })?;
    let shard: ShardFile = serde_json::from_str(&text).map_err(|e| {
        BadInput(format!(
            "{}: not a shard tally written by `run --shard` ({e})",
            file.display()
        ))
    })?;
    if shard.format != SHARD_FORMAT {
        return Err(BadInput(format!(
            "{}: unknown tally format `{}` (this program reads `{SHARD_FORMAT}`)",
            file.display(),
            shard.format
        )));
    }
    Ok(shard)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let shards: Vec<ShardFile> = args
        .shards
        .iter()
        .map(|p| read_shard(p))
        .collect::<Result<_, _>>()?;
    let first = &shards[0];
    let at = |i: usize| args.shards[i].display().to_string();
    for (i, s) in shards.iter().enumerate().skip(1) {
        let differ = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            BadInput(format!(
                "{} and {} come from different runs: {what} {a} vs {b}; only shards of one run merge",
                at(0),
                at(i)
            ))
        };
        if s.version != first.version {
            return Err(differ("program version", &first.version, &s.version).into());
        }
        if s.scenario != first.scenario {
            return Err(differ("scenario", &first.scenario, &s.scenario).into());
        }
        if s.priors != first.priors {
            return Err(differ("priors text", &"(one file)", &"(another)").into());
        }
        if s.seed != first.seed {
            return Err(differ("seed", &first.seed, &s.seed).into());
        }
        if s.trajectories != first.trajectories {
            return Err(differ("trajectory count", &first.trajectories, &s.trajectories).into());
        }
        if s.bin_width != first.bin_width {
            return Err(differ("bin width", &first.bin_width, &s.bin_width).into());
        }
        if s.sensitivity != first.sensitivity {
            return Err(differ("--sensitivity", &first.sensitivity, &s.sensitivity).into());
        }
        if s.shard_count != first.shard_count {
            return Err(differ("shard count N", &first.shard_count, &s.shard_count).into());
        }
        if s.chunk_size != first.chunk_size {
            return Err(differ("chunk size", &first.chunk_size, &s.chunk_size).into());
        }
    }
    if first.version != crate::cli::VERSION {
        return Err(BadInput(format!(
            "the shards were written by agi-timelines {}, this is {}; merge with the version that ran them",
            first.version,
            crate::cli::VERSION
        ))
        .into());
    }
    let n = first.shard_count;
    let mut seen = vec![None; n as usize];
    for (i, s) in shards.iter().enumerate() {
        let k = s.shard_index;
        if k < 1 || k > n {
            return Err(BadInput(format!("{}: shard {k}/{n} is out of range", at(i))).into());
        }
        if let Some(j) = seen[(k - 1) as usize] {
            return Err(BadInput(format!(
                "shard {k}/{n} is given twice: {} and {}",
                at(j),
                at(i)
            ))
            .into());
        }
        seen[(k - 1) as usize] = Some(i);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(BadInput(format!(
            "missing shards: {} (all {n} are needed)",
            missing.join(", ")
        ))
        .into());
    }

    let model = parse_model(&first.priors_source, &first.priors)?;
    let bin = BinWidth::parse(&first.bin_width).map_err(|e| BadInput(e.0))?;
    let grid = Grid::new(model.start, model.horizon, bin).map_err(|e| BadInput(e.0))?;
    let mut spec = RunSpec::new(&model, first.seed, first.trajectories, grid);
    if first.sensitivity {
        spec = spec.with_sensitivity(&model);
    }
    let empty = Tally::new(&model, &spec);
    let mut tally = Tally::new(&model, &spec);
    for slot in &seen {
        let i = slot.expect("checked above");
        let t = &shards[i].tally;
        let fits = t.histogram.grid == empty.histogram.grid
            && t.histogram.counts.len() == empty.histogram.counts.len()
            && t.attribution.bottlenecks == empty.attribution.bottlenecks
            && t.attribution.cells == empty.attribution.cells
            && t.attribution.combos.len() == empty.attribution.combos.len()
            && t.attribution.each.len() == empty.attribution.each.len()
            && t.sensitivity
                .as_ref()
                .map(|s| (s.per_cell.len(), s.moments.len()))
                == empty
                    .sensitivity
                    .as_ref()
                    .map(|s| (s.per_cell.len(), s.moments.len()));
        if !fits {
            return Err(BadInput(format!(
                "{}: the tally does not fit its own priors (edited or corrupt)",
                at(i)
            ))
            .into());
        }
        // Fired counts are read off the attribution counts: they must count the same
        // trajectories as the histogram (and so must sensitivity's).
        let n = t.histogram.total();
        let consistent = t.attribution.counts_each_trajectory_once(n)
            && t.sensitivity
                .as_ref()
                .is_none_or(|s| s.counts.iter().sum::<u64>() == n);
        if !consistent {
            return Err(BadInput(format!(
                "{}: the tally's counts do not add up to its {n} trajectories (edited or corrupt)",
                at(i)
            ))
            .into());
        }
        tally = tally.merge(t.clone());
    }
    if tally.trajectories() != first.trajectories {
        return Err(BadInput(format!(
            "the shards hold {} trajectories, not the {} of the run (edited or corrupt)",
            tally.trajectories(),
            first.trajectories
        ))
        .into());
    }

    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&model.name));
    output::prepare_dir(&out_dir).map_err(|e| {
        BadInput(format!(
            "cannot write results to {}: {e}",
            out_dir.display()
        ))
    })?;
    let loaded = Loaded {
        model,
        source: first.priors_source.clone(),
        text: first.priors.clone(),
    };
    write_results(
        &Finished {
            loaded: &loaded,
            spec: &spec,
            tally: &tally,
            bin_width: bin,
            sensitivity: first.sensitivity,
            no_chart: args.no_chart,
            threads: 0,
            elapsed: 0.0,
            started: 0,
            shard_label: format!("merged from {n} shards"),
        },
        &out_dir,
        args.quiet,
    )
}
