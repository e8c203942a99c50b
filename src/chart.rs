//! Charts of a run as pure functions returning bytes: SVG and PNG, nothing written here.
//!
//! Two charts:
//! - the **arrival-year chart** of one run: the density as bars (probability per year,
//!   i.e. a bin's probability divided by its width, so 1-year and 1-month bins look
//!   alike), the cumulative probability as a line on a right-hand 0-100% axis, dashed
//!   markers at p10/p50/p90, and the share "not by the horizon" stated in words;
//! - the **comparison chart**: one cumulative curve per scenario, with a legend.
//!
//! The x axis runs from the start to the year by which 99% of the arrivals have
//! happened (rounded up to a tick), or to the horizon if that is sooner, so a long thin
//! tail does not squash the interesting decades; the footer says where the axis was
//! cut and the header always states the share not by the horizon.
//!
//! Text is drawn with DejaVu Sans embedded in the binary (`assets/DejaVuSans.ttf`,
//! licence in `assets/DejaVuSans-LICENSE.txt`) through plotters' `ab_glyph` renderer,
//! so a PNG needs no system font library. In SVG, text stays `<text>` elements in the
//! viewer's sans-serif font.

use crate::engine::Tally;
use crate::histogram::{ArrivalHistogram, BinWidth};
use crate::model::Model;
use crate::report::{self, BinRow};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

/// Width of every chart, in pixels (PNG) or user units (SVG).
pub const WIDTH: u32 = 1200;
/// Height of every chart.
pub const HEIGHT: u32 = 720;

/// DejaVu Sans 2.37 (Bitstream Vera licence, public-domain DejaVu changes).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// The family the font is registered under; also what SVG viewers are asked for.
const FAMILY: &str = "sans-serif";

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x5f, 0x5f, 0x5f);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
const GRID_STRONG: RGBColor = RGBColor(0xb8, 0xb8, 0xb8);
const BAR_FILL: RGBColor = RGBColor(0x9e, 0xc3, 0xe6);
const BAR_EDGE: RGBColor = RGBColor(0x4f, 0x86, 0xbd);
const CUMULATIVE: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
const MARKER: RGBColor = RGBColor(0x3a, 0x3a, 0x3a);
/// Okabe & Ito's colour-blind-safe palette (Okabe and Ito 2008, "Color Universal
/// Design"), yellow left out for contrast on white.
const SERIES: &[RGBColor] = &[
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x00, 0x00),
];

/// Share of the arrivals the x axis must show before it may be cut short of the horizon.
const SHOWN_SHARE_OF_ARRIVALS: f64 = 0.99;
/// Narrowest bar drawn, in pixels: finer bins are drawn in groups of whole bins.
const MIN_BAR_PIXELS: f64 = 2.5;

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG failed: {0}")]
    Png(String),
}

fn draw_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

/// One bin of the arrival-year distribution, as shares of all trajectories.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartBin {
    pub year_start: f64,
    pub year_end: f64,
    /// Share of all trajectories arriving in `[year_start, year_end)`.
    pub probability: f64,
    /// Share of all trajectories arriving before `year_end`.
    pub cumulative: f64,
}

/// The bins of a histogram as shares of all trajectories (not-by-horizon included in
/// the denominator), from the same bin rows as `histogram.csv`.
pub fn chart_bins(h: &ArrivalHistogram, bin: BinWidth) -> Vec<ChartBin> {
    let n = h.total();
    let share = |c: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    report::bins(h, bin)
        .into_iter()
        .map(|r: BinRow| ChartBin {
            year_start: r.year_start,
            year_end: r.year_end,
            probability: share(r.count),
            cumulative: share(r.cumulative),
        })
        .collect()
}

/// Everything the arrival-year chart shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartInput {
    /// The scenario name.
    pub title: String,
    /// Provenance, e.g. "1,000,000 trajectories · seed 42 · 1-year bins".
    pub caption: String,
    pub bins: Vec<ChartBin>,
    /// Marked percentiles, e.g. `("p50", Some(2031.4))`; `None` lies beyond the horizon.
    pub percentiles: Vec<(String, Option<f64>)>,
    /// Share of trajectories that did not arrive by the horizon.
    pub not_by_horizon: f64,
    pub start: f64,
    pub horizon: f64,
}

/// Percentiles marked on the arrival-year chart.
pub const MARKED_PERCENTILES: &[u32] = &[10, 50, 90];

impl ChartInput {
    /// The chart of a finished run.
    pub fn from_run(model: &Model, tally: &Tally, bin: BinWidth, seed: u64) -> ChartInput {
        ChartInput::from_histogram(&model.name, &tally.histogram, bin, seed)
    }

    /// The chart of an arrival histogram, titled `title`.
    pub fn from_histogram(
        title: &str,
        h: &ArrivalHistogram,
        bin: BinWidth,
        seed: u64,
    ) -> ChartInput {
        let n = h.total();
        ChartInput {
            title: title.to_string(),
            caption: format!(
                "{} trajectories · seed {seed} · {}",
                fmt_count(n),
                bin_phrase(bin)
            ),
            bins: chart_bins(h, bin),
            percentiles: MARKED_PERCENTILES
                .iter()
                .map(|&p| (format!("p{p}"), h.quantile(p as f64 / 100.0)))
                .collect(),
            not_by_horizon: if n == 0 {
                0.0
            } else {
                h.not_by_horizon as f64 / n as f64
            },
            start: h.grid.start,
            horizon: h.grid.horizon,
        }
    }
}

