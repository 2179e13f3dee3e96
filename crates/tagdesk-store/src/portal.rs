//! The customer portal's tables: per-deployment settings and offered templates, device tokens (and the
//! tokens they replaced), visitor sessions, trusted browsers, follow-up links, idempotent submissions and
//! the durable outbox.

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;
use crate::sql::SqlBuilder;

/// A deployment's portal settings. A missing row means the defaults ([`SettingsRow::defaults`]).
#[derive(Debug, Clone, FromRow)]
pub struct SettingsRow {
    pub deployment_id: String,
    pub enabled: i64,
    /// Argon2id hash of the PIN; empty until one is set.
    pub pin_hash: String,
    pub pin_changed_at: Option<i64>,
    pub session_epoch: i64,
    pub show_open_cases: i64,
    pub open_case_window_days: i64,
    pub welcome_md: String,
    pub instructions_md: String,
    pub contact_md: String,
    pub allow_free_description: i64,
    pub contact_rule: String,
    pub language: String,
    pub photos_allowed: i64,
    pub max_photos: i64,
    pub max_photo_bytes: i64,
    pub guarded_until: Option<i64>,
    pub attack_alerted_at: Option<i64>,
    pub updated_at: i64,
}

impl SettingsRow {
    /// The settings of a deployment that never had a row: the column defaults of the migration.
    pub fn defaults(deployment_id: &str, language: &str) -> Self {
        Self {
            deployment_id: deployment_id.to_owned(),
            enabled: 0,
            pin_hash: String::new(),
            pin_changed_at: None,
            session_epoch: 0,
            show_open_cases: 1,
            open_case_window_days: 30,
            welcome_md: String::new(),
            instructions_md: String::new(),
            contact_md: String::new(),
            allow_free_description: 1,
            contact_rule: "name_and_email_or_phone".to_owned(),
            language: language.to_owned(),
            photos_allowed: 1,
            max_photos: 5,
            max_photo_bytes: 10 * 1024 * 1024,
            guarded_until: None,
            attack_alerted_at: None,
            updated_at: 0,
        }
    }

    /// Whether the portal is switched on.
    pub fn is_enabled(&self) -> bool {
        crate::flag(self.enabled)
    }
}

const SETTINGS_COLUMNS: &str = "deployment_id, enabled, pin_hash, pin_changed_at, session_epoch, show_open_cases, \
    open_case_window_days, welcome_md, instructions_md, contact_md, allow_free_description, contact_rule, language, \
    photos_allowed, max_photos, max_photo_bytes, guarded_until, attack_alerted_at, updated_at";

