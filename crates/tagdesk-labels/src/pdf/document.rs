//! The parts every label PDF shares: the catalog and page tree, the subset font, the logo image (embedded
//! once, referenced from every page) and page objects whose content streams arrive already compressed.

use pdf_writer::{Filter, Finish, Pdf, Rect as PdfRect, Ref, TextStr};

use super::draw::{FONT_NAME, LOGO_NAME};
use super::embed::{FontRefs, GlyphSet};
use super::font::MM_PER_PT;
use crate::LabelError;
use crate::geometry::PageSize;
use crate::logo::Logo;

const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const FONT: FontRefs = FontRefs {
    type0: Ref::new(4),
    cid: Ref::new(5),
    descriptor: Ref::new(6),
    file: Ref::new(7),
    to_unicode: Ref::new(8),
};
const LOGO_IMAGE: Ref = Ref::new(9);
const LOGO_MASK: Ref = Ref::new(10);
const FIRST_PAGE: i32 = 11;
/// The most pages one document may have (keeps object numbers far inside their range).
pub(crate) const MAX_PAGES: usize = 1_000_000;

/// Deflate level of page content: fast, since 10,000 labels must render in about a second.
pub(crate) const CONTENT_LEVEL: u8 = 1;
/// Deflate level of the font and the logo (written once per document).
const ONCE_LEVEL: u8 = 6;

/// Compresses `data` as a zlib stream (PDF's FlateDecode).
pub(crate) fn deflate(data: &[u8], level: u8) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, level)
}

/// A PDF being written page by page.
pub(crate) struct Document {
    pdf: Pdf,
    glyphs: GlyphSet,
    logo: bool,
    media_box: PdfRect,
    pages: Vec<Ref>,
}

impl Document {
    /// Starts a document whose pages are `page` in size; writes the logo once, if given.
    pub(crate) fn new(
        glyphs: GlyphSet,
        logo: Option<&Logo>,
        page: PageSize,
        capacity: usize,
    ) -> Result<Document, LabelError> {
        let mut pdf = Pdf::with_capacity(capacity);
        let has_logo = match logo {
            Some(logo) => write_logo(&mut pdf, logo)?,
            None => false,
        };
        Ok(Document {
            pdf,
            glyphs,
            logo: has_logo,
            media_box: PdfRect::new(0.0, 0.0, page.width / MM_PER_PT, page.height / MM_PER_PT),
            pages: Vec::new(),
        })
    }

    /// The document's glyphs (to encode text while building content).
    pub(crate) fn glyphs(&self) -> &GlyphSet {
        &self.glyphs
    }

    /// Whether the logo was embedded (pages may draw it).
    pub(crate) fn has_logo(&self) -> bool {
        self.logo
    }

    /// Appends a page whose content stream is `deflated` (see [`deflate`]).
    pub(crate) fn add_page(&mut self, deflated: &[u8]) -> Result<(), LabelError> {
        let index = match i32::try_from(self.pages.len()) {
            Ok(index) if self.pages.len() < MAX_PAGES => index,
            _ => return Err(LabelError::Render(format!("A PDF may have at most {MAX_PAGES} pages."))),
        };
        let page_ref = Ref::new(FIRST_PAGE + 2 * index);
        let content_ref = Ref::new(FIRST_PAGE + 2 * index + 1);
        self.pdf.stream(content_ref, deflated).filter(Filter::FlateDecode);
        let mut page = self.pdf.page(page_ref);
        page.media_box(self.media_box).parent(PAGE_TREE).contents(content_ref);
        let mut resources = page.resources();
        resources.fonts().pair(FONT_NAME, FONT.type0);
        if self.logo {
            resources.x_objects().pair(LOGO_NAME, LOGO_IMAGE);
        }
        resources.finish();
        page.finish();
        self.pages.push(page_ref);
        Ok(())
    }

    /// Writes the font, page tree and catalog and returns the file.
    pub(crate) fn finish(mut self, title: &str) -> Result<Vec<u8>, LabelError> {
        self.glyphs.write(&mut self.pdf, FONT)?;
        let count = i32::try_from(self.pages.len()).unwrap_or(i32::MAX);
        self.pdf.pages(PAGE_TREE).kids(self.pages.iter().copied()).count(count);
        self.pdf.catalog(CATALOG).pages(PAGE_TREE);
        self.pdf.document_info(INFO).title(TextStr(title)).producer(TextStr("Tagdesk"));
        Ok(self.pdf.finish())
    }
}

/// Embeds the logo as an RGB image with an alpha soft mask; `false` when it has no pixels.
fn write_logo(pdf: &mut Pdf, logo: &Logo) -> Result<bool, LabelError> {
    let (w, h) = (logo.width(), logo.height());
    let pixels = (w as usize).saturating_mul(h as usize);
    if pixels == 0 {
        return Ok(false);
    }
    if logo.rgb().len() != pixels.saturating_mul(3) || logo.alpha().len() != pixels {
        return Err(LabelError::Render("The logo's pixel data does not match its size.".into()));
    }
    let (Ok(wi), Ok(hi)) = (i32::try_from(w), i32::try_from(h)) else {
        return Err(LabelError::Render("The logo is too large.".into()));
    };
    let opaque = logo.alpha().iter().all(|&a| a == 255);
    let rgb = deflate(logo.rgb(), ONCE_LEVEL);
    let mut image = pdf.image_xobject(LOGO_IMAGE, &rgb);
    image.filter(Filter::FlateDecode);
    image.width(wi).height(hi).bits_per_component(8);
    image.color_space().device_rgb();
    if !opaque {
        image.s_mask(LOGO_MASK);
    }
    image.finish();
    if !opaque {
        let alpha = deflate(logo.alpha(), ONCE_LEVEL);
        let mut mask = pdf.image_xobject(LOGO_MASK, &alpha);
        mask.filter(Filter::FlateDecode);
        mask.width(wi).height(hi).bits_per_component(8);
        mask.color_space().device_gray();
        mask.finish();
    }
    Ok(true)
}
