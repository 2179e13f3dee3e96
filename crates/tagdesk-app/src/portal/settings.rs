//! A deployment's portal settings. Anyone who sees the deployment may read them; deployment admins and
//! workspace admins change them. Every change is audited — the PIN itself never appears in the audit log,
//! in logs or in any view ([`PortalSettingsView`] only says whether one is set and when it changed).
//!
//! A deployment without a settings row has the defaults (portal disabled, no PIN); the row is created on
//! the first update. Enabling requires a PIN. Changing the PIN or disabling the portal bumps the session
//! epoch and deletes the deployment's visitor sessions, so every visitor must enter the PIN again; a PIN
//! change also forgets the trusted browsers (they knew the old PIN, not the new one).

use std::ops::RangeInclusive;

use tagdesk_domain::error::optional_text;
use tagdesk_domain::{CaseTemplateId, ContactRule, DeploymentId, FieldErrors, Language, Pin};
use tagdesk_store::portal::{self as store, OfferedTemplateRow, SettingsRow, SettingsUpdate};
use tagdesk_store::{Conn, deployments, templates};

use crate::error::OrNotFound;
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult, audit, auth};

/// Longest welcome message, instructions and contact details (Markdown source, in characters).
pub const MARKDOWN_MAX: usize = 5_000;
/// Allowed open-case windows, in days.
pub const WINDOW_DAYS: RangeInclusive<i64> = 1..=365;
/// Allowed maximum photo counts per report.
pub const MAX_PHOTOS: RangeInclusive<i64> = 0..=10;
/// Allowed maximum photo sizes, in MB (1 MB = 1,048,576 bytes).
pub const MAX_PHOTO_MB: RangeInclusive<i64> = 1..=25;
/// Photos of one report together: max photos × max size may not exceed this many MB, so a full report
/// fits the portal's request limit ([`REPORT_BODY_LIMIT_BYTES`]).
pub const MAX_PHOTOS_TOTAL_MB: i64 = 60;
/// The largest request body a portal report may have (photos plus the form).
pub const REPORT_BODY_LIMIT_BYTES: usize = 64 * 1024 * 1024;
/// Most templates a portal may offer.
pub const MAX_OFFERED_TEMPLATES: usize = 50;
/// Bytes per MB in the photo-size setting.
pub const MB: i64 = 1024 * 1024;

/// A template the portal offers, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfferedTemplate {
    /// The template.
    pub id: CaseTemplateId,
    /// Its name.
    pub name: String,
    /// Inactive templates stay in the list but are not shown to visitors.
    pub active: bool,
}

/// A deployment's portal settings as shown (to staff, and to the portal pages). Never holds the PIN or
/// its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortalSettingsView {
    /// The deployment.
    pub deployment_id: DeploymentId,
    /// Whether the portal is on.
    pub enabled: bool,
    /// Whether a PIN is set.
    pub has_pin: bool,
    /// When the PIN last changed (UTC ms).
    pub pin_changed_at: Option<i64>,
    /// End of guarded mode (UTC ms) while the portal is in it (after a burst of wrong PINs); else `None`.
    pub guarded_until: Option<i64>,
    /// Whether the device page lists the device's recent cases.
    pub show_open_cases: bool,
    /// How far back "recent" reaches, in days.
    pub open_case_window_days: i64,
    /// Shown after the PIN (limited Markdown source).
    pub welcome_md: String,
    /// How to report (limited Markdown source).
    pub instructions_md: String,
    /// The service team's contact, on every portal page (limited Markdown source).
    pub contact_md: String,
    /// The templates offered, in order.
    pub offered_templates: Vec<OfferedTemplate>,
    /// Whether visitors may report without picking a template.
    pub allow_free_description: bool,
    /// Which reporter contact details are required.
    pub contact_rule: ContactRule,
    /// Default language of the portal pages.
    pub language: Language,
    /// Whether visitors may attach photos.
    pub photos_allowed: bool,
    /// Most photos per report.
    pub max_photos: i64,
    /// Largest photo upload, in bytes.
    pub max_photo_bytes: i64,
    /// The same in whole MB (for the form).
    pub max_photo_mb: i64,
    /// Last change (UTC ms; 0 while the defaults were never saved).
    pub updated_at: i64,
}

