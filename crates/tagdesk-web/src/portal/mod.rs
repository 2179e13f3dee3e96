//! The customer portal's visitor pages (PRODUCT.md §3): server-rendered, no JavaScript, mobile-first,
//! English and German. Mounted outside the staff session and CSRF middleware: the portal has its own
//! session cookie (per deployment, after the PIN) and its own CSRF tokens ([`csrf`]).
//!
//! Routes — everything is scoped by the label token and the visitor's session, never by a database id:
//!
//! | route | page |
//! |---|---|
//! | `GET /d/{token}` (and `/D/{token}`, as QR codes carry it) | PIN page, or the device page with a session; 404 unknown, 410 replaced, neutral page when disabled |
//! | `POST /d/{token}/pin` | checks the PIN (`pin`, `_csrf`) |
//! | `GET /d/{token}/report[?template=N\|free]` | report form: step 1 picks the kind, step 2 the fields |
//! | `POST /d/{token}/report?_csrf=…` | multipart report → 303 to the confirmation, or 422 with the form filled in |
//! | `GET /d/{token}/done` | confirmation (number and private status link, from a short-lived signed cookie) |
//! | `GET`/`POST /d/{token}/cases/{number}/note` | "I have the same problem / more information" on a recent open case |
//! | `GET`/`POST /d/{token}/pass/{secret}` | a one-time access link from staff: a button (GET), then signed in (POST) |
//! | `GET /c/{follow}` | the reporter's private status page |
//! | `GET /static/portal.css` | the portal's stylesheet |

pub mod cookies;
pub mod csrf;
mod device;
mod follow;
pub mod i18n;
pub mod markdown;
mod pass;
mod pin;
mod report;
pub mod scans;
#[cfg(test)]
mod tests;
pub mod upload_slots;
mod view;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tagdesk_app::portal::{PortalVisit, TokenLookup, session, visit};

use crate::AppState;
use view::Scope;
pub use view::Visitor;

/// The portal's stylesheet, compiled into the binary.
pub const STYLESHEET: &str = include_str!("../../static/portal.css");

/// The portal's routes (merged into the main router outside the staff middleware), with upload slots
/// sized by `limits`.
pub fn router(limits: &crate::limits::Limits) -> Router<AppState> {
    Router::new()
        .route("/d/{token}", get(device::show))
        // QR codes carry the URL in upper case (alphanumeric mode): `/D/<TOKEN>` is the same page.
        .route("/D/{token}", get(device::show))
        .route("/d/{token}/pin", post(pin::submit).get(back_to_device))
        .route(
            "/d/{token}/report",
            get(report::form)
                .post(report::submit)
                .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
                    tagdesk_app::portal::settings::REPORT_BODY_LIMIT_BYTES,
                ))
                // One set of upload slots per router.
                .layer(axum::Extension(std::sync::Arc::new(upload_slots::UploadSlots::new(limits)))),
        )
        .route("/d/{token}/done", get(report::done))
        .route("/d/{token}/pass/{secret}", get(pass::show).post(pass::redeem))
        .route("/d/{token}/cases/{number}/note", get(device::note_form).post(device::note))
        .route("/d/{token}/{*rest}", get(not_found_under_token))
        .route("/c/{follow}", get(follow::show))
        .route("/static/portal.css", get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], STYLESHEET)
}

/// `/d/<token>` for a token as it came in (only canonical tokens are ever put into links).
fn device_path(visit: &PortalVisit) -> String {
    format!("/d/{}", visit.token)
}

async fn back_to_device(Path(token): Path<String>) -> Response {
    redirect_to_token(&token)
}

