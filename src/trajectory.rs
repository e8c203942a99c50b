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
//! How the walk stays cheap (it is the simulator's hot loop; see docs/PERFORMANCE.md):
//! - every pending event sits in a calendar as an *absolute* time: `cap_at[d]` for
//!   driver d's cap, `bn_at[b]` for bottleneck b's onset or end. A driver's cap and the
//!   onsets that watch its level move only when its rate changes, so an event
//!   reschedules (one division each) just the drivers it touched; year onsets and ends
//!   never move. Each driver keeps its added OOMs as of its last rate change (`level`,
//!   `since`) instead of being advanced every segment, and `E` is advanced as one sum.
//! - the threshold crossing needs no calendar entry: a segment ends at the next event
//!   `t'`, and the crossing comes first (or at the same moment) exactly when
//!   `E + R (t' - t) >= T`; it is divided out once, at the end.
//! - the model's structure (input indices, which bottleneck affects or watches which
//!   driver) is flattened once per thread into a [`Plan`] of small arrays and bit masks,
//!   and the walk is compiled for each small shape (up to 4 drivers and 4 bottlenecks)
//!   so its loops unroll; larger models run the same code with run-time loop bounds.
//!
//! Conventions (documented in the README):
//! - a negative draw of a rate, cap, factor or duration counts as 0 (validation warns
//!   when a prior allows it with non-negligible probability);
//! - onsets before `start` (a year before it, a level <= 0) take effect at `start`, and a
//!   duration counts from the moment the bottleneck takes effect;
//! - a threshold <= 0 is met at `start`; an arrival exactly at the horizon counts;
//! - events at the same moment take effect in the order: crossing, caps (by driver),
//!   bottlenecks (by declaration).

use crate::model::{MAX_BOTTLENECKS, MAX_DRIVERS, Model, OnsetKind};
use rand::{Rng, RngExt};

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
    plan: Box<Plan>,
    state: Box<WalkState>,
    /// The walk compiled for this model's numbers of drivers and bottlenecks.
    walker: Walker,
    /// Scratch normals for the copula.
    copula_z: Vec<f64>,
}

type Walker = fn(&Plan, &mut WalkState, &[f64], u64) -> Option<f64>;

const MAX_D: usize = MAX_DRIVERS;
const MAX_B: usize = MAX_BOTTLENECKS;
// Indices into the fixed-size arrays below are masked with these, which lets the
// compiler drop bounds checks (the masks are no-ops on valid indices).
const _: () = assert!(MAX_D.is_power_of_two() && MAX_B.is_power_of_two());
const D: usize = MAX_D - 1;
const B: usize = MAX_B - 1;

/// The model's structure as the walk reads it: input indices and bit masks in small
/// fixed arrays, built once per thread.
#[derive(Clone, Debug)]
struct Plan {
    start: f64,
    horizon: f64,
    drivers: usize,
    bottlenecks: usize,
    threshold: usize,
    /// Per driver: input indices of the rate, the cap and the after-cap rate (valid
    /// where the driver's bit of `has_cap` / `has_after` is set).
    rate: [usize; MAX_D],
    cap: [usize; MAX_D],
    after: [usize; MAX_D],
    has_cap: u64,
    has_after: u64,
    /// Per driver: the bottlenecks that affect it, and those whose onset is a level of
    /// its added OOMs.
    affected_by: [u64; MAX_D],
    watched_by: [u64; MAX_D],
    /// Per bottleneck: the drivers it affects.
    affects: [u64; MAX_B],
    /// Bottlenecks whose onset is a year, or a level of E.
    year_onsets: u64,
    total_onsets: u64,
    /// Per bottleneck: input indices of the onset and duration (valid where its bit of
    /// `has_duration` is set); its effects are `effects[first[b]..first[b + 1]]`, as
    /// (driver, input index of the factor).
    onset: [usize; MAX_B],
    duration: [usize; MAX_B],
    has_duration: u64,
    first: [usize; MAX_B + 1],
    effects: Vec<(usize, usize)>,
}

