//! Every distribution family's sampler against its CDF (one-sample Kolmogorov-Smirnov).
//!
//! Reference CDFs come from statrs wherever statrs has the family (uniform, normal,
//! lognormal, triangular, beta), so the sampler and the crate's own CDF are both checked
//! against an independent implementation; mixtures and truncations (which statrs lacks)
//! are checked against the crate's CDF, itself checked against statrs below.
//!
//! Critical value: with n = 100,000 samples the KS statistic D exceeds
//! 1.949 / sqrt(n) = 0.00616 with probability 0.001 under the null (asymptotic
//! Kolmogorov distribution, K(1.949) = 0.999). Seeds are fixed, so each test is
//! deterministic; a wrong sampler (e.g. a sd off by 1%, or a swapped PERT shape) gives
//! D far above this.

use agi_timelines::dist::{Dist, Z80, Z90};
use agi_timelines::engine::chunk_rng;
use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal, Triangular, Uniform};

const N: usize = 100_000;

const D_CRIT: f64 = 1.949 / 316.227_766_016_837_94; // 1.949 / sqrt(100_000)

fn ks_statistic(dist: &Dist, cdf: impl Fn(f64) -> f64, seed: u64) -> f64 {
    let mut rng = chunk_rng(seed, 0);
    let mut xs: Vec<f64> = (0..N).map(|_| dist.sample(&mut rng)).collect();
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = N as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in xs.iter().enumerate() {
        let f = cdf(x);
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    d
}

fn assert_ks(name: &str, dist: &Dist, cdf: impl Fn(f64) -> f64, seed: u64) {
    let d = ks_statistic(dist, cdf, seed);
    assert!(d < D_CRIT, "{name}: KS D = {d:.5} >= critical {D_CRIT:.5}");
}

#[test]
fn uniform() {
    let d = Dist::uniform(-2.0, 5.0).unwrap();
    let r = Uniform::new(-2.0, 5.0).unwrap();
    assert_ks("uniform", &d, |x| r.cdf(x), 1);
}

#[test]
fn normal_by_parameters_and_intervals() {
    let d = Dist::normal(3.0, 0.7).unwrap();
    let r = Normal::new(3.0, 0.7).unwrap();
    assert_ks("normal", &d, |x| r.cdf(x), 2);
    // ci90 = [2.5, 4.5]: mean 3.5, sd 1 / 1.6449
    let d = Dist::normal_interval(2.5, 4.5, Z90).unwrap();
    let r = Normal::new(3.5, 1.0 / 1.644_853_626_951_472_2).unwrap();
    assert_ks("normal ci90", &d, |x| r.cdf(x), 3);
}

#[test]
fn lognormal_by_every_form() {
    let r = LogNormal::new(0.5, 0.8).unwrap();
    assert_ks(
        "lognormal mu/sigma",
        &Dist::lognormal(0.5, 0.8).unwrap(),
        |x| r.cdf(x),
        4,
    );
    let r = LogNormal::new(2.0f64.ln(), 3.0f64.ln()).unwrap();
    assert_ks(
        "lognormal median/gsd",
        &Dist::lognormal_median_gsd(2.0, 3.0).unwrap(),
        |x| r.cdf(x),
        5,
    );
    // ci80 = [1, 8]: mu = ln(8)/2, sigma = ln(8) / (2 * 1.2816)
    let r = LogNormal::new(8f64.ln() / 2.0, 8f64.ln() / (2.0 * 1.281_551_565_544_600_5)).unwrap();
    assert_ks(
        "lognormal ci80",
        &Dist::lognormal_interval(1.0, 8.0, Z80).unwrap(),
        |x| r.cdf(x),
        6,
    );
}

#[test]
fn triangular() {
    let d = Dist::triangular(0.0, 0.3, 2.0).unwrap();
    let r = Triangular::new(0.0, 2.0, 0.3).unwrap();
    assert_ks("triangular", &d, |x| r.cdf(x), 7);
    // degenerate mode at an end
    let d = Dist::triangular(1.0, 1.0, 2.0).unwrap();
    let r = Triangular::new(1.0, 2.0, 1.0).unwrap();
    assert_ks("triangular mode=min", &d, |x| r.cdf(x), 8);
}

#[test]
fn pert_is_a_scaled_beta_with_vose_shapes() {
    // PERT(0.1, 0.4, 1.0): alpha = 1 + 4 * 0.3 / 0.9, beta = 1 + 4 * 0.6 / 0.9
    let d = Dist::pert(0.1, 0.4, 1.0).unwrap();
    let r = Beta::new(1.0 + 4.0 * 0.3 / 0.9, 1.0 + 4.0 * 0.6 / 0.9).unwrap();
    assert_ks("pert", &d, |x| r.cdf((x - 0.1) / 0.9), 9);
}

#[test]
fn beta_plain_scaled_and_small_shapes() {
    let r = Beta::new(2.0, 5.0).unwrap();
    assert_ks(
        "beta",
        &Dist::beta(2.0, 5.0, 0.0, 1.0).unwrap(),
        |x| r.cdf(x),
        10,
    );
    let r = Beta::new(0.5, 0.7).unwrap();
    assert_ks(
        "beta small shapes scaled",
        &Dist::beta(0.5, 0.7, 2.0, 6.0).unwrap(),
        |x| r.cdf((x - 2.0) / 4.0),
        11,
    );
}

/// Beta draws take one of three routes (`dist::BetaSampler`): two gamma variates of
/// shape >= 1 (Marsaglia-Tsang; shape exactly 1 is rand_distr's exponential), two with a
/// shape in [0.1, 1) (the `U^(1/a)` boost), or Cheng's algorithm below shape 0.1. Each
/// route, and both sides of the 0.1 switch, against statrs' CDF. (Not a small `beta`
/// shape: Beta(0.1, 0.1) puts 1.3% of its mass within 1e-16 of 1, where a 64-bit float
/// can only say 1.0, so any sampler's D is >= 0.013 there, as Cheng's is too.)
#[test]
fn beta_every_sampler_route() {
    for (i, &(a, b)) in [
        (1.0, 3.0),
        (300.0, 700.0),
        (0.1, 0.6),
        (0.3, 4.0),
        (0.099, 0.5),
        (0.05, 2.0),
    ]
    .iter()
    .enumerate()
    {
        let r = Beta::new(a, b).unwrap();
        assert_ks(
            &format!("beta({a}, {b})"),
            &Dist::beta(a, b, 0.0, 1.0).unwrap(),
            |x| r.cdf(x),
            40 + i as u64,
        );
    }
}

#[test]
fn mixture() {
    let a = Normal::new(1.0, 0.5).unwrap();
    let b = Uniform::new(3.0, 4.0).unwrap();
    let d = Dist::mixture(
        vec![
            Dist::normal(1.0, 0.5).unwrap(),
            Dist::uniform(3.0, 4.0).unwrap(),
        ],
        &[1.0, 3.0],
    )
    .unwrap();
    assert_ks("mixture", &d, |x| 0.25 * a.cdf(x) + 0.75 * b.cdf(x), 12);
}

#[test]
fn truncations() {
    // Normal truncated to [0, inf): the reference is statrs' normal renormalised.
    let r = Normal::new(0.2, 0.5).unwrap();
    let z = 1.0 - r.cdf(0.0);
    let d = Dist::truncated(Dist::normal(0.2, 0.5).unwrap(), 0.0, f64::INFINITY).unwrap();
    assert_ks(
        "normal truncated",
        &d,
        |x| ((r.cdf(x) - r.cdf(0.0)) / z).max(0.0),
        13,
    );
    // Upper tail [2.5, 4] of a standard normal: the mirrored inverse-CDF path.
    let r = Normal::new(0.0, 1.0).unwrap();
    let (lo, hi) = (r.cdf(2.5), r.cdf(4.0));
    let d = Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 2.5, 4.0).unwrap();
    assert_ks(
        "normal upper tail",
        &d,
        |x| ((r.cdf(x) - lo) / (hi - lo)).clamp(0.0, 1.0),
        14,
    );
    // Lognormal truncated above.
    let r = LogNormal::new(0.0, 1.0).unwrap();
    let d = Dist::truncated(Dist::lognormal(0.0, 1.0).unwrap(), 0.0, 3.0).unwrap();
    assert_ks(
        "lognormal truncated",
        &d,
        |x| (r.cdf(x) / r.cdf(3.0)).min(1.0),
        15,
    );
    // PERT truncated (rejection path).
    let r = Beta::new(3.0, 3.0).unwrap();
    let (lo, hi) = (r.cdf(0.3), r.cdf(0.9));
    let d = Dist::truncated(Dist::pert(0.0, 0.5, 1.0).unwrap(), 0.3, 0.9).unwrap();
    assert_ks(
        "pert truncated",
        &d,
        |x| ((r.cdf(x) - lo) / (hi - lo)).clamp(0.0, 1.0),
        16,
    );
    // Mixture truncated (rejection path), against the crate's CDF.
    let m = Dist::mixture(
        vec![
            Dist::normal(0.0, 1.0).unwrap(),
            Dist::normal(5.0, 1.0).unwrap(),
        ],
        &[1.0, 1.0],
    )
    .unwrap();
    let d = Dist::truncated(m, -0.5, 5.5).unwrap();
    let d2 = d.clone();
    assert_ks("mixture truncated", &d, move |x| d2.cdf(x), 17);
}

