//! Label sheet templates as data: page size, label shape and one or more grids ([`Layout`]s) of labels,
//! all in millimetres from the page's top-left corner. Built-in templates carry their published geometry
//! (`LABEL-SHEETS.md`); custom and imported ones are checked by [`SheetTemplate::validate`].

use serde::{Deserialize, Serialize};

use crate::LabelError;

/// A length in millimetres.
pub type Mm = f32;

/// Millimetres per inch.
pub const MM_PER_INCH: Mm = 25.4;

/// Tolerance for "fits on the page" and "does not overlap" checks (published geometry is rounded).
const TOLERANCE: Mm = 0.05;

/// The largest page accepted (a long roll label or A0 is far below this).
const MAX_PAGE: Mm = 1500.0;

/// The most labels one page may hold.
const MAX_LABELS_PER_PAGE: u32 = 1000;

/// A page's size in mm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageSize {
    pub width: Mm,
    pub height: Mm,
}

impl PageSize {
    /// ISO A4, 210 × 297 mm.
    pub const A4: PageSize = PageSize { width: 210.0, height: 297.0 };
    /// US Letter, 8.5 × 11 in.
    pub const LETTER: PageSize = PageSize { width: 8.5 * MM_PER_INCH, height: 11.0 * MM_PER_INCH };
}

/// The shape of every label of a template (rectangular, optionally with rounded corners).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabelShape {
    pub width: Mm,
    pub height: Mm,
    #[serde(default)]
    pub corner_radius: Mm,
}

/// One grid of labels on the page: `columns × rows` labels, the first one's top-left corner at
/// (`left`, `top`), the next one `pitch_x` to the right and `pitch_y` down.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub columns: u32,
    pub rows: u32,
    pub left: Mm,
    pub top: Mm,
    pub pitch_x: Mm,
    pub pitch_y: Mm,
}

/// A rectangle in mm, from the page's top-left corner (y grows downwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: Mm,
    pub y: Mm,
    pub w: Mm,
    pub h: Mm,
}

impl Rect {
    /// The right edge.
    pub fn right(&self) -> Mm {
        self.x + self.w
    }

    /// The bottom edge.
    pub fn bottom(&self) -> Mm {
        self.y + self.h
    }

    /// Whether the two rectangles share more than a `tolerance`-wide sliver.
    pub fn overlaps(&self, other: &Rect, tolerance: Mm) -> bool {
        self.x + tolerance < other.right()
            && other.x + tolerance < self.right()
            && self.y + tolerance < other.bottom()
            && other.y + tolerance < self.bottom()
    }

    /// Whether `inner` lies within this rectangle (allowing `tolerance`).
    pub fn contains(&self, inner: &Rect, tolerance: Mm) -> bool {
        inner.x + tolerance >= self.x
            && inner.y + tolerance >= self.y
            && inner.right() <= self.right() + tolerance
            && inner.bottom() <= self.bottom() + tolerance
    }
}

