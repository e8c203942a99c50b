//! The reference walk: the model of MODEL.md section 1, written to be read rather than
//! to be fast. It is the executable specification: the tests hold the fast walk
//! ([`super::walk`]) to it draw by draw, and `hindcast` measures the past with it.
//!
//! Each step re-derives everything: the rate in force of every driver (its base rate,
//! `rate` before its cap and `after_cap` from then on, times the factor of every active
//! bottleneck that affects it), then the time to every possible next event (a driver
//! reaching its cap, a pending bottleneck's onset, an active one's end, the threshold
//! crossed), then advances every driver to the soonest of them and applies it.

use super::ROUNDING;
use crate::model::{Bottleneck, InputId, Model, OnsetKind};

/// Where a bottleneck is in its life within one trajectory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Fired, not started yet.
    Pending,
    /// Acting on its drivers, until `end`.
    Active,
    /// Did not fire, or has ended.
    Over,
}

/// What happens next in a walk.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// Effective compute reaches the threshold.
    Crossing,
    /// The walk reaches the time it was asked to stop at.
    Stop,
    /// A driver has added its cap.
    Cap(usize),
    /// A pending bottleneck starts.
    Onset(usize),
    /// An active bottleneck lifts.
    End(usize),
}

/// Scratch for reference walks of one model.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Per driver: OOMs added so far.
    added: Vec<f64>,
    /// Per driver: the base rate (before bottleneck factors).
    base: Vec<f64>,
    /// Per driver: OOMs left before its cap (infinite when none, or reached).
    cap_left: Vec<f64>,
    /// Per driver: the rate in force.
    rate: Vec<f64>,
    phase: Vec<Phase>,
    /// Per bottleneck: when an active one lifts.
    end: Vec<f64>,
    /// Per bottleneck and driver (`b * drivers + d`): the rate factor (1 if unaffected).
    factor: Vec<f64>,
}

impl Reference {
    pub fn new(model: &Model) -> Self {
        let d = model.drivers.len();
        let b = model.bottlenecks.len();
        Reference {
            added: vec![0.0; d],
            base: vec![0.0; d],
            cap_left: vec![0.0; d],
            rate: vec![0.0; d],
            phase: vec![Phase::Over; b],
            end: vec![0.0; b],
            factor: vec![1.0; b * d],
        }
    }

    /// The arrival year of a trajectory with inputs `x` (indexed like `Model::inputs`)
    /// in which the bottlenecks in `fired` happen; `None` when not by the horizon.
    pub fn arrival(&mut self, model: &Model, x: &[f64], fired: u64) -> Option<f64> {
        let threshold = x[model.threshold.index()];
        if threshold <= 0.0 {
            return Some(model.start);
        }
        self.walk(model, x, fired, model.start, model.horizon, Some(threshold))
    }

    /// The OOMs each driver has added at `until`, walking from `from` (instead of the
    /// model's start) with no threshold: what a trajectory's drivers would have done
    /// over that span.
    pub fn levels(
        &mut self,
        model: &Model,
        x: &[f64],
        fired: u64,
        from: f64,
        until: f64,
    ) -> &[f64] {
        self.walk(model, x, fired, from, until, None);
        &self.added
    }

