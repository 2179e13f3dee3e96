//! The report form and its confirmation.
//!
//! Without JavaScript the form has two steps: `GET /d/{token}/report` lists the offered kinds of problem
//! (templates, by position 1…n, plus `free` when a free description is allowed), and
//! `?template=<n|free>` shows that kind's fields. The form posts as multipart (photos); every part has a
//! size limit and photos are checked and re-encoded by `attachments::photo` before the use case runs.
//!
//! A report post costs memory (up to the 64 MiB body limit) and CPU (photo decoding), so the order of
//! checks matters: nothing of the body is read before the visitor's portal session, the form token (in
//! the form's action URL, `?_csrf=`) and the hourly report quota are checked; bodies are read and
//! processed only while holding one of the fair [`UploadSlots`] (per client, per deployment, in all), and
//! every started upload counts against the client's hourly upload budget; the body's timing rules
//! (pauses, minimum rate, total time: [`crate::body_guard`]) end a dribbling upload with 408; text parts
//! are capped in number and total size. Photos are decoded only after the form passed every check the use case
//! will make (`report::check`) and after they were counted against the client's hourly photo budget
//! (`report::count_photos`). A form without the query token (an old page) may still carry `_csrf` as a
//! part, but it must come before any photo: a photo part before a valid token ends the request (403).
//!
//! On errors the form comes back (422) with everything typed still filled in, except photos (a note
//! says so). Success answers 303 to `/d/{token}/done`, which reads the number and the private status
//! link from a short-lived signed cookie scoped to that path.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Extension, Multipart, Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tagdesk_app::AppError;
use tagdesk_app::attachments::{PhotoError, ProcessedPhoto, photo};
use tagdesk_app::portal::report::{self, PortalReport, SubmitOutcome};
use tagdesk_app::portal::{PortalTemplate, PortalVisit};
use tagdesk_domain::{ContactRule, FieldErrors, FieldKind, ScanKind};

use super::i18n::Tr;
use super::scans::ScanClient;
use super::upload_slots::UploadSlots;
use super::view::{Frame, Scope, Visitor};
use super::{cookies, csrf, device_path, failed, open, open_signed_in};
use crate::AppState;
use crate::client::ClientKey;

/// Largest text part of the form (descriptions are at most 5,000 characters).
const TEXT_PART_MAX: usize = 64 * 1024;
/// Most text parts accepted (hidden inputs, custom fields, checked choices, contact).
const TEXT_PARTS_MAX: usize = 100;
/// Most bytes of all text parts together.
const TEXT_BYTES_MAX: usize = 512 * 1024;
/// The `Retry-After` of the "busy" page when every upload slot is taken.
const SLOTS_RETRY_AFTER_S: i64 = 60;
/// How long the confirmation cookie lives.
const DONE_MAX_AGE_S: i64 = 600;
/// Bytes per MB in the photo limit.
const MB: i64 = 1024 * 1024;

/// What the visitor reports about: an offered template (index into `visit.templates`) or free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Template(usize),
    Free,
}

impl Choice {
    fn parse(raw: &str, visit: &PortalVisit) -> Option<Self> {
        let raw = raw.trim();
        if raw == "free" {
            return visit.settings.allow_free_description.then_some(Self::Free);
        }
        let position = raw.parse::<usize>().ok()?;
        (1..=visit.templates.len()).contains(&position).then_some(Self::Template(position - 1))
    }

    fn value(self) -> String {
        match self {
            Self::Template(index) => (index + 1).to_string(),
            Self::Free => "free".to_owned(),
        }
    }

    fn template(self, visit: &PortalVisit) -> Option<&PortalTemplate> {
        match self {
            Self::Template(index) => visit.templates.get(index),
            Self::Free => None,
        }
    }
}

/// Every choice the form offers, in order: (query value, label).
fn options(tr: &Tr, visit: &PortalVisit) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> =
        visit.templates.iter().enumerate().map(|(i, t)| ((i + 1).to_string(), t.name.clone())).collect();
    if visit.settings.allow_free_description {
        options.push(("free".to_owned(), tr.t("report-free")));
    }
    options
}