/// Creates the settings row with defaults when it is missing (the deployment's language as the portal's).
pub async fn ensure_settings(conn: &mut Conn, deployment_id: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_settings (deployment_id, language, updated_at) \
         SELECT id, language, $2 FROM deployments WHERE id = $1 ON CONFLICT (deployment_id) DO NOTHING",
    )
    .bind(deployment_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored settings row, if any.
pub async fn get_settings(conn: &mut Conn, deployment_id: &str) -> StoreResult<Option<SettingsRow>> {
    let sql = format!("SELECT {SETTINGS_COLUMNS} FROM portal_settings WHERE deployment_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(deployment_id).fetch_optional(conn).await?)
}

/// What staff change about the settings (not the guard columns, which the PIN guard owns).
#[derive(Debug, Clone)]
pub struct SettingsUpdate<'a> {
    pub deployment_id: &'a str,
    pub enabled: bool,
    /// `Some(hash)` sets a new PIN (and `pin_changed_at = now`).
    pub new_pin_hash: Option<&'a str>,
    /// Ends every visitor session of the deployment (bumps the epoch).
    pub bump_epoch: bool,
    pub show_open_cases: bool,
    pub open_case_window_days: i64,
    pub welcome_md: &'a str,
    pub instructions_md: &'a str,
    pub contact_md: &'a str,
    pub allow_free_description: bool,
    pub contact_rule: &'a str,
    pub language: &'a str,
    pub photos_allowed: bool,
    pub max_photos: i64,
    pub max_photo_bytes: i64,
    pub now: i64,
}

/// Writes staff settings to an existing row (call [`ensure_settings`] first).
pub async fn update_settings(conn: &mut Conn, u: &SettingsUpdate<'_>) -> StoreResult<()> {
    sqlx::query(
        "UPDATE portal_settings SET enabled = $2, \
         pin_hash = CASE WHEN $3 = 1 THEN $4 ELSE pin_hash END, \
         pin_changed_at = CASE WHEN $3 = 1 THEN $17 ELSE pin_changed_at END, \
         session_epoch = session_epoch + $5, show_open_cases = $6, open_case_window_days = $7, welcome_md = $8, \
         instructions_md = $9, contact_md = $10, allow_free_description = $11, contact_rule = $12, language = $13, \
         photos_allowed = $14, max_photos = $15, max_photo_bytes = $16, updated_at = $17 WHERE deployment_id = $1",
    )
    .bind(u.deployment_id)
    .bind(i64::from(u.enabled))
    .bind(i64::from(u.new_pin_hash.is_some()))
    .bind(u.new_pin_hash.unwrap_or_default())
    .bind(i64::from(u.bump_epoch))
    .bind(i64::from(u.show_open_cases))
    .bind(u.open_case_window_days)
    .bind(u.welcome_md)
    .bind(u.instructions_md)
    .bind(u.contact_md)
    .bind(i64::from(u.allow_free_description))
    .bind(u.contact_rule)
    .bind(u.language)
    .bind(i64::from(u.photos_allowed))
    .bind(u.max_photos)
    .bind(u.max_photo_bytes)
    .bind(u.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A template offered by a deployment's portal, with what the report form needs.
#[derive(Debug, Clone, FromRow)]
pub struct OfferedTemplateRow {
    pub id: String,
    pub name: String,
    pub title: String,
    pub case_type: String,
    pub description: String,
    pub fields_json: String,
    pub active: i64,
    pub position: i64,
}

impl OfferedTemplateRow {
    /// Whether the template can still be picked.
    pub fn is_active(&self) -> bool {
        crate::flag(self.active)
    }
}

/// The templates a deployment's portal offers, in order.
pub async fn offered_templates(conn: &mut Conn, deployment_id: &str) -> StoreResult<Vec<OfferedTemplateRow>> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.name, t.title, t.case_type, t.description, t.fields_json, t.active, p.position \
         FROM portal_templates p JOIN case_templates t ON t.id = p.template_id WHERE p.deployment_id = $1 \
         ORDER BY p.position, t.id",
    )
    .bind(deployment_id)
    .fetch_all(conn)
    .await?)
}

/// Replaces the templates a deployment's portal offers (in the given order).
pub async fn set_offered_templates(conn: &mut Conn, deployment_id: &str, template_ids: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM portal_templates WHERE deployment_id = $1")
        .bind(deployment_id)
        .execute(&mut *conn)
        .await?;
    for (position, id) in (0_i64..).zip(template_ids) {
        sqlx::query("INSERT INTO portal_templates (deployment_id, template_id, position) VALUES ($1, $2, $3)")
            .bind(deployment_id)
            .bind(id)
            .bind(position)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deployments of a workspace whose portal is in guarded mode at `now`: (id, name, guarded until).
pub async fn guarded_deployments(
    conn: &mut Conn,
    workspace_id: &str,
    now: i64,
) -> StoreResult<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.name, p.guarded_until FROM portal_settings p JOIN deployments d ON d.id = p.deployment_id \
         WHERE d.workspace_id = $1 AND p.guarded_until > $2 ORDER BY lower(d.name), d.id",
    )
    .bind(workspace_id)
    .bind(now)
    .fetch_all(conn)
    .await?)
}

// ---- device tokens -------------------------------------------------------------------------------------

