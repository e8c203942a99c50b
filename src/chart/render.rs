//! Rendering: SVG as text, PNG through a bitmap backend that draws its own text with
//! the embedded font and its own anti-aliased slanted lines.

use super::*;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draw into an SVG string; on an internal error (never expected: the font is
/// embedded) a small SVG that says what went wrong, so callers always get a file.
pub(super) fn render_svg(
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
    use super::super::{ChartError, FONT};
    use plotters::prelude::BitMapBackend;
    use plotters::style::text_anchor::{HPos, VPos};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend,
        DrawingErrorKind,
    };
    use std::sync::OnceLock;

    /// A bitmap backend that draws text and slanted lines itself. plotters 0.3.7's
    /// `ab_glyph` renderer places each glyph at its advance origin but drops the glyph's
    /// left side bearing, so narrow letters ("i", "l", "1") get a visible gap after them;
    /// this draws the same layout (advances plus kerning, the box plotters measures) with
    /// each glyph at its true position, and the capitals centred in the box. plotters'
    /// bitmap lines are not anti-aliased: a path with a slanted segment (a curve) is
    /// stroked here with each pixel's coverage (see [`stroke_smooth`]). Axis-aligned
    /// lines, rectangles and fills land on whole pixels and are delegated, as is
    /// everything else.
    pub(in crate::chart) struct PngCanvas<'a> {
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
            let points: Vec<BackendCoord> = path.into_iter().collect();
            let square = points
                .windows(2)
                .all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1);
            let width = style.stroke_width();
            if (square && width == 1) || style.color().alpha == 0.0 || width == 0 {
                return self.inner.draw_path(points, style);
            }
            // Half a pixel wider than asked: as wide as these lines were when the chart
            // was drawn at twice the size and averaged down (plotters fills a stroke's
            // polygon with both edges, one pixel more at that size).
            stroke_smooth(&mut self.inner, &points, width as f64 + 0.5, style.color())
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
    /// Stroke a polyline `width` pixels wide with anti-aliasing: each pixel near it is
    /// blended with `color` at its coverage, `clamp(width / 2 + 1/2 - d, 0, 1)` for a
    /// pixel centre at distance `d` from the polyline (exact for a straight edge), with
    /// round joins and flat ends (covering the first point's pixel and not the last's,
    /// as plotters' own lines),
    /// taking the largest over the segments so that joins are not blended twice.
    /// Coordinates are pixel centres, as plotters' are.
    pub(super) fn stroke_smooth<E: std::error::Error + Send + Sync>(
        canvas: &mut impl DrawingBackend<ErrorType = E>,
        points: &[BackendCoord],
        width: f64,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<E>> {
        let r = width.max(1.0) / 2.0;
        let reach = (r + 1.0).ceil() as i32;
        let (w, h) = canvas.get_size();
        let (w, h) = (w as i32, h as i32);
        let xs = points.iter().map(|p| p.0);
        let ys = points.iter().map(|p| p.1);
        let x0 = (xs.clone().min().unwrap_or(0) - reach).max(0);
        let x1 = (xs.max().unwrap_or(-1) + reach).min(w - 1);
        let y0 = (ys.clone().min().unwrap_or(0) - reach).max(0);
        let y1 = (ys.max().unwrap_or(-1) + reach).min(h - 1);
        if x1 < x0 || y1 < y0 {
            return Ok(());
        }
        let bw = (x1 - x0 + 1) as usize;
        // coverage in 1/255ths over the bounding box
        let mut cover = vec![0u8; bw * (y1 - y0 + 1) as usize];
        let last = points.len().saturating_sub(2);
        for (k, seg) in points.windows(2).enumerate() {
            let (a, b) = (seg[0], seg[1]);
            let (ax, ay, bx, by) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
            let (dx, dy) = (bx - ax, by - ay);
            let len = dx.hypot(dy);
            for py in (a.1.min(b.1) - reach).max(y0)..=(a.1.max(b.1) + reach).min(y1) {
                for px in (a.0.min(b.0) - reach).max(x0)..=(a.0.max(b.0) + reach).min(x1) {
                    let (qx, qy) = (px as f64 - ax, py as f64 - ay);
                    // along the segment (0 at a, len at b) and across it
                    let (along, across) = if len > 0.0 {
                        ((qx * dx + qy * dy) / len, (qx * dy - qy * dx).abs() / len)
                    } else {
                        (0.0, qx.hypot(qy))
                    };
                    let (round_start, round_end) = (k > 0, k < last);
                    let c = if along < 0.0 && round_start {
                        (r + 0.5 - across.hypot(along)).clamp(0.0, 1.0)
                    } else if along > len && round_end {
                        (r + 0.5 - across.hypot(along - len)).clamp(0.0, 1.0)
                    } else {
                        // a flat end covers the first end point's pixel, not the last's
                        let start = if round_start { 1.0 } else { along + 1.0 };
                        let end = if round_end { 1.0 } else { len - along };
                        (r + 0.5 - across).clamp(0.0, 1.0)
                            * start.clamp(0.0, 1.0)
                            * end.clamp(0.0, 1.0)
                    };
                    if c > 0.0 {
                        let i = (py - y0) as usize * bw + (px - x0) as usize;
                        cover[i] = cover[i].max((c * 255.0).round() as u8);
                    }
                }
            }
        }
        for (i, &c) in cover.iter().enumerate() {
            if c > 0 {
                let (px, py) = (x0 + (i % bw) as i32, y0 + (i / bw) as i32);
                canvas.draw_pixel(
                    (px, py),
                    BackendColor {
                        alpha: color.alpha * c as f64 / 255.0,
                        rgb: color.rgb,
                    },
                )?;
            }
        }
        Ok(())
    }
}
use canvas::{PngCanvas, embedded_font};

