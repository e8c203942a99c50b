//! The fast walk: the simulator's hot loop, which must agree with the readable
//! [`super::reference`] walk (the tests hold the two against each other, draw by draw).
//!
//! How it stays cheap:
//! - every pending event sits in a calendar as an *absolute* time: `cap_at[d]` for
//!   driver d's cap, `bn_at[b]` for bottleneck b's onset or end. A driver's cap and the
//!   onsets that watch its level move only when its rate changes, so an event
//!   reschedules (one division each) just the drivers it touched; year onsets and ends
//!   never move. Each driver keeps its added OOMs as of its last rate change (`level`,
//!   `since`) instead of being advanced every segment, and `E` is advanced as one sum.
//! - the threshold crossing needs no calendar entry: a segment ends at the next event
//!   `t'`, and the crossing comes first (or at the same moment) exactly when
//!   `E + R (t' - t) >= T`; it is divided out once, at the end.
//! - the model's structure is flattened once per thread into a [`Plan`] of small arrays
//!   and bit masks, and the walk is compiled for each small shape (up to 4 drivers and 4
//!   bottlenecks) so its loops unroll; larger models run the same code with run-time
//!   loop bounds.

use super::ROUNDING;
use super::plan::{B, D, M, MAX_B, MAX_D, MAX_M, MAX_OBS, O, Plan};

pub(super) type Walker = fn(&Plan, &mut WalkState, &[f64], u64) -> Option<f64>;

/// The walk's state. Per driver: the rate in force, the base rate before factors, the
/// OOMs added as of `since` (its last rate change), the level of its cap (infinite when
/// it has none or has reached it) and when it is reached (`cap_at`). Per bottleneck:
/// the time of its pending onset or of its end (`bn_at`, infinite when not scheduled),
/// and `factor[b][d]`, its factor on driver d (read only where b affects d and fired).
#[derive(Clone, Debug)]
pub(super) struct WalkState {
    rate: [f64; MAX_D],
    base: [f64; MAX_D],
    level: [f64; MAX_D],
    since: [f64; MAX_D],
    cap: [f64; MAX_D],
    cap_at: [f64; MAX_D],
    bn_at: [f64; MAX_B],
    factor: [[f64; MAX_D]; MAX_B],
    /// Where a walk with extra features was suspended, to be resumed.
    pub(super) suspended: Suspended,
    /// Per milestone: its threshold this trajectory, then when it arrived (infinite
    /// when not by the horizon). Only the walk with [`Extra`] features writes these.
    threshold: [f64; MAX_M],
    pub(super) arrival: [f64; MAX_M],
    /// The milestones in the order they are reached (by threshold, then by index).
    order: [usize; MAX_M],
    /// Per observed year: every driver's added OOMs, then E (`observed[o][drivers]`),
    /// and the bottlenecks that had started by then.
    pub(super) observed: [[f64; MAX_D + 1]; MAX_OBS],
    pub(super) started: [u64; MAX_OBS],
}

impl WalkState {
    pub(super) fn new() -> WalkState {
        WalkState {
            rate: [0.0; MAX_D],
            base: [0.0; MAX_D],
            level: [0.0; MAX_D],
            since: [0.0; MAX_D],
            cap: [f64::INFINITY; MAX_D],
            cap_at: [f64::INFINITY; MAX_D],
            bn_at: [f64::INFINITY; MAX_B],
            factor: [[1.0; MAX_D]; MAX_B],
            suspended: Suspended::default(),
            threshold: [f64::INFINITY; MAX_M],
            arrival: [f64::INFINITY; MAX_M],
            order: [0; MAX_M],
            observed: [[0.0; MAX_D + 1]; MAX_OBS],
            started: [0; MAX_OBS],
        }
    }
}

