//! Workspace logos: an upload (PNG or SVG, checked by content) becomes a decoded raster that label
//! sheets embed. SVG uploads are rasterised once here.
//!
//! PNGs are decoded whatever their colour type and bit depth (palette, grey, 16-bit all become RGB8 plus
//! alpha); their size is checked from the header before anything is allocated. Both kinds end up at most
//! [`MAX_LOGO_SIDE`] pixels on the longer side, so a label PDF stays small.

mod decode_png;
mod render_svg;
mod rgba;

use crate::LabelError;

/// The longer side of a logo after upload, in pixels: larger PNGs are scaled down, SVGs are rendered at it.
pub const MAX_LOGO_SIDE: u32 = 1024;

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// The widest and highest PNG accepted, in pixels.
const MAX_SIDE: u32 = 4096;

/// The most pixels a PNG may have.
const MAX_PIXELS: u64 = 4096 * 4096;

/// The PNG file signature.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A validated logo, decoded to 8-bit RGB plus an alpha channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    alpha: Vec<u8>,
}

impl Logo {
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Pixels as RGB triples, row by row.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// One alpha byte per pixel, row by row (255 = opaque).
    pub fn alpha(&self) -> &[u8] {
        &self.alpha
    }

    /// Reads an uploaded logo (PNG or SVG, recognised by content, not by name or MIME type).
    ///
    /// A PNG (by its signature) may be up to 4096 × 4096 pixels and is scaled down with a box filter to at
    /// most [`MAX_LOGO_SIDE`] pixels on the longer side. An SVG (`<svg` after an optional byte-order mark, XML
    /// declaration, comments, doctype and whitespace) is rendered without text (no fonts are loaded) and
    /// without any external file, [`MAX_LOGO_SIDE`] pixels on the longer side. Anything else, or more than
    /// [`MAX_UPLOAD_BYTES`], is refused.
    pub fn from_upload(bytes: &[u8]) -> Result<Logo, LabelError> {
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(LabelError::Logo(format!("The logo may be at most {} MB.", MAX_UPLOAD_BYTES / (1024 * 1024))));
        }
        let image = if bytes.starts_with(PNG_SIGNATURE) {
            decode_png::decode(bytes)?.fit_within(MAX_LOGO_SIDE)
        } else if looks_like_svg(bytes) {
            render_svg::render(bytes, MAX_LOGO_SIDE)?
        } else {
            return Err(LabelError::Logo("The logo must be a PNG or SVG image.".into()));
        };
        let (rgb, alpha) = image.split();
        Ok(Logo { width: image.width, height: image.height, rgb, alpha })
    }
}