/// Truncations keeping under half the mass of a beta, PERT or mixture are drawn by a
/// piecewise hat (beta, PERT) or from the truncated components (mixtures), not by
/// rejection: every kind of hat cell (flat, and the power cells at an end where a shape
/// below 1 makes the density infinite), against statrs' beta renormalised.
#[test]
fn thin_truncations_of_beta_and_pert() {
    let cases: [(&str, f64, f64, f64, f64, f64, f64); 8] = [
        // name, alpha, beta, min, max, lo, hi
        (
            "pert upper tail, 0.12% kept",
            1.4,
            4.6,
            0.0,
            100.0,
            80.0,
            100.0,
        ),
        (
            "beta lower end, shapes 0.5 and 8",
            0.5,
            8.0,
            0.0,
            1.0,
            0.0,
            0.02,
        ),
        (
            "beta upper end, shapes 8 and 0.5",
            8.0,
            0.5,
            0.0,
            1.0,
            0.98,
            1.0,
        ),
        ("beta lower end, shape 0.3", 0.3, 0.6, 0.0, 1.0, 0.0, 0.001),
        ("beta upper end, shape 0.6", 0.3, 0.6, 0.0, 1.0, 0.999, 1.0),
        ("beta both ends inside", 0.5, 0.7, 2.0, 6.0, 2.0, 2.4),
        ("beta large shapes, tail", 300.0, 200.0, 0.0, 1.0, 0.63, 0.7),
        ("beta shape 0.05", 0.05, 3.0, 0.0, 1.0, 1e-20, 1e-10),
    ];
    for (i, (name, a, b, min, max, lo, hi)) in cases.into_iter().enumerate() {
        let d = Dist::truncated(Dist::beta(a, b, min, max).unwrap(), lo, hi).unwrap();
        let r = Beta::new(a, b).unwrap();
        let u = |x: f64| r.cdf(((x - min) / (max - min)).clamp(0.0, 1.0));
        let (f_lo, f_hi) = (u(lo), u(hi));
        assert!(f_hi - f_lo < 0.5, "{name}: keeps {}", f_hi - f_lo);
        assert_ks(
            name,
            &d,
            |x| ((u(x) - f_lo) / (f_hi - f_lo)).clamp(0.0, 1.0),
            60 + i as u64,
        );
    }
    // PERT as the priors write it
    let p = Dist::pert(0.0, 10.0, 100.0).unwrap();
    let d = Dist::truncated(p.clone(), 75.0, 100.0).unwrap();
    let (f_lo, f_hi) = (p.cdf(75.0), p.cdf(100.0));
    let r = Beta::new(1.4, 4.6).unwrap();
    assert_ks(
        "pert truncated to its upper tail",
        &d,
        |x| ((r.cdf(x / 100.0) - f_lo) / (f_hi - f_lo)).clamp(0.0, 1.0),
        69,
    );
}

