//! Criterion benchmarks: what a trajectory costs, and how a whole run scales.
//!
//! Groups (filter with `cargo bench --bench simulate -- <group>`):
//! - `trajectory/<scenario>`: per-trajectory cost of each shipped scenario, as
//!   `simulator` (draw, walk, record: the engine's inner loop), `baseline` (the same
//!   inputs drawn with `Dist::sample`, no walk, trivial binning) and `bare-kernel` (the
//!   same primitive variates with no dispatch at all) and `walk4-kernel` (a minimal
//!   model: those variates, a 4-segment linear walk, a bin; see `common/mod.rs`).
//! - `run`: whole runs of the default scenario through
//!   `engine::simulate_with_threads`, 1e6 and 1e7 trajectories on 1 and 2 threads; and
//!   of variants of it (`correlated`: a rank correlation on the threshold, a mixture).
//! - `dist`: one draw of each form: `Dist::sample` of every family, mixture and
//!   truncation route, and `correlated-<form>`: the value from a normal score, as the
//!   copula draws a correlated input (`ScoreMap::value`, the normal variate included).
//!
//! All report throughput in elements (trajectories or draws) per second. At the end a
//! summary prints each scenario's simulator/baseline ratio and the 1 -> 2 thread scaling,
//! read back from this run's criterion estimates (medians). For the same ratio measured
//! with interleaved rounds (more robust on a busy machine) see `benches/yardstick.rs`.

mod common;

use agi_timelines::dist::{Dist, ScoreMap, Z90};
use agi_timelines::engine::{RunSpec, Silent, simulate_with_threads};
use agi_timelines::model::Model;
use common::{
    BareKernel, Baseline, Simulator, WalkKernel, bench_rng, correlated_default, shipped_models,
    yearly_grid,
};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

fn trajectory_benches(c: &mut Criterion) {
    for model in shipped_models() {
        let mut g = c.benchmark_group(format!("trajectory/{}", model.name));
        g.throughput(Throughput::Elements(1));
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(3));
        let mut rng = bench_rng();
        let mut sim = Simulator::new(&model);
        g.bench_function("simulator", |b| b.iter(|| sim.step(&mut rng)));
        black_box(sim.tally.trajectories());
        let mut base = Baseline::new(&model);
        g.bench_function("baseline", |b| b.iter(|| base.step(&mut rng)));
        black_box(base.total());
        let mut bare = BareKernel::new(&model);
        g.bench_function("bare-kernel", |b| b.iter(|| bare.step(&mut rng)));
        black_box(bare.total());
        let mut walk4 = WalkKernel::new(&model);
        g.bench_function("walk4-kernel", |b| b.iter(|| walk4.step(&mut rng)));
        black_box(walk4.total());
        g.finish();
    }
}

/// Run configurations of the whole-run group: `plain` is what `run` does by default
/// (histogram, fired counts, attribution). An option that adds work per trajectory gets
/// its own entry here, so its cost shows up as `run/<config>/...` beside `run/plain/...`
/// and in the scaling summary.
/// Each entry: name, trajectory counts to run, and how it changes the spec.
#[allow(clippy::type_complexity)]
const RUN_CONFIGS: &[(&str, &[u64], fn(RunSpec, &Model) -> RunSpec)] = &[
    ("plain", &[1_000_000, 10_000_000], |spec, _| spec),
    ("sensitivity", &[1_000_000], |spec, model| {
        spec.with_sensitivity(model)
    }),
];

/// Variants of the default scenario run whole, like `plain`, as `run/<name>/...`: a
/// model feature's cost beside the plain run's.
#[allow(clippy::type_complexity)]
const RUN_MODELS: &[(&str, &[u64], fn() -> Model)] =
    &[("correlated", &[1_000_000], || correlated_default())];

