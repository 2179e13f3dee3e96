//! Photos attached to cases. The rows describe the files; the bytes live in the attachment store
//! (`tagdesk_app::attachments::AttachmentStore`) under `storage_key`.

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored attachment.
#[derive(Debug, Clone, FromRow)]
pub struct AttachmentRow {
    pub id: String,
    pub case_id: String,
    pub storage_key: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i64,
    pub height: i64,
    pub created_at: i64,
}

/// An attachment with the workspace and deployment of its case, so the caller can check rights.
#[derive(Debug, Clone, FromRow)]
pub struct ScopedAttachmentRow {
    pub id: String,
    pub case_id: String,
    pub storage_key: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i64,
    pub height: i64,
    pub created_at: i64,
    pub workspace_id: String,
    pub deployment_id: String,
}

/// An attachment to insert.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub storage_key: &'a str,
    pub content_type: &'a str,
    pub byte_size: i64,
    pub width: i64,
    pub height: i64,
    pub now: i64,
}

/// Inserts an attachment row (in the caller's transaction, usually the one creating the case).
pub async fn insert(conn: &mut Conn, a: &NewAttachment<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO attachments (id, case_id, storage_key, content_type, byte_size, width, height, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id)
    .bind(a.case_id)
    .bind(a.storage_key)
    .bind(a.content_type)
    .bind(a.byte_size)
    .bind(a.width)
    .bind(a.height)
    .bind(a.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A case's attachments, oldest first (ids are time-ordered, so they break ties in upload order).
pub async fn list_for_case(conn: &mut Conn, case_id: &str) -> StoreResult<Vec<AttachmentRow>> {
    Ok(sqlx::query_as(
        "SELECT id, case_id, storage_key, content_type, byte_size, width, height, created_at FROM attachments \
         WHERE case_id = $1 ORDER BY created_at, id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// One attachment whose case belongs to `workspace_id`, with the case's deployment; `None` for an
/// unknown id or an attachment of another workspace.
pub async fn get_in_workspace(
    conn: &mut Conn,
    workspace_id: &str,
    id: &str,
) -> StoreResult<Option<ScopedAttachmentRow>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.case_id, a.storage_key, a.content_type, a.byte_size, a.width, a.height, a.created_at, \
         c.workspace_id, c.deployment_id FROM attachments a JOIN cases c ON c.id = a.case_id \
         WHERE c.workspace_id = $1 AND a.id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}
