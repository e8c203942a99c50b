//! Axes and bars: where the x axis ends, ticks on whole years and nice percentages, the
//! cumulative curve, and bars merged when bins would be too narrow to see.

use super::*;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::prelude::*;

/// Share of the arrivals the x axis must show before it may be cut short of the horizon.
pub(super) const SHOWN_SHARE_OF_ARRIVALS: f64 = 0.99;
/// Narrowest bar drawn, in pixels: finer bins are drawn in groups of whole bins.
pub(super) const MIN_BAR_PIXELS: f64 = 2.5;

/// A year for axis ticks: whole years as integers.
pub(super) fn tick_year(x: f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{}", x.round() as i64)
    } else {
        fmt_year((x * 100.0).round() / 100.0)
    }
}

/// A fractional share as an axis label: `0.25` -> `25%`, `0.005` -> `0.5%`.
pub(super) fn tick_percent(x: f64) -> String {
    let s = format!("{:.3}", x * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
pub(super) fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0) || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let n = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * mag
}

/// Whole-year tick step for a span of years: at most 12 ticks.
pub(super) fn year_step(span: f64) -> f64 {
    const STEPS: &[f64] = &[
        1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 12.0)
        .unwrap_or_else(|| nice_step(span / 12.0).max(1000.0))
}

/// Whole-year ticks within `[x0, x1]`, or the two ends when no whole year lies inside.
pub(super) fn year_ticks(x0: f64, x1: f64) -> Vec<f64> {
    let step = year_step(x1 - x0);
    let mut ticks = Vec::new();
    let mut k = (x0 / step - 1e-9).ceil();
    while k * step <= x1 + 1e-9 && ticks.len() < 100 {
        ticks.push(k * step);
        k += 1.0;
    }
    if ticks.len() < 2 {
        ticks = vec![x0, x1];
    }
    ticks
}

/// Where the x axis of these bins should end: the first bin edge by which
/// `SHOWN_SHARE_OF_ARRIVALS` of the arrivals happened (at least `must_show`), rounded up
/// to a tick, and never past the horizon. Returns the end and whether it cuts the range.
pub(super) fn axis_end(bins: &[ChartBin], start: f64, horizon: f64, must_show: f64) -> f64 {
    let horizon = if horizon > start {
        horizon
    } else {
        start + 1.0
    };
    let arrived = bins.last().map_or(0.0, |b| b.cumulative);
    if !(arrived > 0.0) {
        return horizon;
    }
    let target = SHOWN_SHARE_OF_ARRIVALS * arrived;
    let cut = bins
        .iter()
        .find(|b| b.cumulative >= target * (1.0 - 1e-12))
        .map_or(horizon, |b| b.year_end)
        .max(must_show);
    let step = year_step(cut - start);
    let end = ((cut / step - 1e-9).ceil() * step).min(horizon);
    // never a uselessly short axis: at least a year (or the whole range if shorter)
    end.max((start + 1.0).min(horizon))
}

/// Cumulative share at year `x` (linear within a bin; exact at bin edges).
pub(super) fn cumulative_at(bins: &[ChartBin], x: f64) -> f64 {
    let mut before = 0.0;
    for b in bins {
        if x >= b.year_end {
            before = b.cumulative;
            continue;
        }
        if x <= b.year_start {
            break;
        }
        let w = b.year_end - b.year_start;
        return before + b.probability * ((x - b.year_start) / w).clamp(0.0, 1.0);
    }
    before
}

/// The cumulative curve from `x0` to `x1`: bin edges, plus the ends.
pub(super) fn cumulative_points(bins: &[ChartBin], x0: f64, x1: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(x0, cumulative_at(bins, x0))];
    for b in bins {
        if b.year_end > x0 && b.year_end < x1 {
            pts.push((b.year_end, b.cumulative));
        }
    }
    pts.push((x1, cumulative_at(bins, x1)));
    pts
}

/// A linear axis whose ticks are exactly the given values (whole years, nice
/// percentages): plotters' own f64 axis picks fractional ticks on short spans.
#[derive(Clone, Debug)]
pub(super) struct TickedAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    pub(super) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> TickedAxis {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        TickedAxis { lo, hi, ticks }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let f = (value - self.lo) / (self.hi - self.lo);
        let px = limit.0 as f64 + f * (limit.1 - limit.0) as f64;
        px.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for TickedAxis {
    fn format(value: &f64) -> String {
        fmt_year(*value)
    }
}

/// A drawn bar: `[x0, x1)` and probability per year, clipped to the axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Bar {
    pub(super) x0: f64,
    pub(super) x1: f64,
    pub(super) density: f64,
}

/// Bars within `[x0, x1]`, merging runs of `k` whole bins when bins would be narrower
/// than `MIN_BAR_PIXELS` (density is probability per year, so merging keeps heights
/// comparable). Returns the bars and `k`.
pub(super) fn bars(bins: &[ChartBin], x0: f64, x1: f64, plot_px: f64) -> (Vec<Bar>, usize) {
    let visible: Vec<&ChartBin> = bins
        .iter()
        .filter(|b| b.year_end > x0 && b.year_start < x1 && b.year_end > b.year_start)
        .collect();
    let typical = visible
        .iter()
        .map(|b| b.year_end - b.year_start)
        .fold(0.0, f64::max);
    let px_per_bin = typical / (x1 - x0) * plot_px;
    let k = if px_per_bin > 0.0 && px_per_bin < MIN_BAR_PIXELS {
        (MIN_BAR_PIXELS / px_per_bin).ceil() as usize
    } else {
        1
    };
    let out = visible
        .chunks(k)
        .filter_map(|group| {
            let first = group.first()?;
            let last = group.last()?;
            let (lo, hi) = (first.year_start, last.year_end);
            let p: f64 = group.iter().map(|b| b.probability).sum();
            let density = p / (hi - lo);
            Some(Bar {
                x0: lo.max(x0),
                x1: hi.min(x1),
                density,
            })
        })
        .filter(|b| b.x1 > b.x0)
        .collect();
    (out, k)
}
