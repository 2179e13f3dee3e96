//! The one typeface of every label PDF: DejaVu Sans Condensed (Bitstream Vera licence, permissive), taken
//! from the `dejavu` crate so no font file lives in this repository. Condensed, because label text is
//! short of width long before it is short of height; DejaVu, for its Latin, Greek and Cyrillic coverage.
//!
//! This module parses the font once and measures text; [`super::embed`] subsets and embeds it.

use std::sync::OnceLock;

use ttf_parser::{Face, GlyphId};

use crate::Mm;

/// Millimetres per PDF point (1 pt = 1/72 in).
pub const MM_PER_PT: Mm = 25.4 / 72.0;

/// Characters below this code point have their glyph and advance in a table (Latin, Greek, Cyrillic).
const TABLE_END: u32 = 0x0600;

/// Advance (in font units of a 2048-unit em) assumed when the font cannot be read — never happens with the
/// bundled font, but measuring must not panic.
const FALLBACK_ADVANCE: u16 = 1200;

/// The PostScript name the embedded font gets (after its subset tag).
pub(crate) const POSTSCRIPT_NAME: &str = "DejaVuSansCondensed";

/// The raw TrueType font program.
pub(crate) fn font_data() -> &'static [u8] {
    dejavu::sans_condensed::regular()
}

/// The parsed font with the metrics label layout needs.
pub(crate) struct FontFace {
    face: Face<'static>,
    units_per_em: f32,
    /// `(glyph id, advance)` for every code point below [`TABLE_END`].
    table: Vec<(u16, u16)>,
}

/// The parsed bundled font, or `None` if it could not be read (then text is measured roughly and
/// rendering fails with an error).
pub(crate) fn face() -> Option<&'static FontFace> {
    static FACE: OnceLock<Option<FontFace>> = OnceLock::new();
    FACE.get_or_init(|| {
        let face = Face::parse(font_data(), 0).ok()?;
        let units_per_em = f32::from(face.units_per_em().max(1));
        let table = (0..TABLE_END)
            .map(|code| {
                let glyph = char::from_u32(code).and_then(|c| face.glyph_index(c)).unwrap_or(GlyphId(0));
                (glyph.0, face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .collect();
        Some(FontFace { face, units_per_em, table })
    })
    .as_ref()
}

impl FontFace {
    /// The glyph id and advance (font units) of `c`; glyph 0 (`.notdef`) when the font lacks it.
    pub(crate) fn glyph(&self, c: char) -> (u16, u16) {
        match self.table.get(c as usize) {
            Some(&entry) => entry,
            None => {
                let glyph = self.face.glyph_index(c).unwrap_or(GlyphId(0));
                (glyph.0, self.face.glyph_hor_advance(glyph).unwrap_or(0))
            }
        }
    }

    /// Font units per em.
    pub(crate) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    /// The parsed face (for the font descriptor).
    pub(crate) fn face(&self) -> &Face<'static> {
        &self.face
    }

    /// The advance of glyph `glyph` in font units.
    pub(crate) fn advance_of_glyph(&self, glyph: u16) -> u16 {
        self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0)
    }
}

/// Vertical metrics of the font as fractions of the font size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VerticalMetrics {
    /// Height above the baseline (positive).
    pub ascent: f32,
    /// Depth below the baseline (positive).
    pub descent: f32,
}

/// The font's ascent and descent per em.
pub(crate) fn vertical_metrics() -> VerticalMetrics {
    match face() {
        Some(f) => VerticalMetrics {
            ascent: f32::from(f.face.ascender()) / f.units_per_em,
            descent: -f32::from(f.face.descender()) / f.units_per_em,
        },
        None => VerticalMetrics { ascent: 0.93, descent: 0.24 },
    }
}

/// The advance of `c` in font units.
pub(crate) fn advance_units(c: char) -> u64 {
    match face() {
        Some(f) => u64::from(f.glyph(c).1),
        None => u64::from(FALLBACK_ADVANCE),
    }
}

/// The width of `text` in font units (no kerning: labels are short and kerning changes little).
pub(crate) fn text_units(text: &str) -> u64 {
    text.chars().map(advance_units).sum()
}

/// Converts a width in font units at `size_pt` to millimetres.
pub(crate) fn units_to_mm(units: u64, size_pt: f32) -> Mm {
    let per_em = face().map_or(2048.0, FontFace::units_per_em);
    units as f32 / per_em * size_pt * MM_PER_PT
}

/// The width of `text` set at `size_pt`, in millimetres.
pub fn text_width_mm(text: &str, size_pt: f32) -> Mm {
    units_to_mm(text_units(text), size_pt)
}
