//! Pages: deployments (customer sites) — list, create, detail, edit, delete.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use tagdesk_app::deployments::{self, DeploymentInput, DeploymentView};
use tagdesk_app::portal::settings::{self as portal_settings, PortalSettingsView};
use tagdesk_app::{AppError, users};
use tagdesk_domain::{DeploymentId, Language, TimeZoneName};

use crate::AppState;
use crate::error::{PageResult, render, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/deployments", get(index).post(create))
        .route("/deployments/new", get(new_form))
        .route("/deployments/{id}", get(show).post(update))
        .route("/deployments/{id}/edit", get(edit_form))
        .route("/deployments/{id}/delete", get(confirm_delete).post(delete))
}

#[derive(Template)]
#[template(path = "deployments/index.html")]
struct IndexPage {
    layout: Layout,
    deployments: Vec<DeploymentView>,
    can_create: bool,
}

async fn index(State(state): State<AppState>, staff: Staff) -> PageResult {
    let deployments = deployments::list_all(&state.app, &staff.actor).await?;
    render(&IndexPage {
        layout: staff.layout("Deployments", "deployments"),
        deployments,
        can_create: staff.actor.is_workspace_admin(),
    })
}

/// The form's options and values.
#[derive(Template)]
#[template(path = "deployments/form.html")]
struct FormPage {
    layout: Layout,
    /// `None` when creating.
    id: Option<DeploymentId>,
    form: DeploymentInput,
    errors: FormErrors,
    timezones: Vec<&'static str>,
    languages: Vec<(&'static str, &'static str)>,
    assignees: Vec<(String, String)>,
}

impl FormPage {
    fn heading(&self) -> &str {
        if self.id.is_some() { "Edit deployment" } else { "New deployment" }
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff,
    id: Option<DeploymentId>,
    form: DeploymentInput,
    errors: FormErrors,
) -> PageResult {
    let assignees = match id {
        Some(id) => tagdesk_app::cases::assignable_users(&state.app, &staff.actor, id).await?,
        None => users::directory(&state.app, &staff.actor).await?,
    };
    let title = errors.title(if id.is_some() { "Edit deployment" } else { "New deployment" });
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = FormPage {
        layout: staff.layout(title, "deployments"),
        id,
        form,
        errors,
        timezones: TimeZoneName::all_names().collect(),
        languages: Language::ALL.iter().map(|l| (l.as_str(), l.label())).collect(),
        assignees: assignees.into_iter().map(|(id, name)| (id.to_string(), name)).collect(),
    };
    render_status(status, &page)
}

async fn new_form(State(state): State<AppState>, staff: Staff) -> PageResult {
    staff.actor.require_workspace_admin()?;
    let form = DeploymentInput {
        timezone: "Europe/Berlin".to_owned(),
        language: "en".to_owned(),
        ..DeploymentInput::default()
    };
    form_page(&state, &staff, None, form, FormErrors::default()).await
}

async fn create(State(state): State<AppState>, staff: Staff, Form(form): Form<DeploymentInput>) -> PageResult {
    match deployments::create(&state.app, &staff.actor, &form).await {
        Ok(created) => Ok(redirect_with_notice(&format!("/deployments/{}", created.id), "Deployment created.")),
        Err(AppError::Invalid(errors)) => form_page(&state, &staff, None, form, FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "deployments/show.html")]
struct ShowPage {
    layout: Layout,
    d: DeploymentView,
    /// The customer portal's status (its settings link shows to those who may change them).
    portal: PortalSettingsView,
    can_edit: bool,
    can_delete: bool,
    can_work: bool,
}

async fn show(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    let d = deployments::get(&state.app, &staff.actor, id).await?;
    let role = staff.actor.require_see(id)?;
    let portal = portal_settings::get(&state.app, &staff.actor, id).await?;
    render(&ShowPage {
        layout: staff.layout(d.name.clone(), "deployments"),
        portal,
        can_edit: role.can_administer(),
        can_delete: staff.actor.is_workspace_admin(),
        can_work: role.can_work(),
        d,
    })
}

fn input_of(d: &DeploymentView) -> DeploymentInput {
    DeploymentInput {
        name: d.name.clone(),
        address: d.address.clone(),
        timezone: d.timezone.clone(),
        language: d.language.clone(),
        default_assignee_id: d.default_assignee_id.clone().unwrap_or_default(),
        notification_emails: d.notification_emails.join("\n"),
    }
}

async fn edit_form(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    let d = deployments::get(&state.app, &staff.actor, id).await?;
    staff.actor.require_administer(id)?;
    form_page(&state, &staff, Some(id), input_of(&d), FormErrors::default()).await
}

async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<DeploymentInput>,
) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    match deployments::update(&state.app, &staff.actor, id, &form).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/deployments/{id}"), "Deployment saved.")),
        Err(AppError::Invalid(errors)) => form_page(&state, &staff, Some(id), form, FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "deployments/delete.html")]
struct DeletePage {
    layout: Layout,
    d: DeploymentView,
}

async fn confirm_delete(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeploymentId::parse)?;
    let d = deployments::get(&state.app, &staff.actor, id).await?;
    staff.actor.require_workspace_admin()?;
    render(&DeletePage { layout: staff.layout(format!("Delete {}", d.name), "deployments"), d })
}

async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, crate::error::PageError> {
    let id = path_id(&id, DeploymentId::parse)?;
    deployments::delete(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice("/deployments", "Deployment deleted.").into_response())
}
