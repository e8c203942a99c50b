//! Helpers shared by the integration tests.
#![allow(dead_code)]

use agi_timelines::engine::{RunSpec, Silent, Tally, simulate_with_threads};
use agi_timelines::histogram::{BinWidth, Grid};
use agi_timelines::model::Model;
use agi_timelines::priors::parse_model;

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
