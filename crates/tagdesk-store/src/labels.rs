//! Label printing data: workspace label templates (geometry as JSON), printer calibration profiles,
//! per-deployment print defaults, workspace QR/logo settings, background label jobs, and the device
//! selection a label print starts from.

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;
use crate::sql::{SqlBuilder, contains_pattern};

/// A stored label template (built-in ones live in code, not here).
#[derive(Debug, Clone, FromRow)]
pub struct TemplateRow {
    pub id: String,
    pub workspace_id: String,
    pub slug: String,
    pub name: String,
    /// `custom` or `glabels`.
    pub source: String,
    /// `tagdesk_labels::SheetTemplate` as JSON.
    pub geometry: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const TEMPLATE_COLUMNS: &str = "id, workspace_id, slug, name, source, geometry, created_at, updated_at";

/// A workspace's stored templates, by name.
pub async fn templates(conn: &mut Conn, workspace_id: &str) -> StoreResult<Vec<TemplateRow>> {
    let sql =
        format!("SELECT {TEMPLATE_COLUMNS} FROM label_templates WHERE workspace_id = $1 ORDER BY lower(name), slug");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).fetch_all(conn).await?)
}

/// One stored template by slug.
pub async fn template(conn: &mut Conn, workspace_id: &str, slug: &str) -> StoreResult<Option<TemplateRow>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM label_templates WHERE workspace_id = $1 AND slug = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(slug).fetch_optional(conn).await?)
}

/// Inserts a template, or replaces the geometry and name of the one with the same slug; returns whether
/// it was new.
pub async fn upsert_template(conn: &mut Conn, row: &TemplateRow) -> StoreResult<bool> {
    let existed = template(conn, &row.workspace_id, &row.slug).await?.is_some();
    sqlx::query(
        "INSERT INTO label_templates (id, workspace_id, slug, name, source, geometry, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (workspace_id, slug) DO UPDATE SET name = excluded.name, source = excluded.source, \
         geometry = excluded.geometry, updated_at = excluded.updated_at",
    )
    .bind(&row.id)
    .bind(&row.workspace_id)
    .bind(&row.slug)
    .bind(&row.name)
    .bind(&row.source)
    .bind(&row.geometry)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(!existed)
}

/// Deletes a stored template; returns whether it existed.
pub async fn delete_template(conn: &mut Conn, workspace_id: &str, slug: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM label_templates WHERE workspace_id = $1 AND slug = $2")
        .bind(workspace_id)
        .bind(slug)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A printer calibration profile: everything printed moves by these offsets.
#[derive(Debug, Clone, FromRow)]
pub struct PrinterProfileRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    /// Hundredths of a millimetre, positive = right.
    pub offset_x_hmm: i64,
    /// Hundredths of a millimetre, positive = down.
    pub offset_y_hmm: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const PROFILE_COLUMNS: &str = "id, workspace_id, name, offset_x_hmm, offset_y_hmm, created_at, updated_at";

/// A workspace's printer profiles, by name.
pub async fn printer_profiles(conn: &mut Conn, workspace_id: &str) -> StoreResult<Vec<PrinterProfileRow>> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM printer_profiles WHERE workspace_id = $1 ORDER BY lower(name)");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).fetch_all(conn).await?)
}

/// One printer profile by id or (case-insensitive) name.
pub async fn printer_profile(
    conn: &mut Conn,
    workspace_id: &str,
    id_or_name: &str,
) -> StoreResult<Option<PrinterProfileRow>> {
    let sql = format!(
        "SELECT {PROFILE_COLUMNS} FROM printer_profiles WHERE workspace_id = $1 AND (id = $2 OR lower(name) = lower($2))"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id_or_name).fetch_optional(conn).await?)
}

