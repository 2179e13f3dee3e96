//! The PIN page and the PIN check. One attempt per submit; the decision (wrong, locked out, throttled in
//! guarded mode) is `tagdesk_app::portal::pin::attempt`'s. A correct PIN starts a session for this
//! deployment only and makes the browser trusted for it (`session::start`, which refuses when staff
//! changed the PIN while it was being checked).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tagdesk_app::AppError;
use tagdesk_app::portal::pin::{self as guard, PinOutcome, PinProof};
use tagdesk_app::portal::{PortalVisit, session};
use tagdesk_domain::{Pin, ScanKind};

use super::scans::ScanClient;
use super::view::{Frame, Scope, Visitor, minutes};
use super::{cookies, csrf, device_path, failed, open, session_id};
use crate::AppState;
use crate::client::ClientKey;

#[derive(Template)]
#[template(path = "portal/pin.html")]
struct PinPage {
    f: Frame,
    token: String,
    csrf: String,
    error: String,
}

/// Renders the PIN page with `status` and an optional error, issuing the double-submit cookie when the
/// browser has none yet.
pub(super) fn page(
    state: &AppState,
    visitor: &Visitor,
    visit: &PortalVisit,
    scope: &Scope,
    status: StatusCode,
    error: String,
) -> Response {
    let existing =
        visitor.cookie(cookies::PIN_CSRF).filter(|c| c.len() >= 32 && c.bytes().all(|b| b.is_ascii_hexdigit()));
    let (cookie, fresh) = match existing {
        Some(cookie) => (cookie.to_owned(), false),
        None => (tagdesk_app::auth::random_token(), true),
    };
    let title = if error.is_empty() {
        scope.tr.t("pin-title")
    } else {
        format!("{} {}", scope.tr.t("error-prefix"), scope.tr.t("pin-title"))
    };
    let page = PinPage {
        f: scope.frame_titled(title),
        token: visit.token.to_string(),
        csrf: csrf::pin_token(&state.config.secret_key, &cookie),
        error,
    };
    let mut response = scope.render(state, status, &page);
    if fresh {
        cookies::set(&mut response, cookies::PIN_CSRF, &cookie, "/", Some(cookies::DAY_S), cookies::secure(state));
    }
    response
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PinForm {
    #[serde(default)]
    pin: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

fn with_retry_after(mut response: Response, seconds: i64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// `POST /d/{token}/pin`.
pub(super) async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientKey,
    scan: ScanClient,
    Path(token): Path<String>,
    Form(form): Form<PinForm>,
) -> Response {
    let (visit, scope) = match open(&state, &visitor, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let scope = scope.at(device_path(&visit));
    if !csrf::pin_token_ok(&state.config.secret_key, visitor.cookie(cookies::PIN_CSRF), &form.csrf) {
        return scope.csrf_failed(&state, Some(device_path(&visit)));
    }
    match session_id(&state, &visitor, &visit).await {
        Ok(Some(_)) => return Redirect::to(&device_path(&visit)).into_response(),
        Ok(None) => {}
        Err(err) => return failed(&state, &scope, &err),
    }
    // Not four digits: say so without spending an attempt (nothing is learned from it).
    if Pin::parse(&form.pin).is_err() {
        let error = scope.tr.t("pin-format");
        return page(&state, &visitor, &visit, &scope, StatusCode::UNPROCESSABLE_ENTITY, error);
    }
    let trust_cookie = visitor.cookie(cookies::TRUST).unwrap_or("");
    let trusted = match session::is_trusted(&state.app, &session::trust_tokens(trust_cookie), visit.deployment.id).await
    {
        Ok(trusted) => trusted,
        Err(err) => return failed(&state, &scope, &err),
    };
    let outcome = guard::attempt(&state.app, visit.deployment.id, form.pin.trim(), &client.0, trusted).await;
    match outcome {
        Ok(PinOutcome::Correct(proof)) => correct(&state, &visitor, &visit, &scope, proof, &scan).await,
        Ok(PinOutcome::Wrong { locked_for_s: None }) => {
            scan.record(&state, &visit, ScanKind::PinRejected);
            let error = scope.tr.t("pin-wrong");
            page(&state, &visitor, &visit, &scope, StatusCode::UNAUTHORIZED, error)
        }
        Ok(PinOutcome::Wrong { locked_for_s: Some(seconds) }) => {
            scan.record(&state, &visit, ScanKind::PinRejected);
            scan.record(&state, &visit, ScanKind::Lockout);
            let error = scope.tr.n("pin-wrong-locked", "minutes", minutes(seconds));
            with_retry_after(page(&state, &visitor, &visit, &scope, StatusCode::TOO_MANY_REQUESTS, error), seconds)
        }
        Ok(PinOutcome::Locked { retry_after_s }) => {
            scan.record(&state, &visit, ScanKind::Lockout);
            let error = scope.tr.n("pin-locked", "minutes", minutes(retry_after_s));
            with_retry_after(
                page(&state, &visitor, &visit, &scope, StatusCode::TOO_MANY_REQUESTS, error),
                retry_after_s,
            )
        }
        Ok(PinOutcome::Throttled { retry_after_s }) => {
            scan.record(&state, &visit, ScanKind::Lockout);
            let error = scope.tr.n("pin-throttled", "minutes", minutes(retry_after_s));
            with_retry_after(
                page(&state, &visitor, &visit, &scope, StatusCode::TOO_MANY_REQUESTS, error),
                retry_after_s,
            )
        }
        // The portal was switched off meanwhile.
        Err(AppError::NotFound) => scope.standard(&state, StatusCode::OK, "disabled", None),
        Err(err) => failed(&state, &scope, &err),
    }
}

async fn correct(
    state: &AppState,
    visitor: &Visitor,
    visit: &PortalVisit,
    scope: &Scope,
    proof: PinProof,
    scan: &ScanClient,
) -> Response {
    let days = state.config.portal_session_days.clamp(1, 365);
    let started = match session::start(&state.app, proof, days).await {
        Ok(Some(started)) => {
            scan.record(state, visit, ScanKind::PinAccepted);
            started
        }
        // Staff changed the PIN while this one was being checked: it is not the PIN any more.
        Ok(None) => {
            scan.record(state, visit, ScanKind::PinRejected);
            let error = scope.tr.t("pin-wrong");
            return page(state, visitor, visit, scope, StatusCode::UNAUTHORIZED, error);
        }
        // The portal was switched off meanwhile.
        Err(AppError::NotFound) => return scope.standard(state, StatusCode::OK, "disabled", None),
        Err(err) => return failed(state, scope, &err),
    };
    signed_in_response(state, visitor, visit, scope, &started, days)
}

/// The redirect to the device page that carries a new portal session and trust token (after a right PIN
/// or a one-time pass).
pub(super) fn signed_in_response(
    state: &AppState,
    visitor: &Visitor,
    visit: &PortalVisit,
    scope: &Scope,
    started: &session::Started,
    days: i64,
) -> Response {
    let secure = cookies::secure(state);
    let sessions = cookies::add_session(visitor.cookie(cookies::SESSION).unwrap_or(""), &started.session, &[]);
    let trust_cookie = visitor.cookie(cookies::TRUST).unwrap_or("");
    let mut response = Redirect::to(&device_path(visit)).into_response();
    cookies::set(&mut response, cookies::SESSION, &sessions, "/", Some(days * cookies::DAY_S), secure);
    cookies::set(
        &mut response,
        cookies::TRUST,
        &session::add_trust_token(trust_cookie, &started.trust_token),
        "/",
        Some(session::TRUST_DAYS * cookies::DAY_S),
        secure,
    );
    tracing::info!(deployment.id = %visit.deployment.id, "portal session started");
    scope.finish(state, response)
}