/// The walk's state. Per driver: the rate in force, the base rate before factors, the
/// OOMs added as of `since` (its last rate change), the level of its cap (infinite when
/// it has none or has reached it) and when it is reached (`cap_at`). Per bottleneck:
/// the time of its pending onset or of its end (`bn_at`, infinite when not scheduled),
/// and `factor[b][d]`, its factor on driver d (read only where b affects d and fired).
#[derive(Clone, Debug)]
struct WalkState {
    rate: [f64; MAX_D],
    base: [f64; MAX_D],
    level: [f64; MAX_D],
    since: [f64; MAX_D],
    cap: [f64; MAX_D],
    cap_at: [f64; MAX_D],
    bn_at: [f64; MAX_B],
    factor: [[f64; MAX_D]; MAX_B],
}

impl Plan {
    fn new(model: &Model) -> Plan {
        let nd = model.drivers.len();
        let nb = model.bottlenecks.len();
        assert!(
            nd <= MAX_D && nb <= MAX_B,
            "{nd} drivers, {nb} bottlenecks: too many"
        );
        let mut p = Plan {
            start: model.start,
            horizon: model.horizon,
            drivers: nd,
            bottlenecks: nb,
            threshold: model.threshold,
            rate: [0; MAX_D],
            cap: [0; MAX_D],
            after: [0; MAX_D],
            has_cap: 0,
            has_after: 0,
            affected_by: [0; MAX_D],
            watched_by: [0; MAX_D],
            affects: [0; MAX_B],
            year_onsets: 0,
            total_onsets: 0,
            onset: [0; MAX_B],
            duration: [0; MAX_B],
            has_duration: 0,
            first: [0; MAX_B + 1],
            effects: Vec::new(),
        };
        for (d, driver) in model.drivers.iter().enumerate() {
            p.rate[d] = driver.rate;
            if let Some(c) = driver.cap {
                p.cap[d] = c;
                p.has_cap |= 1 << d;
            }
            if let Some(a) = driver.after_cap {
                p.after[d] = a;
                p.has_after |= 1 << d;
            }
        }
        for (b, bn) in model.bottlenecks.iter().enumerate() {
            for &(d, f) in &bn.effects {
                p.affected_by[d] |= 1 << b;
                p.affects[b] |= 1 << d;
                p.effects.push((d, f));
            }
            p.first[b + 1] = p.effects.len();
            match bn.onset_kind {
                OnsetKind::Year => p.year_onsets |= 1 << b,
                OnsetKind::DriverLevel(d) => p.watched_by[d] |= 1 << b,
                OnsetKind::TotalLevel => p.total_onsets |= 1 << b,
            }
            p.onset[b] = bn.onset;
            if let Some(i) = bn.duration {
                p.duration[b] = i;
                p.has_duration |= 1 << b;
            }
        }
        p
    }

    /// Driver `d`'s rate after its cap (0 when it has none).
    #[inline(always)]
    fn after_cap(&self, x: &[f64], d: usize) -> f64 {
        if self.has_after >> d & 1 == 1 {
            x[self.after[d & D]].max(0.0)
        } else {
            0.0
        }
    }

    /// Bottleneck `b`'s duration (infinite when permanent).
    #[inline(always)]
    fn duration(&self, x: &[f64], b: usize) -> f64 {
        if self.has_duration >> b & 1 == 1 {
            x[self.duration[b & B]].max(0.0)
        } else {
            f64::INFINITY
        }
    }
}

/// How many drivers and bottlenecks the walk loops over: known at compile time for the
/// common small models (so the loops unroll and every index is a constant), or at run
/// time for the rest. One walk, [`walk`], serves both.
trait Shape {
    /// Whether the counts are compile-time constants.
    const FIXED: bool;
    fn drivers(p: &Plan) -> usize;
    fn bottlenecks(p: &Plan) -> usize;
}

