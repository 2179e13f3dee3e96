//! What a visitor sends: a new case ([`submit`]) or a note on one of the device's recent open cases
//! ([`add_note`]).
//!
//! A portal case goes through the same intake as every case (`cases::create_in_tx`) with origin
//! `portal`, the visit's device and deployment, the chosen template's pre-filled values (its solution
//! suggestion is copied for staff only), the deployment's default assignee when the template sets none,
//! the reporter's language, the hash of a fresh follow-up token, the form's idempotency key, the photos
//! and a `case.created` outbox entry — all in one transaction.
//!
//! Abuse limits: a honeypot field (filled → pretend success, store nothing), quotas per client per hour
//! ([`CLIENT_QUOTA_PER_HOUR`], reports and notes together) and per device per hour
//! ([`DEVICE_QUOTA_PER_HOUR`]), a separate hourly budget of photos a client may have processed
//! ([`PHOTO_QUOTA_PER_HOUR`], counted by [`count_photos`] before any photo is decoded, whether the report
//! then succeeds or not), and the idempotency key: the same key again (a double tap, a retry after a
//! timeout, even concurrently) returns the case the first submission created. The web layer runs
//! [`start_upload`] (or [`check_quota`]) and [`check`] before it decodes any photo, so a form that would be refused anyway
//! costs no image processing.
//!
//! The title of a portal case is never taken from what the visitor typed (titles are shown on the device
//! page to everyone with the PIN): the template's pre-filled title, else the template's name, else
//! [`NEUTRAL_TITLE`]. Staff can edit it.

use std::collections::BTreeMap;

use rand::Rng;
use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::fields::validate_values;
use tagdesk_domain::{CaseId, CaseNumber, CaseOrigin, CaseStatus, FieldErrors, FollowToken, Language};
use tagdesk_store::portal as store;
use tagdesk_store::{Conn, cases as store_cases, rate_limits};

use super::outbox::{self, kind};
use super::visit::window_start;
use super::{PortalTemplate, PortalVisit, VISITOR_TEXT_MAX, visitor_actor};
use crate::attachments::photo::PHOTOS_FIELD;
use crate::attachments::{ProcessedPhoto, save_photos};
use crate::auth::secret_hash;
use crate::cases::{self, CaseInput, REPORTER_NAME_MAX, optional_email, optional_phone};
use crate::templates::corrupt;
use crate::{App, AppError, AppResult};

/// Reports and notes one client (address key) may send per hour.
pub const CLIENT_QUOTA_PER_HOUR: i64 = 20;
/// Report uploads one client (address key) may *start* per hour, counted when the body starts to be read
/// — finished or not, valid or not — so unfinished uploads cost the client quota too (twice the report
/// quota leaves room for forms sent back with an error).
pub const UPLOADS_PER_HOUR: i64 = 2 * CLIENT_QUOTA_PER_HOUR;
/// Reports and notes one device may receive per hour.
pub const DEVICE_QUOTA_PER_HOUR: i64 = 30;
/// Photos one client (address key) may have processed per hour, counted before decoding: failed reports
/// count too (three full reports of 10 photos).
pub const PHOTO_QUOTA_PER_HOUR: i64 = 30;
/// The title of a report whose template pre-fills none (and of a free report).
pub const NEUTRAL_TITLE: &str = "Problem report";
/// Longest idempotency key.
pub const IDEMPOTENCY_KEY_MAX: usize = 64;
/// Longest title a visitor may type.
pub const TITLE_MAX: usize = cases::TITLE_MAX;
/// The timeline entry kind of a visitor's note.
pub const PORTAL_NOTE: &str = "portal_note";

const HOUR_MS: i64 = 3_600_000;

/// A report as the visitor typed it. Field names of validation errors match the form: `template`,
/// `title`, `description`, `field.<key>`, `reporter_name`, `reporter_email`, `reporter_phone`, `photos`,
/// `idempotency_key`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PortalReport {
    /// Index into [`PortalVisit::templates`]; `None` for a free description.
    pub template: Option<usize>,
    /// Optional title (blank: the template's pre-filled title, else its name, else [`NEUTRAL_TITLE`]; never
    /// derived from the description).
    pub title: String,
    /// Description (required without a template).
    pub description: String,
    /// Custom-field values by field key (`f1`, without the `field.` prefix of the input names).
    pub fields: BTreeMap<String, Vec<String>>,
    /// Reporter's name.
    pub reporter_name: String,
    /// Reporter's email.
    pub reporter_email: String,
    /// Reporter's phone.
    pub reporter_phone: String,
    /// The honeypot input: people leave it empty.
    pub honeypot: String,
    /// The random key the form carried (at most 64 printable ASCII characters).
    pub idempotency_key: String,
    /// The page's language (`en`/`de`), stored with the case; others fall back to the portal's default.
    pub language: String,
}

