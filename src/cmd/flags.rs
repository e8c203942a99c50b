//! The flags commands share, spelled once, and their resolution into one run
//! configuration before any work starts: trajectory counts, bin widths, shards, the
//! seed, the thread count and the output folder (with the rules for `-o -`).

use super::BadInput;
use crate::engine::Shard;
use crate::model::EvidenceChange;
use crate::output;
use crate::tally::BinWidth;
use std::path::{Path, PathBuf};

/// Flags shared by `run` and `compare`, spelled once.
#[derive(clap::Args, Debug, Clone)]
pub struct SimFlags {
    /// Trajectories to simulate (per scenario): 1000000, 1e6, 1_000_000, 10M, 2.5k.
    #[arg(short = 'n', long = "trajectories", default_value = "1000000", value_parser = parse_count)]
    pub trajectories: u64,

    /// Random seed (a 64-bit integer). Omitted: one is picked, printed and recorded.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Histogram bin width in years: 1, 5, 0.25, 1/12, or year, quarter, month, week, day.
    #[arg(long = "bin-width", value_name = "YEARS", default_value = "1", value_parser = parse_bin_width)]
    pub bin_width: BinWidth,

    /// Worker threads (default: all cores; at most 4 per core, as the work is
    /// CPU-bound and each thread keeps its own tallies). Results do not depend on it.
    #[arg(short = 'j', long = "threads")]
    pub threads: Option<usize>,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub evidence: EvidenceFlags,
}

/// Flags that change what a run is conditioned on.
#[derive(clap::Args, Debug, Clone, Default, PartialEq)]
pub struct EvidenceFlags {
    /// Condition on AGI not having arrived before YEAR (a decimal year): sets or
    /// overrides the priors' `[evidence] no_arrival_before`.
    #[arg(long = "as-of", value_name = "YEAR", value_parser = parse_year)]
    pub as_of: Option<f64>,

    /// Ignore the priors' `[evidence]`: the prior alone.
    #[arg(long = "no-evidence", conflicts_with = "as_of")]
    pub no_evidence: bool,
}

impl EvidenceFlags {
    /// The change the flags make to a scenario's evidence.
    pub fn change(&self) -> EvidenceChange {
        EvidenceChange {
            as_of: self.as_of,
            no_evidence: self.no_evidence,
        }
    }

    /// Apply the flags to `model`'s evidence; `--as-of` must lie within its years.
    pub fn apply(&self, model: &mut crate::model::Model) -> Result<(), BadInput> {
        self.change().apply(model).map_err(BadInput)
    }
}

pub use crate::model::MAX_SIGNPOSTS;

/// A list of decimal years given as one flag value (`2027.5,2028,2030`).
#[derive(Clone, Debug, PartialEq)]
pub struct Years(pub Vec<f64>);

/// Parse `--signposts`: decimal years separated by commas, e.g. `2027.5,2028,2030`;
/// sorted and without repeats.
pub fn parse_years(s: &str) -> Result<Years, String> {
    let mut years = s
        .split(',')
        .map(|y| parse_year(y.trim()))
        .collect::<Result<Vec<f64>, String>>()?;
    years.sort_by(f64::total_cmp);
    years.dedup();
    if years.len() > MAX_SIGNPOSTS {
        return Err(format!(
            "{} signpost years: at most {MAX_SIGNPOSTS} are supported",
            years.len()
        ));
    }
    Ok(Years(years))
}

/// Check signpost years against a scenario's years.
pub fn check_signposts(years: &[f64], model: &crate::model::Model) -> Result<(), BadInput> {
    for &y in years {
        if !(model.start..=model.horizon).contains(&y) {
            return Err(BadInput(format!(
                "--signposts {y} is outside the years of scenario `{}`: {} (start) to {} (horizon)",
                model.name, model.start, model.horizon
            )));
        }
    }
    Ok(())
}

/// Parse a decimal year (a finite number).
pub fn parse_year(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(y) if y.is_finite() => Ok(y),
        _ => Err(format!(
            "`{s}` is not a year: give a decimal year such as 2026.92"
        )),
    }
}

/// Where results go.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// A results folder, checked to be usable.
    Dir(PathBuf),
    /// `-o -`: the histogram to standard output, no files.
    Stdout,
}

/// The shared flags resolved: what every simulating command needs before sampling.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub trajectories: u64,
    pub seed: u64,
    /// Whether the seed was picked rather than given.
    pub seed_picked: bool,
    pub bin_width: BinWidth,
    pub threads: usize,
    pub quiet: bool,
    pub out: Out,
}

/// What a command allows for `-o`.
pub struct OutRules<'a> {
    /// The folder used when `-o` is not given.
    pub default: PathBuf,
    /// `None` when `-o -` is allowed; else why it is not.
    pub stdout_refused: Option<&'a str>,
    /// Printed with a picked seed: "this run", "this comparison".
    pub what: &'a str,
}

