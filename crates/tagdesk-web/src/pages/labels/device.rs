//! One device's code and label: `GET /devices/{id}/qr.svg` (the preview and SVG download),
//! `GET /devices/{id}/qr.png?size=` (PNG download, 256–2048 px), `GET /devices/{id}/label.pdf?template=…`
//! (a single label on the chosen template, at a chosen position of a half-used sheet). Responses are
//! `no-store`: a code is a key to the device's portal page.

use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use serde::Deserialize;
use tagdesk_app::labels::render::PrintRequest;
use tagdesk_app::labels::single;
use tagdesk_domain::DeviceId;

use super::download;
use crate::AppState;
use crate::error::PageResult;
use crate::pages::forms::path_id;
use crate::session::Staff;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CodeQuery {
    size: String,
    /// `1`: send as a download (attachment) rather than inline.
    download: String,
}

pub(super) async fn qr_svg(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<CodeQuery>,
) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    let svg = single::qr_svg(&state.app, &staff.actor, &state.config.public_url, id).await?;
    if query.download == "1" {
        return Ok(download(svg.into_bytes(), &format!("qr-{id}.svg"), "image/svg+xml"));
    }
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        svg,
    )
        .into_response())
}

pub(super) async fn qr_png(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<CodeQuery>,
) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    let size = query.size.trim().parse::<u32>().unwrap_or(512);
    let png = single::qr_png(&state.app, &staff.actor, &state.config.public_url, id, size).await?;
    Ok(download(png, &format!("qr-{id}-{size}px.png"), "image/png"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct LabelQuery {
    template: String,
    start_at: String,
    printer_profile: String,
    fields: String,
    outlines: bool,
}

impl LabelQuery {
    fn request(&self) -> PrintRequest {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        PrintRequest {
            template: some(&self.template),
            start_at: self.start_at.trim().parse().unwrap_or(0),
            printer_profile: some(&self.printer_profile),
            fields: some(&self.fields),
            outlines: Some(self.outlines),
            ..Default::default()
        }
    }
}

pub(super) async fn label_pdf(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<LabelQuery>,
) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    let rendered = single::label_pdf(&state.app, &staff.actor, &state.config.public_url, id, &query.request()).await?;
    Ok(download(rendered.bytes, &rendered.file_name, rendered.content_type))
}