    /// Walk from `start` to `stop` (the horizon, or the time levels are wanted at). With a
    /// threshold, return the first time effective compute reaches it (`None` if not by
    /// `stop`); without, walk to `stop`. Either way `added` holds the drivers' levels at
    /// the end.
    fn walk(
        &mut self,
        model: &Model,
        x: &[f64],
        fired: u64,
        start: f64,
        stop: f64,
        threshold: Option<f64>,
    ) -> Option<f64> {
        let nd = model.drivers.len();
        // An optional input, with a negative draw counting as 0 (absent: 0).
        let positive = |i: Option<InputId>| i.map_or(0.0, |i| x[i.index()].max(0.0));
        // How long a bottleneck lasts once started (absent: for good).
        let duration =
            |bn: &Bottleneck| bn.duration.map_or(f64::INFINITY, |i| x[i.index()].max(0.0));

        // Drivers start at 0 added OOMs, at their rate (or after their cap, if it is <= 0).
        for (d, driver) in model.drivers.iter().enumerate() {
            self.added[d] = 0.0;
            let after = positive(driver.after_cap);
            let rate = x[driver.rate.index()].max(0.0);
            (self.base[d], self.cap_left[d]) = match driver.cap {
                Some(c) if x[c.index()] <= 0.0 => (after, f64::INFINITY),
                Some(c) => (rate, x[c.index()]),
                None => (rate, f64::INFINITY),
            };
        }

        // Bottlenecks that fired wait for their onset, or act from the start when it has
        // passed (a year before the start, a level <= 0); the others never act.
        for (b, bn) in model.bottlenecks.iter().enumerate() {
            let row = &mut self.factor[b * nd..(b + 1) * nd];
            row.fill(1.0);
            for &(d, f) in &bn.effects {
                row[d] = x[f.index()].max(0.0);
            }
            self.phase[b] = Phase::Over;
            if fired >> b & 1 == 1 {
                let onset = x[bn.onset.index()];
                let already = match bn.onset_kind {
                    OnsetKind::Year => onset <= start,
                    OnsetKind::DriverLevel(_) | OnsetKind::TotalLevel => onset <= 0.0,
                };
                if already {
                    self.phase[b] = Phase::Active;
                    self.end[b] = start + duration(bn);
                } else {
                    self.phase[b] = Phase::Pending;
                }
            }
        }

        let mut t = start;
        self.update_rates(nd);
        loop {
            let e: f64 = self.added.iter().sum();
            let total: f64 = self.rate.iter().sum();
            if let Some(threshold) = threshold
                && threshold - e <= ROUNDING * threshold
            {
                return Some(t);
            }

            // The soonest event.
            let (mut best, mut event) = match threshold {
                Some(threshold) if total > 0.0 => ((threshold - e) / total, Event::Crossing),
                Some(_) => (f64::INFINITY, Event::Crossing),
                None => (stop - t, Event::Stop),
            };
            for d in 0..nd {
                if self.cap_left[d].is_finite() && self.rate[d] > 0.0 {
                    let dt = self.cap_left[d] / self.rate[d];
                    if dt < best {
                        (best, event) = (dt, Event::Cap(d));
                    }
                }
            }
            for (b, bn) in model.bottlenecks.iter().enumerate() {
                let dt = match self.phase[b] {
                    Phase::Pending => {
                        let onset = x[bn.onset.index()];
                        match bn.onset_kind {
                            OnsetKind::Year => onset - t,
                            OnsetKind::DriverLevel(d) if self.added[d] >= onset => 0.0,
                            OnsetKind::DriverLevel(d) if self.rate[d] > 0.0 => {
                                (onset - self.added[d]) / self.rate[d]
                            }
                            OnsetKind::TotalLevel if e >= onset => 0.0,
                            OnsetKind::TotalLevel if total > 0.0 => (onset - e) / total,
                            _ => f64::INFINITY,
                        }
                    }
                    Phase::Active => self.end[b] - t,
                    Phase::Over => f64::INFINITY,
                };
                let dt = dt.max(0.0);
                if dt < best {
                    best = dt;
                    event = if self.phase[b] == Phase::Pending {
                        Event::Onset(b)
                    } else {
                        Event::End(b)
                    };
                }
            }

            // Nothing more happens by the end (also catches best = infinity).
            if !(t + best <= stop) {
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
                Event::Stop => return None,
                Event::Cap(d) => {
                    // exactly the cap, whatever the rounding of the steps
                    let driver = &model.drivers[d];
                    self.added[d] = x[driver.cap.expect("a capped driver").index()];
                    self.cap_left[d] = f64::INFINITY;
                    self.base[d] = positive(driver.after_cap);
                }
                Event::Onset(b) => {
                    self.phase[b] = Phase::Active;
                    let bn = &model.bottlenecks[b];
                    self.end[b] = t + duration(bn);
                }
                Event::End(b) => self.phase[b] = Phase::Over,
            }
            self.update_rates(nd);
        }
    }

    /// Every driver's rate in force: its base rate times the factor of every active
    /// bottleneck (1 for those that do not affect it).
    fn update_rates(&mut self, nd: usize) {
        self.rate.copy_from_slice(&self.base);
        for (b, &phase) in self.phase.iter().enumerate() {
            if phase == Phase::Active {
                for (r, f) in self.rate.iter_mut().zip(&self.factor[b * nd..(b + 1) * nd]) {
                    *r *= f;
                }
            }
        }
    }
}
