//! The ratio to the random-number limit, measured with interleaved rounds.
//!
//! For each scenario (the shipped ones, or priors files given as arguments), each round
//! times one batch of the `simulator`, then of the `baseline` kernel, the `bare-kernel`
//! and the `walk4` kernel (see `common/mod.rs`), one after the other on the same
//! thread. Load
//! from other processes then hits all three alike, and the per-round ratio
//! simulator/baseline is far steadier than a ratio of two medians taken minutes apart.
//! The table reports medians over rounds. Time is the thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`), so a batch that the scheduler interrupts to run another
//! process is not charged for the interruption; `--wall` uses the wall clock instead.
//!
//! ```text
//! cargo bench --bench yardstick                          # shipped scenarios
//! cargo bench --bench yardstick -- a.toml b.toml         # any priors files
//! cargo bench --bench yardstick -- --rounds 31 --batch 500000 --wall
//! ```

mod common;

use agi_timelines::model::Model;
use agi_timelines::priors::load_model;
use common::{
    BareKernel, Baseline, Simulator, VariateCounts, WalkKernel, bench_rng, shipped_models,
};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

static WALL: AtomicBool = AtomicBool::new(false);

/// CPU time of the calling thread, in ns.
fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// ns per step of `step` over `batch` steps.
fn time_batch(batch: u64, mut step: impl FnMut()) -> f64 {
    if WALL.load(Ordering::Relaxed) {
        let t = Instant::now();
        for _ in 0..batch {
            step();
        }
        return t.elapsed().as_nanos() as f64 / batch as f64;
    }
    let t = thread_cpu_ns();
    for _ in 0..batch {
        step();
    }
    (thread_cpu_ns() - t) / batch as f64
}

struct Row {
    name: String,
    variates: VariateCounts,
    sim: f64,
    base: f64,
    bare: f64,
    walk4: f64,
    ratio_base: f64,
    ratio_bare: f64,
    ratio_walk4: f64,
}

fn measure(model: &Model, rounds: usize, batch: u64) -> Row {
    let mut rng = bench_rng();
    let mut sim = Simulator::new(model);
    let mut base = Baseline::new(model);
    let mut bare = BareKernel::new(model);
    let mut walk4 = WalkKernel::new(model);
    // Warm up caches, branch predictors and the CPU clock.
    time_batch(batch, || sim.step(&mut rng));
    time_batch(batch, || base.step(&mut rng));
    time_batch(batch, || bare.step(&mut rng));
    time_batch(batch, || walk4.step(&mut rng));
    let (mut s, mut b, mut k, mut w) = (vec![], vec![], vec![], vec![]);
    let (mut rb, mut rk, mut rw) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        let ts = time_batch(batch, || sim.step(&mut rng));
        let tb = time_batch(batch, || base.step(&mut rng));
        let tk = time_batch(batch, || bare.step(&mut rng));
        let tw = time_batch(batch, || walk4.step(&mut rng));
        s.push(ts);
        b.push(tb);
        k.push(tk);
        w.push(tw);
        rb.push(ts / tb);
        rk.push(ts / tk);
        rw.push(ts / tw);
    }
    black_box((
        sim.tally.trajectories(),
        base.total(),
        bare.total(),
        walk4.total(),
    ));
    Row {
        name: model.name.clone(),
        variates: bare.counts.clone(),
        sim: median(s),
        base: median(b),
        bare: median(k),
        walk4: median(w),
        ratio_base: median(rb),
        ratio_bare: median(rk),
        ratio_walk4: median(rw),
    }
}

fn main() {
    let mut rounds = 15usize;
    let mut batch = 200_000u64;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rounds N")
            }
            "--batch" => batch = args.next().and_then(|v| v.parse().ok()).expect("--batch N"),
            "--wall" => WALL.store(true, Ordering::Relaxed),
            s if s.starts_with("--") => {} // `cargo bench` passes --bench
            s => files.push(s.to_string()),
        }
    }
    let models: Vec<Model> = if files.is_empty() {
        shipped_models()
    } else {
        files
            .iter()
            .map(|f| load_model(std::path::Path::new(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
            .collect()
    };
    println!(
        "yardstick: {rounds} interleaved rounds of {batch} trajectories per kernel, 1 thread; medians of {} time, ns per trajectory",
        if WALL.load(Ordering::Relaxed) {
            "wall"
        } else {
            "thread CPU"
        }
    );
    println!(
        "{:<24} {:>11} {:>7} {:>9} {:>7} {:>7} {:>9} {:>9} {:>10} {:>11}",
        "scenario",
        "variates",
        "sim",
        "baseline",
        "bare",
        "walk4",
        "sim/base",
        "sim/bare",
        "sim/walk4",
        "sim traj/s"
    );
    for m in &models {
        let r = measure(m, rounds, batch);
        println!(
            "{:<24} {:>11} {:>7.1} {:>9.1} {:>7.1} {:>7.1} {:>8.2}x {:>8.2}x {:>9.2}x {:>10.2}M",
            r.name,
            r.variates.to_string(),
            r.sim,
            r.base,
            r.bare,
            r.walk4,
            r.ratio_base,
            r.ratio_bare,
            r.ratio_walk4,
            1e3 / r.sim
        );
    }
}
