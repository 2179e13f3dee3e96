//! Cases and their timelines.

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;
use crate::sql::{SqlBuilder, contains_pattern};

/// A stored case with the names of what it points to.
#[derive(Debug, Clone, FromRow)]
pub struct CaseRow {
    pub id: String,
    pub workspace_id: String,
    pub number: i64,
    pub deployment_id: String,
    pub deployment_name: String,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub device_serial: Option<String>,
    pub template_id: Option<String>,
    pub template_name: Option<String>,
    pub title: String,
    pub description: String,
    pub case_type: String,
    pub status: String,
    pub origin: String,
    pub field_values_json: String,
    pub fields_json: String,
    pub solution_suggestion: String,
    pub solution: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub reporter_phone: String,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A case to insert.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub number: i64,
    pub deployment_id: &'a str,
    pub device_id: Option<&'a str>,
    pub template_id: Option<&'a str>,
    pub title: &'a str,
    pub description: &'a str,
    pub case_type: &'a str,
    pub origin: &'a str,
    pub field_values_json: &'a str,
    pub fields_json: &'a str,
    pub solution_suggestion: &'a str,
    pub reporter_name: &'a str,
    pub reporter_email: &'a str,
    pub reporter_phone: &'a str,
    pub assignee_id: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub now: i64,
}

/// Filters for listing cases; newest (highest number) first.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter<'a> {
    pub workspace_id: &'a str,
    /// Only deployments where this user holds a role.
    pub member: Option<&'a str>,
    pub status: Option<&'a str>,
    pub deployment_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub origin: Option<&'a str>,
    /// `Some(None)` means unassigned.
    pub assignee_id: Option<Option<&'a str>>,
    /// Matches title, description or the number.
    pub text: Option<&'a str>,
    /// Continue with numbers below this one.
    pub before_number: Option<i64>,
    pub limit: i64,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub body: String,
    pub public: i64,
    pub created_at: i64,
}

impl EventRow {
    /// Whether the entry may be shown to the reporter.
    pub fn is_public(&self) -> bool {
        crate::flag(self.public)
    }
}

/// A timeline entry to insert.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub kind: &'a str,
    pub actor_user_id: Option<&'a str>,
    pub actor_label: &'a str,
    pub body: &'a str,
    pub public: bool,
    pub now: i64,
}

const SELECT: &str = "SELECT c.id, c.workspace_id, c.number, c.deployment_id, d.name AS deployment_name, c.device_id, \
    v.name AS device_name, v.serial_number AS device_serial, c.template_id, t.name AS template_name, c.title, \
    c.description, c.case_type, c.status, c.origin, c.field_values_json, c.fields_json, c.solution_suggestion, \
    c.solution, c.reporter_name, c.reporter_email, c.reporter_phone, c.assignee_id, u.display_name AS assignee_name, \
    c.created_by, c.created_at, c.updated_at FROM cases c JOIN deployments d ON d.id = c.deployment_id \
    LEFT JOIN devices v ON v.id = c.device_id LEFT JOIN case_templates t ON t.id = c.template_id \
    LEFT JOIN users u ON u.id = c.assignee_id";

