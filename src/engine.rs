//! Seeds, chunks, threads: many trajectories, the same answer on any machine.
//!
//! Determinism is designed in three parts:
//! 1. trajectories are grouped in fixed-size chunks of [`CHUNK_SIZE`]; chunk `c` always
//!    holds trajectories `c * CHUNK_SIZE ..` whatever the thread count or shard;
//! 2. chunk `c` draws from its own `Xoshiro256PlusPlus` (Blackman and Vigna 2018,
//!    "Scrambled linear pseudorandom number generators"), seeded with SplitMix64 outputs
//!    number `4c+1 ..= 4c+4` of the run seed (Steele, Lea and Flood 2014), so streams
//!    are fixed by (seed, chunk) alone and distinct chunks get distinct states;
//! 3. chunk results are integer tallies, whose sum does not depend on order, so it does
//!    not matter which thread ran which chunk (threads take chunks as they free up).
//!
//! Hence the same priors, seed and trajectory count give byte-identical outputs for
//! 1, 2 or 64 threads, and shards `k/n` merge to exactly the single-machine result.

use crate::model::{MAX_OBSERVATIONS, Model};
use crate::tally::{EvidenceSpec, Grid, Tally, TallySpec};
use crate::trajectory::Trajectory;
use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// Trajectories per chunk. Part of the reproducibility contract: changing it changes
/// which random numbers each trajectory sees (recorded in every manifest).
pub const CHUNK_SIZE: u64 = 16_384;

/// The name of the generator, recorded in manifests.
pub const GENERATOR: &str = "Xoshiro256PlusPlus seeded by SplitMix64(seed, chunk)";

/// SplitMix64's output function (Steele, Lea and Flood 2014).
#[inline]
fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for chunk `chunk` of a run seeded with `seed`.
pub fn chunk_rng(seed: u64, chunk: u64) -> Xoshiro256PlusPlus {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = [0u8; 32];
    for j in 0..4u64 {
        let k = chunk.wrapping_mul(4).wrapping_add(j + 1);
        let word = splitmix64_mix(seed.wrapping_add(k.wrapping_mul(GAMMA)));
        bytes[j as usize * 8..j as usize * 8 + 8].copy_from_slice(&word.to_le_bytes());
    }
    // An all-zero state is impossible in practice (four independent 64-bit outputs);
    // rand_xoshiro maps it to a fixed non-zero state anyway.
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// Mixed into the seed of the evidence stream (the ASCII of "EVIDENCE").
const EVIDENCE_STREAM: u64 = 0x4556_4944_454E_4345;

/// The generator of chunk `chunk`'s evidence stream: one uniform per trajectory decides
/// whether the evidence keeps it. A stream of its own, so that conditioning changes no
/// trajectory's draws: the trajectories a conditioned run keeps are exactly a subset of
/// those the same run draws without evidence.
pub fn evidence_rng(seed: u64, chunk: u64) -> Xoshiro256PlusPlus {
    chunk_rng(splitmix64_mix(seed ^ EVIDENCE_STREAM), chunk)
}

/// Trajectories in a trial of a model's evidence.
pub const TRIAL_SIZE: u64 = CHUNK_SIZE;

/// Mixed into the seed of a trial (the ASCII of "TRIAL").
const TRIAL_STREAM: u64 = 0x0054_5249_414C;

/// What a trial of a model's evidence found: before a run samples, one chunk of
/// trajectories from streams of their own (so the run's outputs do not depend on it)
/// shows whether the evidence keeps any trajectory at all, and which part of it does
/// not.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    pub drawn: u64,
    pub kept: u64,
    /// Trajectories in which AGI had not arrived before `no_arrival_before`.
    pub not_arrived: u64,
    /// Per observation: the mean likelihood ratio (the share it alone would keep), and
    /// the lowest and highest level the trajectories had at its year.
    pub mean_ratio: Vec<f64>,
    pub levels: Vec<(f64, f64)>,
}

