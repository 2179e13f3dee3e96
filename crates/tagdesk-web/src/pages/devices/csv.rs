//! Devices as CSV files: `GET /devices/import` + `POST /devices/import` (a multipart upload; its CSRF
//! token travels in the query string), `GET /devices/export` (choose a deployment) and
//! `GET /devices/export.csv?deployment=ID` (the download).

use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tagdesk_app::devices::{self, CHOOSE_DEPLOYMENT, MAX_IMPORT_ROWS};
use tagdesk_app::{AppError, deployments};
use tagdesk_domain::{DeploymentId, FieldErrors};

use super::{DeploymentChoices, DeploymentOption, devices_count, with_query};
use crate::AppState;
use crate::error::{PageError, PageResult, render, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

/// The form field holding the file (also the field the app reports file problems under).
const FILE_FIELD: &str = "file";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DeploymentQuery {
    deployment: String,
}

#[derive(Template)]
#[template(path = "devices/import.html")]
struct ImportPage {
    layout: Layout,
    deployments: Vec<DeploymentOption>,
    selected: String,
    errors: FormErrors,
    /// The error shown at the file input (the summary lists every problem).
    file_error: String,
    max_rows: String,
}

async fn import_form(state: &AppState, staff: &Staff, selected: String, errors: FieldErrors) -> PageResult {
    let choices = DeploymentChoices::load(state, &staff.actor).await?;
    let file_problems = errors.iter().filter(|e| e.field == FILE_FIELD).count();
    let file_error = match file_problems {
        0 => String::new(),
        1 => errors.get(FILE_FIELD).unwrap_or_default().to_owned(),
        _ => "Nothing was imported. Fix the problems listed above, then choose the file again.".to_owned(),
    };
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let selected = if selected.is_empty() {
        if let [only] = choices.workable.as_slice() { only.id.clone() } else { selected }
    } else {
        selected
    };
    let page = ImportPage {
        layout: staff.layout(errors.title("Import devices"), "devices"),
        deployments: choices.workable,
        selected,
        errors,
        file_error,
        max_rows: group_thousands(MAX_IMPORT_ROWS),
    };
    render_status(status, &page)
}

pub(super) async fn import_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<DeploymentQuery>,
) -> PageResult {
    import_form(&state, &staff, query.deployment.trim().to_owned(), FieldErrors::new()).await
}

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    deployment_id: String,
    file: Option<Bytes>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, MultipartError> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("deployment_id") => upload.deployment_id = field.text().await?.trim().to_owned(),
            Some(FILE_FIELD) => {
                let chosen = field.file_name().is_some_and(|name| !name.is_empty());
                let bytes = field.bytes().await?;
                if chosen || !bytes.is_empty() {
                    upload.file = Some(bytes);
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

pub(super) async fn import(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let upload = match multipart {
        Ok(multipart) => match read_upload(multipart).await {
            Ok(upload) => Some(upload),
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(PageError::PayloadTooLarge),
            Err(_) => None,
        },
        Err(_) => None,
    };
    let Some(upload) = upload else {
        let errors = FieldErrors::single(FILE_FIELD, "The upload could not be read. Choose the file and try again.");
        return import_form(&state, &staff, String::new(), errors).await;
    };
    let mut errors = FieldErrors::new();
    let choices = DeploymentChoices::load(&state, &staff.actor).await?;
    let deployment = DeploymentId::parse(&upload.deployment_id)
        .ok()
        .filter(|id| choices.workable.iter().any(|d| d.id == id.to_string()));
    if deployment.is_none() {
        errors.add("deployment_id", CHOOSE_DEPLOYMENT);
    }
    if upload.file.is_none() {
        errors.add(FILE_FIELD, "Choose a CSV file.");
    }
    let (Some(deployment), Some(file)) = (deployment, upload.file) else {
        return import_form(&state, &staff, upload.deployment_id, errors).await;
    };
    match devices::import_csv(&state.app, &staff.actor, deployment, &file, &|_, _| {}).await {
        Ok(report) => Ok(redirect_with_notice(
            &with_query("/devices", &[("deployment", &deployment.to_string())]),
            &format!("Imported {}.", devices_count(report.created)),
        )),
        Err(AppError::Invalid(errors)) => import_form(&state, &staff, upload.deployment_id, errors).await,
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "devices/export.html")]
struct ExportPage {
    layout: Layout,
    deployments: Vec<DeploymentOption>,
}

pub(super) async fn export_page(State(state): State<AppState>, staff: Staff) -> PageResult {
    let choices = DeploymentChoices::load(&state, &staff.actor).await?;
    render(&ExportPage { layout: staff.layout("Export devices", "devices"), deployments: choices.visible })
}

pub(super) async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<DeploymentQuery>,
) -> PageResult {
    let raw = query.deployment.trim();
    if raw.is_empty() {
        return Ok(Redirect::to("/devices/export").into_response());
    }
    let id = path_id(raw, DeploymentId::parse)?;
    let deployment = deployments::get(&state.app, &staff.actor, id).await?;
    let csv = devices::export_csv(&state.app, &staff.actor, id).await?;
    let disposition = format!("attachment; filename=\"devices-{}.csv\"", slug(&deployment.name));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}

/// A file-name-safe form of a name: lower-case ASCII letters and digits separated by single hyphens.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() { "deployment".to_owned() } else { out.to_owned() }
}

/// "50,000".
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Warehouse North"), "warehouse-north");
        assert_eq!(slug("  Büro #2 / Köln "), "b-ro-2-k-ln");
        assert_eq!(slug("\"; rm -rf"), "rm-rf");
        assert_eq!(slug("東京"), "deployment");
        assert!(slug(&"a".repeat(200)).len() <= 60);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(50_000), "50,000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }
}
