//! The arrival-year chart of one run: density bars, the cumulative line, percentile
//! markers.

use super::*;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// The footer note about where the x axis ends.
pub(super) fn axis_note(bins: &[ChartBin], x1: f64, horizon: f64) -> String {
    let arrived = bins.last().map_or(0.0, |b| b.cumulative);
    if x1 < horizon && arrived > 0.0 {
        let shown = (cumulative_at(bins, x1) / arrived).min(1.0);
        format!(
            "Axis ends at {}, by which {} of arrivals happened; the horizon is {}",
            tick_year(x1),
            percent(shown),
            fmt_year(horizon)
        )
    } else {
        String::new()
    }
}

pub(super) fn draw_density<DB: DrawingBackend>(
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
    let hz = fmt_year(input.horizon);
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
    let mut legend = vec![
        (Swatch::Bar, "Probability per year (left axis)".to_string()),
        (
            Swatch::Line(CUMULATIVE),
            "Cumulative probability (right axis)".to_string(),
        ),
        (Swatch::Dashed, "Percentiles".to_string()),
    ];
    if input.prior.is_some() {
        legend.push((
            Swatch::DashedLine(PRIOR),
            "Cumulative without the evidence".to_string(),
        ));
    }
    if let Some(y) = input.as_of {
        legend.push((Swatch::Rule, format!("No AGI before {}", fmt_year(y))));
    }
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

    if let Some(prior) = &input.prior {
        chart
            .draw_secondary_series(DashedLineSeries::new(
                cumulative_points(prior, x0, x1),
                s.px(7),
                s.px(4),
                PRIOR.stroke_width(s.w(2)),
            ))
            .map_err(draw_err)?;
    }
    if let Some(y) = input.as_of.filter(|y| *y >= x0 && *y <= x1) {
        let px = chart.backend_coord(&(y, 0.0)).0;
        root.draw(&DashedPathElement::new(
            vec![(px, py.end), (px, py.start)],
            s.px(2),
            s.px(3),
            AS_OF.stroke_width(s.w(2)),
        ))
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
