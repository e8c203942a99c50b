//! The reference walk: the model of MODEL.md section 1, written to be read rather than
//! to be fast. It is the executable specification: the tests hold the fast walk
//! ([`super::walk`]) to it draw by draw, and `hindcast` measures the past with it.
//!
//! Each step re-derives everything: the rate in force of every driver (its base rate,
//! `rate` before its cap and `after_cap` from then on, times the factor of every active
//! bottleneck that affects it), then the time to every possible next event (a driver
//! reaching its cap, a pending bottleneck's onset, an active one's end, a milestone's
//! threshold crossed, an observed year), then advances every driver to the soonest of
//! them and applies it. At the same instant: crossings first, then caps (by driver),
//! then bottlenecks (by declaration), then observed years (which so see everything that
//! happened at their instant). A bottleneck that starts at a milestone starts at the
//! instant the milestone arrives.

use super::ROUNDING;
use crate::model::{Bottleneck, InputId, Model, Onset};

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
    /// Effective compute reaches milestone `m`'s threshold.
    Crossing(usize),
    /// The walk reaches the time it was asked to stop at.
    Stop,
    /// A driver has added its cap.
    Cap(usize),
    /// A pending bottleneck starts.
    Onset(usize),
    /// An active bottleneck lifts.
    End(usize),
    /// An observed year: record every level.
    Observe,
}

/// Scratch for reference walks of one model, and what the last walk recorded.
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
    /// Per bottleneck: when an active one lifts; when a pending one that waits for a
    /// milestone starts (infinite until the milestone arrives).
    end: Vec<f64>,
    /// Per bottleneck and driver (`b * drivers + d`): the rate factor (1 if unaffected).
    factor: Vec<f64>,
    /// Per milestone: its threshold in the last walk, and when it arrived (infinite if
    /// not by the end).
    threshold: Vec<f64>,
    arrival: Vec<f64>,
    /// Per observed year of the last walk: every driver's added OOMs, then E; and the
    /// bottlenecks that had started by then.
    observed: Vec<Vec<f64>>,
    started: Vec<u64>,
}

impl Reference {
    pub fn new(model: &Model) -> Self {
        let d = model.drivers.len();
        let b = model.bottlenecks.len();
        let m = model.milestones.len();
        Reference {
            added: vec![0.0; d],
            base: vec![0.0; d],
            cap_left: vec![0.0; d],
            rate: vec![0.0; d],
            phase: vec![Phase::Over; b],
            end: vec![0.0; b],
            factor: vec![1.0; b * d],
            threshold: vec![0.0; m],
            arrival: vec![f64::INFINITY; m],
            observed: Vec::new(),
            started: Vec::new(),
        }
    }

    /// The arrival year of AGI in a trajectory with inputs `x` (indexed like
    /// `Model::inputs`) in which the bottlenecks in `fired` happen; `None` when not by the
    /// horizon. Every milestone's arrival is then in [`Reference::arrival_of`].
    pub fn arrival(&mut self, model: &Model, x: &[f64], fired: u64) -> Option<f64> {
        self.observe(model, x, fired, &[])
    }

    /// [`Reference::arrival`], also recording every level at each of `years`
    /// (increasing, within the model's years): see [`Reference::observed`].
    pub fn observe(&mut self, model: &Model, x: &[f64], fired: u64, years: &[f64]) -> Option<f64> {
        for m in 0..model.milestones.len() {
            let ms = &model.milestones[m];
            let own = x[ms.threshold.index()];
            self.threshold[m] = match ms.after {
                Some(a) => self.threshold[a] + own.max(0.0),
                None => own,
            };
        }
        self.walk(model, x, fired, model.start, model.horizon, true, years);
        let agi = self.arrival[0];
        agi.is_finite().then_some(agi)
    }

    /// When milestone `m` arrived in the last walk (`None`: not by the horizon).
    pub fn arrival_of(&self, m: usize) -> Option<f64> {
        let a = self.arrival[m];
        a.is_finite().then_some(a)
    }

    /// The levels recorded at the `j`-th observed year of the last walk: every driver's
    /// added OOMs, then total effective compute.
    pub fn observed(&self, j: usize) -> &[f64] {
        &self.observed[j]
    }

    /// The bottlenecks that had started by the `j`-th observed year of the last walk.
    pub fn started(&self, j: usize) -> u64 {
        self.started[j]
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
        self.walk(model, x, fired, from, until, false, &[]);
        &self.added
    }

