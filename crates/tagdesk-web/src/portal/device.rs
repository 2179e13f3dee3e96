//! The device page (after the PIN) and the "I have the same problem / more information" note: a link per
//! recent open case to a small form page of its own (inline forms for up to 20 cases would break the
//! page-weight budget).

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tagdesk_app::AppError;
use tagdesk_app::portal::report::{self, PortalNote};
use tagdesk_app::portal::visit::{self, RecentCase};
use tagdesk_app::portal::{PortalDevice, PortalVisit};
use tagdesk_domain::{CaseNumber, CaseStatus, ScanKind};

use super::i18n::Tr;
use super::scans::ScanClient;
use super::view::{Frame, Scope, Visitor};
use super::{csrf, device_path, failed, markdown, open, open_signed_in, pin, session_id};
use crate::AppState;
use crate::client::ClientKey;

/// A case as the device page lists it.
struct CaseItem {
    number: i64,
    title: String,
    status: &'static str,
    status_label: String,
    created_at: i64,
    accepts_notes: bool,
}

#[derive(Template)]
#[template(path = "portal/device.html")]
struct DevicePage {
    f: Frame,
    token: String,
    device: PortalDevice,
    welcome_html: Arc<str>,
    instructions_html: Arc<str>,
    can_report: bool,
    show_cases: bool,
    cases: Vec<CaseItem>,
}

/// The status word and its label.
pub(super) fn status(tr: &Tr, status: CaseStatus) -> (&'static str, String) {
    let word = status.as_str();
    (word, tr.t(&format!("status-{word}")))
}

fn items(tr: &Tr, cases: &[RecentCase]) -> Vec<CaseItem> {
    cases
        .iter()
        .map(|c| {
            let (status, status_label) = status(tr, c.status);
            CaseItem {
                number: c.number.0,
                title: c.title.clone(),
                status,
                status_label,
                created_at: c.created_at,
                accepts_notes: c.accepts_notes,
            }
        })
        .collect()
}

/// Renders the device page for a visitor with a session.
async fn page(state: &AppState, visit: &PortalVisit, scope: &Scope) -> Response {
    let cases = match visit::recent_cases(&state.app, visit).await {
        Ok(cases) => cases,
        Err(err) => return failed(state, scope, &err),
    };
    let page = DevicePage {
        f: scope.frame_titled(visit.device.name.clone()),
        token: visit.token.to_string(),
        device: visit.device.clone(),
        welcome_html: markdown::render_cached(&visit.settings.welcome_md),
        instructions_html: markdown::render_cached(&visit.settings.instructions_md),
        can_report: !visit.templates.is_empty() || visit.settings.allow_free_description,
        show_cases: visit.settings.show_open_cases,
        cases: items(&scope.tr, &cases),
    };
    scope.render(state, StatusCode::OK, &page)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct DeviceQuery {
    /// `<number>.<signature>` after a note was added.
    #[serde(default)]
    noted: String,
}

/// The notice link is signed for one device.
fn noted_purpose(visit: &PortalVisit) -> String {
    format!("noted:{}", visit.token)
}

/// `GET /d/{token}`: the PIN page without a session, else the device page. Either is a scan of the label.
pub(super) async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    scan: ScanClient,
    Path(token): Path<String>,
    Query(query): Query<DeviceQuery>,
) -> Response {
    let (visit, scope) = match open(&state, &visitor, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let cookie = scan.record_view(&state, &visit, ScanKind::Scan);
    let response = show_visit(&state, &visitor, &visit, scope, &query).await;
    scan.finish(&state, response, cookie)
}

/// The PIN page or the device page of an active visit.
async fn show_visit(
    state: &AppState,
    visitor: &Visitor,
    visit: &Arc<PortalVisit>,
    scope: Scope,
    query: &DeviceQuery,
) -> Response {
    let session = match session_id(state, visitor, visit).await {
        Ok(session) => session,
        Err(err) => return failed(state, &scope, &err),
    };
    if session.is_none() {
        return pin::page(state, visitor, visit, &scope, StatusCode::OK, String::new());
    }
    // A notice after a note, only when the link carries our signature (no one can plant a false one).
    let notice = csrf::verify_signed(&state.config.secret_key, &noted_purpose(visit), &query.noted)
        .and_then(|n| n.parse::<i64>().ok())
        .map(|n| scope.tr.n("note-added", "number", n));
    let scope = scope.with_notice(notice);
    page(state, visit, &scope).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct NoteForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    reporter_name: String,
    /// Email or phone, in one field.
    #[serde(default)]
    reporter_contact: String,
    #[serde(default)]
    website: String,
}

/// Splits "email or phone" into the note's fields.
fn split_contact(contact: &str) -> (String, String) {
    let contact = contact.trim();
    if contact.contains('@') { (contact.to_owned(), String::new()) } else { (String::new(), contact.to_owned()) }
}

/// Translates the note's validation message for a field.
fn note_error(tr: &Tr, field: &str, message: &str) -> String {
    match field {
        "body" if message.contains("at most") => tr.t("note-too-long"),
        "body" => tr.t("note-required"),
        "reporter_email" => tr.t("err-email"),
        "reporter_phone" => tr.t("err-phone"),
        _ => super::report::translate(tr, message),
    }
}

/// The note form of one case.
#[derive(Template)]
#[template(path = "portal/note.html")]
struct NotePage {
    f: Frame,
    token: String,
    csrf: String,
    case: CaseItem,
    body: String,
    name: String,
    contact: String,
    body_error: String,
    contact_error: String,
}

/// What the visitor typed into the note form.
#[derive(Default)]
struct NoteTyped {
    body: String,
    name: String,
    contact: String,
}

/// The case a note is for: an open case of this device from the recent-case list; else the 404 page.
async fn noted_case(state: &AppState, visit: &PortalVisit, scope: &Scope, raw: &str) -> Result<CaseItem, Response> {
    let back = Some(device_path(visit));
    let Ok(number) = CaseNumber::parse(raw) else {
        return Err(scope.standard(state, StatusCode::NOT_FOUND, "not-found", back));
    };
    let cases = match visit::recent_cases(&state.app, visit).await {
        Ok(cases) => cases,
        Err(err) => return Err(failed(state, scope, &err)),
    };
    items(&scope.tr, &cases)
        .into_iter()
        .find(|c| c.number == number.0 && c.accepts_notes)
        .ok_or_else(|| scope.standard(state, StatusCode::NOT_FOUND, "not-found", back))
}

#[allow(clippy::too_many_arguments)]
fn note_page(
    state: &AppState,
    visit: &PortalVisit,
    scope: &Scope,
    session: &str,
    status: StatusCode,
    case: CaseItem,
    typed: NoteTyped,
    errors: (String, String),
) -> Response {
    let heading = scope.tr.n("note-heading", "number", case.number);
    let title = if errors.0.is_empty() && errors.1.is_empty() {
        heading
    } else {
        format!("{} {heading}", scope.tr.t("error-prefix"))
    };
    let page = NotePage {
        f: scope.frame_titled(title),
        token: visit.token.to_string(),
        csrf: csrf::form_token(&state.config.secret_key, session),
        case,
        body: typed.body,
        name: typed.name,
        contact: typed.contact,
        body_error: errors.0,
        contact_error: errors.1,
    };
    scope.render(state, status, &page)
}

/// `GET /d/{token}/cases/{number}/note`.
pub(super) async fn note_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((token, number)): Path<(String, String)>,
) -> Response {
    let (visit, scope, session) = match open_signed_in(&state, &visitor, &token, None).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let case = match noted_case(&state, &visit, &scope, &number).await {
        Ok(case) => case,
        Err(response) => return response,
    };
    note_page(&state, &visit, &scope, &session, StatusCode::OK, case, NoteTyped::default(), Default::default())
}