/// Draw into an RGB buffer at the chart's own size (lines and text anti-aliased by
/// [`PngCanvas`], so no supersampling: 2.6 MB of pixels, not 10.4 MB drawn and
/// averaged down) and encode it as PNG.
pub(super) fn render_png(
    draw: impl FnOnce(&DrawingArea<PngCanvas, Shift>, Scale) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let font = embedded_font()?;
    let mut rgb = vec![255u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let canvas = PngCanvas {
            inner: BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)),
            font,
        };
        let root = canvas.into_drawing_area();
        draw(&root, Scale(1))?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Fastest deflate level with the "up" filter: ~2 ms and ~75 kB for a chart,
    // against ~12 ms and ~58 kB at the default level with adaptive filtering.
    encoder.set_deflate_compression(png::DeflateCompression::Level(1));
    encoder.set_filter(png::Filter::Up);
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

#[cfg(test)]
mod tests {
    use super::canvas::stroke_smooth;
    use plotters::prelude::BitMapBackend;
    use plotters_backend::BackendColor;

    /// Darkness (0 = white, 1 = black) of each pixel after stroking `points` in black.
    fn stroke(points: &[(i32, i32)], width: f64) -> Vec<Vec<f64>> {
        let (w, h) = (60usize, 60usize);
        let mut buf = vec![255u8; w * h * 3];
        {
            let mut canvas = BitMapBackend::with_buffer(&mut buf, (w as u32, h as u32));
            let black = BackendColor {
                alpha: 1.0,
                rgb: (0, 0, 0),
            };
            stroke_smooth(&mut canvas, points, width, black).unwrap();
        }
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| 1.0 - buf[(y * w + x) * 3] as f64 / 255.0)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn strokes_cover_their_width_with_soft_edges() {
        // horizontal, 3.5 wide: 3 full rows and two quarter rows in every column
        let img = stroke(&[(5, 30), (55, 30)], 3.5);
        for x in 5..55 {
            let column: f64 = img.iter().map(|row| row[x]).sum();
            assert!((column - 3.5).abs() < 0.02, "x = {x}: {column}");
        }
        // flat ends: the first point's pixel is covered, the last one's is not
        assert!(img[30][5] > 0.99 && img[30][4] < 0.01 && img[30][55] < 0.01);
        // a 45-degree line: each column crossing it holds width * sqrt(2), and its
        // edges are partly covered (anti-aliased), not all 0 or 1
        let img = stroke(&[(10, 10), (50, 50)], 3.0);
        let mut partial = 0;
        for x in 15..45 {
            let column: f64 = img.iter().map(|row| row[x]).sum();
            assert!(
                (column - 3.0 * 2f64.sqrt()).abs() < 0.15,
                "x = {x}: {column}"
            );
            partial += img
                .iter()
                .filter(|row| row[x] > 0.05 && row[x] < 0.95)
                .count();
        }
        assert!(partial >= 30, "{partial} partly covered pixels");
        // a join is not blended twice: no pixel darker than the colour
        let img = stroke(&[(5, 50), (30, 10), (55, 50)], 3.5);
        assert!(img.iter().flatten().all(|&d| d <= 1.0));
        assert!(img[10][30] > 0.99, "the join is covered");
    }
}
