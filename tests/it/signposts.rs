//! Signposts against cases solved by hand, their consistency with `[evidence]`, and
//! their guarantees (any thread count, shards).
//!
//! Tolerances: a group median has Monte Carlo error sqrt(0.25 / n_g) / f, with f the
//! arrival's density at it within the group; the coarse grid adds up to one cell (1/20
//! year); the tercile cuts come from a trial of 65,536 trajectories, whose quantile error
//! sqrt(q (1 - q) / 65,536) = 0.0018 moves a group's edge, and so its median, by at most
//! that share of the group's range. Each check allows 5 standard errors.

use crate::harness::*;
use agi_timelines::engine::{self, RunSpec, Silent, simulate_with_threads};
use agi_timelines::tally::{BinWidth, Grid, SignpostRow};

const N: u64 = 300_000;

fn signposts(
    m: &agi_timelines::model::Model,
    years: &[f64],
    seed: u64,
    threads: usize,
) -> (RunSpec, agi_timelines::tally::Tally, Vec<SignpostRow>) {
    let grid = Grid::new(m.start, m.horizon, BinWidth::Years(1)).unwrap();
    let spec = engine::with_signposts(m, RunSpec::new(m, seed, N, grid), years);
    let t = simulate_with_threads(m, &spec, threads, &Silent)
        .unwrap()
        .unwrap();
    let rows = t.signposts.as_ref().unwrap().rows(
        m,
        spec.tally.signposts.as_ref().unwrap(),
        &spec.tally.coarse,
    );
    (spec, t, rows)
}