/// A count for chart text: `1234567` -> `1,234,567`.
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1-year bins", "monthly bins", ...
fn bin_phrase(bin: BinWidth) -> String {
    match bin {
        BinWidth::Years(n) => format!("{n}-year bins"),
        BinWidth::Fraction(4) => "quarterly bins".into(),
        BinWidth::Fraction(12) => "monthly bins".into(),
        BinWidth::Fraction(52) => "weekly bins".into(),
        BinWidth::Fraction(365) => "daily bins".into(),
        BinWidth::Fraction(m) => format!("1/{m}-year bins"),
    }
}

/// A share as a percentage for text: `3.4%`, `<0.1%`, `0%`, `100%`.
fn percent(p: f64) -> String {
    if p <= 0.0 {
        "0%".into()
    } else if p < 0.0005 {
        "<0.1%".into()
    } else if p >= 1.0 {
        "100%".into()
    } else if p > 0.9995 {
        ">99.9%".into()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// A year for axis ticks: whole years as integers.
fn tick_year(x: f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{}", x.round() as i64)
    } else {
        report::fmt_year((x * 100.0).round() / 100.0)
    }
}

/// A fractional share as an axis label: `0.25` -> `25%`, `0.005` -> `0.5%`.
fn tick_percent(x: f64) -> String {
    let s = format!("{:.3}", x * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
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
fn year_step(span: f64) -> f64 {
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
fn year_ticks(x0: f64, x1: f64) -> Vec<f64> {
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
fn axis_end(bins: &[ChartBin], start: f64, horizon: f64, must_show: f64) -> f64 {
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
fn cumulative_at(bins: &[ChartBin], x: f64) -> f64 {
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
fn cumulative_points(bins: &[ChartBin], x0: f64, x1: f64) -> Vec<(f64, f64)> {
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
struct TickedAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> TickedAxis {
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
        report::fmt_year(*value)
    }
}

/// A drawn bar: `[x0, x1)` and probability per year, clipped to the axis.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bar {
    x0: f64,
    x1: f64,
    density: f64,
}

/// Bars within `[x0, x1]`, merging runs of `k` whole bins when bins would be narrower
/// than `MIN_BAR_PIXELS` (density is probability per year, so merging keeps heights
/// comparable). Returns the bars and `k`.
fn bars(bins: &[ChartBin], x0: f64, x1: f64, plot_px: f64) -> (Vec<Bar>, usize) {
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

/// Drawing scale: 1 for SVG; 2 for PNG, drawn at twice the size and averaged down, which
/// smooths the lines (plotters' bitmap lines are not anti-aliased).
#[derive(Clone, Copy, Debug)]
struct Scale(i32);

impl Scale {
    /// A length in pixels.
    fn px(self, v: i32) -> i32 {
        v * self.0
    }
    /// A font size.
    fn pt(self, size: f64) -> f64 {
        size * self.0 as f64
    }
    /// A stroke width.
    fn w(self, stroke: u32) -> u32 {
        stroke * self.0 as u32
    }
}

fn font(size: f64) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

fn text_style(size: f64, color: &'static RGBColor, pos: Pos) -> TextStyle<'static> {
    font(size).color(color).pos(pos)
}

const TOP_LEFT: Pos = Pos {
    h_pos: HPos::Left,
    v_pos: VPos::Top,
};
const TOP_RIGHT: Pos = Pos {
    h_pos: HPos::Right,
    v_pos: VPos::Top,
};
const CENTER: Pos = Pos {
    h_pos: HPos::Center,
    v_pos: VPos::Center,
};

/// Register the embedded font once; every chart needs it to measure text.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// One entry of a legend drawn in the header.
enum Swatch {
    Bar,
    Line(RGBColor),
    Dashed,
}

/// Draw a legend from `x`, `y` (top left) on one or more rows no wider than `max_x`;
/// returns the y below the last row.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    entries: &[(Swatch, String)],
    x: i32,
    y: i32,
    max_x: i32,
) -> Result<i32, ChartError> {
    let style = text_style(s.pt(15.0), &INK, TOP_LEFT);
    let row_h = s.px(24);
    let (mut cx, mut cy) = (x, y);
    for (swatch, label) in entries {
        let (tw, _) = root.estimate_text_size(label, &style).map_err(draw_err)?;
        let w = s.px(38) + tw as i32;
        if cx > x && cx + w > max_x {
            cx = x;
            cy += row_h;
        }
        let mid = cy + s.px(9);
        match swatch {
            Swatch::Bar => {
                root.draw(&Rectangle::new(
                    [
                        (cx + s.px(4), mid - s.px(7)),
                        (cx + s.px(26), mid + s.px(7)),
                    ],
                    BAR_FILL.filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Rectangle::new(
                    [
                        (cx + s.px(4), mid - s.px(7)),
                        (cx + s.px(26), mid + s.px(7)),
                    ],
                    BAR_EDGE.stroke_width(s.w(1)),
                ))
                .map_err(draw_err)?;
            }
            Swatch::Line(c) => {
                root.draw(&PathElement::new(
                    vec![(cx, mid), (cx + s.px(30), mid)],
                    c.stroke_width(s.w(3)),
                ))
                .map_err(draw_err)?;
            }
            Swatch::Dashed => {
                root.draw(&DashedPathElement::new(
                    vec![
                        (cx + s.px(15), mid - s.px(9)),
                        (cx + s.px(15), mid + s.px(10)),
                    ],
                    s.px(5),
                    s.px(3),
                    MARKER.stroke_width(s.w(2)),
                ))
                .map_err(draw_err)?;
            }
        }
        root.draw(&Text::new(
            label.clone(),
            (cx + s.px(38), cy),
            style.clone(),
        ))
        .map_err(draw_err)?;
        cx += w + s.px(28);
    }
    Ok(cy + row_h)
}

/// Title, then a subtitle line; returns the y below them.
fn draw_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    title: &str,
    subtitle: &str,
) -> Result<i32, ChartError> {
    root.draw(&Text::new(
        title.to_string(),
        (s.px(30), s.px(18)),
        text_style(s.pt(26.0), &INK, TOP_LEFT),
    ))
    .map_err(draw_err)?;
    root.draw(&Text::new(
        subtitle.to_string(),
        (s.px(30), s.px(56)),
        text_style(s.pt(17.0), &MUTED, TOP_LEFT),
    ))
    .map_err(draw_err)?;
    Ok(s.px(88))
}

/// Footer: provenance on the left, a note on the right.
fn draw_footer<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    left: &str,
    right: &str,
) -> Result<(), ChartError> {
    let y = s.px(HEIGHT as i32 - 30);
    root.draw(&Text::new(
        left.to_string(),
        (s.px(30), y),
        text_style(s.pt(14.0), &MUTED, TOP_LEFT),
    ))
    .map_err(draw_err)?;
    root.draw(&Text::new(
        right.to_string(),
        (s.px(WIDTH as i32 - 30), y),
        text_style(s.pt(14.0), &MUTED, TOP_RIGHT),
    ))
    .map_err(draw_err)?;
    Ok(())
}

/// The footer note about where the x axis ends.
fn axis_note(bins: &[ChartBin], x1: f64, horizon: f64) -> String {
    let arrived = bins.last().map_or(0.0, |b| b.cumulative);
    if x1 < horizon && arrived > 0.0 {
        let shown = (cumulative_at(bins, x1) / arrived).min(1.0);
        format!(
            "Axis ends at {}, by which {} of arrivals happened; the horizon is {}",
            tick_year(x1),
            percent(shown),
            report::fmt_year(horizon)
        )
    } else {
        String::new()
    }
}

fn draw_density<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    input: &ChartInput,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let start = input.start;
    let horizon = if input.horizon > start {
        input.horizon
    } else {
        start + 1.0
    };
    let hz = report::fmt_year(input.horizon);
    let marked: Vec<(String, f64)> = input
        .percentiles
        .iter()
        .filter_map(|(l, y)| y.filter(|y| y.is_finite()).map(|y| (l.clone(), y)))
        .collect();
    let must_show = marked.iter().map(|m| m.1).fold(start, f64::max) + 0.5;
    let x0 = start;
    let x1 = axis_end(&input.bins, start, horizon, must_show);

    // header: percentiles and the share not by the horizon, in words
    let mut parts: Vec<String> = input
        .percentiles
        .iter()
        .map(|(l, y)| match y {
            Some(y) => format!("{l} {y:.1}"),
            None => format!("{l} after {hz}"),
        })
        .collect();
    parts.push(format!("Not by {hz}: {}", percent(input.not_by_horizon)));
    let subtitle = format!("AGI arrival year: {}", parts.join("  ·  "));
    let y = draw_heading(root, s, &input.title, &subtitle)?;
    let legend = [
        (Swatch::Bar, "Probability per year (left axis)".to_string()),
        (
            Swatch::Line(CUMULATIVE),
            "Cumulative probability (right axis)".to_string(),
        ),
        (Swatch::Dashed, "Percentiles".to_string()),
    ];
    let y = draw_legend(root, s, &legend, s.px(30), y, s.px(WIDTH as i32 - 30))?;

    let plot = root.margin(y + s.px(6), s.px(42), s.px(10), s.px(10));
    let plot_px = (WIDTH as i32 - 20 - 180) as f64;
    let (mut bars, merged) = bars(&input.bins, x0, x1, plot_px);
    bars.retain(|b| b.density > 0.0);

    // left axis: nice ticks up to the tallest bar; the top sixth is kept for labels
    let tallest = bars.iter().map(|b| b.density).fold(0.0, f64::max);
    let tallest = if tallest > 0.0 { tallest } else { 0.01 };
    let step = nice_step(tallest / 5.0);
    let top_tick = (tallest / step - 1e-9).ceil() * step;
    let headroom = 1.2;
    let y_ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|v| *v <= top_tick * (1.0 + 1e-9))
        .collect();
    let x_ticks = year_ticks(x0, x1);
    let x_fmt = |x: &f64| tick_year(*x);
    let y_fmt = |v: &f64| tick_percent(*v);
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(s.px(58))
        .y_label_area_size(s.px(90))
        .right_y_label_area_size(s.px(90))
        .build_cartesian_2d(
            TickedAxis::new(x0, x1, x_ticks.clone()),
            TickedAxis::new(0.0, top_tick * headroom, y_ticks),
        )
        .map_err(draw_err)?
        .set_secondary_coord(
            TickedAxis::new(x0, x1, x_ticks),
            TickedAxis::new(0.0, headroom, vec![0.0, 0.25, 0.5, 0.75, 1.0]),
        );
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID.stroke_width(s.w(1)))
        .axis_style(MUTED.stroke_width(s.w(1)))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(font(s.pt(15.0)).color(&INK))
        .axis_desc_style(font(s.pt(16.0)).color(&INK))
        .x_desc("Year of AGI arrival")
        .y_desc("Probability per year")
        .draw()
        .map_err(draw_err)?;
    chart
        .configure_secondary_axes()
        .axis_style(MUTED.stroke_width(s.w(1)))
        .y_label_formatter(&y_fmt)
        .label_style(font(s.pt(15.0)).color(&INK))
        .axis_desc_style(font(s.pt(16.0)).color(&INK))
        .y_desc("Cumulative probability")
        .draw()
        .map_err(draw_err)?;

    let wide = bars
        .first()
        .map(|b| {
            chart.backend_coord(&(b.x1, 0.0)).0 - chart.backend_coord(&(b.x0, 0.0)).0 >= s.px(6)
        })
        .unwrap_or(false);
    chart
        .draw_series(
            bars.iter()
                .map(|b| Rectangle::new([(b.x0, 0.0), (b.x1, b.density)], BAR_FILL.filled())),
        )
        .map_err(draw_err)?;
    if wide {
        chart
            .draw_series(bars.iter().map(|b| {
                Rectangle::new(
                    [(b.x0, 0.0), (b.x1, b.density)],
                    BAR_EDGE.stroke_width(s.w(1)),
                )
            }))
            .map_err(draw_err)?;
    }

    // percentile markers: dashed lines, labels staggered in the headroom band
    let (_, py) = chart.plotting_area().get_pixel_range();
    let (plot_left, plot_right) = (
        chart.backend_coord(&(x0, 0.0)).0,
        chart.backend_coord(&(x1, 0.0)).0,
    );
    let label_style = text_style(s.pt(15.0), &INK, TOP_LEFT);
    let mut row_ends = [i32::MIN; 3];
    for (label, year) in marked.iter().filter(|(_, y)| *y >= x0 && *y <= x1) {
        let text = format!("{label} {year:.1}");
        let (tw, th) = root
            .estimate_text_size(&text, &label_style)
            .map_err(draw_err)?;
        let (tw, th) = (tw as i32, th as i32);
        let px = chart.backend_coord(&(*year, 0.0)).0;
        let left = if px + s.px(10) + tw <= plot_right {
            px + s.px(6)
        } else {
            (px - s.px(6) - tw).max(plot_left + s.px(2))
        };
        let row = (0..row_ends.len())
            .find(|&r| row_ends[r] + s.px(8) <= left)
            .unwrap_or_else(|| {
                (0..row_ends.len())
                    .min_by_key(|&r| row_ends[r])
                    .unwrap_or(0)
            });
        row_ends[row] = left + tw;
        let ty = py.start + s.px(6) + row as i32 * (th + s.px(8));
        root.draw(&DashedPathElement::new(
            vec![(px, py.end), (px, ty)],
            s.px(6),
            s.px(4),
            MARKER.stroke_width(s.w(2)),
        ))
        .map_err(draw_err)?;
        root.draw(&Rectangle::new(
            [
                (left - s.px(3), ty - s.px(2)),
                (left + tw + s.px(3), ty + th + s.px(4)),
            ],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(text, (left, ty), label_style.clone()))
            .map_err(draw_err)?;
    }

    chart
        .draw_secondary_series(LineSeries::new(
            cumulative_points(&input.bins, x0, x1),
            CUMULATIVE.stroke_width(s.w(3)),
        ))
        .map_err(draw_err)?;

    if !input.bins.iter().any(|b| b.probability > 0.0) {
        let (px, _) = chart.plotting_area().get_pixel_range();
        root.draw(&Text::new(
            format!("No trajectory arrived by {hz}"),
            ((px.start + px.end) / 2, (py.start + py.end) / 2),
            text_style(s.pt(20.0), &MUTED, CENTER),
        ))
        .map_err(draw_err)?;
    }

    let mut note = axis_note(&input.bins, x1, input.horizon);
    if merged > 1 {
        let sep = if note.is_empty() { "" } else { " · " };
        note = format!("{note}{sep}bars merge {merged} bins each");
    }
    draw_footer(root, s, &input.caption, &note)?;
    root.present().map_err(draw_err)?;
    Ok(())
}

/// One scenario's curve on the comparison chart, from `x0` to `x1` or to its own
/// horizon if that comes first: past its horizon a scenario says nothing, and a flat line
/// there would read as "no more arrivals".
fn compare_curve(bins: &[ChartBin], x0: f64, x1: f64) -> Vec<(f64, f64)> {
    let end = bins.last().map_or(x1, |b| b.year_end).min(x1).max(x0);
    cumulative_points(bins, x0, end)
}

fn draw_compare<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    title: &str,
    caption: &str,
    series: &[(String, Vec<ChartBin>)],
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let drawn: Vec<&(String, Vec<ChartBin>)> =
        series.iter().filter(|(_, b)| !b.is_empty()).collect();
    let start = drawn
        .iter()
        .filter_map(|(_, b)| b.first().map(|b| b.year_start))
        .fold(f64::INFINITY, f64::min);
    let horizon = drawn
        .iter()
        .filter_map(|(_, b)| b.last().map(|b| b.year_end))
        .fold(f64::NEG_INFINITY, f64::max);
    let (x0, horizon) = if start.is_finite() && horizon.is_finite() {
        (start, horizon.max(start + 1.0))
    } else {
        (2020.0, 2100.0)
    };
    let x1 = drawn
        .iter()
        .map(|(_, b)| axis_end(b, x0, b.last().map_or(horizon, |l| l.year_end), x0))
        .fold(x0 + 1.0, f64::max)
        .min(horizon);

    let y = draw_heading(
        root,
        s,
        title,
        "Cumulative probability of AGI by year, one curve per scenario",
    )?;
    let legend: Vec<(Swatch, String)> = drawn
        .iter()
        .enumerate()
        .map(|(i, (name, bins))| {
            let end = bins.last().map_or(horizon, |b| b.year_end);
            let arrived = bins.last().map_or(0.0, |b| b.cumulative);
            (
                Swatch::Line(SERIES[i % SERIES.len()]),
                format!(
                    "{name} (not by {}: {})",
                    report::fmt_year(end),
                    percent(1.0 - arrived)
                ),
            )
        })
        .collect();
    let y = draw_legend(root, s, &legend, s.px(30), y, s.px(WIDTH as i32 - 30))?;

    let plot = root.margin(y + s.px(6), s.px(42), s.px(10), s.px(40));
    let x_ticks = year_ticks(x0, x1);
    let y_ticks: Vec<f64> = (0..=10).map(|i| i as f64 / 10.0).collect();
    let x_fmt = |x: &f64| tick_year(*x);
    let y_fmt = |v: &f64| tick_percent(*v);
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(s.px(58))
        .y_label_area_size(s.px(90))
        .build_cartesian_2d(
            TickedAxis::new(x0, x1, x_ticks),
            TickedAxis::new(0.0, 1.03, y_ticks),
        )
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID.stroke_width(s.w(1)))
        .axis_style(MUTED.stroke_width(s.w(1)))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(font(s.pt(15.0)).color(&INK))
        .axis_desc_style(font(s.pt(16.0)).color(&INK))
        .x_desc("Year of AGI arrival")
        .y_desc("Probability AGI has arrived")
        .draw()
        .map_err(draw_err)?;
    // the median line, a little stronger: where each curve crosses it is its median
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(x0, 0.5), (x1, 0.5)],
            GRID_STRONG.stroke_width(s.w(1)),
        )))
        .map_err(draw_err)?;
    for (i, (_, bins)) in drawn.iter().enumerate() {
        let c = SERIES[i % SERIES.len()];
        chart
            .draw_series(LineSeries::new(
                compare_curve(bins, x0, x1),
                c.stroke_width(s.w(3)),
            ))
            .map_err(draw_err)?;
    }
    if drawn.is_empty() {
        let (px, py) = chart.plotting_area().get_pixel_range();
        root.draw(&Text::new(
            "No scenario to compare".to_string(),
            ((px.start + px.end) / 2, (py.start + py.end) / 2),
            text_style(s.pt(20.0), &MUTED, CENTER),
        ))
        .map_err(draw_err)?;
    }
    let note = if x1 < horizon {
        format!(
            "Axis ends at {}, by which 99% of each scenario's arrivals happened; the horizon is {}",
            tick_year(x1),
            report::fmt_year(horizon)
        )
    } else {
        String::new()
    };
    draw_footer(root, s, caption, &note)?;
    root.present().map_err(draw_err)?;
    Ok(())
}

