//! API: devices. Devices are archived, never destroyed, so the cases that name them keep their history:
//! `DELETE /devices/{id}` archives, `POST /devices/{id}/restore` brings a device back.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tagdesk_app::AppError;
use tagdesk_app::devices::{self, DeviceInput, DeviceQuery, DeviceView};
use tagdesk_app::portal::tokens::portal_url;
use tagdesk_domain::{DeploymentId, DeviceId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiActor, ApiJson, ApiQuery, ApiResult, ErrorBody, ListResponse, PageParams, double_option, parse_id, time,
};
use crate::AppState;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices, create_device))
        .routes(routes!(get_device, update_device, archive_device))
        .routes(routes!(move_device))
        .routes(routes!(restore_device))
}

/// A device at a deployment.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceJson {
    /// Id.
    pub id: String,
    /// The deployment it is at.
    pub deployment_id: String,
    /// That deployment's name.
    pub deployment_name: String,
    /// Name.
    pub name: String,
    /// Serial number, unique in the workspace ignoring case.
    pub serial_number: Option<String>,
    /// Manufacturer (may be empty).
    pub manufacturer: String,
    /// Model (may be empty).
    pub model: String,
    /// Tags in the order given.
    pub tags: Vec<String>,
    /// Internal notes (may be empty).
    pub notes: String,
    /// Archived devices are left out of lists unless `include_archived=true`.
    pub archived: bool,
    /// The customer-portal link printed on the device's label (`<public URL>/d/<token>`). `null` only for
    /// a device created before the portal existed, until the server's next start gives it one.
    pub portal_url: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl DeviceJson {
    /// The JSON form of a device; `public_url` is the server's public base URL (for `portal_url`).
    pub fn new(d: DeviceView, public_url: &str) -> Self {
        Self {
            portal_url: d.portal_token.as_deref().map(|token| portal_url(public_url, token)),
            id: d.id.to_string(),
            deployment_id: d.deployment_id.to_string(),
            deployment_name: d.deployment_name,
            name: d.name,
            serial_number: d.serial_number,
            manufacturer: d.manufacturer,
            model: d.model,
            tags: d.tags,
            notes: d.notes,
            archived: d.archived,
            created_at: time(d.created_at),
            updated_at: time(d.updated_at),
        }
    }
}

/// Fields of a device. On `POST` `deployment_id` and `name` are required; on `PATCH` every field is
/// optional, omitted ones keep their value, and `deployment_id` is not accepted (use the move endpoint).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    /// The deployment to create the device at (create only).
    pub deployment_id: Option<String>,
    /// Name, at most 200 characters (required on create).
    pub name: Option<String>,
    /// Serial number, at most 100 characters, unique in the workspace ignoring case; `null` or `""` for
    /// none.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub serial_number: Option<Option<String>>,
    /// Manufacturer, at most 200 characters.
    pub manufacturer: Option<String>,
    /// Model, at most 200 characters.
    pub model: Option<String>,
    /// At most 20 tags of at most 40 characters each, without commas.
    pub tags: Option<Vec<String>>,
    /// Internal notes, at most 10,000 characters.
    pub notes: Option<String>,
}

impl DeviceBody {
    /// The given fields laid over `input`. Tags that contain a comma are refused here: joined into the
    /// app's comma-separated form they would silently split.
    fn overlay(self, mut input: DeviceInput) -> ApiResult<DeviceInput> {
        if let Some(v) = self.deployment_id {
            input.deployment_id = v;
        }
        if let Some(v) = self.name {
            input.name = v;
        }
        if let Some(v) = self.serial_number {
            input.serial_number = v.unwrap_or_default();
        }
        if let Some(v) = self.manufacturer {
            input.manufacturer = v;
        }
        if let Some(v) = self.model {
            input.model = v;
        }
        if let Some(tags) = self.tags {
            if tags.iter().any(|t| t.contains(',')) {
                return Err(AppError::invalid("tags", "Tags cannot contain commas or control characters.").into());
            }
            input.tags = tags.join(", ");
        }
        if let Some(v) = self.notes {
            input.notes = v;
        }
        Ok(input)
    }
}

