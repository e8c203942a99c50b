//! One harness for every integration test: the library (parse, simulate, report), the
//! real binary driven in temporary folders, and checks every report must pass.
#![allow(dead_code)] // each test module uses a different subset

use agi_timelines::engine::{self, RunSpec, Silent, simulate_with_threads};
use agi_timelines::format::fmt_year;
use agi_timelines::model::Model;
use agi_timelines::priors::parse_model;
use agi_timelines::report::{self, Summary};
use agi_timelines::tally::{BinWidth, Grid, Tally};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// ---- The library ----------------------------------------------------------------

pub fn model(text: &str) -> Model {
    parse_model("test.toml", text).unwrap_or_else(|e| panic!("test priors invalid:\n{e}"))
}

pub fn run(model: &Model, n: u64, seed: u64, threads: usize, bin: BinWidth) -> Tally {
    let grid = Grid::new(model.start, model.horizon, bin).unwrap();
    let spec = RunSpec::new(model, seed, n, grid);
    simulate_with_threads(model, &spec, threads, &Silent)
        .unwrap()
        .unwrap()
}

pub fn run_text(text: &str, n: u64, seed: u64) -> Tally {
    run(&model(text), n, seed, 2, BinWidth::Years(1))
}

/// Standard normal CDF for expected values (statrs, independent of the crate's own).
pub fn phi(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0).unwrap().cdf(z)
}

pub fn phi_inv(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::new(0.0, 1.0).unwrap().inverse_cdf(p)
}

// ---- Reports that must be well-formed whatever the inputs -------------------------

/// A finished library run and its report bytes as text.
pub struct Run {
    pub model: Model,
    pub tally: Tally,
    pub histogram_csv: String,
    pub summary_csv: String,
    pub text: String,
}

