//! The audit log of staff changes.

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored audit entry.
#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
    pub id: String,
    pub workspace_id: String,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub summary: String,
    pub created_at: i64,
}

/// Appends an entry.
pub async fn insert(conn: &mut Conn, row: &AuditRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, workspace_id, actor_user_id, actor_label, action, target_type, target_id, summary, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.workspace_id)
    .bind(&row.actor_user_id)
    .bind(&row.actor_label)
    .bind(&row.action)
    .bind(&row.target_type)
    .bind(&row.target_id)
    .bind(&row.summary)
    .bind(row.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Entries of a workspace, newest first, continuing before entry id `before`.
pub async fn list(conn: &mut Conn, workspace_id: &str, before: Option<&str>, limit: i64) -> StoreResult<Vec<AuditRow>> {
    let mut q = crate::sql::SqlBuilder::new(
        "SELECT id, workspace_id, actor_user_id, actor_label, action, target_type, target_id, summary, created_at \
         FROM audit_log WHERE workspace_id = ",
    );
    q.bind_text(workspace_id);
    if let Some(before) = before {
        q.push(" AND id < ").bind_text(before);
    }
    q.push(" ORDER BY id DESC LIMIT ").bind_int(limit);
    Ok(q.query_as().fetch_all(conn).await?)
}

/// The entries of one action about one target, newest first (e.g. a device's label replacements).
pub async fn for_target(
    conn: &mut Conn,
    workspace_id: &str,
    action: &str,
    target: (&str, &str),
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    Ok(sqlx::query_as(
        "SELECT id, workspace_id, actor_user_id, actor_label, action, target_type, target_id, summary, created_at \
         FROM audit_log WHERE workspace_id = $1 AND action = $2 AND target_type = $3 AND target_id = $4 \
         ORDER BY created_at DESC, id DESC LIMIT $5",
    )
    .bind(workspace_id)
    .bind(action)
    .bind(target.0)
    .bind(target.1)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
