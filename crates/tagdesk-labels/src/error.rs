//! The one error type of label rendering and template import.

/// Why a template, an import or a rendering was refused. Messages are written for the person who
/// entered the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelError {
    /// A template's geometry is impossible (labels off the page, overlapping, zero size…).
    #[error("{0}")]
    InvalidTemplate(String),
    /// An imported file could not be read as gLabels XML.
    #[error("{0}")]
    Import(String),
    /// The QR payload cannot be encoded (too long for any QR version).
    #[error("{0}")]
    Qr(String),
    /// A logo upload is not a usable PNG or SVG.
    #[error("{0}")]
    Logo(String),
    /// Rendering failed (a font or image could not be embedded).
    #[error("{0}")]
    Render(String),
}
