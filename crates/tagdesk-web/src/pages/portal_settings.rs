//! Pages: a deployment's customer-portal settings, `GET`/`POST /deployments/{id}/portal`. Only deployment
//! admins and workspace admins see and change them (no role: 404; technicians and viewers: 403). The PIN is
//! write-only: the form never shows it, a blank PIN keeps the current one, and a re-rendered form never
//! fills it back in. An obvious PIN is accepted with a warning.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use tagdesk_app::deployments::{self, DeploymentView};
use tagdesk_app::devices::{self, DeviceQuery};
use tagdesk_app::page::PageRequest;
use tagdesk_app::portal::settings::{self, PortalSettingsInput, PortalSettingsView};
use tagdesk_app::portal::tokens;
use tagdesk_app::{AppError, templates};
use tagdesk_domain::{ContactRule, DeploymentId, Language, Pin};

use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::format;
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::{RawForm, path_id};
use crate::session::{Staff, redirect_with_notice};

/// Help text of the Markdown fields.
pub const MARKDOWN_HELP: &str =
    "Limited Markdown: paragraphs, *emphasis*, lists, [links](https://…). HTML is not allowed.";

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/deployments/{id}/portal", get(page).post(save))
        .route("/deployments/{id}/portal/end-guarded-mode", axum::routing::post(end_guarded_mode))
}

/// `POST /deployments/{id}/portal/end-guarded-mode`: staff end guarded mode now.
async fn end_guarded_mode(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    settings::end_guarded_mode(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice(
        &format!("/deployments/{id}/portal"),
        "Guarded mode ended: new visitors can enter the PIN again. If the attack goes on, it starts again; consider changing the PIN.",
    ))
}

/// The form's values as typed (numbers stay text so that a typo comes back as typed). Never the PIN.
#[derive(Debug, Clone, Default)]
struct FormValues {
    enabled: bool,
    show_open_cases: bool,
    open_case_window_days: String,
    welcome_md: String,
    instructions_md: String,
    contact_md: String,
    offered_template_ids: Vec<String>,
    allow_free_description: bool,
    contact_rule: String,
    language: String,
    photos_allowed: bool,
    max_photos: String,
    max_photo_mb: String,
}

impl FormValues {
    fn of(view: &PortalSettingsView) -> Self {
        Self {
            enabled: view.enabled,
            show_open_cases: view.show_open_cases,
            open_case_window_days: view.open_case_window_days.to_string(),
            welcome_md: view.welcome_md.clone(),
            instructions_md: view.instructions_md.clone(),
            contact_md: view.contact_md.clone(),
            offered_template_ids: view.offered_templates.iter().map(|t| t.id.to_string()).collect(),
            allow_free_description: view.allow_free_description,
            contact_rule: view.contact_rule.as_str().to_owned(),
            language: view.language.as_str().to_owned(),
            photos_allowed: view.photos_allowed,
            max_photos: view.max_photos.to_string(),
            max_photo_mb: view.max_photo_mb.to_string(),
        }
    }

    fn parse(form: &RawForm) -> Self {
        let checked = |name: &str| matches!(form.get(name), "true" | "on" | "1");
        Self {
            enabled: checked("enabled"),
            show_open_cases: checked("show_open_cases"),
            open_case_window_days: form.get("open_case_window_days").trim().to_owned(),
            welcome_md: form.get("welcome_md").to_owned(),
            instructions_md: form.get("instructions_md").to_owned(),
            contact_md: form.get("contact_md").to_owned(),
            offered_template_ids: form.all("offered_template_ids"),
            allow_free_description: checked("allow_free_description"),
            contact_rule: form.get("contact_rule").to_owned(),
            language: form.get("language").to_owned(),
            photos_allowed: checked("photos_allowed"),
            max_photos: form.get("max_photos").trim().to_owned(),
            max_photo_mb: form.get("max_photo_mb").trim().to_owned(),
        }
    }

    /// The use case's input; a number that does not parse becomes one the use case rejects with its
    /// range message.
    fn input(&self, pin: Option<String>) -> PortalSettingsInput {
        let number = |raw: &str| raw.parse::<i64>().unwrap_or(i64::MIN);
        PortalSettingsInput {
            enabled: self.enabled,
            pin,
            show_open_cases: self.show_open_cases,
            open_case_window_days: number(&self.open_case_window_days),
            welcome_md: self.welcome_md.clone(),
            instructions_md: self.instructions_md.clone(),
            contact_md: self.contact_md.clone(),
            offered_template_ids: self.offered_template_ids.clone(),
            allow_free_description: self.allow_free_description,
            contact_rule: self.contact_rule.clone(),
            language: self.language.clone(),
            photos_allowed: self.photos_allowed,
            max_photos: number(&self.max_photos),
            max_photo_mb: number(&self.max_photo_mb),
        }
    }

    fn offers(&self, id: &str) -> bool {
        self.offered_template_ids.iter().any(|t| t == id)
    }
}

/// One template checkbox.
#[derive(Debug, Clone)]
struct TemplateChoice {
    id: String,
    name: String,
    /// Offered now but inactive (visitors do not see it until it is active again).
    inactive: bool,
}