/// Draw into an SVG string; on an internal error (never expected: the font is
/// embedded) a small SVG that says what went wrong, so callers always get a file.
fn render_svg(
    title: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>, Scale) -> Result<(), ChartError>,
) -> Vec<u8> {
    let mut svg = String::new();
    let result = ensure_font().and_then(|()| {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, Scale(1))
    });
    match result {
        Ok(()) => svg.into_bytes(),
        Err(e) => {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            format!(
                "<svg width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                 <text x=\"30\" y=\"40\" font-family=\"sans-serif\" font-size=\"24\">{}</text>\n\
                 <text x=\"30\" y=\"80\" font-family=\"sans-serif\" font-size=\"16\">{}</text>\n</svg>\n",
                esc(title),
                esc(&e.to_string())
            )
            .into_bytes()
        }
    }
}

/// The PNG backend: plotters' bitmap backend with its text drawing replaced.
mod canvas {
    use super::{ChartError, FONT};
    use plotters::prelude::BitMapBackend;
    use plotters::style::text_anchor::{HPos, VPos};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend,
        DrawingErrorKind,
    };
    use std::sync::OnceLock;

    /// A bitmap backend that draws text itself. plotters 0.3.7's `ab_glyph` renderer
    /// places each glyph at its advance origin but drops the glyph's left side bearing, so
    /// narrow letters ("i", "l", "1") get a visible gap after them; this draws the same
    /// layout (advances plus kerning, the box plotters measures) with each glyph at its
    /// true position, and the capitals centred in the box. Everything else is delegated.
    pub(super) struct PngCanvas<'a> {
        pub(super) inner: BitMapBackend<'a>,
        pub(super) font: &'static ab_glyph::FontRef<'static>,
    }

    pub(super) fn embedded_font() -> Result<&'static ab_glyph::FontRef<'static>, ChartError> {
        static PARSED: OnceLock<Option<ab_glyph::FontRef<'static>>> = OnceLock::new();
        PARSED
            .get_or_init(|| ab_glyph::FontRef::try_from_slice(FONT).ok())
            .as_ref()
            .ok_or(ChartError::Font)
    }

    type BackendResult<E> = Result<(), DrawingErrorKind<E>>;

    impl<'a> DrawingBackend for PngCanvas<'a> {
        type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

        fn get_size(&self) -> (u32, u32) {
            self.inner.get_size()
        }
        fn ensure_prepared(&mut self) -> BackendResult<Self::ErrorType> {
            self.inner.ensure_prepared()
        }
        fn present(&mut self) -> BackendResult<Self::ErrorType> {
            self.inner.present()
        }
        fn draw_pixel(
            &mut self,
            p: BackendCoord,
            c: BackendColor,
        ) -> BackendResult<Self::ErrorType> {
            self.inner.draw_pixel(p, c)
        }
        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> BackendResult<Self::ErrorType> {
            self.inner.draw_line(from, to, style)
        }
        fn draw_rect<S: BackendStyle>(
            &mut self,
            upper_left: BackendCoord,
            bottom_right: BackendCoord,
            style: &S,
            fill: bool,
        ) -> BackendResult<Self::ErrorType> {
            self.inner.draw_rect(upper_left, bottom_right, style, fill)
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> BackendResult<Self::ErrorType> {
            self.inner.draw_path(path, style)
        }
        fn draw_circle<S: BackendStyle>(
            &mut self,
            center: BackendCoord,
            radius: u32,
            style: &S,
            fill: bool,
        ) -> BackendResult<Self::ErrorType> {
            self.inner.draw_circle(center, radius, style, fill)
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> BackendResult<Self::ErrorType> {
            self.inner.fill_polygon(vert, style)
        }
        fn blit_bitmap(
            &mut self,
            pos: BackendCoord,
            size: (u32, u32),
            src: &[u8],
        ) -> BackendResult<Self::ErrorType> {
            self.inner.blit_bitmap(pos, size, src)
        }

        fn draw_text<S: BackendTextStyle>(
            &mut self,
            text: &str,
            style: &S,
            pos: BackendCoord,
        ) -> BackendResult<Self::ErrorType> {
            use ab_glyph::{Font, ScaleFont, point};
            let color = style.color();
            if color.alpha == 0.0 {
                return Ok(());
            }
            // the box plotters measured (and laid the chart out with)
            let ((min_x, min_y), (max_x, max_y)) = style
                .layout_box(text)
                .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
            let (width, height) = (max_x - min_x, max_y - min_y);
            let dx = match style.anchor().h_pos {
                HPos::Left => 0,
                HPos::Right => -width,
                HPos::Center => -width / 2,
            };
            let dy = match style.anchor().v_pos {
                VPos::Top => 0,
                VPos::Center => -height / 2,
                VPos::Bottom => -height,
            };
            let font = self.font;
            let scaled = font.as_scaled(style.size() as f32);
            let cap = font
                .outline_glyph(scaled.scaled_glyph('H'))
                .map_or(0.7 * style.size() as f32, |g| -g.px_bounds().min.y);
            let baseline = (height as f32 + cap) / 2.0;
            let trans = style.transform();
            let (w, h) = self.get_size();
            let mut caret = 0f32;
            let mut prev = None;
            for c in text.chars() {
                let id = scaled.glyph_id(c);
                if let Some(p) = prev {
                    caret += scaled.kern(p, id);
                }
                prev = Some(id);
                let glyph = id.with_scale_and_position(scaled.scale(), point(caret, baseline));
                caret += scaled.h_advance(id);
                let Some(outline) = font.outline_glyph(glyph) else {
                    continue;
                };
                let b = outline.px_bounds();
                let mut pixels = Vec::new();
                outline.draw(|gx, gy, coverage| pixels.push((gx, gy, coverage)));
                for (gx, gy, coverage) in pixels {
                    if coverage <= 0.0 {
                        continue;
                    }
                    let x = b.min.x as i32 + gx as i32;
                    let y = b.min.y as i32 + gy as i32;
                    let (x, y) = trans.transform(x + dx, y + dy);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                        self.inner.draw_pixel(
                            (x, y),
                            BackendColor {
                                alpha: color.alpha * coverage.min(1.0) as f64,
                                rgb: color.rgb,
                            },
                        )?;
                    }
                }
            }
            Ok(())
        }
    }
}
use canvas::{PngCanvas, embedded_font};

