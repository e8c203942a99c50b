//! The comparison chart: one cumulative curve per scenario.

use super::*;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One scenario's curve on the comparison chart, from `x0` to `x1` or to its own
/// horizon if that comes first: past its horizon a scenario says nothing, and a flat line
/// there would read as "no more arrivals".
pub(super) fn compare_curve(bins: &[ChartBin], x0: f64, x1: f64) -> Vec<(f64, f64)> {
    let end = bins.last().map_or(x1, |b| b.year_end).min(x1).max(x0);
    cumulative_points(bins, x0, end)
}

pub(super) fn draw_compare<DB: DrawingBackend>(
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
                    fmt_year(end),
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
            fmt_year(horizon)
        )
    } else {
        String::new()
    };
    draw_footer(root, s, caption, &note)?;
    root.present().map_err(draw_err)?;
    Ok(())
}
