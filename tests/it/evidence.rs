//! Conditioning on evidence, against cases solved by hand, and its guarantees: the same
//! bytes for any thread count, `--as-of` equal to the same section in the file,
//! `--no-evidence` equal to the prior, shards that merge exactly.
//!
//! Tolerances are Monte Carlo errors with `n` the trajectories *kept* (the kept ones
//! are independent draws from the posterior): a probability p has standard error
//! sqrt(p (1 - p) / n); a q-quantile sqrt(q (1 - q) / n) / f(x_q), with f the density at
//! the quantile. Each check allows 5 standard errors plus, for quantiles, one grid cell
//! (1/200 year).

use crate::harness::*;
use agi_timelines::tally::BinWidth;
use std::fs;

const N: u64 = 400_000;
const CELL: f64 = 1.0 / 200.0;

fn quantile_tol(q: f64, n: u64, density: f64) -> f64 {
    5.0 * (q * (1.0 - q) / n as f64).sqrt() / density + CELL
}

fn normal_density(z: f64, sd: f64) -> f64 {
    (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() / sd
}

/// Arrival ~ N(2030, 2) (a fixed rate of 1 OOM/yr from 2020, threshold N(10, 2)).
/// Conditioned on no arrival before 2030, the arrival is half-normal above 2030: its
/// q-quantile is 2030 + 2 Phi^-1((1 + q) / 2), and half the trajectories are kept.
#[test]
fn a_normal_arrival_conditioned_on_no_arrival_before_its_mean_is_half_normal() {
    let text = "start = 2020\nthreshold = { dist = \"normal\", mean = 10, sd = 2 }\n\
                [drivers.compute]\nrate = 1\n[evidence]\nno_arrival_before = 2030\n";
    let t = run_text(text, N, 3);
    let kept = t.trajectories();
    let et = t.evidence.as_ref().expect("an evidence tally");
    assert_eq!(et.drawn, N);
    assert_eq!(
        et.not_arrived, kept,
        "only the arrival condition: all that pass are kept"
    );
    let share = kept as f64 / N as f64;
    assert!(
        (share - 0.5).abs() < 5.0 * (0.25 / N as f64).sqrt(),
        "kept {share}"
    );
    for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
        let z = phi_inv((1.0 + q) / 2.0);
        let expected = 2030.0 + 2.0 * z;
        // the half-normal's density is twice the normal's
        let density = 2.0 * normal_density(z, 2.0);
        let got = t.histogram.quantile(q).unwrap();
        let tol = quantile_tol(q, kept, density);
        assert!(
            (got - expected).abs() < tol,
            "q{q}: {got} vs {expected} (tol {tol})"
        );
    }
    assert_eq!(
        t.histogram.count_before(2030.0),
        0,
        "nothing kept arrives before 2030"
    );
    // The prior is every trajectory drawn: a normal around 2030.
    let prior_median = et.prior.quantile(0.5).unwrap();
    assert!((prior_median - 2030.0).abs() < quantile_tol(0.5, N, normal_density(0.0, 2.0)));
}

/// A normal prior on a rate, r ~ N(1, 0.1) OOM/yr from 2020, and a normal measurement
/// of the level it produces by 2025, N(5.5, 0.25): the level L = 5 r ~ N(5, 0.5), so the
/// posterior of L is normal with precision 1/0.5^2 + 1/0.25^2 = 20 and mean
/// (5/0.25 + 5.5/0.0625)/20 = 5.4 (sd 1/sqrt(20)); the posterior rate r = L/5 ~
/// N(1.08, 0.0447). With a fixed threshold of 20 the arrival is 2020 + 20/r, a decreasing
/// function of r: its q-quantile is 2020 + 20 / r_(1-q). The share kept is the
/// measurement's mean likelihood ratio, sd_m / sqrt(sd_L^2 + sd_m^2) exp(-(m - mu_L)^2 /
/// (2 (sd_L^2 + sd_m^2))) = 0.25/sqrt(0.3125) exp(-0.25/0.625) = 0.29988.
#[test]
fn a_normal_rate_and_a_normal_measurement_give_the_conjugate_posterior() {
    let text = "start = 2020\nhorizon = 2100\nthreshold = 20\n\
                [drivers.compute]\nrate = { dist = \"normal\", mean = 1, sd = 0.1 }\n\
                [evidence]\n[[evidence.observe]]\nyear = 2025\nof = \"compute\"\n\
                level = { dist = \"normal\", mean = 5.5, sd = 0.25 }\n";
    let t = run_text(text, N, 5);
    let kept = t.trajectories();
    let share = kept as f64 / N as f64;
    let expected_share = 0.25 / 0.3125f64.sqrt() * (-0.25f64 / 0.625).exp();
    let se = (expected_share * (1.0 - expected_share) / N as f64).sqrt();
    assert!(
        (share - expected_share).abs() < 5.0 * se,
        "kept {share} vs {expected_share}"
    );
    let (mean_ratio, ratio_se) = t.evidence.as_ref().unwrap().mean_ratio(0);
    assert!(
        (mean_ratio - expected_share).abs() < 5.0 * ratio_se,
        "{mean_ratio}"
    );
    let (mu, sd) = (1.08, (1.0f64 / 20.0).sqrt() / 5.0);
    for q in [0.1, 0.25, 0.5, 0.75, 0.9] {
        let z = phi_inv(1.0 - q);
        let r = mu + sd * z;
        let expected = 2020.0 + 20.0 / r;
        // density of the arrival at that quantile: f_r(r) / |d arrival / d r| = f_r r^2 / 20
        let density = normal_density(z, sd) * r * r / 20.0;
        let got = t.histogram.quantile(q).unwrap();
        let tol = quantile_tol(q, kept, density);
        assert!(
            (got - expected).abs() < tol,
            "q{q}: {got} vs {expected} (tol {tol})"
        );
    }
}