/// A trial of the evidence of the run `spec` (see [`Trial`]); `None` without evidence.
pub fn trial(model: &Model, spec: &RunSpec) -> Option<Trial> {
    let ev = spec.tally.evidence.as_ref()?;
    let seed = splitmix64_mix(spec.seed ^ TRIAL_STREAM);
    let mut rng = chunk_rng(seed, 0);
    let mut stream = evidence_rng(seed, 0);
    let mut traj = Trajectory::observing(model, spec.tally.observed_years());
    let k = ev.observations.len();
    let mut t = Trial {
        drawn: TRIAL_SIZE,
        kept: 0,
        not_arrived: 0,
        mean_ratio: vec![0.0; k],
        levels: vec![(f64::INFINITY, f64::NEG_INFINITY); k],
    };
    let mut each = [0.0; MAX_OBSERVATIONS];
    for _ in 0..TRIAL_SIZE {
        let out = traj.run(model, &mut rng);
        let v = ev.judge(out.arrival, |j| traj.observed(j), &mut each[..k]);
        let u: f64 = stream.random();
        t.kept += u64::from(u < v.ratio);
        t.not_arrived += u64::from(v.not_arrived);
        for (o, m) in ev.observations.iter().enumerate() {
            t.mean_ratio[o] += each[o] / TRIAL_SIZE as f64;
            let level = traj.observed(m.j)[m.column];
            t.levels[o] = (t.levels[o].0.min(level), t.levels[o].1.max(level));
        }
    }
    Some(t)
}

/// Trajectories of the trial that cuts the signposts' levels in thirds: the cuts' own
/// sampling error is then about 0.2% of the trajectories on either side.
pub const SIGNPOST_TRIAL_SIZE: u64 = 4 * CHUNK_SIZE;

/// Mixed into the seed of the signposts' trial (the ASCII of "SIGNPOST").
const SIGNPOST_STREAM: u64 = 0x5349_474E_504F_5354;

/// `spec` with signposts at `years` (increasing, within the model's years): every
/// observable of the model, its levels cut in thirds by a trial of
/// [`SIGNPOST_TRIAL_SIZE`] trajectories from streams of their own (conditioned on the
/// evidence like the run), among those not arrived by each year.
pub fn with_signposts(model: &Model, spec: RunSpec, years: &[f64]) -> RunSpec {
    use crate::tally::signposts::{Observable, SignpostSpec};
    let observables = SignpostSpec::observables(model);
    let k = observables.len();
    let mut spec = spec;
    spec.tally = spec.tally.with_signposts(SignpostSpec {
        years: years.to_vec(),
        year_index: Vec::new(),
        observables: observables.clone(),
        cuts: vec![None; years.len() * k],
    });
    let signposts = spec.tally.signposts.clone().expect("just set");
    let seed = splitmix64_mix(spec.seed ^ SIGNPOST_STREAM);
    let mut traj = Trajectory::observing(model, spec.tally.observed_years());
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); years.len() * k];
    let evidence = spec.tally.evidence.as_ref();
    let mut each = vec![0.0; evidence.map_or(0, |e| e.observations.len())];
    for chunk in 0..SIGNPOST_TRIAL_SIZE / CHUNK_SIZE {
        let mut rng = chunk_rng(seed, chunk);
        let mut stream = evidence_rng(seed, chunk);
        for _ in 0..CHUNK_SIZE {
            let out = traj.run(model, &mut rng);
            if let Some(ev) = evidence {
                let u: f64 = stream.random();
                let v = ev.judge(out.arrival, |j| traj.observed(j), &mut each);
                if !(u < v.ratio) {
                    continue;
                }
            }
            for (s, &year) in years.iter().enumerate() {
                if out.arrival.is_some_and(|a| a < year) {
                    continue;
                }
                let row = traj.observed(signposts.year_index[s]);
                for (o, obs) in observables.iter().enumerate() {
                    if let Observable::Level(column) = obs {
                        values[s * k + o].push(row[*column]);
                    }
                }
            }
        }
    }
    let cuts = values
        .into_iter()
        .map(|mut v| {
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            Some((v[v.len() / 3], v[2 * v.len() / 3]))
        })
        .collect();
    spec.tally.signposts.as_mut().expect("just set").cuts = cuts;
    spec
}

/// Which part of the chunk sequence a run computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index of this shard.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// The half-open range of chunks this shard runs out of `chunks` in all.
    pub fn chunks(&self, chunks: u64) -> std::ops::Range<u64> {
        let lo = (chunks as u128 * (self.index - 1) as u128 / self.count as u128) as u64;
        let hi = (chunks as u128 * self.index as u128 / self.count as u128) as u64;
        lo..hi
    }
}

/// How to run: which trajectories (seed, count, shard) and what to tally.
#[derive(Clone, Debug)]
pub struct RunSpec {
    pub seed: u64,
    /// Trajectories of the whole run (all shards together).
    pub trajectories: u64,
    pub shard: Shard,
    /// The grids and options of the run's tallies.
    pub tally: TallySpec,
}

