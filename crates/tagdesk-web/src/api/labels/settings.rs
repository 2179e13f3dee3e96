//! API: the workspace's label settings — QR error correction (L/M/Q/H) and the logo labels may show
//! (PNG or SVG, at most 2 MB: the body limit of `PUT /labels/logo`, see [`crate::body_guard::body_limit`]).
//! Changes need workspace-admin rights.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tagdesk_app::labels::settings::{self, WorkspaceLabels};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiBytes, json_response};
use crate::AppState;
use crate::api::{ApiActor, ApiJson, ApiResult, ErrorBody};

/// The address of the logo upload (its body limit is [`settings::MAX_LOGO_BYTES`]).
pub const LOGO_PATH: &str = "/api/v1/labels/logo";

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_label_settings, update_label_settings))
        .routes(routes!(upload_logo, delete_logo))
}

/// The workspace's label settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelSettingsJson {
    /// QR error correction: `L` (7 %), `M` (15 %, default), `Q` (25 %) or `H` (30 % of a code may be
    /// damaged). Higher levels make denser codes.
    pub qr_ec_level: String,
    /// Whether a logo is uploaded (labels show it with the `logo` field).
    pub has_logo: bool,
}

impl From<WorkspaceLabels> for LabelSettingsJson {
    fn from(w: WorkspaceLabels) -> Self {
        Self { qr_ec_level: settings::ec_str(w.ec).to_owned(), has_logo: w.has_logo }
    }
}

/// Label settings to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelSettingsBody {
    /// `L`, `M`, `Q` or `H`.
    pub qr_ec_level: String,
}

/// The workspace's label settings.
#[utoipa::path(get, path = "/labels/settings", tag = "labels",
    responses((status = 200, body = LabelSettingsJson), (status = 401, body = ErrorBody)))]
async fn get_label_settings(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Response> {
    let current = settings::workspace(&state.app, &actor).await?;
    Ok(json_response(StatusCode::OK, &LabelSettingsJson::from(current)))
}

/// Change the QR error correction level (workspace admins).
#[utoipa::path(put, path = "/labels/settings", tag = "labels", request_body = LabelSettingsBody,
    responses((status = 200, body = LabelSettingsJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_label_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<LabelSettingsBody>,
) -> ApiResult<Response> {
    let ec = settings::parse_ec(&body.qr_ec_level)?;
    settings::set_ec(&state.app, &actor, ec).await?;
    let current = settings::workspace(&state.app, &actor).await?;
    Ok(json_response(StatusCode::OK, &LabelSettingsJson::from(current)))
}

/// Upload the workspace's label logo: the PNG or SVG file as the body (at most 2 MB), replacing any
/// earlier one. It is checked by decoding it.
#[utoipa::path(put, path = "/labels/logo", tag = "labels",
    request_body(description = "The logo", content(("image/png"), ("image/svg+xml"))),
    responses((status = 204, description = "Stored"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "Larger than 2 MB", body = ErrorBody), (status = 422, description = "Not a readable PNG or SVG", body = ErrorBody)))]
async fn upload_logo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiBytes(bytes): ApiBytes,
) -> ApiResult<StatusCode> {
    settings::set_logo(&state.app, &actor, bytes.to_vec()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove the workspace's label logo.
#[utoipa::path(delete, path = "/labels/logo", tag = "labels",
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn delete_logo(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<StatusCode> {
    settings::remove_logo(&state.app, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