/// A label sheet (or roll) template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetTemplate {
    /// A stable slug, e.g. `avery-l7160`; unique within a workspace's templates.
    pub id: String,
    /// What people call it, e.g. "Avery L7160".
    pub name: String,
    /// A line about it, e.g. "Address labels, 63.5 × 38.1 mm, 21 per A4 sheet".
    #[serde(default)]
    pub description: String,
    pub page: PageSize,
    pub label: LabelShape,
    pub layouts: Vec<Layout>,
    /// A roll of labels: one label per PDF page, the page the size of the label.
    #[serde(default)]
    pub roll: bool,
    /// Other product codes for the same stock (gLabels `equiv=`), e.g. "J8160".
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl SheetTemplate {
    /// A roll template: one label per page, page size = label size.
    pub fn roll(id: &str, name: &str, description: &str, width: Mm, height: Mm, corner_radius: Mm) -> Self {
        SheetTemplate {
            id: id.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            page: PageSize { width, height },
            label: LabelShape { width, height, corner_radius },
            layouts: vec![Layout { columns: 1, rows: 1, left: 0.0, top: 0.0, pitch_x: width, pitch_y: height }],
            roll: true,
            aliases: Vec::new(),
        }
    }

    /// How many labels one page holds.
    pub fn labels_per_page(&self) -> u32 {
        self.layouts.iter().map(|l| l.columns.saturating_mul(l.rows)).fold(0_u32, u32::saturating_add)
    }

    /// The rectangle of the `index`-th label of a page (layout by layout, row by row, left to right), or
    /// `None` past the last one.
    pub fn label_rect(&self, index: u32) -> Option<Rect> {
        let mut index = index;
        for layout in &self.layouts {
            let count = layout.columns * layout.rows;
            if index < count {
                let (row, column) = (index / layout.columns, index % layout.columns);
                return Some(Rect {
                    x: layout.left + column as Mm * layout.pitch_x,
                    y: layout.top + row as Mm * layout.pitch_y,
                    w: self.label.width,
                    h: self.label.height,
                });
            }
            index -= count;
        }
        None
    }

    /// Every label rectangle of a page, in print order.
    pub fn label_rects(&self) -> Vec<Rect> {
        (0..self.labels_per_page()).filter_map(|i| self.label_rect(i)).collect()
    }

    /// Checks that the template can be printed: sizes positive and finite, every label on the page, no
    /// two labels overlapping, the corner radius at most half the shorter side.
    pub fn validate(&self) -> Result<(), LabelError> {
        let bad = |message: String| Err(LabelError::InvalidTemplate(message));
        if self.id.trim().is_empty() || self.name.trim().is_empty() {
            return bad("A template needs an id and a name.".into());
        }
        let positive = |v: Mm| v.is_finite() && v > 0.0;
        if !positive(self.page.width) || !positive(self.page.height) {
            return bad("The page width and height must be greater than 0 mm.".into());
        }
        if self.page.width > MAX_PAGE || self.page.height > MAX_PAGE {
            return bad(format!("The page may be at most {MAX_PAGE} mm wide and high."));
        }
        if !positive(self.label.width) || !positive(self.label.height) {
            return bad("The label width and height must be greater than 0 mm.".into());
        }
        let r = self.label.corner_radius;
        if !r.is_finite() || r < 0.0 || r > self.label.width.min(self.label.height) / 2.0 + TOLERANCE {
            return bad("The corner radius must be between 0 and half the label's shorter side.".into());
        }
        if self.layouts.is_empty() {
            return bad("A template needs at least one row and column of labels.".into());
        }
        for layout in &self.layouts {
            if layout.columns == 0 || layout.rows == 0 {
                return bad("Columns and rows must be at least 1.".into());
            }
            let finite = [layout.left, layout.top, layout.pitch_x, layout.pitch_y].iter().all(|v| v.is_finite());
            if !finite || layout.left < -TOLERANCE || layout.top < -TOLERANCE {
                return bad("Margins must be 0 mm or more.".into());
            }
            if layout.columns > 1 && layout.pitch_x + TOLERANCE < self.label.width {
                return bad(format!(
                    "The horizontal pitch ({} mm) is smaller than the label width ({} mm): labels would overlap.",
                    layout.pitch_x, self.label.width
                ));
            }
            if layout.rows > 1 && layout.pitch_y + TOLERANCE < self.label.height {
                return bad(format!(
                    "The vertical pitch ({} mm) is smaller than the label height ({} mm): labels would overlap.",
                    layout.pitch_y, self.label.height
                ));
            }
        }
        let per_page = self.labels_per_page();
        if per_page > MAX_LABELS_PER_PAGE {
            return bad(format!("A page may hold at most {MAX_LABELS_PER_PAGE} labels."));
        }
        let page = Rect { x: 0.0, y: 0.0, w: self.page.width, h: self.page.height };
        let rects = self.label_rects();
        for (i, rect) in rects.iter().enumerate() {
            if !page.contains(rect, TOLERANCE) {
                return bad(format!(
                    "Label {} (at {:.1} × {:.1} mm) does not fit on the {:.1} × {:.1} mm page.",
                    i + 1,
                    rect.x,
                    rect.y,
                    self.page.width,
                    self.page.height
                ));
            }
        }
        // Labels of one layout cannot overlap once the pitches are checked; layouts can overlap each other.
        if self.layouts.len() > 1 {
            for (i, a) in rects.iter().enumerate() {
                if let Some(j) = rects[i + 1..].iter().position(|b| a.overlaps(b, TOLERANCE)) {
                    return bad(format!("Labels {} and {} overlap.", i + 1, i + j + 2));
                }
            }
        }
        Ok(())
    }
}

/// A sheet template from its published geometry (one grid).
#[expect(clippy::too_many_arguments, reason = "a table row of published geometry")]
fn sheet(
    id: &str,
    name: &str,
    description: &str,
    page: PageSize,
    (columns, rows): (u32, u32),
    (width, height, corner_radius): (Mm, Mm, Mm),
    (left, top): (Mm, Mm),
    (pitch_x, pitch_y): (Mm, Mm),
) -> SheetTemplate {
    SheetTemplate {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        page,
        label: LabelShape { width, height, corner_radius },
        layouts: vec![Layout { columns, rows, left, top, pitch_x, pitch_y }],
        roll: false,
        aliases: Vec::new(),
    }
}