fn run_benches(c: &mut Criterion) {
    let model = &shipped_models()[0];
    let mut g = c.benchmark_group("run");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    let mut bench = |config: &str, model: &Model, n: u64, spec: &RunSpec| {
        // Enough time for 10 samples at ~0.4 us per trajectory on one thread.
        g.measurement_time(Duration::from_secs_f64(n as f64 * 4e-7 * 10.0 + 1.0));
        g.throughput(Throughput::Elements(n));
        for threads in [1usize, 2] {
            let id = BenchmarkId::new(
                format!("{config}/{}", count_label(n)),
                format!("{threads}t"),
            );
            g.bench_function(id, |b| {
                b.iter(|| {
                    simulate_with_threads(model, spec, threads, &Silent)
                        .unwrap()
                        .unwrap()
                })
            });
        }
    };
    for &(config, counts, configure) in RUN_CONFIGS {
        for &n in counts {
            let spec = configure(RunSpec::new(model, 1, n, yearly_grid(model)), model);
            bench(config, model, n, &spec);
        }
    }
    for &(name, counts, build) in RUN_MODELS {
        let variant = build();
        for &n in counts {
            let spec = RunSpec::new(&variant, 1, n, yearly_grid(&variant));
            bench(name, &variant, n, &spec);
        }
    }
    g.finish();
}

fn count_label(n: u64) -> String {
    format!("1e{}", (n as f64).log10().round())
}

/// One of every form a priors file can write: each family, mixtures small and large,
/// every truncation route (inverse CDF, rejection, and the thin truncations that keep
/// under half the mass).
fn every_form() -> Vec<(&'static str, Dist)> {
    let normal = Dist::normal(1.0, 2.0).unwrap();
    let lognormal = Dist::lognormal_interval(0.4, 0.75, Z90).unwrap();
    let ln = |lo, hi| Dist::lognormal_interval(lo, hi, Z90).unwrap();
    let threshold = Dist::mixture(vec![ln(4.5, 12.0), ln(12.0, 40.0)], &[0.9, 0.1]).unwrap();
    let pieces = |k: usize| {
        let components: Vec<Dist> = (0..k)
            .map(|i| {
                let lo = 3.0 + 20.0 * i as f64 / k as f64;
                Dist::uniform(lo, lo + 15.0 / k as f64).unwrap()
            })
            .collect();
        let weights: Vec<f64> = (0..k).map(|i| 1.0 + (i % 5) as f64).collect();
        Dist::mixture(components, &weights).unwrap()
    };
    let pert = Dist::pert(0.0, 10.0, 100.0).unwrap();
    vec![
        ("fixed", Dist::fixed(1.0).unwrap()),
        ("uniform", Dist::uniform(0.08, 0.15).unwrap()),
        ("normal", normal.clone()),
        ("lognormal", lognormal.clone()),
        ("triangular", Dist::triangular(0.0, 0.2, 1.0).unwrap()),
        ("pert", Dist::pert(2025.0, 2028.0, 2034.0).unwrap()),
        ("beta", Dist::beta(1.9, 5.8, 0.0, 40.0).unwrap()),
        ("beta-small-shapes", Dist::beta(0.3, 0.6, 0.0, 1.0).unwrap()),
        ("beta-cheng", Dist::beta(0.05, 3.0, 0.0, 1.0).unwrap()),
        ("beta-cheng-tiny", Dist::beta(1e-3, 1e-3, 0.0, 1.0).unwrap()),
        ("mixture-2-lognormal", threshold.clone()),
        ("mixture-40-uniform", pieces(40)),
        ("mixture-1000-uniform", pieces(1000)),
        (
            "mixture-with-atom",
            Dist::mixture(vec![Dist::fixed(0.0).unwrap(), ln(0.3, 0.8)], &[0.2, 0.8]).unwrap(),
        ),
        (
            "truncated-normal",
            Dist::truncated(normal.clone(), 0.0, f64::INFINITY).unwrap(),
        ),
        (
            "truncated-normal-tail",
            Dist::truncated(normal, 6.0, 8.0).unwrap(),
        ),
        (
            "truncated-lognormal",
            Dist::truncated(lognormal, 0.0, 0.7).unwrap(),
        ),
        (
            "truncated-uniform",
            Dist::truncated(Dist::uniform(0.0, 10.0).unwrap(), 2.0, 3.0).unwrap(),
        ),
        (
            "truncated-triangular",
            Dist::truncated(Dist::triangular(0.0, 0.2, 1.0).unwrap(), 0.5, 0.9).unwrap(),
        ),
        (
            "truncated-pert-rejection",
            Dist::truncated(Dist::pert(0.1, 0.4, 1.0).unwrap(), 0.0, 0.8).unwrap(),
        ),
        (
            "truncated-pert-thin",
            Dist::truncated(pert.clone(), 80.0, 100.0).unwrap(),
        ),
        (
            "truncated-pert-10pct",
            Dist::truncated(pert, 40.0, 100.0).unwrap(),
        ),
        (
            "truncated-mixture-rejection",
            Dist::truncated(threshold.clone(), 0.0, 30.0).unwrap(),
        ),
        (
            "truncated-mixture-thin",
            Dist::truncated(threshold, 50.0, f64::INFINITY).unwrap(),
        ),
    ]
}