/// Filters of the device list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceFilters {
    /// Only devices at this deployment.
    pub deployment_id: Option<String>,
    /// Only devices with this tag (ignoring case).
    pub tag: Option<String>,
    /// Part of the name, serial number, manufacturer or model (ignoring case).
    pub q: Option<String>,
    /// Also archived devices (default `false`).
    pub include_archived: Option<bool>,
}

/// The target of a move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The deployment to move the device to.
    pub deployment_id: String,
}

/// List devices, in creation order.
#[utoipa::path(get, path = "/devices", tag = "devices", params(DeviceFilters, PageParams),
    responses((status = 200, body = ListResponse<DeviceJson>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_devices(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(filters): ApiQuery<DeviceFilters>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<ListResponse<DeviceJson>>> {
    let query = DeviceQuery {
        deployment_id: filters.deployment_id,
        tag: filters.tag,
        text: filters.q,
        include_archived: filters.include_archived.unwrap_or(false),
    };
    let page = devices::list(&state.app, &actor, &query, &params.page()).await?;
    Ok(Json(ListResponse {
        items: page.items.into_iter().map(|d| DeviceJson::new(d, &state.config.public_url)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Create a device at a deployment.
#[utoipa::path(post, path = "/devices", tag = "devices", request_body = DeviceBody,
    responses((status = 201, body = DeviceJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_device(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<DeviceBody>,
) -> ApiResult<(StatusCode, Json<DeviceJson>)> {
    let input = body.overlay(DeviceInput::default())?;
    let created = devices::create(&state.app, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(DeviceJson::new(created, &state.config.public_url))))
}

/// Get a device (archived ones too).
#[utoipa::path(get, path = "/devices/{id}", tag = "devices", params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_device(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<DeviceJson>> {
    let id = parse_id(&id, DeviceId::parse)?;
    Ok(Json(DeviceJson::new(devices::get(&state.app, &actor, id).await?, &state.config.public_url)))
}

/// Change a device (fields omitted keep their value; moving is `POST /devices/{id}/move`).
#[utoipa::path(patch, path = "/devices/{id}", tag = "devices", params(("id" = String, Path, description = "Device id")), request_body = DeviceBody,
    responses((status = 200, body = DeviceJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_device(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeviceBody>,
) -> ApiResult<Json<DeviceJson>> {
    let id = parse_id(&id, DeviceId::parse)?;
    if body.deployment_id.is_some() {
        return Err(AppError::invalid("deployment_id", "Move a device with POST /devices/{id}/move.").into());
    }
    let current = devices::get(&state.app, &actor, id).await?;
    let input = body.overlay(DeviceInput::from(&current))?;
    Ok(Json(DeviceJson::new(devices::update(&state.app, &actor, id, &input).await?, &state.config.public_url)))
}

/// Archive a device. Devices are archived, not destroyed, so the cases that name them keep their history:
/// an archived device leaves lists and exports and can be restored. Archiving twice changes nothing.
#[utoipa::path(delete, path = "/devices/{id}", tag = "devices", params(("id" = String, Path, description = "Device id")),
    responses((status = 204, description = "Archived"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn archive_device(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, DeviceId::parse)?;
    devices::archive(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore an archived device. Restoring an active device changes nothing.
#[utoipa::path(post, path = "/devices/{id}/restore", tag = "devices", params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn restore_device(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<DeviceJson>> {
    let id = parse_id(&id, DeviceId::parse)?;
    Ok(Json(DeviceJson::new(devices::restore(&state.app, &actor, id).await?, &state.config.public_url)))
}

/// Move a device to another deployment; the move is kept in its history.
#[utoipa::path(post, path = "/devices/{id}/move", tag = "devices", params(("id" = String, Path, description = "Device id")), request_body = MoveBody,
    responses((status = 200, body = DeviceJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_device(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MoveBody>,
) -> ApiResult<Json<DeviceJson>> {
    let id = parse_id(&id, DeviceId::parse)?;
    let Ok(target) = DeploymentId::parse(body.deployment_id.trim()) else {
        devices::get(&state.app, &actor, id).await?; // an unknown device is 404 before a bad target is 422
        return Err(AppError::invalid("deployment_id", devices::CHOOSE_DEPLOYMENT).into());
    };
    Ok(Json(DeviceJson::new(devices::move_to(&state.app, &actor, id, target).await?, &state.config.public_url)))
}
