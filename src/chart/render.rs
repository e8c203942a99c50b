//! Rendering: SVG as text, PNG through a bitmap backend that draws its own text with
//! the embedded font, supersampled for smooth lines.

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

    /// A bitmap backend that draws text itself. plotters 0.3.7's `ab_glyph` renderer
    /// places each glyph at its advance origin but drops the glyph's left side bearing, so
    /// narrow letters ("i", "l", "1") get a visible gap after them; this draws the same
    /// layout (advances plus kerning, the box plotters measures) with each glyph at its
    /// true position, and the capitals centred in the box. Everything else is delegated.
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
pub(super) fn render_png(
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