#[derive(Template)]
#[template(path = "portal/report_choose.html")]
struct ChoosePage {
    f: Frame,
    token: String,
    device_name: String,
    options: Vec<(String, String)>,
}

/// One custom field as the form shows it.
struct FieldInput {
    id: String,
    name: String,
    label: String,
    help: String,
    kind: &'static str,
    required: bool,
    value: String,
    checked: bool,
    options: Vec<OptionInput>,
    error: String,
    /// `aria-describedby`: the error, then the help ("" for none).
    describedby: String,
}

struct OptionInput {
    value: String,
    checked: bool,
}

/// A contact input.
struct ContactInput {
    name: &'static str,
    label: String,
    input_type: &'static str,
    autocomplete: &'static str,
    value: String,
    required: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "portal/report_form.html")]
struct FormPage {
    f: Frame,
    token: String,
    device_name: String,
    csrf: String,
    choice: String,
    idempotency_key: String,
    template_name: Option<String>,
    can_change: bool,
    fields: Vec<FieldInput>,
    description: String,
    description_required: bool,
    description_error: String,
    photos: Option<String>,
    photos_error: String,
    photos_again: bool,
    contact_help: String,
    contact: Vec<ContactInput>,
    errors: Vec<(String, String)>,
}

/// What the visitor typed (all text; photos are never kept).
#[derive(Debug, Default)]
struct Typed {
    template: String,
    idempotency_key: String,
    description: String,
    fields: BTreeMap<String, Vec<String>>,
    reporter_name: String,
    reporter_email: String,
    reporter_phone: String,
    website: String,
}

/// A fresh idempotency key for a form render (128 random bits).
fn new_key() -> String {
    tagdesk_app::auth::random_token().chars().take(32).collect()
}

fn field_id(key: &str) -> String {
    format!("f-field-{key}")
}

/// The `id` a form error links to.
fn anchor(field: &str) -> String {
    match field {
        "description" | "photos" | "reporter_name" | "reporter_email" | "reporter_phone" => format!("f-{field}"),
        other => match other.strip_prefix("field.") {
            Some(key) => field_id(key),
            None => "main".to_owned(),
        },
    }
}

/// A use-case message in the visitor's language (known messages are translated; others pass through).
pub(super) fn translate(tr: &Tr, message: &str) -> String {
    let key = match message {
        "This field is required." => "err-required",
        "Enter a number, like 12 or 3.5." => "err-number",
        "Choose one of the options." => "err-choice",
        "Choose from the options." => "err-choices",
        "Enter a date as YYYY-MM-DD." => "err-date",
        "Remove control characters from this text." => "err-control",
        "Enter your name." => "err-name",
        "Enter your email address." => "err-email-required",
        "Enter your phone number." => "err-phone-required",
        "Enter an email address or a phone number so we can reach you." => "err-contact-email-or-phone",
        "This form has expired. Please reload the page and send it again." => "err-expired",
        "Choose one of the offered kinds of problem." | "Choose what kind of problem you are reporting." => {
            "err-template"
        }
        "Photos cannot be sent here." => "err-photos-off",
        m if m.starts_with("Use at most ") && m.ends_with(" characters.") => {
            let max = m.trim_start_matches("Use at most ").trim_end_matches(" characters.");
            return tr.s("err-too-long", "max", max);
        }
        m if m.starts_with("Enter an email address like") || m.ends_with("is not an email address.") => "err-email",
        m if m.starts_with("Enter a phone number") => "err-phone",
        m if m.starts_with("Send at most ") => "err-photos-count",
        other => return other.to_owned(),
    };
    tr.t(key)
}

/// A field-specific message where the generic one would be vague.
fn translate_field(tr: &Tr, field: &str, message: &str) -> String {
    if field == "description" && message == "This field is required." {
        return tr.t("err-description");
    }
    translate(tr, message)
}