/// Inserts or updates (by id) a printer profile.
pub async fn save_printer_profile(conn: &mut Conn, row: &PrinterProfileRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO printer_profiles (id, workspace_id, name, offset_x_hmm, offset_y_hmm, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, offset_x_hmm = excluded.offset_x_hmm, \
         offset_y_hmm = excluded.offset_y_hmm, updated_at = excluded.updated_at",
    )
    .bind(&row.id)
    .bind(&row.workspace_id)
    .bind(&row.name)
    .bind(row.offset_x_hmm)
    .bind(row.offset_y_hmm)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a printer profile; returns whether it existed.
pub async fn delete_printer_profile(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM printer_profiles WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// What a deployment printed last (remembered as its defaults).
#[derive(Debug, Clone, FromRow)]
pub struct DeploymentLabelRow {
    pub deployment_id: String,
    pub template_slug: String,
    /// Comma-separated field names, e.g. `qr,name,serial,site,cta`.
    pub fields: String,
    pub printer_profile_id: Option<String>,
    pub outlines: i64,
    pub updated_at: i64,
}

/// A deployment's remembered print settings.
pub async fn deployment_settings(conn: &mut Conn, deployment_id: &str) -> StoreResult<Option<DeploymentLabelRow>> {
    Ok(sqlx::query_as(
        "SELECT deployment_id, template_slug, fields, printer_profile_id, outlines, updated_at \
         FROM deployment_label_settings WHERE deployment_id = $1",
    )
    .bind(deployment_id)
    .fetch_optional(conn)
    .await?)
}

/// Remembers a deployment's print settings.
pub async fn save_deployment_settings(conn: &mut Conn, row: &DeploymentLabelRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deployment_label_settings (deployment_id, template_slug, fields, printer_profile_id, outlines, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (deployment_id) DO UPDATE SET template_slug = excluded.template_slug, fields = excluded.fields, \
         printer_profile_id = excluded.printer_profile_id, outlines = excluded.outlines, updated_at = excluded.updated_at",
    )
    .bind(&row.deployment_id)
    .bind(&row.template_slug)
    .bind(&row.fields)
    .bind(&row.printer_profile_id)
    .bind(row.outlines)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A workspace's QR and logo settings.
#[derive(Debug, Clone, FromRow)]
pub struct WorkspaceLabelRow {
    pub workspace_id: String,
    /// `L`, `M`, `Q` or `H`.
    pub qr_ec_level: String,
    /// The logo's key in the file store.
    pub logo_key: Option<String>,
    pub updated_at: i64,
}

/// A workspace's QR and logo settings (`None`: defaults).
pub async fn workspace_settings(conn: &mut Conn, workspace_id: &str) -> StoreResult<Option<WorkspaceLabelRow>> {
    Ok(sqlx::query_as(
        "SELECT workspace_id, qr_ec_level, logo_key, updated_at FROM workspace_label_settings WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(conn)
    .await?)
}

/// Saves a workspace's QR and logo settings.
pub async fn save_workspace_settings(conn: &mut Conn, row: &WorkspaceLabelRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workspace_label_settings (workspace_id, qr_ec_level, logo_key, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id) DO UPDATE SET qr_ec_level = excluded.qr_ec_level, logo_key = excluded.logo_key, \
         updated_at = excluded.updated_at",
    )
    .bind(&row.workspace_id)
    .bind(&row.qr_ec_level)
    .bind(&row.logo_key)
    .bind(row.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A background label job.
#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: String,
    pub workspace_id: String,
    pub created_by: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// `pdf`, `zip` or `csv`.
    pub format: String,
    /// The print request as JSON.
    pub request: String,
    pub total: i64,
    pub done: i64,
    pub result_key: Option<String>,
    pub result_name: Option<String>,
    pub result_bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: i64,
    /// The last sign of life of the process rendering it.
    pub heartbeat_at: i64,
    pub finished_at: Option<i64>,
}

const JOB_COLUMNS: &str = "id, workspace_id, created_by, status, format, request, total, done, result_key, result_name, \
    result_bytes, error, created_at, heartbeat_at, finished_at";

/// Records a new job.
pub async fn insert_job(conn: &mut Conn, job: &JobRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO label_jobs (id, workspace_id, created_by, status, format, request, total, done, created_at, heartbeat_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)",
    )
    .bind(&job.id)
    .bind(&job.workspace_id)
    .bind(&job.created_by)
    .bind(&job.status)
    .bind(&job.format)
    .bind(&job.request)
    .bind(job.total)
    .bind(job.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One job of a workspace.
pub async fn job(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<Option<JobRow>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM label_jobs WHERE workspace_id = $1 AND id = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await?)
}

/// A workspace's most recent jobs, newest first.
pub async fn recent_jobs(conn: &mut Conn, workspace_id: &str, limit: i64) -> StoreResult<Vec<JobRow>> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM label_jobs WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(limit).fetch_all(conn).await?)
}

/// Records that a job is alive: `running` with `done` labels rendered so far, or still `queued`.
pub async fn job_heartbeat(conn: &mut Conn, id: &str, running: bool, done: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE label_jobs SET status = $2, done = $3, heartbeat_at = $4 WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(if running { "running" } else { "queued" })
    .bind(done)
    .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a job done with its stored result.
pub async fn job_done(conn: &mut Conn, id: &str, key: &str, name: &str, bytes: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE label_jobs SET status = 'done', done = total, result_key = $2, result_name = $3, result_bytes = $4, \
         finished_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(key)
    .bind(name)
    .bind(bytes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a job failed with a message for the person who started it.
pub async fn job_failed(conn: &mut Conn, id: &str, error: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE label_jobs SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Fails every unfinished job whose heartbeat stopped before `before` (its process ended); returns how many.
pub async fn fail_interrupted_jobs(conn: &mut Conn, before: i64, error: &str, now: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE label_jobs SET status = 'failed', error = $2, finished_at = $3 \
         WHERE status IN ('queued', 'running') AND heartbeat_at < $1",
    )
    .bind(before)
    .bind(error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Jobs created before `before` (to delete with their results).
pub async fn old_jobs(conn: &mut Conn, before: i64, limit: i64) -> StoreResult<Vec<JobRow>> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM label_jobs WHERE created_at < $1 ORDER BY created_at LIMIT $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(before).bind(limit).fetch_all(conn).await?)
}

/// Deletes a job row.
pub async fn delete_job(conn: &mut Conn, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM label_jobs WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// A device as a label needs it.
#[derive(Debug, Clone, FromRow)]
pub struct LabelDeviceRow {
    pub id: String,
    pub deployment_id: String,
    pub deployment_name: String,
    pub deployment_language: String,
    pub name: String,
    pub serial_number: Option<String>,
    pub portal_token: Option<String>,
}

/// Which devices to print labels for (all filters combine with AND; archived devices only when asked).
#[derive(Debug, Clone, Default)]
pub struct LabelSelection<'a> {
    pub workspace_id: &'a str,
    /// Only deployments where this user holds a role.
    pub member: Option<&'a str>,
    pub deployment_id: Option<&'a str>,
    pub tag: Option<&'a str>,
    /// Matches name, serial number, manufacturer, model.
    pub text: Option<&'a str>,
    /// Only devices whose label was never scanned.
    pub never_scanned: bool,
    /// Only devices never scanned or last scanned before this time.
    pub not_scanned_since: Option<i64>,
    /// Only these device ids.
    pub device_ids: Option<&'a [String]>,
    /// Only devices with these serial numbers (lower-cased) or portal tokens (canonical).
    pub serials_or_tokens: Option<&'a [String]>,
    /// Archived devices too (one device's own code and label; selections never print them).
    pub include_archived: bool,
    pub limit: i64,
}

/// The devices of a selection, in deployment then name order.
pub async fn select_devices(conn: &mut Conn, s: &LabelSelection<'_>) -> StoreResult<Vec<LabelDeviceRow>> {
    let mut q = SqlBuilder::new(
        "SELECT v.id, v.deployment_id, d.name AS deployment_name, d.language AS deployment_language, v.name, \
         v.serial_number, v.portal_token FROM devices v JOIN deployments d ON d.id = v.deployment_id \
         LEFT JOIN device_scan_stats s ON s.device_id = v.id",
    );
    q.push(" WHERE v.workspace_id = ").bind_text(s.workspace_id);
    if !s.include_archived {
        q.push(" AND v.archived_at IS NULL");
    }
    if let Some(user) = s.member {
        q.push(" AND v.deployment_id IN (SELECT deployment_id FROM deployment_roles WHERE user_id = ")
            .bind_text(user)
            .push(")");
    }
    if let Some(deployment) = s.deployment_id {
        q.push(" AND v.deployment_id = ").bind_text(deployment);
    }
    if let Some(tag) = s.tag.map(str::trim).filter(|t| !t.is_empty()) {
        q.push(" AND v.tags_search LIKE ").bind_text(contains_pattern(&format!(",{tag},"))).push(" ESCAPE '\\'");
    }
    if let Some(text) = s.text.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = contains_pattern(text);
        q.push(" AND (lower(v.name) LIKE ").bind_text(pattern.clone()).push(" ESCAPE '\\'");
        for column in ["v.serial_number", "v.manufacturer", "v.model"] {
            q.push(&format!(" OR lower({column}) LIKE ")).bind_text(pattern.clone()).push(" ESCAPE '\\'");
        }
        q.push(")");
    }
    if s.never_scanned {
        q.push(" AND (s.last_scan_at IS NULL OR s.scans = 0)");
    }
    if let Some(since) = s.not_scanned_since {
        q.push(" AND (s.last_scan_at IS NULL OR s.last_scan_at < ").bind_int(since).push(")");
    }
    if let Some(ids) = s.device_ids {
        push_in(&mut q, "v.id", ids);
    }
    if let Some(keys) = s.serials_or_tokens {
        q.push(" AND (");
        push_in_list(&mut q, "lower(v.serial_number)", keys);
        q.push(" OR ");
        push_in_list(&mut q, "v.portal_token", keys);
        q.push(")");
    }
    q.push(" ORDER BY lower(d.name), d.id, lower(v.name), v.id LIMIT ").bind_int(s.limit);
    Ok(q.query_as().fetch_all(conn).await?)
}

fn push_in(q: &mut SqlBuilder, column: &str, values: &[String]) {
    q.push(" AND ");
    push_in_list(q, column, values);
}

fn push_in_list(q: &mut SqlBuilder, column: &str, values: &[String]) {
    if values.is_empty() {
        q.push("1 = 0");
        return;
    }
    q.push(column).push(" IN (");
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind_text(value.clone());
    }
    q.push(")");
}
