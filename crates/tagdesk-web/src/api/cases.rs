//! API: cases, their timelines and comments. Cases created here have the origin `api`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tagdesk_app::cases::{self, CaseInput, CaseQuery, CaseView, EventView, FieldValueView};
use tagdesk_app::{Actor, App, AppError};
use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::{CaseId, CaseOrigin, CaseStatus, CaseType, FieldErrors, UserId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::double_option;
use super::{ApiActor, ApiError, ApiJson, ApiResult, ErrorBody, ListResponse, PageParams, parse_id, time};
use crate::AppState;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, create_case))
        .routes(routes!(get_case, update_case))
        .routes(routes!(list_events))
        .routes(routes!(add_comment))
}

/// A reporter's contact details; each may be empty.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReporterJson {
    /// Name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Phone number.
    pub phone: String,
}

/// A custom field of a case with its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldValueJson {
    /// Field key (`f1`…), as in the template.
    pub key: String,
    /// The question.
    pub label: String,
    /// `short_text`, `long_text`, `number`, `single_choice`, `multiple_choice`, `checkbox` or `date`.
    pub kind: String,
    /// A string, number, boolean or list of strings; `null` when not given.
    pub value: Value,
    /// The value as text ("Yes", "A, B"); empty when not given.
    pub display: String,
}

impl From<FieldValueView> for FieldValueJson {
    fn from(f: FieldValueView) -> Self {
        Self { key: f.key, label: f.label, kind: f.kind.as_str().to_owned(), value: f.value, display: f.display }
    }
}

/// A case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseJson {
    /// Id (not guessable from the number).
    pub id: String,
    /// Per-workspace sequential number.
    pub number: i64,
    /// The number as people write it, e.g. `#12`.
    pub display_number: String,
    /// Deployment.
    pub deployment_id: String,
    /// Its name.
    pub deployment_name: String,
    /// The device the case is about.
    pub device_id: Option<String>,
    /// Its name.
    pub device_name: Option<String>,
    /// Its serial number.
    pub device_serial: Option<String>,
    /// The template the case was created from.
    pub template_id: Option<String>,
    /// Its current name.
    pub template_name: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// `anomaly`, `accident`, `damage`, `improvement` or `other`.
    pub case_type: String,
    /// `open`, `resolved` or `archived`.
    pub status: String,
    /// `portal`, `staff` or `api`.
    pub origin: String,
    /// Custom fields as defined when the case was created, with their values.
    pub fields: Vec<FieldValueJson>,
    /// The template's suggestion for staff.
    pub solution_suggestion: String,
    /// The final solution (may be empty).
    pub solution: String,
    /// Who reported it.
    pub reporter: ReporterJson,
    /// Assignee.
    pub assignee_id: Option<String>,
    /// Assignee's name.
    pub assignee_name: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<CaseView> for CaseJson {
    fn from(c: CaseView) -> Self {
        Self {
            id: c.id.to_string(),
            number: c.number.0,
            display_number: c.number.to_string(),
            deployment_id: c.deployment_id.to_string(),
            deployment_name: c.deployment_name,
            device_id: c.device_id.map(|d| d.to_string()),
            device_name: c.device_name,
            device_serial: c.device_serial,
            template_id: c.template_id.map(|t| t.to_string()),
            template_name: c.template_name,
            title: c.title,
            description: c.description,
            case_type: c.case_type.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            origin: c.origin.as_str().to_owned(),
            fields: c.fields.into_iter().map(Into::into).collect(),
            solution_suggestion: c.solution_suggestion,
            solution: c.solution,
            reporter: ReporterJson { name: c.reporter.name, email: c.reporter.email, phone: c.reporter.phone },
            assignee_id: c.assignee_id.map(|u| u.to_string()),
            assignee_name: c.assignee_name,
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
        }
    }
}

/// One entry of a case's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    /// Id (time-ordered).
    pub id: String,
    /// `created`, `assigned`, `status_changed`, `solution_set`, `commented` or `edited`.
    pub kind: String,
    /// Who did it, e.g. a user's name, an API key's name or "Customer portal".
    pub actor_label: String,
    /// What happened ("Status changed from Open to Resolved"), or the comment's text.
    pub body: String,
    /// Whether the reporter sees it on the case's status page.
    pub public: bool,
    /// RFC 3339.
    pub created_at: String,
}

impl From<EventView> for EventJson {
    fn from(e: EventView) -> Self {
        Self {
            id: e.id.to_string(),
            kind: e.kind,
            actor_label: e.actor_label,
            body: e.body,
            public: e.public,
            created_at: time(e.created_at),
        }
    }
}

/// Filters of the case list; each is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CaseListParams {
    /// `open`, `resolved` or `archived`.
    pub status: Option<String>,
    /// Only cases of this deployment.
    pub deployment_id: Option<String>,
    /// Only cases about this device.
    pub device_id: Option<String>,
    /// `portal`, `staff` or `api`.
    pub origin: Option<String>,
    /// Only cases assigned to this user; `none` for unassigned cases.
    pub assignee_id: Option<String>,
    /// Words in the title or description, or a case number such as `#12`.
    pub q: Option<String>,
}