/// A photo refusal in the visitor's language, naming the file.
fn photo_message(tr: &Tr, name: &str, err: &PhotoError, max_bytes: i64) -> String {
    let reason = match err {
        PhotoError::TooLarge { .. } => {
            return tr
                .with("report-photo-too-large", &[("name", name.to_owned().into()), ("mb", (max_bytes / MB).into())]);
        }
        PhotoError::Heic => tr.t("photo-heic"),
        PhotoError::NotAPhoto => tr.t("photo-not-a-photo"),
        PhotoError::Corrupt => tr.t("photo-corrupt"),
        PhotoError::TooManyPixels => tr.t("photo-too-many-pixels"),
        PhotoError::Internal(_) => tr.t("photo-failed"),
    };
    tr.with("report-photo-rejected", &[("name", name.to_owned().into()), ("reason", reason.into())])
}

struct FormState<'a> {
    choice: Choice,
    typed: &'a Typed,
    errors: FieldErrors,
    photos_again: bool,
    /// Keep the visitor's idempotency key (a correction of the same report), or issue a new one.
    keep_key: bool,
}

/// Renders step 2 for `choice`.
fn form_page(
    state: &AppState,
    visit: &PortalVisit,
    scope: &Scope,
    session: &str,
    status: StatusCode,
    form: FormState<'_>,
) -> Response {
    let tr = &scope.tr;
    let template = form.choice.template(visit);
    let err = |field: &str| form.errors.get(field).map(|m| translate_field(tr, field, m)).unwrap_or_default();
    let typed = form.typed;
    let fields: Vec<FieldInput> = template
        .map(|t| t.fields.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|def| {
            let name = format!("field.{}", def.key);
            let submitted = typed.fields.get(&def.key).cloned().unwrap_or_default();
            let first = submitted.first().cloned().unwrap_or_default();
            let id = field_id(&def.key);
            let error = err(&name);
            let mut described: Vec<String> = Vec::new();
            if !error.is_empty() {
                described.push(format!("{id}-error"));
            }
            if !def.help.is_empty() {
                described.push(format!("{id}-help"));
            }
            FieldInput {
                describedby: described.join(" "),
                id,
                error,
                name,
                label: def.label.clone(),
                help: def.help.clone(),
                kind: def.kind.as_str(),
                required: def.required,
                checked: def.kind == FieldKind::Checkbox && matches!(first.as_str(), "true" | "on" | "yes" | "1"),
                options: def
                    .options
                    .iter()
                    .map(|o| OptionInput { value: o.clone(), checked: submitted.contains(o) })
                    .collect(),
                value: first,
            }
        })
        .collect();
    let rule = visit.settings.contact_rule;
    let (need_name, need_email, need_phone, _) = rule.requirements();
    let contact = vec![
        ContactInput {
            name: "reporter_name",
            label: tr.t("contact-name"),
            input_type: "text",
            autocomplete: "name",
            value: typed.reporter_name.clone(),
            required: need_name,
            error: err("reporter_name"),
        },
        ContactInput {
            name: "reporter_email",
            label: tr.t("contact-email"),
            input_type: "email",
            autocomplete: "email",
            value: typed.reporter_email.clone(),
            required: need_email,
            error: err("reporter_email"),
        },
        ContactInput {
            name: "reporter_phone",
            label: tr.t("contact-phone"),
            input_type: "tel",
            autocomplete: "tel",
            value: typed.reporter_phone.clone(),
            required: need_phone,
            error: err("reporter_phone"),
        },
    ];
    let contact_help = tr.t(match rule {
        ContactRule::NameAndEmailOrPhone => "contact-help-name-and-email-or-phone",
        ContactRule::NameAndEmail => "contact-help-name-and-email",
        ContactRule::NameAndPhone => "contact-help-name-and-phone",
        ContactRule::EmailOrPhone => "contact-help-email-or-phone",
        ContactRule::NameOnly => "contact-help-name-only",
        ContactRule::None => "contact-help-none",
    });
    let settings = &visit.settings;
    let photos = (settings.photos_allowed && settings.max_photos > 0).then(|| {
        tr.with(
            "report-photos-rule",
            &[("count", settings.max_photos.into()), ("mb", (settings.max_photo_bytes / MB).max(1).into())],
        )
    });
    // The summary lists errors in the order of the form.
    let mut order: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    order.extend(["description", "photos", "reporter_name", "reporter_email", "reporter_phone"].map(str::to_owned));
    // Custom fields' messages are generic ("This field is required."): the summary names the field.
    let label_of = |field: &str| fields.iter().find(|f| f.name == field).map(|f| f.label.clone());
    let mut errors: Vec<(String, String)> = order
        .iter()
        .filter_map(|field| {
            let message = translate_field(tr, field, form.errors.get(field)?);
            let text = match label_of(field) {
                Some(label) if label.ends_with(['?', ':', '!', '.']) => format!("{label} {message}"),
                Some(label) => format!("{label}: {message}"),
                None => message,
            };
            Some((anchor(field), text))
        })
        .collect();
    for e in form.errors.iter().filter(|e| !order.contains(&e.field)) {
        errors.push((anchor(&e.field), translate(tr, &e.message)));
    }
    let description = if typed.description.is_empty() && form.errors.is_empty() {
        template.map(|t| t.description.clone()).unwrap_or_default()
    } else {
        typed.description.clone()
    };
    let key_ok =
        form.keep_key && form.errors.get("idempotency_key").is_none() && !typed.idempotency_key.trim().is_empty();
    let title = if errors.is_empty() {
        tr.t("report-title")
    } else {
        format!("{} {}", tr.t("error-prefix"), tr.t("report-title"))
    };
    let page = FormPage {
        f: scope.frame_titled(title),
        token: visit.token.to_string(),
        device_name: visit.device.name.clone(),
        csrf: csrf::form_token(&state.config.secret_key, session),
        choice: form.choice.value(),
        idempotency_key: if key_ok { typed.idempotency_key.trim().to_owned() } else { new_key() },
        template_name: template.map(|t| t.name.clone()),
        can_change: options(tr, visit).len() > 1,
        fields,
        description,
        description_required: template.is_none(),
        description_error: err("description"),
        photos,
        photos_error: err("photos"),
        photos_again: form.photos_again,
        contact_help,
        contact,
        errors,
    };
    scope.render(state, status, &page)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct FormQuery {
    #[serde(default)]
    template: Option<String>,
}

/// `GET /d/{token}/report[?template=n|free]`.
pub(super) async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    scan: ScanClient,
    Path(token): Path<String>,
    Query(query): Query<FormQuery>,
) -> Response {
    let (visit, scope, session) = match open_signed_in(&state, &visitor, &token, None).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // Step 1 and step 2 of one report are one opening (repeats within 10 minutes count once).
    let cookie = scan.record_view(&state, &visit, ScanKind::FormOpened);
    let response = form_response(&state, &visit, &scope, &session, &query);
    scan.finish(&state, response, cookie)
}