/// Parse, validate and simulate `text` with `n` trajectories, as `run` does.
pub fn run_checked(text: &str, n: u64, bin: &str) -> Run {
    let model = parse_model("t.toml", text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    run_model(model, n, bin)
}

pub fn run_model(model: Model, n: u64, bin: &str) -> Run {
    let bin = BinWidth::parse(bin).unwrap();
    let grid = Grid::new(model.start, model.horizon, bin).unwrap();
    let spec = RunSpec::new(&model, 1, n, grid);
    let tally = engine::simulate(&model, &spec, &Silent).expect("not cancelled");
    let summary = Summary::new(&model, &tally, 1);
    let histogram_csv = String::from_utf8(report::histogram_csv(&tally.histogram, bin)).unwrap();
    let summary_csv = String::from_utf8(summary.csv()).unwrap();
    let text = summary.text(&model, &tally);
    Run {
        model,
        tally,
        histogram_csv,
        summary_csv,
        text,
    }
}

/// No cell of any report may spell a non-finite number.
pub fn assert_no_non_finite(what: &str, text: &str) {
    let lower = text.to_ascii_lowercase();
    for bad in ["nan", "inf"] {
        assert!(!lower.contains(bad), "{what} contains `{bad}`:\n{text}");
    }
}

/// Every property the reports must have, whatever the scenario:
/// - the histogram's counts sum to the trajectory count, each probability is exactly
///   count / n, they sum to 1 within 1e-9, the cumulative column never decreases and
///   ends at exactly "1", and the bins tile [start, horizon] without gaps;
/// - percentiles increase (and once beyond the horizon stay beyond), P(by year)
///   increases, the mean lies in [start, horizon];
/// - no "NaN" or "inf" anywhere.
pub fn assert_reports_sane(r: &Run, n: u64) {
    assert_eq!(r.tally.trajectories(), n);
    assert_no_non_finite("histogram.csv", &r.histogram_csv);
    assert_no_non_finite("summary.csv", &r.summary_csv);
    assert_no_non_finite("text summary", &r.text);

    let mut lines = r.histogram_csv.lines();
    assert_eq!(
        lines.next(),
        Some("year_start,year_end,count,probability,cumulative")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.len() >= 2, "{}", r.histogram_csv);
    let (mut count_sum, mut prob_sum, mut last_cum) = (0u64, 0.0f64, 0.0f64);
    let mut prev_end: Option<&str> = None;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 5, "row {i}: {row:?}");
        let count: u64 = row[2].parse().unwrap();
        let p: f64 = row[3].parse().unwrap();
        let cum: f64 = row[4].parse().unwrap();
        assert!(
            p.is_finite() && (0.0..=1.0).contains(&p),
            "row {i}: {row:?}"
        );
        assert_eq!(p, count as f64 / n as f64, "row {i}: {row:?}");
        assert!(cum >= last_cum, "cumulative decreases at row {i}: {row:?}");
        let year_start: f64 = row[0].parse().unwrap();
        assert!(year_start.is_finite());
        if let Some(prev) = prev_end {
            assert_eq!(prev, row[0], "bins are not contiguous at row {i}");
        }
        if i + 1 < rows.len() {
            let year_end: f64 = row[1].parse().unwrap();
            assert!(year_end > year_start, "row {i}: {row:?}");
            prev_end = Some(row[1]);
        } else {
            assert_eq!(row[1], "", "the last row is `not by horizon`");
            assert_eq!(row[0], fmt_year(r.model.horizon));
        }
        count_sum += count;
        prob_sum += p;
        last_cum = cum;
    }
    assert_eq!(rows[0][0], fmt_year(r.model.start));
    assert_eq!(count_sum, n);
    assert!(
        (prob_sum - 1.0).abs() <= 1e-9,
        "probabilities sum to {prob_sum}"
    );
    assert_eq!(rows.last().unwrap()[4], "1", "cumulative ends at exactly 1");

    let summary: Vec<(String, String, String)> = r
        .summary_csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 3, "{l}");
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect();
    let get = |m: &str| {
        summary
            .iter()
            .find(|r| r.0 == m)
            .unwrap_or_else(|| panic!("no {m}"))
    };
    assert_eq!(get("trajectories").1, n.to_string());
    let beyond = format!(">{}", fmt_year(r.model.horizon));
    let mut prev: Option<f64> = None;
    let mut past_horizon = false;
    for p in report::PERCENTILES {
        let v = &get(&format!("p{p}")).1;
        if *v == beyond {
            past_horizon = true;
            continue;
        }
        assert!(
            !past_horizon,
            "p{p} = {v} after a percentile beyond the horizon"
        );
        let x: f64 = v.parse().unwrap();
        assert!(
            x >= r.model.start - 1e-3 && x <= r.model.horizon + 1e-3,
            "p{p} = {x}"
        );
        if let Some(q) = prev {
            assert!(x >= q, "percentiles decrease: p{p} = {x} < {q}");
        }
        prev = Some(x);
    }
    let mean = &get("mean_arrival_if_by_horizon").1;
    if !mean.is_empty() {
        let m: f64 = mean.parse().unwrap();
        assert!(
            m >= r.model.start - 1e-3 && m <= r.model.horizon + 1e-3,
            "mean {m}"
        );
    }
    let mut prev_p = 0.0;
    for y in report::BY_YEARS {
        let v = &get(&format!("p_by_{y}")).1;
        if v.is_empty() {
            continue;
        }
        let p: f64 = v.parse().unwrap();
        assert!(p >= prev_p && p <= 1.0, "p_by_{y} = {p}");
        prev_p = p;
    }
    let by_h: f64 = get("p_by_horizon").1.parse().unwrap();
    assert!(by_h >= prev_p && by_h <= 1.0);
    for (metric, value, se) in &summary {
        for cell in [value, se] {
            if let Ok(x) = cell.parse::<f64>() {
                assert!(x.is_finite(), "{metric}: {cell}");
            }
        }
    }
}

// ---- The real binary --------------------------------------------------------------

/// The program, as built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_agi-timelines"))
}

/// Run the program with `args` in the folder `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A file as text, or a failure naming it.
pub fn read(p: PathBuf) -> String {
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Parse histogram.csv into rows of strings, checking the header.
pub fn histogram_rows(csv: &str) -> Vec<Vec<String>> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "year_start,year_end,count,probability,cumulative"
    );
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The command succeeded (or its stderr says why not).
pub fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The command was refused as bad input (exit 2) with `fragment` in its message.
pub fn refused(o: &Output, fragment: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(fragment), "expected `{fragment}` in: {err}");
}
