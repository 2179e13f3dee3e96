//! Labels (PRODUCT.md §4): QR codes and printable label sheets for devices, one by one or in bulk.
//! Rendering itself is pure ([`tagdesk_labels`]); this module decides who may print what, which devices
//! a selection means, which template and calibration apply, remembers a deployment's choices, and runs
//! large prints as background jobs. Every CPU-heavy rendering runs on a blocking thread.
//!
//! - [`templates`]: built-in, custom and gLabels-imported sheet templates.
//! - [`printers`]: named printer profiles (x/y calibration offsets).
//! - [`settings`]: the workspace's QR error correction and logo; a deployment's remembered print choices.
//! - [`select`]: which devices a print covers.
//! - [`render`]: a print request → PDF, ZIP or CSV bytes; the alignment test page.
//! - [`single`]: one device's QR code (SVG, PNG) and single label.
//! - [`jobs`]: large prints in the background, with progress and a download.
//! - [`replace`]: "replace label": new tokens and new labels in one step.

pub mod jobs;
pub mod printers;
pub mod render;
pub mod replace;
pub mod select;
pub mod settings;
pub mod single;
pub mod templates;

use serde::{Deserialize, Serialize};
use tagdesk_labels::Fields;

use crate::{AppError, AppResult};

/// The most labels one print may hold (about 480 A4 sheets of Avery L7160); larger selections are refused
/// with a message to narrow them.
pub const MAX_LABELS_PER_PRINT: usize = 20_000;

/// Prints of at most this many labels come back at once; larger ones run as a background job.
pub const SYNC_LABEL_LIMIT: usize = 300;

/// A module smaller than this (mm) is hard for phone cameras at arm's length.
pub const MIN_COMFORTABLE_MODULE_MM: f32 = 0.4;

/// PNG sizes offered for QR downloads, in pixels.
pub const PNG_SIZES: [u32; 4] = [256, 512, 1024, 2048];

/// What a print produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelFormat {
    /// A PDF of label sheets.
    Pdf,
    /// A ZIP of one SVG and one PNG QR code per device.
    Zip,
    /// A CSV of device → portal URL.
    Csv,
}

impl LabelFormat {
    /// Parses `pdf`, `zip` or `csv`.
    pub fn parse(raw: &str) -> AppResult<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pdf" => Ok(Self::Pdf),
            "zip" => Ok(Self::Zip),
            "csv" => Ok(Self::Csv),
            _ => Err(AppError::invalid("format", "Choose PDF, ZIP or CSV.")),
        }
    }

    /// `pdf`, `zip` or `csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Zip => "zip",
            Self::Csv => "csv",
        }
    }

    /// The MIME type of the output.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Zip => "application/zip",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The label fields, by the names the UI, API and CLI use.
pub const FIELD_NAMES: [&str; 6] = ["qr", "name", "serial", "site", "cta", "logo"];

/// Parses a comma-separated field list (`qr,name,serial,site,cta,logo`); unknown names are refused.
pub fn parse_fields(raw: &str) -> AppResult<Fields> {
    let mut fields = Fields { qr: false, name: false, serial: false, site: false, cta: false, logo: false };
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match name.to_ascii_lowercase().as_str() {
            "qr" => fields.qr = true,
            "name" => fields.name = true,
            "serial" => fields.serial = true,
            "site" => fields.site = true,
            "cta" => fields.cta = true,
            "logo" => fields.logo = true,
            other => {
                return Err(AppError::invalid(
                    "fields",
                    format!("Unknown label field \u{201c}{other}\u{201d}; use qr, name, serial, site, cta or logo."),
                ));
            }
        }
    }
    if !fields.qr {
        return Err(AppError::invalid("fields", "A label needs its QR code."));
    }
    Ok(fields)
}

/// The comma-separated names of `fields`.
pub fn fields_string(fields: &Fields) -> String {
    let on = [fields.qr, fields.name, fields.serial, fields.site, fields.cta, fields.logo];
    FIELD_NAMES.iter().zip(on).filter(|(_, on)| *on).map(|(n, _)| *n).collect::<Vec<_>>().join(",")
}

/// The call to action printed on labels, in a deployment's language.
pub fn call_to_action(language: &str) -> &'static str {
    match language {
        "de" => "Scannen, um eine Störung zu melden",
        _ => "Scan to report a problem",
    }
}

/// The QR payload for a token: the portal URL in upper case (`HTTPS://HOST/D/TOKEN`), so QR alphanumeric
/// mode applies and codes stay small. Schemes and hosts are case-insensitive, the portal answers `/D/` as
/// well as `/d/` and resolves tokens case-insensitively. A path prefix of the public URL (Tagdesk behind
/// a reverse proxy at `/desk`) keeps its case, since a proxy may match it case-sensitively.
pub fn qr_payload(base_url: &str, token: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let (origin, path) = match base[authority_end..].find('/') {
        Some(i) => base.split_at(authority_end + i),
        None => (base, ""),
    };
    format!("{}{path}/D/{}", origin.to_ascii_uppercase(), token.to_ascii_uppercase())
}

/// Runs CPU-heavy rendering on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Internal(format!("label rendering stopped: {e}")))
}

/// Maps a rendering error: template/QR/logo problems are the caller's input, the rest is ours.
pub(crate) fn label_error(field: &str, error: tagdesk_labels::LabelError) -> AppError {
    use tagdesk_labels::LabelError as E;
    match error {
        E::InvalidTemplate(m) | E::Import(m) | E::Qr(m) | E::Logo(m) => AppError::invalid(field, m),
        E::Render(m) => AppError::Internal(format!("label rendering failed: {m}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_need_the_code() {
        let fields = parse_fields("qr, name,CTA").expect("valid");
        assert!(fields.qr && fields.name && fields.cta && !fields.serial && !fields.logo);
        assert_eq!(fields_string(&fields), "qr,name,cta");
        assert!(parse_fields("name").is_err());
        assert!(parse_fields("qr,colour").is_err());
    }

    #[test]
    fn payload_is_upper_case_for_alphanumeric_mode() {
        assert_eq!(
            qr_payload("https://desk.example.com/", "7K3M9QW2ZP4TX"),
            "HTTPS://DESK.EXAMPLE.COM/D/7K3M9QW2ZP4TX"
        );
        assert_eq!(qr_payload("http://10.0.0.5:8080", "7k3m9qw2zp4tx"), "HTTP://10.0.0.5:8080/D/7K3M9QW2ZP4TX");
        assert_eq!(
            qr_payload("https://example.com/desk/", "7K3M9QW2ZP4TX"),
            "HTTPS://EXAMPLE.COM/desk/D/7K3M9QW2ZP4TX"
        );
    }
}
