//! Deployments (customer sites).

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored deployment with the default assignee's name.
#[derive(Debug, Clone, FromRow)]
pub struct DeploymentRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub address: String,
    pub timezone: String,
    pub language: String,
    pub default_assignee_id: Option<String>,
    pub default_assignee_name: Option<String>,
    pub notification_emails: String,
    pub device_count: i64,
    pub open_case_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The writable fields of a deployment.
#[derive(Debug, Clone)]
pub struct DeploymentFields<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub timezone: &'a str,
    pub language: &'a str,
    pub default_assignee_id: Option<&'a str>,
    /// One address per line.
    pub notification_emails: &'a str,
}

const SELECT: &str = "SELECT d.id, d.workspace_id, d.name, d.address, d.timezone, d.language, d.default_assignee_id, \
    u.display_name AS default_assignee_name, d.notification_emails, \
    (SELECT COUNT(*) FROM devices v WHERE v.deployment_id = d.id AND v.archived_at IS NULL) AS device_count, \
    (SELECT COUNT(*) FROM cases c WHERE c.deployment_id = d.id AND c.status = 'open') AS open_case_count, \
    d.created_at, d.updated_at FROM deployments d LEFT JOIN users u ON u.id = d.default_assignee_id";

/// Inserts a deployment; a duplicate name in the workspace is a unique violation on `name`.
pub async fn insert(
    conn: &mut Conn,
    id: &str,
    workspace_id: &str,
    f: &DeploymentFields<'_>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deployments (id, workspace_id, name, address, timezone, language, default_assignee_id, \
         notification_emails, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(id)
    .bind(workspace_id)
    .bind(f.name)
    .bind(f.address)
    .bind(f.timezone)
    .bind(f.language)
    .bind(f.default_assignee_id)
    .bind(f.notification_emails)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Updates a deployment's fields.
pub async fn update(conn: &mut Conn, id: &str, f: &DeploymentFields<'_>, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE deployments SET name = $2, address = $3, timezone = $4, language = $5, default_assignee_id = $6, \
         notification_emails = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(f.name)
    .bind(f.address)
    .bind(f.timezone)
    .bind(f.language)
    .bind(f.default_assignee_id)
    .bind(f.notification_emails)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads a deployment of a workspace.
pub async fn get(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<Option<DeploymentRow>> {
    let sql = format!("{SELECT} WHERE d.workspace_id = $1 AND d.id = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await?)
}

/// Deployments of a workspace in creation (id) order; with `member` only those where that user holds a
/// role. `after` continues a listing after the deployment with that id.
pub async fn list(
    conn: &mut Conn,
    workspace_id: &str,
    member: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DeploymentRow>> {
    let mut q = crate::sql::SqlBuilder::new(SELECT);
    q.push(" WHERE d.workspace_id = ").bind_text(workspace_id);
    if let Some(user) = member {
        q.push(" AND d.id IN (SELECT deployment_id FROM deployment_roles WHERE user_id = ").bind_text(user).push(")");
    }
    if let Some(after) = after {
        q.push(" AND d.id > ").bind_text(after);
    }
    q.push(" ORDER BY d.id");
    q.push(" LIMIT ").bind_int(limit);
    Ok(q.query_as().fetch_all(conn).await?)
}

/// Counts what blocks deleting a deployment: (devices incl. archived, open cases).
pub async fn blockers(conn: &mut Conn, id: &str) -> StoreResult<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM devices WHERE deployment_id = $1), \
         (SELECT COUNT(*) FROM cases WHERE deployment_id = $1 AND status = 'open')",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Deletes a deployment with its closed cases and roles. Callers check [`blockers`] first.
pub async fn delete(conn: &mut Conn, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM case_events WHERE case_id IN (SELECT id FROM cases WHERE deployment_id = $1)")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM cases WHERE deployment_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM deployment_roles WHERE deployment_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM deployments WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// (workspace id, deployment id) of deployments whose id or name (ignoring case) matches, optionally in
/// the named workspace. Used by the CLI.
pub async fn resolve(
    conn: &mut Conn,
    workspace_name: Option<&str>,
    id_or_name: &str,
) -> StoreResult<Vec<(String, String)>> {
    let mut q = crate::sql::SqlBuilder::new(
        "SELECT d.workspace_id, d.id FROM deployments d JOIN workspaces w ON w.id = d.workspace_id WHERE (d.id = ",
    );
    q.bind_text(id_or_name).push(" OR lower(d.name) = lower(").bind_text(id_or_name).push("))");
    if let Some(workspace) = workspace_name {
        q.push(" AND lower(w.name) = lower(").bind_text(workspace).push(")");
    }
    q.push(" ORDER BY d.id");
    Ok(q.query_as().fetch_all(conn).await?)
}
