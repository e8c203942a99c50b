//! The look shared by every chart: colours, fonts, the drawing scale, the heading, the
//! legend and the footer.

use super::*;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

pub(super) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const MUTED: RGBColor = RGBColor(0x5f, 0x5f, 0x5f);
pub(super) const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub(super) const GRID_STRONG: RGBColor = RGBColor(0xb8, 0xb8, 0xb8);
pub(super) const BAR_FILL: RGBColor = RGBColor(0x9e, 0xc3, 0xe6);
pub(super) const BAR_EDGE: RGBColor = RGBColor(0x4f, 0x86, 0xbd);
pub(super) const CUMULATIVE: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
pub(super) const MARKER: RGBColor = RGBColor(0x3a, 0x3a, 0x3a);
/// The prior's cumulative curve, beside a run's own.
pub(super) const PRIOR: RGBColor = RGBColor(0x8a, 0x8a, 0x8a);
/// The as-of marker.
pub(super) const AS_OF: RGBColor = RGBColor(0x00, 0x72, 0xb2);
/// Okabe & Ito's colour-blind-safe palette (Okabe and Ito 2008, "Color Universal
/// Design"), yellow left out for contrast on white.
pub(super) const SERIES: &[RGBColor] = &[
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x00, 0x00),
];

/// Drawing scale: sizes in pixels (or SVG units) are multiplied by it. 1 for both SVG and
/// PNG (whose lines and text are anti-aliased as they are drawn).
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale(pub(super) i32);

impl Scale {
    /// A length in pixels.
    pub(super) fn px(self, v: i32) -> i32 {
        v * self.0
    }
    /// A font size.
    pub(super) fn pt(self, size: f64) -> f64 {
        size * self.0 as f64
    }
    /// A stroke width.
    pub(super) fn w(self, stroke: u32) -> u32 {
        stroke * self.0 as u32
    }
}

pub(super) fn font(size: f64) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

pub(super) fn text_style(size: f64, color: &'static RGBColor, pos: Pos) -> TextStyle<'static> {
    font(size).color(color).pos(pos)
}

pub(super) const TOP_LEFT: Pos = Pos {
    h_pos: HPos::Left,
    v_pos: VPos::Top,
};
pub(super) const TOP_RIGHT: Pos = Pos {
    h_pos: HPos::Right,
    v_pos: VPos::Top,
};
pub(super) const CENTER: Pos = Pos {
    h_pos: HPos::Center,
    v_pos: VPos::Center,
};

/// Register the embedded font once; every chart needs it to measure text.
pub(super) fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// One entry of a legend drawn in the header.
pub(super) enum Swatch {
    Bar,
    Line(RGBColor),
    Dashed,
    /// A dashed curve of that colour, drawn across.
    DashedLine(RGBColor),
    /// The as-of marker: a dotted vertical rule.
    Rule,
}

/// Draw a legend from `x`, `y` (top left) on one or more rows no wider than `max_x`;
/// returns the y below the last row.
pub(super) fn draw_legend<DB: DrawingBackend>(
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
            Swatch::DashedLine(c) => {
                root.draw(&DashedPathElement::new(
                    vec![(cx, mid), (cx + s.px(30), mid)],
                    s.px(7),
                    s.px(4),
                    c.stroke_width(s.w(2)),
                ))
                .map_err(draw_err)?;
            }
            Swatch::Rule => {
                root.draw(&DashedPathElement::new(
                    vec![
                        (cx + s.px(15), mid - s.px(9)),
                        (cx + s.px(15), mid + s.px(10)),
                    ],
                    s.px(2),
                    s.px(3),
                    AS_OF.stroke_width(s.w(2)),
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
pub(super) fn draw_heading<DB: DrawingBackend>(
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
pub(super) fn draw_footer<DB: DrawingBackend>(
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
