//! Hindcast: do a scenario's driver rates reproduce the past?
//!
//! Aschenbrenner (2024, ch. I) counts GPT-2 (February 2019) -> GPT-4 (March 2023) as
//! "roughly a 4.5-6 OOM base effective compute scaleup (physical compute and
//! algorithmic efficiencies), plus major 'unhobbling' gains". A hindcast starts the
//! drivers at GPT-2 with rates drawn from the scenario's priors, fires no bottleneck,
//! and measures the OOMs each driver adds by GPT-4: if the priors are calibrated to
//! the trend they extrapolate, the base drivers' total should land in that band for a
//! good share of trajectories. The drivers are walked by the reference walk (the
//! model's own semantics of caps and after-cap rates), not by a formula of their own.

use crate::engine::chunk_rng;
use crate::model::Model;
use crate::trajectory::Trajectory;
use crate::trajectory::reference::Reference;

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

/// Draw `n` trajectories' inputs (seeded like a run) and compute, with the reference
/// walk, the OOMs each driver adds between `from` and `to` with no bottleneck. `base`
/// names the drivers summed for the band check.
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
    let mut walk = Reference::new(model);
    let mut per: Vec<Vec<f64>> = vec![Vec::with_capacity(n); model.drivers.len()];
    let mut sum = Vec::with_capacity(n);
    for _ in 0..n {
        // the draws of a trajectory, in a run's order; which bottlenecks fired is drawn
        // (to keep the stream) and ignored: the past is measured without them
        let _fired = t.draw(model, &mut rng);
        let levels = walk.levels(model, &t.inputs, 0, from, to);
        let mut s = 0.0;
        for (d, drv) in model.drivers.iter().enumerate() {
            per[d].push(levels[d]);
            if base.contains(&drv.name) {
                s += levels[d];
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
