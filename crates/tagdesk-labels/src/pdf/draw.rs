//! Drawing into a page's content stream: QR codes as merged runs of dark modules, text lines with the
//! document's subset font, the logo image and (rounded) outlines. Positions come in mm from the page's
//! top-left corner; this module turns them into PDF user space (points, origin bottom-left) and applies
//! the printer calibration offsets.

use pdf_writer::{Content, Name, Str};

use super::embed::GlyphSet;
use super::font::MM_PER_PT;
use super::layout::{QrBox, TextLine};
use crate::geometry::{Mm, Rect};
use crate::qr::{QUIET_ZONE, QrMatrix};

/// The font's resource name on every page.
pub(crate) const FONT_NAME: Name<'static> = Name(b"F0");
/// The logo's resource name on every page.
pub(crate) const LOGO_NAME: Name<'static> = Name(b"Im0");

/// Bézier control distance for a quarter circle, as a fraction of its radius.
const KAPPA: f32 = 0.552_284_8;

/// Maps page millimetres (top-left origin, before calibration) to PDF points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub page_height: Mm,
    pub offset_x: Mm,
    pub offset_y: Mm,
}

impl Frame {
    /// The x coordinate in points.
    pub(crate) fn x(&self, x: Mm) -> f32 {
        (x + self.offset_x) / MM_PER_PT
    }

    /// The y coordinate in points (PDF y grows upwards).
    pub(crate) fn y(&self, y: Mm) -> f32 {
        (self.page_height - (y + self.offset_y)) / MM_PER_PT
    }
}

/// Draws the code: one `re` per horizontal run of dark modules, all filled at once (so rasterisers
/// show no seams between rows). `label` is the label's rectangle on the page.
pub(crate) fn qr(content: &mut Content, frame: Frame, label: Rect, placement: &QrBox, matrix: &QrMatrix) {
    let module = placement.module / MM_PER_PT;
    let quiet = QUIET_ZONE as Mm * placement.module;
    let left = frame.x(label.x + placement.rect.x + quiet);
    let top = frame.y(label.y + placement.rect.y + quiet);
    content.save_state();
    // Module space: one unit per module, y down from the code's top-left corner.
    content.transform([module, 0.0, 0.0, -module, left, top]);
    let n = matrix.size();
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if !matrix.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < n && matrix.is_dark(x, y) {
                x += 1;
            }
            content.rect(start as f32, y as f32, (x - start) as f32, 1.0);
        }
    }
    content.fill_nonzero();
    content.restore_state();
}

/// One line of text to draw: `text` at `size_pt`, its left edge at `x` and baseline at `baseline` (mm,
/// relative to the origin given to [`text`]).
pub(crate) struct Run<'a> {
    pub text: &'a str,
    pub size_pt: f32,
    pub x: Mm,
    pub baseline: Mm,
}

/// Draws text lines in black, positions relative to `origin` (page mm). `scratch` is reused for glyph
/// bytes.
pub(crate) fn text<'a>(
    content: &mut Content,
    frame: Frame,
    origin: (Mm, Mm),
    runs: impl IntoIterator<Item = Run<'a>>,
    glyphs: &GlyphSet,
    scratch: &mut Vec<u8>,
) {
    let mut size = f32::NAN;
    for run in runs {
        if size.is_nan() {
            content.begin_text();
        }
        if run.size_pt != size {
            size = run.size_pt;
            content.set_font(FONT_NAME, size);
        }
        let x = frame.x(origin.0 + run.x);
        let y = frame.y(origin.1 + run.baseline);
        content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        scratch.clear();
        glyphs.encode(run.text, scratch);
        content.show(Str(scratch));
    }
    if !size.is_nan() {
        content.end_text();
    }
}

/// The runs of a label's text lines.
pub(crate) fn runs(lines: &[TextLine]) -> impl Iterator<Item = Run<'_>> {
    lines.iter().map(|l| Run { text: &l.text, size_pt: l.size_pt, x: l.rect.x, baseline: l.baseline })
}

/// Places the logo image in `rect` (label-relative).
pub(crate) fn logo(content: &mut Content, frame: Frame, label: Rect, rect: Rect) {
    content.save_state();
    content.transform([
        rect.w / MM_PER_PT,
        0.0,
        0.0,
        rect.h / MM_PER_PT,
        frame.x(label.x + rect.x),
        frame.y(label.y + rect.bottom()),
    ]);
    content.x_object(LOGO_NAME);
    content.restore_state();
}

/// Adds a rectangle with corners rounded by `radius` (page mm) to the current path.
pub(crate) fn rounded_rect(content: &mut Content, frame: Frame, rect: Rect, radius: Mm) {
    let r = radius.max(0.0).min(rect.w / 2.0).min(rect.h / 2.0);
    let (x0, x1) = (frame.x(rect.x), frame.x(rect.right()));
    let (y0, y1) = (frame.y(rect.bottom()), frame.y(rect.y));
    if r <= 0.0 {
        content.rect(x0, y0, x1 - x0, y1 - y0);
        return;
    }
    let r = r / MM_PER_PT;
    let k = r * (1.0 - KAPPA);
    content.move_to(x0 + r, y0);
    content.line_to(x1 - r, y0);
    content.cubic_to(x1 - k, y0, x1, y0 + k, x1, y0 + r);
    content.line_to(x1, y1 - r);
    content.cubic_to(x1, y1 - k, x1 - k, y1, x1 - r, y1);
    content.line_to(x0 + r, y1);
    content.cubic_to(x0 + k, y1, x0, y1 - k, x0, y1 - r);
    content.line_to(x0, y0 + r);
    content.cubic_to(x0, y0 + k, x0 + k, y0, x0 + r, y0);
    content.close_path();
}