/// Step 1 (choose the kind of problem) or step 2 (its fields) of the report form.
fn form_response(state: &AppState, visit: &PortalVisit, scope: &Scope, session: &str, query: &FormQuery) -> Response {
    let options = options(&scope.tr, visit);
    let choice = match query.template.as_deref().and_then(|raw| Choice::parse(raw, visit)) {
        Some(choice) => Some(choice),
        None if options.len() == 1 => Choice::parse(&options[0].0, visit),
        None => None,
    };
    match choice {
        Some(choice) => {
            let typed = Typed::default();
            let form =
                FormState { choice, typed: &typed, errors: FieldErrors::new(), photos_again: false, keep_key: false };
            form_page(state, visit, scope, session, StatusCode::OK, form)
        }
        None => {
            let page = ChoosePage {
                f: scope.frame("report-title"),
                token: visit.token.to_string(),
                device_name: visit.device.name.clone(),
                options,
            };
            scope.render(state, StatusCode::OK, &page)
        }
    }
}

/// A photo part as received.
struct Upload {
    name: String,
    bytes: Vec<u8>,
}

/// The parsed multipart form, with what went wrong with photos (before any decoding).
struct Received {
    typed: Typed,
    uploads: Vec<Upload>,
    photo_errors: Vec<String>,
}