/// Draw into an RGB buffer and encode it as PNG.
fn render_png(
    draw: impl FnOnce(&DrawingArea<PngCanvas, Shift>, Scale) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    const K: usize = 2;
    ensure_font()?;
    let font = embedded_font()?;
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut big = vec![255u8; w * K * h * K * 3];
    {
        let canvas = PngCanvas {
            inner: BitMapBackend::with_buffer(&mut big, (WIDTH * K as u32, HEIGHT * K as u32)),
            font,
        };
        let root = canvas.into_drawing_area();
        draw(&root, Scale(K as i32))?;
    }
    // average each K x K block: anti-aliasing by supersampling
    let mut rgb = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..K {
                    for dx in 0..K {
                        sum += big[((y * K + dy) * w * K + x * K + dx) * 3 + c] as u32;
                    }
                }
                rgb[(y * w + x) * 3 + c] = ((sum + (K * K) as u32 / 2) / (K * K) as u32) as u8;
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| ChartError::Png(e.to_string()))?;
    writer
        .write_image_data(&rgb)
        .map_err(|e| ChartError::Png(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| ChartError::Png(e.to_string()))?;
    Ok(out)
}

/// The arrival-year chart as SVG.
pub fn chart_svg(input: &ChartInput) -> Vec<u8> {
    render_svg(&input.title, |root, s| draw_density(root, s, input))
}