fn row<'a>(rows: &'a [SignpostRow], name: &str) -> &'a SignpostRow {
    rows.iter()
        .find(|r| r.observable == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// One driver, rate r ~ U(0.5, 1.5) OOM/yr from 2020, threshold 10: arrival 2020 + 10/r
/// (2026.67 to 2040), so nobody has arrived by 2022, when the level is 2r ~ U(1, 3). Its
/// thirds are the rate's: r below 0.8333, between, above 1.1667; their median rates
/// 0.6667, 1 and 1.3333 give median arrivals 2035, 2030 and 2027.5, and P(by the end of
/// 2030) = P(r > 10/11) is 0, 0.7727 and 1.
#[test]
fn a_uniform_rate_splits_into_its_thirds_and_the_medians_follow() {
    let m = model(
        "start = 2020\nthreshold = 10\n[drivers.compute]\nrate = { dist = \"uniform\", min = 0.5, max = 1.5 }\n",
    );
    let (_, _, rows) = signposts(&m, &[2022.0], 3, 2);
    let r = row(&rows, "drivers.compute");
    assert_eq!(r.trajectories, N, "nobody arrives before 2026.67");
    let (lo, hi) = r.cuts.unwrap();
    let cut_err = 0.0018 / 0.5; // quantile error over the level's density (1/2 per OOM)
    assert!(
        (lo - 5.0 / 3.0).abs() < 5.0 * cut_err && (hi - 7.0 / 3.0).abs() < 5.0 * cut_err,
        "{lo} {hi}"
    );
    for (g, (rate, p2030)) in [
        (2.0 / 3.0, 0.0),
        (1.0, (7.0 / 6.0 - 10.0 / 11.0) / (1.0 / 3.0)),
        (4.0 / 3.0, 1.0),
    ]
    .iter()
    .enumerate()
    {
        let grp = &r.groups[g];
        let n = grp.n as f64;
        assert!(
            (n / N as f64 - 1.0 / 3.0).abs() < 5.0 * 0.0018 + 5.0 * (2.0 / 9.0 / N as f64).sqrt(),
            "share {g}: {n}"
        );
        let expected = 2020.0 + 10.0 / rate;
        // arrival density at the group's median: 3 (the rate's density in its third) * r^2 / 10
        let density = 3.0 * rate * rate / 10.0;
        let shift = 0.0018 * 3.0 * 10.0 / (rate * rate) / 2.0; // a cut's error moves the median by half
        let tol = 5.0 * (0.25 / n).sqrt() / density + 0.05 + 5.0 * shift;
        let got = grp.median.unwrap();
        assert!(
            (got - expected).abs() < tol,
            "group {g}: {got} vs {expected} (tol {tol})"
        );
        let p = grp.p_by_2030.unwrap();
        let p_tol = 5.0 * (p2030 * (1.0 - p2030) / n).sqrt() + 5.0 * 0.0018 * 3.0;
        assert!(
            (p - p2030).abs() <= p_tol,
            "group {g}: P(by 2030) {p} vs {p2030}"
        );
    }
    // The level decides the arrival: nearly all of log2(3) = 1.58 bits (year bins
    // straddle the thirds' edges in 2028 and 2032), and it ranks first, tied with E (with
    // one driver, the same level).
    assert!(r.information_bits > 1.2, "{}", r.information_bits);
    let e = row(&rows, "E");
    assert_eq!(e.information_bits, r.information_bits);
    let mut top = [rows[0].observable.as_str(), rows[1].observable.as_str()];
    top.sort();
    assert_eq!(top, ["E", "drivers.compute"]);
}

/// A bottleneck that happens half the time and changes nothing (a factor of 1) is
/// independent of the arrival: its answer carries ~0 bits and moves no median.
#[test]
fn an_independent_observable_carries_no_information() {
    let m = model(
        "start = 2020\nthreshold = \"3 to 12\"\n[drivers.compute]\nrate = \"0.5 to 1.5\"\n\
         [bottlenecks.coin]\nprobability = 0.5\nonset = { year = 2020 }\neffect = { compute = 1 }\n",
    );
    let (_, _, rows) = signposts(&m, &[2023.0], 5, 2);
    let r = row(&rows, "bottlenecks.coin.started");
    assert!(!r.is_level);
    assert!(
        r.information_bits < 5.0 * r.information_std_error + 1e-4,
        "{} +- {}",
        r.information_bits,
        r.information_std_error
    );
    let (no, yes) = (&r.groups[0], &r.groups[2]);
    assert_eq!(r.groups[1].n, 0, "a yes/no has no middle");
    // Two independent samples of the same law: their medians differ by noise only, with
    // standard error sqrt(se_no^2 + se_yes^2).
    let se = (no.median_std_error.unwrap().powi(2) + yes.median_std_error.unwrap().powi(2)).sqrt();
    let d = (no.median.unwrap() - yes.median.unwrap()).abs();
    assert!(d < 5.0 * se + 0.05, "{d} vs {se}");
}

/// Conditioning on the middle third of an observable, as evidence (a uniform
/// measurement between the cuts, and no arrival before the year), keeps exactly the
/// trajectories the signpost counts in that third: the same count, the same P(by 2030),
/// the same median up to the coarse grid's cell.
#[test]
fn evidence_on_a_third_reproduces_that_thirds_figures() {
    let base = "start = 2020\nthreshold = \"3 to 12\"\n[drivers.compute]\nrate = \"0.4 to 0.9\"\ncap = \"2 to 5\"\n\
                [drivers.algorithms]\nrate = \"0.3 to 0.7\"\n";
    let m = model(base);
    let year = 2024.5;
    let (spec, _, rows) = signposts(&m, &[year], 7, 2);
    let r = row(&rows, "E");
    let sp = spec.tally.signposts.as_ref().unwrap();
    let (lo, hi) = sp.cuts[r.index.0 * sp.observables.len() + r.index.1].expect("a level");
    assert_eq!(r.cuts, Some((lo, hi)));
    let conditioned = model(&format!(
        "{base}[evidence]\nno_arrival_before = {year}\n[[evidence.observe]]\nyear = {year}\n\
         level = {{ dist = \"uniform\", min = {lo:?}, max = {hi:?} }}\n"
    ));
    let grid = Grid::new(m.start, m.horizon, BinWidth::Years(1)).unwrap();
    let t = simulate_with_threads(
        &conditioned,
        &RunSpec::new(&conditioned, 7, N, grid),
        2,
        &Silent,
    )
    .unwrap()
    .unwrap();
    let mid = &r.groups[1];
    assert_eq!(t.trajectories(), mid.n, "the same trajectories");
    let p = t.histogram.count_before(2031.0) as f64 / t.trajectories() as f64;
    assert_eq!(Some(p), mid.p_by_2030);
    let median = t.histogram.quantile(0.5).unwrap();
    assert!(
        (median - mid.median.unwrap()).abs() <= 0.05,
        "{median} vs {:?}",
        mid.median
    );
}

#[test]
fn signposts_are_identical_for_any_thread_count() {
    let m = agi_timelines::scenarios::SHIPPED[0].model().unwrap();
    let (_, one, _) = signposts(&m, &[2027.5, 2029.0], 9, 1);
    for threads in [2, 8] {
        let (_, other, _) = signposts(&m, &[2027.5, 2029.0], 9, threads);
        assert_eq!(one, other, "{threads} threads");
    }
}

#[test]
fn shards_with_signposts_merge_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let common = [
        "-n",
        "60k",
        "--seed",
        "2",
        "--signposts",
        "2027.5,2030",
        "-q",
    ];
    let mut args = vec!["run", "epoch-trends", "-o", "whole"];
    args.extend(common);
    ok(&run_in(d, &args));
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let out = format!("s{k}");
        let mut args = vec!["run", "epoch-trends", "--shard", &shard, "-o", &out];
        args.extend(common);
        ok(&run_in(d, &args));
    }
    ok(&run_in(d, &["merge", "s1", "s2", "-o", "merged", "-q"]));
    for f in [
        "signposts.csv",
        "summary.csv",
        "signposts.svg",
        "histogram.csv",
    ] {
        assert_eq!(
            read(d.join("whole").join(f)),
            read(d.join("merged").join(f)),
            "{f}"
        );
    }
    let manifest = read(d.join("merged/manifest.json"));
    assert!(manifest.contains("--signposts 2027.5,2030"), "{manifest}");
    // refused: a year outside the scenario, too many years, not a number
    for bad in [
        "2200",
        "2024,2025,2026,2027,2028,2029,2030,2031,2032",
        "soon",
    ] {
        let o = run_in(d, &["run", "-n", "1k", "--signposts", bad, "-o", "bad"]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(!d.join("bad").exists());
    }
}