/// How many drivers and bottlenecks the walk loops over: known at compile time for the
/// common small models (so the loops unroll and every index is a constant), or at run
/// time for the rest. One walk, [`walk`], serves both.
pub(super) trait Shape {
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

pub(super) struct Any;
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

/// What the walk does besides finding AGI's arrival, fixed at compile time so that a
/// plain model's walk carries none of it.
pub(super) trait Features {
    /// Go on after AGI to the later milestones, start bottlenecks at milestones, and
    /// record levels at the observed years.
    const EXTRA: bool;
    /// Start from a walk suspended at a crossing (see [`Suspended`]) instead of from
    /// the start.
    const RESUME: bool;
}

/// AGI's arrival only.
pub(super) struct Plain;
impl Features for Plain {
    const EXTRA: bool = false;
    const RESUME: bool = false;
}

/// Milestones, milestone onsets and observed years.
pub(super) struct Extra;
impl Features for Extra {
    const EXTRA: bool = true;
    const RESUME: bool = false;
}

/// The same, going on from where a walk was suspended.
pub(super) struct Resume;
impl Features for Resume {
    const EXTRA: bool = true;
    const RESUME: bool = true;
}

/// A walk with [`Extra`] features stops at every crossing after which something is left
/// to do (another milestone, an observed year), saving its state here, and is resumed by
/// [`walk_extended`]. A return and a fresh call instead of a jump back into the loop: with
/// that back-edge the compiler unrolls the loop less, and every trajectory pays for it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Suspended {
    pub(super) resume: bool,
    threshold: f64,
    reached: usize,
    recorded: usize,
    active: u64,
    pending: u64,
    t: f64,
    e: f64,
    total: f64,
}

/// The walk for a model with `nd` drivers and `nb` bottlenecks, with or without the
/// [`Extra`] features.
pub(super) fn walker_for(nd: usize, nb: usize, extra: bool) -> Walker {
    if extra {
        walker_with::<Extra>(nd, nb)
    } else {
        walker_with::<Plain>(nd, nb)
    }
}