enum ReadError {
    TooLarge,
    Malformed,
    /// No valid form token before the first photo (or at all).
    Forbidden,
    /// The body stalled, arrived too slowly or took too long (see [`crate::body_guard`]).
    TimedOut,
}

/// The form token check while reading: already done (query) or still to be done with a `_csrf` part.
struct CsrfGate<'a> {
    key: &'a [u8],
    session: &'a str,
    verified: bool,
}

/// Maps a multipart error: a body cut off by the timing rules, too large, or malformed.
fn read_error(err: &axum::extract::multipart::MultipartError) -> ReadError {
    if crate::body_guard::BodyTimeout::is_in(err) {
        ReadError::TimedOut
    } else if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ReadError::TooLarge
    } else {
        ReadError::Malformed
    }
}

/// Reads one part into memory, up to `max` bytes; `Ok(None)` when it was larger: then the rest is drained
/// when `drain` (to go on with the form), else reading stops at once.
async fn read_part(
    field: &mut axum::extract::multipart::Field<'_>,
    max: usize,
    drain: bool,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut bytes = Vec::new();
    let mut over = false;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if !over && bytes.len() + chunk.len() <= max {
                    bytes.extend_from_slice(&chunk);
                } else {
                    over = true;
                    bytes = Vec::new();
                    if !drain {
                        return Ok(None);
                    }
                }
            }
            Ok(None) => break,
            Err(err) => return Err(read_error(&err)),
        }
    }
    Ok((!over).then_some(bytes))
}

async fn receive(
    mut multipart: Multipart,
    visit: &PortalVisit,
    tr: &Tr,
    mut csrf: CsrfGate<'_>,
) -> Result<Received, ReadError> {
    let settings = &visit.settings;
    let max_photo = usize::try_from(settings.max_photo_bytes).unwrap_or(usize::MAX);
    let max_count = usize::try_from(settings.max_photos).unwrap_or(0);
    let mut received = Received { typed: Typed::default(), uploads: Vec::new(), photo_errors: Vec::new() };
    let mut text_parts = 0_usize;
    let mut text_bytes = 0_usize;
    let mut photo_parts = 0_usize;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(read_error(&err)),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "photos" {
            // Not one byte of a photo before the form token is known to be right.
            if !csrf.verified {
                return Err(ReadError::Forbidden);
            }
            let file_name: String =
                field.file_name().unwrap_or("").chars().filter(|c| !c.is_control()).take(80).collect();
            let file_name = if file_name.is_empty() { tr.t("report-photo-unnamed") } else { file_name };
            if !settings.photos_allowed || max_count == 0 {
                if read_part(&mut field, 0, true).await?.is_none() {
                    received.photo_errors.push(tr.t("err-photos-off"));
                }
                continue;
            }
            // Photos over the count are drained without being kept.
            let max = if photo_parts < max_count { max_photo } else { 0 };
            match read_part(&mut field, max, true).await? {
                // "No file chosen" still sends an empty part.
                Some(bytes) if bytes.is_empty() => {}
                Some(bytes) => {
                    photo_parts += 1;
                    received.uploads.push(Upload { name: file_name, bytes });
                }
                None if photo_parts >= max_count => photo_parts += 1,
                None => {
                    photo_parts += 1;
                    received.photo_errors.push(tr.with(
                        "report-photo-too-large",
                        &[("name", file_name.into()), ("mb", (settings.max_photo_bytes / MB).max(1).into())],
                    ));
                }
            }
            continue;
        }
        text_parts += 1;
        if text_parts > TEXT_PARTS_MAX {
            return Err(ReadError::TooLarge);
        }
        let max = TEXT_PART_MAX.min(TEXT_BYTES_MAX - text_bytes);
        let Some(bytes) = read_part(&mut field, max, false).await? else {
            return Err(ReadError::TooLarge);
        };
        text_bytes += bytes.len();
        let value = String::from_utf8_lossy(&bytes).into_owned();
        let typed = &mut received.typed;
        match name.as_str() {
            // The form token as a part (forms without it in the action URL): checked on arrival.
            "_csrf" if !csrf.verified => {
                if !csrf::form_token_ok(csrf.key, csrf.session, &value) {
                    return Err(ReadError::Forbidden);
                }
                csrf.verified = true;
            }
            "_csrf" => {}
            "template" => typed.template = value,
            "idempotency_key" => typed.idempotency_key = value,
            "description" => typed.description = value,
            "reporter_name" => typed.reporter_name = value,
            "reporter_email" => typed.reporter_email = value,
            "reporter_phone" => typed.reporter_phone = value,
            "website" => typed.website = value,
            other => {
                if let Some(key) = other.strip_prefix("field.")
                    && key.len() <= 20
                {
                    typed.fields.entry(key.to_owned()).or_default().push(value);
                }
            }
        }
    }
    if !csrf.verified {
        return Err(ReadError::Forbidden);
    }
    if photo_parts > max_count && max_count > 0 {
        received.photo_errors.insert(0, tr.n("report-photos-too-many", "count", max_count));
    }
    Ok(received)
}

