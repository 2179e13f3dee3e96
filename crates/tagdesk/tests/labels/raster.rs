//! Reading printed sheets back: `pdftoppm` rasterises a PDF at 300 dpi (grey PGM), every label's rectangle
//! from the sheet geometry is cut out (with a small margin) and decoded on its own with `zbarimg` — so a
//! code is checked to be the right device's and to lie on its own label, and zbar's habit of missing one
//! code among twenty on a full page does not matter.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Raster resolution.
const DPI: f64 = 300.0;
/// How far beyond its label a crop reaches, in mm (covers small differences of imported geometry).
const MARGIN_MM: f64 = 1.5;
const MM_PER_INCH: f64 = 25.4;

/// Where labels sit on a sheet (mm from the page's top-left corner).
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub columns: usize,
    pub rows: usize,
    pub left: f64,
    pub top: f64,
    pub pitch_x: f64,
    pub pitch_y: f64,
    pub width: f64,
    pub height: f64,
}

/// Avery L7160: A4, 3 × 7 labels of 63.5 × 38.1 mm.
pub const AVERY_L7160: Sheet =
    Sheet { columns: 3, rows: 7, left: 7.25, top: 15.15, pitch_x: 66.0, pitch_y: 38.1, width: 63.5, height: 38.1 };

/// Avery 5160: US Letter, 3 × 10 labels of 2.625 × 1 in (gLabels' own file places them within a millimetre
/// of this).
pub const AVERY_5160: Sheet = Sheet {
    columns: 3,
    rows: 10,
    left: 0.1875 * MM_PER_INCH,
    top: 0.5 * MM_PER_INCH,
    pitch_x: 2.75 * MM_PER_INCH,
    pitch_y: MM_PER_INCH,
    width: 2.625 * MM_PER_INCH,
    height: MM_PER_INCH,
};

/// A grey raster.
struct Pgm {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Pgm {
    /// Reads a binary PGM (`P5`, 8 bit) as pdftoppm writes it.
    fn read(path: &Path) -> Pgm {
        let bytes = std::fs::read(path).expect("read PGM");
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        assert_eq!(fields[0], "P5", "{}", path.display());
        assert_eq!(fields[3], "255", "{}", path.display());
        let (width, height) = (fields[1].parse().expect("width"), fields[2].parse().expect("height"));
        let pixels = bytes[at + 1..].to_vec();
        assert_eq!(pixels.len(), width * height, "{}", path.display());
        Pgm { width, height, pixels }
    }

    /// The rectangle (mm) plus the margin, clamped to the raster, written as a PGM.
    fn crop(&self, x: f64, y: f64, w: f64, h: f64, out: &Path) {
        let px = |mm: f64| (mm * DPI / MM_PER_INCH).round().max(0.0) as usize;
        let (x0, y0) = (px(x - MARGIN_MM).min(self.width), px(y - MARGIN_MM).min(self.height));
        let (x1, y1) = (px(x + w + MARGIN_MM).min(self.width), px(y + h + MARGIN_MM).min(self.height));
        let mut data = format!("P5\n{} {}\n255\n", x1 - x0, y1 - y0).into_bytes();
        for row in y0..y1 {
            data.extend_from_slice(&self.pixels[row * self.width + x0..row * self.width + x1]);
        }
        std::fs::write(out, data).expect("write crop");
    }
}

/// The QR payloads `zbarimg` finds in an image.
pub fn zbar(image: &Path) -> Vec<String> {
    let output = Command::new("zbarimg")
        .args(["--raw", "-q", "--nodbus", "-Sdisable", "-Sqrcode.enable"])
        .arg(image)
        .output()
        .expect("run zbarimg");
    // zbarimg exits 4 when it finds nothing.
    assert!(output.status.success() || output.status.code() == Some(4), "zbarimg: {output:?}");
    String::from_utf8_lossy(&output.stdout).lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// Rasterises `pdf` into `scratch` and decodes `count` labels printed from slot `start_at` on: (pages,
/// what each label's rectangle decodes to, in print order).
pub fn decode_labels(
    pdf: &Path,
    scratch: &Path,
    sheet: Sheet,
    start_at: usize,
    count: usize,
) -> (usize, Vec<Vec<String>>) {
    std::fs::create_dir_all(scratch).expect("scratch directory");
    let prefix = scratch.join("page");
    let status =
        Command::new("pdftoppm").args(["-r", "300", "-gray"]).arg(pdf).arg(&prefix).status().expect("run pdftoppm");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(scratch)
        .expect("list pages")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("page-") && n.ends_with(".pgm"))
        })
        .collect();
    pages.sort();
    let per_page = sheet.columns * sheet.rows;
    let mut decoded = Vec::with_capacity(count);
    let mut loaded: Option<(usize, Pgm)> = None;
    for i in 0..count {
        let slot = start_at + i;
        let (page, index) = (slot / per_page, slot % per_page);
        if loaded.as_ref().is_none_or(|(p, _)| *p != page) {
            let file = pages.get(page).unwrap_or_else(|| panic!("label {i} should be on page {}", page + 1));
            loaded = Some((page, Pgm::read(file)));
        }
        let (_, raster) = loaded.as_ref().expect("a page");
        let (column, row) = (index % sheet.columns, index / sheet.columns);
        let crop = scratch.join(format!("label-{i}.pgm"));
        raster.crop(
            sheet.left + column as f64 * sheet.pitch_x,
            sheet.top + row as f64 * sheet.pitch_y,
            sheet.width,
            sheet.height,
            &crop,
        );
        decoded.push(zbar(&crop));
    }
    (pages.len(), decoded)
}