/// Gives a device `token` unless the token is in use (by a device or as a replaced token); returns
/// whether it was set.
pub async fn set_device_token(conn: &mut Conn, device_id: &str, token: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE devices SET portal_token = $2 WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM devices WHERE portal_token = $2) \
         AND NOT EXISTS (SELECT 1 FROM replaced_portal_tokens WHERE token = $2)",
    )
    .bind(device_id)
    .bind(token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ids of devices without a portal token (archived ones included), oldest first.
pub async fn devices_without_token(conn: &mut Conn, limit: i64) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT id FROM devices WHERE portal_token IS NULL ORDER BY id LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Records that `token` no longer opens `device_id`'s page.
pub async fn insert_replaced_token(conn: &mut Conn, token: &str, device_id: &str, now: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO replaced_portal_tokens (token, device_id, replaced_at) VALUES ($1, $2, $3)")
        .bind(token)
        .bind(device_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A device found by its token, with its deployment.
#[derive(Debug, Clone, FromRow)]
pub struct TokenDeviceRow {
    pub device_id: String,
    pub workspace_id: String,
    pub deployment_id: String,
    pub deployment_name: String,
    pub deployment_language: String,
    pub device_name: String,
    pub serial_number: Option<String>,
    pub manufacturer: String,
    pub model: String,
    pub portal_token: String,
    pub archived_at: Option<i64>,
}

/// The device holding `token` (canonical form), if any.
pub async fn device_by_token(conn: &mut Conn, token: &str) -> StoreResult<Option<TokenDeviceRow>> {
    Ok(sqlx::query_as(
        "SELECT v.id AS device_id, v.workspace_id, v.deployment_id, d.name AS deployment_name, \
         d.language AS deployment_language, v.name AS device_name, v.serial_number, v.manufacturer, v.model, \
         v.portal_token, v.archived_at FROM devices v JOIN deployments d ON d.id = v.deployment_id \
         WHERE v.portal_token = $1",
    )
    .bind(token)
    .fetch_optional(conn)
    .await?)
}

/// The (deployment id, deployment name, deployment language) of the device that `token` used to open.
pub async fn replaced_token(conn: &mut Conn, token: &str) -> StoreResult<Option<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT d.id, d.name, d.language FROM replaced_portal_tokens r JOIN devices v ON v.id = r.device_id \
         JOIN deployments d ON d.id = v.deployment_id WHERE r.token = $1",
    )
    .bind(token)
    .fetch_optional(conn)
    .await?)
}

// ---- visitor sessions and trusted browsers --------------------------------------------------------------

/// Stores a visitor session (by the hash of its cookie value) for the given session epoch: the one the
/// PIN was verified under, so a PIN change (or disabling) since then leaves the session invalid.
pub async fn insert_session(
    conn: &mut Conn,
    id_hash: &str,
    deployment_id: &str,
    epoch: i64,
    now: i64,
    expires_at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_sessions (id_hash, deployment_id, epoch, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id_hash)
    .bind(deployment_id)
    .bind(epoch)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a session is unexpired, belongs to the deployment, and is of the current epoch of an enabled
/// portal.
pub async fn session_valid(conn: &mut Conn, id_hash: &str, deployment_id: &str, now: i64) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM portal_sessions s JOIN portal_settings p ON p.deployment_id = s.deployment_id \
         WHERE s.id_hash = $1 AND s.deployment_id = $2 AND s.expires_at > $3 AND s.epoch = p.session_epoch \
         AND p.enabled = 1",
    )
    .bind(id_hash)
    .bind(deployment_id)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Ends every visitor session of a deployment; returns how many.
pub async fn delete_sessions(conn: &mut Conn, deployment_id: &str) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM portal_sessions WHERE deployment_id = $1")
        .bind(deployment_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Removes expired visitor sessions; returns how many.
pub async fn purge_expired_sessions(conn: &mut Conn, now: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1").bind(now).execute(conn).await?.rows_affected())
}

/// Remembers a browser that entered the right PIN (by the hash of its trust token).
pub async fn insert_trusted(conn: &mut Conn, token_hash: &str, deployment_id: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_trusted_browsers (token_hash, deployment_id, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $3)",
    )
    .bind(token_hash)
    .bind(deployment_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether any of the token hashes is a trusted browser of the deployment, trusted since `since` and not
/// before the deployment's last PIN change (a token from the old PIN never counts, even if it survived
/// [`delete_trusted`]).
pub async fn any_trusted(
    conn: &mut Conn,
    token_hashes: &[String],
    deployment_id: &str,
    since: i64,
) -> StoreResult<bool> {
    if token_hashes.is_empty() {
        return Ok(false);
    }
    let mut q = SqlBuilder::new("SELECT COUNT(*) AS n FROM portal_trusted_browsers WHERE deployment_id = ");
    q.bind_text(deployment_id).push(" AND created_at >= ").bind_int(since);
    q.push(" AND created_at >= COALESCE((SELECT pin_changed_at FROM portal_settings WHERE deployment_id = ");
    q.bind_text(deployment_id).push("), 0) AND token_hash IN (");
    for (i, hash) in token_hashes.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind_text(hash.clone());
    }
    q.push(")");
    let (n,): (i64,) = q.query_as().fetch_one(conn).await?;
    Ok(n > 0)
}

/// Forgets every trusted browser of a deployment (the PIN changed).
pub async fn delete_trusted(conn: &mut Conn, deployment_id: &str) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM portal_trusted_browsers WHERE deployment_id = $1")
        .bind(deployment_id)
        .execute(conn)
        .await?
        .rows_affected())
}

// ---- portal cases ---------------------------------------------------------------------------------------

