//! The signposts chart: for the most informative observables, the arrival year's
//! cumulative probability in each third (or answer) against everyone not arrived by the
//! signpost year, one panel each.

use super::*;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// One panel: what is observed, and the cumulative curves (label, points) of its groups
/// and of everyone.
#[derive(Clone, Debug, PartialEq)]
pub struct SignpostPanel {
    pub title: String,
    /// Everyone not arrived by the year, then the groups: lowest, middle, highest third
    /// (or no, yes); each a label and the cumulative share at increasing years.
    pub curves: Vec<(String, Vec<(f64, f64)>)>,
}

/// Lowest, middle, highest, in the palette's blue, green, orange.
const GROUP_COLOURS: [RGBColor; 3] = [SERIES[0], SERIES[2], SERIES[1]];

pub(super) fn draw_signposts<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: Scale,
    title: &str,
    caption: &str,
    panels: &[SignpostPanel],
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let y = draw_heading(
        root,
        s,
        title,
        "Cumulative probability of AGI by year, by what an observer would see at the signpost year",
    )?;
    let legend = [
        (Swatch::Dashed, "All not arrived by then".to_string()),
        (
            Swatch::Line(GROUP_COLOURS[0]),
            "Lowest third / no".to_string(),
        ),
        (Swatch::Line(GROUP_COLOURS[1]), "Middle third".to_string()),
        (
            Swatch::Line(GROUP_COLOURS[2]),
            "Highest third / yes".to_string(),
        ),
    ];
    let y = draw_legend(root, s, &legend, s.px(30), y, s.px(WIDTH as i32 - 30))?;
    let body = root.margin(y, s.px(40), s.px(10), s.px(10));
    let cols = if panels.len() > 1 { 2 } else { 1 };
    let rows = panels.len().div_ceil(cols).max(1);
    let areas = body.split_evenly((rows, cols));
    for (panel, area) in panels.iter().zip(&areas) {
        let x0 = panel
            .curves
            .iter()
            .filter_map(|(_, c)| c.first().map(|p| p.0))
            .fold(f64::INFINITY, f64::min);
        // The axis ends where 90% of everyone's arrivals (by the horizon) have happened,
        // at least 5 years on: the groups part early, and a long tail would squash that.
        let x1 = panel
            .curves
            .first()
            .and_then(|(_, c)| {
                let top = c.last()?.1;
                c.iter().find(|p| p.1 >= 0.9 * top).map(|p| p.0)
            })
            .unwrap_or(x0 + 5.0);
        let x1 = x1.ceil().max(x0 + 5.0);
        let x_ticks = year_ticks(x0, x1);
        let y_ticks: Vec<f64> = (0..=4).map(|i| i as f64 / 4.0).collect();
        let x_fmt = |x: &f64| tick_year(*x);
        let y_fmt = |v: &f64| tick_percent(*v);
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, font(s.pt(15.0)).color(&INK))
            .margin(s.px(6))
            .x_label_area_size(s.px(30))
            .y_label_area_size(s.px(52))
            .build_cartesian_2d(
                TickedAxis::new(x0, x1, x_ticks),
                TickedAxis::new(0.0, 1.02, y_ticks),
            )
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .bold_line_style(GRID.stroke_width(s.w(1)))
            .axis_style(MUTED.stroke_width(s.w(1)))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(font(s.pt(12.0)).color(&INK))
            .draw()
            .map_err(draw_err)?;
        for (i, (_, points)) in panel.curves.iter().enumerate() {
            let points: Vec<(f64, f64)> = points.iter().filter(|p| p.0 <= x1).copied().collect();
            if i == 0 {
                let px: Vec<(i32, i32)> = points.iter().map(|p| chart.backend_coord(p)).collect();
                root.draw(&DashedPathElement::new(
                    px,
                    s.px(6),
                    s.px(4),
                    MARKER.stroke_width(s.w(2)),
                ))
                .map_err(draw_err)?;
            } else if !points.is_empty() {
                chart
                    .draw_series(LineSeries::new(
                        points,
                        GROUP_COLOURS[(i - 1).min(2)].stroke_width(s.w(2)),
                    ))
                    .map_err(draw_err)?;
            }
        }
    }
    draw_footer(root, s, caption, "")?;
    root.present().map_err(draw_err)?;
    Ok(())
}