impl RunSpec {
    /// A whole (unsharded) run with the given fine grid; sensitivity off.
    pub fn new(model: &Model, seed: u64, trajectories: u64, grid: Grid) -> RunSpec {
        RunSpec {
            seed,
            trajectories,
            shard: Shard::WHOLE,
            tally: TallySpec::new(model, grid),
        }
    }

    /// Turn sensitivity analysis on.
    pub fn with_sensitivity(mut self, model: &Model) -> RunSpec {
        self.tally = self.tally.with_sensitivity(model);
        self
    }
}

/// Run trajectories `[chunk * CHUNK_SIZE, ...)` of chunk `chunk` into `tally`.
fn run_chunk(model: &Model, spec: &RunSpec, chunk: u64, traj: &mut Trajectory, tally: &mut Tally) {
    let mut rng = chunk_rng(spec.seed, chunk);
    let first = chunk * CHUNK_SIZE;
    let n = CHUNK_SIZE.min(spec.trajectories - first);
    // Two loops, so that a run without evidence carries none of its work.
    match &spec.tally.evidence {
        None => {
            for _ in 0..n {
                run_trajectory(model, spec, traj, &mut rng, tally);
            }
        }
        Some(evidence) => {
            let mut stream = evidence_rng(spec.seed, chunk);
            let mut each = vec![0.0; evidence.observations.len()];
            for _ in 0..n {
                run_conditioned(
                    model,
                    spec,
                    evidence,
                    traj,
                    &mut rng,
                    &mut stream,
                    &mut each,
                    tally,
                );
            }
        }
    }
}

/// One trajectory: draw, walk, and record it in `tally`. The body of every chunk's
/// loop when the run has no evidence, public so that the benchmarks time exactly what a
/// run does per trajectory.
#[inline]
pub fn run_trajectory<R: Rng + ?Sized>(
    model: &Model,
    spec: &RunSpec,
    traj: &mut Trajectory,
    rng: &mut R,
    tally: &mut Tally,
) {
    let out = traj.run(model, rng);
    let cell = spec.tally.coarse.cell_or_beyond(out.arrival);
    tally.record_in(&spec.tally, out.arrival, cell, out.fired, &traj.inputs);
    if let (Some(st), Some(ss)) = (&mut tally.signposts, &spec.tally.signposts) {
        st.record(ss, out.arrival, cell, traj);
    }
}

/// One trajectory of a run with evidence: draw and walk it, judge it by the evidence
/// (each observation's likelihood ratio into `each`), record it in the evidence tally
/// (the prior), and in `tally` if kept: when a uniform from the chunk's evidence stream
/// `stream` is below its likelihood ratio.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn run_conditioned<R: Rng + ?Sized>(
    model: &Model,
    spec: &RunSpec,
    evidence: &EvidenceSpec,
    traj: &mut Trajectory,
    rng: &mut R,
    stream: &mut Xoshiro256PlusPlus,
    each: &mut [f64],
    tally: &mut Tally,
) {
    let out = traj.run(model, rng);
    let u: f64 = stream.random();
    let verdict = evidence.judge(out.arrival, |j| traj.observed(j), each);
    let cell = spec.tally.coarse.cell_or_beyond(out.arrival);
    if let Some(et) = &mut tally.evidence {
        et.record(out.arrival, cell, out.fired, verdict, each);
    }
    if u < verdict.ratio {
        tally.record_in(&spec.tally, out.arrival, cell, out.fired, &traj.inputs);
        if let (Some(st), Some(ss)) = (&mut tally.signposts, &spec.tally.signposts) {
            st.record(ss, out.arrival, cell, traj);
        }
    }
}

/// Observes a run: progress and cancellation. Both are checked once per chunk.
pub trait Monitor: Sync {
    /// Called after each chunk with the number of trajectories it ran.
    fn advance(&self, _trajectories: u64) {}
    /// Return true to stop early (the run then returns `None`).
    fn cancelled(&self) -> bool {
        false
    }
}

/// A monitor that does nothing.
pub struct Silent;
impl Monitor for Silent {}

/// Number of chunks for a run of `trajectories`.
pub fn chunk_count(trajectories: u64) -> u64 {
    trajectories.div_ceil(CHUNK_SIZE)
}

