//! One trajectory: draw every input, walk effective compute, find the crossing.
//!
//! This is MODEL.md section 1 in code. Effective compute `E(t)` (OOMs above the
//! reference model) is the sum of what each driver has added:
//!
//! ```text
//! E(t) = sum over drivers d of integral from t0 to t of rate_d(s) ds
//! rate_d(s) = base_d(s) * product of factor_{b,d} over bottlenecks b active at s
//! base_d(s) = rate_d before driver d has added cap_d OOMs, after_cap_d from then on
//! ```
//!
//! Between events every rate is constant, so `E` is piecewise linear and each segment's
//! crossing of the threshold `T` is solved exactly: `t* = t + (T - E) / R`, with `R` the
//! total rate. Events are: a driver reaching its cap; a bottleneck's onset (a year, a
//! level of one driver's added OOMs, or a level of `E`); a bottleneck's end (onset +
//! duration). Each event happens at most once, so a trajectory takes at most
//! `drivers + 2 * bottlenecks + 1` segments: no time stepping, no tolerance.
//!
//! Conventions (documented in the README):
//! - a negative draw of a rate, cap, factor or duration counts as 0 (validation warns
//!   when a prior allows it with non-negligible probability);
//! - onsets before `start` (a year before it, a level <= 0) take effect at `start`, and a
//!   duration counts from the moment the bottleneck takes effect;
//! - a threshold <= 0 is met at `start`; an arrival exactly at the horizon counts.

use crate::model::{Model, OnsetKind};
use rand::{Rng, RngExt};

const PENDING: u8 = 0;
const ACTIVE: u8 = 1;
const DONE: u8 = 2;

/// What happened in one trajectory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Decimal year AGI arrives, or `None` when not by the horizon.
    pub arrival: Option<f64>,
    /// Bit `b` set when bottleneck `b` fired (happened) in this trajectory.
    pub fired: u64,
}

/// Reusable scratch for trajectories of one model: allocate once per thread, then
/// every trajectory runs without allocating.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// The drawn inputs, indexed like `Model::inputs`.
    pub inputs: Vec<f64>,
    added: Vec<f64>,
    base: Vec<f64>,
    cap_left: Vec<f64>,
    rate: Vec<f64>,
    state: Vec<u8>,
    end: Vec<f64>,
    /// Rate factor of bottleneck b on driver d at `b * drivers + d` (1 when unaffected).
    factor: Vec<f64>,
    /// Scratch normals for the copula.
    copula_z: Vec<f64>,
}

#[derive(Clone, Copy)]
enum Event {
    Crossing,
    Cap(usize),
    Onset(usize),
    End(usize),
}

impl Trajectory {
    pub fn new(model: &Model) -> Self {
        let d = model.drivers.len();
        let b = model.bottlenecks.len();
        Trajectory {
            inputs: vec![0.0; model.inputs.len()],
            added: vec![0.0; d],
            base: vec![0.0; d],
            cap_left: vec![0.0; d],
            rate: vec![0.0; d],
            state: vec![DONE; b],
            end: vec![0.0; b],
            factor: vec![1.0; b * d],
            copula_z: vec![0.0; model.copula.as_ref().map_or(0, |c| c.size())],
        }
    }

    /// Draw every input (in model order), then which bottlenecks fire, then walk.
    #[inline]
    pub fn run<R: Rng + ?Sized>(&mut self, model: &Model, rng: &mut R) -> Outcome {
        for (x, input) in self.inputs.iter_mut().zip(&model.inputs) {
            if !input.correlated {
                *x = input.dist.sample(rng);
            }
        }
        if let Some(c) = &model.copula {
            c.draw(&model.inputs, &mut self.inputs, &mut self.copula_z, rng);
        }
        let fired = draw_fired(model, rng);
        Outcome {
            arrival: self.walk(model, fired),
            fired,
        }
    }