/// The settings as typed into the staff form or sent to `PUT /api/v1/deployments/{id}/portal`: every
/// setting, plus an optional new PIN (write-only; `None` or blank keeps the current one).
#[derive(Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PortalSettingsInput {
    /// Portal on or off (on requires a PIN, set now or before).
    pub enabled: bool,
    /// A new 4-digit PIN; `None`/blank keeps the current PIN.
    pub pin: Option<String>,
    /// List the device's recent cases on the device page.
    pub show_open_cases: bool,
    /// 1–365 days.
    pub open_case_window_days: i64,
    /// At most 5,000 characters.
    pub welcome_md: String,
    /// At most 5,000 characters.
    pub instructions_md: String,
    /// At most 5,000 characters.
    pub contact_md: String,
    /// Ids of the workspace's templates to offer, in order (new ones must be active).
    pub offered_template_ids: Vec<String>,
    /// Allow reports without a template.
    pub allow_free_description: bool,
    /// Wire form of [`ContactRule`].
    pub contact_rule: String,
    /// `en` or `de`.
    pub language: String,
    /// Allow photos.
    pub photos_allowed: bool,
    /// 0–10.
    pub max_photos: i64,
    /// 1–25 MB.
    pub max_photo_mb: i64,
}

impl std::fmt::Debug for PortalSettingsInput {
    /// Leaves the PIN out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalSettingsInput")
            .field("enabled", &self.enabled)
            .field("pin", &self.pin.as_ref().map(|_| "****"))
            .field("show_open_cases", &self.show_open_cases)
            .field("open_case_window_days", &self.open_case_window_days)
            .field("offered_template_ids", &self.offered_template_ids)
            .field("allow_free_description", &self.allow_free_description)
            .field("contact_rule", &self.contact_rule)
            .field("language", &self.language)
            .field("photos_allowed", &self.photos_allowed)
            .field("max_photos", &self.max_photos)
            .field("max_photo_mb", &self.max_photo_mb)
            .finish_non_exhaustive()
    }
}

impl From<&PortalSettingsView> for PortalSettingsInput {
    /// The current settings (without a PIN), to pre-fill the form.
    fn from(view: &PortalSettingsView) -> Self {
        Self {
            enabled: view.enabled,
            pin: None,
            show_open_cases: view.show_open_cases,
            open_case_window_days: view.open_case_window_days,
            welcome_md: view.welcome_md.clone(),
            instructions_md: view.instructions_md.clone(),
            contact_md: view.contact_md.clone(),
            offered_template_ids: view.offered_templates.iter().map(|t| t.id.to_string()).collect(),
            allow_free_description: view.allow_free_description,
            contact_rule: view.contact_rule.as_str().to_owned(),
            language: view.language.as_str().to_owned(),
            photos_allowed: view.photos_allowed,
            max_photos: view.max_photos,
            max_photo_mb: view.max_photo_mb,
        }
    }
}

/// A deployment whose portal is in guarded mode (for the back-office banner).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuardedDeployment {
    /// The deployment.
    pub id: DeploymentId,
    /// Its name.
    pub name: String,
    /// End of guarded mode (UTC ms).
    pub guarded_until: i64,
}

