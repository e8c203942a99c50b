//! Property test over random VALID scenarios: random families and parameters for the
//! threshold, 1-4 drivers with optional caps, 0-3 bottlenecks with year or level
//! onsets and optional durations, random start, horizon and bin width. Each scenario
//! is written as priors text (so the parser is exercised too), must validate, and is
//! run with a few thousand trajectories; the reports must then be sane (see
//! `common::assert_reports_sane`: counts sum to the trajectory count, probabilities sum
//! to 1 within 1e-9, the cumulative column ends at exactly "1", percentiles are
//! monotone, no NaN or inf anywhere).

use crate::harness::*;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Trajectories per case: one partial chunk, a few thousand.
const N: u64 = 3000;

/// A number as TOML (and Rust) accept it.
fn num(x: f64) -> String {
    format!("{x:?}")
}

/// A positive number spanning many orders of magnitude, `10^[lo_exp, hi_exp]`.
fn magnitude(lo_exp: f64, hi_exp: f64) -> impl Strategy<Value = f64> {
    (lo_exp..hi_exp).prop_map(|e| 10f64.powf(e))
}

/// One distribution (as priors text) whose values lie mostly in `[lo, hi]` (`lo < hi`),
/// in any family and form. `depth` > 0 allows mixtures of such distributions.
fn dist(lo: f64, hi: f64, depth: u32) -> BoxedStrategy<String> {
    let w = hi - lo;
    let point = (0.0..=1.0f64).prop_map(move |u| lo + w * u);
    let pos_lo = lo.max(w * 1e-3).max(1e-9);
    let simple = prop_oneof![
        point.clone().prop_map(num),
        point
            .clone()
            .prop_map(|x| format!("{{ dist = \"fixed\", value = {} }}", num(x))),
        (point.clone(), 1e-3..1.0f64).prop_map(move |(a, f)| format!(
            "{{ dist = \"uniform\", min = {}, max = {} }}",
            num(a),
            num(a + w * f)
        )),
        (point.clone(), 1e-3..0.5f64, any::<bool>()).prop_map(move |(m, f, cut)| format!(
            "{{ dist = \"normal\", mean = {}, sd = {}{} }}",
            num(m),
            num(w * f),
            if cut { ", truncate = [0, inf]" } else { "" }
        )),
        (point.clone(), 1e-3..1.0f64, any::<bool>()).prop_map(move |(a, f, ci80)| format!(
            "{{ dist = \"normal\", {} = [{}, {}] }}",
            if ci80 { "ci80" } else { "ci90" },
            num(a),
            num(a + w * f)
        )),
        (0.0..=1.0f64, 1.01..4.0f64).prop_map(move |(u, g)| format!(
            "{{ dist = \"lognormal\", median = {}, gsd = {} }}",
            num(pos_lo + (hi - pos_lo) * u),
            num(g)
        )),
        (0.0..=1.0f64, 0.01..1.5f64).prop_map(move |(u, s)| format!(
            "{{ dist = \"lognormal\", mu = {}, sigma = {} }}",
            num((pos_lo + (hi - pos_lo) * u).ln()),
            num(s)
        )),
        (0.0..=1.0f64, 1.01..50.0f64).prop_map(move |(u, r)| {
            let a = pos_lo + (hi - pos_lo) * u;
            format!(
                "{{ dist = \"lognormal\", ci90 = [{}, {}] }}",
                num(a),
                num(a * r)
            )
        }),
        (point.clone(), 1e-3..1.0f64).prop_map(move |(a, f)| format!(
            "\"{} to {}\"",
            num(a),
            num(a + w * f)
        )),
        (point.clone(), 1e-3..1.0f64, 0.0..=1.0f64, any::<bool>()).prop_map(
            move |(a, f, m, pert)| {
                let b = a + w * f;
                format!(
                    "{{ dist = \"{}\", min = {}, mode = {}, max = {} }}",
                    if pert { "pert" } else { "triangular" },
                    num(a),
                    num(a + (b - a) * m),
                    num(b)
                )
            }
        ),
        (0.2..8.0f64, 0.2..8.0f64, point, 1e-3..1.0f64).prop_map(move |(al, be, a, f)| format!(
            "{{ dist = \"beta\", alpha = {}, beta = {}, min = {}, max = {} }}",
            num(al),
            num(be),
            num(a),
            num(a + w * f)
        )),
    ]
    .boxed();
    if depth == 0 {
        return simple;
    }
    let mixture = (
        prop::collection::vec(dist(lo, hi, depth - 1), 1..=3),
        prop::collection::vec(0.0..10.0f64, 3),
    )
        .prop_map(|(comps, mut ws)| {
            ws.truncate(comps.len());
            ws[0] += 0.1; // a positive sum
            format!(
                "{{ dist = \"mixture\", components = [{}], weights = [{}] }}",
                comps.join(", "),
                ws.iter().map(|w| num(*w)).collect::<Vec<_>>().join(", ")
            )
        });
    prop_oneof![4 => simple, 1 => mixture].boxed()
}

