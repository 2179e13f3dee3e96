//! Pages: the audit log of staff changes. Workspace admins only.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use tagdesk_app::audit::{self, AuditRow};
use tagdesk_app::page::PageRequest;

use crate::AppState;
use crate::error::{PageResult, render};
use crate::layout::Layout;
use crate::session::Staff;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(index))
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditRow>,
    next_cursor: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct AuditQuery {
    cursor: Option<String>,
}

async fn index(State(state): State<AppState>, staff: Staff, Query(q): Query<AuditQuery>) -> PageResult {
    let page = audit::list(&state.app, &staff.actor, &PageRequest { cursor: q.cursor, limit: Some(100) }).await?;
    render(&AuditPage {
        layout: staff.layout("Audit log", "audit"),
        entries: page.items,
        next_cursor: page.next_cursor,
    })
}
