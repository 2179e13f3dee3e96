//! Where things go inside one label (pure geometry, in mm from the label's top-left corner): the QR
//! square (quiet zone included), the text lines and the logo. The split between code and text depends
//! only on the label shape and the enabled fields — never on one label's texts — so every code of a
//! sheet has the same size; the texts are then fitted into what is left.

use super::fit::{self, Align, FitItem, LINE_PITCH};
use super::font::MM_PER_PT;
use crate::geometry::{LabelShape, Mm, Rect, SheetTemplate};
use crate::qr::{self, QUIET_ZONE};
use crate::{LabelData, PrintOptions};

/// Inner padding of a label, at most (tiny labels get less).
const PADDING: Mm = 1.5;
/// Space between the QR square and the text block (the quiet zone adds its own white).
const GAP: Mm = 0.8;
/// Share of the inner width kept for text when the text sits beside the code.
const TEXT_SHARE: f32 = 0.45;
/// The tallest logo.
const LOGO_MAX_HEIGHT: Mm = 8.0;
/// Logos are left out below this height.
const LOGO_MIN_HEIGHT: Mm = 2.0;

/// Which text a line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// The device's name (the title: largest).
    Name,
    /// The serial number.
    Serial,
    /// The site's (deployment's) name.
    Site,
    /// The call to action, e.g. "Scan to report a problem".
    Cta,
}

impl TextField {
    /// Preferred and minimum font size in points.
    pub fn sizes_pt(self) -> (f32, f32) {
        match self {
            TextField::Name => (11.0, 6.0),
            TextField::Serial | TextField::Site | TextField::Cta => (8.0, 5.0),
        }
    }
}

/// The QR square of a label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QrBox {
    /// The square, quiet zone included.
    pub rect: Rect,
    /// One module's side.
    pub module: Mm,
}

/// One line of text on a label.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// Which field the line shows.
    pub field: TextField,
    /// The text as drawn (normalised white space, possibly ending in "…").
    pub text: String,
    /// Font size in points.
    pub size_pt: f32,
    /// The line's box: measured width, one line pitch high.
    pub rect: Rect,
    /// The baseline's distance from the label's top edge.
    pub baseline: Mm,
}

/// Everything placed on one label, in mm relative to the label's top-left corner (y down).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelLayout {
    /// The code, when the QR field is on.
    pub qr: Option<QrBox>,
    /// Text lines, top to bottom.
    pub lines: Vec<TextLine>,
    /// The logo's box (aspect ratio kept), when a logo is printed.
    pub logo: Option<Rect>,
}

/// The inner padding of a `width × height` label.
fn padding(width: Mm, height: Mm) -> Mm {
    (width.min(height) * 0.07).min(PADDING)
}

/// The enabled text fields, in priority and display order.
fn enabled_fields(options: &PrintOptions) -> impl Iterator<Item = TextField> + '_ {
    let f = options.fields;
    [(f.name, TextField::Name), (f.serial, TextField::Serial), (f.site, TextField::Site), (f.cta, TextField::Cta)]
        .into_iter()
        .filter_map(|(on, field)| on.then_some(field))
}

/// Whether a logo is printed.
fn wants_logo(options: &PrintOptions) -> bool {
    options.fields.logo && options.logo.as_ref().is_some_and(|l| l.width() > 0 && l.height() > 0)
}

/// The split of the inner area: the QR square, the text box and how text sits in it.
fn split(inner: Rect, qr: bool, reserve_height: Option<Mm>) -> (Option<Rect>, Option<(Rect, Align)>) {
    let square = |x: Mm, y: Mm, s: Mm| Rect { x, y, w: s, h: s };
    let Some(reserve_height) = reserve_height else {
        let s = inner.w.min(inner.h);
        let centred = square(inner.x + (inner.w - s) / 2.0, inner.y + (inner.h - s) / 2.0, s);
        return (qr.then_some(centred), None);
    };
    if !qr {
        return (None, Some((inner, Align::LeftMiddle)));
    }
    let beside = inner.h.min(inner.w - GAP - inner.w * TEXT_SHARE);
    let below = inner.w.min(inner.h - GAP - reserve_height);
    if beside >= below && beside > 0.0 {
        let code = square(inner.x, inner.y + (inner.h - beside) / 2.0, beside);
        let x = code.right() + GAP;
        let text = Rect { x, y: inner.y, w: inner.right() - x, h: inner.h };
        (Some(code), Some((text, Align::LeftMiddle)))
    } else if below > 0.0 {
        let code = square(inner.x + (inner.w - below) / 2.0, inner.y, below);
        let y = code.bottom() + GAP;
        let text = Rect { x: inner.x, y, w: inner.w, h: inner.bottom() - y };
        (Some(code), Some((text, Align::CentreTop)))
    } else {
        // Too small for both: the code wins.
        split(inner, qr, None)
    }
}

