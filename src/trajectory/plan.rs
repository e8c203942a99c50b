//! The model's structure flattened for the walk: input positions and bit masks in small
//! fixed arrays, built once per thread (see [`super::walk`]).

use crate::model::{MAX_BOTTLENECKS, MAX_DRIVERS, Model, OnsetKind};

pub(super) const MAX_D: usize = MAX_DRIVERS;
pub(super) const MAX_B: usize = MAX_BOTTLENECKS;
// Indices into the fixed-size arrays below are masked with these, which lets the
// compiler drop bounds checks (the masks are no-ops on valid indices).
const _: () = assert!(MAX_D.is_power_of_two() && MAX_B.is_power_of_two());
pub(super) const D: usize = MAX_D - 1;
pub(super) const B: usize = MAX_B - 1;

/// The model's structure as the walk reads it: input indices and bit masks in small
/// fixed arrays, built once per thread.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub(super) start: f64,
    pub(super) horizon: f64,
    pub(super) drivers: usize,
    pub(super) bottlenecks: usize,
    pub(super) threshold: usize,
    /// Per driver: input indices of the rate, the cap and the after-cap rate (valid
    /// where the driver's bit of `has_cap` / `has_after` is set).
    pub(super) rate: [usize; MAX_D],
    pub(super) cap: [usize; MAX_D],
    pub(super) after: [usize; MAX_D],
    pub(super) has_cap: u64,
    pub(super) has_after: u64,
    /// Per driver: the bottlenecks that affect it, and those whose onset is a level of
    /// its added OOMs.
    pub(super) affected_by: [u64; MAX_D],
    pub(super) watched_by: [u64; MAX_D],
    /// Per bottleneck: the drivers it affects.
    pub(super) affects: [u64; MAX_B],
    /// Bottlenecks whose onset is a year, or a level of E.
    pub(super) year_onsets: u64,
    pub(super) total_onsets: u64,
    /// Per bottleneck: input indices of the onset and duration (valid where its bit of
    /// `has_duration` is set); its effects are `effects[first[b]..first[b + 1]]`, as
    /// (driver, input index of the factor).
    pub(super) onset: [usize; MAX_B],
    pub(super) duration: [usize; MAX_B],
    pub(super) has_duration: u64,
    pub(super) first: [usize; MAX_B + 1],
    pub(super) effects: Vec<(usize, usize)>,
}

impl Plan {
    pub(super) fn new(model: &Model) -> Plan {
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
            threshold: model.threshold.index(),
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
            p.rate[d] = driver.rate.index();
            if let Some(c) = driver.cap {
                p.cap[d] = c.index();
                p.has_cap |= 1 << d;
            }
            if let Some(a) = driver.after_cap {
                p.after[d] = a.index();
                p.has_after |= 1 << d;
            }
        }
        for (b, bn) in model.bottlenecks.iter().enumerate() {
            for &(d, f) in &bn.effects {
                p.affected_by[d] |= 1 << b;
                p.affects[b] |= 1 << d;
                p.effects.push((d, f.index()));
            }
            p.first[b + 1] = p.effects.len();
            match bn.onset_kind {
                OnsetKind::Year => p.year_onsets |= 1 << b,
                OnsetKind::DriverLevel(d) => p.watched_by[d] |= 1 << b,
                OnsetKind::TotalLevel => p.total_onsets |= 1 << b,
            }
            p.onset[b] = bn.onset.index();
            if let Some(i) = bn.duration {
                p.duration[b] = i.index();
                p.has_duration |= 1 << b;
            }
        }
        p
    }

    /// Driver `d`'s rate after its cap (0 when it has none).
    #[inline(always)]
    pub(super) fn after_cap(&self, x: &[f64], d: usize) -> f64 {
        if self.has_after >> d & 1 == 1 {
            x[self.after[d & D]].max(0.0)
        } else {
            0.0
        }
    }

    /// Bottleneck `b`'s duration (infinite when permanent).
    #[inline(always)]
    pub(super) fn duration(&self, x: &[f64], b: usize) -> f64 {
        if self.has_duration >> b & 1 == 1 {
            x[self.duration[b & B]].max(0.0)
        } else {
            f64::INFINITY
        }
    }
}