/// Calls `f(i)` for each set bit `i` of `mask`, in increasing order: as an unrolled test
/// of bits `0..n` for a fixed shape (each test a branch with the same pattern in every
/// trajectory), as a loop over the set bits for a large model (so the cost follows the
/// bits set, not `n`).
#[inline(always)]
fn for_each_bit<S: Shape>(n: usize, mask: u64, mut f: impl FnMut(usize)) {
    if S::FIXED {
        for i in 0..n {
            if mask >> i & 1 == 1 {
                f(i);
            }
        }
    } else {
        let mut m = mask;
        while m != 0 {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            f(i);
        }
    }
}

struct Fixed<const ND: usize, const NB: usize>;
impl<const ND: usize, const NB: usize> Shape for Fixed<ND, NB> {
    const FIXED: bool = true;
    #[inline(always)]
    fn drivers(_: &Plan) -> usize {
        ND
    }
    #[inline(always)]
    fn bottlenecks(_: &Plan) -> usize {
        NB
    }
}

struct Any;
impl Shape for Any {
    const FIXED: bool = false;
    #[inline(always)]
    fn drivers(p: &Plan) -> usize {
        p.drivers
    }
    #[inline(always)]
    fn bottlenecks(p: &Plan) -> usize {
        p.bottlenecks
    }
}

/// The walk for a model with `nd` drivers and `nb` bottlenecks.
fn walker_for(nd: usize, nb: usize) -> Walker {
    macro_rules! fixed {
        ($(($d:literal, $b:literal)),*) => {
            match (nd, nb) {
                $(($d, $b) => walk::<Fixed<$d, $b>>,)*
                _ => walk::<Any>,
            }
        };
    }
    fixed!(
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 0),
        (2, 1),
        (2, 2),
        (2, 3),
        (2, 4),
        (3, 0),
        (3, 1),
        (3, 2),
        (3, 3),
        (3, 4),
        (4, 0),
        (4, 1),
        (4, 2),
        (4, 3),
        (4, 4)
    )
}

impl Trajectory {
    pub fn new(model: &Model) -> Self {
        let plan = Plan::new(model);
        Trajectory {
            inputs: vec![0.0; model.inputs.len()],
            walker: walker_for(plan.drivers, plan.bottlenecks),
            plan: Box::new(plan),
            state: Box::new(WalkState {
                rate: [0.0; MAX_D],
                base: [0.0; MAX_D],
                level: [0.0; MAX_D],
                since: [0.0; MAX_D],
                cap: [f64::INFINITY; MAX_D],
                cap_at: [f64::INFINITY; MAX_D],
                bn_at: [f64::INFINITY; MAX_B],
                factor: [[1.0; MAX_D]; MAX_B],
            }),
            copula_z: vec![0.0; model.copula.as_ref().map_or(0, |c| c.size())],
        }
    }

    /// Draw every input (in model order), then which bottlenecks fire, then walk.
    #[inline]
    pub fn run<R: Rng + ?Sized>(&mut self, model: &Model, rng: &mut R) -> Outcome {
        draw_inputs(model, &mut self.inputs, &mut self.copula_z, rng);
        let fired = draw_fired(model, rng);
        Outcome {
            arrival: self.walk(model, fired),
            fired,
        }
    }

    /// Walk the piecewise-linear effective compute with the inputs already in
    /// `self.inputs` and the given fired bottlenecks; return the arrival year.
    /// `model` must be the one this `Trajectory` was made for.
    #[inline]
    pub fn walk(&mut self, model: &Model, fired: u64) -> Option<f64> {
        debug_assert_eq!(model.drivers.len(), self.plan.drivers);
        (self.walker)(&self.plan, &mut self.state, &self.inputs, fired)
    }
}

/// Every input of `model`, in model order, into `inputs`.
#[inline(always)]
fn draw_inputs<R: Rng + ?Sized>(
    model: &Model,
    inputs: &mut [f64],
    copula_z: &mut [f64],
    rng: &mut R,
) {
    if let Some(c) = &model.copula {
        for (x, input) in inputs.iter_mut().zip(&model.inputs) {
            if !input.correlated {
                *x = input.dist.sample(rng);
            }
        }
        c.draw(&model.inputs, inputs, copula_z, rng);
    } else {
        // No correlations (the shipped scenarios): no per-input test.
        for (x, input) in inputs.iter_mut().zip(&model.inputs) {
            *x = input.dist.sample(rng);
        }
    }
}