/// A uniform measurement is a hard interval: every trajectory whose level lies in it is
/// kept (its likelihood ratio is 1), every other one is not. E at 2025 is 5 r with r
/// uniform on [0.5, 1.5]; the interval [4, 6] keeps r in [0.8, 1.2], 40%, and the
/// arrivals 2020 + 10 / r then lie in [2028.33, 2032.5].
#[test]
fn a_uniform_measurement_keeps_exactly_the_trajectories_inside_it() {
    let text = "start = 2020\nthreshold = 10\n[drivers.compute]\nrate = { dist = \"uniform\", min = 0.5, max = 1.5 }\n\
                [evidence]\n[[evidence.observe]]\nyear = 2025\nlevel = { dist = \"uniform\", min = 4, max = 6 }\n";
    let t = run_text(text, N, 9);
    let share = t.trajectories() as f64 / N as f64;
    assert!(
        (share - 0.4).abs() < 5.0 * (0.24 / N as f64).sqrt(),
        "{share}"
    );
    let lo = t.histogram.quantile(0.0).unwrap();
    let hi = t.histogram.quantile(1.0).unwrap();
    assert!(
        lo >= 2020.0 + 10.0 / 1.2 - CELL && hi <= 2032.5 + CELL,
        "{lo} {hi}"
    );
}

#[test]
fn conditioned_runs_are_identical_for_any_thread_count() {
    let m = model(
        "threshold = \"3 to 12\"\n[drivers.compute]\nrate = \"0.4 to 0.8\"\ncap = \"3 to 5\"\n\
         [drivers.algorithms]\nrate = \"0.3 to 0.6\"\n\
         [bottlenecks.wall]\nprobability = 0.5\nonset = { level = \"2 to 4\", of = \"compute\" }\n\
         effect = { algorithms = 0.3 }\n\
         [evidence]\nno_arrival_before = 2026.92\n\
         [[evidence.observe]]\nyear = 2025.52\nof = \"compute\"\nlevel = { dist = \"normal\", mean = 1.4, sd = 0.22 }\n\
         [[evidence.observe]]\nyear = 2024\nlevel = { dist = \"lognormal\", ci90 = [0.3, 2] }\n",
    );
    let one = run(&m, 100_000, 7, 1, BinWidth::Years(1));
    for threads in [2, 8] {
        assert_eq!(
            one,
            run(&m, 100_000, 7, threads, BinWidth::Years(1)),
            "{threads} threads"
        );
    }
    assert!(one.trajectories() > 1000 && one.trajectories() < 100_000);
}

const WITH_EVIDENCE: &str = "name = \"ev\"\nthreshold = \"3 to 12\"\n\
    [drivers.compute]\nrate = \"0.4 to 0.8\"\n[drivers.algorithms]\nrate = \"0.3 to 0.6\"\n\
    [bottlenecks.stall]\nprobability = 0.4\nonset = { year = 2025 }\neffect = { algorithms = 0.5 }\n\
    [evidence]\nno_arrival_before = 2026.5\n\
    [[evidence.observe]]\nyear = 2025.52\nof = \"compute\"\nlevel = { dist = \"normal\", mean = 1.4, sd = 0.22 }\n";