    /// Walk the piecewise-linear effective compute with the inputs already in
    /// `self.inputs` and the given fired bottlenecks; return the arrival year.
    pub fn walk(&mut self, model: &Model, fired: u64) -> Option<f64> {
        let x = &self.inputs;
        let nd = model.drivers.len();
        let start = model.start;
        let horizon = model.horizon;
        let threshold = x[model.threshold];
        if threshold <= 0.0 {
            return Some(start);
        }

        for (d, driver) in model.drivers.iter().enumerate() {
            self.added[d] = 0.0;
            let after = driver.after_cap.map_or(0.0, |i| x[i].max(0.0));
            match driver.cap {
                Some(c) if x[c] <= 0.0 => {
                    self.base[d] = after;
                    self.cap_left[d] = f64::INFINITY;
                }
                Some(c) => {
                    self.base[d] = x[driver.rate].max(0.0);
                    self.cap_left[d] = x[c];
                }
                None => {
                    self.base[d] = x[driver.rate].max(0.0);
                    self.cap_left[d] = f64::INFINITY;
                }
            }
        }

        for (b, bn) in model.bottlenecks.iter().enumerate() {
            let row = &mut self.factor[b * nd..(b + 1) * nd];
            row.fill(1.0);
            for &(d, f) in &bn.effects {
                row[d] = x[f].max(0.0);
            }
            self.state[b] = DONE;
            if fired >> b & 1 == 1 {
                let onset = x[bn.onset];
                let already = match bn.onset_kind {
                    OnsetKind::Year => onset <= start,
                    OnsetKind::DriverLevel(_) | OnsetKind::TotalLevel => onset <= 0.0,
                };
                if already {
                    self.state[b] = ACTIVE;
                    self.end[b] = start + bn.duration.map_or(f64::INFINITY, |i| x[i].max(0.0));
                } else {
                    self.state[b] = PENDING;
                }
            }
        }

        let mut t = start;
        update_rates(&mut self.rate, &self.base, &self.state, &self.factor, nd);
        loop {
            let e: f64 = self.added.iter().sum();
            let total: f64 = self.rate.iter().sum();
            if e >= threshold {
                return Some(t);
            }
            let mut best = if total > 0.0 {
                (threshold - e) / total
            } else {
                f64::INFINITY
            };
            let mut event = Event::Crossing;

            for d in 0..nd {
                if self.cap_left[d].is_finite() && self.rate[d] > 0.0 {
                    let dt = self.cap_left[d] / self.rate[d];
                    if dt < best {
                        best = dt;
                        event = Event::Cap(d);
                    }
                }
            }
            for (b, bn) in model.bottlenecks.iter().enumerate() {
                let dt = match self.state[b] {
                    PENDING => {
                        let onset = x[bn.onset];
                        match bn.onset_kind {
                            OnsetKind::Year => onset - t,
                            OnsetKind::DriverLevel(d) if self.rate[d] > 0.0 => {
                                (onset - self.added[d]) / self.rate[d]
                            }
                            OnsetKind::TotalLevel if total > 0.0 => (onset - e) / total,
                            _ => f64::INFINITY,
                        }
                    }
                    ACTIVE => self.end[b] - t,
                    _ => f64::INFINITY,
                };
                let dt = dt.max(0.0);
                if dt < best {
                    best = dt;
                    event = if self.state[b] == PENDING {
                        Event::Onset(b)
                    } else {
                        Event::End(b)
                    };
                }
            }

            // Nothing more happens before the horizon (also catches best = infinity).
            if !(t + best <= horizon) {
                return None;
            }
            for d in 0..nd {
                let step = self.rate[d] * best;
                self.added[d] += step;
                self.cap_left[d] -= step;
            }
            t += best;
            match event {
                Event::Crossing => return Some(t),
                Event::Cap(d) => {
                    self.cap_left[d] = f64::INFINITY;
                    self.base[d] = model.drivers[d].after_cap.map_or(0.0, |i| x[i].max(0.0));
                }
                Event::Onset(b) => {
                    self.state[b] = ACTIVE;
                    let bn = &model.bottlenecks[b];
                    self.end[b] = t + bn.duration.map_or(f64::INFINITY, |i| x[i].max(0.0));
                }
                Event::End(b) => self.state[b] = DONE,
            }
            update_rates(&mut self.rate, &self.base, &self.state, &self.factor, nd);
        }
    }
}

/// rate_d = base_d * product of the factors of every active bottleneck on d.
#[inline]
fn update_rates(rate: &mut [f64], base: &[f64], state: &[u8], factor: &[f64], nd: usize) {
    rate.copy_from_slice(base);
    for (b, &s) in state.iter().enumerate() {
        if s == ACTIVE {
            for (r, f) in rate.iter_mut().zip(&factor[b * nd..(b + 1) * nd]) {
                *r *= f;
            }
        }
    }
}

