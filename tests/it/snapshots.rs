//! Every exporter's bytes for small fixed runs, pinned in `tests/snapshots/`, so that a
//! change to the random stream, the model or a format shows up as a diff of readable
//! files. After a deliberate change, regenerate them with
//! `UPDATE_SNAPSHOTS=1 cargo test --release snapshots` and say why in the commit.

use agi_timelines::engine::{RunSpec, Silent, simulate_with_threads};
use agi_timelines::report::{CompareReport, RunContext, RunReport};
use agi_timelines::scenarios::{Loaded, SHIPPED};
use agi_timelines::tally::{BinWidth, Grid, Tally};
use std::path::Path;

fn check(name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let path = dir.join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        expected == bytes,
        "{name} changed:\n--- expected\n{}\n--- got\n{}",
        String::from_utf8_lossy(&expected),
        String::from_utf8_lossy(bytes)
    );
}

fn shipped(i: usize) -> Loaded {
    let s = &SHIPPED[i];
    Loaded {
        model: s.model().unwrap(),
        source: format!("builtin:{}", s.name),
        text: s.text.to_string(),
    }
}

fn simulate(loaded: &Loaded, spec: &RunSpec) -> Tally {
    simulate_with_threads(&loaded.model, spec, 2, &Silent)
        .unwrap()
        .unwrap()
}

/// A run of the default scenario with sensitivity and signposts: every file but the
/// PNGs (the chart's pinned by the committed results) and the manifest (which records
/// times), and the text.
#[test]
fn every_file_of_a_default_run() {
    let loaded = shipped(0);
    let m = &loaded.model;
    let bin = BinWidth::Years(1);
    let grid = Grid::new(m.start, m.horizon, bin).unwrap();
    let spec = agi_timelines::engine::with_signposts(
        m,
        RunSpec::new(m, 20261129, 100_000, grid).with_sensitivity(m),
        &[2027.5, 2029.0],
    );
    let tally = simulate(&loaded, &spec);
    let report = RunReport::new(&loaded, &spec, &tally, bin);
    let cx = RunContext {
        threads: 0,
        elapsed: 0.0,
        started: 0,
        shard_label: "1/1".into(),
        chart: true,
        flags: String::new(),
    };
    for (name, bytes) in report.files(&cx).unwrap() {
        if !name.ends_with(".png") && name != "manifest.json" {
            check(&format!("default-seed20261129-n100k-{name}"), &bytes);
        }
    }
    let text = report.text(&cx, Path::new("out"), &["histogram.csv"]);
    check("default-seed20261129-n100k-stdout.txt", text.as_bytes());
}

/// `compare` of the three shipped scenarios, quarterly bins: both CSVs and the SVG.
#[test]
fn every_file_of_a_comparison() {
    let bin = BinWidth::Fraction(4);
    let runs: Vec<(Loaded, Tally)> = (0..SHIPPED.len())
        .map(|i| {
            let loaded = shipped(i);
            let m = &loaded.model;
            let grid = Grid::new(m.start, m.horizon, bin).unwrap();
            let tally = simulate(&loaded, &RunSpec::new(m, 7, 20_000, grid));
            (loaded, tally)
        })
        .collect();
    let report = CompareReport::new(runs.iter().map(|(l, t)| (l, t)), 7, 20_000, bin, false);
    for (name, bytes) in report.files(0, 0.0, String::new()).unwrap() {
        if name != "compare-chart.png" && name != "manifest.json" {
            check(&format!("compare-seed7-n20k-quarter-{name}"), &bytes);
        }
    }
    check(
        "compare-seed7-n20k-quarter-stdout.txt",
        report.text(0.0, Path::new("out")).as_bytes(),
    );
}
