//! API: a deployment's customer-portal settings. Only workspace-wide API keys reach it (they have admin
//! rights); the PIN is write-only and no response ever carries it or its hash.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tagdesk_app::AppError;
use tagdesk_app::portal::settings::{self, PortalSettingsInput, PortalSettingsView};
use tagdesk_domain::{DeploymentId, FieldErrors};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiActor, ApiError, ApiJson, ApiResult, ErrorBody, parse_id, time};
use crate::AppState;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_portal_settings, put_portal_settings))
        .routes(routes!(end_guarded_mode))
        .routes(routes!(create_portal_pass))
}

/// A one-time access link past a device's PIN gate.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalPassJson {
    /// The link to give the visitor (`<public URL>/d/<token>/pass/<secret>`); shown only in this answer.
    pub url: String,
    /// End of validity (RFC 3339); the link works once before then.
    pub expires_at: String,
}

/// End a deployment's guarded mode now (after a PIN-guessing attack): new visitors may try the PIN again.
/// Audited; no change when the portal is not guarded.
#[utoipa::path(post, path = "/deployments/{id}/portal/end-guarded-mode", tag = "portal", params(("id" = String, Path, description = "Deployment id")),
    responses((status = 204, description = "Guarded mode is off"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_guarded_mode(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    let id = parse_id(&id, DeploymentId::parse)?;
    settings::end_guarded_mode(&state.app, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Create a one-time access link for a device: it lets one visitor past the PIN gate once, within 24
/// hours (e.g. while the portal is guarded). Audited without the secret.
#[utoipa::path(post, path = "/devices/{id}/portal-pass", tag = "portal", params(("id" = String, Path, description = "Device id")),
    responses((status = 201, body = PortalPassJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_portal_pass(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<(axum::http::StatusCode, Json<PortalPassJson>)> {
    let id = parse_id(&id, tagdesk_domain::DeviceId::parse)?;
    let issued = tagdesk_app::portal::pass::issue(&state.app, &actor, id).await?;
    let body = PortalPassJson { url: issued.url(&state.config.public_url), expires_at: time(issued.expires_at) };
    Ok((axum::http::StatusCode::CREATED, Json(body)))
}

/// Which reporter contact details the portal requires.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactRuleJson {
    /// Name, plus email or phone (default).
    NameAndEmailOrPhone,
    /// Name and email.
    NameAndEmail,
    /// Name and phone.
    NameAndPhone,
    /// Email or phone.
    EmailOrPhone,
    /// Name only.
    NameOnly,
    /// Nothing required.
    None,
}

/// A deployment's customer-portal settings. Never contains the PIN or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalSettingsJson {
    /// Whether the portal is on.
    pub enabled: bool,
    /// Whether a PIN is set.
    pub has_pin: bool,
    /// When the PIN last changed (RFC 3339), or `null` when it never was set.
    pub pin_changed_at: Option<String>,
    /// Whether a device page lists the device's open and recently resolved cases.
    pub show_open_cases: bool,
    /// How far back that list reaches, in days.
    pub open_case_window_days: i64,
    /// Shown after the PIN (limited Markdown).
    pub welcome_message: String,
    /// How to report (limited Markdown).
    pub instructions: String,
    /// The service team's contact, on every portal page (limited Markdown).
    pub contact_details: String,
    /// Ids of the case templates offered, in order.
    pub template_ids: Vec<String>,
    /// Whether visitors may report without a template.
    pub allow_free_description: bool,
    /// Which reporter contact details are required.
    #[schema(value_type = ContactRuleJson)]
    pub contact_rule: String,
    /// Default language of the portal pages: `en` or `de`.
    pub language: String,
    /// Whether visitors may attach photos.
    pub photos_allowed: bool,
    /// Most photos per report.
    pub max_photos: i64,
    /// Largest photo, in MB.
    pub max_photo_size_mb: i64,
    /// End of guarded mode (RFC 3339) while the portal is in it after a burst of wrong PINs; else `null`.
    pub guarded_until: Option<String>,
}

impl From<PortalSettingsView> for PortalSettingsJson {
    fn from(v: PortalSettingsView) -> Self {
        Self {
            enabled: v.enabled,
            has_pin: v.has_pin,
            pin_changed_at: v.pin_changed_at.map(time),
            show_open_cases: v.show_open_cases,
            open_case_window_days: v.open_case_window_days,
            welcome_message: v.welcome_md,
            instructions: v.instructions_md,
            contact_details: v.contact_md,
            template_ids: v.offered_templates.iter().map(|t| t.id.to_string()).collect(),
            allow_free_description: v.allow_free_description,
            contact_rule: v.contact_rule.as_str().to_owned(),
            language: v.language.as_str().to_owned(),
            photos_allowed: v.photos_allowed,
            max_photos: v.max_photos,
            max_photo_size_mb: v.max_photo_mb,
            guarded_until: v.guarded_until.map(time),
        }
    }
}

/// Every portal setting (`PUT` replaces them all), plus an optional new PIN.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalSettingsBody {
    /// Portal on or off; on requires a PIN (set now or before).
    pub enabled: bool,
    /// A new PIN of exactly 4 digits (write-only). Omit it, or send `null`, to keep the current PIN.
    /// Changing it ends every visitor's portal session. Obvious PINs (1234, 0000, a year …) are accepted.
    /// (Any other JSON type is refused without echoing it: a PIN never appears in a response.)
    #[serde(default)]
    #[schema(value_type = Option<String>, write_only, example = "4821")]
    pub pin: Option<serde_json::Value>,
    /// List a device's open and recently resolved cases on its page.
    pub show_open_cases: bool,
    /// 1–365 days.
    pub open_case_window_days: i64,
    /// At most 5,000 characters of limited Markdown (paragraphs, emphasis, lists, links); HTML is dropped.
    pub welcome_message: String,
    /// At most 5,000 characters of limited Markdown.
    pub instructions: String,
    /// At most 5,000 characters of limited Markdown.
    pub contact_details: String,
    /// Ids of the case templates to offer, in order (newly offered ones must be active).
    pub template_ids: Vec<String>,
    /// Allow reports without a template (an enabled portal needs templates or this).
    pub allow_free_description: bool,
    /// Which reporter contact details are required.
    #[schema(value_type = ContactRuleJson)]
    pub contact_rule: String,
    /// `en` or `de`.
    pub language: String,
    /// Allow photos.
    pub photos_allowed: bool,
    /// 0–10.
    pub max_photos: i64,
    /// 1–25.
    pub max_photo_size_mb: i64,
}

impl std::fmt::Debug for PortalSettingsBody {
    /// Leaves the PIN out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalSettingsBody").field("enabled", &self.enabled).finish_non_exhaustive()
    }
}

impl PortalSettingsBody {
    /// The use case's input; a PIN that is not a JSON string (a number loses its leading zeros) is refused.
    fn into_input(self) -> ApiResult<PortalSettingsInput> {
        let b = self;
        let pin = match b.pin {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(pin)) => Some(pin),
            Some(_) => {
                return Err(
                    AppError::invalid("pin", "Send the PIN as a string of exactly 4 digits, e.g. \"0427\".").into()
                );
            }
        };
        Ok(PortalSettingsInput {
            enabled: b.enabled,
            pin,
            show_open_cases: b.show_open_cases,
            open_case_window_days: b.open_case_window_days,
            welcome_md: b.welcome_message,
            instructions_md: b.instructions,
            contact_md: b.contact_details,
            offered_template_ids: b.template_ids,
            allow_free_description: b.allow_free_description,
            contact_rule: b.contact_rule,
            language: b.language,
            photos_allowed: b.photos_allowed,
            max_photos: b.max_photos,
            max_photo_mb: b.max_photo_size_mb,
        })
    }
}

/// The use case's field names as this API's JSON names.
fn json_field(field: &str) -> &str {
    match field {
        "welcome_md" => "welcome_message",
        "instructions_md" => "instructions",
        "contact_md" => "contact_details",
        "offered_template_ids" => "template_ids",
        "max_photo_mb" => "max_photo_size_mb",
        other => other,
    }
}

fn api_error(err: AppError) -> ApiError {
    match err {
        AppError::Invalid(errors) => {
            let mut renamed = FieldErrors::new();
            for e in errors.iter() {
                renamed.add(json_field(&e.field), e.message.clone());
            }
            AppError::Invalid(renamed).into()
        }
        other => other.into(),
    }
}

/// Fails unless the actor may administer the deployment (unseen: 404).
fn require_admin(actor: &tagdesk_app::Actor, id: DeploymentId) -> ApiResult<()> {
    actor.require_administer(id).map_err(Into::into)
}

/// Get a deployment's customer-portal settings.
#[utoipa::path(get, path = "/deployments/{id}/portal", tag = "portal", params(("id" = String, Path, description = "Deployment id")),
    responses((status = 200, body = PortalSettingsJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_portal_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<PortalSettingsJson>> {
    let id = parse_id(&id, DeploymentId::parse)?;
    let view = settings::get(&state.app, &actor, id).await?;
    require_admin(&actor, id)?;
    Ok(Json(view.into()))
}

/// Replace a deployment's customer-portal settings. Every field except `pin` is required; the change is
/// audited (without the PIN).
#[utoipa::path(put, path = "/deployments/{id}/portal", tag = "portal", params(("id" = String, Path, description = "Deployment id")), request_body = PortalSettingsBody,
    responses((status = 200, body = PortalSettingsJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_portal_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PortalSettingsBody>,
) -> ApiResult<Json<PortalSettingsJson>> {
    let id = parse_id(&id, DeploymentId::parse)?;
    let input = body.into_input()?;
    let view = settings::update(&state.app, &actor, id, &input).await.map_err(api_error)?;
    Ok(Json(view.into()))
}