#[test]
fn thin_truncations_of_mixtures() {
    let ln = |lo, hi| Dist::lognormal_interval(lo, hi, Z90).unwrap();
    let threshold = Dist::mixture(vec![ln(4.5, 12.0), ln(12.0, 40.0)], &[0.9, 0.1]).unwrap();
    // 0.12% kept, in the second component's tail
    let tail = Dist::truncated(threshold.clone(), 50.0, f64::INFINITY).unwrap();
    // a mixture of a beta, a normal and a truncated uniform, cut to a narrow range
    // where each contributes: parts of every kind, and a truncation of a truncation
    let varied = Dist::mixture(
        vec![
            Dist::beta(2.0, 5.0, 0.0, 1.0).unwrap(),
            Dist::normal(1.0, 0.5).unwrap(),
            Dist::truncated(Dist::uniform(0.0, 10.0).unwrap(), 0.3, 0.5).unwrap(),
            Dist::mixture(vec![ln(0.1, 0.2), ln(0.2, 2.0)], &[1.0, 1.0]).unwrap(),
        ],
        &[1.0, 2.0, 1.0, 1.0],
    )
    .unwrap();
    let narrow = Dist::truncated(varied.clone(), 0.42, 0.47).unwrap();
    for (i, (name, d, inner, lo, hi)) in [
        (
            "2-lognormal mixture, upper tail",
            tail,
            threshold,
            50.0,
            f64::INFINITY,
        ),
        ("varied mixture, narrow range", narrow, varied, 0.42, 0.47),
    ]
    .into_iter()
    .enumerate()
    {
        let (f_lo, f_hi) = (inner.cdf_left(lo), inner.cdf(hi));
        assert!(f_hi - f_lo < 0.5, "{name}: keeps {}", f_hi - f_lo);
        assert_ks(
            name,
            &d,
            |x| ((inner.cdf(x) - f_lo) / (f_hi - f_lo)).clamp(0.0, 1.0),
            70 + i as u64,
        );
    }
}

