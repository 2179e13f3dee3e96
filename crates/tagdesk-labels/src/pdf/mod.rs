//! PDF label sheets and the alignment test page, written with `pdf-writer`: one embedded, subset font
//! (DejaVu Sans Condensed) per document, QR codes as vector paths, an optional logo embedded once.
//!
//! - [`layout`]: where the code, the text and the logo go inside one label (pure geometry).
//! - `fit`: shrinking, wrapping and ellipsising text to a box with the font's metrics.
//! - `font` / `embed`: the font, its metrics, and subsetting and embedding it.
//! - `draw`, `document`, `sheet`, `alignment`: writing content streams, documents and pages.
//!
//! Geometry is in mm from the page's (or label's) top-left corner, y down, as in [`crate::geometry`];
//! only `draw` converts to PDF points with the origin bottom-left.

mod alignment;
mod document;
mod draw;
mod embed;
mod fit;
mod font;
pub mod layout;
mod sheet;

pub use alignment::alignment_page;
pub use font::{MM_PER_PT, text_width_mm};
pub use layout::{LabelLayout, QrBox, TextField, TextLine, layout_label, module_size_mm};
pub use sheet::render_sheets;
