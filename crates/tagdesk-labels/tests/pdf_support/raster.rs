//! Page rasters as `pdftoppm -gray` writes them (binary PGM): where the ink is, and crops of one label
//! for `zbarimg` to decode on their own.

use std::fs;
use std::path::{Path, PathBuf};

use tagdesk_labels::geometry::Rect;
use tagdesk_labels::pdf::QrBox;

use super::MM_PER_PX;

/// A greyscale page raster at [`DPI`].
pub struct Raster {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

/// Pixels darker than this count as ink.
const DARK: u8 = 160;

impl Raster {
    /// Reads a binary greyscale PGM (P5, 8 bit) as written by `pdftoppm -gray`.
    pub fn load(pgm: &Path) -> Raster {
        let bytes = fs::read(pgm).expect("read page");
        // Header: "P5", width, height, maxval, each after white space, then one white-space byte.
        let mut fields = Vec::new();
        let mut pos = 0;
        while fields.len() < 4 {
            while bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            let start = pos;
            while !bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            fields.push(std::str::from_utf8(&bytes[start..pos]).expect("PGM header").to_owned());
        }
        assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P5", "255"), "an 8-bit binary PGM");
        let (width, height): (usize, usize) = (fields[1].parse().expect("width"), fields[2].parse().expect("height"));
        let pixels = bytes[pos + 1..].to_vec();
        assert_eq!(pixels.len(), width * height, "PGM size");
        Raster { width, height, pixels }
    }

    /// Dark pixels (their mm positions, at most 200) not within `tolerance` mm of one of `rects`.
    pub fn ink_outside(&self, rects: &[Rect], tolerance: f32) -> Vec<(f32, f32)> {
        // Paint where ink may be, then look for ink elsewhere. A pixel counts as allowed when its square
        // touches a grown rectangle.
        let mut allowed = vec![false; self.width * self.height];
        for r in rects {
            let x0 = ((r.x - tolerance) / MM_PER_PX - 1.0).ceil().max(0.0) as usize;
            let y0 = ((r.y - tolerance) / MM_PER_PX - 1.0).ceil().max(0.0) as usize;
            let x1 = ((r.right() + tolerance) / MM_PER_PX).floor().max(-1.0) as isize + 1;
            let y1 = ((r.bottom() + tolerance) / MM_PER_PX).floor().max(-1.0) as isize + 1;
            let (x1, y1) = ((x1.max(0) as usize).min(self.width), (y1.max(0) as usize).min(self.height));
            for y in y0.min(y1)..y1 {
                allowed[y * self.width + x0.min(x1)..y * self.width + x1].fill(true);
            }
        }
        self.pixels
            .iter()
            .zip(&allowed)
            .enumerate()
            .filter(|(_, (v, ok))| **v < DARK && !**ok)
            .take(200)
            .map(|(i, _)| ((i % self.width) as f32 * MM_PER_PX, (i / self.width) as f32 * MM_PER_PX))
            .collect()
    }

    /// Writes the pixels of `rect` (mm) alone, on a white margin, as a greyscale PGM at `path`.
    pub fn crop(&self, rect: Rect, path: &Path) -> PathBuf {
        const MARGIN: usize = 40;
        let to_px = |mm: f32| (mm / MM_PER_PX).round().max(0.0) as usize;
        let (x0, y0) = (to_px(rect.x).min(self.width), to_px(rect.y).min(self.height));
        let (x1, y1) = (to_px(rect.right()).min(self.width), to_px(rect.bottom()).min(self.height));
        let (w, h) = (x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN);
        let mut out = vec![255_u8; w * h];
        for y in y0..y1 {
            let row = &self.pixels[y * self.width + x0..y * self.width + x1];
            out[(y - y0 + MARGIN) * w + MARGIN..][..row.len()].copy_from_slice(row);
        }
        let mut file = format!("P5\n{w} {h}\n255\n").into_bytes();
        file.extend_from_slice(&out);
        fs::write(path, file).expect("write crop");
        path.to_owned()
    }

    /// Dark pixels in the quiet zone of `code` (a label-relative QR square) on the label at `label`
    /// (page mm), a quarter module in from each edge to allow for anti-aliasing.
    pub fn quiet_zone_ink(&self, label: Rect, code: QrBox) -> usize {
        let margin = code.module / 4.0;
        let quiet = 4.0 * code.module;
        let (x, y, s) = (label.x + code.rect.x, label.y + code.rect.y, code.rect.w);
        let band = quiet - 2.0 * margin;
        [
            Rect { x: x + margin, y: y + margin, w: s - 2.0 * margin, h: band },
            Rect { x: x + margin, y: y + s - quiet + margin, w: s - 2.0 * margin, h: band },
            Rect { x: x + margin, y: y + margin, w: band, h: s - 2.0 * margin },
            Rect { x: x + s - quiet + margin, y: y + margin, w: band, h: s - 2.0 * margin },
        ]
        .into_iter()
        .map(|r| self.dark_in(r))
        .sum()
    }

    /// How many dark pixels lie (wholly) inside `rect` (mm).
    pub fn dark_in(&self, rect: Rect) -> usize {
        let to_px = |mm: f32| (mm / MM_PER_PX).max(0.0) as usize;
        let (x0, y0) = (to_px(rect.x).min(self.width), to_px(rect.y).min(self.height));
        let (x1, y1) = (to_px(rect.right()).min(self.width), to_px(rect.bottom()).min(self.height));
        (y0..y1)
            .map(|y| self.pixels[y * self.width + x0..y * self.width + x1].iter().filter(|&&v| v < DARK).count())
            .sum()
    }
}
