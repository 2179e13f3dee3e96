//! Printer profiles (`/labels/printers`: name and x/y calibration offsets in mm, with the alignment test
//! page to measure them) and the workspace's label settings (`/labels/settings`: QR error correction and
//! the logo, workspace admins only).

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use serde::Deserialize;
use tagdesk_app::AppError;
use tagdesk_app::labels::printers::{self, PrinterProfile};
use tagdesk_app::labels::settings;
use tagdesk_domain::FieldErrors;

use super::{Choice, template_choices};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::session::{Staff, redirect_with_notice};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct PrinterForm {
    id: String,
    name: String,
    offset_x: String,
    offset_y: String,
}

#[derive(Template)]
#[template(path = "labels/printers.html")]
struct PrintersPage {
    layout: Layout,
    profiles: Vec<PrinterProfile>,
    templates: Vec<Choice>,
    form: PrinterForm,
    errors: FormErrors,
}

async fn printers(state: &AppState, staff: &Staff, form: PrinterForm, errors: FieldErrors) -> PageResult {
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = PrintersPage {
        layout: staff.layout(errors.title("Printer profiles"), "labels"),
        profiles: printers::list(&state.app, &staff.actor).await?,
        templates: template_choices(state, &staff.actor).await?,
        form,
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn printers_page(State(state): State<AppState>, staff: Staff) -> PageResult {
    printers(&state, &staff, PrinterForm::default(), FieldErrors::new()).await
}

pub(super) async fn save_printer(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<PrinterForm>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let mut offset = |field: &str, raw: &str| -> f32 {
        let raw = raw.trim().replace(',', ".").replace('\u{2212}', "-");
        if raw.is_empty() {
            return 0.0;
        }
        raw.parse::<f32>().ok().filter(|v| v.is_finite()).unwrap_or_else(|| {
            errors.add(field, "Enter millimetres, e.g. 0.5 or -1.2.");
            0.0
        })
    };
    let (x, y) = (offset("offset_x", &form.offset_x), offset("offset_y", &form.offset_y));
    if !errors.is_empty() {
        return printers(&state, &staff, form, errors).await;
    }
    let id = Some(form.id.trim()).filter(|id| !id.is_empty());
    match printers::save(&state.app, &staff.actor, id, &form.name, x, y).await {
        Ok(profile) => {
            Ok(redirect_with_notice("/labels/printers", &format!("Saved the printer profile {}.", profile.name)))
        }
        Err(AppError::Invalid(errors)) => printers(&state, &staff, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn delete_printer(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    printers::delete(&state.app, &staff.actor, &id).await?;
    Ok(redirect_with_notice("/labels/printers", "The printer profile was deleted."))
}

#[derive(Template)]
#[template(path = "labels/settings.html")]
struct SettingsPage {
    layout: Layout,
    ec: &'static str,
    has_logo: bool,
    is_admin: bool,
    errors: FormErrors,
}

async fn settings_view(state: &AppState, staff: &Staff, errors: FieldErrors) -> PageResult {
    let current = settings::workspace(&state.app, &staff.actor).await?;
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SettingsPage {
        layout: staff.layout(errors.title("QR codes and logo"), "labels"),
        ec: settings::ec_str(current.ec),
        has_logo: current.has_logo,
        is_admin: staff.actor.is_workspace_admin(),
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn settings_page(State(state): State<AppState>, staff: Staff) -> PageResult {
    settings_view(&state, &staff, FieldErrors::new()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct QrForm {
    qr_ec_level: String,
}

pub(super) async fn save_qr(State(state): State<AppState>, staff: Staff, Form(form): Form<QrForm>) -> PageResult {
    let result = match settings::parse_ec(&form.qr_ec_level) {
        Ok(ec) => settings::set_ec(&state.app, &staff.actor, ec).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(redirect_with_notice("/labels/settings", "Saved. New codes use this error correction level.")),
        Err(AppError::Invalid(errors)) => settings_view(&state, &staff, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn read_logo(mut multipart: Multipart) -> Option<Bytes> {
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("logo") {
            return field.bytes().await.ok().filter(|b| !b.is_empty());
        }
    }
    None
}

pub(super) async fn upload_logo(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let bytes = match multipart {
        Ok(multipart) => read_logo(multipart).await,
        Err(_) => None,
    };
    let Some(bytes) = bytes else {
        let errors = FieldErrors::single("logo", "Choose a PNG or SVG file of at most 2 MB.");
        return settings_view(&state, &staff, errors).await;
    };
    match settings::set_logo(&state.app, &staff.actor, bytes.to_vec()).await {
        Ok(()) => Ok(redirect_with_notice(
            "/labels/settings",
            "The logo was saved. Tick “Workspace logo” when printing to use it.",
        )),
        Err(AppError::Invalid(errors)) => settings_view(&state, &staff, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn remove_logo(State(state): State<AppState>, staff: Staff) -> PageResult {
    settings::remove_logo(&state.app, &staff.actor).await?;
    Ok(redirect_with_notice("/labels/settings", "The logo was removed."))
}

/// The logo as labels print it (a PNG preview, also for SVG uploads).
pub(super) async fn logo(State(state): State<AppState>, staff: Staff) -> PageResult {
    let Some(logo) = settings::logo(&state.app, &staff.actor).await? else {
        return Err(AppError::NotFound.into());
    };
    let png = settings::logo_png(&logo).map_err(AppError::Internal)?;
    Ok(([(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "private, no-cache")], png).into_response())
}