/// Inserts a case with status open.
pub async fn insert(conn: &mut Conn, c: &NewCase<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO cases (id, workspace_id, number, deployment_id, device_id, template_id, title, description, \
         case_type, status, origin, field_values_json, fields_json, solution_suggestion, reporter_name, reporter_email, \
         reporter_phone, assignee_id, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         'open', $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)",
    )
    .bind(c.id)
    .bind(c.workspace_id)
    .bind(c.number)
    .bind(c.deployment_id)
    .bind(c.device_id)
    .bind(c.template_id)
    .bind(c.title)
    .bind(c.description)
    .bind(c.case_type)
    .bind(c.origin)
    .bind(c.field_values_json)
    .bind(c.fields_json)
    .bind(c.solution_suggestion)
    .bind(c.reporter_name)
    .bind(c.reporter_email)
    .bind(c.reporter_phone)
    .bind(c.assignee_id)
    .bind(c.created_by)
    .bind(c.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads a case of a workspace.
pub async fn get(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<Option<CaseRow>> {
    let sql = format!("{SELECT} WHERE c.workspace_id = $1 AND c.id = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await?)
}

/// Lists cases, newest first.
pub async fn list(conn: &mut Conn, f: &CaseFilter<'_>) -> StoreResult<Vec<CaseRow>> {
    let mut q = SqlBuilder::new(SELECT);
    q.push(" WHERE c.workspace_id = ").bind_text(f.workspace_id);
    if let Some(user) = f.member {
        q.push(" AND c.deployment_id IN (SELECT deployment_id FROM deployment_roles WHERE user_id = ")
            .bind_text(user)
            .push(")");
    }
    if let Some(status) = f.status {
        q.push(" AND c.status = ").bind_text(status);
    }
    if let Some(deployment) = f.deployment_id {
        q.push(" AND c.deployment_id = ").bind_text(deployment);
    }
    if let Some(device) = f.device_id {
        q.push(" AND c.device_id = ").bind_text(device);
    }
    if let Some(origin) = f.origin {
        q.push(" AND c.origin = ").bind_text(origin);
    }
    match f.assignee_id {
        Some(Some(user)) => {
            q.push(" AND c.assignee_id = ").bind_text(user);
        }
        Some(None) => {
            q.push(" AND c.assignee_id IS NULL");
        }
        None => {}
    }
    if let Some(text) = f.text.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = contains_pattern(text);
        q.push(" AND (lower(c.title) LIKE ").bind_text(pattern.clone()).push(" ESCAPE '\\'");
        q.push(" OR lower(c.description) LIKE ").bind_text(pattern).push(" ESCAPE '\\'");
        if let Ok(number) = text.trim_start_matches('#').parse::<i64>() {
            q.push(" OR c.number = ").bind_int(number);
        }
        q.push(")");
    }
    if let Some(before) = f.before_number {
        q.push(" AND c.number < ").bind_int(before);
    }
    q.push(" ORDER BY c.number DESC LIMIT ").bind_int(f.limit);
    Ok(q.query_as().fetch_all(conn).await?)
}

/// Sets status.
pub async fn set_status(conn: &mut Conn, id: &str, status: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a case from status `from` to `to`; false when the case is no longer in `from` (someone else
/// changed it meanwhile), so concurrent changes cannot both pass their transition check.
pub async fn set_status_from(conn: &mut Conn, id: &str, from: &str, to: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE cases SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2")
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a case as changed (a comment was added).
pub async fn touch(conn: &mut Conn, id: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET updated_at = $2 WHERE id = $1").bind(id).bind(now).execute(conn).await?;
    Ok(())
}

/// Sets or clears the assignee.
pub async fn set_assignee(conn: &mut Conn, id: &str, assignee: Option<&str>, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET assignee_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(assignee)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the final solution text.
pub async fn set_solution(conn: &mut Conn, id: &str, solution: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET solution = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(solution)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Updates title, description and type.
pub async fn set_details(
    conn: &mut Conn,
    id: &str,
    title: &str,
    description: &str,
    case_type: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE cases SET title = $2, description = $3, case_type = $4, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(title)
        .bind(description)
        .bind(case_type)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends a timeline entry.
pub async fn insert_event(conn: &mut Conn, e: &NewEvent<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO case_events (id, case_id, kind, actor_user_id, actor_label, body, public, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id)
    .bind(e.case_id)
    .bind(e.kind)
    .bind(e.actor_user_id)
    .bind(e.actor_label)
    .bind(e.body)
    .bind(i64::from(e.public))
    .bind(e.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A case's timeline, oldest first.
pub async fn events(conn: &mut Conn, case_id: &str) -> StoreResult<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT id, case_id, kind, actor_user_id, actor_label, body, public, created_at FROM case_events \
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Whether any case points at the device (archived devices with cases cannot be deleted).
pub async fn count_for_device(conn: &mut Conn, device_id: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE device_id = $1").bind(device_id).fetch_one(conn).await?)
}
