//! Numerical safety: valid but extreme inputs run through the library (parse, simulate,
//! report) and give finite, sensible reports, or are refused at validation with the
//! reason. No "NaN" or "inf" ever reaches a CSV cell.

use crate::harness::*;
use agi_timelines::priors::parse_model;
use agi_timelines::tally::{BinWidth, Grid};

const N: u64 = 4000;

fn summary_value(csv: &str, metric: &str) -> String {
    csv.lines()
        .find_map(|l| l.strip_prefix(&format!("{metric},")))
        .map(|rest| rest.split(',').next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {metric} in\n{csv}"))
}

/// Percentiles are interpolated within grid cells (at most 1/200 year), so they are
/// exact to 0.01 year (see `histogram.rs`), not to the last printed digit.
fn assert_year(csv: &str, metric: &str, expected: f64) {
    let v: f64 = summary_value(csv, metric).parse().unwrap();
    assert!(
        (v - expected).abs() <= 0.01,
        "{metric} = {v}, expected {expected}"
    );
}

#[test]
fn a_rate_of_1e_minus_12_oom_per_year_never_arrives() {
    let r = run_checked(
        "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1e-12\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    assert_eq!(r.tally.histogram.not_by_horizon, N);
    assert_eq!(summary_value(&r.summary_csv, "p50"), ">2100");
    assert_eq!(summary_value(&r.summary_csv, "p_by_horizon"), "0");
    assert_eq!(
        summary_value(&r.summary_csv, "mean_arrival_if_by_horizon"),
        ""
    );
}

#[test]
fn a_rate_of_1e6_oom_per_year_arrives_at_once() {
    let r = run_checked(
        "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1e6\n",
        N,
        "1/365",
    );
    assert_reports_sane(&r, N);
    // 5 OOM at 1e6 OOM/yr: 5e-6 years after start, in the first day.
    assert_eq!(r.tally.histogram.count_before(2020.0 + 1.0 / 365.0), N);
    assert_year(&r.summary_csv, "p50", 2020.000);
}

#[test]
fn thresholds_of_0_and_1e6() {
    // 0 (and below) is met at start.
    let r = run_checked(
        "start = 2020\nthreshold = 0\n[drivers.a]\nrate = 0.5\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    assert_eq!(r.tally.histogram.count_before(2021.0), N);
    assert_year(&r.summary_csv, "p95", 2020.000);
    // 1e6 OOM at 0.5 OOM/yr: never.
    let r = run_checked(
        "start = 2020\nthreshold = 1e6\n[drivers.a]\nrate = 0.5\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    assert_eq!(r.tally.histogram.not_by_horizon, N);
    // 1e6 OOM at 1e6 OOM/yr: one year.
    let r = run_checked(
        "start = 2020\nthreshold = 1e6\n[drivers.a]\nrate = 1e6\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    assert_year(&r.summary_csv, "p50", 2021.000);
    // Uncertain across the whole range: uniform threshold on [0, 1e6], rates spanning
    // 18 orders of magnitude.
    let r = run_checked(
        "start = 2020\nthreshold = { dist = \"uniform\", min = 0, max = 1e6 }\n\
         [drivers.a]\nrate = { dist = \"lognormal\", ci90 = [1e-12, 1e6] }\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
}

#[test]
fn a_horizon_1000_years_after_start_with_daily_bins() {
    let r = run_checked(
        "start = 2023.2\nhorizon = 3023.2\nthreshold = \"3 to 300\"\n\
         [drivers.a]\nrate = \"0.01 to 1\"\ncap = \"1 to 100\"\nafter_cap = \"0.001 to 0.1\"\n\
         [bottlenecks.w]\nprobability = 0.5\nonset = { year = \"2030 to 2500\" }\n\
         duration = \"1 to 300\"\neffect = { a = 0.1 }\n",
        N,
        "1/365",
    );
    assert_reports_sane(&r, N);
    // 1000 years of days, plus the partial first bin and `not by horizon`.
    let rows = r.histogram_csv.lines().count() - 1;
    assert!((365_000..=365_003).contains(&rows), "{rows} rows");
    let r = run_checked(
        "start = 2023.2\nhorizon = 3023.2\nthreshold = 5\n[drivers.a]\nrate = 0.005\n",
        N,
        "1/365",
    );
    assert_reports_sane(&r, N);
    assert_year(&r.summary_csv, "p50", 3023.200);
}

#[test]
fn the_longest_supported_span_and_negative_years() {
    let r = run_checked(
        "start = -500\nhorizon = 500\nthreshold = \"1 to 1000\"\n[drivers.a]\nrate = \"0.001 to 1\"\n",
        N,
        "5",
    );
    assert_reports_sane(&r, N);
    // Bins cross year 0 without printing -0.
    assert!(r.histogram_csv.contains("\n-5,0,") && r.histogram_csv.contains("\n0,5,"));
    // Half a year more than supported is refused with the reason, and so is a span
    // shorter than a day (start and horizon would print alike).
    for (text, words) in [
        ("start = -500\nhorizon = 500.5\n", "at most 1000 years"),
        (
            "start = 2023.2\nhorizon = 2023.2000000000003\n",
            "less than a day after start",
        ),
    ] {
        let e = parse_model(
            "t.toml",
            &format!("{text}threshold = 1\n[drivers.a]\nrate = 1\n"),
        )
        .unwrap_err();
        assert_eq!(e.diagnostics[0].key, "horizon");
        assert!(e.to_string().contains(words), "{e}");
    }
    // A day is enough: one bin from start to horizon, then `not by horizon`.
    let r = run_checked(
        "start = 2030.5\nhorizon = 2030.503\nthreshold = 5\n[drivers.a]\nrate = 1\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    assert!(
        r.histogram_csv.contains("\n2030.5,2030.503,0,0,0\n"),
        "{}",
        r.histogram_csv
    );
}

#[test]
fn a_grid_too_fine_for_the_span_is_refused_with_the_reason() {
    // 1,000 years in 1/1000-year bins would be a million bins.
    let bin = BinWidth::parse("1/1000").unwrap();
    let e = Grid::new(-500.0, 500.0, bin).unwrap_err();
    assert!(e.0.contains("is 1,000,000 bins"), "{e}");
    assert!(e.0.contains("the limit is 500,000"), "{e}");
    // Daily bins over the longest span fit.
    Grid::new(-500.0, 500.0, BinWidth::parse("1/365").unwrap()).unwrap();
}

#[test]
fn draws_that_overflow_f64_still_give_finite_reports() {
    // exp(700 + 10 z) overflows to infinity for most draws: an infinite rate arrives at
    // start, an infinite threshold never; neither may leak into a report.
    let r = run_checked(
        "start = 2020\nthreshold = { dist = \"lognormal\", mu = 690, sigma = 20 }\n\
         [drivers.a]\nrate = { dist = \"lognormal\", mu = 700, sigma = 10 }\ncap = { dist = \"lognormal\", mu = 700, sigma = 10 }\n\
         after_cap = { dist = \"normal\", mean = 1e308, sd = 1e308 }\n\
         [drivers.b]\nrate = { dist = \"normal\", mean = -1e308, sd = 1e308 }\n\
         [bottlenecks.boom]\nonset = { level = { dist = \"lognormal\", mu = 700, sigma = 10 } }\n\
         duration = { dist = \"lognormal\", mu = 700, sigma = 10 }\neffect = { a = 1e300, b = 1e300 }\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    // Huge but finite values multiply to infinity inside a trajectory.
    let r = run_checked(
        "start = 2020\nthreshold = 1e300\n[drivers.a]\nrate = 1e300\n[drivers.b]\nrate = 1e308\n\
         [bottlenecks.x]\nonset = { year = 2020.5 }\neffect = { a = 1e300, b = 1e300 }\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
}

#[test]
fn tiny_positive_numbers_and_subnormals() {
    let r = run_checked(
        "start = 2020\nthreshold = 1e-300\n[drivers.a]\nrate = 5e-324\ncap = 5e-324\nafter_cap = 1e-300\n\
         [bottlenecks.x]\nonset = { level = 1e-320 }\nduration = 1e-320\neffect = { a = 1e-300 }\n",
        N,
        "1/12",
    );
    assert_reports_sane(&r, N);
}

#[test]
fn sixty_four_bottlenecks_all_firing() {
    let mut text =
        String::from("start = 2020\nthreshold = \"2 to 20\"\n[drivers.a]\nrate = \"0.2 to 2\"\n");
    for b in 0..64 {
        text.push_str(&format!(
            "[bottlenecks.b{b}]\nonset = {{ year = {} }}\nduration = 0.5\neffect = {{ a = 0.99 }}\n",
            2020 + b
        ));
    }
    let r = run_checked(&text, N, "1");
    assert_reports_sane(&r, N);
    assert!(r.tally.fired().iter().all(|&f| f == N));
    assert_eq!(summary_value(&r.summary_csv, "p_fired_b63"), "1");
}

#[test]
fn probabilities_0_and_1_fire_never_and_always() {
    let r = run_checked(
        "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\n\
         [bottlenecks.never]\nprobability = 0\nonset = { year = 2021 }\neffect = { a = 0 }\n\
         [bottlenecks.always]\nprobability = 1\nonset = { year = 2021 }\nduration = 1\neffect = { a = 0 }\n",
        N,
        "1",
    );
    assert_reports_sane(&r, N);
    assert_eq!(r.tally.fired(), vec![0, N]);
    assert_year(&r.summary_csv, "p50", 2026.000);
}

#[test]
fn one_trajectory_and_a_partial_chunk() {
    for n in [1, 2, 16_385] {
        let r = run_checked(
            "start = 2020\nthreshold = \"3 to 9\"\n[drivers.a]\nrate = \"0.3 to 1\"\n",
            n,
            "1/4",
        );
        assert_reports_sane(&r, n);
    }
}

/// Every family at the edges of its parameters: draws are never NaN and stay inside
/// the support (infinite draws are allowed only where the support is unbounded, and
/// where exp() of a huge lognormal overflows: the trajectory treats them as such).
#[test]
fn extreme_parameters_never_draw_nan_or_leave_the_support() {
    use agi_timelines::dist::Dist;
    use rand::SeedableRng;
    let dists = vec![
        Dist::beta(1e-300, 1e-300, 0.0, 1.0).unwrap(),
        Dist::beta(1e-6, 1e6, 0.0, 1.0).unwrap(),
        Dist::beta(1e6, 1e-6, -1e150, 1e150).unwrap(),
        Dist::beta(0.01, 0.01, -1.0, 1.0).unwrap(),
        Dist::pert(0.0, 0.0, 1e-300).unwrap(),
        Dist::pert(-1e150, 1e150, 1e150).unwrap(),
        Dist::triangular(0.0, 0.0, 5e-324).unwrap(),
        Dist::triangular(-1e150, 1e150, 1e150).unwrap(),
        Dist::uniform(-1e307, 1e307).unwrap(),
        Dist::uniform(0.0, 5e-324).unwrap(),
        Dist::normal(1e308, 1e-300).unwrap(),
        Dist::lognormal(-700.0, 1e-300).unwrap(),
        Dist::lognormal(0.0, 1e300).unwrap(),
        Dist::truncated(Dist::normal(0.0, 1e-300).unwrap(), 0.0, f64::INFINITY).unwrap(),
        Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 8.0, 9.0).unwrap(),
        Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), -38.0, -37.0).unwrap(),
        Dist::truncated(Dist::lognormal(0.0, 1.0).unwrap(), 1e-16, 1e-15).unwrap(),
        Dist::truncated(Dist::uniform(0.0, 1.0).unwrap(), 0.5, 0.5 + 1e-16).unwrap(),
        Dist::truncated(Dist::triangular(0.0, 1.0, 2.0).unwrap(), 1.999999, 3.0).unwrap(),
        Dist::mixture(
            vec![
                Dist::fixed(-1e308).unwrap(),
                Dist::fixed(1e308).unwrap(),
                Dist::beta(1e-300, 1e-300, 0.0, 1.0).unwrap(),
            ],
            &[5e-324, 1e308, 1.0],
        )
        .unwrap(),
    ];
    // Far in the upper tail the kept mass rounds to 0: refused, with the reason (the
    // lower tail keeps its digits and is accepted).
    let e = Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 37.0, 38.0).unwrap_err();
    assert!(e.to_string().contains("rounds to 0"), "{e}");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    for d in &dists {
        let (lo, hi) = d.support();
        for i in 0..20_000 {
            let x = d.sample(&mut rng);
            assert!(!x.is_nan(), "draw {i} of {d:?} is NaN");
            assert!(
                (lo <= x && x <= hi)
                    || (x.is_infinite() && d.family() == agi_timelines::dist::Family::LogNormal),
                "draw {i} of {d:?} = {x:e} is outside [{lo:e}, {hi:e}]"
            );
        }
        for p in [0.0, 1e-300, 0.001, 0.5, 0.999, 1.0] {
            let q = d.quantile(p);
            assert!(!q.is_nan(), "quantile({p}) of {d:?} is NaN");
        }
        for x in [
            f64::NEG_INFINITY,
            -1e308,
            -1.0,
            0.0,
            1e-300,
            0.5,
            1.0,
            1e308,
            f64::INFINITY,
        ] {
            let c = d.cdf(x);
            assert!((0.0..=1.0).contains(&c), "cdf({x:e}) of {d:?} = {c}");
        }
    }
}
