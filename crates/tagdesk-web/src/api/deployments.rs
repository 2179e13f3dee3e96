//! API: deployments (customer sites).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tagdesk_app::deployments::{self, DeploymentInput, DeploymentView};
use tagdesk_domain::DeploymentId;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiActor, ApiJson, ApiQuery, ApiResult, ErrorBody, ListResponse, PageParams, double_option, parse_id, time,
};
use crate::AppState;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_deployments, create_deployment)).routes(routes!(
        get_deployment,
        update_deployment,
        delete_deployment
    ))
}

/// A deployment (customer site).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeploymentJson {
    /// Id.
    pub id: String,
    /// Name, unique in the workspace.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// `en` or `de`.
    pub language: String,
    /// User who gets new cases without an assignee.
    pub default_assignee_id: Option<String>,
    /// Addresses told about new cases.
    pub notification_emails: Vec<String>,
    /// Active (not archived) devices.
    pub device_count: i64,
    /// Open cases.
    pub open_case_count: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<DeploymentView> for DeploymentJson {
    fn from(d: DeploymentView) -> Self {
        Self {
            id: d.id.to_string(),
            name: d.name,
            address: d.address,
            timezone: d.timezone,
            language: d.language,
            default_assignee_id: d.default_assignee_id,
            notification_emails: d.notification_emails,
            device_count: d.device_count,
            open_case_count: d.open_case_count,
            created_at: time(d.created_at),
            updated_at: time(d.updated_at),
        }
    }
}

/// Fields of a deployment; on `PATCH` every field is optional and omitted ones keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentBody {
    /// Name (required on create).
    pub name: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// IANA time zone (required on create).
    pub timezone: Option<String>,
    /// `en` (default) or `de`.
    pub language: Option<String>,
    /// User id of the default case assignee; `null` for nobody.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub default_assignee_id: Option<Option<String>>,
    /// Notification addresses.
    pub notification_emails: Option<Vec<String>>,
}

impl DeploymentBody {
    fn overlay(self, mut input: DeploymentInput) -> DeploymentInput {
        if let Some(v) = self.name {
            input.name = v;
        }
        if let Some(v) = self.address {
            input.address = v;
        }
        if let Some(v) = self.timezone {
            input.timezone = v;
        }
        if let Some(v) = self.language {
            input.language = v;
        }
        if let Some(v) = self.default_assignee_id {
            input.default_assignee_id = v.unwrap_or_default();
        }
        if let Some(v) = self.notification_emails {
            input.notification_emails = v.join("\n");
        }
        input
    }
}

/// List deployments.
#[utoipa::path(get, path = "/deployments", tag = "deployments", params(PageParams),
    responses((status = 200, body = ListResponse<DeploymentJson>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_deployments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<ListResponse<DeploymentJson>>> {
    let page = deployments::list(&state.app, &actor, &params.page()).await?;
    Ok(Json(ListResponse { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Create a deployment.
#[utoipa::path(post, path = "/deployments", tag = "deployments", request_body = DeploymentBody,
    responses((status = 201, body = DeploymentJson), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_deployment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<DeploymentBody>,
) -> ApiResult<(StatusCode, Json<DeploymentJson>)> {
    let input = body.overlay(DeploymentInput::default());
    let created = deployments::create(&state.app, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Get a deployment.
#[utoipa::path(get, path = "/deployments/{id}", tag = "deployments", params(("id" = String, Path, description = "Deployment id")),
    responses((status = 200, body = DeploymentJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_deployment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<DeploymentJson>> {
    let id = parse_id(&id, DeploymentId::parse)?;
    Ok(Json(deployments::get(&state.app, &actor, id).await?.into()))
}

/// Change a deployment (fields omitted keep their value).
#[utoipa::path(patch, path = "/deployments/{id}", tag = "deployments", params(("id" = String, Path, description = "Deployment id")), request_body = DeploymentBody,
    responses((status = 200, body = DeploymentJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_deployment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeploymentBody>,
) -> ApiResult<Json<DeploymentJson>> {
    let id = parse_id(&id, DeploymentId::parse)?;
    let current = deployments::get(&state.app, &actor, id).await?;
    let input = body.overlay(DeploymentInput {
        name: current.name,
        address: current.address,
        timezone: current.timezone,
        language: current.language,
        default_assignee_id: current.default_assignee_id.unwrap_or_default(),
        notification_emails: current.notification_emails.join("\n"),
    });
    Ok(Json(deployments::update(&state.app, &actor, id, &input).await?.into()))
}

/// Delete an empty deployment (no devices, no open cases); its closed cases go with it.
#[utoipa::path(delete, path = "/deployments/{id}", tag = "deployments", params(("id" = String, Path, description = "Deployment id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_deployment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, DeploymentId::parse)?;
    deployments::delete(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