/// Run the shard's chunks on the current rayon pool. `None` if cancelled.
///
/// Each worker thread keeps one accumulator (a [`Trajectory`] scratch and a [`Tally`]),
/// and work is handed out one chunk at a time (rayon's work stealing): when another
/// process slows one core, the other thread takes over the remaining chunks, so a run
/// ends at most one chunk (~4 ms) after its last chunk started. Tallies are integer
/// counts, so which thread ran which chunk does not change a single byte of the result.
pub fn simulate(model: &Model, spec: &RunSpec, monitor: &dyn Monitor) -> Option<Tally> {
    let chunks = spec.shard.chunks(chunk_count(spec.trajectories));
    let threads = rayon::current_num_threads().max(1);
    let slots: Vec<Mutex<Option<(Trajectory, Tally)>>> =
        (0..threads).map(|_| Mutex::new(None)).collect();
    let stopped = AtomicBool::new(false);
    // `with_max_len(1)`: rayon splits the range down to single chunks, so an idle
    // thread can take any chunk not started yet (without it, splitting stops after a
    // few halvings and a slowed thread keeps up to a quarter of the run).
    // `try_for_each`: once a chunk sees the run cancelled, rayon stops handing out the
    // rest (a plain `for_each` would still visit each remaining chunk, which for a
    // run of 1e19 trajectories is 6e14 visits: Ctrl-C would seem to do nothing).
    let _ = (chunks.start as usize..chunks.end as usize)
        .into_par_iter()
        .with_max_len(1)
        .map(|c| c as u64)
        .try_for_each(|chunk| {
            if stopped.load(Ordering::Relaxed) || monitor.cancelled() {
                stopped.store(true, Ordering::Relaxed);
                return Err(());
            }
            // The slot of this worker: uncontended (one lock per chunk of 16,384
            // trajectories). The index is that of the pool running the chunk, which is
            // the pool `threads` was read from; the modulo is only belt and braces.
            let i = rayon::current_thread_index().unwrap_or(0) % threads;
            let mut slot = slots[i].lock().unwrap_or_else(PoisonError::into_inner);
            let (traj, tally) = slot.get_or_insert_with(|| {
                (
                    Trajectory::observing(model, spec.tally.observed_years()),
                    Tally::new(model, &spec.tally),
                )
            });
            run_chunk(model, spec, chunk, traj, tally);
            drop(slot);
            let first = chunk * CHUNK_SIZE;
            monitor.advance(CHUNK_SIZE.min(spec.trajectories - first));
            Ok(())
        });
    if stopped.load(Ordering::Relaxed) || monitor.cancelled() {
        return None;
    }
    let mut total = Tally::new(model, &spec.tally);
    for slot in slots {
        if let Some((_, tally)) = slot.into_inner().unwrap_or_else(PoisonError::into_inner) {
            total = total.merge(tally);
        }
    }
    Some(total)
}

