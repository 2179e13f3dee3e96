//! Workspaces (tenants) and their case-number counters.

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored workspace.
#[derive(Debug, Clone, FromRow)]
pub struct WorkspaceRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

/// Inserts a workspace.
pub async fn insert(conn: &mut Conn, id: &str, name: &str, now: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Finds a workspace by name, ignoring case.
pub async fn find_by_name(conn: &mut Conn, name: &str) -> StoreResult<Option<WorkspaceRow>> {
    Ok(sqlx::query_as("SELECT id, name, created_at FROM workspaces WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_optional(conn)
        .await?)
}

/// Up to `limit` workspaces, by name.
pub async fn list(conn: &mut Conn, limit: i64) -> StoreResult<Vec<WorkspaceRow>> {
    Ok(sqlx::query_as("SELECT id, name, created_at FROM workspaces ORDER BY lower(name), id LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Loads a workspace.
pub async fn get(conn: &mut Conn, id: &str) -> StoreResult<Option<WorkspaceRow>> {
    Ok(sqlx::query_as("SELECT id, name, created_at FROM workspaces WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Takes the next case number of a workspace (atomic; never hands out a number twice).
pub async fn take_case_number(conn: &mut Conn, id: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE workspaces SET next_case_number = next_case_number + 1 WHERE id = $1 RETURNING next_case_number - 1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}
