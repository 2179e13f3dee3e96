//! The alignment test page: every label outline and a centre cross at the exact printed positions
//! (calibration offsets applied), and on the page itself the instruction to print at actual size, the
//! template's name and the offsets in use. Printed on plain paper and held against a label sheet, it
//! shows whether the printer needs calibrating.

use pdf_writer::Content;

use super::document::{self, CONTENT_LEVEL, Document};
use super::draw::{self, Frame, Run};
use super::embed::GlyphSet;
use super::fit::{self, Align, FitItem, FittedLine};
use super::sheet::{check_offsets, page_geometry};
use crate::geometry::{Mm, PageSize, Rect, SheetTemplate};
use crate::{LabelError, PrintOptions};

/// The instruction printed on the page.
pub const ACTUAL_SIZE: &str = "Print at 100 % / actual size — do not scale to fit";

/// Margin most printers cannot print into.
const UNPRINTABLE: Mm = 4.0;
/// Text blocks outside the labels need at least this height.
const MIN_BAND: Mm = 5.0;
/// Line widths in points.
const OUTLINE_WIDTH: f32 = 0.4;
const CROSS_WIDTH: f32 = 0.3;

/// Renders the one-page alignment test for `template` with `options`' calibration offsets.
pub fn alignment_page(template: &SheetTemplate, options: &PrintOptions) -> Result<Vec<u8>, LabelError> {
    template.validate()?;
    check_offsets(options)?;
    let (page, rects) = page_geometry(template);
    let template_line = format!("{} ({})", template.name.trim(), template.id.trim());
    let offsets_line = format!(
        "Printer offsets: x {} mm, y {} mm (positive: right, down)",
        signed_mm(options.offset_x),
        signed_mm(options.offset_y)
    );
    let texts = [ACTUAL_SIZE, template_line.as_str(), offsets_line.as_str()];
    let glyphs = GlyphSet::collect(texts)?;
    let items = [
        FitItem { text: texts[0], preferred_pt: 11.0, min_pt: 4.5 },
        FitItem { text: texts[1], preferred_pt: 9.0, min_pt: 4.0 },
        FitItem { text: texts[2], preferred_pt: 8.0, min_pt: 4.0 },
    ];
    let frame = Frame { page_height: page.height, offset_x: options.offset_x, offset_y: options.offset_y };
    let mut content = Content::new();
    content.set_line_width(OUTLINE_WIDTH);
    for &rect in &rects {
        draw::rounded_rect(&mut content, frame, rect, template.label.corner_radius);
    }
    content.stroke();
    content.set_line_width(CROSS_WIDTH);
    for rect in &rects {
        let (cx, cy, arm) = (rect.x + rect.w / 2.0, rect.y + rect.h / 2.0, cross_arm(rect));
        content.move_to(frame.x(cx - arm), frame.y(cy)).line_to(frame.x(cx + arm), frame.y(cy));
        content.move_to(frame.x(cx), frame.y(cy - arm)).line_to(frame.x(cx), frame.y(cy + arm));
    }
    content.stroke();
    let (origin, lines) = place_text(page, &rects, &items);
    let runs = lines.iter().map(|l| Run { text: &l.text, size_pt: l.size_pt, x: l.x, baseline: l.baseline });
    draw::text(&mut content, frame, origin, runs, &glyphs, &mut Vec::new());
    let mut doc = Document::new(glyphs, None, page, 64 * 1024)?;
    doc.add_page(&document::deflate(&content.finish(), CONTENT_LEVEL))?;
    doc.finish(&format!("Alignment test — {}", template.name))
}

/// Half the length of a centre cross's bars.
fn cross_arm(rect: &Rect) -> Mm {
    (rect.w.min(rect.h) * 0.15).max(1.0)
}

/// Finds room for the text — above the labels, below them, or inside the first label above its cross —
/// and fits it there. Returns the box origin and the lines.
fn place_text(page: PageSize, rects: &[Rect], items: &[FitItem<'_>]) -> ((Mm, Mm), Vec<FittedLine>) {
    let top = rects.iter().map(|r| r.y).fold(page.height, Mm::min);
    let bottom = rects.iter().map(|r| r.bottom()).fold(0.0, Mm::max);
    let side = UNPRINTABLE.max(page.width * 0.05);
    let mut candidates = Vec::new();
    for (y0, y1) in [(UNPRINTABLE, top - 1.0), (bottom + 1.0, page.height - UNPRINTABLE)] {
        if y1 - y0 >= MIN_BAND {
            candidates.push(Rect { x: side, y: y0, w: page.width - 2.0 * side, h: y1 - y0 });
        }
    }
    if let Some(first) = rects.first() {
        let pad = (first.w.min(first.h) * 0.07).min(1.5);
        let h = first.h / 2.0 - cross_arm(first) - pad - 0.5;
        candidates.push(Rect { x: first.x + pad, y: first.y + pad, w: first.w - 2.0 * pad, h });
    }
    let mut best: Option<((Mm, Mm), Vec<FittedLine>)> = None;
    for boxed in candidates {
        let lines = fit::fit(items, boxed.w, boxed.h, Align::CentreTop);
        let complete = lines.len() == items.len() && lines.iter().all(|l| !l.text.ends_with('…'));
        let better = best.as_ref().is_none_or(|(_, b)| lines.len() > b.len());
        if complete {
            return ((boxed.x, boxed.y), lines);
        }
        if better {
            best = Some(((boxed.x, boxed.y), lines));
        }
    }
    best.unwrap_or(((0.0, 0.0), Vec::new()))
}

/// `+1.5`, `-1`, `0` — a signed length without needless zeros.
fn signed_mm(v: Mm) -> String {
    let text = format!("{:+.2}", v);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "+" || text == "-" || text == "-0" || text == "+0" { "0".to_owned() } else { text.to_owned() }
}