/// Run on a dedicated pool of `threads` threads (0 = all cores), or fewer when the
/// shard has fewer chunks than that (a thread with no chunk to run would only cost its
/// start-up and a tally).
pub fn simulate_with_threads(
    model: &Model,
    spec: &RunSpec,
    threads: usize,
    monitor: &dyn Monitor,
) -> Result<Option<Tally>, rayon::ThreadPoolBuildError> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let chunks = spec.shard.chunks(chunk_count(spec.trajectories));
    let useful = usize::try_from(chunks.end - chunks.start).unwrap_or(usize::MAX);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.min(useful).max(1))
        .build()?;
    Ok(pool.install(|| simulate(model, spec, monitor)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// A worker held up (as by another process on its core) must not hold up the run:
    /// the other thread takes every remaining chunk. The thread that finishes the first
    /// chunk then stops until all chunks are done (for at most 30 s). If work were split
    /// into fixed pieces per thread, the rest of its piece could not move to the other
    /// thread, the wait would time out, and the test would fail.
    #[test]
    fn a_stalled_thread_does_not_keep_its_share_of_the_run() {
        use std::sync::atomic::AtomicUsize;
        use std::time::{Duration, Instant};
        struct Stall {
            chunks: u64,
            done: AtomicU64,
            stalled: AtomicUsize,
            stalled_ran: AtomicU64,
            timed_out: AtomicBool,
        }
        impl Monitor for Stall {
            fn advance(&self, _trajectories: u64) {
                self.done.fetch_add(1, Ordering::SeqCst);
                let me = rayon::current_thread_index().unwrap() + 1;
                match self
                    .stalled
                    .compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst)
                {
                    Ok(_) => {
                        let t = Instant::now();
                        while self.done.load(Ordering::SeqCst) < self.chunks {
                            if t.elapsed() > Duration::from_secs(30) {
                                self.timed_out.store(true, Ordering::SeqCst);
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                    Err(s) if s == me => {
                        self.stalled_ran.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => {}
                }
            }
        }
        let model = crate::scenarios::SHIPPED[0].model().unwrap();
        let chunks = 32;
        let grid = Grid::new(model.start, model.horizon, crate::tally::BinWidth::Years(1)).unwrap();
        let spec = RunSpec::new(&model, 1, chunks * CHUNK_SIZE, grid);
        let stall = Stall {
            chunks,
            done: AtomicU64::new(0),
            stalled: AtomicUsize::new(0),
            stalled_ran: AtomicU64::new(0),
            timed_out: AtomicBool::new(false),
        };
        let tally = simulate_with_threads(&model, &spec, 2, &stall)
            .unwrap()
            .unwrap();
        assert!(
            !stall.timed_out.load(Ordering::SeqCst),
            "the other thread did not take over the stalled thread's chunks"
        );
        // The stalled thread ran no chunk after its first; every chunk ran once.
        assert_eq!(stall.stalled_ran.load(Ordering::SeqCst), 0);
        assert_eq!(tally.drawn(), chunks * CHUNK_SIZE);
    }

    /// Cancelling a run of 1e19 trajectories (6e14 chunks) returns at once: the chunks
    /// not started are not visited one by one. (With a plain `for_each` this test would
    /// not finish.)
    #[test]
    fn cancelling_a_huge_run_returns_promptly() {
        struct CancelAfter(AtomicU64);
        impl Monitor for CancelAfter {
            fn advance(&self, _n: u64) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
            fn cancelled(&self) -> bool {
                self.0.load(Ordering::SeqCst) >= 4
            }
        }
        let model = crate::scenarios::SHIPPED[0].model().unwrap();
        let grid = Grid::new(model.start, model.horizon, crate::tally::BinWidth::Years(1)).unwrap();
        let spec = RunSpec::new(&model, 1, 10_000_000_000_000_000_000, grid);
        let monitor = CancelAfter(AtomicU64::new(0));
        let out = simulate_with_threads(&model, &spec, 2, &monitor).unwrap();
        assert!(out.is_none());
        // Each thread may finish the chunk it was running when the flag went up.
        assert!(monitor.0.load(Ordering::SeqCst) <= 4 + 2);
    }

    /// A pool never has more threads than the shard has chunks: a run of one chunk
    /// asked for 64 threads runs on one.
    #[test]
    fn no_more_threads_than_chunks() {
        struct PoolSize(AtomicU64);
        impl Monitor for PoolSize {
            fn advance(&self, _n: u64) {
                self.0
                    .fetch_max(rayon::current_num_threads() as u64, Ordering::SeqCst);
            }
        }
        let model = crate::scenarios::SHIPPED[0].model().unwrap();
        let grid = Grid::new(model.start, model.horizon, crate::tally::BinWidth::Years(1)).unwrap();
        for (n, threads, expected) in [
            (1000, 64, 1),
            (3 * CHUNK_SIZE, 64, 3),
            (3 * CHUNK_SIZE, 2, 2),
        ] {
            let spec = RunSpec::new(&model, 1, n, grid);
            let monitor = PoolSize(AtomicU64::new(0));
            let tally = simulate_with_threads(&model, &spec, threads, &monitor)
                .unwrap()
                .unwrap();
            assert_eq!(tally.drawn(), n);
            assert_eq!(monitor.0.load(Ordering::SeqCst), expected, "{n} {threads}");
        }
    }

    #[test]
    fn chunk_streams_differ_and_are_stable() {
        use rand::Rng;
        let a = chunk_rng(1, 0).next_u64();
        let b = chunk_rng(1, 1).next_u64();
        let c = chunk_rng(2, 0).next_u64();
        assert!(a != b && a != c && b != c);
        assert_eq!(a, chunk_rng(1, 0).next_u64());
    }

    #[test]
    fn shards_partition_the_chunks() {
        for chunks in [0u64, 1, 7, 62, 1000] {
            for n in 1..=9u64 {
                let mut next = 0;
                for k in 1..=n {
                    let r = Shard { index: k, count: n }.chunks(chunks);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, chunks);
            }
        }
    }
}