/// One uniform per bottleneck whose probability is strictly between 0 and 1.
#[inline]
pub fn draw_fired<R: Rng + ?Sized>(model: &Model, rng: &mut R) -> u64 {
    let mut fired = 0u64;
    for (b, bn) in model.bottlenecks.iter().enumerate() {
        let hit = if bn.probability >= 1.0 {
            true
        } else if bn.probability <= 0.0 {
            false
        } else {
            rng.random::<f64>() < bn.probability
        };
        fired |= (hit as u64) << b;
    }
    fired
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::priors::parse_model;

    /// Walk with every input at a fixed value (all given as numbers in the text).
    fn arrival(text: &str, fired: u64) -> Option<f64> {
        let m = parse_model("t.toml", text).unwrap();
        let mut tr = Trajectory::new(&m);
        for (i, input) in m.inputs.iter().enumerate() {
            tr.inputs[i] = input.dist.quantile(0.5);
        }
        tr.walk(&m, fired)
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("arrives");
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn constant_rates_cross_at_threshold_over_total_rate() {
        // 1 OOM/yr in total from 2020: a threshold of 5 is met in 2025.
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 0.6\n[drivers.b]\nrate = 0.4\n";
        close(arrival(t, 0), 2025.0);
    }

    #[test]
    fn cap_then_after_cap_rate() {
        // 1 OOM/yr for 3 OOM (2020-2023), then 0.5 OOM/yr: 2 more OOM take 4 years.
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\ncap = 3\nafter_cap = 0.5\n";
        close(arrival(t, 0), 2027.0);
        // without after_cap the driver stops at its cap: never arrives
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\ncap = 3\n";
        assert_eq!(arrival(t, 0), None);
    }

    #[test]
    fn level_onset_with_duration_pauses_growth() {
        // 1 OOM/yr; at E = 2 (2022) the driver stops for 3 years, then resumes: 5 OOM at 2028.
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\n\
                 [bottlenecks.wall]\nonset = { level = 2 }\nduration = 3\neffect = { a = 0 }\n";
        close(arrival(t, 1), 2028.0);
        // not fired: 2025
        close(arrival(t, 0), 2025.0);
    }

    #[test]
    fn driver_level_onset_slows_only_affected_driver() {
        // a: 1/yr, b: 1/yr. When a has added 1 (2021), b slows to 0.5/yr.
        // E(2021) = 2, then 1.5/yr: 6 OOM needs 4/1.5 more years.
        let t = "start = 2020\nthreshold = 6\n[drivers.a]\nrate = 1\n[drivers.b]\nrate = 1\n\
                 [bottlenecks.x]\nonset = { level = 1, of = \"a\" }\neffect = { b = 0.5 }\n";
        close(arrival(t, 1), 2021.0 + 4.0 / 1.5);
    }

    #[test]
    fn year_onset_before_start_acts_from_start_and_factors_multiply() {
        // Two overlapping slow-downs from start: 1 * 0.5 * 0.5 = 0.25/yr: 1 OOM in 4 years.
        let t = "start = 2020\nthreshold = 1\n[drivers.a]\nrate = 1\n\
                 [bottlenecks.x]\nonset = { year = 2000 }\neffect = { a = 0.5 }\n\
                 [bottlenecks.y]\nonset = { year = 2020 }\neffect = { a = 0.5 }\n";
        close(arrival(t, 0b11), 2024.0);
        close(arrival(t, 0b01), 2022.0);
    }

    #[test]
    fn horizon_bounds_arrival() {
        let t = "start = 2020\nhorizon = 2030\nthreshold = 10\n[drivers.a]\nrate = 1\n";
        close(arrival(t, 0), 2030.0); // exactly at the horizon counts
        let t = "start = 2020\nhorizon = 2029.9\nthreshold = 10\n[drivers.a]\nrate = 1\n";
        assert_eq!(arrival(t, 0), None);
    }

    #[test]
    fn non_positive_threshold_is_met_at_start() {
        close(
            arrival("start = 2020\nthreshold = -1\n[drivers.a]\nrate = 0\n", 0),
            2020.0,
        );
    }

    #[test]
    fn accelerator_and_temporary_stall_end() {
        // rate 1; from 2021 to 2022 x3 (accelerator): E(2022) = 1 + 3 = 4, then 1/yr: 6 at 2024.
        let t = "start = 2020\nthreshold = 6\n[drivers.a]\nrate = 1\n\
                 [bottlenecks.boom]\nonset = { year = 2021 }\nduration = 1\neffect = { a = 3 }\n";
        close(arrival(t, 1), 2024.0);
    }
}