fn walker_with<F: Features>(nd: usize, nb: usize) -> Walker {
    macro_rules! fixed {
        ($(($d:literal, $b:literal)),*) => {
            match (nd, nb) {
                $(($d, $b) => if F::EXTRA { walk_extended::<Fixed<$d, $b>> } else { walk::<Fixed<$d, $b>, F> },)*
                _ => if F::EXTRA { walk_extended::<Any> } else { walk::<Any, F> },
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

/// The walk itself (see the module docs), for a model of shape `S`. Returns AGI's
/// arrival; with [`Extra`] features it also fills `w.arrival` (every milestone),
/// `w.observed` and `w.started` (the observed years), walking on after AGI as long as
/// something is left to record.
pub(super) fn walk<S: Shape, F: Features>(
    p: &Plan,
    w: &mut WalkState,
    x: &[f64],
    fired: u64,
) -> Option<f64> {
    let nd = S::drivers(p);
    let nb = S::bottlenecks(p);
    let (start, horizon) = (p.start, p.horizon);
    let nm = p.milestones;
    let no = p.observed;
    // Bits beyond the model's bottlenecks (if a caller passed any) mean nothing.
    let fired = fired & if nb == 0 { 0 } else { u64::MAX >> (64 - nb) };
    // The threshold to reach next: AGI's; with milestones, the lowest not yet reached.
    let mut threshold;
    // With milestones: how many have arrived (`w.order` is the order they are reached).
    let mut reached;
    // With observed years: how many have been recorded.
    let mut recorded;
    // Fired bottlenecks acting now, and those waiting for their onset.
    let mut active;
    let mut pending;
    let mut t;
    let mut e;
    let mut total;
    if F::RESUME {
        let s = w.suspended;
        (threshold, reached, recorded) = (s.threshold, s.reached, s.recorded);
        (active, pending, t, e, total) = (s.active, s.pending, s.t, s.e, s.total);
    } else {
        threshold = x[p.threshold];
        reached = 0;
        recorded = 0;
        if F::EXTRA {
            threshold = prepare_milestones(p, w, x);
        } else if threshold <= 0.0 {
            return Some(start);
        }

        // Bottlenecks that fired: their factors, and whether they act from the start or
        // wait for their onset. The others never act and stay off the calendar.
        active = 0u64;
        pending = 0u64;
        w.bn_at[..nb].fill(f64::INFINITY);
        for_each_bit::<S>(nb, fired, |b| {
            for &(d, f) in &p.effects[p.first[b & B]..p.first[(b & B) + 1]] {
                w.factor[b & B][d & D] = x[f].max(0.0);
            }
            if F::EXTRA && p.milestone_onsets >> b & 1 == 1 {
                // Starts when its milestone arrives (scheduled then).
                pending |= 1 << b;
                return;
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
        total = 0.0;
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
        t = start;
        e = 0.0;
    }
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
        let crossing = if F::EXTRA && reached == nm {
            f64::INFINITY // every milestone has arrived; walking on for observed years
        } else if threshold - e <= ROUNDING * threshold {
            t
        } else if total > 0.0 {
            (t + (threshold - e) / total).max(t)
        } else {
            f64::INFINITY
        };
        if F::EXTRA {
            // Observed years inside this segment, before its crossing and strictly before
            // its next event (an event of the same instant comes first, so that a
            // bottleneck starting then counts as started): every level is linear here.
            while recorded < no {
                let year = p.obs_years[recorded & O];
                if !(year < next && year < crossing && year <= horizon) {
                    break;
                }
                record_levels::<S>(p, w, recorded, year, fired & !pending);
                recorded += 1;
            }
            if reached == nm && recorded == no {
                return arrival_of_agi(w);
            }
        }
        if crossing <= stop {
            if !F::EXTRA {
                return Some(crossing);
            }
            // A milestone arrives; the walk goes on from there while anything is left.
            // The segment's (t, e) stay as they are: the next crossing is computed from
            // them exactly as if this one had not been recorded.
            reached += 1;
            threshold = milestone_reached::<S>(p, w, reached, crossing, pending);
            if reached == nm && recorded == no {
                return arrival_of_agi(w);
            }
            // Suspend; `walk_extended` resumes from here (see `Suspended`).
            w.suspended = Suspended {
                resume: true,
                threshold,
                reached,
                recorded,
                active,
                pending,
                t,
                e,
                total,
            };
            return None;
        }
        // Nothing more happens before the horizon (also catches next = infinity).
        if !(next <= horizon) {
            return if F::EXTRA { arrival_of_agi(w) } else { None };
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

/// The walk with [`Extra`] features: walked, then resumed after each crossing at which
/// it suspended itself, until every milestone has arrived and every observed year is
/// recorded (or the horizon is reached).
pub(super) fn walk_extended<S: Shape>(
    p: &Plan,
    w: &mut WalkState,
    x: &[f64],
    fired: u64,
) -> Option<f64> {
    w.suspended.resume = false;
    let mut arrival = walk::<S, Extra>(p, w, x, fired);
    while w.suspended.resume {
        w.suspended.resume = false;
        arrival = walk::<S, Resume>(p, w, x, fired);
    }
    arrival
}

/// AGI's arrival as the extended walk recorded it.
#[inline]
fn arrival_of_agi(w: &WalkState) -> Option<f64> {
    w.arrival[0].is_finite().then_some(w.arrival[0])
}

/// Each milestone's threshold this trajectory, and the order they are reached in (by
/// threshold, ties in declaration order); returns the lowest. Out of line, like the
/// extended walk's other bookkeeping, so that the walk's own loop stays small enough
/// for the compiler to unroll as in the plain walk.
#[inline(never)]
fn prepare_milestones(p: &Plan, w: &mut WalkState, x: &[f64]) -> f64 {
    let nm = p.milestones;
    for m in 0..nm {
        let t = p.milestone_threshold(x, m, &w.threshold);
        w.threshold[m & M] = t;
        w.arrival[m & M] = f64::INFINITY;
        w.order[m & M] = m;
    }
    // Insertion sort (stable); a handful of milestones.
    for i in 1..nm {
        let mut j = i;
        while j > 0 && w.threshold[w.order[(j - 1) & M] & M] > w.threshold[w.order[j & M] & M] {
            w.order.swap((j - 1) & M, j & M);
            j -= 1;
        }
    }
    w.threshold[w.order[0] & M]
}

/// The `reached`-th milestone arrived at `crossing`: record it, put the bottlenecks that
/// start with it on the calendar, and return the next threshold (infinite after the
/// last).
#[inline(never)]
fn milestone_reached<S: Shape>(
    p: &Plan,
    w: &mut WalkState,
    reached: usize,
    crossing: f64,
    pending: u64,
) -> f64 {
    let m = w.order[(reached - 1) & M];
    w.arrival[m & M] = crossing;
    for_each_bit::<S>(S::bottlenecks(p), pending & p.ms_onsets[m & M], |b| {
        w.bn_at[b & B] = crossing;
    });
    if reached < p.milestones {
        w.threshold[w.order[reached & M] & M]
    } else {
        f64::INFINITY
    }
}

/// Record every level at the `o`-th observed year `year` (inside the current segment,
/// where every driver's level is linear), and the bottlenecks started by then.
#[inline(never)]
fn record_levels<S: Shape>(p: &Plan, w: &mut WalkState, o: usize, year: f64, started: u64) {
    let nd = S::drivers(p);
    let row = &mut w.observed[o & O];
    let mut sum = 0.0;
    for d in 0..nd {
        let level = w.level[d & D] + w.rate[d & D] * (year - w.since[d & D]);
        row[d & D] = level;
        sum += level;
    }
    row[nd & D] = sum;
    w.started[o & O] = started;
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