/// A new case.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CreateCaseBody {
    /// Deployment (required).
    pub deployment_id: String,
    /// A device of that deployment.
    pub device_id: Option<String>,
    /// An active template; its title, type and description fill in what is left out, and its required
    /// fields must be given.
    pub template_id: Option<String>,
    /// Title (required unless the template has one).
    pub title: String,
    /// Description.
    pub description: String,
    /// `anomaly`, `accident`, `damage`, `improvement` or `other`; default the template's, else `other`.
    pub case_type: String,
    /// Assignee; default the deployment's default assignee.
    pub assignee_id: Option<String>,
    /// Who reported it.
    pub reporter: ReporterJson,
    /// Custom-field values by key: a string, number, boolean, or list of strings for multiple choice.
    /// Errors name them `field.<key>`.
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Value>,
}

impl CreateCaseBody {
    fn into_input(self) -> Result<CaseInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fields = BTreeMap::new();
        for (key, value) in self.fields {
            match field_strings(value) {
                Some(values) => {
                    fields.insert(key, values);
                }
                None => errors.add(format!("field.{key}"), "Send a string, number, boolean or list of strings."),
            }
        }
        errors.into_result()?;
        Ok(CaseInput {
            deployment_id: self.deployment_id,
            device_id: self.device_id,
            template_id: self.template_id,
            title: self.title,
            description: self.description,
            case_type: self.case_type,
            assignee_id: self.assignee_id,
            reporter_name: self.reporter.name,
            reporter_email: self.reporter.email,
            reporter_phone: self.reporter.phone,
            fields,
        })
    }
}

/// A JSON value as the submitted strings of a field; `None` for objects and nested lists.
fn field_strings(value: Value) -> Option<Vec<String>> {
    fn scalar(value: Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.into_iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

/// Changes to a case; every field is optional and omitted ones stay as they are.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CasePatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New type.
    pub case_type: Option<String>,
    /// `open`, `resolved` or `archived`; allowed moves: open → resolved → archived, open → archived, and
    /// resolved or archived → open. Others answer 409.
    pub status: Option<String>,
    /// New assignee; `null` unassigns.
    #[serde(default, deserialize_with = "double_option::deserialize")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<String>>,
    /// Final solution; empty removes it.
    pub solution: Option<String>,
}

/// A new comment.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CommentBody {
    /// The text (required).
    pub body: String,
    /// Show it to the reporter on the case's status page (default `false`: internal).
    pub public: bool,
}