#[test]
fn the_ks_test_detects_a_wrong_distribution() {
    // Guard against a test that cannot fail: sd off by 3% is detected at n = 100,000.
    let d = Dist::normal(0.0, 1.03).unwrap();
    let r = Normal::new(0.0, 1.0).unwrap();
    assert!(ks_statistic(&d, |x| r.cdf(x), 18) > D_CRIT);
}

#[test]
fn crate_cdfs_match_statrs() {
    type Reference = Box<dyn Fn(f64) -> f64>;
    let cases: Vec<(Dist, Reference)> = vec![
        (
            Dist::normal(1.0, 2.0).unwrap(),
            Box::new(|x| Normal::new(1.0, 2.0).unwrap().cdf(x)),
        ),
        (
            Dist::lognormal(0.3, 0.9).unwrap(),
            Box::new(|x| LogNormal::new(0.3, 0.9).unwrap().cdf(x)),
        ),
        (
            Dist::triangular(0.0, 1.0, 4.0).unwrap(),
            Box::new(|x| Triangular::new(0.0, 4.0, 1.0).unwrap().cdf(x)),
        ),
        (
            Dist::beta(2.0, 3.0, 0.0, 1.0).unwrap(),
            Box::new(|x| Beta::new(2.0, 3.0).unwrap().cdf(x)),
        ),
    ];
    for (d, f) in &cases {
        for i in 0..=40 {
            let x = -1.0 + i as f64 * 0.15;
            assert!(
                (d.cdf(x) - f(x)).abs() < 1e-9,
                "{d:?} at {x}: {} vs {}",
                d.cdf(x),
                f(x)
            );
        }
    }
}

