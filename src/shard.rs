//! The shard file format (`tally.json`) and the merge of shards into one run.
//!
//! `run --shard K/N` computes a fixed part of the chunk sequence (see
//! [`crate::engine::Shard`]) and writes its integer tallies with everything needed to
//! check that shards belong together: program version, scenario, priors text, seed,
//! trajectory count, bin width, options, chunk size. Merging adds the tallies, so the
//! result is the same, byte for byte, as one run of the whole on one machine.
//!
//! Every file carries a SHA-256 digest of its content (`digest`), and merging checks
//! every invariant the tallies allow (see [`Tally::verify`]): together they catch a
//! damaged file or a hand edit, even one that keeps the counts' sum. The digest is not
//! a signature: anyone can recompute it, so it guards against accidents, not against
//! a determined forger.
//!
//! Merging reads the shards one at a time and adds each to the total before reading
//! the next, and sizes nothing from a number in a file before bounding it: memory is
//! one file, one shard's tally and the total, whatever the number of shards.

use crate::engine::{CHUNK_SIZE, RunSpec, Shard, chunk_count};
use crate::model::EvidenceChange;
use crate::priors::{MAX_FILE_BYTES, parse_model};
use crate::report::Manifest;
use crate::scenarios::Loaded;
use crate::tally::{BinWidth, Grid, MAX_TALLY_BYTES, Tally, TallySize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The `format` field of every tally.json.
pub const SHARD_FORMAT: &str = "agi-timelines shard tally v4";

/// Largest tally.json read: a tally of [`MAX_TALLY_BYTES`] in JSON (at most 21
/// characters per 8-byte counter) and a priors file with every byte escaped.
pub const MAX_SHARD_FILE_BYTES: u64 = 3 * MAX_TALLY_BYTES + 8 * MAX_FILE_BYTES as u64;

/// How many missing shards a message lists before it counts the rest.
const MAX_LISTED: usize = 10;

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
    pub signposts: Vec<f64>,
    pub tally: Tally,
    /// `sha256:` and the hex SHA-256 of this record's JSON with `digest` empty.
    pub digest: String,
}

/// Feeds serialized JSON to a hash, so that a digest needs no second copy of a file.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ShardFile {
    /// The shard `shard` of the run `spec` of `loaded`, with its tally and digest.
    pub fn new(
        loaded: &Loaded,
        spec: &RunSpec,
        bin_width: BinWidth,
        change: EvidenceChange,
        tally: Tally,
    ) -> ShardFile {
        let mut file = ShardFile {
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
            digest: String::new(),
        };
        file.seal();
        file
    }

    /// Recompute the digest after changing the record (as [`ShardFile::new`] does).
    pub fn seal(&mut self) {
        self.digest = self.compute_digest();
    }

    /// The digest of this record: SHA-256 of its JSON with `digest` empty.
    fn compute_digest(&self) -> String {
        let unsigned = ShardView {
            format: &self.format,
            version: &self.version,
            scenario: &self.scenario,
            priors_source: &self.priors_source,
            priors: &self.priors,
            seed: self.seed,
            trajectories: self.trajectories,
            bin_width: &self.bin_width,
            sensitivity: self.sensitivity,
            shard_index: self.shard_index,
            shard_count: self.shard_count,
            chunk_size: self.chunk_size,
            evidence_change: &self.evidence_change,
            signposts: &self.signposts,
            tally: &self.tally,
            digest: "",
        };
        let mut h = HashWriter(Sha256::new());
        serde_json::to_writer(&mut h, &unsigned).expect("a tally serialises");
        let hex: String = h.0.finalize().iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
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

    /// The tally.json of a shard folder, or the file itself.
    pub fn file_of(path: &Path) -> PathBuf {
        if path.is_dir() {
            path.join("tally.json")
        } else {
            path.to_path_buf()
        }
    }

    /// Read a shard folder (or its `tally.json`): at most [`MAX_SHARD_FILE_BYTES`],
    /// this program's format, and a digest that matches the content.
    pub fn read(path: &Path) -> Result<ShardFile, ShardError> {
        let file = Self::file_of(path);
        let bad = |why: String| ShardError(format!("{}: {why}", file.display()));
        let mut bytes = Vec::new();
        crate::priors::open_to_read(&file)
            .and_then(|f| f.take(MAX_SHARD_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| bad(format!("cannot read a shard tally: {e}")))?;
        if bytes.len() as u64 > MAX_SHARD_FILE_BYTES {
            return Err(bad(format!(
                "more than {MAX_SHARD_FILE_BYTES} bytes, larger than any shard tally this program writes"
            )));
        }
        let shard: ShardFile = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a shard tally written by `run --shard` ({e})")))?;
        drop(bytes);
        if shard.format != SHARD_FORMAT {
            return Err(bad(format!(
                "unknown tally format `{}` (this program reads `{SHARD_FORMAT}`)",
                shard.format
            )));
        }
        if shard.digest != shard.compute_digest() {
            return Err(bad(
                "its digest does not match its content: the file was damaged or edited".into(),
            ));
        }
        Ok(shard)
    }
}

/// A [`ShardFile`] borrowed with another digest: the same fields in the same order,
/// so its JSON is the file's with only the digest's value changed.
#[derive(Serialize)]
struct ShardView<'a> {
    format: &'a str,
    version: &'a str,
    scenario: &'a str,
    priors_source: &'a str,
    priors: &'a str,
    seed: u64,
    trajectories: u64,
    bin_width: &'a str,
    sensitivity: bool,
    shard_index: u64,
    shard_count: u64,
    chunk_size: u64,
    evidence_change: &'a EvidenceChange,
    signposts: &'a [f64],
    tally: &'a Tally,
    digest: &'a str,
}

