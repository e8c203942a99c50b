//! Hindcast: do a scenario's driver rates reproduce the past?
//!
//! Aschenbrenner (2024, ch. I) counts GPT-2 (February 2019) -> GPT-4 (March 2023) as
//! "roughly a 4.5-6 OOM base effective compute scaleup (physical compute and
//! algorithmic efficiencies), plus major 'unhobbling' gains". A hindcast starts the
//! drivers at GPT-2 with rates drawn from the scenario's priors, fires no bottleneck,
//! and measures the OOMs each driver adds by GPT-4: if the priors are calibrated to
//! the trend they extrapolate, the base drivers' total should land in that band for a
//! good share of trajectories.

use crate::engine::chunk_rng;
use crate::model::Model;
use crate::trajectory::Trajectory;

/// GPT-2's release (14 February 2019) as a decimal year.
pub const GPT2: f64 = 2019.12;
/// GPT-4's release (14 March 2023) as a decimal year (the shipped scenarios' start).
pub const GPT4: f64 = 2023.2;

/// Hindcast results: sorted samples of the OOMs added, per driver and for the base sum.
#[derive(Clone, Debug)]
pub struct Hindcast {
    pub years: f64,
    pub drivers: Vec<(String, Vec<f64>)>,
    /// Sum over the base drivers, sorted.
    pub base: Vec<f64>,
    pub base_drivers: Vec<String>,
}

/// OOMs a driver adds in `years` with base rate `rate`, cap `cap` (OOMs) and rate
/// `after` beyond it (no bottlenecks). Negative draws count as 0, as in a trajectory.
pub fn driver_ooms(rate: f64, cap: Option<f64>, after: f64, years: f64) -> f64 {
    let rate = rate.max(0.0);
    let after = after.max(0.0);
    match cap {
        Some(c) if rate * years > c.max(0.0) => {
            let c = c.max(0.0);
            let t_cap = if rate > 0.0 { c / rate } else { years };
            c + after * (years - t_cap)
        }
        _ => rate * years,
    }
}

/// Draw `n` trajectories' inputs (seeded like a run) and compute the OOMs each driver
/// adds between `from` and `to`. `base` names the drivers summed for the band check.
pub fn hindcast(
    model: &Model,
    from: f64,
    to: f64,
    n: usize,
    seed: u64,
    base: &[String],
) -> Hindcast {
    let years = to - from;
    let mut rng = chunk_rng(seed, 0);
    let mut t = Trajectory::new(model);
    let mut per: Vec<Vec<f64>> = vec![Vec::with_capacity(n); model.drivers.len()];
    let mut sum = Vec::with_capacity(n);
    for _ in 0..n {
        t.run(model, &mut rng);
        let x = &t.inputs;
        let mut s = 0.0;
        for (d, drv) in model.drivers.iter().enumerate() {
            let ooms = driver_ooms(
                x[drv.rate],
                drv.cap.map(|c| x[c]),
                drv.after_cap.map_or(0.0, |a| x[a]),
                years,
            );
            per[d].push(ooms);
            if base.contains(&drv.name) {
                s += ooms;
            }
        }
        sum.push(s);
    }
    for v in per.iter_mut() {
        v.sort_by(f64::total_cmp);
    }
    sum.sort_by(f64::total_cmp);
    Hindcast {
        years,
        drivers: model
            .drivers
            .iter()
            .map(|d| d.name.clone())
            .zip(per)
            .collect(),
        base: sum,
        base_drivers: base.to_vec(),
    }
}

/// The q-quantile of sorted samples.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Share of sorted samples within `[lo, hi]`.
pub fn share_within(sorted: &[f64], lo: f64, hi: f64) -> f64 {
    let a = sorted.partition_point(|&x| x < lo);
    let b = sorted.partition_point(|&x| x <= hi);
    (b - a) as f64 / sorted.len() as f64
}