/// Whether the bytes start (after a BOM, whitespace, an XML declaration, comments and a doctype) with an
/// `<svg` element.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let mut rest = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    loop {
        rest = rest.trim_ascii_start();
        let skip_past = |rest: &[u8], end: &[u8]| -> Option<usize> {
            rest.windows(end.len()).position(|w| w == end).map(|i| i + end.len())
        };
        let skipped = if rest.starts_with(b"<?") {
            skip_past(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_past(rest, b"-->")
        } else if rest.starts_with(b"<!DOCTYPE") || rest.starts_with(b"<!doctype") {
            let subset = rest.iter().position(|&b| b == b'[');
            let close = rest.iter().position(|&b| b == b'>');
            match (subset, close) {
                (Some(open), Some(close)) if open < close => skip_past(rest, b"]>"),
                (_, Some(close)) => Some(close + 1),
                _ => None,
            }
        } else {
            let Some(after) = rest.strip_prefix(b"<svg") else { return false };
            return after.first().is_some_and(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/');
        };
        match skipped {
            Some(n) => rest = &rest[n..],
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, color: png::ColorType, depth: png::BitDepth, data: &[u8]) -> Vec<u8> {
        png_with(width, height, color, depth, data, |_| {})
    }

    fn png_with(
        width: u32,
        height: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        data: &[u8],
        setup: impl FnOnce(&mut png::Encoder<'_, &mut Vec<u8>>),
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        setup(&mut encoder);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(data).expect("data");
        writer.finish().expect("finish");
        out
    }

    #[test]
    fn png_rgba_keeps_its_pixels_and_alpha() {
        let data = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255];
        let logo = Logo::from_upload(&png(2, 2, png::ColorType::Rgba, png::BitDepth::Eight, &data)).expect("logo");
        assert_eq!((logo.width(), logo.height()), (2, 2));
        assert_eq!(logo.rgb(), [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
        assert_eq!(logo.alpha(), [255, 128, 0, 255]);
    }

    #[test]
    fn png_palette_grey_and_16_bit_become_rgb8_with_alpha() {
        // A 2-colour palette with a transparent entry, 1 bit per pixel: pixels 0, 1.
        let indexed = png_with(2, 1, png::ColorType::Indexed, png::BitDepth::One, &[0b0100_0000], |e| {
            e.set_palette(vec![255, 255, 255, 200, 0, 0]);
            e.set_trns(vec![0, 255]);
        });
        let logo = Logo::from_upload(&indexed).expect("logo");
        assert_eq!(logo.rgb(), [255, 255, 255, 200, 0, 0]);
        assert_eq!(logo.alpha(), [0, 255]);
        // 16-bit grey: 0x8000 → 0x80.
        let grey16 = png(1, 1, png::ColorType::Grayscale, png::BitDepth::Sixteen, &[0x80, 0x00]);
        let logo = Logo::from_upload(&grey16).expect("logo");
        assert_eq!((logo.rgb(), logo.alpha()), (&[0x80, 0x80, 0x80][..], &[255][..]));
        let grey_alpha = png(1, 1, png::ColorType::GrayscaleAlpha, png::BitDepth::Eight, &[7, 9]);
        let logo = Logo::from_upload(&grey_alpha).expect("logo");
        assert_eq!((logo.rgb(), logo.alpha()), (&[7, 7, 7][..], &[9][..]));
    }

    #[test]
    fn large_pngs_are_scaled_down_and_huge_ones_refused() {
        let wide = png(2048, 4, png::ColorType::Rgb, png::BitDepth::Eight, &vec![40; 2048 * 4 * 3]);
        let logo = Logo::from_upload(&wide).expect("logo");
        assert_eq!((logo.width(), logo.height()), (MAX_LOGO_SIDE, 2));
        assert!(logo.rgb().iter().all(|&v| v == 40) && logo.alpha().iter().all(|&a| a == 255));
        assert_eq!(logo.rgb().len(), 1024 * 2 * 3);
        let too_wide = png(4097, 1, png::ColorType::Grayscale, png::BitDepth::One, &[0; 513]);
        let err = Logo::from_upload(&too_wide).expect_err("too wide");
        assert!(matches!(&err, LabelError::Logo(m) if m.contains("4096 × 4096")), "{err}");
        // A header claiming 4096 × 4096 with no pixel data: refused without allocating 64 MB per attempt.
        let mut fake = png(1, 1, png::ColorType::Rgba, png::BitDepth::Eight, &[0; 4]);
        fake[16..24].copy_from_slice(&[0, 0, 16, 0, 0, 0, 16, 0]);
        assert!(Logo::from_upload(&fake).is_err());
        let truncated = &png(8, 8, png::ColorType::Rgb, png::BitDepth::Eight, &[1; 192])[..40];
        assert!(matches!(Logo::from_upload(truncated), Err(LabelError::Logo(_))));
    }

    #[test]
    fn svg_is_rendered_at_1024_px_on_the_long_side() {
        let svg = br##"<?xml version="1.0" encoding="UTF-8"?>
            <!-- made by hand -->
            <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10">
              <rect x="0" y="0" width="10" height="10" fill="#ff0000"/>
              <image href="/etc/passwd" x="10" y="0" width="10" height="10"/>
              <text x="10" y="5">Text is not drawn</text>
            </svg>"##;
        let logo = Logo::from_upload(svg).expect("logo");
        assert_eq!((logo.width(), logo.height()), (1024, 512));
        let at = |x: usize, y: usize| {
            let i = y * 1024 + x;
            (&logo.rgb()[i * 3..i * 3 + 3], logo.alpha()[i])
        };
        assert_eq!(at(100, 100), (&[255, 0, 0][..], 255));
        assert_eq!(at(900, 100).1, 0, "the right half stays transparent");
        let tall =
            Logo::from_upload(br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="40"/>"#).expect("logo");
        assert_eq!((tall.width(), tall.height()), (256, 1024));
    }

    #[test]
    fn anything_else_is_refused_with_one_message() {
        let message = LabelError::Logo("The logo must be a PNG or SVG image.".into());
        for garbage in [
            &b""[..],
            b"hello",
            b"\xff\xd8\xff\xe0\x00\x10JFIF",
            b"GIF89a",
            b"<html><svg></svg></html>",
            b"<svgfoo/>",
            b"<!-- never closed <svg>",
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><notsvg/>",
        ] {
            assert_eq!(Logo::from_upload(garbage), Err(message.clone()), "{garbage:?}");
        }
        assert!(matches!(Logo::from_upload(b"<svg><rect"), Err(LabelError::Logo(m)) if m.contains("SVG")));
        assert!(looks_like_svg(b"\xef\xbb\xbf  <svg>"));
        assert!(looks_like_svg(b"<!DOCTYPE svg [ <!ENTITY x \"y\"> ]>\n<svg/>"));
        let huge = vec![b' '; MAX_UPLOAD_BYTES + 1];
        assert!(matches!(Logo::from_upload(&huge), Err(LabelError::Logo(m)) if m.contains("16 MB")));
    }
}