/// A merged run: the scenario, the run it was part of, and the sum of its shards.
pub struct Merged {
    pub loaded: Loaded,
    pub spec: RunSpec,
    pub bin_width: BinWidth,
    pub tally: Tally,
    /// How many shards were merged.
    pub shards: u64,
    /// The evidence and signpost flags the shards were run with, as a command line
    /// repeats them.
    pub flags: String,
}

/// What every shard of one run has in common, taken from the first one read.
struct Run {
    path: String,
    version: String,
    scenario: String,
    priors: String,
    seed: u64,
    trajectories: u64,
    bin_width: String,
    sensitivity: bool,
    count: u64,
    chunk_size: u64,
    evidence_change: EvidenceChange,
    signposts: Vec<f64>,
}

impl Run {
    fn of(path: &Path, s: &ShardFile) -> Run {
        Run {
            path: path.display().to_string(),
            version: s.version.clone(),
            scenario: s.scenario.clone(),
            priors: s.priors.clone(),
            seed: s.seed,
            trajectories: s.trajectories,
            bin_width: s.bin_width.clone(),
            sensitivity: s.sensitivity,
            count: s.shard_count,
            chunk_size: s.chunk_size,
            evidence_change: s.evidence_change,
            signposts: s.signposts.clone(),
        }
    }

    /// Refuse a shard of another run.
    fn same(&self, path: &Path, s: &ShardFile) -> Result<(), ShardError> {
        let differ = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            Err(ShardError(format!(
                "{} and {} come from different runs: {what} {a} vs {b}; only shards of one run merge",
                self.path,
                path.display()
            )))
        };
        if s.version != self.version {
            return differ("program version", &self.version, &s.version);
        }
        if s.scenario != self.scenario {
            return differ("scenario", &self.scenario, &s.scenario);
        }
        if s.priors != self.priors {
            return differ("priors text", &"(one file)", &"(another)");
        }
        if s.seed != self.seed {
            return differ("seed", &self.seed, &s.seed);
        }
        if s.trajectories != self.trajectories {
            return differ("trajectory count", &self.trajectories, &s.trajectories);
        }
        if s.bin_width != self.bin_width {
            return differ("bin width", &self.bin_width, &s.bin_width);
        }
        if s.sensitivity != self.sensitivity {
            return differ("--sensitivity", &self.sensitivity, &s.sensitivity);
        }
        if s.shard_count != self.count {
            return differ("shard count N", &self.count, &s.shard_count);
        }
        if s.chunk_size != self.chunk_size {
            return differ("chunk size", &self.chunk_size, &s.chunk_size);
        }
        if s.signposts != self.signposts {
            return differ(
                "--signposts",
                &years_arg(&self.signposts),
                &years_arg(&s.signposts),
            );
        }
        if s.evidence_change != self.evidence_change {
            return differ(
                "evidence flags",
                &format!("`{}`", self.evidence_change.args().trim()),
                &format!("`{}`", s.evidence_change.args().trim()),
            );
        }
        Ok(())
    }
}