impl SimFlags {
    /// Resolve the flags, in this order: threads, the output (`-o -` rules, then the
    /// folder is checked to be usable), then the seed (picked and printed when not
    /// given). Nothing is written.
    pub fn resolve(&self, out: Option<&Path>, rules: OutRules) -> Result<RunConfig, BadInput> {
        let threads = threads(self.threads)?;
        let out = match out {
            Some(p) if p == Path::new("-") => match rules.stdout_refused {
                Some(why) => return Err(BadInput(why.to_string())),
                None => Out::Stdout,
            },
            Some(p) => Out::Dir(p.to_path_buf()),
            None => Out::Dir(rules.default),
        };
        let out = match out {
            Out::Dir(dir) => Out::Dir(prepare_dir(&dir)?),
            Out::Stdout => Out::Stdout,
        };
        let (seed, seed_picked) = match self.seed {
            Some(s) => (s, false),
            None => (rand::random::<u64>(), true),
        };
        if seed_picked && !self.quiet {
            eprintln!(
                "seed: {seed} (pass --seed {seed} to reproduce {})",
                rules.what
            );
        }
        Ok(RunConfig {
            trajectories: self.trajectories,
            seed,
            seed_picked,
            bin_width: self.bin_width,
            threads,
            quiet: self.quiet,
            out,
        })
    }
}

/// Check that `dir` can receive results (see [`output::prepare_dir`]), as bad input,
/// and return the folder to write (the target of a symbolic link).
pub fn prepare_dir(dir: &Path) -> Result<PathBuf, BadInput> {
    output::prepare_dir(dir)
        .map_err(|e| BadInput(format!("cannot write results to {}: {e}", dir.display())))
}

/// Most worker threads per available core. The work is CPU-bound, so more threads
/// than cores only add start-up, switching and a tally each; a few per core are allowed
/// for machines whose core count is reported low.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The `-j/--threads` value: 1 to [`MAX_THREADS_PER_CORE`] per available core; default
/// all cores.
pub fn threads(requested: Option<usize>) -> Result<usize, BadInput> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = MAX_THREADS_PER_CORE * cores;
    match requested {
        Some(0) => Err(BadInput("--threads must be at least 1".into())),
        Some(t) if t > max => Err(BadInput(format!(
            "--threads {t} is more than {MAX_THREADS_PER_CORE} per core ({max} here, with {cores} {}): the work is CPU-bound, so threads beyond the cores only add overhead; use at most {max}",
            if cores == 1 { "core" } else { "cores" }
        ))),
        Some(t) => Ok(t),
        None => Ok(cores),
    }
}

/// Parse `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("`{s}` is not a shard: use K/N with 1 <= K <= N, e.g. 3/8");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if k < 1 || k > n {
        return Err(bad());
    }
    Ok(Shard { index: k, count: n })
}

pub fn parse_bin_width(s: &str) -> Result<BinWidth, String> {
    BinWidth::parse(s).map_err(|e| e.0)
}

/// Parse a trajectory count: `1000000`, `1e6`, `1_000_000`, `10M`, `2.5k`, `1G`.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('m' | 'M') => (&t[..t.len() - 1], 1e6),
        Some('g' | 'G' | 'b' | 'B') => (&t[..t.len() - 1], 1e9),
        Some('t' | 'T') => (&t[..t.len() - 1], 1e12),
        _ => (t.as_str(), 1.0),
    };
    let bad =
        || format!("`{s}` is not a trajectory count: use e.g. 1000000, 1e6, 1_000_000, 10M, 2.5k");
    if num.is_empty() {
        return Err(bad());
    }
    // Exact integer path first, so counts above 2^53 stay exact.
    if mult == 1.0
        && let Ok(n) = num.parse::<u64>()
    {
        return if n == 0 {
            Err("the trajectory count must be at least 1".into())
        } else {
            Ok(n)
        };
    }
    let x: f64 = num.parse().map_err(|_| bad())?;
    let v = x * mult;
    if !v.is_finite() || v < 1.0 {
        return Err(if v.is_finite() && v >= 0.0 {
            "the trajectory count must be at least 1".into()
        } else {
            bad()
        });
    }
    if v.fract() != 0.0 {
        return Err(format!("`{s}` is not a whole number of trajectories"));
    }
    if v >= u64::MAX as f64 {
        return Err(format!(
            "`{s}` trajectories is more than this program can count (2^64)"
        ));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_every_spelling() {
        for (s, n) in [
            ("1000000", 1_000_000u64),
            ("1e6", 1_000_000),
            ("1_000_000", 1_000_000),
            ("10M", 10_000_000),
            ("2.5k", 2_500),
            ("1G", 1_000_000_000),
            ("18446744073709551615", u64::MAX),
        ] {
            assert_eq!(parse_count(s), Ok(n), "{s}");
        }
        for s in [
            "0",
            "-5",
            "1.5",
            "abc",
            "",
            "1e30",
            "nan",
            "k",
            "18446744073709551616",
        ] {
            assert!(parse_count(s).is_err(), "{s}");
        }
    }
}
