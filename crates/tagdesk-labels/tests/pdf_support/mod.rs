//! Helpers shared by the PDF tests: the external tools that judge our output (poppler-utils' `pdftoppm`,
//! `pdftotext` and `pdffonts`, zbar-tools' `zbarimg`, `qpdf`), scratch directories, distinct device URLs,
//! decoding every QR code of a page with its position, and scanning a raster for ink.
//!
//! Without the tools a test prints a skip notice — unless `CI=true`, where a missing tool fails it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use tagdesk_labels::geometry::{Rect, SheetTemplate};
use tagdesk_labels::pdf::{layout_label, render_sheets};
use tagdesk_labels::{LabelData, PrintOptions, qr};

pub use raster::Raster;

mod raster;

/// Resolution every test rasterises at.
pub const DPI: f32 = 300.0;
/// Millimetres per raster pixel.
pub const MM_PER_PX: f32 = 25.4 / DPI;
/// Crockford base32 digits.
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Proof that every external tool is installed.
pub struct Tools(());

/// The tools, or `None` (after a skip notice) when one is missing outside CI.
pub fn tools(test: &str) -> Option<Tools> {
    let missing: Vec<&str> = ["pdftoppm", "pdftotext", "pdffonts", "zbarimg", "qpdf"]
        .into_iter()
        .filter(|tool| Command::new(tool).arg("--version").output().is_err())
        .collect();
    if missing.is_empty() {
        return Some(Tools(()));
    }
    let message =
        format!("{test}: {} not installed (apt-get install -y poppler-utils zbar-tools qpdf)", missing.join(", "));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    skip_notice(&message);
    None
}

/// Prints "SKIPPED …" straight to stderr, past the test harness's output capture, so it shows.
pub fn skip_notice(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {message}");
}

/// A scratch directory, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A fresh, empty directory named after the test.
    pub fn new(test: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tagdesk-labels-{test}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch directory");
        Scratch(dir)
    }

    /// Writes `bytes` to `name` in the directory and returns the path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, bytes).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_SCRATCH").is_none() {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

/// The portal URL of test device `i`: `HTTPS://DESK.EXAMPLE.COM/D/` + 13 Crockford base32 characters,
/// distinct for distinct `i`.
pub fn url(i: u64) -> String {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
    let token: String = (0..13).map(|k| char::from(CROCKFORD[((x >> (5 * k)) & 31) as usize])).collect();
    format!("HTTPS://DESK.EXAMPLE.COM/D/{token}")
}

/// `count` labels with distinct URLs and ordinary texts.
pub fn labels(count: usize) -> Vec<LabelData> {
    (0..count as u64)
        .map(|i| LabelData {
            url: url(i),
            name: format!("Printer {i}"),
            serial: format!("SN-{:06}", i * 37),
            site: "Head office".to_owned(),
            cta: None,
        })
        .collect()
}

/// Where label `index` of a rendering lands: page number (0-based) and rectangle on that page (mm, with
/// the calibration offsets applied).
pub fn placement(template: &SheetTemplate, options: &PrintOptions, index: usize) -> (usize, Rect) {
    let shift = |r: Rect| Rect { x: r.x + options.offset_x, y: r.y + options.offset_y, ..r };
    if template.roll {
        let r = Rect { x: 0.0, y: 0.0, w: template.label.width, h: template.label.height };
        return (index, shift(r));
    }
    let per_page = template.labels_per_page() as usize;
    let slot = index + options.start_at as usize;
    let rect = template.label_rect((slot % per_page) as u32).expect("slot on the page");
    (slot / per_page, shift(rect))
}