/// The `_csrf` value of the action URL's query, if any.
fn query_csrf(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).unwrap_or_default();
    pairs.into_iter().find(|(name, _)| name == "_csrf").map(|(_, value)| value)
}

/// `POST /d/{token}/report` (multipart).
#[expect(clippy::too_many_arguments, reason = "an axum handler: one extractor per argument")]
pub(super) async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientKey,
    scan: ScanClient,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    Extension(slots): Extension<Arc<UploadSlots>>,
    multipart: Multipart,
) -> Response {
    // Session, form token and quota first: none of them needs the body, and a refused post must not cost
    // the memory of reading it.
    let (visit, scope, session) = match open_signed_in(&state, &visitor, &token, Some("/report")).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let back = Some(device_path(&visit));
    let key = &state.config.secret_key;
    let verified = match query_csrf(query.as_deref()) {
        Some(value) if csrf::form_token_ok(key, &session, &value) => true,
        Some(_) => return scope.csrf_failed(&state, back),
        None => false,
    };
    // The hourly quotas, and this upload counted against the client's budget of started uploads
    // (finished or not), in one transaction.
    match report::start_upload(&state.app, &visit, &client.0).await {
        Ok(()) => {}
        Err(AppError::RateLimited { retry_after_s }) => return scope.busy(&state, retry_after_s, back),
        Err(err) => return failed(&state, &scope, &err),
    }
    // Held until the photos are processed: bounds the memory and CPU of concurrent uploads, fairly
    // between clients and deployments.
    let Ok(_slot) = slots.acquire(&client.0, &visit.deployment.id.to_string()).await else {
        return scope.busy(&state, SLOTS_RETRY_AFTER_S, back);
    };
    let gate = CsrfGate { key, session: &session, verified };
    let received = match receive(multipart, &visit, &scope.tr, gate).await {
        Ok(received) => received,
        Err(ReadError::TooLarge) => return scope.too_large(&state, back),
        Err(ReadError::Malformed | ReadError::Forbidden) => return scope.csrf_failed(&state, back),
        Err(ReadError::TimedOut) => {
            let text = vec![scope.tr.t("too-large-text")];
            return scope.message(&state, StatusCode::REQUEST_TIMEOUT, "too-large", text, back);
        }
    };
    let typed = &received.typed;
    let Some(choice) = Choice::parse(&typed.template, &visit) else {
        // The kind offered when the form was shown is gone: start again at step 1.
        return Redirect::to(&format!("{}/report", device_path(&visit))).into_response();
    };
    let sent_photos = !received.uploads.is_empty() || !received.photo_errors.is_empty();
    let retry = |errors: FieldErrors, status: StatusCode| {
        let form = FormState { choice, typed, errors, photos_again: sent_photos, keep_key: true };
        form_page(&state, &visit, &scope, &session, status, form)
    };
    let input = PortalReport {
        template: match choice {
            Choice::Template(index) => Some(index),
            Choice::Free => None,
        },
        title: String::new(),
        description: typed.description.clone(),
        fields: typed.fields.clone(),
        reporter_name: typed.reporter_name.clone(),
        reporter_email: typed.reporter_email.clone(),
        reporter_phone: typed.reporter_phone.clone(),
        honeypot: typed.website.clone(),
        idempotency_key: typed.idempotency_key.clone(),
        language: scope.lang().code().to_owned(),
    };
    // A bot that filled the honeypot gets neither checks nor photo processing (the use case pretends).
    let honeypot = !typed.website.trim().is_empty();
    let mut errors = FieldErrors::new();
    if !honeypot {
        // Every check the use case will make, before a single photo is decoded.
        match report::check(&visit, &input, received.uploads.len()) {
            Ok(()) => {}
            Err(AppError::Invalid(found)) => errors = found,
            Err(err) => return failed(&state, &scope, &err),
        }
    }
    if !received.photo_errors.is_empty() && errors.get("photos").is_none() {
        errors.add("photos", received.photo_errors.join(" "));
    }
    if !errors.is_empty() {
        return retry(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut photos: Vec<ProcessedPhoto> = Vec::with_capacity(received.uploads.len());
    if !honeypot && !received.uploads.is_empty() {
        // Counted before decoding, whatever becomes of this report.
        match report::count_photos(&state.app, &client.0, received.uploads.len()).await {
            Ok(()) => {}
            Err(AppError::RateLimited { retry_after_s }) => return scope.busy(&state, retry_after_s, back),
            Err(err) => return failed(&state, &scope, &err),
        }
        let max_bytes = usize::try_from(visit.settings.max_photo_bytes).unwrap_or(usize::MAX);
        let mut messages = Vec::new();
        for upload in received.uploads {
            match photo::process_async(upload.bytes, max_bytes).await {
                Ok(processed) => photos.push(processed),
                Err(PhotoError::Internal(message)) => {
                    tracing::error!(error = %message, "photo processing failed");
                    messages.push(photo_message(
                        &scope.tr,
                        &upload.name,
                        &PhotoError::Internal(String::new()),
                        visit.settings.max_photo_bytes,
                    ));
                }
                Err(err) => messages.push(photo_message(&scope.tr, &upload.name, &err, visit.settings.max_photo_bytes)),
            }
        }
        if !messages.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add("photos", messages.join(" "));
            return retry(errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    match report::submit(&state.app, &visit, &input, &photos, &client.0).await {
        Ok(outcome) => {
            let path = format!("{}/done", device_path(&visit));
            let key = &state.config.secret_key;
            let secure = cookies::secure(&state);
            let mut response = Redirect::to(&path).into_response();
            match outcome {
                SubmitOutcome::Created { number, follow_token } => {
                    scan.record(&state, &visit, ScanKind::CaseSubmitted);
                    let signed = csrf::sign(key, &done_purpose(&visit), &format!("{}:{follow_token}", number.0));
                    cookies::set(&mut response, cookies::DONE, &signed, &path, Some(DONE_MAX_AGE_S), secure);
                    cookies::set(&mut response, cookies::DONE_DUPLICATE, "", &path, Some(0), secure);
                }
                // A separate cookie, so that the duplicate of a double tap cannot overwrite the first
                // confirmation (the only one with the status link), whichever response the browser keeps.
                SubmitOutcome::Duplicate { number } => {
                    let signed = csrf::sign(key, &done_purpose(&visit), &number.0.to_string());
                    cookies::set(&mut response, cookies::DONE_DUPLICATE, &signed, &path, Some(DONE_MAX_AGE_S), secure);
                }
                SubmitOutcome::Ignored => {
                    let signed = csrf::sign(key, &done_purpose(&visit), "0:");
                    cookies::set(&mut response, cookies::DONE, &signed, &path, Some(DONE_MAX_AGE_S), secure);
                    cookies::set(&mut response, cookies::DONE_DUPLICATE, "", &path, Some(0), secure);
                }
            }
            response
        }
        Err(AppError::Invalid(errors)) => retry(errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::RateLimited { retry_after_s }) => scope.busy(&state, retry_after_s, back),
        Err(AppError::Conflict(_)) => {
            let mut errors = FieldErrors::new();
            errors.add("form", scope.tr.t("err-retry"));
            retry(errors, StatusCode::CONFLICT)
        }
        Err(err) => failed(&state, &scope, &err),
    }
}

/// The confirmation cookie is signed for one device's path.
fn done_purpose(visit: &PortalVisit) -> String {
    format!("done:{}", visit.token)
}

#[derive(Template)]
#[template(path = "portal/done.html")]
struct DonePage {
    f: Frame,
    token: String,
    /// 0 when nothing can be said (honeypot).
    number: i64,
    /// The private status link (first confirmation only).
    follow_url: Option<String>,
    duplicate: bool,
}

/// `GET /d/{token}/done`: the confirmation of the report just sent.
pub(super) async fn done(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> Response {
    let (visit, scope) = match open(&state, &visitor, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let purpose = done_purpose(&visit);
    let key = &state.config.secret_key;
    let done = visitor
        .cookie(cookies::DONE)
        .and_then(|c| csrf::verify_signed(key, &purpose, c))
        .and_then(|v| v.split_once(':'))
        .map(|(number, follow)| (number.parse::<i64>().unwrap_or(0), follow.to_owned()));
    let duplicate = visitor
        .cookie(cookies::DONE_DUPLICATE)
        .and_then(|c| csrf::verify_signed(key, &purpose, c))
        .and_then(|n| n.parse::<i64>().ok());
    let (number, follow) = match (done, duplicate) {
        // The first confirmation of this very report wins over its duplicates.
        (Some((number, follow)), Some(dup)) if dup == number => (number, follow),
        (_, Some(dup)) => (dup, String::new()),
        (Some(found), None) => found,
        (None, None) => return Redirect::to(&device_path(&visit)).into_response(),
    };
    let follow_url =
        (!follow.is_empty()).then(|| format!("{}/c/{follow}", state.config.public_url.trim_end_matches('/')));
    let page = DonePage {
        f: scope.frame("done-title"),
        token: visit.token.to_string(),
        number,
        duplicate: follow_url.is_none() && number > 0,
        follow_url,
    };
    scope.render(&state, StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::i18n::Lang;

    #[test]
    fn use_case_messages_are_translated() {
        let de = Tr::new(Lang::De);
        assert_eq!(translate(&de, "This field is required."), de.t("err-required"));
        assert!(translate(&de, "Use at most 500 characters.").contains("500"));
        assert_eq!(translate(&de, "Enter an email address like name@example.com."), de.t("err-email"));
        assert_eq!(translate(&de, "Something new."), "Something new.");
        assert_eq!(translate_field(&de, "description", "This field is required."), de.t("err-description"));
    }

    #[test]
    fn errors_link_to_their_inputs() {
        assert_eq!(anchor("field.f3"), "f-field-f3");
        assert_eq!(anchor("reporter_email"), "f-reporter_email");
        assert_eq!(anchor("idempotency_key"), "main");
    }
}
