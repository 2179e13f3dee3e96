//! Recording and reading the audit log of staff changes (settings, users, API keys, deployments…).

use tagdesk_domain::AuditEntryId;
use tagdesk_store::{Conn, audit};

use crate::page::{Page, PageRequest};
use crate::{Actor, App, AppResult};

pub use tagdesk_store::audit::AuditRow;

/// Appends an audit entry in the caller's transaction. Never put secrets (passwords, keys, PINs) in
/// `summary`.
pub async fn record(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    target: (&str, &str),
    summary: impl Into<String>,
    now: i64,
) -> AppResult<()> {
    let row = AuditRow {
        id: AuditEntryId::new().to_string(),
        workspace_id: actor.workspace_id.to_string(),
        actor_user_id: actor.user_id().map(|id| id.to_string()),
        actor_label: actor.label.clone(),
        action: action.to_owned(),
        target_type: target.0.to_owned(),
        target_id: target.1.to_owned(),
        summary: summary.into(),
        created_at: now,
    };
    audit::insert(conn, &row).await?;
    Ok(())
}

/// The workspace's audit log, newest first. Workspace admins only.
pub async fn list(app: &App, actor: &Actor, page: &PageRequest) -> AppResult<Page<AuditRow>> {
    actor.require_admin_user()?;
    let mut conn = app.store.read().await?;
    let limit = page.limit();
    let rows = audit::list(&mut conn, &actor.workspace_id.to_string(), page.cursor.as_deref(), limit + 1).await?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id.clone()))
}