/// The run a first shard belongs to, checked to be one this program can merge: its
/// version, chunk size, shard count (at most the run's chunks), priors and grids.
fn prepare(first: &ShardFile) -> Result<(Loaded, RunSpec, BinWidth, Tally), ShardError> {
    if first.version != crate::VERSION {
        return Err(ShardError(format!(
            "the shards were written by agi-timelines {}, this is {}; merge with the version that ran them",
            first.version,
            crate::VERSION
        )));
    }
    if first.chunk_size != CHUNK_SIZE {
        return Err(ShardError(format!(
            "the shards use chunks of {} trajectories; this program uses {CHUNK_SIZE}",
            first.chunk_size
        )));
    }
    let chunks = chunk_count(first.trajectories);
    if first.shard_count == 0 || first.shard_count > chunks.max(1) || first.trajectories == 0 {
        return Err(ShardError(format!(
            "the shards claim {} shards of a run of {} trajectories ({chunks} chunks), which `run --shard` never writes (edited or corrupt)",
            first.shard_count, first.trajectories
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
    if first.signposts.len() > crate::model::MAX_SIGNPOSTS
        || first
            .signposts
            .iter()
            .any(|y| !(model.start..=model.horizon).contains(y))
        || first.signposts.windows(2).any(|w| !(w[0] < w[1]))
    {
        return Err(ShardError(
            "the shards' signpost years are not ones `run --signposts` accepts (edited or corrupt)"
                .into(),
        ));
    }
    let size =
        TallySize::new(&model, &grid, first.sensitivity).with_signposts(first.signposts.len());
    size.check()
        .and_then(|()| size.check_trajectories(first.trajectories))
        .map_err(|e| ShardError(e.0))?;
    let mut spec = RunSpec::new(&model, first.seed, first.trajectories, grid);
    if first.sensitivity {
        spec = spec.with_sensitivity(&model);
    }
    if !first.signposts.is_empty() {
        spec = crate::engine::with_signposts(&model, spec, &first.signposts);
    }
    let empty = Tally::new(&model, &spec.tally);
    let loaded = Loaded {
        model,
        source: first.priors_source.clone(),
        text: first.priors.clone(),
    };
    Ok((loaded, spec, bin, empty))
}

/// Trajectories in shard `index` of `count` of a run of `trajectories`.
fn shard_trajectories(index: u64, count: u64, trajectories: u64) -> u64 {
    let r = Shard { index, count }.chunks(chunk_count(trajectories));
    (r.end.saturating_mul(CHUNK_SIZE)).min(trajectories) - (r.start * CHUNK_SIZE).min(trajectories)
}

/// `k/n, ...` for the first of `ks`, then how many in all.
fn list_shards(ks: impl Iterator<Item = u64>, n: u64, count: u64) -> String {
    let shown: Vec<String> = ks.take(MAX_LISTED).map(|k| format!("{k}/{n}")).collect();
    if count > MAX_LISTED as u64 {
        format!("{}, ... ({count} in all)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Merge the shards at `paths` (folders or tally.json files, in any order): read
/// each once, refuse shards of different runs, repeated or missing shards, and
/// tallies that do not fit their own priors, break an invariant or do not match
/// their digest; otherwise add the tallies.
pub fn merge(paths: &[PathBuf]) -> Result<Merged, ShardError> {
    let mut run: Option<(Run, Loaded, RunSpec, BinWidth, Tally)> = None;
    let mut total: Option<Tally> = None;
    let mut seen: BTreeMap<u64, &Path> = BTreeMap::new();
    for path in paths {
        let s = ShardFile::read(path)?;
        if run.is_none() {
            let (loaded, spec, bin, empty) = prepare(&s)?;
            run = Some((Run::of(path, &s), loaded, spec, bin, empty));
        }
        let (first, _, spec, _, empty) = run.as_ref().expect("set above");
        first.same(path, &s)?;
        let (k, n) = (s.shard_index, s.shard_count);
        if k < 1 || k > n {
            return Err(ShardError(format!(
                "{}: shard {k}/{n} is out of range",
                path.display()
            )));
        }
        if let Some(other) = seen.insert(k, path) {
            return Err(ShardError(format!(
                "shard {k}/{n} is given twice: {} and {}",
                other.display(),
                path.display()
            )));
        }
        let expected = shard_trajectories(k, n, s.trajectories);
        s.tally
            .verify(empty, &spec.tally, expected)
            .map_err(|why| {
                ShardError(format!(
                    "{}: shard {k}/{n}: {why} (edited or corrupt)",
                    path.display()
                ))
            })?;
        total = Some(match total {
            None => s.tally,
            Some(t) => t.merge(s.tally),
        });
    }
    let Some((first, loaded, spec, bin_width, _)) = run else {
        return Err(ShardError("no shards to merge".into()));
    };
    let n = first.count;
    let missing = n - seen.len() as u64;
    if missing > 0 {
        // the gaps between the shards given, in order, without a list of all n
        let mut gaps = Vec::new();
        let mut next = 1;
        for &k in seen.keys().chain(std::iter::once(&(n + 1))) {
            while next < k && gaps.len() < MAX_LISTED {
                gaps.push(next);
                next += 1;
            }
            next = k + 1;
            if gaps.len() >= MAX_LISTED {
                break;
            }
        }
        return Err(ShardError(format!(
            "missing shards: {} (all {n} are needed)",
            list_shards(gaps.into_iter(), n, missing)
        )));
    }
    let tally = total.expect("at least one shard");
    let mut flags = first.evidence_change.args();
    if !first.signposts.is_empty() {
        flags.push_str(&format!(" --signposts {}", years_arg(&first.signposts)));
    }
    Ok(Merged {
        loaded,
        spec,
        bin_width,
        tally,
        shards: n,
        flags,
    })
}

/// Signpost years as `--signposts` takes them.
fn years_arg(years: &[f64]) -> String {
    years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
