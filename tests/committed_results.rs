//! The committed results in `results/` must be what the code produces for their seed.
//! Regenerate them with `scripts/regenerate-results.sh` after any change that moves
//! the numbers (and say why in the commit).

use agi_timelines::analysis::{
    attribution_csv, attribution_rows, sensitivity_csv, sensitivity_rows,
};
use agi_timelines::engine::{RunSpec, Silent, simulate_with_threads};
use agi_timelines::histogram::{BinWidth, Grid};
use agi_timelines::report::{histogram_csv, summary_csv, summary_rows};
use agi_timelines::scenarios::SHIPPED;
use std::path::Path;

const SEED: u64 = 20261129;
const N: u64 = 10_000_000;

#[test]
fn committed_results_match_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/reference");
    for s in SHIPPED {
        let m = s.model().unwrap();
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
        let bin = BinWidth::Years(1);
        let grid = Grid::new(m.start, m.horizon, bin).unwrap();
        let spec = RunSpec::new(&m, SEED, N, grid).with_sensitivity(&m);
        let t = simulate_with_threads(&m, &spec, 0, &Silent)
            .unwrap()
            .unwrap();
        let sens = sensitivity_rows(
            &m,
            spec.sensitivity.as_ref().unwrap(),
            t.sensitivity.as_ref().unwrap(),
            &spec.coarse,
        );
        let attr = attribution_rows(&m, &t.attribution, &spec.coarse);
        for (file, bytes) in [
            ("histogram.csv", histogram_csv(&t.histogram, bin)),
            ("summary.csv", summary_csv(&summary_rows(&m, &t, SEED))),
            ("attribution.csv", attribution_csv(&attr, m.horizon)),
            ("sensitivity.csv", sensitivity_csv(&sens, m.horizon)),
        ] {
            let committed = std::fs::read(dir.join(file)).unwrap();
            assert!(
                committed == bytes,
                "results/{}/{file} no longer matches the code: run scripts/regenerate-results.sh",
                s.name
            );
        }
    }
}
