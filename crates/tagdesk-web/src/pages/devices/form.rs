//! The device form: `GET /devices/new` + `POST /devices` to create, `GET /devices/{id}/edit` +
//! `POST /devices/{id}` to change. Invalid input comes back as the same form with 422.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tagdesk_app::AppError;
use tagdesk_app::devices::{self, DeviceInput};
use tagdesk_domain::DeviceId;

use super::{DeploymentChoices, DeploymentOption};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

#[derive(Template)]
#[template(path = "devices/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    submit: &'static str,
    cancel_url: String,
    form: DeviceInput,
    errors: FormErrors,
    /// The deployment select of the create form; `None` on the edit form (moving is its own action).
    deployments: Option<Vec<DeploymentOption>>,
}

impl FormPage {
    fn status(&self) -> StatusCode {
        if self.errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct NewQuery {
    deployment: String,
}

async fn new_form(state: &AppState, staff: &Staff, form: DeviceInput, errors: FormErrors) -> PageResult {
    let choices = DeploymentChoices::load(state, &staff.actor).await?;
    let mut form = form;
    if let ([only], true) = (choices.workable.as_slice(), form.deployment_id.is_empty()) {
        form.deployment_id = only.id.clone();
    }
    let page = FormPage {
        layout: staff.layout(errors.title("New device"), "devices"),
        heading: "New device".to_owned(),
        action: "/devices".to_owned(),
        submit: "Create device",
        cancel_url: "/devices".to_owned(),
        form,
        errors,
        deployments: Some(choices.workable),
    };
    render_status(page.status(), &page)
}

pub(super) async fn new_page(State(state): State<AppState>, staff: Staff, Query(query): Query<NewQuery>) -> PageResult {
    let form = DeviceInput { deployment_id: query.deployment.trim().to_owned(), ..DeviceInput::default() };
    new_form(&state, &staff, form, FormErrors::default()).await
}

pub(super) async fn create(State(state): State<AppState>, staff: Staff, Form(form): Form<DeviceInput>) -> PageResult {
    match devices::create(&state.app, &staff.actor, &form).await {
        Ok(device) => Ok(redirect_with_notice(
            &format!("/devices/{}", device.id),
            &format!("Device \u{201c}{}\u{201d} created.", device.name),
        )),
        Err(AppError::Invalid(errors)) => new_form(&state, &staff, form, FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}

fn edit_form(staff: &Staff, id: DeviceId, current_name: &str, form: DeviceInput, errors: FormErrors) -> PageResult {
    let page = FormPage {
        layout: staff.layout(errors.title(&format!("Edit {current_name}")), "devices"),
        heading: format!("Edit {current_name}"),
        action: format!("/devices/{id}"),
        submit: "Save device",
        cancel_url: format!("/devices/{id}"),
        form,
        errors,
        deployments: None,
    };
    render_status(page.status(), &page)
}

pub(super) async fn edit_page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    let device = devices::get(&state.app, &staff.actor, id).await?;
    staff.actor.require_work(device.deployment_id)?;
    edit_form(&staff, id, &device.name, DeviceInput::from(&device), FormErrors::default())
}

pub(super) async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<DeviceInput>,
) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    match devices::update(&state.app, &staff.actor, id, &form).await {
        Ok(device) => Ok(redirect_with_notice(
            &format!("/devices/{id}"),
            &format!("Device \u{201c}{}\u{201d} saved.", device.name),
        )),
        Err(AppError::Invalid(errors)) => {
            let current = devices::get(&state.app, &staff.actor, id).await?;
            edit_form(&staff, id, &current.name, form, FormErrors(errors))
        }
        Err(err) => Err(err.into()),
    }
}