/// Lays out one label of `shape` showing `data` with `options`' fields; `matrix_size` is the code's
/// modules per side without the quiet zone.
pub fn layout_label(shape: &LabelShape, data: &LabelData, options: &PrintOptions, matrix_size: usize) -> LabelLayout {
    let (w, h) = (shape.width, shape.height);
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return LabelLayout::default();
    }
    let pad = padding(w, h);
    let inner = Rect { x: pad, y: pad, w: w - 2.0 * pad, h: h - 2.0 * pad };
    let fields: Vec<TextField> = enabled_fields(options).collect();
    let logo = wants_logo(options);
    let reserve = (!fields.is_empty() || logo).then(|| {
        let text: Mm = fields.iter().map(|f| f.sizes_pt().0 * LINE_PITCH * MM_PER_PT).sum();
        if logo { text + LOGO_MIN_HEIGHT * 2.0 } else { text }
    });
    let (code, text_box) = split(inner, options.fields.qr, reserve);
    let mut layout = LabelLayout {
        qr: code.map(|rect| QrBox { rect, module: rect.w / matrix_size.saturating_add(2 * QUIET_ZONE) as Mm }),
        ..LabelLayout::default()
    };
    let Some((mut text_box, align)) = text_box else {
        return layout;
    };
    if logo && let Some(image) = options.logo.as_ref() {
        let strip = if fields.is_empty() { text_box.h } else { (text_box.h * 0.3).min(LOGO_MAX_HEIGHT) };
        let (lw, lh) = (image.width() as Mm, image.height() as Mm);
        let scale = (text_box.w / lw).min(strip / lh);
        let (iw, ih) = (lw * scale, lh * scale);
        if ih >= LOGO_MIN_HEIGHT.min(strip) && ih > 0.0 && iw > 0.0 {
            let x = match align {
                Align::LeftMiddle => text_box.right() - iw,
                Align::CentreTop => text_box.x + (text_box.w - iw) / 2.0,
            };
            layout.logo = Some(Rect { x, y: text_box.y, w: iw, h: ih });
            let taken = ih + GAP;
            text_box = Rect { y: text_box.y + taken, h: text_box.h - taken, ..text_box };
        }
    }
    let text_of = |field: TextField| match field {
        TextField::Name => data.name.as_str(),
        TextField::Serial => data.serial.as_str(),
        TextField::Site => data.site.as_str(),
        TextField::Cta => data.cta.as_deref().unwrap_or(&options.cta),
    };
    let items: Vec<FitItem<'_>> = fields
        .iter()
        .map(|&f| {
            let (preferred_pt, min_pt) = f.sizes_pt();
            FitItem { text: text_of(f), preferred_pt, min_pt }
        })
        .collect();
    layout.lines = fit::fit(&items, text_box.w, text_box.h, align)
        .into_iter()
        .filter_map(|line| {
            Some(TextLine {
                field: *fields.get(line.item)?,
                text: line.text,
                size_pt: line.size_pt,
                rect: Rect { x: text_box.x + line.x, y: text_box.y + line.y, w: line.width, h: line.height },
                baseline: text_box.y + line.baseline,
            })
        })
        .collect();
    layout
}

/// The side of one QR module (mm) that `template` gives `sample_url` with `options` (fields and error
/// correction): below 0.4 mm phones may struggle. 0 when the template is invalid, the QR field is off
/// or the address cannot be encoded.
pub fn module_size_mm(template: &SheetTemplate, options: &PrintOptions, sample_url: &str) -> f32 {
    if template.validate().is_err() {
        return 0.0;
    }
    let Ok(matrix) = qr::encode(sample_url, options.ec) else {
        return 0.0;
    };
    let data = LabelData {
        url: sample_url.to_owned(),
        name: String::new(),
        serial: String::new(),
        site: String::new(),
        cta: None,
    };
    layout_label(&template.label, &data, options, matrix.size()).qr.map_or(0.0, |q| q.module)
}
