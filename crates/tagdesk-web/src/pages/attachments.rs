//! `GET /attachments/{id}`: a case photo for staff. It needs a staff session and sight of the case's
//! deployment (anything else is 404, like an unknown id). Photos are re-encoded JPEGs from the intake, and
//! are served inline with `nosniff` and a CSP that allows nothing, so even a file that is not what it
//! claims cannot run anything. Portal visitors never reach this route (it takes only staff sessions).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tagdesk_app::attachments::{self, AttachmentId};

use crate::AppState;
use crate::error::PageResult;
use crate::pages::forms::path_id;
use crate::session::Staff;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/attachments/{id}", get(download))
}

/// Content types the intake produces; anything else stored is served as a download of bytes.
const IMAGE_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

/// `GET /attachments/{id}`.
async fn download(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, AttachmentId::parse)?;
    let (content_type, bytes) = attachments::open(&state.app, &staff.actor, id, state.app.attachments.as_ref()).await?;
    let content_type = if IMAGE_TYPES.contains(&content_type.as_str()) {
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    } else {
        HeaderValue::from_static("application/octet-stream")
    };
    let extension = match content_type.to_str().unwrap_or("") {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "bin",
    };
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"photo-{id}.{extension}\""))
        .unwrap_or(HeaderValue::from_static("inline"));
    let mut response: Response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, content_type);
    headers.insert(CONTENT_DISPOSITION, disposition);
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Private and short-lived: only this signed-in user's browser keeps it, briefly.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(response)
}