/// The exact draws of every sampling route for a fixed seed (as `rand_distr` pins its
/// samplers in `tests/value_stability.rs`): a change to any sampler, or to the order in
/// which it consumes random numbers, fails here with the route named, not as a
/// statistical drift somewhere downstream. After a deliberate change, print the new
/// values with `PRINT_DRAWS=1 cargo test --release value_stability -- --nocapture`.
#[test]
fn value_stability_of_every_sampler() {
    let routes: Vec<(&str, Dist, [f64; 4])> = vec![
        ("fixed", Dist::fixed(2.5).unwrap(), [2.5, 2.5, 2.5, 2.5]),
        ("uniform", Dist::uniform(1.0, 3.0).unwrap(), PINNED_UNIFORM),
        ("normal", Dist::normal(1.0, 2.0).unwrap(), PINNED_NORMAL),
        (
            "lognormal",
            Dist::lognormal_median_gsd(2.0, 3.0).unwrap(),
            PINNED_LOGNORMAL,
        ),
        (
            "triangular",
            Dist::triangular(0.0, 0.2, 1.0).unwrap(),
            PINNED_TRIANGULAR,
        ),
        (
            "beta by gammas",
            Dist::beta(2.0, 5.0, 0.0, 1.0).unwrap(),
            PINNED_BETA_GAMMAS,
        ),
        (
            "beta by Cheng",
            Dist::beta(0.05, 3.0, 0.0, 1.0).unwrap(),
            PINNED_BETA_CHENG,
        ),
        ("pert", Dist::pert(0.1, 0.4, 1.0).unwrap(), PINNED_PERT),
        (
            "mixture",
            Dist::mixture(
                vec![
                    Dist::normal(0.0, 1.0).unwrap(),
                    Dist::uniform(5.0, 6.0).unwrap(),
                ],
                &[1.0, 3.0],
            )
            .unwrap(),
            PINNED_MIXTURE,
        ),
        (
            "truncated normal, rejection",
            Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), -1.0, f64::INFINITY).unwrap(),
            PINNED_TRUNC_REJECT,
        ),
        (
            "truncated normal, inverse",
            Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 2.0, 3.0).unwrap(),
            PINNED_TRUNC_INVERSE,
        ),
        (
            "truncated lognormal, inverse",
            Dist::truncated(Dist::lognormal(0.0, 1.0).unwrap(), 5.0, 9.0).unwrap(),
            PINNED_TRUNC_LOG_INVERSE,
        ),
        (
            "truncated uniform",
            Dist::truncated(Dist::uniform(0.0, 10.0).unwrap(), 2.0, 3.0).unwrap(),
            PINNED_TRUNC_UNIFORM,
        ),
        (
            "truncated pert, rejection",
            Dist::truncated(Dist::pert(0.0, 0.5, 2.0).unwrap(), 0.2, 1.5).unwrap(),
            PINNED_TRUNC_PERT,
        ),
        (
            "truncated pert, hat",
            Dist::truncated(Dist::pert(0.0, 10.0, 100.0).unwrap(), 80.0, 100.0).unwrap(),
            PINNED_TRUNC_PERT_HAT,
        ),
        (
            "truncated beta, power hat",
            Dist::truncated(Dist::beta(0.5, 8.0, 0.0, 1.0).unwrap(), 0.0, 0.02).unwrap(),
            PINNED_TRUNC_BETA_POWER,
        ),
        (
            "truncated mixture, parts",
            Dist::truncated(
                Dist::mixture(
                    vec![
                        Dist::normal(0.0, 1.0).unwrap(),
                        Dist::beta(2.0, 5.0, 0.0, 4.0).unwrap(),
                    ],
                    &[1.0, 1.0],
                )
                .unwrap(),
                2.0,
                3.0,
            )
            .unwrap(),
            PINNED_TRUNC_MIXTURE_PARTS,
        ),
    ];
    let print = std::env::var_os("PRINT_DRAWS").is_some();
    for (name, dist, pinned) in routes {
        let mut rng = chunk_rng(42, 0);
        let draws: Vec<f64> = (0..4).map(|_| dist.sample(&mut rng)).collect();
        if print {
            println!("{name}: {draws:?}");
            continue;
        }
        assert_eq!(draws, pinned, "{name}: the draws of this sampler changed");
    }
}

