//! API: QR codes and printable labels (issue 8). Handlers only translate HTTP ↔ `tagdesk_app::labels`:
//!
//! - [`codes`]: one device's QR code (SVG, PNG) and its single label (PDF).
//! - [`prints`]: bulk prints and "replace label" — the file at once for small selections, a background
//!   job for large ones.
//! - [`jobs`]: the job resource with progress, and its download.
//! - [`templates`]: label sheet templates (built-in and custom); [`import`]: gLabels imports.
//! - [`accuracy`]: the alignment test page and the QR module-size check.
//! - [`printers`]: printer profiles (calibration offsets).
//! - [`settings`]: the workspace's QR error correction and logo.
//!
//! Files carry a `Content-Disposition` with a file name of safe characters only and `Cache-Control:
//! no-store`: every QR code and label embeds the device's portal token.

pub mod accuracy;
pub mod codes;
pub mod import;
pub mod jobs;
pub mod printers;
pub mod prints;
pub mod settings;
pub mod templates;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;

use super::ApiError;
use crate::AppState;

/// Routes of every label module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(codes::routes())
        .merge(prints::routes())
        .merge(jobs::routes())
        .merge(templates::routes())
        .merge(import::routes())
        .merge(accuracy::routes())
        .merge(printers::routes())
        .merge(settings::routes())
}

/// The header that counts the entries of an explicit list that matched no device.
pub const UNMATCHED_HEADER: HeaderName = HeaderName::from_static("x-tagdesk-unmatched");

/// The header that lists those entries, each percent-encoded, separated by commas (at most
/// [`MAX_UNMATCHED_HEADER_BYTES`]; the count header always has them all).
pub const UNMATCHED_ENTRIES_HEADER: HeaderName = HeaderName::from_static("x-tagdesk-unmatched-entries");

/// The longest value of [`UNMATCHED_ENTRIES_HEADER`].
pub const MAX_UNMATCHED_HEADER_BYTES: usize = 4096;

/// `name` with every character other than ASCII letters, digits, `.`, `-` and `_` replaced by `_`, never
/// starting with a dot, at most 150 characters — safe inside a quoted `filename=` on every platform.
pub fn safe_file_name(name: &str) -> String {
    let mut safe: String = name
        .chars()
        .take(150)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    if safe.starts_with('.') {
        safe.replace_range(..1, "_");
    }
    if safe.is_empty() { "download".to_owned() } else { safe }
}

/// A file download: its type, `Content-Disposition: attachment` with a safe name, `no-store`, `nosniff`
/// and a sandboxing CSP (an SVG opened directly can run nothing).
pub fn file_response(bytes: impl Into<axum::body::Body>, content_type: &str, file_name: &str) -> Response {
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!("attachment; filename=\"{}\"", safe_file_name(file_name));
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    response
}

/// Adds the unmatched-entries headers to a response (nothing when every entry matched).
pub fn with_unmatched(mut response: Response, unmatched: &[String]) -> Response {
    if unmatched.is_empty() {
        return response;
    }
    let headers = response.headers_mut();
    headers.insert(UNMATCHED_HEADER, HeaderValue::from(unmatched.len()));
    let mut list = String::new();
    for entry in unmatched {
        let encoded = percent_encode(entry);
        if list.len() + encoded.len() + 1 > MAX_UNMATCHED_HEADER_BYTES {
            break;
        }
        if !list.is_empty() {
            list.push(',');
        }
        list.push_str(&encoded);
    }
    if let Ok(value) = HeaderValue::from_str(&list) {
        headers.insert(UNMATCHED_ENTRIES_HEADER, value);
    }
    response
}

/// Percent-encodes everything but ASCII letters, digits and `-._~` (RFC 3986 unreserved).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The server's public base URL without a trailing slash (QR payloads and job URLs start with it).
pub fn base_url(state: &AppState) -> &str {
    state.config.public_url.trim_end_matches('/')
}

/// A raw request body (a logo, a gLabels file) whose size and timing errors answer 413/408 as JSON.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) => Err(body_error(&rejection, rejection.status())),
        }
    }
}

/// A body that could not be read: 408 when it was too slow, 413 when too large, else `status`.
pub fn body_error(err: &(dyn std::error::Error + 'static), status: StatusCode) -> ApiError {
    if crate::body_guard::BodyTimeout::is_in(err) {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, "The request body arrived too slowly or stalled.")
    } else if status == StatusCode::PAYLOAD_TOO_LARGE || is_length_limit(err) {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.")
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "The request body could not be read.")
    }
}

fn is_length_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = current {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = err.source();
    }
    false
}

/// The answer of `IntoResponse` for a status and JSON body, for handlers that answer several shapes.
pub fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(safe_file_name("labels-north-2026-01-02.pdf"), "labels-north-2026-01-02.pdf");
        assert_eq!(safe_file_name("a\"b\r\nc/ü.pdf"), "a_b__c__.pdf");
        assert_eq!(safe_file_name("..hidden"), "_.hidden");
        assert_eq!(safe_file_name(""), "download");
    }

    #[test]
    fn unmatched_entries_are_percent_encoded() {
        assert_eq!(percent_encode("SN 1,ä"), "SN%201%2C%C3%A4");
    }
}
