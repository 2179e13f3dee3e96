//! Pure rendering of QR codes and label sheets for Tagdesk: bytes in, bytes out — no IO, no async, no
//! framework. The application layer chooses devices, loads templates and runs these functions on a
//! blocking thread; everything here is deterministic and testable in isolation.
//!
//! - [`geometry`]: label sheet templates (built-in, custom, imported) and where each label sits.
//! - [`glabels`]: import of gLabels template XML files.
//! - [`qr`]: QR encoding of a portal URL, SVG and PNG output.
//! - [`pdf`]: PDF label sheets and the alignment test page (fonts embedded and subset).
//! - [`bundle`]: ZIP of per-device SVG/PNG files, CSV of device → URL, file names.
//! - [`logo`]: validating a workspace logo upload (PNG or SVG).

pub mod bundle;
pub mod geometry;
pub mod glabels;
pub mod logo;
pub mod pdf;
pub mod qr;

mod error;

pub use error::LabelError;
pub use geometry::{LabelShape, Layout, Mm, PageSize, Rect, SheetTemplate};
pub use pdf::{LabelLayout, alignment_page, layout_label, module_size_mm, render_sheets};
pub use qr::{EcLevel, QrMatrix};

/// What one label shows: the QR payload and the texts beside it. Empty strings are simply not drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelData {
    /// The QR payload: the device's portal URL in upper case (`HTTPS://HOST/D/TOKEN`).
    pub url: String,
    /// The device's name.
    pub name: String,
    /// The device's serial number (may be empty).
    pub serial: String,
    /// The deployment's (site's) name.
    pub site: String,
    /// The call to action for this label, in its deployment's language; `None` uses [`PrintOptions::cta`]
    /// (a print across deployments can mix languages).
    pub cta: Option<String>,
}

/// Which fields a print shows. The call to action text comes in [`PrintOptions::cta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub qr: bool,
    pub name: bool,
    pub serial: bool,
    pub site: bool,
    pub cta: bool,
    pub logo: bool,
}

impl Default for Fields {
    fn default() -> Self {
        Fields { qr: true, name: true, serial: true, site: true, cta: true, logo: false }
    }
}

/// How a sheet is printed: which labels to skip, printer calibration, outlines, QR error correction.
#[derive(Debug, Clone)]
pub struct PrintOptions {
    /// Labels to skip at the start of the first sheet (a half-used sheet): 0 starts at the first label.
    pub start_at: u32,
    /// Printer calibration: everything moves right by this many mm (negative: left).
    pub offset_x: Mm,
    /// Printer calibration: everything moves down by this many mm (negative: up).
    pub offset_y: Mm,
    /// Draw each label's outline (thin grey) — for plain paper or checking alignment.
    pub outlines: bool,
    /// QR error correction level.
    pub ec: EcLevel,
    /// Which fields appear.
    pub fields: Fields,
    /// The call to action in the deployment's language, e.g. "Scan to report a problem".
    pub cta: String,
    /// The workspace logo, when `fields.logo` is on and a logo exists.
    pub logo: Option<logo::Logo>,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            start_at: 0,
            offset_x: 0.0,
            offset_y: 0.0,
            outlines: false,
            ec: EcLevel::M,
            fields: Fields::default(),
            cta: String::new(),
            logo: None,
        }
    }
}