/// A `<time>`.
#[derive(Debug, Clone)]
struct Time {
    iso: String,
    text: String,
}

impl Time {
    fn of(ms: i64) -> Self {
        Self { iso: format::rfc3339(ms), text: format::datetime(ms) }
    }
}

/// A device's portal link to preview the portal with.
#[derive(Debug, Clone)]
struct Preview {
    device_name: String,
    url: String,
}

#[derive(Template)]
#[template(path = "portal_settings/form.html")]
struct SettingsPage {
    layout: Layout,
    d: DeploymentView,
    /// The stored settings (status panel).
    current: PortalSettingsView,
    pin_changed: Option<Time>,
    guarded_until: Option<Time>,
    preview: Option<Preview>,
    form: FormValues,
    errors: FormErrors,
    templates: Vec<TemplateChoice>,
    contact_rules: Vec<(&'static str, &'static str)>,
    languages: Vec<(&'static str, &'static str)>,
    /// The PIN just saved is easy to guess.
    obvious_pin_warning: bool,
    markdown_help: &'static str,
}

impl SettingsPage {
    fn err(&self, field: &str) -> &str {
        self.errors.msg(field)
    }
}

/// The deployment, after checking the user may administer it (no sight: 404; no admin role: 403).
async fn administered(state: &AppState, staff: &Staff, id: DeploymentId) -> Result<DeploymentView, AppError> {
    let d = deployments::get(&state.app, &staff.actor, id).await?;
    staff.actor.require_administer(id)?;
    Ok(d)
}

/// Renders the page with the stored settings as status and `form` in the form.
async fn render_page(
    state: &AppState,
    staff: &Staff,
    d: DeploymentView,
    form: Option<FormValues>,
    errors: FormErrors,
    obvious_pin_warning: bool,
) -> PageResult {
    let current = settings::get(&state.app, &staff.actor, d.id).await?;
    let form = form.unwrap_or_else(|| FormValues::of(&current));

    // Offered templates first, in their order (inactive ones too, marked), then the other active ones.
    let mut choices: Vec<TemplateChoice> = current
        .offered_templates
        .iter()
        .map(|t| TemplateChoice { id: t.id.to_string(), name: t.name.clone(), inactive: !t.active })
        .collect();
    for t in templates::list(&state.app, &staff.actor, false).await? {
        let id = t.id.to_string();
        if !choices.iter().any(|c| c.id == id) {
            choices.push(TemplateChoice { id, name: t.name, inactive: false });
        }
    }

    let query = DeviceQuery { deployment_id: Some(d.id.to_string()), ..DeviceQuery::default() };
    let first = devices::list(&state.app, &staff.actor, &query, &PageRequest { cursor: None, limit: Some(1) }).await?;
    let preview = first.items.into_iter().find_map(|device| {
        device.portal_token.as_deref().map(|token| Preview {
            url: tokens::portal_url(&state.config.public_url, token),
            device_name: device.name.clone(),
        })
    });

    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SettingsPage {
        layout: staff.layout(errors.title(&format!("Customer portal of {}", d.name)), "deployments"),
        pin_changed: current.pin_changed_at.map(Time::of),
        guarded_until: current.guarded_until.map(Time::of),
        preview,
        form,
        errors,
        templates: choices,
        contact_rules: ContactRule::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        languages: Language::ALL.iter().map(|l| (l.as_str(), l.label())).collect(),
        obvious_pin_warning,
        markdown_help: MARKDOWN_HELP,
        current,
        d,
    };
    render_status(status, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    /// `obvious` after saving an easy-to-guess PIN (shows the warning; the PIN itself is never in a URL).
    pin: String,
}

/// `GET /deployments/{id}/portal`.
async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    let d = administered(&state, &staff, id).await?;
    render_page(&state, &staff, d, None, FormErrors::default(), query.pin == "obvious").await
}

/// `POST /deployments/{id}/portal`.
async fn save(State(state): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    let d = administered(&state, &staff, id).await?;
    let raw = RawForm::parse(&body);
    let form = FormValues::parse(&raw);
    let pin = Some(raw.get("pin").trim().to_owned()).filter(|p| !p.is_empty());
    let obvious = pin.as_deref().and_then(|p| Pin::parse(p).ok()).is_some_and(|p| p.is_obvious());
    let before = settings::get(&state.app, &staff.actor, id).await?;
    match settings::update(&state.app, &staff.actor, id, &form.input(pin)).await {
        Ok(after) => {
            let pin_changed = after.pin_changed_at != before.pin_changed_at;
            let mut notice = "Portal settings saved.".to_owned();
            if pin_changed {
                notice.push_str(" The PIN changed: every portal visitor must enter the new PIN.");
            } else if before.enabled && !after.enabled {
                notice.push_str(" The portal is off and every portal visitor was signed out.");
            }
            // The saved PIN is the obvious one whether or not it changed now.
            let to = if obvious {
                format!("/deployments/{id}/portal?pin=obvious")
            } else {
                format!("/deployments/{id}/portal")
            };
            Ok(redirect_with_notice(&to, &notice))
        }
        Err(AppError::Invalid(errors)) => render_page(&state, &staff, d, Some(form), FormErrors(errors), false).await,
        Err(err) => Err(err.into()),
    }
}