#[derive(Debug, Clone)]
struct Driver {
    rate: String,
    cap: Option<(String, Option<String>)>,
}

fn driver() -> impl Strategy<Value = Driver> {
    (
        magnitude(-3.0, 0.5).prop_flat_map(|top| dist(0.0, top, 1)),
        prop::option::of((dist(0.1, 10.0, 1), prop::option::of(dist(0.0, 0.3, 0)))),
    )
        .prop_map(|(rate, cap)| Driver { rate, cap })
}

#[derive(Debug, Clone)]
enum Onset {
    Year(String),
    Level(String, Option<usize>),
}

#[derive(Debug, Clone)]
struct Bottleneck {
    probability: f64,
    onset: Onset,
    duration: Option<String>,
    /// (driver index, factor)
    effect: Vec<(usize, String)>,
}

fn bottleneck(drivers: usize, start: f64, horizon: f64) -> impl Strategy<Value = Bottleneck> {
    let probability = prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64];
    let onset = prop_oneof![
        dist(start - 5.0, horizon - 1.0, 0).prop_map(Onset::Year),
        (dist(0.0, 10.0, 1), prop::option::of(0..drivers)).prop_map(|(l, of)| Onset::Level(l, of)),
    ];
    let duration = prop::option::of(dist(0.0, 20.0, 1));
    let effect = prop::collection::btree_map(0..drivers, dist(0.0, 3.0, 1), 1..=drivers)
        .prop_map(|m| m.into_iter().collect::<Vec<_>>());
    (probability, onset, duration, effect).prop_map(|(probability, onset, duration, effect)| {
        Bottleneck {
            probability,
            onset,
            duration,
            effect,
        }
    })
}

#[derive(Debug, Clone)]
struct Scenario {
    text: String,
    bin: &'static str,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        2000.0..2030.0f64,
        1.0..300.0f64,
        magnitude(-1.0, 2.0).prop_flat_map(|top| dist(0.0, top, 1)),
        prop::collection::vec(driver(), 1..=4),
        prop::sample::select(vec!["1", "5", "1/4", "1/12"]),
    )
        .prop_flat_map(|(start, span, threshold, drivers, bin)| {
            let horizon = start + span;
            let n = drivers.len();
            (
                Just((start, horizon, threshold, drivers, bin)),
                prop::collection::vec(bottleneck(n, start, horizon), 0..=3),
            )
        })
        .prop_map(|((start, horizon, threshold, drivers, bin), bottlenecks)| {
            let mut t = format!(
                "name = \"prop\"\nstart = {}\nhorizon = {}\nthreshold = {threshold}\n",
                num(start),
                num(horizon)
            );
            for (i, d) in drivers.iter().enumerate() {
                t.push_str(&format!("[drivers.d{i}]\nrate = {}\n", d.rate));
                if let Some((cap, after)) = &d.cap {
                    t.push_str(&format!("cap = {cap}\n"));
                    if let Some(a) = after {
                        t.push_str(&format!("after_cap = {a}\n"));
                    }
                }
            }
            for (i, b) in bottlenecks.iter().enumerate() {
                t.push_str(&format!(
                    "[bottlenecks.b{i}]\nprobability = {}\n",
                    num(b.probability)
                ));
                match &b.onset {
                    Onset::Year(y) => t.push_str(&format!("onset = {{ year = {y} }}\n")),
                    Onset::Level(l, None) => t.push_str(&format!("onset = {{ level = {l} }}\n")),
                    Onset::Level(l, Some(d)) => {
                        t.push_str(&format!("onset = {{ level = {l}, of = \"d{d}\" }}\n"))
                    }
                }
                if let Some(d) = &b.duration {
                    t.push_str(&format!("duration = {d}\n"));
                }
                let effect: Vec<String> = b
                    .effect
                    .iter()
                    .map(|(d, f)| format!("d{d} = {f}"))
                    .collect();
                t.push_str(&format!("effect = {{ {} }}\n", effect.join(", ")));
            }
            Scenario { text: t, bin }
        })
}

proptest! {
    // 300 cases of 3000 trajectories: about 1.5 s in `cargo test --release`.
    #![proptest_config(Config { cases: 300, failure_persistence: None, ..Config::default() })]

    #[test]
    fn every_valid_scenario_gives_sane_reports(s in scenario()) {
        let r = run_checked(&s.text, N, s.bin);
        assert_reports_sane(&r, N);
        for (b, bn) in r.model.bottlenecks.iter().enumerate() {
            let fired = r.tally.fired()[b];
            prop_assert!(fired <= N);
            if bn.probability == 0.0 {
                prop_assert_eq!(fired, 0);
            }
            if bn.probability == 1.0 {
                prop_assert_eq!(fired, N);
            }
        }
    }
}
