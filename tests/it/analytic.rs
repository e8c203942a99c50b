//! End-to-end runs against cases solvable by hand (MODEL.md section 4).
//!
//! Tolerances are Monte Carlo errors, derived per check:
//! - a probability p from n trajectories has standard error sqrt(p (1 - p) / n);
//! - a q-quantile has standard error sqrt(q (1 - q) / n) / f(x_q), with f the density
//!   at the quantile (asymptotic normality of sample quantiles);
//! - a mean has standard error sd / sqrt(n).
//!
//! Each check allows 5 standard errors (a false alarm has probability < 1e-6 per check;
//! seeds are fixed, so the tests are deterministic anyway) plus, for quantiles, one
//! grid cell (1/200 year) for the histogram's resolution.

use crate::harness::*;

const N: u64 = 400_000;

const CELL: f64 = 1.0 / 200.0;

fn quantile_tol(q: f64, density: f64) -> f64 {
    5.0 * (q * (1.0 - q) / N as f64).sqrt() / density + CELL
}

fn prob_tol(p: f64) -> f64 {
    5.0 * (p * (1.0 - p) / N as f64).sqrt()
}

#[test]
fn fixed_rates_and_normal_threshold_give_a_normal_arrival_year() {
    // E(t) = 1 OOM/yr * (t - 2020); T ~ N(6, 1.5) => arrival ~ N(2026, 1.5).
    // (P(T <= 0) = Phi(-4) = 3e-5 of arrivals sit at 2020 instead of below it, which
    // changes no quantile above the 0.01% level.)
    let t = run_text(
        "start = 2020\nthreshold = { dist = \"normal\", mean = 6, sd = 1.5 }\n\
         [drivers.compute]\nrate = 0.6\n[drivers.algorithms]\nrate = 0.4\n",
        N,
        11,
    );
    let h = &t.histogram;
    assert_eq!(h.total(), N);
    assert_eq!(h.not_by_horizon, 0);
    for q in [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95] {
        let z = phi_inv(q);
        let expected = 2026.0 + 1.5 * z;
        let density = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() / 1.5;
        let got = h.quantile(q).unwrap();
        let tol = quantile_tol(q, density);
        assert!(
            (got - expected).abs() < tol,
            "q{q}: {got} vs {expected} (tol {tol})"
        );
        // The reported standard error agrees with the asymptotic formula: the band it
        // is read from holds ~2 sqrt(q(1-q)n) >= 870 trajectories (relative error of
        // the estimate ~ 1/sqrt(870) = 3.4%) plus interpolation; allow 25%.
        let se = h.quantile_std_error(q).unwrap();
        let se_formula = (q * (1.0 - q) / N as f64).sqrt() / density;
        assert!(
            (se / se_formula - 1.0).abs() < 0.25,
            "q{q}: se {se} vs {se_formula}"
        );
    }
    let p = phi(1.0 / 1.5); // P(arrival < 2027)
    let got = h.count_before(2027.0) as f64 / N as f64;
    assert!((got - p).abs() < prob_tol(p), "P(by 2026) {got} vs {p}");
    let (mean, se) = h.mean_arrival().unwrap();
    assert!(
        (mean - 2026.0).abs() < 5.0 * 1.5 / (N as f64).sqrt(),
        "mean {mean}"
    );
    assert!(
        (se / (1.5 / (N as f64).sqrt()) - 1.0).abs() < 0.02,
        "mean se {se}"
    );
}

#[test]
fn cap_then_after_cap_rate() {
    // 1 OOM/yr for 3 OOM (2020 -> 2023), then 0.5 OOM/yr; T ~ U(4, 6):
    // arrival = 2023 + 2 (T - 3) ~ U(2025, 2029), density 1/4.
    let t = run_text(
        "start = 2020\nthreshold = { dist = \"uniform\", min = 4, max = 6 }\n\
         [drivers.compute]\nrate = 1\ncap = 3\nafter_cap = 0.5\n",
        N,
        12,
    );
    let h = &t.histogram;
    for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
        let expected = 2025.0 + 4.0 * q;
        let got = h.quantile(q).unwrap();
        assert!(
            (got - expected).abs() < quantile_tol(q, 0.25),
            "q{q}: {got} vs {expected}"
        );
    }
    assert_eq!(h.count_before(2025.0), 0);
    let got = h.count_before(2027.0) as f64 / N as f64;
    assert!((got - 0.5).abs() < prob_tol(0.5), "{got}");
}

