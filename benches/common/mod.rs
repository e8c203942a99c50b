//! Shared by the benchmarks: the three per-trajectory kernels that are compared.
//!
//! - [`Simulator`]: what the engine does per trajectory (draw, walk, record).
//! - [`Baseline`]: the *baseline kernel*: draw every input of
//!   the model with its own `Dist::sample` (same number of variates, same families, same
//!   order, plus the bottlenecks' Bernoulli draws) and bin a trivial function of them,
//!   with no model walk. The simulator's time divided by this one is "the ratio to
//!   baseline" quoted in docs/PERFORMANCE.md.
//! - [`BareKernel`]: a stricter yardstick: the same primitive variates (uniform, normal,
//!   lognormal, beta) drawn family by family in straight loops, with no `Dist` dispatch,
//!   mixture selection or truncation logic at all: the random-number limit.
//! - [`WalkKernel`]: a hand-written yardstick, rebuilt at the
//!   scenario's variate counts: the bare kernel's draws, then a walk over 4 linear
//!   segments and a binned crossing year. What a minimal model costs on top of its
//!   random numbers.

#![allow(dead_code)] // each bench binary uses a different subset

use agi_timelines::dist::{Dist, Family};
use agi_timelines::engine::{RunSpec, run_trajectory};
use agi_timelines::model::Model;
use agi_timelines::scenarios::SHIPPED;
use agi_timelines::tally::Tally;
use agi_timelines::tally::{BinWidth, Grid};
use agi_timelines::trajectory::{Trajectory, draw_fired};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The shipped scenarios, default first.
pub fn shipped_models() -> Vec<Model> {
    SHIPPED
        .iter()
        .map(|s| s.model().expect("shipped scenario validates"))
        .collect()
}

/// The default scenario with algorithmic progress rank-correlated (0.98) with the
/// threshold, a mixture: the form whose draws once inverted the mixture's CDF by
/// bisection, ~40x a plain run.
pub fn correlated_default() -> Model {
    let text = format!(
        "{}\n[[correlations]]\nbetween = [\"drivers.algorithms.rate\", \"threshold\"]\nrank = 0.98\n",
        SHIPPED[0].text
    );
    agi_timelines::priors::parse_model("correlated.toml", &text).expect("valid priors")
}

pub fn yearly_grid(model: &Model) -> Grid {
    Grid::new(model.start, model.horizon, BinWidth::Years(1)).unwrap()
}

/// Per trajectory, exactly what a run does: `engine::run_trajectory` (draw, walk,
/// record in the histogram, the fired counts and the attribution tally).
pub struct Simulator<'m> {
    model: &'m Model,
    spec: RunSpec,
    traj: Trajectory,
    pub tally: Tally,
}

impl<'m> Simulator<'m> {
    pub fn new(model: &'m Model) -> Self {
        let spec = RunSpec::new(model, 1, u64::MAX, yearly_grid(model));
        Simulator {
            model,
            traj: Trajectory::new(model),
            tally: Tally::new(model, &spec.tally),
            spec,
        }
    }

    #[inline]
    pub fn step(&mut self, rng: &mut Xoshiro256PlusPlus) {
        run_trajectory(self.model, &self.spec, &mut self.traj, rng, &mut self.tally);
    }
}

/// The baseline kernel: every input's `Dist::sample`, the Bernoulli draws, a trivial bin.
pub struct Baseline<'m> {
    model: &'m Model,
    inputs: Vec<f64>,
    counts: Vec<u64>,
}

impl<'m> Baseline<'m> {
    pub fn new(model: &'m Model) -> Self {
        Baseline {
            model,
            inputs: vec![0.0; model.inputs.len()],
            counts: vec![0; yearly_grid(model).len],
        }
    }

    #[inline]
    pub fn step(&mut self, rng: &mut Xoshiro256PlusPlus) {
        for (x, input) in self.inputs.iter_mut().zip(&self.model.inputs) {
            *x = input.dist.sample(rng);
        }
        let fired = draw_fired(self.model, rng);
        // Trivial binning: one cell from a value that depends on every draw.
        let s: f64 = self.inputs.iter().sum::<f64>() + fired as f64;
        let cell = ((s.abs() * 200.0) as usize).min(self.counts.len() - 1);
        self.counts[cell] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Primitive variates a model's inputs need per trajectory, by family.
#[derive(Default, Debug, Clone)]
pub struct VariateCounts {
    pub uniform: usize,
    pub normal: usize,
    pub lognormal: usize,
    pub beta: usize,
}

impl VariateCounts {
    pub fn of(model: &Model) -> VariateCounts {
        let mut c = VariateCounts::default();
        for input in &model.inputs {
            c.add(&input.dist);
        }
        // One uniform per bottleneck whose probability is strictly between 0 and 1.
        c.uniform += model
            .bottlenecks
            .iter()
            .filter(|b| b.probability > 0.0 && b.probability < 1.0)
            .count();
        c
    }

    fn add(&mut self, d: &Dist) {
        match d.family() {
            Family::Fixed => {}
            Family::Uniform | Family::Triangular => self.uniform += 1,
            Family::Normal => self.normal += 1,
            Family::LogNormal => self.lognormal += 1,
            Family::Beta => self.beta += 1,
            // One uniform picks the component, then the first component's variates
            // (the shipped mixtures have components of one family).
            Family::Mixture => {
                self.uniform += 1;
                self.add(&d.mixture_parts().expect("a mixture").0[0]);
            }
            // Counted as the inner family: the limit if truncation were free.
            Family::Truncated => self.add(d.truncated_inner().expect("a truncation")),
        }
    }

    pub fn total(&self) -> usize {
        self.uniform + self.normal + self.lognormal + self.beta
    }
}

impl std::fmt::Display for VariateCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}L+{}N+{}U{}",
            self.lognormal,
            self.normal,
            self.uniform,
            if self.beta > 0 {
                format!("+{}B", self.beta)
            } else {
                String::new()
            }
        )
    }
}

