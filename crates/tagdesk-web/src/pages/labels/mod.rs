//! The labels area of the back office (PRODUCT.md §4): printing labels for a selection of devices
//! ([`print`]), background print jobs with progress ([`jobs`]), label templates and gLabels import
//! ([`templates`]), printer profiles and the workspace's QR/logo settings ([`setup`]), and one device's
//! QR code and single label ([`device`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /labels` | the print form; with a selection in the query, its summary and the QR module check |
//! | `POST /labels` | print: a small print downloads at once, a large one becomes a job |
//! | `POST /labels/replace` | new tokens for the selection and the new labels in one step |
//! | `GET /labels/jobs/{id}`, `…/status`, `…/download` | a job's progress (updates itself), as JSON for its script, its file |
//! | `GET /labels/templates`, `POST …/custom`, `POST …/import`, `POST …/{slug}/delete`, `GET …/{slug}/alignment.pdf` | templates |
//! | `GET /labels/alignment.pdf?template=&printer_profile=` | the alignment test page with a printer's offsets |
//! | `GET`/`POST /labels/printers`, `POST /labels/printers/{id}/delete` | printer profiles |
//! | `GET /labels/settings`, `POST …/qr`, `POST …/logo`, `POST …/logo/delete`, `GET …/logo` | QR error correction, logo |
//! | `GET /devices/{id}/qr.svg`, `…/qr.png?size=`, `…/label.pdf?…` | one device (replacing its label: `POST /devices/{id}/portal-token`) |

mod device;
mod jobs;
mod print;
mod setup;
mod templates;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;

/// Every labels route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/labels", get(print::page).post(print::print))
        .route("/labels/replace", post(print::replace))
        .route("/labels/jobs/{id}", get(jobs::page))
        .route("/labels/jobs/{id}/download", get(jobs::download))
        .route("/labels/jobs/{id}/status", get(jobs::status))
        .route("/static/label-job.js", get(jobs::script))
        .route("/labels/templates", get(templates::page))
        .route("/labels/templates/custom", post(templates::save_custom))
        .route(
            "/labels/templates/import",
            post(templates::import)
                .layer(DefaultBodyLimit::max(tagdesk_app::labels::templates::MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route("/labels/templates/{slug}/delete", post(templates::delete))
        .route("/labels/templates/{slug}/alignment.pdf", get(templates::alignment))
        .route("/labels/alignment.pdf", get(templates::alignment_query))
        .route("/labels/printers", get(setup::printers_page).post(setup::save_printer))
        .route("/labels/printers/{id}/delete", post(setup::delete_printer))
        .route("/labels/settings", get(setup::settings_page))
        .route("/labels/settings/qr", post(setup::save_qr))
        .route(
            "/labels/settings/logo",
            get(setup::logo)
                .post(setup::upload_logo)
                .layer(DefaultBodyLimit::max(tagdesk_app::labels::settings::MAX_LOGO_BYTES + 64 * 1024)),
        )
        .route("/labels/settings/logo/delete", post(setup::remove_logo))
        .route("/devices/{id}/qr.svg", get(device::qr_svg))
        .route("/devices/{id}/qr.png", get(device::qr_png))
        .route("/devices/{id}/label.pdf", get(device::label_pdf))
}

/// A file download: its type, an attachment file name (ASCII-safe) and `no-store` (codes embed tokens).
pub fn download(bytes: Vec<u8>, file_name: &str, content_type: &str) -> Response {
    let safe: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let content_type =
        HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub text: String,
}

/// The template choices for selects: built-ins first, then the workspace's own.
pub async fn template_choices(state: &AppState, actor: &tagdesk_app::Actor) -> tagdesk_app::AppResult<Vec<Choice>> {
    Ok(tagdesk_app::labels::templates::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|v| Choice { text: format!("{} — {}", v.template.name, v.summary()), value: v.slug })
        .collect())
}

/// The printer profile choices ("No calibration" first).
pub async fn printer_choices(state: &AppState, actor: &tagdesk_app::Actor) -> tagdesk_app::AppResult<Vec<Choice>> {
    let mut choices = vec![Choice { value: String::new(), text: "No calibration (0 mm, 0 mm)".to_owned() }];
    for p in tagdesk_app::labels::printers::list(&state.app, actor).await? {
        choices
            .push(Choice { text: format!("{} ({:+.2} mm, {:+.2} mm)", p.name, p.offset_x, p.offset_y), value: p.id });
    }
    Ok(choices)
}