/// The walk itself (see the module docs), for a model of shape `S`.
fn walk<S: Shape>(p: &Plan, w: &mut WalkState, x: &[f64], fired: u64) -> Option<f64> {
    let nd = S::drivers(p);
    let nb = S::bottlenecks(p);
    let (start, horizon) = (p.start, p.horizon);
    let threshold = x[p.threshold];
    if threshold <= 0.0 {
        return Some(start);
    }

    // Bottlenecks that fired: their factors, and whether they act from the start or
    // wait for their onset. The others never act and stay off the calendar.
    let mut active = 0u64;
    let mut pending = 0u64;
    w.bn_at[..nb].fill(f64::INFINITY);
    // Bits beyond the model's bottlenecks (if a caller passed any) mean nothing.
    let fired = fired & if nb == 0 { 0 } else { u64::MAX >> (64 - nb) };
    for_each_bit::<S>(nb, fired, |b| {
        for &(d, f) in &p.effects[p.first[b & B]..p.first[(b & B) + 1]] {
            w.factor[b & B][d & D] = x[f].max(0.0);
        }
        let onset = x[p.onset[b & B]];
        let year = p.year_onsets >> b & 1 == 1;
        if onset <= if year { start } else { 0.0 } {
            active |= 1 << b;
            w.bn_at[b & B] = start + p.duration(x, b);
        } else {
            pending |= 1 << b;
            if year {
                w.bn_at[b & B] = onset;
            }
        }
    });

    // Drivers: base rate (after_cap from the start when the cap is <= 0), the rate in
    // force, when the cap is reached, and the onsets that watch the driver's level.
    let mut total = 0.0;
    for d in 0..nd {
        let cap = if p.has_cap >> d & 1 == 1 {
            x[p.cap[d & D]]
        } else {
            f64::INFINITY
        };
        let (base, cap) = if cap <= 0.0 {
            (p.after_cap(x, d), f64::INFINITY)
        } else {
            (x[p.rate[d & D]].max(0.0), cap)
        };
        w.base[d & D] = base;
        w.cap[d & D] = cap;
        w.level[d & D] = 0.0;
        w.since[d & D] = start;
        total += reschedule::<S>(p, w, x, d, start, active, pending);
    }

    let mut t = start;
    let mut e = 0.0;
    loop {
        // Onsets at a level of E move with the total rate, which changes at (almost)
        // every event: reschedule them each segment.
        for_each_bit::<S>(nb, pending & p.total_onsets, |b| {
            let onset = x[p.onset[b & B]];
            // reached already (even if E stopped growing at this very moment)
            w.bn_at[b & B] = if e >= onset {
                t
            } else if total > 0.0 {
                t + (onset - e) / total
            } else {
                f64::INFINITY
            };
        });

        // The next scheduled event (strict `<`: ties go to caps in driver order, then
        // to bottlenecks in declaration order).
        let mut next = f64::INFINITY;
        let mut k = 0;
        for d in 0..nd {
            let a = w.cap_at[d & D];
            k = if a < next { d } else { k };
            next = next.min(a);
        }
        for b in 0..nb {
            let a = w.bn_at[b & B];
            k = if a < next { nd + b } else { k };
            next = next.min(a);
        }

        // Does E reach the threshold before it (or at the same moment), by the horizon?
        // Compared as times, not levels, so that a crossing exactly at the horizon (or
        // at an event) counts whatever the rounding of `rate * time`.
        let stop = next.min(horizon).max(t);
        // E is a sum of exact pieces; allow for its rounding when it has stopped exactly
        // on the threshold (e.g. fixed caps that add up to a fixed threshold).
        if threshold - e <= ROUNDING * threshold {
            return Some(t);
        }
        if total > 0.0 {
            let crossing = (t + (threshold - e) / total).max(t);
            if crossing <= stop {
                return Some(crossing);
            }
        }
        // Nothing more happens before the horizon (also catches next = infinity).
        if !(next <= horizon) {
            return None;
        }
        t = stop;

        let changed = if k < nd {
            // Driver k has added exactly its cap: from now on its after-cap rate.
            w.level[k & D] = w.cap[k & D];
            w.since[k & D] = t;
            w.cap[k & D] = f64::INFINITY;
            w.base[k & D] = p.after_cap(x, k);
            1u64 << k
        } else {
            let b = k - nd;
            if pending >> b & 1 == 1 {
                pending &= !(1 << b);
                active |= 1 << b;
                w.bn_at[b & B] = t + p.duration(x, b);
            } else {
                active &= !(1 << b);
                w.bn_at[b & B] = f64::INFINITY;
            }
            p.affects[b & B]
        };

        // New rates for the drivers the event touched, and their calendar entries; E
        // recomputed from the drivers' levels so that rounding does not accumulate.
        total = 0.0;
        for_each_bit::<S>(nd, changed, |d| {
            if k != d {
                w.level[d & D] += w.rate[d & D] * (t - w.since[d & D]);
            }
            w.since[d & D] = t;
            reschedule::<S>(p, w, x, d, t, active, pending);
        });
        e = 0.0;
        for d in 0..nd {
            e += w.level[d & D] + w.rate[d & D] * (t - w.since[d & D]);
            total += w.rate[d & D];
        }
    }
}