// Draws 1-4 of each route with seed 42, chunk 0 (exact f64 values).
const PINNED_UNIFORM: [f64; 4] = [
    2.6286102902458195,
    1.6376420801233222,
    2.9677883363549773,
    2.402271196269511,
];
const PINNED_NORMAL: [f64; 4] = [
    2.6687950936875917,
    -0.029925856294590103,
    3.8154551462395,
    1.9289097224504714,
];
const PINNED_LOGNORMAL: [f64; 4] = [
    5.0019437113183045,
    1.135874205405101,
    9.390457287852836,
    3.3314345220537622,
];
const PINNED_TRIANGULAR: [f64; 4] = [
    0.614570520196402,
    0.261797339512603,
    0.8864893597145669,
    0.5110301425525337,
];
const PINNED_BETA_GAMMAS: [f64; 4] = [
    0.2623091249088898,
    0.5860192214534423,
    0.16083011072991704,
    0.3619590451509201,
];
const PINNED_BETA_CHENG: [f64; 4] = [
    2.4104747531603277e-15,
    4.7251083613672375e-9,
    3.451781374135587e-5,
    5.587232913355713e-8,
];
const PINNED_PERT: [f64; 4] = [
    0.40698557400248525,
    0.7519547269812671,
    0.32403767389629873,
    0.5367846701351398,
];
const PINNED_MIXTURE: [f64; 4] = [
    5.318821040061661,
    5.701135598134756,
    5.588098466467559,
    0.4144533898735936,
];
const PINNED_TRUNC_REJECT: [f64; 4] = [
    0.8343975468437959,
    -0.514962928147295,
    1.40772757311975,
    0.46445486122523566,
];
const PINNED_TRUNC_INVERSE: [f64; 4] = [
    2.554055682706981,
    2.1462307397676175,
    2.930044633473121,
    2.420684114365517,
];
const PINNED_TRUNC_LOG_INVERSE: [f64; 4] = [
    7.583292913349258,
    5.687304039692456,
    8.84301147851939,
    6.993980685376317,
];
const PINNED_TRUNC_UNIFORM: [f64; 4] = [
    2.8143051451229093,
    2.318821040061661,
    2.983894168177489,
    2.701135598134756,
];
const PINNED_TRUNC_PERT: [f64; 4] = [
    0.5943970403583029,
    1.3338408702506326,
    0.387899661010981,
    0.8450706028911672,
];
const PINNED_TRUNC_PERT_HAT: [f64; 4] = [
    84.81148507651433,
    80.56330038260269,
    89.23735608521442,
    84.38586413610074,
];
const PINNED_TRUNC_BETA_POWER: [f64; 4] = [
    0.009741880612114662,
    0.0004577164723360656,
    0.01694942434085767,
    0.008836913088805827,
];
const PINNED_TRUNC_MIXTURE_PARTS: [f64; 4] = [
    2.1716233463777734,
    2.347667263814461,
    2.798735608521442,
    2.0375480203254,
];
