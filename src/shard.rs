//! The shard file format (`tally.json`) and the merge of shards into one run.
//!
//! `run --shard K/N` computes a fixed part of the chunk sequence (see
//! [`crate::engine::Shard`]) and writes its integer tallies with everything needed to
//! check that shards belong together: program version, scenario, priors text, seed,
//! trajectory count, bin width, options, chunk size. Merging adds the tallies, so the
//! result is the same, byte for byte, as one run of the whole on one machine.

use crate::engine::{CHUNK_SIZE, RunSpec};
use crate::model::EvidenceChange;
use crate::priors::parse_model;
use crate::report::Manifest;
use crate::scenarios::Loaded;
use crate::tally::{BinWidth, Grid, Tally};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` field of every tally.json.
pub const SHARD_FORMAT: &str = "agi-timelines shard tally v3";

/// A shard that cannot be read or merged; the message says which and why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ShardError(pub String);

/// The mergeable result of one shard (`tally.json`).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ShardFile {
    pub format: String,
    pub version: String,
    pub scenario: String,
    pub priors_source: String,
    pub priors: String,
    pub seed: u64,
    pub trajectories: u64,
    pub bin_width: String,
    pub sensitivity: bool,
    pub shard_index: u64,
    pub shard_count: u64,
    pub chunk_size: u64,
    /// `--as-of`, `--no-evidence`: applied to the priors' evidence by every shard.
    pub evidence_change: EvidenceChange,
    /// `--signposts`: the years (every shard cuts the levels alike, from the seed).
    #[serde(default)]
    pub signposts: Vec<f64>,
    pub tally: Tally,
}

impl ShardFile {
    /// The shard `shard` of the run `spec` of `loaded`, with its tally.
    pub fn new(
        loaded: &Loaded,
        spec: &RunSpec,
        bin_width: BinWidth,
        change: EvidenceChange,
        tally: Tally,
    ) -> ShardFile {
        ShardFile {
            format: SHARD_FORMAT.into(),
            version: crate::VERSION.into(),
            scenario: loaded.model.name.clone(),
            priors_source: loaded.source.clone(),
            priors: loaded.text.clone(),
            seed: spec.seed,
            trajectories: spec.trajectories,
            bin_width: bin_width.to_string(),
            sensitivity: spec.tally.sensitivity.is_some(),
            shard_index: spec.shard.index,
            shard_count: spec.shard.count,
            chunk_size: CHUNK_SIZE,
            evidence_change: change,
            signposts: spec
                .tally
                .signposts
                .as_ref()
                .map_or_else(Vec::new, |s| s.years.clone()),
            tally,
        }
    }

    /// `tally.json` and `manifest.json` of this shard.
    pub fn files(&self, threads: usize, elapsed: f64) -> Vec<(&'static str, Vec<u8>)> {
        let mut tally = serde_json::to_vec(self).expect("a tally serialises");
        tally.push(b'\n');
        let manifest = Manifest {
            scenario: Some(self.scenario.clone()),
            priors_source: Some(self.priors_source.clone()),
            shard: Some(format!("{}/{}", self.shard_index, self.shard_count)),
            shard_trajectories: Some(self.tally.trajectories()),
            sensitivity: Some(self.sensitivity),
            outputs: vec!["tally.json".into(), "manifest.json".into()],
            next: Some("agi-timelines merge <all N shard folders> -o <results folder>".into()),
            ..Manifest::new(
                self.seed,
                self.trajectories,
                self.bin_width.clone(),
                threads,
            )
            .elapsed(elapsed)
        };
        vec![("tally.json", tally), ("manifest.json", manifest.json())]
    }

    /// Read a shard folder (or its `tally.json`).
    pub fn read(path: &Path) -> Result<ShardFile, ShardError> {
        let file = if path.is_dir() {
            path.join("tally.json")
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&file).map_err(|e| {
            ShardError(format!(
                "{}: cannot read a shard tally: {e}",
                file.display()
            ))
        })?;
        let shard: ShardFile = serde_json::from_str(&text).map_err(|e| {
            ShardError(format!(
                "{}: not a shard tally written by `run --shard` ({e})",
                file.display()
            ))
        })?;
        if shard.format != SHARD_FORMAT {
            return Err(ShardError(format!(
                "{}: unknown tally format `{}` (this program reads `{SHARD_FORMAT}`)",
                file.display(),
                shard.format
            )));
        }
        Ok(shard)
    }
}

/// A merged run: the scenario, the run it was part of, and the sum of its shards.
pub struct Merged {
    pub loaded: Loaded,
    pub spec: RunSpec,
    pub bin_width: BinWidth,
    pub tally: Tally,
    /// How many shards were merged.
    pub shards: u64,
    /// The evidence flags the shards were run with, as a command line repeats them.
    pub flags: String,
}

/// Merge the shards read from `paths` (in that order): refuse shards of different runs,
/// missing or repeated shards, and tallies that do not fit their own priors or do not
/// add up; otherwise add the tallies.
pub fn merge(shards: &[(PathBuf, ShardFile)]) -> Result<Merged, ShardError> {
    let (_, first) = &shards[0];
    let at = |i: usize| shards[i].0.display().to_string();
    for (i, (_, s)) in shards.iter().enumerate().skip(1) {
        let differ = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            ShardError(format!(
                "{} and {} come from different runs: {what} {a} vs {b}; only shards of one run merge",
                at(0),
                at(i)
            ))
        };
        if s.version != first.version {
            return Err(differ("program version", &first.version, &s.version));
        }
        if s.scenario != first.scenario {
            return Err(differ("scenario", &first.scenario, &s.scenario));
        }
        if s.priors != first.priors {
            return Err(differ("priors text", &"(one file)", &"(another)"));
        }
        if s.seed != first.seed {
            return Err(differ("seed", &first.seed, &s.seed));
        }
        if s.trajectories != first.trajectories {
            return Err(differ(
                "trajectory count",
                &first.trajectories,
                &s.trajectories,
            ));
        }
        if s.bin_width != first.bin_width {
            return Err(differ("bin width", &first.bin_width, &s.bin_width));
        }
        if s.sensitivity != first.sensitivity {
            return Err(differ("--sensitivity", &first.sensitivity, &s.sensitivity));
        }
        if s.shard_count != first.shard_count {
            return Err(differ("shard count N", &first.shard_count, &s.shard_count));
        }
        if s.chunk_size != first.chunk_size {
            return Err(differ("chunk size", &first.chunk_size, &s.chunk_size));
        }
        if s.signposts != first.signposts {
            return Err(differ(
                "--signposts",
                &format!("{:?}", first.signposts),
                &format!("{:?}", s.signposts),
            ));
        }
        if s.evidence_change != first.evidence_change {
            return Err(differ(
                "evidence flags",
                &format!("`{}`", first.evidence_change.args().trim()),
                &format!("`{}`", s.evidence_change.args().trim()),
            ));
        }
    }
    if first.version != crate::VERSION {
        return Err(ShardError(format!(
            "the shards were written by agi-timelines {}, this is {}; merge with the version that ran them",
            first.version,
            crate::VERSION
        )));
    }
    let n = first.shard_count;
    let mut seen = vec![None; n as usize];
    for (i, (_, s)) in shards.iter().enumerate() {
        let k = s.shard_index;
        if k < 1 || k > n {
            return Err(ShardError(format!(
                "{}: shard {k}/{n} is out of range",
                at(i)
            )));
        }
        if let Some(j) = seen[(k - 1) as usize] {
            return Err(ShardError(format!(
                "shard {k}/{n} is given twice: {} and {}",
                at(j),
                at(i)
            )));
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
        return Err(ShardError(format!(
            "missing shards: {} (all {n} are needed)",
            missing.join(", ")
        )));
    }

    let mut model =
        parse_model(&first.priors_source, &first.priors).map_err(|e| ShardError(e.to_string()))?;
    first
        .evidence_change
        .apply(&mut model)
        .map_err(ShardError)?;
    let bin = BinWidth::parse(&first.bin_width).map_err(|e| ShardError(e.0))?;
    let grid = Grid::new(model.start, model.horizon, bin).map_err(|e| ShardError(e.0))?;
    let mut spec = RunSpec::new(&model, first.seed, first.trajectories, grid);
    if first.sensitivity {
        spec = spec.with_sensitivity(&model);
    }
    if !first.signposts.is_empty() {
        spec = crate::engine::with_signposts(&model, spec, &first.signposts);
    }
    let empty = Tally::new(&model, &spec.tally);
    let mut tally = Tally::new(&model, &spec.tally);
    for slot in &seen {
        let i = slot.expect("checked above");
        let t = &shards[i].1.tally;
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
                    .map(|s| (s.per_cell.len(), s.moments.len()))
            && t.evidence
                .as_ref()
                .map(|e| (e.ratio_sum.len(), e.prior.counts.len()))
                == empty
                    .evidence
                    .as_ref()
                    .map(|e| (e.ratio_sum.len(), e.prior.counts.len()))
            && t.signposts
                .as_ref()
                .map(|s| (s.counts.len(), s.all.len(), &s.cuts))
                == empty
                    .signposts
                    .as_ref()
                    .map(|s| (s.counts.len(), s.all.len(), &s.cuts));
        if !fits {
            return Err(ShardError(format!(
                "{}: the tally does not fit its own priors (edited or corrupt)",
                at(i)
            )));
        }
        // Fired counts are read off the attribution counts: they must count the same
        // trajectories as the histogram (and so must sensitivity's).
        let n = t.histogram.total();
        let consistent = t.attribution.counts_each_trajectory_once(n)
            && t.sensitivity
                .as_ref()
                .is_none_or(|s| s.counts.iter().sum::<u64>() == n);
        if !consistent {
            return Err(ShardError(format!(
                "{}: the tally's counts do not add up to its {n} trajectories (edited or corrupt)",
                at(i)
            )));
        }
        tally = tally.merge(t.clone());
    }
    if tally.drawn() != first.trajectories {
        return Err(ShardError(format!(
            "the shards hold {} trajectories, not the {} of the run (edited or corrupt)",
            tally.drawn(),
            first.trajectories
        )));
    }
    Ok(Merged {
        loaded: Loaded {
            model,
            source: first.priors_source.clone(),
            text: first.priors.clone(),
        },
        spec,
        bin_width: bin,
        tally,
        shards: n,
        flags: format!(
            "{}{}",
            first.evidence_change.args(),
            if first.signposts.is_empty() {
                String::new()
            } else {
                format!(
                    " --signposts {}",
                    first
                        .signposts
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
        ),
    })
}