/// What a user sees: one command on the default scenario writes the table (the
/// columns a spreadsheet needs, one row per year and observable, most informative
/// first), the chart, and the top signposts in words; `compare` writes them per scenario.
#[test]
fn one_command_shows_what_to_watch() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let o = run_in(
        d,
        &[
            "run",
            "-n",
            "60k",
            "--seed",
            "4",
            "--signposts",
            "2028,2027.5",
            "-o",
            "out",
        ],
    );
    ok(&o);
    let text = stdout(&o);
    assert!(
        text.contains("Signposts: what an observer would see"),
        "{text}"
    );
    assert!(text.contains("At 2027.5, if "), "{text}");
    let csv = read(d.join("out/signposts.csv"));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "observable",
        "year",
        "trajectories",
        "cut_low",
        "cut_high",
        "median_if_low",
        "median_if_mid",
        "median_if_high",
        "p_by_2030_if_low",
        "p_by_2030_if_mid",
        "p_by_2030_if_high",
        "information_bits",
        "information_bits_std_error",
    ] {
        assert!(header.contains(&col), "{col} missing: {header:?}");
    }
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let m = agi_timelines::scenarios::SHIPPED[0].model().unwrap();
    let per_year = m.drivers.len() + 1 + m.bottlenecks.len();
    assert_eq!(rows.len(), 2 * per_year);
    let bits = header
        .iter()
        .position(|c| *c == "information_bits")
        .unwrap();
    let info: Vec<f64> = rows.iter().map(|r| r[bits].parse().unwrap()).collect();
    assert!(info.windows(2).all(|w| w[0] >= w[1]), "ranked: {info:?}");
    let years: Vec<&str> = rows.iter().map(|r| r[1]).collect();
    assert!(years.iter().all(|y| *y == "2027.5" || *y == "2028"));
    let svg = read(d.join("out/signposts.svg"));
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
    assert!(d.join("out/signposts.png").metadata().unwrap().len() > 1000);

    ok(&run_in(
        d,
        &[
            "compare",
            "situational-awareness",
            "skeptic",
            "-n",
            "20k",
            "--seed",
            "4",
            "--signposts",
            "2028",
            "-q",
            "-o",
            "cmp",
        ],
    ));
    let cmp = read(d.join("cmp/compare-signposts.csv"));
    assert!(cmp.starts_with("scenario,observable,year,"));
    for name in ["situational-awareness", "skeptic"] {
        assert!(
            cmp.lines().any(|l| l.starts_with(&format!("{name},"))),
            "{name}"
        );
    }
}
