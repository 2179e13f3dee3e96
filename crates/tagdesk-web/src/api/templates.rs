//! API: case templates (workspace level). Every key may read them; changes need workspace-admin rights.
//! `DELETE` deactivates: the template stays on old cases and can no longer be used for new ones.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tagdesk_app::templates::{self, TemplateInput, TemplateView};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{CaseTemplateId, FieldDefinition};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiActor, ApiJson, ApiResult, ErrorBody, ListResponse, parse_id, time};
use crate::AppState;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_templates, create_template)).routes(routes!(
        get_template,
        update_template,
        deactivate_template
    ))
}

/// A custom field of a template.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldJson {
    /// Stable key (`f1`, `f2`…) under which cases store the value; never reused within a template.
    pub key: String,
    /// The question.
    pub label: String,
    /// Guidance shown under the label (may be empty).
    pub help: String,
    /// `short_text`, `long_text`, `number`, `single_choice`, `multiple_choice`, `checkbox` or `date`.
    pub kind: String,
    /// Whether a value must be given.
    pub required: bool,
    /// Choices of single and multiple choice fields.
    pub options: Vec<String>,
}

impl From<FieldDefinition> for FieldJson {
    fn from(f: FieldDefinition) -> Self {
        Self {
            key: f.key,
            label: f.label,
            help: f.help,
            kind: f.kind.as_str().to_owned(),
            required: f.required,
            options: f.options,
        }
    }
}

/// A case template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateJson {
    /// Id.
    pub id: String,
    /// Name, unique in the workspace ignoring case.
    pub name: String,
    /// Title given to cases created without one (may be empty).
    pub title: String,
    /// Type of new cases: `anomaly`, `accident`, `damage`, `improvement` or `other`.
    pub case_type: String,
    /// Description given to cases created without one (may be empty).
    pub description: String,
    /// Copied onto new cases for staff; never shown to reporters.
    pub solution_suggestion: String,
    /// Custom fields in display order.
    pub fields: Vec<FieldJson>,
    /// Whether it can be used for new cases.
    pub active: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<TemplateView> for TemplateJson {
    fn from(t: TemplateView) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            title: t.title,
            case_type: t.case_type.as_str().to_owned(),
            description: t.description,
            solution_suggestion: t.solution_suggestion,
            fields: t.fields.into_iter().map(Into::into).collect(),
            active: t.active,
            created_at: time(t.created_at),
            updated_at: time(t.updated_at),
        }
    }
}

/// A custom field as sent.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FieldBody {
    /// The key of an existing field to keep (its stored values keep their meaning); omit for a new field.
    pub key: Option<String>,
    /// The question (required).
    pub label: String,
    /// Guidance.
    pub help: String,
    /// `short_text`, `long_text`, `number`, `single_choice`, `multiple_choice`, `checkbox` or `date`.
    pub kind: String,
    /// Whether a value must be given.
    pub required: bool,
    /// Choices; required for single and multiple choice, ignored otherwise.
    pub options: Vec<String>,
}

/// A template as sent. `PUT` replaces the whole template: fields left out of `fields` are removed.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TemplateBody {
    /// Name (required).
    pub name: String,
    /// Pre-filled title.
    pub title: String,
    /// `anomaly`, `accident`, `damage`, `improvement` or `other` (required).
    pub case_type: String,
    /// Pre-filled description.
    pub description: String,
    /// Suggestion for staff.
    pub solution_suggestion: String,
    /// Custom fields, in display order (at most 50). Errors name them `fields.<index>.<part>`.
    pub fields: Vec<FieldBody>,
}

impl From<TemplateBody> for TemplateInput {
    fn from(body: TemplateBody) -> Self {
        Self {
            name: body.name,
            title: body.title,
            case_type: body.case_type,
            description: body.description,
            solution_suggestion: body.solution_suggestion,
            fields: body
                .fields
                .into_iter()
                .zip(0_i64..)
                .map(|(f, position)| FieldDraft {
                    key: f.key.unwrap_or_default(),
                    label: f.label,
                    help: f.help,
                    kind: f.kind,
                    required: f.required,
                    options: f.options,
                    position,
                })
                .collect(),
        }
    }
}

/// Filters of the template list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct TemplateListParams {
    /// Also list deactivated templates (default `false`).
    pub include_inactive: bool,
}

/// List case templates by name, active ones first. Not paged (`next_cursor` is always absent).
#[utoipa::path(get, path = "/templates", tag = "templates", params(TemplateListParams),
    responses((status = 200, body = ListResponse<TemplateJson>), (status = 401, body = ErrorBody)))]
async fn list_templates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<TemplateListParams>,
) -> ApiResult<Json<ListResponse<TemplateJson>>> {
    let items = templates::list(&state.app, &actor, params.include_inactive).await?;
    Ok(Json(ListResponse { items: items.into_iter().map(Into::into).collect(), next_cursor: None }))
}

/// Create a case template (workspace-admin rights).
#[utoipa::path(post, path = "/templates", tag = "templates", request_body = TemplateBody,
    responses((status = 201, body = TemplateJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<TemplateBody>,
) -> ApiResult<(StatusCode, Json<TemplateJson>)> {
    let created = templates::create(&state.app, &actor, &body.into()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Get a case template (active or not).
#[utoipa::path(get, path = "/templates/{id}", tag = "templates", params(("id" = String, Path, description = "Template id")),
    responses((status = 200, body = TemplateJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<TemplateJson>> {
    let id = parse_id(&id, CaseTemplateId::parse)?;
    Ok(Json(templates::get(&state.app, &actor, id).await?.into()))
}

/// Replace a case template (workspace-admin rights). Send the keys of fields to keep; fields left out
/// are removed, and cases created earlier keep their own copy of the fields.
#[utoipa::path(put, path = "/templates/{id}", tag = "templates", params(("id" = String, Path, description = "Template id")),
    request_body = TemplateBody,
    responses((status = 200, body = TemplateJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TemplateBody>,
) -> ApiResult<Json<TemplateJson>> {
    let id = parse_id(&id, CaseTemplateId::parse)?;
    Ok(Json(templates::update(&state.app, &actor, id, &body.into()).await?.into()))
}

/// Deactivate a case template (workspace-admin rights). Nothing is deleted: cases keep the template, it
/// stays readable with `GET`, and it is listed with `include_inactive=true`, but it can no longer be used
/// for new cases. Deactivating an inactive template changes nothing.
#[utoipa::path(delete, path = "/templates/{id}", tag = "templates", params(("id" = String, Path, description = "Template id")),
    responses((status = 204, description = "Deactivated"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn deactivate_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id, CaseTemplateId::parse)?;
    templates::set_active(&state.app, &actor, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
