//! The committed results in `results/reference/` must be what the code produces for
//! their seed, file for file (the manifests, which record times and threads, aside).
//! Regenerate them with `scripts/regenerate-results.sh` after any change that moves the
//! numbers (and say why in the commit).

use agi_timelines::engine::{RunSpec, Silent, simulate_with_threads};
use agi_timelines::report::{CompareReport, RunContext, RunReport};
use agi_timelines::scenarios::{Loaded, SHIPPED};
use agi_timelines::tally::{BinWidth, Grid};
use std::path::Path;

const SEED: u64 = 20261129;
const N: u64 = 10_000_000;

fn assert_same(dir: &Path, files: &[(&str, Vec<u8>)]) {
    for (file, bytes) in files {
        if *file == "manifest.json" {
            continue;
        }
        let committed = std::fs::read(dir.join(file)).unwrap();
        assert!(
            committed == *bytes,
            "{}/{file} no longer matches the code: run scripts/regenerate-results.sh",
            dir.display()
        );
    }
}

#[test]
fn committed_results_match_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference");
    let bin = BinWidth::Years(1);
    let mut runs = Vec::new();
    for s in SHIPPED {
        let loaded = Loaded {
            model: s.model().unwrap(),
            source: format!("builtin:{}", s.name),
            text: s.text.to_string(),
        };
        let m = &loaded.model;
        let dir = root.join(s.name);
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["seed"], SEED);
        assert_eq!(manifest["trajectories"], N);
        assert_eq!(
            manifest["priors"].as_str().unwrap(),
            s.text,
            "{}: priors changed since the results",
            s.name
        );
        let grid = Grid::new(m.start, m.horizon, bin).unwrap();
        let spec = RunSpec::new(m, SEED, N, grid).with_sensitivity(m);
        let tally = simulate_with_threads(m, &spec, 0, &Silent)
            .unwrap()
            .unwrap();
        let cx = RunContext {
            threads: 0,
            elapsed: 0.0,
            started: 0,
            shard_label: "1/1".into(),
            chart: true,
            flags: String::new(),
        };
        let files = RunReport::new(&loaded, &spec, &tally, bin)
            .files(&cx)
            .unwrap();
        assert_eq!(files.len(), 7, "every file of a run with sensitivity");
        assert_same(&dir, &files);
        // `compare --with-prior` runs each scenario without sensitivity, from the same seed.
        let plain = RunSpec::new(m, SEED, N, grid);
        let tally = simulate_with_threads(m, &plain, 0, &Silent)
            .unwrap()
            .unwrap();
        runs.push((loaded, tally));
    }
    let compare = CompareReport::new(runs.iter().map(|(l, t)| (l, t)), SEED, N, bin, true);
    let files = compare.files(0, 0.0, String::new()).unwrap();
    assert_same(&root.join("compare"), &files);
}
