//! Label sheets: many labels, as many pages as needed. Page content streams are built and compressed in
//! parallel (rayon), a batch of pages at a time so memory stays bounded, and appended in order.

use pdf_writer::Content;
use rayon::prelude::*;

use super::document::{self, CONTENT_LEVEL, Document, MAX_PAGES};
use super::draw::{self, Frame};
use super::embed::GlyphSet;
use super::layout::layout_label;
use crate::geometry::{PageSize, Rect, SheetTemplate};
use crate::{LabelData, LabelError, PrintOptions, qr};

/// Pages built in parallel before they are appended (and progress is reported).
const BATCH_PAGES: usize = 24;

/// The largest printer calibration offset accepted, in mm.
pub(crate) const MAX_OFFSET: f32 = 50.0;

/// Outline stroke width in points and grey level.
const OUTLINE_WIDTH: f32 = 0.25;
const OUTLINE_GREY: f32 = 0.55;

/// Checks the calibration offsets.
pub(crate) fn check_offsets(options: &PrintOptions) -> Result<(), LabelError> {
    let ok = |v: f32| v.is_finite() && v.abs() <= MAX_OFFSET;
    if ok(options.offset_x) && ok(options.offset_y) {
        Ok(())
    } else {
        Err(LabelError::Render(format!("Printer offsets must be between -{MAX_OFFSET} and {MAX_OFFSET} mm.")))
    }
}

/// The page size and the label rectangles of one page (a roll: one label, page = label).
pub(crate) fn page_geometry(template: &SheetTemplate) -> (PageSize, Vec<Rect>) {
    if template.roll {
        let (w, h) = (template.label.width, template.label.height);
        (PageSize { width: w, height: h }, vec![Rect { x: 0.0, y: 0.0, w, h }])
    } else {
        (template.page, template.label_rects())
    }
}

/// Renders `labels` onto sheets of `template`: on the first page the first `options.start_at` positions
/// are skipped (not on rolls), everything moves by the calibration offsets, and `progress` is called with
/// the number of labels done every few pages.
pub fn render_sheets(
    template: &SheetTemplate,
    labels: &[LabelData],
    options: &PrintOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<u8>, LabelError> {
    template.validate()?;
    check_offsets(options)?;
    if labels.is_empty() {
        return Err(LabelError::Render("There are no labels to print.".into()));
    }
    let (page, rects) = page_geometry(template);
    let per_page = rects.len();
    let start = if template.roll { 0 } else { options.start_at as usize };
    if start >= per_page {
        return Err(LabelError::Render(format!(
            "The start position {} is past the last label of the sheet ({per_page} labels).",
            start + 1
        )));
    }
    let page_count = (start + labels.len()).div_ceil(per_page);
    if page_count > MAX_PAGES {
        return Err(LabelError::Render(format!("A PDF may have at most {MAX_PAGES} pages.")));
    }
    let f = options.fields;
    let texts = labels.iter().flat_map(|l| {
        [(f.name, l.name.as_str()), (f.serial, &l.serial), (f.site, &l.site), (f.cta, l.cta.as_deref().unwrap_or(""))]
            .into_iter()
            .filter_map(|(on, text)| on.then_some(text))
    });
    let cta = f.cta.then_some(options.cta.as_str());
    let glyphs = GlyphSet::collect(texts.chain(cta))?;
    let logo = if f.logo { options.logo.as_ref() } else { None };
    let mut doc = Document::new(glyphs, logo, page, labels.len().saturating_mul(1600).min(256 << 20))?;
    let frame = Frame { page_height: page.height, offset_x: options.offset_x, offset_y: options.offset_y };
    let sheet = Sheet { template, labels, options, rects: &rects, start, frame };
    let mut done = 0;
    for first in (0..page_count).step_by(BATCH_PAGES) {
        let last = (first + BATCH_PAGES).min(page_count);
        let streams: Vec<Result<Vec<u8>, LabelError>> =
            (first..last).into_par_iter().map(|p| sheet.page(p, doc.glyphs(), doc.has_logo())).collect();
        for stream in streams {
            doc.add_page(&stream?)?;
        }
        done = (last * per_page).saturating_sub(start).min(labels.len());
        progress(done);
    }
    if done < labels.len() {
        progress(labels.len());
    }
    doc.finish(&format!("Labels — {}", template.name))
}

/// What every page of one rendering shares.
struct Sheet<'a> {
    template: &'a SheetTemplate,
    labels: &'a [LabelData],
    options: &'a PrintOptions,
    rects: &'a [Rect],
    start: usize,
    frame: Frame,
}

impl Sheet<'_> {
    /// The compressed content stream of page `page`.
    fn page(&self, page: usize, glyphs: &GlyphSet, has_logo: bool) -> Result<Vec<u8>, LabelError> {
        let per_page = self.rects.len();
        let mut content = Content::with_capacity(per_page * 6000);
        let mut scratch = Vec::with_capacity(256);
        let options = self.options;
        if options.outlines {
            content.set_line_width(OUTLINE_WIDTH).set_stroke_gray(OUTLINE_GREY);
        }
        for (slot, &rect) in self.rects.iter().enumerate() {
            let Some(index) = (page * per_page + slot).checked_sub(self.start) else {
                continue;
            };
            let Some(data) = self.labels.get(index) else {
                break;
            };
            let matrix = if options.fields.qr {
                let matrix = qr::encode(&data.url, options.ec)
                    .map_err(|e| LabelError::Qr(format!("Label {} ({}): {e}", index + 1, data.name.trim())))?;
                Some(matrix)
            } else {
                None
            };
            let size = matrix.as_ref().map_or(0, qr::QrMatrix::size);
            let layout = layout_label(&self.template.label, data, options, size);
            if options.outlines {
                draw::rounded_rect(&mut content, self.frame, rect, self.template.label.corner_radius);
                content.stroke();
            }
            if let (Some(placement), Some(matrix)) = (&layout.qr, &matrix) {
                draw::qr(&mut content, self.frame, rect, placement, matrix);
            }
            if let (Some(logo), true) = (layout.logo, has_logo) {
                draw::logo(&mut content, self.frame, rect, logo);
            }
            draw::text(&mut content, self.frame, (rect.x, rect.y), draw::runs(&layout.lines), glyphs, &mut scratch);
        }
        Ok(document::deflate(&content.finish(), CONTENT_LEVEL))
    }
}
