//! API: one device's QR code and single label. The code encodes the device's portal URL in upper case
//! (`HTTPS://HOST/D/TOKEN`, QR alphanumeric mode); anyone who can see the device may download it, printing
//! its label needs the right to work at its deployment.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use tagdesk_app::labels::render::PrintRequest;
use tagdesk_app::labels::single;
use tagdesk_domain::DeviceId;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{base_url, file_response};
use crate::AppState;
use crate::api::{ApiActor, ApiQuery, ApiResult, ErrorBody, parse_id};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(qr_svg)).routes(routes!(qr_png)).routes(routes!(label_pdf))
}

/// The size of a PNG code.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PngParams {
    /// Width and height in pixels, about: 256, 512 (default), 1024 or 2048. The code is scaled by whole
    /// pixels per module, so the image is at most this size.
    pub size: Option<u32>,
}

/// The choices of a single label; unset ones fall back to what the device's deployment printed last.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SingleLabelParams {
    /// A template slug, alias or name (see `GET /labels/templates`).
    pub template: Option<String>,
    /// Comma-separated fields: `qr,name,serial,site,cta,logo` (`qr` is required).
    pub fields: Option<String>,
    /// On a sheet template, the position to print at (0 = first label), so one label of a half-used
    /// sheet can be used.
    pub start_at: Option<u32>,
    /// A printer profile's id or name.
    pub printer_profile: Option<String>,
    /// Draw the label's outline.
    pub outlines: Option<bool>,
}

fn device_id(raw: &str) -> ApiResult<DeviceId> {
    parse_id(raw, DeviceId::parse)
}

/// Download a device's QR code as SVG (quiet zone included; the workspace's error correction level).
#[utoipa::path(get, path = "/devices/{id}/qr.svg", tag = "labels", params(("id" = String, Path, description = "Device id")),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The device has no portal link yet", body = ErrorBody)))]
async fn qr_svg(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = device_id(&id)?;
    let svg = single::qr_svg(&state.app, &actor, base_url(&state), id).await?;
    Ok(file_response(svg, "image/svg+xml", &format!("qr-{id}.svg")))
}

/// Download a device's QR code as PNG.
#[utoipa::path(get, path = "/devices/{id}/qr.png", tag = "labels", params(("id" = String, Path, description = "Device id"), PngParams),
    responses((status = 200, description = "The QR code", content(("image/png"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The device has no portal link yet", body = ErrorBody),
        (status = 422, description = "Unsupported size", body = ErrorBody)))]
async fn qr_png(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<PngParams>,
) -> ApiResult<Response> {
    let id = device_id(&id)?;
    let size = params.size.unwrap_or(tagdesk_app::labels::render::DEFAULT_PNG_PX);
    let png = single::qr_png(&state.app, &actor, base_url(&state), id, size).await?;
    Ok(file_response(png, "image/png", &format!("qr-{id}-{size}.png")))
}

/// Download a device's single label as PDF (one page of its template; on a sheet template at `start_at`).
#[utoipa::path(get, path = "/devices/{id}/label.pdf", tag = "labels", params(("id" = String, Path, description = "Device id"), SingleLabelParams),
    responses((status = 200, description = "The label", content(("application/pdf"))),
        (status = 401, body = ErrorBody), (status = 403, description = "A viewer of the deployment", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The device has no portal link yet", body = ErrorBody),
        (status = 422, description = "Unknown template or printer profile, bad fields, start position beyond the sheet", body = ErrorBody)))]
async fn label_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SingleLabelParams>,
) -> ApiResult<Response> {
    let id = device_id(&id)?;
    let request = PrintRequest {
        template: params.template,
        fields: params.fields,
        start_at: params.start_at.unwrap_or(0),
        printer_profile: params.printer_profile,
        outlines: params.outlines,
        ..PrintRequest::default()
    };
    let rendered = single::label_pdf(&state.app, &actor, base_url(&state), id, &request).await?;
    Ok(file_response(rendered.bytes, rendered.content_type, &rendered.file_name))
}