/// Stores the portal's extras on a freshly inserted case. A second case with the same idempotency key in
/// the deployment is a unique violation on `idempotency`.
pub async fn set_case_extras(
    conn: &mut Conn,
    case_id: &str,
    follow_token_hash: Option<&str>,
    idempotency_key: Option<&str>,
    reporter_language: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET follow_token_hash = $2, idempotency_key = $3, reporter_language = $4 WHERE id = $1")
        .bind(case_id)
        .bind(follow_token_hash)
        .bind(idempotency_key)
        .bind(reporter_language)
        .execute(conn)
        .await?;
    Ok(())
}

/// (case id, number, device id) of the deployment's case submitted with this idempotency key.
pub async fn case_by_idempotency_key(
    conn: &mut Conn,
    deployment_id: &str,
    key: &str,
) -> StoreResult<Option<(String, i64, Option<String>)>> {
    Ok(sqlx::query_as("SELECT id, number, device_id FROM cases WHERE deployment_id = $1 AND idempotency_key = $2")
        .bind(deployment_id)
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

/// What the follow-up page may show of a case.
#[derive(Debug, Clone, FromRow)]
pub struct FollowRow {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub created_at: i64,
    pub reporter_language: String,
    pub deployment_id: String,
}

/// The case behind a follow-up token hash.
pub async fn case_by_follow_hash(conn: &mut Conn, hash: &str) -> StoreResult<Option<FollowRow>> {
    Ok(sqlx::query_as(
        "SELECT id, number, title, status, created_at, reporter_language, deployment_id FROM cases \
         WHERE follow_token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await?)
}

/// (created at, body) of a case's timeline entries of `kind` marked public, oldest first.
pub async fn public_events(conn: &mut Conn, case_id: &str, kind: &str) -> StoreResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT created_at, body FROM case_events WHERE case_id = $1 AND kind = $2 AND public = 1 ORDER BY id",
    )
    .bind(case_id)
    .bind(kind)
    .fetch_all(conn)
    .await?)
}

/// A case as the device page lists it: never reporter data, descriptions or comments.
#[derive(Debug, Clone, FromRow)]
pub struct RecentCaseRow {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub created_at: i64,
}

/// Cases of a device at a deployment created since `since` that are open or resolved, newest first.
pub async fn recent_cases(
    conn: &mut Conn,
    deployment_id: &str,
    device_id: &str,
    since: i64,
    limit: i64,
) -> StoreResult<Vec<RecentCaseRow>> {
    Ok(sqlx::query_as(
        "SELECT id, number, title, status, created_at FROM cases WHERE deployment_id = $1 AND device_id = $2 \
         AND created_at >= $3 AND status IN ('open', 'resolved') ORDER BY number DESC LIMIT $4",
    )
    .bind(deployment_id)
    .bind(device_id)
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A case by number, only when it is about `device_id` at `deployment_id` (what a visitor may add to).
pub async fn device_case_by_number(
    conn: &mut Conn,
    workspace_id: &str,
    deployment_id: &str,
    device_id: &str,
    number: i64,
) -> StoreResult<Option<RecentCaseRow>> {
    Ok(sqlx::query_as(
        "SELECT id, number, title, status, created_at FROM cases WHERE workspace_id = $1 AND number = $2 \
         AND deployment_id = $3 AND device_id = $4",
    )
    .bind(workspace_id)
    .bind(number)
    .bind(deployment_id)
    .bind(device_id)
    .fetch_optional(conn)
    .await?)
}

// ---- outbox -------------------------------------------------------------------------------------------

/// Appends an outbox entry (delivered by the notifications worker).
pub async fn insert_outbox(conn: &mut Conn, id: &str, kind: &str, payload_json: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outbox (id, kind, payload_json, created_at, available_at, attempts) \
         VALUES ($1, $2, $3, $4, $4, 0)",
    )
    .bind(id)
    .bind(kind)
    .bind(payload_json)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A stored outbox entry.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub payload_json: String,
    pub created_at: i64,
    pub available_at: i64,
    pub attempts: i64,
    pub done_at: Option<i64>,
}

/// Outbox entries of a kind, oldest first (tests and diagnostics).
pub async fn outbox_of_kind(conn: &mut Conn, kind: &str) -> StoreResult<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, payload_json, created_at, available_at, attempts, done_at FROM outbox WHERE kind = $1 \
         ORDER BY id",
    )
    .bind(kind)
    .fetch_all(conn)
    .await?)
}
