//! Bulk outputs besides PDF sheets: a ZIP of per-device QR codes (SVG + PNG) with filesystem-safe, unique
//! file names, and a CSV of device → portal URL.

mod archive;
mod names;
mod table;
mod translit;

pub use archive::{CodeFile, ZIP_CHUNK, zip_codes};
pub use names::{MAX_STEM_LEN, UniqueNames, file_stem};
pub use table::{UrlRow, csv};

pub(crate) use translit::ascii_fold;