fn dist_benches(c: &mut Criterion) {
    let forms = every_form();
    let mut g = c.benchmark_group("dist");
    g.throughput(Throughput::Elements(1));
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(1));
    let mut rng = bench_rng();
    for (name, d) in &forms {
        g.bench_function(*name, |b| b.iter(|| d.sample(&mut rng)));
    }
    // As the copula draws a correlated input: a normal score, then its value.
    for (name, d) in forms.iter().filter(|(_, d)| !d.is_fixed()) {
        let map = ScoreMap::new(d);
        g.bench_function(format!("correlated-{name}"), |b| {
            b.iter(|| {
                let y: f64 = StandardNormal.sample(&mut rng);
                map.value(y)
            })
        });
    }
    g.finish();
}

fn criterion_dir() -> PathBuf {
    // `CARGO_TARGET_TMPDIR` is `<target>/tmp`; criterion's default home is `<target>/criterion`.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("criterion")
}

/// Median time per iteration (ns) of a benchmark, if it ran in this process.
fn median_ns(id: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir().join(id).join("new/estimates.json");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.modified().ok()? < since {
        return None; // a stale result from an earlier run (e.g. filtered out this time)
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn summary(models: &[Model], since: SystemTime) {
    let mut lines = Vec::new();
    for m in models {
        let id = |k: &str| format!("trajectory_{}/{k}", m.name);
        let (Some(sim), Some(base)) = (
            median_ns(&id("simulator"), since),
            median_ns(&id("baseline"), since),
        ) else {
            continue;
        };
        let bare = median_ns(&id("bare-kernel"), since);
        let walk4 = median_ns(&id("walk4-kernel"), since);
        lines.push(format!(
            "  {:<24} {:>8.1} {:>8.1} {:>8} {:>8} {:>9.2}x {:>9} {:>10}",
            m.name,
            sim,
            base,
            bare.map_or("-".into(), |b| format!("{b:.1}")),
            walk4.map_or("-".into(), |b| format!("{b:.1}")),
            sim / base,
            bare.map_or("-".into(), |b| format!("{:.2}x", sim / b)),
            walk4.map_or("-".into(), |b| format!("{:.2}x", sim / b)),
        ));
    }
    if !lines.is_empty() {
        println!("\nPer trajectory (criterion medians, ns): simulator vs its baseline kernel");
        println!(
            "  {:<24} {:>8} {:>8} {:>8} {:>8} {:>10} {:>9} {:>10}",
            "scenario", "sim", "baseline", "bare", "walk4", "sim/base", "sim/bare", "sim/walk4"
        );
        for l in lines {
            println!("{l}");
        }
    }
    let mut scaling = Vec::new();
    let configs = RUN_CONFIGS.iter().map(|&(c, n, _)| (c, n));
    for (config, counts) in configs.chain(RUN_MODELS.iter().map(|&(c, n, _)| (c, n))) {
        for &n in counts {
            let id = |t: &str| format!("run/{config}_{}/{t}", count_label(n));
            if let (Some(t1), Some(t2)) = (median_ns(&id("1t"), since), median_ns(&id("2t"), since))
            {
                scaling.push(format!(
                    "  {config:<8} {:>6} {:>10.2} {:>10.2} {:>9.2}x",
                    count_label(n),
                    n as f64 / t1 * 1e3,
                    n as f64 / t2 * 1e3,
                    t1 / t2
                ));
            }
        }
    }
    if !scaling.is_empty() {
        println!("\nWhole runs of the default scenario (criterion medians)");
        println!(
            "  {:<8} {:>6} {:>10} {:>10} {:>10}",
            "config", "n", "1t M/s", "2t M/s", "2t/1t"
        );
        for l in scaling {
            println!("{l}");
        }
    }
}

fn main() {
    let since = SystemTime::now() - Duration::from_secs(1);
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    trajectory_benches(&mut c);
    run_benches(&mut c);
    dist_benches(&mut c);
    c.final_summary();
    summary(&shipped_models(), since);
}
