//! `manifest.json`: everything needed to rerun a run, a comparison, a merge or a shard
//! exactly, in one shape (fields that do not apply are left out).

use crate::model::Model;
use crate::tally::Tally;
use serde::Serialize;

/// What a results folder holds and how to reproduce it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    /// The scenario of a run, merge or shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Where its priors came from: a path, or `builtin:<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priors_source: Option<String>,
    /// The scenarios of a comparison, each with its priors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<ScenarioEntry>,
    pub seed: u64,
    /// Trajectories of the whole run (all shards together).
    pub trajectories: u64,
    /// `1/1`, `K/N` for a shard, or `merged from N shards`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Trajectories this shard computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_trajectories: Option<u64>,
    pub bin_width: String,
    pub threads: usize,
    pub chunk_size: u64,
    pub generator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<bool>,
    /// What the run was conditioned on, and how many trajectories that kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceRecord>,
    pub elapsed_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_unix_seconds: Option<u64>,
    /// A command line that reproduces the result files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerun: Option<String>,
    pub outputs: Vec<String>,
    /// What to do next (for a shard: merge).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// A verbatim copy of the priors text of a run, merge or shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priors: Option<String>,
}

/// The evidence a run was conditioned on (as applied, command-line flags included).
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceRecord {
    pub no_arrival_before: Option<f64>,
    /// Each observation: year, what was measured, and the measurement.
    pub observations: Vec<String>,
    /// Command-line flags that changed the priors' evidence (`--as-of`, `--no-evidence`).
    pub flags: String,
    pub trajectories_drawn: u64,
    pub trajectories_kept: u64,
}

impl EvidenceRecord {
    /// The record of a run of `model` with tally `tally`; `None` without evidence (and
    /// no flag that removed it).
    pub fn new(model: &Model, tally: &Tally, flags: &str) -> Option<EvidenceRecord> {
        let ev = model.evidence();
        if ev.is_none() && flags.is_empty() {
            return None;
        }
        Some(EvidenceRecord {
            no_arrival_before: ev.and_then(|e| e.no_arrival_before),
            observations: ev.map_or_else(Vec::new, |e| {
                e.observations
                    .iter()
                    .map(|o| {
                        let of = o.of.map_or("E", |d| model.drivers[d].name.as_str());
                        format!("{of} at {}: {}", o.year, o.level)
                    })
                    .collect()
            }),
            flags: flags.trim().to_string(),
            trajectories_drawn: tally.drawn(),
            trajectories_kept: tally.trajectories(),
        })
    }
}

/// One scenario of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioEntry {
    pub name: String,
    pub priors_source: String,
    pub priors: String,
}

impl Manifest {
    /// A manifest of this program, with the fields every result has filled in.
    pub fn new(seed: u64, trajectories: u64, bin_width: String, threads: usize) -> Manifest {
        Manifest {
            program: "agi-timelines".into(),
            version: crate::VERSION.into(),
            seed,
            trajectories,
            bin_width,
            threads,
            chunk_size: crate::engine::CHUNK_SIZE,
            generator: crate::engine::GENERATOR.into(),
            ..Manifest::default()
        }
    }

    /// Elapsed seconds as recorded: to the millisecond.
    pub fn elapsed(mut self, seconds: f64) -> Manifest {
        self.elapsed_seconds = (seconds * 1000.0).round() / 1000.0;
        self
    }

    pub fn json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("manifest serialises");
        v.push(b'\n');
        v
    }
}