impl Tools {
    /// Asserts that `qpdf --check` accepts the file.
    pub fn qpdf_check(&self, pdf: &Path) {
        let out = Command::new("qpdf").arg("--check").arg(pdf).output().expect("run qpdf");
        assert!(
            out.status.success(),
            "qpdf --check {}: {}{}",
            pdf.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Rasterises every page at [`DPI`] in greyscale (`pdftoppm -gray`, binary PGM: no PNG decoding in
    /// unoptimised test builds); the image paths in page order.
    pub fn rasterise(&self, pdf: &Path) -> Vec<PathBuf> {
        let dir = pdf.with_extension("pages");
        fs::create_dir_all(&dir).expect("create page directory");
        let status = Command::new("pdftoppm")
            .args(["-r", &DPI.to_string(), "-gray"])
            .arg(pdf)
            .arg(dir.join("page"))
            .status()
            .expect("run pdftoppm");
        assert!(status.success(), "pdftoppm failed on {}", pdf.display());
        let mut pages: Vec<PathBuf> =
            fs::read_dir(&dir).expect("read pages").map(|e| e.expect("entry").path()).collect();
        pages.sort();
        pages
    }

    /// The data of every QR code `zbarimg` finds, per image (in the order given). zbarimg 0.23's XML
    /// carries no symbol positions, so position checks decode crops (see [`Raster::crop`]).
    pub fn decode(&self, images: &[PathBuf]) -> Vec<Vec<String>> {
        let out = Command::new("zbarimg").args(["--xml", "--nodbus", "-q"]).args(images).output().expect("run zbarimg");
        // zbarimg exits 4 when it finds nothing.
        assert!(
            out.status.success() || out.status.code() == Some(4),
            "zbarimg failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let xml = String::from_utf8(out.stdout).expect("zbarimg XML is UTF-8");
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("zbarimg XML: {e}\n{xml}"));
        images
            .iter()
            .map(|image| {
                let href = image.to_string_lossy();
                doc.descendants()
                    .filter(|n| n.has_tag_name("source") && n.attribute("href") == Some(&*href))
                    .flat_map(|source| source.descendants().filter(|n| n.has_tag_name("symbol")))
                    .filter_map(|symbol| symbol.children().find(|c| c.has_tag_name("data")).and_then(|d| d.text()))
                    .map(str::to_owned)
                    .collect()
            })
            .collect()
    }

    /// The text `pdftotext` extracts.
    pub fn text(&self, pdf: &Path) -> String {
        let out = Command::new("pdftotext").arg(pdf).arg("-").output().expect("run pdftotext");
        assert!(out.status.success(), "pdftotext failed on {}", pdf.display());
        String::from_utf8(out.stdout).expect("pdftotext output is UTF-8")
    }

    /// The font table `pdffonts` prints.
    pub fn fonts(&self, pdf: &Path) -> String {
        let out = Command::new("pdffonts").arg(pdf).output().expect("run pdffonts");
        assert!(out.status.success(), "pdffonts failed on {}", pdf.display());
        String::from_utf8(out.stdout).expect("pdffonts output is UTF-8")
    }

    /// Renders `labels`, checks the file with qpdf, rasterises it and asserts, per label: the pixels of
    /// its rectangle alone (template geometry shifted by the offsets) decode to its device's URL, and
    /// the quiet zone of its code (where the layout put it) is blank — so the code lies wholly inside
    /// the label and nothing overlaps it. Per page: no ink outside the label rectangles. And the text
    /// layer can be extracted. Returns the PDF's path.
    pub fn assert_sheet(
        &self,
        scratch: &Scratch,
        template: &SheetTemplate,
        options: &PrintOptions,
        labels: &[LabelData],
    ) -> PathBuf {
        let pdf = render_sheets(template, labels, options, &|_| {}).expect("render");
        let path = scratch.write(&format!("{}.pdf", template.id), &pdf);
        self.qpdf_check(&path);
        let pages = self.rasterise(&path);
        let expected_pages = placement(template, options, labels.len() - 1).0 + 1;
        assert_eq!(pages.len(), expected_pages, "{}: page count", template.id);
        let rasters: Vec<Raster> = pages.iter().map(|p| Raster::load(p)).collect();
        for (page, raster) in rasters.iter().enumerate() {
            let rects: Vec<Rect> = (0..labels.len())
                .map(|i| placement(template, options, i))
                .filter(|(p, _)| *p == page)
                .map(|(_, r)| r)
                .collect();
            let stray = raster.ink_outside(&rects, 0.3);
            assert!(
                stray.is_empty(),
                "{}: page {}: ink outside the labels at (mm) {:?}",
                template.id,
                page + 1,
                &stray[..stray.len().min(5)]
            );
        }
        let crops: Vec<PathBuf> = labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let (page, rect) = placement(template, options, i);
                let raster = &rasters[page];
                if options.fields.qr {
                    let matrix = qr::encode(&label.url, options.ec).expect("encode");
                    let layout = layout_label(&template.label, label, options, matrix.size());
                    let code = layout.qr.expect("a code");
                    assert_eq!(
                        raster.quiet_zone_ink(rect, code),
                        0,
                        "{}: label {i}: ink in the quiet zone",
                        template.id
                    );
                }
                raster.crop(rect, &path.with_extension(format!("label-{i}.pgm")))
            })
            .collect();
        for (i, found) in self.decode(&crops).iter().enumerate() {
            assert_eq!(found, &[labels[i].url.clone()], "{}: label {i} decodes from its own rectangle", template.id);
        }
        assert!(!self.text(&path).trim().is_empty() || !options.fields.name, "{}: no text layer", template.id);
        path
    }
}
