//! `GET /devices/{id}`: a device's details and move history, with its actions: move to another
//! deployment, archive and restore.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tagdesk_app::AppError;
use tagdesk_app::devices::{self, CHOOSE_DEPLOYMENT, DeviceView};
use tagdesk_app::portal::tokens;
use tagdesk_app::scans::reports::DeviceScanStats;
use tagdesk_domain::{DeploymentId, DeviceId};

use super::{DeploymentChoices, DeploymentOption, Time, can_work, with_query};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::pages::labels::{Choice, printer_choices, template_choices};
use crate::pages::scans::time::Shown;
use crate::session::{Staff, redirect_with_notice};

/// One entry of the move history.
struct MoveItem {
    from: String,
    to: String,
    by: String,
    at: Time,
}

#[derive(Template)]
#[template(path = "devices/show.html")]
struct DetailPage {
    layout: Layout,
    device: DeviceView,
    created: Time,
    updated: Time,
    moves: Vec<MoveItem>,
    /// Whether the user may change the device (hides edit, move, archive, new-case and replace-link actions).
    can_change: bool,
    /// `<public URL>/d/<token>`; `None` only until the start-up backfill gave the device a token.
    portal_url: Option<String>,
    cases_url: String,
    new_case_url: String,
    /// Deployments the device can move to (workable, other than its own).
    move_targets: Vec<DeploymentOption>,
    /// The move form's selection and errors.
    move_selected: String,
    errors: FormErrors,
    /// The label panel (QR preview, downloads, single label); `None` until the device has a token.
    label: Option<LabelPanel>,
    /// When the device's label was replaced, newest first.
    label_history: Vec<(String, Time)>,
    /// Scan tracking: counted scans, the last one, cases filed through the portal.
    scans: DeviceScanStats,
    last_scan: Option<Shown>,
}

/// The device page's label panel: what its single-label form offers.
struct LabelPanel {
    templates: Vec<Choice>,
    printers: Vec<Choice>,
    /// The deployment's remembered template and fields.
    template: String,
    fields: String,
    field_presets: Vec<Choice>,
    png_sizes: Vec<u32>,
    bulk_url: String,
}

impl LabelPanel {
    async fn load(state: &AppState, staff: &Staff, device: &DeviceView) -> Result<Self, AppError> {
        let actor = &staff.actor;
        let defaults =
            tagdesk_app::labels::settings::deployment_defaults(&state.app, actor, device.deployment_id).await?;
        let fields = tagdesk_app::labels::fields_string(&defaults.fields);
        let mut field_presets: Vec<Choice> = [
            ("qr,name,serial,site,cta", "Code, name, serial, site and call to action"),
            ("qr,name,serial", "Code, name and serial"),
            ("qr,cta", "Code and call to action"),
            ("qr", "Code only"),
        ]
        .into_iter()
        .map(|(value, text)| Choice { value: value.to_owned(), text: text.to_owned() })
        .collect();
        if !field_presets.iter().any(|c| c.value == fields) {
            field_presets.insert(0, Choice { value: fields.clone(), text: format!("As last printed ({fields})") });
        }
        Ok(Self {
            templates: template_choices(state, actor).await?,
            printers: printer_choices(state, actor).await?,
            template: defaults.template,
            fields,
            field_presets,
            png_sizes: tagdesk_app::labels::PNG_SIZES.to_vec(),
            bulk_url: with_query("/labels", &[("devices", &device.id.to_string())]),
        })
    }
}

/// Renders the page, with the move form's state when it came back invalid.
async fn show(state: &AppState, staff: &Staff, id: DeviceId, move_selected: String, errors: FormErrors) -> PageResult {
    let device = devices::get(&state.app, &staff.actor, id).await?;
    let history = devices::history(&state.app, &staff.actor, id).await?;
    let scans = tagdesk_app::scans::reports::device_stats(&state.app, &staff.actor, id).await?;
    let can_change = can_work(&staff.actor, device.deployment_id);
    let move_targets = if can_change {
        let current = device.deployment_id.to_string();
        DeploymentChoices::load(state, &staff.actor).await?.workable.into_iter().filter(|d| d.id != current).collect()
    } else {
        Vec::new()
    };
    let label = match (&device.portal_token, can_change) {
        (Some(_), true) => Some(LabelPanel::load(state, staff, &device).await?),
        _ => None,
    };
    let label_history = tagdesk_app::labels::single::label_history(&state.app, &staff.actor, id)
        .await?
        .into_iter()
        .map(|r| (r.by, Time::of(r.at)))
        .collect();
    let device_id = device.id.to_string();
    let deployment_id = device.deployment_id.to_string();
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = DetailPage {
        layout: staff.layout(errors.title(&device.name), "devices"),
        created: Time::of(device.created_at),
        updated: Time::of(device.updated_at),
        moves: history
            .into_iter()
            .rev()
            .map(|m| MoveItem {
                from: m.from_deployment_name,
                to: m.to_deployment_name,
                by: m.moved_by_name.unwrap_or_else(|| "An integration".to_owned()),
                at: Time::of(m.moved_at),
            })
            .collect(),
        can_change,
        portal_url: device.portal_token.as_deref().map(|token| tokens::portal_url(&state.config.public_url, token)),
        cases_url: with_query("/cases", &[("device", &device_id)]),
        new_case_url: with_query("/cases/new", &[("deployment", &deployment_id), ("device", &device_id)]),
        move_targets,
        move_selected,
        label,
        label_history,
        errors,
        last_scan: scans.last_scan_at.map(|at| Shown::of(at, state.app.now())),
        scans,
        device,
    };
    render_status(status, &page)
}

pub(super) async fn page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    show(&state, &staff, id, String::new(), FormErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct MoveForm {
    deployment_id: String,
}

pub(super) async fn move_device(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    let result = match DeploymentId::parse(form.deployment_id.trim()) {
        Ok(target) => devices::move_to(&state.app, &staff.actor, id, target).await,
        Err(_) => Err(AppError::invalid("deployment_id", CHOOSE_DEPLOYMENT)),
    };
    match result {
        Ok(device) => Ok(redirect_with_notice(
            &format!("/devices/{id}"),
            &format!("Device moved to {}. The move is recorded in its history.", device.deployment_name),
        )),
        Err(AppError::Invalid(errors)) => show(&state, &staff, id, form.deployment_id, FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}

/// `POST /devices/{id}/portal-token`: a new portal link for a new label; the old one shows "replaced".
pub(super) async fn replace_portal_token(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    tokens::replace(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice(
        &format!("/devices/{id}"),
        "Portal link replaced. Print a new label: the old label now shows a page saying it was replaced.",
    ))
}

/// `POST /devices/{id}/portal-pass`: a one-time access link past the PIN, shown once in the notice.
pub(super) async fn portal_pass(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    let issued = tagdesk_app::portal::pass::issue(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice(
        &format!("/devices/{id}"),
        &format!(
            "One-time access link (works once, for 24 hours; shown only now): {}",
            issued.url(&state.config.public_url)
        ),
    ))
}

pub(super) async fn archive(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    devices::archive(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice(&format!("/devices/{id}"), "Device archived."))
}

pub(super) async fn restore(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, DeviceId::parse)?;
    devices::restore(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice(&format!("/devices/{id}"), "Device restored."))
}
