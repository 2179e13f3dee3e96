//! API: printer profiles — named x/y calibration offsets (mm) that move everything printed, measured with
//! a template's alignment test page. Technicians and admins may change them; everyone may list them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tagdesk_app::labels::printers::{self, PrinterProfile};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::json_response;
use crate::AppState;
use crate::api::{ApiActor, ApiJson, ApiResult, ErrorBody};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_printer_profiles, create_printer_profile))
        .routes(routes!(update_printer_profile, delete_printer_profile))
}

/// A printer profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrinterProfileJson {
    /// Id.
    pub id: String,
    /// Name, unique in the workspace ignoring case.
    pub name: String,
    /// mm, positive moves right.
    pub offset_x: f32,
    /// mm, positive moves down.
    pub offset_y: f32,
}

impl From<PrinterProfile> for PrinterProfileJson {
    fn from(p: PrinterProfile) -> Self {
        Self { id: p.id, name: p.name, offset_x: p.offset_x, offset_y: p.offset_y }
    }
}

/// A printer profile's fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrinterProfileBody {
    /// Name, at most 80 characters.
    pub name: String,
    /// mm, −20 to 20 (default 0), kept to 0.01 mm.
    #[serde(default)]
    pub offset_x: f32,
    /// mm, −20 to 20 (default 0), kept to 0.01 mm.
    #[serde(default)]
    pub offset_y: f32,
}

/// List the workspace's printer profiles, by name.
#[utoipa::path(get, path = "/labels/printer-profiles", tag = "labels",
    responses((status = 200, body = Vec<PrinterProfileJson>), (status = 401, body = ErrorBody)))]
async fn list_printer_profiles(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Response> {
    let profiles: Vec<PrinterProfileJson> =
        printers::list(&state.app, &actor).await?.into_iter().map(Into::into).collect();
    Ok(json_response(StatusCode::OK, &profiles))
}

/// Create a printer profile.
#[utoipa::path(post, path = "/labels/printer-profiles", tag = "labels", request_body = PrinterProfileBody,
    responses((status = 201, body = PrinterProfileJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Name taken or empty, offset out of range", body = ErrorBody)))]
async fn create_printer_profile(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PrinterProfileBody>,
) -> ApiResult<Response> {
    let saved = printers::save(&state.app, &actor, None, &body.name, body.offset_x, body.offset_y).await?;
    Ok(json_response(StatusCode::CREATED, &PrinterProfileJson::from(saved)))
}

/// Replace a printer profile's name and offsets.
#[utoipa::path(put, path = "/labels/printer-profiles/{id}", tag = "labels", params(("id" = String, Path, description = "Printer profile id")),
    request_body = PrinterProfileBody,
    responses((status = 200, body = PrinterProfileJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_printer_profile(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PrinterProfileBody>,
) -> ApiResult<Response> {
    let saved = printers::save(&state.app, &actor, Some(id.trim()), &body.name, body.offset_x, body.offset_y).await?;
    Ok(json_response(StatusCode::OK, &PrinterProfileJson::from(saved)))
}

/// Delete a printer profile (deployments that printed with it fall back to no offsets).
#[utoipa::path(delete, path = "/labels/printer-profiles/{id}", tag = "labels", params(("id" = String, Path, description = "Printer profile id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_printer_profile(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    printers::delete(&state.app, &actor, id.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}