/// The CSV files of a results folder, by name.
fn csvs(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(p),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn as_of_equals_the_same_section_in_the_file_and_no_evidence_equals_the_prior() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("ev.toml"), WITH_EVIDENCE).unwrap();
    let other_year =
        WITH_EVIDENCE.replace("no_arrival_before = 2026.5", "no_arrival_before = 2027.25");
    fs::write(d.join("ev2027.toml"), &other_year).unwrap();
    let prior = WITH_EVIDENCE[..WITH_EVIDENCE.find("[evidence]").unwrap()].to_string();
    fs::write(d.join("prior.toml"), &prior).unwrap();
    let go = |args: &[&str]| ok(&run_in(d, args));
    let common = ["-n", "100k", "--seed", "4", "--no-chart", "-q"];
    let mut args = vec!["run", "ev.toml", "--as-of", "2027.25", "-o", "as-of"];
    args.extend(common);
    go(&args);
    let mut args = vec!["run", "ev2027.toml", "-o", "in-file"];
    args.extend(common);
    go(&args);
    assert_eq!(csvs(&d.join("as-of")), csvs(&d.join("in-file")));
    let manifest = read(d.join("as-of/manifest.json"));
    assert!(manifest.contains("--as-of 2027.25"), "{manifest}");

    let mut args = vec!["run", "ev.toml", "--no-evidence", "-o", "no-evidence"];
    args.extend(common);
    go(&args);
    let mut args = vec!["run", "prior.toml", "-o", "prior"];
    args.extend(common);
    go(&args);
    assert_eq!(csvs(&d.join("no-evidence")), csvs(&d.join("prior")));

    // The prior a conditioned run reports beside its posterior is that same run.
    let out = run_in(
        d,
        &[
            "compare",
            "ev.toml",
            "--with-prior",
            "-n",
            "100k",
            "--seed",
            "4",
            "-q",
            "-o",
            "cmp",
        ],
    );
    ok(&out);
    let wide = read(d.join("cmp/compare-summary.csv"));
    let column = |name: &str| -> Vec<String> {
        let mut lines = wide.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let i = header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name}: {header:?}"));
        lines
            .map(|l| l.split(',').nth(i).unwrap_or("").to_string())
            .collect()
    };
    let prior_summary = read(d.join("prior/summary.csv"));
    let get = |csv: &str, m: &str| -> String {
        csv.lines()
            .find(|l| l.starts_with(&format!("{m},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    let metrics: Vec<String> = wide
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let prior_col = column("ev (prior)");
    for m in [
        "p10",
        "p50",
        "p90",
        "p_by_2030",
        "p_by_horizon",
        "p_fired_stall",
    ] {
        let i = metrics.iter().position(|x| x == m).unwrap();
        assert_eq!(prior_col[i], get(&prior_summary, m), "{m}");
    }
}

#[test]
fn shards_of_a_conditioned_run_merge_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("ev.toml"), WITH_EVIDENCE).unwrap();
    let common = [
        "-n",
        "70k",
        "--seed",
        "8",
        "--sensitivity",
        "--as-of",
        "2026.8",
        "-q",
    ];
    let mut args = vec!["run", "ev.toml", "-o", "whole"];
    args.extend(common);
    ok(&run_in(d, &args));
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("s{k}");
        let mut args = vec!["run", "ev.toml", "--shard", &shard, "-o", &out, "-j", "1"];
        args.extend(common);
        ok(&run_in(d, &args));
    }
    ok(&run_in(
        d,
        &["merge", "s1", "s2", "s3", "-o", "merged", "-q"],
    ));
    for f in [
        "histogram.csv",
        "summary.csv",
        "attribution.csv",
        "sensitivity.csv",
        "chart.svg",
    ] {
        assert_eq!(
            read(d.join("whole").join(f)),
            read(d.join("merged").join(f)),
            "{f}"
        );
    }
    // A shard run without the flag does not merge with these.
    ok(&run_in(
        d,
        &[
            "run",
            "ev.toml",
            "--shard",
            "1/3",
            "-n",
            "70k",
            "--seed",
            "8",
            "--sensitivity",
            "-q",
            "-o",
            "odd",
        ],
    ));
    refused(
        &run_in(d, &["merge", "odd", "s2", "s3", "-o", "m2"]),
        "evidence flags",
    );
}

#[test]
fn evidence_is_validated_like_every_other_key() {
    for (text, key, fragment) in [
        (
            "[evidence]\nno_arrival_before = 1990\n",
            "evidence.no_arrival_before",
            "outside the scenario's years",
        ),
        (
            "[[evidence.observe]]\nyear = 2025\nof = \"compte\"\nlevel = \"1 to 2\"\n",
            "evidence.observe[0].of",
            "did you mean `compute`",
        ),
        (
            "[[evidence.observe]]\nyear = 2200\nlevel = \"1 to 2\"\n",
            "evidence.observe[0].year",
            "outside the scenario's years",
        ),
        (
            "[[evidence.observe]]\nyear = 2025\nlevel = 1.4\n",
            "evidence.observe[0].level",
            "needs its uncertainty",
        ),
        (
            "[[evidence.observe]]\nyear = 2025\nlevel = { dist = \"beta\", alpha = 0.5, beta = 2 }\n",
            "evidence.observe[0].level",
            "unbounded",
        ),
        (
            "[[evidence.observe]]\nlevel = \"1 to 2\"\n",
            "evidence.observe[0].year",
            "needs `year",
        ),
        (
            "[[evidence.observe]]\nyear = 2025\n",
            "evidence.observe[0].level",
            "needs `level",
        ),
        (
            "[evidence]\nno_arival_before = 2026\n",
            "evidence.no_arival_before",
            "did you mean `no_arrival_before`",
        ),
    ] {
        let full = format!("threshold = 5\n[drivers.compute]\nrate = 0.5\n{text}");
        let e = agi_timelines::priors::parse_model("t.toml", &full).unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!(d.key, key, "{text}: {e}");
        assert!(d.message.contains(fragment), "{text}: {e}");
    }
}