/// Builds the view from a stored (or default) row and the offered templates.
pub(crate) fn view_of(row: &SettingsRow, offered: &[OfferedTemplateRow], now: i64) -> AppResult<PortalSettingsView> {
    let offered_templates = offered
        .iter()
        .map(|t| {
            Ok(OfferedTemplate {
                id: CaseTemplateId::parse(&t.id).map_err(corrupt)?,
                name: t.name.clone(),
                active: t.is_active(),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(PortalSettingsView {
        deployment_id: DeploymentId::parse(&row.deployment_id).map_err(corrupt)?,
        enabled: row.is_enabled() && !row.pin_hash.is_empty(),
        has_pin: !row.pin_hash.is_empty(),
        pin_changed_at: row.pin_changed_at,
        guarded_until: row.guarded_until.filter(|until| *until > now),
        show_open_cases: row.show_open_cases != 0,
        open_case_window_days: row.open_case_window_days,
        welcome_md: row.welcome_md.clone(),
        instructions_md: row.instructions_md.clone(),
        contact_md: row.contact_md.clone(),
        offered_templates,
        allow_free_description: row.allow_free_description != 0,
        contact_rule: ContactRule::parse(&row.contact_rule).map_err(corrupt)?,
        language: Language::parse(&row.language).unwrap_or(Language::En),
        photos_allowed: row.photos_allowed != 0,
        max_photos: row.max_photos,
        max_photo_bytes: row.max_photo_bytes,
        max_photo_mb: row.max_photo_bytes / MB,
        updated_at: row.updated_at,
    })
}

/// The stored settings row of a deployment, or its defaults.
pub(crate) async fn row_or_default(
    conn: &mut Conn,
    deployment_id: &str,
    deployment_language: &str,
) -> AppResult<SettingsRow> {
    Ok(store::get_settings(conn, deployment_id)
        .await?
        .unwrap_or_else(|| SettingsRow::defaults(deployment_id, deployment_language)))
}

/// A deployment's portal settings, for anyone who sees the deployment.
pub async fn get(app: &App, actor: &Actor, deployment: DeploymentId) -> AppResult<PortalSettingsView> {
    actor.require_see(deployment)?;
    let mut conn = app.store.read().await?;
    let key = deployment.to_string();
    let dep = deployments::get(&mut conn, &actor.workspace_id.to_string(), &key).await?.or_not_found()?;
    let row = row_or_default(&mut conn, &key, &dep.language).await?;
    let offered = store::offered_templates(&mut conn, &key).await?;
    view_of(&row, &offered, app.now())
}

/// The deployments the actor sees whose portal is in guarded mode now.
pub async fn guarded(app: &App, actor: &Actor) -> AppResult<Vec<GuardedDeployment>> {
    let mut conn = app.store.read().await?;
    let rows = store::guarded_deployments(&mut conn, &actor.workspace_id.to_string(), app.now()).await?;
    let mut out = Vec::new();
    for (id, name, guarded_until) in rows {
        let id = DeploymentId::parse(&id).map_err(corrupt)?;
        if actor.deployment_role(id).is_some() {
            out.push(GuardedDeployment { id, name, guarded_until });
        }
    }
    Ok(out)
}

/// Ends a deployment's guarded mode now (deployment admins and workspace admins): new visitors are no
/// longer throttled, and the deployment-wide counters start empty. Audited. No change when the portal is
/// not guarded.
pub async fn end_guarded_mode(app: &App, actor: &Actor, deployment: DeploymentId) -> AppResult<()> {
    actor.require_administer(deployment)?;
    let workspace = actor.workspace_id.to_string();
    let key = deployment.to_string();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let dep = deployments::get(&mut tx, &workspace, &key).await?.or_not_found()?;
    let guarded = tagdesk_store::pin_guard::lock_settings(&mut tx, &key)
        .await?
        .and_then(|s| s.guarded_until)
        .is_some_and(|until| until > now);
    if !guarded {
        return Ok(());
    }
    tagdesk_store::pin_guard::end_guarded(&mut tx, &key).await?;
    let summary = format!("Ended guarded mode of the customer portal of \u{201c}{}\u{201d}", dep.name);
    crate::audit::record(&mut tx, actor, "portal.guard_ended", ("deployment", &key), summary, now).await?;
    tx.commit().await?;
    tracing::info!(deployment.id = %key, "portal guarded mode ended by staff");
    Ok(())
}

/// Validated input.
struct Valid {
    pin: Option<Pin>,
    welcome_md: String,
    instructions_md: String,
    contact_md: String,
    template_ids: Vec<CaseTemplateId>,
    contact_rule: ContactRule,
    language: Language,
}

fn validate(input: &PortalSettingsInput, errors: &mut FieldErrors) -> Option<Valid> {
    let pin = match input.pin.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(raw) => match Pin::parse(raw) {
            Ok(pin) => Some(Some(pin)),
            Err(err) => {
                errors.add("pin", err.to_string());
                None
            }
        },
        None => Some(None),
    };
    if !WINDOW_DAYS.contains(&input.open_case_window_days) {
        errors.add("open_case_window_days", "Choose a window from 1 to 365 days.");
    }
    if !MAX_PHOTOS.contains(&input.max_photos) {
        errors.add("max_photos", "Choose from 0 to 10 photos.");
    }
    if !MAX_PHOTO_MB.contains(&input.max_photo_mb) {
        errors.add("max_photo_mb", "Choose a size from 1 to 25 MB.");
    } else if MAX_PHOTOS.contains(&input.max_photos) && input.max_photos * input.max_photo_mb > MAX_PHOTOS_TOTAL_MB {
        errors.add(
            "max_photo_mb",
            format!(
                "Photos of one report may add up to {MAX_PHOTOS_TOTAL_MB} MB: lower the size or the number of photos."
            ),
        );
    }
    let mut markdown =
        |field: &str, raw: &str| errors.check(field, optional_text(raw, MARKDOWN_MAX)).map(Option::unwrap_or_default);
    let welcome_md = markdown("welcome_md", &input.welcome_md);
    let instructions_md = markdown("instructions_md", &input.instructions_md);
    let contact_md = markdown("contact_md", &input.contact_md);
    let contact_rule = errors.check("contact_rule", ContactRule::parse(&input.contact_rule));
    let language = errors.check("language", Language::parse(&input.language));
    let mut template_ids: Vec<CaseTemplateId> = Vec::new();
    for raw in input.offered_template_ids.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        match CaseTemplateId::parse(raw) {
            Ok(id) if !template_ids.contains(&id) => template_ids.push(id),
            Ok(_) => {}
            Err(_) => errors.add("offered_template_ids", "Choose templates of this workspace."),
        }
    }
    if template_ids.len() > MAX_OFFERED_TEMPLATES {
        errors.add("offered_template_ids", format!("Offer at most {MAX_OFFERED_TEMPLATES} templates."));
    }
    Some(Valid {
        pin: pin?,
        welcome_md: welcome_md?,
        instructions_md: instructions_md?,
        contact_md: contact_md?,
        template_ids,
        contact_rule: contact_rule?,
        language: language?,
    })
}

/// Whether `pin` matches a stored Argon2id hash (in the app's hashing pool).
pub(crate) async fn pin_matches(app: &App, hash: &str, pin: &Pin) -> AppResult<bool> {
    if hash.is_empty() {
        return Ok(false);
    }
    app.hashing.verify(hash.to_owned(), pin.as_str().to_owned()).await
}

/// Changes a deployment's portal settings (deployment admins and workspace admins), auditing what
/// changed. Setting the PIN it already has is no change.
pub async fn update(
    app: &App,
    actor: &Actor,
    deployment: DeploymentId,
    input: &PortalSettingsInput,
) -> AppResult<PortalSettingsView> {
    actor.require_administer(deployment)?;
    let workspace = actor.workspace_id.to_string();
    let key = deployment.to_string();
    let mut errors = FieldErrors::new();
    let valid = validate(input, &mut errors);

    // Hash (and compare) the PIN before the write transaction: Argon2 takes a while.
    let (current, dep_language) = {
        let mut conn = app.store.read().await?;
        let dep = deployments::get(&mut conn, &workspace, &key).await?.or_not_found()?;
        (row_or_default(&mut conn, &key, &dep.language).await?, dep.language)
    };
    let new_pin_hash = match valid.as_ref().and_then(|v| v.pin.as_ref()) {
        Some(pin) if !pin_matches(app, &current.pin_hash, pin).await? => {
            Some(auth::hash_password(app, pin.as_str().to_owned()).await?)
        }
        _ => None,
    };

    let now = app.now();
    let mut tx = app.store.begin().await?;
    let dep = deployments::get(&mut tx, &workspace, &key).await?.or_not_found()?;
    let before = row_or_default(&mut tx, &key, &dep_language).await?;
    let offered_before = store::offered_templates(&mut tx, &key).await?;
    if let Some(valid) = &valid {
        for id in &valid.template_ids {
            let was_offered = offered_before.iter().any(|t| t.id == id.to_string());
            match templates::get(&mut tx, &workspace, &id.to_string()).await? {
                Some(t) if t.is_active() || was_offered => {}
                Some(t) => errors.add(
                    "offered_template_ids",
                    format!("The template \u{201c}{}\u{201d} is inactive; activate it first.", t.name),
                ),
                None => errors.add("offered_template_ids", "Choose templates of this workspace."),
            }
        }
        let has_pin = !before.pin_hash.is_empty() || new_pin_hash.is_some();
        if input.enabled && !has_pin {
            errors.add("pin", "Set a 4-digit PIN to enable the portal.");
        }
        if input.enabled && !input.allow_free_description && valid.template_ids.is_empty() {
            errors.add("allow_free_description", "Offer at least one template or allow a free description.");
        }
    }
    let valid = match valid {
        Some(valid) if errors.is_empty() => valid,
        _ => return Err(AppError::Invalid(errors)),
    };

    let pin_changed = new_pin_hash.is_some();
    let disabling = before.is_enabled() && !input.enabled;
    let new_ids: Vec<String> = valid.template_ids.iter().map(ToString::to_string).collect();
    let old_ids: Vec<String> = offered_before.iter().map(|t| t.id.clone()).collect();
    let mut changes: Vec<&str> = Vec::new();
    let mut note = |changed: bool, what: &'static str| {
        if changed {
            changes.push(what);
        }
    };
    note(
        before.is_enabled() != input.enabled,
        if input.enabled { "enabled the portal" } else { "disabled the portal" },
    );
    note(pin_changed, "PIN changed");
    note((before.show_open_cases != 0) != input.show_open_cases, "open cases shown");
    note(before.open_case_window_days != input.open_case_window_days, "open-case window");
    note(before.welcome_md != valid.welcome_md, "welcome message");
    note(before.instructions_md != valid.instructions_md, "instructions");
    note(before.contact_md != valid.contact_md, "contact details");
    note(old_ids != new_ids, "offered templates");
    note((before.allow_free_description != 0) != input.allow_free_description, "free description");
    note(before.contact_rule != valid.contact_rule.as_str(), "required contact details");
    note(before.language != valid.language.as_str(), "language");
    note((before.photos_allowed != 0) != input.photos_allowed, "photos allowed");
    note(before.max_photos != input.max_photos, "photo count");
    note(before.max_photo_bytes != input.max_photo_mb * MB, "photo size");
    if changes.is_empty() {
        return view_of(&before, &offered_before, now);
    }

    store::ensure_settings(&mut tx, &key, now).await?;
    store::update_settings(
        &mut tx,
        &SettingsUpdate {
            deployment_id: &key,
            enabled: input.enabled,
            new_pin_hash: new_pin_hash.as_deref(),
            bump_epoch: pin_changed || disabling,
            show_open_cases: input.show_open_cases,
            open_case_window_days: input.open_case_window_days,
            welcome_md: &valid.welcome_md,
            instructions_md: &valid.instructions_md,
            contact_md: &valid.contact_md,
            allow_free_description: input.allow_free_description,
            contact_rule: valid.contact_rule.as_str(),
            language: valid.language.as_str(),
            photos_allowed: input.photos_allowed,
            max_photos: input.max_photos,
            max_photo_bytes: input.max_photo_mb * MB,
            now,
        },
    )
    .await?;
    if old_ids != new_ids {
        store::set_offered_templates(&mut tx, &key, &new_ids).await?;
    }
    if pin_changed || disabling {
        store::delete_sessions(&mut tx, &key).await?;
    }
    if pin_changed {
        store::delete_trusted(&mut tx, &key).await?;
    }
    let summary = format!("Changed the customer portal of {}: {}", dep.name, changes.join(", "));
    audit::record(&mut tx, actor, "portal.settings_updated", ("deployment", &key), summary, now).await?;
    let row =
        store::get_settings(&mut tx, &key).await?.ok_or_else(|| AppError::Internal("settings vanished".into()))?;
    let offered = store::offered_templates(&mut tx, &key).await?;
    tx.commit().await?;
    app.portal_cache.clear();
    let sessions_ended = pin_changed || disabling;
    tracing::info!(deployment.id = %deployment, pin_changed, sessions_ended, "portal settings changed");
    view_of(&row, &offered, now)
}