/// What [`submit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// A case was created; show the number and the follow-up link `/c/<follow_token>` (shown this once:
    /// only its hash is stored).
    Created {
        /// The case number.
        number: CaseNumber,
        /// The private follow-up token.
        follow_token: FollowToken,
    },
    /// The same form was sent before: the case it created. Its follow-up link cannot be shown again;
    /// the page says the report was already received.
    Duplicate {
        /// The case number.
        number: CaseNumber,
    },
    /// The honeypot was filled: nothing was stored; show the usual confirmation without a number.
    Ignored,
}

/// A note on a recent case ("I have the same problem / more information").
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PortalNote {
    /// The note (required, at most 5,000 characters). Error field `body`.
    pub body: String,
    /// Optional contact: name.
    pub reporter_name: String,
    /// Optional contact: email.
    pub reporter_email: String,
    /// Optional contact: phone.
    pub reporter_phone: String,
    /// The honeypot input.
    pub honeypot: String,
}

/// A fresh follow-up token (130 random bits).
fn new_follow_token() -> FollowToken {
    let mut rng = rand::rng();
    let mut values = [0_u8; 26];
    for v in &mut values {
        *v = rng.random_range(0..32);
    }
    FollowToken::from_random(values)
}

fn retry_after_s(now: i64) -> i64 {
    (HOUR_MS - now.rem_euclid(HOUR_MS)) / 1000 + 1
}

fn client_bucket(client_key: &str) -> String {
    format!("portal:submit:c:{client_key}")
}

fn device_bucket(visit: &PortalVisit) -> String {
    format!("portal:submit:d:{}", visit.device.id)
}

fn upload_bucket(client_key: &str) -> String {
    format!("portal:upload:c:{client_key}")
}

/// Before a report's body is read: counts one started upload of the client against
/// [`UPLOADS_PER_HOUR`] and checks the report quotas (like [`check_quota`]), in one transaction. Fails
/// with [`AppError::RateLimited`] (counting nothing) when the client has started too many uploads this
/// hour or the client or device has used up its report quota.
pub async fn start_upload(app: &App, visit: &PortalVisit, client_key: &str) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let started = rate_limits::hit(&mut tx, &upload_bucket(client_key), HOUR_MS, now).await?;
    let client = rate_limits::peek(&mut tx, &client_bucket(client_key), HOUR_MS, now).await?;
    let device = rate_limits::peek(&mut tx, &device_bucket(visit), HOUR_MS, now).await?;
    if started > UPLOADS_PER_HOUR || client >= CLIENT_QUOTA_PER_HOUR || device >= DEVICE_QUOTA_PER_HOUR {
        drop(tx);
        return Err(AppError::RateLimited { retry_after_s: retry_after_s(now) });
    }
    tx.commit().await?;
    Ok(())
}

fn photo_bucket(client_key: &str) -> String {
    format!("portal:photos:c:{client_key}")
}

/// Counts one submission for the client and the device in the caller's transaction; true when either is
/// now over its quota (roll back then, so the refused attempt is not counted).
async fn over_quota(conn: &mut Conn, visit: &PortalVisit, client_key: &str, now: i64) -> AppResult<bool> {
    let client = rate_limits::hit(conn, &client_bucket(client_key), HOUR_MS, now).await?;
    let device = rate_limits::hit(conn, &device_bucket(visit), HOUR_MS, now).await?;
    Ok(client > CLIENT_QUOTA_PER_HOUR || device > DEVICE_QUOTA_PER_HOUR)
}

/// Fails with [`AppError::RateLimited`] when the client or the device has used up its hourly quota,
/// without counting anything: lets the web layer refuse before the costly photo processing.
/// [`submit`] and [`add_note`] check (and count) again.
pub async fn check_quota(app: &App, visit: &PortalVisit, client_key: &str) -> AppResult<()> {
    let now = app.now();
    let mut conn = app.store.read().await?;
    let client = rate_limits::peek(&mut conn, &client_bucket(client_key), HOUR_MS, now).await?;
    let device = rate_limits::peek(&mut conn, &device_bucket(visit), HOUR_MS, now).await?;
    if client >= CLIENT_QUOTA_PER_HOUR || device >= DEVICE_QUOTA_PER_HOUR {
        return Err(AppError::RateLimited { retry_after_s: retry_after_s(now) });
    }
    Ok(())
}

