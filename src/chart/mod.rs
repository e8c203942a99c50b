//! Charts of a run as pure functions returning bytes: SVG and PNG, nothing written here.
//!
//! Two charts:
//! - the **arrival-year chart** of one run ([`density`]): the density as bars
//!   (probability per year, i.e. a bin's probability divided by its width, so 1-year and
//!   1-month bins look alike), the cumulative probability as a line on a right-hand
//!   0-100% axis, dashed markers at p10/p50/p90, and the share "not by the horizon"
//!   stated in words;
//! - the **comparison chart** ([`compare`]): one cumulative curve per scenario, with a
//!   legend.
//!
//! The x axis runs from the start to the year by which 99% of the arrivals have
//! happened (rounded up to a tick), or to the horizon if that is sooner, so a long thin
//! tail does not squash the interesting decades; the footer says where the axis was
//! cut and the header always states the share not by the horizon ([`axis`]).
//!
//! Text is drawn with DejaVu Sans embedded in the binary (`assets/DejaVuSans.ttf`,
//! licence in `assets/DejaVuSans-LICENSE.txt`) through plotters' `ab_glyph` renderer,
//! so a PNG needs no system font library ([`render`]). In SVG, text stays `<text>`
//! elements in the viewer's sans-serif font.

mod axis;
mod compare;
mod density;
mod render;
mod signposts;
mod style;

use crate::format::{fmt_count, fmt_year};
use crate::model::Model;
use crate::tally::{ArrivalHistogram, BinRow, BinWidth, Tally};
use axis::*;
use compare::*;
use density::*;
use render::*;
pub use signposts::SignpostPanel;
use signposts::*;
use style::*;

/// Width of every chart, in pixels (PNG) or user units (SVG).
pub const WIDTH: u32 = 1200;
/// Height of every chart.
pub const HEIGHT: u32 = 720;

/// DejaVu Sans 2.37 (Bitstream Vera licence, public-domain DejaVu changes).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// The family the font is registered under; also what SVG viewers are asked for.
const FAMILY: &str = "sans-serif";

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
    h.bins(bin)
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
    /// With evidence: the year before which AGI had not arrived (marked), and the
    /// prior's bins (its cumulative curve drawn for comparison).
    pub as_of: Option<f64>,
    pub prior: Option<Vec<ChartBin>>,
}

/// Percentiles marked on the arrival-year chart.
pub const MARKED_PERCENTILES: &[u32] = &[10, 50, 90];

impl ChartInput {
    /// The chart of a finished run.
    pub fn from_run(model: &Model, tally: &Tally, bin: BinWidth, seed: u64) -> ChartInput {
        let mut input = ChartInput::from_histogram(&model.name, &tally.histogram, bin, seed);
        if let Some(et) = &tally.evidence {
            input.as_of = model.evidence().and_then(|e| e.no_arrival_before);
            input.prior = Some(chart_bins(&et.prior, bin));
            input.caption = format!(
                "{} of {} trajectories kept by the evidence · seed {seed} · {}",
                fmt_count(tally.trajectories()),
                fmt_count(et.drawn),
                bin_phrase(bin)
            );
        }
        input
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
            as_of: None,
            prior: None,
        }
    }
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

/// The signposts chart as SVG: one panel per observable.
pub fn signposts_chart_svg(title: &str, caption: &str, panels: &[SignpostPanel]) -> Vec<u8> {
    render_svg(title, |root, s| {
        draw_signposts(root, s, title, caption, panels)
    })
}

/// The signposts chart as PNG (`WIDTH` x `HEIGHT`).
pub fn signposts_chart_png(
    title: &str,
    caption: &str,
    panels: &[SignpostPanel],
) -> Result<Vec<u8>, ChartError> {
    render_png(|root, s| draw_signposts(root, s, title, caption, panels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RunSpec, Silent, simulate};
    use crate::tally::Grid;

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