#[test]
fn a_bottleneck_that_stops_every_driver_leaves_its_share_never_arriving() {
    // With probability 0.3 both drivers stop for good in 2021 (E stuck at 1 < 5);
    // otherwise 1 OOM/yr reaches 5 OOM exactly in 2025.
    let t = run_text(
        "start = 2020\nthreshold = 5\n[drivers.compute]\nrate = 0.5\n[drivers.algorithms]\nrate = 0.5\n\
         [bottlenecks.halt]\nprobability = 0.3\nonset = { year = 2021 }\neffect = { compute = 0, algorithms = 0 }\n",
        N,
        13,
    );
    let h = &t.histogram;
    let never = h.not_by_horizon as f64 / N as f64;
    assert!((never - 0.3).abs() < prob_tol(0.3), "never {never}");
    assert_eq!(
        t.fired()[0],
        h.not_by_horizon,
        "exactly the fired trajectories never arrive"
    );
    // every arrival is at 2025.0 exactly
    assert_eq!(h.count_before(2025.0), 0);
    assert_eq!(h.count_before(2026.0), h.arrived());
    let (mean, _) = h.mean_arrival().unwrap();
    assert!((mean - 2025.0).abs() < 1e-6);
}

#[test]
fn a_level_onset_with_a_duration_delays_by_the_duration() {
    // 1 OOM/yr from 2020; when E reaches U(1, 3) OOM everything stops for D ~ U(0, 2)
    // years, then resumes: arrival at 5 OOM = 2025 + D ~ U(2025, 2027), density 1/2.
    let t = run_text(
        "start = 2020\nthreshold = 5\n[drivers.compute]\nrate = 1\n\
         [bottlenecks.wall]\nonset = { level = { dist = \"uniform\", min = 1, max = 3 } }\n\
         duration = { dist = \"uniform\", min = 0, max = 2 }\neffect = { compute = 0 }\n",
        N,
        14,
    );
    let h = &t.histogram;
    for q in [0.1, 0.5, 0.9] {
        let expected = 2025.0 + 2.0 * q;
        let got = h.quantile(q).unwrap();
        assert!(
            (got - expected).abs() < quantile_tol(q, 0.5),
            "q{q}: {got} vs {expected}"
        );
    }
    let got = h.count_before(2026.0) as f64 / N as f64;
    assert!((got - 0.5).abs() < prob_tol(0.5), "{got}");
}

#[test]
fn an_uncertain_rate_gives_the_arrival_its_exact_law() {
    // One driver, rate R ~ lognormal(mu = ln 0.5, sigma = 0.3), T = 4 from 2020:
    // arrival = 2020 + 4 / R, so P(arrival < y) = P(R > 4 / (y - 2020))
    //   = 1 - Phi((ln(4 / (y - 2020)) - ln 0.5) / 0.3).
    let t = run_text(
        "start = 2020\nthreshold = 4\n[drivers.compute]\nrate = { dist = \"lognormal\", mu = -0.6931471805599453, sigma = 0.3 }\n",
        N,
        15,
    );
    let h = &t.histogram;
    for y in [2026.0f64, 2028.0, 2030.0, 2035.0] {
        let p = 1.0 - phi(((4.0 / (y - 2020.0)).ln() - 0.5f64.ln()) / 0.3);
        let got = h.count_before(y) as f64 / N as f64;
        assert!(
            (got - p).abs() < prob_tol(p),
            "P(arrival < {y}) {got} vs {p}"
        );
    }
}

#[test]
fn a_driver_level_onset_slows_another_driver() {
    // compute and algorithms at 1 OOM/yr each from 2020; once compute has added 1 OOM
    // (2021, E = 2) algorithms slows to 0.5: 4 more OOM at 1.5/yr => 2021 + 8/3.
    let t = run_text(
        "start = 2020\nthreshold = 6\n[drivers.compute]\nrate = 1\n[drivers.algorithms]\nrate = 1\n\
         [bottlenecks.data_wall]\nonset = { level = 1, of = \"compute\" }\neffect = { algorithms = 0.5 }\n",
        1000,
        16,
    );
    let (mean, _) = t.histogram.mean_arrival().unwrap();
    assert!((mean - (2021.0 + 8.0 / 3.0)).abs() < 1e-6, "{mean}");
}