/// Driver `d`'s rate from time `t` on (its base times the factors of the active
/// bottlenecks that affect it, multiplied in bottleneck order), when it reaches its cap,
/// and when the pending onsets that watch its level happen. Returns the rate.
#[inline(always)]
fn reschedule<S: Shape>(
    p: &Plan,
    w: &mut WalkState,
    x: &[f64],
    d: usize,
    t: f64,
    active: u64,
    pending: u64,
) -> f64 {
    let on = active & p.affected_by[d & D];
    let mut r = w.base[d & D];
    for_each_bit::<S>(S::bottlenecks(p), on, |b| r *= w.factor[b & B][d & D]);
    w.rate[d & D] = r;
    let level = w.level[d & D];
    let cap = w.cap[d & D];
    w.cap_at[d & D] = if level >= cap {
        t
    } else if r > 0.0 {
        t + (cap - level) / r
    } else {
        f64::INFINITY
    };
    let watchers = pending & p.watched_by[d & D];
    for_each_bit::<S>(S::bottlenecks(p), watchers, |b| {
        let onset = x[p.onset[b & B]];
        // A level already reached is due now, even if the driver stops at this very
        // moment (a cap, or another bottleneck, at the same instant).
        w.bn_at[b & B] = if level >= onset {
            t
        } else if r > 0.0 {
            t + (onset - level) / r
        } else {
            f64::INFINITY
        };
    });
    r
}

