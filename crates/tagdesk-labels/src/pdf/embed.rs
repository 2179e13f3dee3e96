//! Embedding the font once per document: the glyphs of every text the document can show are collected
//! up front, the font is subset to them with `subsetter`, and written as a Type0 / CIDFontType2 font with
//! Identity-H encoding (2-byte glyph ids), a widths array and a ToUnicode CMap so the text can be copied
//! and searched.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use super::font::{self, FontFace};
use crate::LabelError;

/// Object ids of the font's PDF objects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FontRefs {
    pub type0: Ref,
    pub cid: Ref,
    pub descriptor: Ref,
    pub file: Ref,
    pub to_unicode: Ref,
}

/// The glyphs of one document: which characters are used, and their glyph ids in the subset font.
pub(crate) struct GlyphSet {
    face: &'static FontFace,
    remapper: GlyphRemapper,
    /// Subset glyph id per code point below the table end (`u16::MAX` when unused).
    low: Vec<u16>,
    /// Subset glyph id for other code points.
    high: BTreeMap<char, u16>,
    /// The first character seen for each subset glyph (for ToUnicode).
    unicode: BTreeMap<u16, char>,
}

/// Code points below this get a direct lookup table.
const LOW_END: usize = 0x0600;

impl GlyphSet {
    /// Collects every character of `texts` (plus the space and the ellipsis fitting may add).
    pub(crate) fn collect<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<GlyphSet, LabelError> {
        let face = font::face().ok_or_else(|| LabelError::Render("The label font could not be read.".into()))?;
        let mut seen_low = vec![false; LOW_END];
        let mut seen_high = BTreeMap::new();
        let mut mark = |c: char| match seen_low.get_mut(c as usize) {
            Some(seen) => *seen = true,
            None => {
                seen_high.insert(c, ());
            }
        };
        mark(' ');
        mark('…');
        for text in texts {
            text.chars().for_each(&mut mark);
        }
        let chars: Vec<char> = (0..LOW_END as u32)
            .filter(|&code| seen_low[code as usize])
            .filter_map(char::from_u32)
            .chain(seen_high.into_keys())
            .collect();
        let glyphs: Vec<u16> = chars.iter().map(|&c| face.glyph(c).0).collect();
        let remapper = GlyphRemapper::new_from_glyphs_sorted(&glyphs);
        let mut set =
            GlyphSet { face, remapper, low: vec![u16::MAX; LOW_END], high: BTreeMap::new(), unicode: BTreeMap::new() };
        for (&c, &glyph) in chars.iter().zip(&glyphs) {
            let new = set.remapper.get(glyph).unwrap_or(0);
            match set.low.get_mut(c as usize) {
                Some(slot) => *slot = new,
                None => {
                    set.high.insert(c, new);
                }
            }
            if new != 0 && !c.is_control() {
                set.unicode.entry(new).or_insert(c);
            }
        }
        Ok(set)
    }

    /// The subset glyph id of `c` (`.notdef` if it was not collected or the font lacks it).
    fn glyph(&self, c: char) -> u16 {
        match self.low.get(c as usize) {
            Some(&g) if g != u16::MAX => g,
            Some(_) => 0,
            None => self.high.get(&c).copied().unwrap_or(0),
        }
    }

    /// Appends `text` as 2-byte big-endian glyph ids (Identity-H) to `out`.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u8>) {
        for c in text.chars() {
            out.extend_from_slice(&self.glyph(c).to_be_bytes());
        }
    }

    /// Writes the subset font and its dictionaries.
    pub(crate) fn write(&self, pdf: &mut Pdf, refs: FontRefs) -> Result<(), LabelError> {
        let program = subsetter::subset(font::font_data(), 0, &self.remapper)
            .map_err(|e| LabelError::Render(format!("The label font could not be subset: {e:?}")))?;
        let base = format!("{}+{}", self.subset_tag(), font::POSTSCRIPT_NAME);
        let base = Name(base.as_bytes());
        let face = self.face.face();
        let per_em = self.face.units_per_em();
        let scale = |v: f32| v / per_em * 1000.0;

        pdf.type0_font(refs.type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid)
            .to_unicode(refs.to_unicode);

        let widths: Vec<f32> =
            self.remapper.remapped_gids().map(|old| scale(f32::from(self.face.advance_of_glyph(old)))).collect();
        let mut cid = pdf.cid_font(refs.cid);
        cid.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system_info())
            .font_descriptor(refs.descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        let bbox = face.global_bounding_box();
        let ascent = scale(f32::from(face.ascender()));
        pdf.font_descriptor(refs.descriptor)
            .name(base)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                scale(f32::from(bbox.x_min)),
                scale(f32::from(bbox.y_min)),
                scale(f32::from(bbox.x_max)),
                scale(f32::from(bbox.y_max)),
            ))
            .italic_angle(face.italic_angle())
            .ascent(ascent)
            .descent(scale(f32::from(face.descender())))
            .cap_height(face.capital_height().map_or(ascent, |h| scale(f32::from(h))))
            .stem_v(95.0)
            .font_file2(refs.file);

        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&program, 6);
        pdf.stream(refs.file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), i32::try_from(program.len()).unwrap_or(i32::MAX));

        let mut cmap = UnicodeCmap::new(Name(b"Tagdesk-UTF16"), system_info());
        for (&glyph, &c) in &self.unicode {
            cmap.pair(glyph, c);
        }
        pdf.cmap(refs.to_unicode, &cmap.finish());
        Ok(())
    }

    /// Six upper-case letters derived from the glyph set (the PDF convention for subset fonts).
    fn subset_tag(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for glyph in self.remapper.remapped_gids() {
            hash = (hash ^ u64::from(glyph)).wrapping_mul(0x0100_0000_01b3);
        }
        (0..6).map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8)).collect()
    }
}

/// The Adobe-Identity-0 character collection of Identity-H fonts.
fn system_info() -> SystemInfo<'static> {
    SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 }
}