/// The arrival-year chart as PNG (`WIDTH` x `HEIGHT`).
pub fn chart_png(input: &ChartInput) -> Result<Vec<u8>, ChartError> {
    render_png(|root, s| draw_density(root, s, input))
}

/// The comparison chart as SVG: one cumulative curve per `(scenario name, bins)`.
pub fn compare_chart_svg(
    title: &str,
    caption: &str,
    series: &[(String, Vec<ChartBin>)],
) -> Vec<u8> {
    render_svg(title, |root, s| {
        draw_compare(root, s, title, caption, series)
    })
}

/// The comparison chart as PNG (`WIDTH` x `HEIGHT`).
pub fn compare_chart_png(
    title: &str,
    caption: &str,
    series: &[(String, Vec<ChartBin>)],
) -> Result<Vec<u8>, ChartError> {
    render_png(|root, s| draw_compare(root, s, title, caption, series))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunSpec, Silent, simulate};
    use crate::histogram::Grid;

    const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert!(bytes.starts_with(PNG_SIGNATURE));
        let reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .expect("a valid PNG");
        (reader.info().width, reader.info().height)
    }

    fn svg_text(input: &ChartInput) -> String {
        String::from_utf8(chart_svg(input)).expect("SVG is UTF-8")
    }

    /// A histogram over `[start, horizon]` with the given arrivals (`None`: not by horizon).
    fn histogram(
        start: f64,
        horizon: f64,
        bin: BinWidth,
        arrivals: &[Option<f64>],
    ) -> ArrivalHistogram {
        let mut h = ArrivalHistogram::new(Grid::new(start, horizon, bin).unwrap());
        for &a in arrivals {
            h.record(a);
        }
        h
    }

    /// On the comparison chart a scenario with an earlier horizon ends there, instead of
    /// running flat to the axis end as if nothing more could arrive.
    #[test]
    fn a_compare_curve_stops_at_its_own_horizon() {
        let bin = BinWidth::Years(1);
        let short = chart_bins(
            &histogram(2025.0, 2060.0, bin, &spread(2026.0, 2070.0, 100)),
            bin,
        );
        let long = chart_bins(
            &histogram(2025.0, 2100.0, bin, &spread(2026.0, 2070.0, 100)),
            bin,
        );
        let last_x = |pts: Vec<(f64, f64)>| pts.last().unwrap().0;
        assert_eq!(last_x(compare_curve(&short, 2025.0, 2080.0)), 2060.0);
        assert_eq!(last_x(compare_curve(&long, 2025.0, 2080.0)), 2080.0);
        // both start at the axis start
        assert_eq!(compare_curve(&short, 2025.0, 2080.0)[0], (2025.0, 0.0));
    }

    fn spread(from: f64, to: f64, n: usize) -> Vec<Option<f64>> {
        (0..n)
            .map(|i| Some(from + (to - from) * (i as f64 + 0.5) / n as f64))
            .collect()
    }

    fn shipped_input(trajectories: u64, bin: BinWidth) -> ChartInput {
        let model = crate::scenarios::SHIPPED[0].model().unwrap();
        let grid = Grid::new(model.start, model.horizon, bin).unwrap();
        let spec = RunSpec::new(&model, 7, trajectories, grid);
        let tally = simulate(&model, &spec, &Silent).unwrap();
        ChartInput::from_run(&model, &tally, bin, 7)
    }

    #[test]
    fn svg_names_the_scenario_marks_percentiles_and_states_the_horizon_share() {
        let input = shipped_input(4000, BinWidth::Years(1));
        assert_eq!(input.title, "situational-awareness");
        assert!(input.caption.contains("4,000 trajectories"));
        assert!(input.caption.contains("seed 7"));
        let svg = svg_text(&input);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("situational-awareness"));
        let p50 = input.percentiles[1].1.expect("median before the horizon");
        assert!(svg.contains(&format!("p50 {p50:.1}")), "p50 label");
        assert!(svg.contains("Not by 2100: "));
        assert!(svg.contains("4,000 trajectories"));
        assert!(svg.contains("Year of AGI arrival"));
    }

    #[test]
    fn png_has_the_signature_and_the_chart_size() {
        let input = shipped_input(4000, BinWidth::Years(1));
        let png = chart_png(&input).unwrap();
        assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    }

    #[test]
    fn not_by_horizon_share_is_stated_in_percent() {
        let mut arrivals = spread(2030.0, 2040.0, 966);
        arrivals.extend(std::iter::repeat_n(None, 34));
        let h = histogram(2024.0, 2100.0, BinWidth::Years(1), &arrivals);
        let input = ChartInput::from_histogram("t", &h, BinWidth::Years(1), 1);
        assert!((input.not_by_horizon - 0.034).abs() < 1e-12);
        assert!(svg_text(&input).contains("Not by 2100: 3.4%"));
    }

    #[test]
    fn a_long_thin_tail_does_not_stretch_the_axis() {
        // 99.5% of arrivals in the 2030s, a few spread to 2100
        let mut arrivals = spread(2030.0, 2040.0, 995);
        arrivals.extend(spread(2040.0, 2100.0, 5));
        let h = histogram(2024.0, 2100.0, BinWidth::Years(1), &arrivals);
        let input = ChartInput::from_histogram("t", &h, BinWidth::Years(1), 1);
        let end = axis_end(&input.bins, input.start, input.horizon, 2040.0);
        assert!((2040.0..=2045.0).contains(&end), "{end}");
        let svg = svg_text(&input);
        let note = svg
            .split("Axis ends")
            .nth(1)
            .map(|s| s.split('<').next().unwrap_or(""));
        assert!(
            svg.contains("Axis ends at 2040, by which 99.5% of arrivals"),
            "{note:?}"
        );
        assert!(svg.contains("Not by 2100: 0%"));
    }

    #[test]
    fn density_is_per_year_whatever_the_bin_width() {
        let arrivals = spread(2030.0, 2040.0, 12_000);
        for bin in [
            BinWidth::Years(1),
            BinWidth::Fraction(12),
            BinWidth::Fraction(4),
        ] {
            let h = histogram(2024.0, 2100.0, bin, &arrivals);
            let bins = chart_bins(&h, bin);
            let (bars, merged) = bars(&bins, 2024.0, 2050.0, 1000.0);
            assert_eq!(merged, 1);
            let inside: Vec<&Bar> = bars
                .iter()
                .filter(|b| b.x0 >= 2030.0 && b.x1 <= 2040.0)
                .collect();
            assert!(!inside.is_empty());
            for b in inside {
                assert!((b.density - 0.1).abs() < 1e-9, "{bin}: {b:?}");
            }
        }
    }

    #[test]
    fn ticks_are_whole_years() {
        for (x0, x1) in [
            (2023.2, 2100.0),
            (2024.0, 2026.5),
            (2023.2, 3024.0),
            (2024.0, 2031.0),
        ] {
            let t = year_ticks(x0, x1);
            assert!(t.len() >= 2 && t.len() <= 13, "{x0}..{x1}: {t:?}");
            assert!(
                t.iter().all(|y| y.fract() == 0.0 && *y >= x0 && *y <= x1),
                "{t:?}"
            );
        }
        assert_eq!(tick_year(2030.0), "2030");
        assert_eq!(tick_percent(0.25), "25%");
        assert_eq!(tick_percent(0.025), "2.5%");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_count(999), "999");
    }

    #[test]
    fn edge_cases_draw_without_panicking() {
        let cases: Vec<(&str, ArrivalHistogram, BinWidth)> = vec![
            (
                "all not by horizon",
                histogram(2023.2, 2100.0, BinWidth::Years(1), &[None; 50]),
                BinWidth::Years(1),
            ),
            (
                "all in one bin",
                histogram(2023.2, 2100.0, BinWidth::Years(1), &[Some(2027.5); 50]),
                BinWidth::Years(1),
            ),
            (
                "a single bin",
                histogram(
                    2024.0,
                    2024.5,
                    BinWidth::Years(1),
                    &spread(2024.0, 2024.5, 10),
                ),
                BinWidth::Years(1),
            ),
            (
                "wide bins, short range",
                histogram(
                    2024.3,
                    2026.0,
                    BinWidth::Years(5),
                    &spread(2024.3, 2026.0, 10),
                ),
                BinWidth::Years(5),
            ),
            (
                "monthly bins",
                histogram(
                    2023.2,
                    2100.0,
                    BinWidth::Fraction(12),
                    &spread(2025.0, 2060.0, 5000),
                ),
                BinWidth::Fraction(12),
            ),
            (
                "horizon 1000 years after start, monthly bins",
                histogram(
                    2024.0,
                    3024.0,
                    BinWidth::Fraction(12),
                    &spread(2024.0, 3024.0, 5000),
                ),
                BinWidth::Fraction(12),
            ),
            (
                "horizon 1000 years after start, yearly bins, mostly late",
                histogram(
                    2024.0,
                    3024.0,
                    BinWidth::Years(1),
                    &spread(2500.0, 3024.0, 500),
                ),
                BinWidth::Years(1),
            ),
            (
                "no trajectories",
                histogram(2024.0, 2100.0, BinWidth::Years(1), &[]),
                BinWidth::Years(1),
            ),
            (
                "start equals horizon",
                histogram(2024.0, 2024.0, BinWidth::Years(1), &[Some(2024.0), None]),
                BinWidth::Years(1),
            ),
        ];
        for (name, h, bin) in cases {
            let input = ChartInput::from_histogram(name, &h, bin, 1);
            let svg = svg_text(&input);
            assert!(svg.contains(name), "{name}: title");
            assert!(svg.contains("Not by"), "{name}: horizon share");
            assert!(!svg.contains("could not be drawn"), "{name}");
            let png = chart_png(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(png_size(&png), (WIDTH, HEIGHT), "{name}");
            // the comparison chart takes the same bins
            let series = vec![(name.to_string(), input.bins.clone())];
            assert!(
                String::from_utf8(compare_chart_svg("c", "", &series))
                    .unwrap()
                    .contains(name)
            );
            assert_eq!(
                png_size(&compare_chart_png("c", "", &series).unwrap()),
                (WIDTH, HEIGHT)
            );
        }
    }

    #[test]
    fn fine_bins_over_a_long_range_are_drawn_in_groups() {
        let bin = BinWidth::Fraction(12);
        let h = histogram(2024.0, 3024.0, bin, &spread(2024.0, 3024.0, 5000));
        let bins = chart_bins(&h, bin);
        assert_eq!(bins.len(), 12_000);
        let (bars, merged) = bars(&bins, 2024.0, 3024.0, 1000.0);
        assert!(merged > 1);
        assert!(
            bars.len() as f64 <= 1000.0 / MIN_BAR_PIXELS + 1.0,
            "{}",
            bars.len()
        );
        let total: f64 = bars.iter().map(|b| b.density * (b.x1 - b.x0)).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn compare_chart_has_a_legend_entry_per_scenario() {
        let a = histogram(
            2023.2,
            2100.0,
            BinWidth::Years(1),
            &spread(2026.0, 2040.0, 100),
        );
        let mut late = spread(2040.0, 2100.0, 50);
        late.extend([None; 50]);
        let b = histogram(2023.2, 2100.0, BinWidth::Years(1), &late);
        let series = vec![
            (
                "fast & early".to_string(),
                chart_bins(&a, BinWidth::Years(1)),
            ),
            ("slow".to_string(), chart_bins(&b, BinWidth::Years(1))),
        ];
        let svg =
            String::from_utf8(compare_chart_svg("Scenarios", "100 trajectories", &series)).unwrap();
        assert!(svg.contains("Scenarios"));
        assert!(svg.contains("fast &amp; early (not by 2100: 0%)"));
        assert!(svg.contains("slow (not by 2100: 50.0%)"));
        let png = compare_chart_png("Scenarios", "100 trajectories", &series).unwrap();
        assert_eq!(png_size(&png), (WIDTH, HEIGHT));
        // nothing to compare is still a chart
        assert!(
            String::from_utf8(compare_chart_svg("none", "", &[]))
                .unwrap()
                .contains("No scenario")
        );
        assert!(compare_chart_png("none", "", &[]).is_ok());
    }
}