/// The random-number limit: the same primitive variates, family by family, no dispatch
/// (a beta as two gamma variates, the fastest exact method, as `Dist` draws it).
pub struct BareKernel {
    pub counts: VariateCounts,
    beta: (rand_distr::Gamma<f64>, rand_distr::Gamma<f64>),
    bins: Vec<u64>,
}

impl BareKernel {
    pub fn new(model: &Model) -> Self {
        BareKernel {
            counts: VariateCounts::of(model),
            beta: (
                rand_distr::Gamma::new(2.0, 1.0).unwrap(),
                rand_distr::Gamma::new(5.0, 1.0).unwrap(),
            ),
            bins: vec![0; yearly_grid(model).len],
        }
    }

    #[inline]
    pub fn step(&mut self, rng: &mut Xoshiro256PlusPlus) {
        let mut s = 0.0;
        for i in 0..self.counts.lognormal {
            let z: f64 = StandardNormal.sample(rng);
            s += (-1.0 + 0.01 * i as f64 + 0.5 * z).exp();
        }
        for i in 0..self.counts.normal {
            let z: f64 = StandardNormal.sample(rng);
            s += 3.0 + 0.01 * i as f64 + 0.5 * z;
        }
        for i in 0..self.counts.uniform {
            s += 0.1 * i as f64 + 0.5 * rng.random::<f64>();
        }
        for _ in 0..self.counts.beta {
            let (x, y) = (self.beta.0.sample(rng), self.beta.1.sample(rng));
            s += x / (x + y);
        }
        let cell = ((s.abs() * 200.0) as usize).min(self.bins.len() - 1);
        self.bins[cell] += 1;
    }

    pub fn total(&self) -> u64 {
        self.bins.iter().sum()
    }
}

/// A fresh generator for benchmarks (the engine's own seeding).
pub fn bench_rng() -> Xoshiro256PlusPlus {
    agi_timelines::engine::chunk_rng(1, 0)
}

/// The walk4 yardstick kernel ("draws 20 variates ... with Xoshiro256++, walks 4 linear
/// segments and bins the result"), at the scenario's variate counts: the same primitive
/// draws as [`BareKernel`], kept instead of summed; rates are the lognormals, segment
/// lengths the uniforms, and the threshold a function of every draw. The walk stops at
/// the first segment that reaches the threshold (a data-dependent exit, like the real
/// walk's), and the crossing year is binned.
pub struct WalkKernel {
    pub counts: VariateCounts,
    beta: (rand_distr::Gamma<f64>, rand_distr::Gamma<f64>),
    lognormals: Vec<f64>,
    uniforms: Vec<f64>,
    bins: Vec<u64>,
}

impl WalkKernel {
    pub fn new(model: &Model) -> Self {
        let counts = VariateCounts::of(model);
        WalkKernel {
            beta: (
                rand_distr::Gamma::new(2.0, 1.0).unwrap(),
                rand_distr::Gamma::new(5.0, 1.0).unwrap(),
            ),
            lognormals: vec![0.0; counts.lognormal],
            uniforms: vec![0.0; counts.uniform],
            bins: vec![0; yearly_grid(model).len],
            counts,
        }
    }

    #[inline]
    pub fn step(&mut self, rng: &mut Xoshiro256PlusPlus) {
        for (i, l) in self.lognormals.iter_mut().enumerate() {
            let z: f64 = StandardNormal.sample(rng);
            *l = (-1.0 + 0.01 * i as f64 + 0.5 * z).exp();
        }
        let mut s = 0.0;
        for i in 0..self.counts.normal {
            let z: f64 = StandardNormal.sample(rng);
            s += 3.0 + 0.01 * i as f64 + 0.5 * z;
        }
        for u in self.uniforms.iter_mut() {
            *u = rng.random::<f64>();
        }
        for _ in 0..self.counts.beta {
            let (x, y) = (self.beta.0.sample(rng), self.beta.1.sample(rng));
            s += x / (x + y);
        }
        let l = |i: usize| match self.lognormals.len() {
            0 => 0.5,
            n => self.lognormals[i % n],
        };
        let u = |i: usize| match self.uniforms.len() {
            0 => 0.5,
            n => self.uniforms[i % n],
        };
        // ~1.1 OOM a segment (rate ~0.4, length 1-5) against a threshold of ~3: for the
        // default scenario's counts 3% of trajectories cross in the first segment, 16% in
        // the second, 30% in the third and 52% in the last, so the exit is as hard to
        // predict as the real walk's (~3 segments on average).
        let threshold = 1.0 + 4.0 * l(0) + 0.1 * s.abs() + u(3);
        let (mut t, mut e) = (0.0, 0.0);
        let mut year = f64::INFINITY;
        for seg in 0..4 {
            let rate = l(seg + 1);
            let len = if seg < 3 {
                1.0 + 4.0 * u(seg)
            } else {
                f64::INFINITY
            };
            if e + rate * len >= threshold {
                year = t + (threshold - e) / rate;
                break;
            }
            e += rate * len;
            t += len;
        }
        let cell = (year as usize).min(self.bins.len() - 1);
        self.bins[cell] += 1;
    }

    pub fn total(&self) -> u64 {
        self.bins.iter().sum()
    }
}
