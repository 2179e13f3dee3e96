//! Listing cases with filters, newest first, paged by case number.

use tagdesk_domain::error::optional_text;
use tagdesk_domain::{CaseNumber, CaseOrigin, CaseStatus, DeploymentId, DeviceId, DomainError, FieldErrors, UserId};
use tagdesk_store::cases::{self, CaseFilter};

use super::{CaseView, view_of};
use crate::page::{Page, PageRequest};
use crate::{Actor, App, AppError, AppResult};

/// Longest search text.
pub const TEXT_QUERY_MAX: usize = 200;

/// Filters as they arrive from a query string; blank means "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CaseQuery {
    /// `open`, `resolved` or `archived`.
    pub status: Option<String>,
    /// A deployment id.
    pub deployment_id: Option<String>,
    /// A device id.
    pub device_id: Option<String>,
    /// `portal`, `staff` or `api`.
    pub origin: Option<String>,
    /// A user id, or `none` for unassigned cases.
    pub assignee: Option<String>,
    /// Words in the title or description, or a case number (`#1042`).
    pub text: Option<String>,
}

/// Parsed filters.
#[derive(Debug, Default)]
struct Filters {
    status: Option<CaseStatus>,
    deployment_id: Option<String>,
    device_id: Option<String>,
    origin: Option<CaseOrigin>,
    assignee: Option<Option<String>>,
    text: Option<String>,
    before: Option<i64>,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|r| !r.is_empty())
}

fn parse_assignee(raw: &str) -> Result<Option<String>, DomainError> {
    if raw.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        UserId::parse(raw)
            .map(|u| Some(u.to_string()))
            .map_err(|_| DomainError::invalid("Choose a user, or none for unassigned cases."))
    }
}

impl CaseQuery {
    fn parse(&self, page: &PageRequest) -> Result<Filters, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut filters = Filters::default();
        if let Some(raw) = given(&self.status) {
            filters.status = errors.check("status", CaseStatus::parse(raw));
        }
        if let Some(raw) = given(&self.deployment_id) {
            filters.deployment_id = errors.check("deployment_id", DeploymentId::parse(raw)).map(|d| d.to_string());
        }
        if let Some(raw) = given(&self.device_id) {
            filters.device_id = errors.check("device_id", DeviceId::parse(raw)).map(|d| d.to_string());
        }
        if let Some(raw) = given(&self.origin) {
            filters.origin = errors.check("origin", CaseOrigin::parse(raw));
        }
        if let Some(raw) = given(&self.assignee) {
            filters.assignee = errors.check("assignee", parse_assignee(raw));
        }
        if let Some(raw) = given(&self.text) {
            filters.text = errors.check("text", optional_text(raw, TEXT_QUERY_MAX)).flatten();
        }
        if let Some(raw) = page.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            filters.before = errors
                .check("cursor", CaseNumber::parse(raw).map_err(|_| DomainError::invalid("This cursor is not valid.")))
                .map(|n| n.0);
        }
        errors.into_result().map(|()| filters)
    }
}

/// Cases the actor may see that match the query, highest number first. The cursor is the last case's
/// number.
pub async fn list(app: &App, actor: &Actor, query: &CaseQuery, page: &PageRequest) -> AppResult<Page<CaseView>> {
    let filters = query.parse(page).map_err(AppError::Invalid)?;
    let workspace_id = actor.workspace_id.to_string();
    let member = actor.member_scope();
    let limit = page.limit();
    let filter = CaseFilter {
        workspace_id: &workspace_id,
        member: member.as_deref(),
        status: filters.status.map(CaseStatus::as_str),
        deployment_id: filters.deployment_id.as_deref(),
        device_id: filters.device_id.as_deref(),
        origin: filters.origin.map(CaseOrigin::as_str),
        assignee_id: filters.assignee.as_ref().map(Option::as_deref),
        text: filters.text.as_deref(),
        before_number: filters.before,
        limit: limit + 1,
    };
    let mut conn = app.store.read().await?;
    let rows = cases::list(&mut conn, &filter).await?;
    let views = rows.into_iter().map(view_of).collect::<AppResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(views, limit, |c| c.number.0.to_string()))
}