/// Counts `photos` photos against the client's hourly photo budget ([`PHOTO_QUOTA_PER_HOUR`]) before the
/// web layer decodes them; fails with [`AppError::RateLimited`] (counting nothing) when they do not fit.
/// Counted photos stay counted whatever happens to the report (invalid photos, refused form, success).
pub async fn count_photos(app: &App, client_key: &str, photos: usize) -> AppResult<()> {
    if photos == 0 {
        return Ok(());
    }
    let now = app.now();
    let bucket = photo_bucket(client_key);
    let mut tx = app.store.begin().await?;
    let mut used = 0;
    for _ in 0..photos {
        used = rate_limits::hit(&mut tx, &bucket, HOUR_MS, now).await?;
    }
    if used > PHOTO_QUOTA_PER_HOUR {
        drop(tx);
        return Err(AppError::RateLimited { retry_after_s: retry_after_s(now) });
    }
    tx.commit().await?;
    Ok(())
}

/// Counts a honeypot submission against the client's quota (so a bot slows down) and answers like a
/// success.
async fn swallow(app: &App, client_key: &str) -> AppResult<()> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let hits = rate_limits::hit(&mut tx, &client_bucket(client_key), HOUR_MS, now).await?;
    tx.commit().await?;
    tracing::info!("portal honeypot filled; nothing stored");
    if hits > CLIENT_QUOTA_PER_HOUR {
        return Err(AppError::RateLimited { retry_after_s: retry_after_s(now) });
    }
    Ok(())
}

/// Contact details checked against the deployment's rule.
struct Contact {
    name: String,
    email: String,
    phone: String,
}

fn check_contact(
    errors: &mut FieldErrors,
    name: &str,
    email: &str,
    phone: &str,
    rule: Option<tagdesk_domain::ContactRule>,
) -> Contact {
    let name = errors
        .check("reporter_name", tagdesk_domain::error::optional_line(name, REPORTER_NAME_MAX))
        .flatten()
        .unwrap_or_default();
    let email = errors.check("reporter_email", optional_email(email)).unwrap_or_default();
    let phone = errors.check("reporter_phone", optional_phone(phone)).unwrap_or_default();
    if let Some(rule) = rule {
        let (need_name, need_email, need_phone, need_one) = rule.requirements();
        if need_name && name.is_empty() && errors.get("reporter_name").is_none() {
            errors.add("reporter_name", "Enter your name.");
        }
        if need_email && email.is_empty() && errors.get("reporter_email").is_none() {
            errors.add("reporter_email", "Enter your email address.");
        }
        if need_phone && phone.is_empty() && errors.get("reporter_phone").is_none() {
            errors.add("reporter_phone", "Enter your phone number.");
        }
        let neither = email.is_empty() && phone.is_empty();
        if need_one && neither && errors.get("reporter_email").is_none() && errors.get("reporter_phone").is_none() {
            errors.add("reporter_email", "Enter an email address or a phone number so we can reach you.");
        }
    }
    Contact { name, email, phone }
}

fn expired_form() -> AppError {
    AppError::invalid("idempotency_key", "This form has expired. Please reload the page and send it again.")
}

/// The idempotency key, checked.
fn check_key(raw: &str) -> AppResult<&str> {
    let key = raw.trim();
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(expired_form());
    }
    Ok(key)
}

/// The title of a report without one: blank when the template pre-fills one (intake fills it in), else
/// the template's name, else [`NEUTRAL_TITLE`]. Never anything the visitor typed: titles are public to
/// everyone with the PIN.
fn neutral_title(template: Option<&PortalTemplate>) -> String {
    match template {
        Some(t) if !t.title.trim().is_empty() => String::new(),
        Some(t) if !t.name.trim().is_empty() => t.name.clone(),
        _ => NEUTRAL_TITLE.to_owned(),
    }
}

/// Renames intake error fields to the portal form's names.
fn portal_fields(err: AppError) -> AppError {
    match err {
        AppError::Invalid(errors) => {
            let mut renamed = FieldErrors::new();
            for e in errors.iter() {
                let field = match e.field.as_str() {
                    "template_id" => "template",
                    "device_id" | "deployment_id" | "assignee_id" | "case_type" => "form",
                    other => other,
                };
                renamed.add(field, &e.message);
            }
            AppError::Invalid(renamed)
        }
        other => other,
    }
}