/// The built-in templates, with the published geometry of `LABEL-SHEETS.md`.
pub fn builtins() -> Vec<SheetTemplate> {
    let inch = MM_PER_INCH;
    let a4 = PageSize::A4;
    let letter = PageSize::LETTER;
    vec![
        sheet(
            "avery-l7160",
            "Avery L7160",
            "63.5 × 38.1 mm, 21 per A4 sheet",
            a4,
            (3, 7),
            (63.5, 38.1, 2.0),
            (7.25, 15.15),
            (66.0, 38.1),
        ),
        sheet(
            "avery-l7163",
            "Avery L7163",
            "99.1 × 38.1 mm, 14 per A4 sheet",
            a4,
            (2, 7),
            (99.1, 38.1, 2.0),
            (4.65, 15.15),
            (101.6, 38.1),
        ),
        sheet(
            "avery-l7651",
            "Avery L7651",
            "38.1 × 21.2 mm, 65 per A4 sheet",
            a4,
            (5, 13),
            (38.1, 21.2, 1.5),
            (4.75, 10.7),
            (40.6, 21.2),
        ),
        sheet(
            "avery-5160",
            "Avery 5160",
            "2.625 × 1 in, 30 per US Letter sheet",
            letter,
            (3, 10),
            (2.625 * inch, inch, 0.06 * inch),
            (0.1875 * inch, 0.5 * inch),
            (2.75 * inch, inch),
        ),
        sheet(
            "avery-5163",
            "Avery 5163",
            "4 × 2 in, 10 per US Letter sheet",
            letter,
            (2, 5),
            (4.0 * inch, 2.0 * inch, 0.06 * inch),
            (0.15625 * inch, 0.5 * inch),
            (4.1875 * inch, 2.0 * inch),
        ),
        SheetTemplate::roll("roll-62x29", "Roll 62 × 29 mm", "Brother DK-11209, one label per page", 62.0, 29.0, 0.0),
        SheetTemplate::roll("roll-57x32", "Roll 57 × 32 mm", "Dymo 11354, one label per page", 57.0, 32.0, 0.0),
        SheetTemplate::roll(
            "roll-2x1in",
            "Roll 2 × 1 in",
            "Thermal 50.8 × 25.4 mm, one label per page",
            2.0 * inch,
            inch,
            0.0,
        ),
    ]
}

/// The built-in template with this id.
pub fn builtin(id: &str) -> Option<SheetTemplate> {
    builtins().into_iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_valid_and_matches_its_published_count() {
        let counts = [21, 14, 65, 30, 10, 1, 1, 1];
        for (template, count) in builtins().iter().zip(counts) {
            template.validate().unwrap_or_else(|e| panic!("{}: {e}", template.id));
            assert_eq!(template.labels_per_page(), count, "{}", template.id);
        }
    }

    #[test]
    fn l7160_labels_sit_at_the_published_positions() {
        let t = builtin("avery-l7160").expect("built in");
        let last = t.label_rect(20).expect("21 labels");
        assert!((last.x - (7.25 + 2.0 * 66.0)).abs() < 1e-3);
        assert!((last.y - (15.15 + 6.0 * 38.1)).abs() < 1e-3);
        assert!(t.label_rect(21).is_none());
        // The grid is centred on the page within a tenth of a millimetre.
        assert!((last.right() - (210.0 - 7.25)).abs() < 0.1);
    }

    #[test]
    fn overlapping_or_off_page_templates_are_refused() {
        let mut t = builtin("avery-l7160").expect("built in");
        t.layouts[0].pitch_x = 60.0;
        assert!(matches!(t.validate(), Err(LabelError::InvalidTemplate(m)) if m.contains("overlap")));
        let mut t = builtin("avery-l7160").expect("built in");
        t.layouts[0].left = 20.0;
        assert!(matches!(t.validate(), Err(LabelError::InvalidTemplate(m)) if m.contains("does not fit")));
        let mut t = builtin("avery-l7160").expect("built in");
        t.label.width = f32::NAN;
        assert!(t.validate().is_err());
        let mut t = builtin("avery-l7160").expect("built in");
        t.layouts.push(t.layouts[0]);
        assert!(matches!(t.validate(), Err(LabelError::InvalidTemplate(m)) if m.contains("overlap")));
    }
}