/// Relative slack for "E has reached the threshold": rounding of sums of exact pieces
/// (about 1e-16 per operation), far below any meaningful OOM.
const ROUNDING: f64 = 1e-12;

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

    /// The walk as first written (every event time re-derived each segment, every
    /// driver advanced each segment): the reference the calendar walk must agree with.
    mod reference {
        use crate::model::{Model, OnsetKind};

        const PENDING: u8 = 0;
        const ACTIVE: u8 = 1;
        const DONE: u8 = 2;

        #[derive(Clone, Copy)]
        enum Event {
            Crossing,
            Cap(usize),
            Onset(usize),
            End(usize),
        }

        pub struct Reference {
            pub inputs: Vec<f64>,
            added: Vec<f64>,
            base: Vec<f64>,
            cap_left: Vec<f64>,
            rate: Vec<f64>,
            state: Vec<u8>,
            end: Vec<f64>,
            factor: Vec<f64>,
        }

        impl Reference {
            pub fn new(model: &Model) -> Self {
                let d = model.drivers.len();
                let b = model.bottlenecks.len();
                Reference {
                    inputs: vec![0.0; model.inputs.len()],
                    added: vec![0.0; d],
                    base: vec![0.0; d],
                    cap_left: vec![0.0; d],
                    rate: vec![0.0; d],
                    state: vec![DONE; b],
                    end: vec![0.0; b],
                    factor: vec![1.0; b * d],
                }
            }

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
                            self.end[b] =
                                start + bn.duration.map_or(f64::INFINITY, |i| x[i].max(0.0));
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
                    if threshold - e <= super::super::ROUNDING * threshold {
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
                                    OnsetKind::DriverLevel(d) if self.added[d] >= onset => 0.0,
                                    OnsetKind::DriverLevel(d) if self.rate[d] > 0.0 => {
                                        (onset - self.added[d]) / self.rate[d]
                                    }
                                    OnsetKind::TotalLevel if e >= onset => 0.0,
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
                            // exactly the cap, whatever the rounding of the steps
                            self.added[d] = x[model.drivers[d].cap.expect("a capped driver")];
                            self.cap_left[d] = f64::INFINITY;
                            self.base[d] =
                                model.drivers[d].after_cap.map_or(0.0, |i| x[i].max(0.0));
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
    }

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
    fn a_level_reached_as_its_driver_stops_still_starts_the_bottleneck() {
        // Regression (review): compute reaches its cap of 4 OOM in 2024 exactly when the
        // wall's onset level is reached; E = 8 then, algorithms slows to 0.5/yr: 10 OOM
        // in 2028. Before the fix the onset was lost when the cap stopped compute.
        let capped = "start = 2020\nthreshold = 10\n[drivers.compute]\nrate = 1\ncap = 4\n\
                      [drivers.algorithms]\nrate = 1\n\
                      [bottlenecks.wall]\nonset = { level = 4, of = \"compute\" }\neffect = { algorithms = 0.5 }\n";
        close(arrival(capped, 1), 2028.0);
        // The same when another bottleneck stops compute at that instant, declared
        // before or after the wall: the order of declaration must not matter.
        let stall = "[bottlenecks.stall]\nonset = { year = 2024 }\neffect = { compute = 0 }\n";
        let wall = "[bottlenecks.wall]\nonset = { level = 4, of = \"compute\" }\neffect = { algorithms = 0.5 }\n";
        let head = "start = 2020\nthreshold = 10\n[drivers.compute]\nrate = 1\n[drivers.algorithms]\nrate = 1\n";
        close(arrival(&format!("{head}{stall}{wall}"), 0b11), 2028.0);
        close(arrival(&format!("{head}{wall}{stall}"), 0b11), 2028.0);
        // and for a level of total effective compute: E = 8 in 2024 when compute stops
        let total = "[bottlenecks.wall]\nonset = { level = 8 }\neffect = { algorithms = 0.5 }\n";
        close(arrival(&format!("{head}{stall}{total}"), 0b11), 2028.0);
    }

    #[test]
    fn caps_that_add_up_to_the_threshold_arrive() {
        // Regression (review): 1.0 + 2.0 + 2.4 OOM of caps against a threshold of 5.4;
        // d2 caps at 2020 + 2.4 / 0.55, d0 and d1 together at 2020 + 1 / 0.14 (= 2 / 0.28),
        // when E reaches 5.4. Rounding of E must not turn this into "not by horizon".
        let t = "start = 2020\nthreshold = 5.4\n[drivers.d0]\nrate = 0.14\ncap = 1.0\n\
                 [drivers.d1]\nrate = 0.28\ncap = 2.0\n[drivers.d2]\nrate = 0.55\ncap = 2.4\n";
        let a = arrival(t, 0).expect("arrives");
        assert!((a - (2020.0 + 1.0 / 0.14)).abs() < 1e-9, "{a}");
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

    /// Inputs that exercise every event kind: caps that may be <= 0 from the start,
    /// onsets at a year (possibly before start), at a driver's level and at a level of
    /// E (possibly <= 0), durations, accelerators, a stalled driver, certain bottlenecks.
    const EVERY_EVENT: &str = r#"
start = 2020
horizon = 2060
threshold = { dist = "lognormal", ci90 = [1.0, 30.0] }
[drivers.a]
rate = { dist = "normal", ci90 = [-0.1, 1.0] }
cap = { dist = "normal", ci90 = [-0.5, 4.0] }
after_cap = { dist = "uniform", min = 0.0, max = 0.2 }
[drivers.b]
rate = { dist = "lognormal", ci90 = [0.1, 0.8] }
cap = { dist = "lognormal", ci90 = [0.5, 5.0] }
[drivers.c]
rate = { dist = "uniform", min = 0.0, max = 0.6 }
[bottlenecks.year]
probability = 0.6
onset = { year = { dist = "uniform", min = 2015, max = 2040 } }
duration = { dist = "lognormal", ci90 = [0.5, 10.0] }
effect = { a = { dist = "uniform", min = 0.0, max = 1.0 }, c = 0 }
[bottlenecks.level_of_a]
probability = 0.7
onset = { level = { dist = "normal", ci90 = [-0.5, 3.0] }, of = "a" }
duration = { dist = "uniform", min = 0.0, max = 5.0 }
effect = { b = { dist = "uniform", min = 0.2, max = 3.0 }, a = 0.5 }
[bottlenecks.level_of_e]
probability = 1
onset = { level = { dist = "normal", ci90 = [-1.0, 8.0] } }
effect = { a = 1.5, b = { dist = "uniform", min = 0.0, max = 1.0 }, c = 2.0 }
[bottlenecks.certain_stall]
probability = 0.5
onset = { year = { dist = "uniform", min = 2020, max = 2050 } }
duration = 3
effect = { c = 0 }
"#;

    #[test]
    fn calendar_walk_agrees_with_the_reference_walk() {
        use rand::SeedableRng;
        let mut models: Vec<_> = crate::scenarios::SHIPPED
            .iter()
            .map(|s| s.model().unwrap())
            .collect();
        models.push(parse_model("every.toml", EVERY_EVENT).unwrap());
        // Five drivers: beyond the shapes compiled ahead, so `walk::<Any>` runs it.
        let five = format!(
            "{EVERY_EVENT}[drivers.d]\nrate = {{ dist = \"uniform\", min = 0.0, max = 0.3 }}\n\
             cap = 1\nafter_cap = 0.05\n[drivers.e]\nrate = 0.1\n"
        );
        models.push(parse_model("five.toml", &five).unwrap());
        // Nine bottlenecks on top: the run-time shape's loops over set bits.
        let mut nine = five.clone();
        for i in 0..5 {
            nine += &format!(
                "[bottlenecks.extra{i}]\nprobability = 0.5\n\
                 onset = {{ level = {{ dist = \"uniform\", min = 0.0, max = 3.0 }}, of = \"d\" }}\n\
                 duration = {{ dist = \"uniform\", min = 0.0, max = 4.0 }}\n\
                 effect = {{ e = 2, a = {{ dist = \"uniform\", min = 0.0, max = 1.0 }} }}\n"
            );
        }
        models.push(parse_model("nine.toml", &nine).unwrap());
        for m in &models {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
            let mut fast = Trajectory::new(m);
            let mut slow = reference::Reference::new(m);
            let (mut arrived, mut never) = (0, 0);
            for _ in 0..100_000 {
                let out = fast.run(m, &mut rng);
                // The walk compiled for this shape and the one for any shape agree exactly.
                let any = walk::<Any>(&fast.plan, &mut fast.state, &fast.inputs, out.fired);
                assert_eq!(any.map(f64::to_bits), out.arrival.map(f64::to_bits));
                slow.inputs.copy_from_slice(&fast.inputs);
                let want = slow.walk(m, out.fired);
                match (out.arrival, want) {
                    (Some(a), Some(b)) => {
                        assert!((a - b).abs() <= 1e-9, "{}: {a} vs {b}", m.name);
                        arrived += 1;
                    }
                    (None, None) => never += 1,
                    // Rounding may put a crossing a hair either side of the horizon.
                    (Some(a), None) | (None, Some(a)) => {
                        assert!((a - m.horizon).abs() <= 1e-9, "{}: {a} vs none", m.name)
                    }
                }
            }
            assert!(
                arrived > 1000 && never > 100,
                "{}: {arrived} {never}",
                m.name
            );
        }
    }
}