fn redirect_to_token(raw: &str) -> Response {
    match tagdesk_domain::PortalToken::parse(raw) {
        Ok(token) => Redirect::to(&format!("/d/{token}")).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn not_found_under_token(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((token, _rest)): Path<(String, String)>,
) -> Response {
    match open(&state, &visitor, &token).await {
        Ok((visit, scope)) => scope.standard(&state, StatusCode::NOT_FOUND, "not-found", Some(device_path(&visit))),
        Err(response) => response,
    }
}

/// The portal's own 413 page for a request to a portal address that was refused before it reached the
/// portal's routes (the server-wide body limit): the visitor's language, the deployment's contact details
/// when the address names a label, and a link back to the device. `None` for other addresses (they get the
/// back office's page).
pub async fn payload_too_large(
    state: &AppState,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
) -> Option<Response> {
    let path = uri.path();
    if !(path.starts_with("/d/") || path.starts_with("/c/")) {
        return None;
    }
    let visitor = Visitor::of(uri, headers);
    let token = path.strip_prefix("/d/").and_then(|rest| rest.split('/').next());
    let response = match token {
        Some(token) => match open(state, &visitor, token).await {
            Ok((visit, scope)) => scope.at(device_path(&visit)).too_large(state, Some(device_path(&visit))),
            Err(_) => visitor.scope(None, None, "").too_large(state, None),
        },
        None => visitor.scope(None, None, "").too_large(state, None),
    };
    Some(response)
}

/// Resolves a token to an active visit with the page context for its deployment; otherwise the page to
/// show instead (unknown 404, replaced 410, disabled, server error).
async fn open(
    state: &AppState,
    visitor: &Visitor,
    raw_token: &str,
) -> Result<(std::sync::Arc<PortalVisit>, Scope), Response> {
    match visit::resolve(&state.app, raw_token).await {
        Ok(TokenLookup::Active(visit)) => {
            let scope = visitor.scope(
                Some(visit.settings.language.as_str()),
                Some(&visit.deployment.name),
                &visit.settings.contact_md,
            );
            Ok((visit, scope))
        }
        Ok(TokenLookup::Unknown) => {
            let scope = visitor.scope(None, None, "");
            Err(scope.standard(state, StatusCode::NOT_FOUND, "unknown", None))
        }
        Ok(TokenLookup::Replaced { deployment_name, contact_md, language }) => {
            let scope = visitor.scope(Some(language.as_str()), Some(&deployment_name), &contact_md);
            Err(scope.standard(state, StatusCode::GONE, "replaced", None))
        }
        Ok(TokenLookup::Disabled { deployment_name, contact_md, language }) => {
            let scope = visitor.scope(Some(language.as_str()), Some(&deployment_name), &contact_md);
            Err(scope.standard(state, StatusCode::OK, "disabled", None))
        }
        Err(err) => {
            tracing::error!(error = %err, "portal token lookup failed");
            Err(visitor.scope(None, None, "").server_error(state))
        }
    }
}

/// Like [`open`], for pages that need the PIN session: also the visitor's session id, or a redirect to the
/// device address (which shows the PIN page). `at` (e.g. `/report`) points the page's language switcher
/// at that address under the device, without the request's query.
async fn open_signed_in(
    state: &AppState,
    visitor: &Visitor,
    raw_token: &str,
    at: Option<&str>,
) -> Result<(std::sync::Arc<PortalVisit>, Scope, String), Response> {
    let (visit, scope) = open(state, visitor, raw_token).await?;
    let scope = match at {
        Some(suffix) => scope.at(format!("{}{suffix}", device_path(&visit))),
        None => scope,
    };
    match session_id(state, visitor, &visit).await {
        Ok(Some(session)) => Ok((visit, scope, session)),
        Ok(None) => Err(Redirect::to(&device_path(&visit)).into_response()),
        Err(err) => Err(failed(state, &scope, &err)),
    }
}

/// The visitor's session id for the visit's deployment, if one of the ids in the session cookie is valid.
async fn session_id(
    state: &AppState,
    visitor: &Visitor,
    visit: &PortalVisit,
) -> tagdesk_app::AppResult<Option<String>> {
    let Some(cookie) = visitor.cookie(cookies::SESSION) else {
        return Ok(None);
    };
    // Newest first: the session just created is the likeliest match.
    for id in cookies::session_ids(cookie).into_iter().rev() {
        if session::validate(&state.app, id, visit.deployment.id).await? {
            return Ok(Some(id.to_owned()));
        }
    }
    Ok(None)
}

/// Logs a use-case failure and answers the generic 500 page (with the deployment's contact details).
fn failed(state: &AppState, scope: &Scope, err: &tagdesk_app::AppError) -> Response {
    if let tagdesk_app::AppError::Busy { retry_after_s } = err {
        // Overload (every hashing slot taken), not a fault: "try again shortly", 503.
        let mut response = scope.busy(state, *retry_after_s, None);
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return response;
    }
    tracing::error!(error = %err, "portal request failed");
    scope.server_error(state)
}