/// The existing case for a key, as a duplicate of this device's report; a key that belongs to another
/// device's case is refused like an expired form (never reveals that case).
fn duplicate_of(visit: &PortalVisit, found: (String, i64, Option<String>)) -> AppResult<SubmitOutcome> {
    let (_, number, device) = found;
    if device.as_deref() == Some(visit.device.id.to_string().as_str()) {
        Ok(SubmitOutcome::Duplicate { number: CaseNumber(number) })
    } else {
        Err(expired_form())
    }
}

/// A report that passed [`validate`].
struct Valid<'a> {
    template: Option<&'a PortalTemplate>,
    title: String,
    description: String,
    contact: Contact,
}

/// Every check of a report that needs nothing but the visit and the form (no database), `photos` being
/// the number of photos sent.
fn validate<'a>(visit: &'a PortalVisit, report: &PortalReport, photos: usize) -> AppResult<Valid<'a>> {
    let settings = &visit.settings;
    let mut errors = FieldErrors::new();
    let template = match report.template {
        Some(index) => match visit.templates.get(index) {
            Some(t) => Some(t),
            None => {
                errors.add("template", "Choose one of the offered kinds of problem.");
                None
            }
        },
        None if settings.allow_free_description => None,
        None => {
            errors.add("template", "Choose what kind of problem you are reporting.");
            None
        }
    };
    let title = errors.check("title", optional_text(&report.title, TITLE_MAX)).flatten();
    let description = match report.template {
        None => errors.check("description", required_text(&report.description, VISITOR_TEXT_MAX)),
        Some(_) => errors
            .check("description", optional_text(&report.description, VISITOR_TEXT_MAX))
            .map(Option::unwrap_or_default),
    }
    .unwrap_or_default();
    if let Some(t) = template
        && let Err(field_errors) = validate_values(&t.fields, |k| report.fields.get(k).cloned().unwrap_or_default())
    {
        for e in field_errors.iter() {
            errors.add(&e.field, &e.message);
        }
    }
    let contact = check_contact(
        &mut errors,
        &report.reporter_name,
        &report.reporter_email,
        &report.reporter_phone,
        Some(settings.contact_rule),
    );
    if photos > 0 {
        if !settings.photos_allowed {
            errors.add(PHOTOS_FIELD, "Photos cannot be sent here.");
        } else if i64::try_from(photos).unwrap_or(i64::MAX) > settings.max_photos {
            errors.add(PHOTOS_FIELD, format!("Send at most {} photos.", settings.max_photos));
        }
    }
    errors.into_result()?;
    let title = title.unwrap_or_else(|| neutral_title(template));
    Ok(Valid { template, title, description, contact })
}

/// Checks a report the way [`submit`] will (idempotency key, template, fields, description, contact rule,
/// photo count) without touching the database, so that the web layer can refuse a form before it
/// decodes the `photos` photos sent with it. [`submit`] checks again.
pub fn check(visit: &PortalVisit, report: &PortalReport, photos: usize) -> AppResult<()> {
    check_key(&report.idempotency_key)?;
    validate(visit, report, photos).map(|_| ())
}

