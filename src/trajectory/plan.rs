//! The model's structure flattened for the walk: input positions and bit masks in small
//! fixed arrays, built once per thread (see [`super::walk`]).

use crate::model::{
    MAX_BOTTLENECKS, MAX_DRIVERS, MAX_MILESTONES, MAX_OBSERVED_YEARS, Model, Onset,
};

pub(super) const MAX_D: usize = MAX_DRIVERS;
pub(super) const MAX_B: usize = MAX_BOTTLENECKS;
pub(super) const MAX_M: usize = MAX_MILESTONES;
pub(super) const MAX_OBS: usize = MAX_OBSERVED_YEARS;
// Indices into the fixed-size arrays below are masked with these, which lets the
// compiler drop bounds checks (the masks are no-ops on valid indices).
const _: () = assert!(MAX_D.is_power_of_two() && MAX_B.is_power_of_two());
const _: () = assert!(MAX_M.is_power_of_two() && MAX_OBS.is_power_of_two());
pub(super) const D: usize = MAX_D - 1;
pub(super) const B: usize = MAX_B - 1;
pub(super) const M: usize = MAX_M - 1;
pub(super) const O: usize = MAX_OBS - 1;

/// The model's structure as the walk reads it: input indices and bit masks in small
/// fixed arrays, built once per thread.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub(super) start: f64,
    pub(super) horizon: f64,
    pub(super) drivers: usize,
    pub(super) bottlenecks: usize,
    /// Input index of the first milestone's (AGI's) threshold.
    pub(super) threshold: usize,
    /// Whether the walk must go on after AGI or record anything on the way: more than
    /// one milestone, a bottleneck that starts at a milestone, or observed years.
    pub(super) extra: bool,
    /// Per milestone: input index of its threshold, and the milestone it counts from
    /// (`after`, an earlier index) or `NONE`.
    pub(super) milestones: usize,
    pub(super) ms_threshold: [usize; MAX_M],
    pub(super) ms_after: [usize; MAX_M],
    /// Per milestone: the bottlenecks that start when it arrives.
    pub(super) ms_onsets: [u64; MAX_M],
    /// Bottlenecks that start at a milestone.
    pub(super) milestone_onsets: u64,
    /// The years at which levels are recorded, increasing.
    pub(super) observed: usize,
    pub(super) obs_years: [f64; MAX_OBS],
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
    /// Per bottleneck: input indices of the onset (not for milestone onsets) and
    /// duration (valid where its bit of `has_duration` is set); its effects are
    /// `effects[first[b]..first[b + 1]]`, as (driver, input index of the factor).
    pub(super) onset: [usize; MAX_B],
    pub(super) duration: [usize; MAX_B],
    pub(super) has_duration: u64,
    pub(super) first: [usize; MAX_B + 1],
    pub(super) effects: Vec<(usize, usize)>,
}

/// No milestone: `ms_after` of a milestone that counts from the reference model.
pub(super) const NONE: usize = usize::MAX;

impl Plan {
    /// The plan of `model`, recording levels at `observed_years` (increasing, distinct,
    /// within `[start, horizon]`).
    pub(super) fn new(model: &Model, observed_years: &[f64]) -> Plan {
        let nd = model.drivers.len();
        let nb = model.bottlenecks.len();
        let nm = model.milestones.len();
        let no = observed_years.len();
        assert!(
            nd <= MAX_D && nb <= MAX_B && (1..=MAX_M).contains(&nm) && no <= MAX_OBS,
            "{nd} drivers, {nb} bottlenecks, {nm} milestones, {no} observed years: too many"
        );
        let mut p = Plan {
            start: model.start,
            horizon: model.horizon,
            drivers: nd,
            bottlenecks: nb,
            threshold: model.threshold().index(),
            extra: false,
            milestones: nm,
            ms_threshold: [0; MAX_M],
            ms_after: [NONE; MAX_M],
            ms_onsets: [0; MAX_M],
            milestone_onsets: 0,
            observed: no,
            obs_years: [f64::INFINITY; MAX_OBS],
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
        for (m, ms) in model.milestones.iter().enumerate() {
            p.ms_threshold[m] = ms.threshold.index();
            p.ms_after[m] = ms.after.unwrap_or(NONE);
        }
        p.obs_years[..no].copy_from_slice(observed_years);
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
            match bn.onset {
                Onset::Year(_) => p.year_onsets |= 1 << b,
                Onset::DriverLevel { driver, .. } => p.watched_by[driver] |= 1 << b,
                Onset::TotalLevel(_) => p.total_onsets |= 1 << b,
                Onset::Milestone(m) => {
                    p.ms_onsets[m] |= 1 << b;
                    p.milestone_onsets |= 1 << b;
                }
            }
            if let Some(i) = bn.onset.input() {
                p.onset[b] = i.index();
            }
            if let Some(i) = bn.duration {
                p.duration[b] = i.index();
                p.has_duration |= 1 << b;
            }
        }
        p.extra = nm > 1 || p.milestone_onsets != 0 || no > 0;
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

    /// Milestone `m`'s threshold in OOMs above the reference model, given the
    /// thresholds of the milestones before it (`after` counts a negative offset as 0).
    #[inline]
    pub(super) fn milestone_threshold(&self, x: &[f64], m: usize, earlier: &[f64]) -> f64 {
        let own = x[self.ms_threshold[m & M]];
        match self.ms_after[m & M] {
            NONE => own,
            a => earlier[a & M] + own.max(0.0),
        }
    }
}