/// `POST /d/{token}/cases/{number}/note`.
pub(super) async fn note(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientKey,
    scan: ScanClient,
    Path((token, number)): Path<(String, String)>,
    Form(form): Form<NoteForm>,
) -> Response {
    let at = format!("/cases/{number}/note");
    let (visit, scope, session) = match open_signed_in(&state, &visitor, &token, Some(&at)).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = Some(device_path(&visit));
    if !csrf::form_token_ok(&state.config.secret_key, &session, &form.csrf) {
        return scope.csrf_failed(&state, back);
    }
    let case = match noted_case(&state, &visit, &scope, &number).await {
        Ok(case) => case,
        Err(response) => return response,
    };
    let (reporter_email, reporter_phone) = split_contact(&form.reporter_contact);
    let note = PortalNote {
        body: form.body.clone(),
        reporter_name: form.reporter_name.clone(),
        reporter_email,
        reporter_phone,
        honeypot: form.website.clone(),
    };
    let number = CaseNumber(case.number);
    match report::add_note(&state.app, &visit, number, &note, &client.0).await {
        Ok(()) => {
            if note.honeypot.trim().is_empty() {
                scan.record(&state, &visit, ScanKind::NoteAdded);
            }
            let signed = csrf::sign(&state.config.secret_key, &noted_purpose(&visit), &number.0.to_string());
            let query = serde_urlencoded::to_string([("noted", signed)]).unwrap_or_default();
            // No fragment: the thank-you notice is at the top of the page.
            Redirect::to(&format!("{}?{query}", device_path(&visit))).into_response()
        }
        Err(AppError::Invalid(errors)) => {
            let message = |fields: &[&str]| {
                errors
                    .iter()
                    .find(|e| fields.contains(&e.field.as_str()))
                    .map(|e| note_error(&scope.tr, &e.field, &e.message))
                    .unwrap_or_default()
            };
            let body_error = message(&["body"]);
            let contact_error = message(&["reporter_name", "reporter_email", "reporter_phone"]);
            let typed = NoteTyped { body: form.body, name: form.reporter_name, contact: form.reporter_contact };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            note_page(&state, &visit, &scope, &session, status, case, typed, (body_error, contact_error))
        }
        Err(AppError::NotFound) => scope.standard(&state, StatusCode::NOT_FOUND, "not-found", back),
        Err(AppError::RateLimited { retry_after_s }) => scope.busy(&state, retry_after_s, back),
        Err(err) => failed(&state, &scope, &err),
    }
}

#[cfg(test)]
mod tests {
    use super::split_contact;

    #[test]
    fn contact_is_split_into_email_or_phone() {
        assert_eq!(split_contact(" a@example.com "), ("a@example.com".to_owned(), String::new()));
        assert_eq!(split_contact("+49 30 1234"), (String::new(), "+49 30 1234".to_owned()));
        assert_eq!(split_contact(""), (String::new(), String::new()));
    }
}