/// Submits a report from the visit's device. `photos` were processed by the web layer (within the
/// deployment's size limit) and are stored through `app.attachments`; `client_key` identifies the
/// client (a keyed hash of its address) for the quota.
pub async fn submit(
    app: &App,
    visit: &PortalVisit,
    report: &PortalReport,
    photos: &[ProcessedPhoto],
    client_key: &str,
) -> AppResult<SubmitOutcome> {
    if !report.honeypot.trim().is_empty() {
        swallow(app, client_key).await?;
        return Ok(SubmitOutcome::Ignored);
    }
    let key = check_key(&report.idempotency_key)?;
    let settings = &visit.settings;
    let Valid { template, title, description, contact } = validate(visit, report, photos.len())?;

    let language = Language::parse(&report.language).unwrap_or(settings.language);
    let input = CaseInput {
        deployment_id: visit.deployment.id.to_string(),
        device_id: Some(visit.device.id.to_string()),
        template_id: template.map(|t| t.id.to_string()),
        title,
        description,
        case_type: String::new(),
        assignee_id: None,
        reporter_name: contact.name.clone(),
        reporter_email: contact.email,
        reporter_phone: contact.phone,
        fields: if template.is_some() { report.fields.clone() } else { BTreeMap::new() },
    };
    let actor = visitor_actor(visit, &contact.name);
    let follow_token = new_follow_token();
    let deployment_key = visit.deployment.id.to_string();

    let now = app.now();
    let mut tx = app.store.begin().await?;
    // The quota rows are locked until commit, so submissions from one device run one after another and
    // the lookup below sees a same-key case committed meanwhile.
    let over = over_quota(&mut tx, visit, client_key, now).await?;
    if let Some(found) = store::case_by_idempotency_key(&mut tx, &deployment_key, key).await? {
        drop(tx);
        return duplicate_of(visit, found);
    }
    if over {
        drop(tx);
        return Err(AppError::RateLimited { retry_after_s: retry_after_s(now) });
    }
    let case = cases::create_in_tx(&mut tx, &actor, CaseOrigin::Portal, &input, now).await.map_err(portal_fields)?;
    let case_key = case.id.to_string();
    let follow_hash = secret_hash(follow_token.as_str());
    match store::set_case_extras(&mut tx, &case_key, Some(&follow_hash), Some(key), language.as_str()).await {
        Ok(()) => {}
        Err(err) if err.is_unique_on("idempotency") => {
            drop(tx);
            let mut conn = app.store.read().await?;
            let found = store::case_by_idempotency_key(&mut conn, &deployment_key, key).await?;
            return match found {
                Some(found) => duplicate_of(visit, found),
                None => Err(AppError::Conflict("The report could not be saved. Please send it again.".into())),
            };
        }
        Err(err) => return Err(err.into()),
    }
    if !photos.is_empty() {
        save_photos(&mut tx, app.attachments.as_ref(), case.id, photos, now).await?;
    }
    let payload = serde_json::json!({
        "case_id": case_key,
        "number": case.number.0,
        "deployment_id": deployment_key,
        "device_id": visit.device.id.to_string(),
        "origin": CaseOrigin::Portal.as_str(),
    });
    outbox::enqueue(&mut tx, kind::CASE_CREATED, &payload, now).await?;
    tx.commit().await?;
    app.portal_cache.cases_changed();
    tracing::info!(
        case.id = %case.id,
        case.number = case.number.0,
        deployment.id = %visit.deployment.id,
        photos = photos.len(),
        origin = "portal",
        "case created"
    );
    Ok(SubmitOutcome::Created { number: case.number, follow_token })
}

/// Adds a visitor's note to one of the device's recent open cases, named by its number. A number that is
/// not an open case of this device within the open-case window (or the list is switched off) is
/// NotFound. The note is an internal timeline entry of kind [`PORTAL_NOTE`], with the optional contact.
pub async fn add_note(
    app: &App,
    visit: &PortalVisit,
    number: CaseNumber,
    note: &PortalNote,
    client_key: &str,
) -> AppResult<()> {
    if !visit.settings.show_open_cases {
        return Err(AppError::NotFound);
    }
    if !note.honeypot.trim().is_empty() {
        return swallow(app, client_key).await;
    }
    let mut errors = FieldErrors::new();
    let body = errors.check("body", required_text(&note.body, VISITOR_TEXT_MAX));
    let contact = check_contact(&mut errors, &note.reporter_name, &note.reporter_email, &note.reporter_phone, None);
    errors.into_result()?;
    let mut body = body.unwrap_or_default();
    let contact_line: Vec<&str> = [contact.name.as_str(), contact.email.as_str(), contact.phone.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !contact_line.is_empty() {
        body = format!("{body}\n\nContact: {}", contact_line.join(" \u{b7} "));
    }

    let now = app.now();
    let mut tx = app.store.begin().await?;
    let case = store::device_case_by_number(
        &mut tx,
        &visit.deployment.workspace_id.to_string(),
        &visit.deployment.id.to_string(),
        &visit.device.id.to_string(),
        number.0,
    )
    .await?
    .filter(|c| c.status == CaseStatus::Open.as_str() && c.created_at >= window_start(visit, now))
    .ok_or(AppError::NotFound)?;
    if over_quota(&mut tx, visit, client_key, now).await? {
        drop(tx);
        return Err(AppError::RateLimited { retry_after_s: retry_after_s(now) });
    }
    let case_id = CaseId::parse(&case.id).map_err(corrupt)?;
    let actor = visitor_actor(visit, &contact.name);
    store_cases::touch(&mut tx, &case.id, now).await?;
    cases::record_event(&mut tx, &actor, case_id, PORTAL_NOTE, &body, false, now).await?;
    tx.commit().await?;
    tracing::info!(case.id = %case_id, deployment.id = %visit.deployment.id, "portal note added");
    Ok(())
}