/// List cases the key may see, newest (highest number) first.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseListParams, PageParams),
    responses((status = 200, body = ListResponse<CaseJson>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_cases(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(filters): Query<CaseListParams>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<ListResponse<CaseJson>>> {
    let query = CaseQuery {
        status: filters.status,
        deployment_id: filters.deployment_id,
        device_id: filters.device_id,
        origin: filters.origin,
        assignee: filters.assignee_id,
        text: filters.q,
    };
    let page = cases::list(&state.app, &actor, &query, &paging.page()).await.map_err(rename_filter_errors)?;
    Ok(Json(ListResponse { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Names body errors after the JSON fields (the reporter's details are nested under `reporter`).
fn rename_body_errors(err: AppError) -> AppError {
    match err {
        AppError::Invalid(errors) => {
            let mut renamed = FieldErrors::new();
            for e in errors.iter() {
                let field = match e.field.strip_prefix("reporter_") {
                    Some(part) => format!("reporter.{part}"),
                    None => e.field.clone(),
                };
                renamed.add(field, e.message.clone());
            }
            AppError::Invalid(renamed)
        }
        other => other,
    }
}

/// Names filter errors after the query parameters.
fn rename_filter_errors(err: AppError) -> AppError {
    match err {
        AppError::Invalid(errors) => {
            let mut renamed = FieldErrors::new();
            for e in errors.iter() {
                let field = match e.field.as_str() {
                    "assignee" => "assignee_id",
                    "text" => "q",
                    other => other,
                };
                renamed.add(field, e.message.clone());
            }
            AppError::Invalid(renamed)
        }
        other => other,
    }
}

/// Create a case (origin `api`). Without an assignee it goes to the deployment's default assignee.
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = CreateCaseBody,
    responses((status = 201, body = CaseJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CreateCaseBody>,
) -> ApiResult<(StatusCode, Json<CaseJson>)> {
    let input = body.into_input().map_err(AppError::Invalid)?;
    let created = cases::create(&state.app, &actor, CaseOrigin::Api, &input).await.map_err(rename_body_errors)?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Get a case.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseJson>> {
    let id = parse_id(&id, CaseId::parse)?;
    Ok(Json(cases::get(&state.app, &actor, id).await?.into()))
}

/// Change a case: status, details, assignee and solution, each optional, applied in that order. Every
/// change gets its own timeline entry. The input is checked first: when any of it is invalid (422), or
/// the status move is not allowed (409), nothing changes.
#[utoipa::path(patch, path = "/cases/{id}", tag = "cases", params(("id" = String, Path, description = "Case id")),
    request_body = CasePatch,
    responses((status = 200, body = CaseJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<CasePatch>,
) -> ApiResult<Json<CaseJson>> {
    let id = parse_id(&id, CaseId::parse)?;
    let current = cases::get(&state.app, &actor, id).await?;
    let plan = Plan::check(&state.app, &actor, &current, patch).await?;
    let mut case = current;
    if let Some(status) = plan.status {
        case = cases::change_status(&state.app, &actor, id, status).await?;
    }
    if let Some((title, description, case_type)) = &plan.details {
        case = cases::update_details(&state.app, &actor, id, title, description, case_type).await?;
    }
    if let Some(assignee) = plan.assignee {
        case = cases::assign(&state.app, &actor, id, assignee).await?;
    }
    if let Some(solution) = &plan.solution {
        case = cases::set_solution(&state.app, &actor, id, solution).await?;
    }
    Ok(Json(case.into()))
}

/// A checked patch: what to change, in app terms.
struct Plan {
    status: Option<CaseStatus>,
    details: Option<(String, String, String)>,
    assignee: Option<Option<UserId>>,
    solution: Option<String>,
}

impl Plan {
    /// Checks every part of the patch before anything is applied.
    async fn check(app: &App, actor: &Actor, case: &CaseView, patch: CasePatch) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let status = patch.status.as_deref().and_then(|raw| errors.check("status", CaseStatus::parse(raw)));
        let details = if patch.title.is_some() || patch.description.is_some() || patch.case_type.is_some() {
            let title = patch.title.unwrap_or_else(|| case.title.clone());
            let description = patch.description.unwrap_or_else(|| case.description.clone());
            let case_type = patch.case_type.unwrap_or_else(|| case.case_type.as_str().to_owned());
            errors.check("title", required_text(&title, cases::TITLE_MAX));
            errors.check("description", optional_text(&description, cases::TEXT_MAX));
            errors.check("case_type", CaseType::parse(&case_type));
            Some((title, description, case_type))
        } else {
            None
        };
        let assignee = match patch.assignee_id {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) if raw.trim().is_empty() => Some(None),
            Some(Some(raw)) => match UserId::parse(&raw) {
                Ok(user) => {
                    let eligible = cases::assignable_users(app, actor, case.deployment_id).await?;
                    if !eligible.iter().any(|(id, _)| *id == user) && case.assignee_id != Some(user) {
                        errors.add("assignee_id", "Choose an active user who works at this deployment.");
                    }
                    Some(Some(user))
                }
                Err(_) => {
                    errors.add("assignee_id", "This is not a valid user id.");
                    None
                }
            },
        };
        if let Some(solution) = &patch.solution {
            errors.check("solution", optional_text(solution, cases::TEXT_MAX));
        }
        errors.into_result().map_err(AppError::Invalid)?;
        Ok(Self { status, details, assignee, solution: patch.solution })
    }
}

/// A case's timeline, oldest first, internal entries included. Not paged (`next_cursor` is always
/// absent).
#[utoipa::path(get, path = "/cases/{id}/events", tag = "cases", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = ListResponse<EventJson>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ListResponse<EventJson>>> {
    let id = parse_id(&id, CaseId::parse)?;
    let events = cases::timeline(&state.app, &actor, id).await?;
    Ok(Json(ListResponse { items: events.into_iter().map(Into::into).collect(), next_cursor: None }))
}

/// Add a comment; internal unless `public` is true.
#[utoipa::path(post, path = "/cases/{id}/comments", tag = "cases", params(("id" = String, Path, description = "Case id")),
    request_body = CommentBody,
    responses((status = 201, body = EventJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_comment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, Json<EventJson>)> {
    let id = parse_id(&id, CaseId::parse)?;
    let event = cases::comment(&state.app, &actor, id, &body.body, body.public).await?;
    Ok((StatusCode::CREATED, Json(event.into())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn field_values_become_submitted_strings() {
        assert_eq!(field_strings(json!("x")), Some(vec!["x".to_owned()]));
        assert_eq!(field_strings(json!(2.5)), Some(vec!["2.5".to_owned()]));
        assert_eq!(field_strings(json!(true)), Some(vec!["true".to_owned()]));
        assert_eq!(field_strings(json!(["a", "b"])), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(field_strings(json!(null)), Some(Vec::new()));
        assert_eq!(field_strings(json!({"a": 1})), None);
        assert_eq!(field_strings(json!([["a"]])), None);
    }

    #[test]
    fn patch_tells_null_from_absent() {
        let patch: CasePatch = serde_json::from_value(json!({"assignee_id": null})).expect("valid patch");
        assert_eq!(patch.assignee_id, Some(None));
        let patch: CasePatch = serde_json::from_value(json!({"title": "x"})).expect("valid patch");
        assert_eq!(patch.assignee_id, None);
        assert!(serde_json::from_value::<CasePatch>(json!({"nope": 1})).is_err());
    }
}