    /// Walk from `start` to `stop` (the horizon, or the time levels are wanted at),
    /// recording the levels at each of `years`. With `milestones`, each milestone's
    /// threshold is in `self.threshold` and its arrival goes to `self.arrival`, and the
    /// walk ends once every milestone has arrived and every year is recorded; without,
    /// it walks to `stop`. Either way `added` holds the drivers' levels at the end.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        model: &Model,
        x: &[f64],
        fired: u64,
        start: f64,
        stop: f64,
        milestones: bool,
        years: &[f64],
    ) {
        let nd = model.drivers.len();
        let nm = if milestones {
            model.milestones.len()
        } else {
            0
        };
        // An optional input, with a negative draw counting as 0 (absent: 0).
        let positive = |i: Option<InputId>| i.map_or(0.0, |i| x[i.index()].max(0.0));
        // How long a bottleneck lasts once started (absent: for good).
        let duration =
            |bn: &Bottleneck| bn.duration.map_or(f64::INFINITY, |i| x[i.index()].max(0.0));
        self.arrival.fill(f64::INFINITY);
        self.observed.clear();
        self.started.clear();

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
                let already = match bn.onset {
                    Onset::Year(i) => x[i.index()] <= start,
                    Onset::DriverLevel { level: i, .. } | Onset::TotalLevel(i) => {
                        x[i.index()] <= 0.0
                    }
                    Onset::Milestone(_) => false,
                };
                if already {
                    self.phase[b] = Phase::Active;
                    self.end[b] = start + duration(bn);
                } else {
                    self.phase[b] = Phase::Pending;
                    // a milestone's onset is set when the milestone arrives
                    self.end[b] = f64::INFINITY;
                }
            }
        }

        let mut t = start;
        self.update_rates(nd);
        loop {
            let e: f64 = self.added.iter().sum();
            let total: f64 = self.rate.iter().sum();
            let next_year = years.get(self.observed.len()).copied();
            if milestones && (0..nm).all(|m| self.arrival[m].is_finite()) && next_year.is_none() {
                return;
            }

            // The soonest event: a milestone's crossing (the lowest threshold not reached;
            // a threshold E has already met, allowing for rounding, is met now)...
            let (mut best, mut event) = if milestones {
                (f64::INFINITY, Event::Stop)
            } else {
                (stop - t, Event::Stop)
            };
            let mut lowest = f64::INFINITY;
            for m in 0..nm {
                let thr = self.threshold[m];
                if self.arrival[m].is_finite() || !(thr < lowest) {
                    continue;
                }
                lowest = thr;
                let dt = if thr - e <= ROUNDING * thr {
                    0.0
                } else if total > 0.0 {
                    (thr - e) / total
                } else {
                    f64::INFINITY
                };
                (best, event) = (dt, Event::Crossing(m));
            }
            // ... a cap...
            for d in 0..nd {
                if self.cap_left[d].is_finite() && self.rate[d] > 0.0 {
                    let dt = self.cap_left[d] / self.rate[d];
                    if dt < best {
                        (best, event) = (dt, Event::Cap(d));
                    }
                }
            }
            // ... a bottleneck's onset or end...
            for (b, bn) in model.bottlenecks.iter().enumerate() {
                let dt = match self.phase[b] {
                    Phase::Pending => match bn.onset {
                        Onset::Year(i) => x[i.index()] - t,
                        Onset::DriverLevel {
                            driver: d,
                            level: i,
                        } => {
                            let onset = x[i.index()];
                            if self.added[d] >= onset {
                                0.0
                            } else if self.rate[d] > 0.0 {
                                (onset - self.added[d]) / self.rate[d]
                            } else {
                                f64::INFINITY
                            }
                        }
                        Onset::TotalLevel(i) => {
                            let onset = x[i.index()];
                            if e >= onset {
                                0.0
                            } else if total > 0.0 {
                                (onset - e) / total
                            } else {
                                f64::INFINITY
                            }
                        }
                        Onset::Milestone(_) => self.end[b] - t,
                    },
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
            // ... or an observed year (last at a tie).
            if let Some(y) = next_year
                && (y - t < best || !(t + best <= stop))
                && y <= stop
            {
                (best, event) = ((y - t).max(0.0), Event::Observe);
            }

            // Nothing more happens by the end (also catches best = infinity).
            if !(t + best <= stop) {
                return;
            }
            for d in 0..nd {
                let step = self.rate[d] * best;
                self.added[d] += step;
                self.cap_left[d] -= step;
            }
            t += best;
            match event {
                Event::Crossing(m) => {
                    self.arrival[m] = t;
                    // the bottlenecks that start with this milestone start now
                    for (b, bn) in model.bottlenecks.iter().enumerate() {
                        if bn.onset == Onset::Milestone(m) && self.phase[b] == Phase::Pending {
                            self.end[b] = t;
                        }
                    }
                }
                Event::Stop => return,
                Event::Cap(d) => {
                    // exactly the cap, whatever the rounding of the steps
                    let driver = &model.drivers[d];
                    self.added[d] = x[driver.cap.expect("a capped driver").index()];
                    self.cap_left[d] = f64::INFINITY;
                    self.base[d] = positive(driver.after_cap);
                }
                Event::Onset(b) => {
                    self.phase[b] = Phase::Active;
                    self.end[b] = t + duration(&model.bottlenecks[b]);
                }
                Event::End(b) => self.phase[b] = Phase::Over,
                Event::Observe => {
                    let mut row = self.added.clone();
                    row.push(self.added.iter().sum());
                    self.observed.push(row);
                    let started = (0..model.bottlenecks.len())
                        .filter(|&b| fired >> b & 1 == 1 && self.phase[b] != Phase::Pending)
                        .fold(0u64, |m, b| m | 1 << b);
                    self.started.push(started);
                }
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
