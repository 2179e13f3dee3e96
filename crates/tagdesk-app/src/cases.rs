//! Cases: intake (staff, portal, API), reading, listing and handling (status, assignment, solution,
//! comments, details). Cases have their own timeline instead of audit entries.
//!
//! Rights: anyone who may see a deployment may read its cases; technicians, deployment admins and
//! workspace-wide actors change them; viewers get [`AppError::Forbidden`]; a case outside the caller's
//! sight answers [`AppError::NotFound`].

mod assignees;
mod create;
mod handling;
mod query;

use std::collections::BTreeMap;

use serde_json::Value;
use tagdesk_domain::fields::display_value;
use tagdesk_domain::{
    CaseEventId, CaseId, CaseNumber, CaseOrigin, CaseStatus, CaseTemplateId, CaseType, DeploymentId, DeviceId,
    FieldKind, UserId,
};
use tagdesk_store::Conn;
use tagdesk_store::cases::{self, CaseRow, EventRow, NewEvent};

pub use assignees::assignable_users;
pub use create::{CaseInput, create, create_in_tx};
pub(crate) use create::{REPORTER_NAME_MAX, optional_email, optional_phone};
pub use handling::{assign, change_status, comment, set_solution, update_details};
pub use query::{CaseQuery, list};

use crate::error::OrNotFound;
use crate::templates::{corrupt, parse_definitions};
use crate::{Actor, App, AppResult};

/// Longest case title.
pub const TITLE_MAX: usize = 200;
/// Longest description, solution and comment.
pub const TEXT_MAX: usize = 10_000;

/// The kinds of timeline entries.
pub mod event_kind {
    /// The case was created.
    pub const CREATED: &str = "created";
    /// The assignee was set or cleared.
    pub const ASSIGNED: &str = "assigned";
    /// The status changed.
    pub const STATUS_CHANGED: &str = "status_changed";
    /// The solution text was set or cleared.
    pub const SOLUTION_SET: &str = "solution_set";
    /// Someone commented (public comments are shown to the reporter).
    pub const COMMENTED: &str = "commented";
    /// Title, description or type changed.
    pub const EDITED: &str = "edited";
}

/// A case as shown to staff and integrations.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseView {
    /// Internal id (not guessable from the number).
    pub id: CaseId,
    /// Per-workspace number, shown as `#1042`.
    pub number: CaseNumber,
    /// The deployment.
    pub deployment_id: DeploymentId,
    /// Its name.
    pub deployment_name: String,
    /// The device, when the case is about one.
    pub device_id: Option<DeviceId>,
    /// Its name.
    pub device_name: Option<String>,
    /// Its serial number.
    pub device_serial: Option<String>,
    /// The template the case was created from.
    pub template_id: Option<CaseTemplateId>,
    /// Its current name.
    pub template_name: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Type.
    pub case_type: CaseType,
    /// Status.
    pub status: CaseStatus,
    /// Who created it.
    pub origin: CaseOrigin,
    /// Custom fields as defined when the case was created, with their values.
    pub fields: Vec<FieldValueView>,
    /// The template's suggestion, copied at creation.
    pub solution_suggestion: String,
    /// The final solution.
    pub solution: String,
    /// Who reported it.
    pub reporter: ReporterView,
    /// Assignee.
    pub assignee_id: Option<UserId>,
    /// Assignee's name.
    pub assignee_name: Option<String>,
    /// Created (UTC ms).
    pub created_at: i64,
    /// Last changed (UTC ms).
    pub updated_at: i64,
}

/// One custom field of a case with its value.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldValueView {
    /// Field key (`f1`…).
    pub key: String,
    /// The question.
    pub label: String,
    /// The input type.
    pub kind: FieldKind,
    /// Typed value: string, number, bool, list of strings, or null when not given.
    pub value: Value,
    /// The value as text ("Yes", "A, B"; empty when not given).
    pub display: String,
}

/// A reporter's contact details (each may be empty).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReporterView {
    /// Name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Phone number.
    pub phone: String,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventView {
    /// Id (time-ordered).
    pub id: CaseEventId,
    /// One of [`event_kind`].
    pub kind: String,
    /// Who did it ("Ana Admin", "Customer portal"…).
    pub actor_label: String,
    /// What happened, or the comment's text.
    pub body: String,
    /// Whether the reporter may see it.
    pub public: bool,
    /// When (UTC ms).
    pub created_at: i64,
}

fn parse_opt<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, tagdesk_domain::DomainError>,
) -> AppResult<Option<T>> {
    raw.map(|r| parse(r).map_err(corrupt)).transpose()
}

pub(crate) fn view_of(row: CaseRow) -> AppResult<CaseView> {
    let definitions = parse_definitions(&row.fields_json)?;
    let values: BTreeMap<String, Value> =
        serde_json::from_str(&row.field_values_json).map_err(|e| corrupt(format!("field values: {e}")))?;
    let fields = definitions
        .into_iter()
        .map(|def| {
            let value = values.get(&def.key).cloned().unwrap_or(Value::Null);
            FieldValueView { display: display_value(&value), key: def.key, label: def.label, kind: def.kind, value }
        })
        .collect();
    Ok(CaseView {
        id: CaseId::parse(&row.id).map_err(corrupt)?,
        number: CaseNumber(row.number),
        deployment_id: DeploymentId::parse(&row.deployment_id).map_err(corrupt)?,
        deployment_name: row.deployment_name,
        device_id: parse_opt(row.device_id.as_deref(), DeviceId::parse)?,
        device_name: row.device_name,
        device_serial: row.device_serial,
        template_id: parse_opt(row.template_id.as_deref(), CaseTemplateId::parse)?,
        template_name: row.template_name,
        title: row.title,
        description: row.description,
        case_type: CaseType::parse(&row.case_type).map_err(corrupt)?,
        status: CaseStatus::parse(&row.status).map_err(corrupt)?,
        origin: CaseOrigin::parse(&row.origin).map_err(corrupt)?,
        fields,
        solution_suggestion: row.solution_suggestion,
        solution: row.solution,
        reporter: ReporterView { name: row.reporter_name, email: row.reporter_email, phone: row.reporter_phone },
        assignee_id: parse_opt(row.assignee_id.as_deref(), UserId::parse)?,
        assignee_name: row.assignee_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn event_view(row: EventRow) -> AppResult<EventView> {
    Ok(EventView {
        id: CaseEventId::parse(&row.id).map_err(corrupt)?,
        public: row.is_public(),
        kind: row.kind,
        actor_label: row.actor_label,
        body: row.body,
        created_at: row.created_at,
    })
}

/// Loads a case the actor may see (NotFound otherwise), on any connection.
pub(crate) async fn load_visible(conn: &mut Conn, actor: &Actor, id: CaseId) -> AppResult<CaseView> {
    let row = cases::get(conn, &actor.workspace_id.to_string(), &id.to_string()).await?.or_not_found()?;
    let case = view_of(row)?;
    actor.require_see(case.deployment_id)?;
    Ok(case)
}

/// Appends a timeline entry by `actor` in the caller's transaction.
pub(crate) async fn record_event(
    conn: &mut Conn,
    actor: &Actor,
    case_id: CaseId,
    kind: &str,
    body: &str,
    public: bool,
    now: i64,
) -> AppResult<EventView> {
    let id = CaseEventId::new();
    let actor_user_id = actor.user_id().map(|u| u.to_string());
    cases::insert_event(
        conn,
        &NewEvent {
            id: &id.to_string(),
            case_id: &case_id.to_string(),
            kind,
            actor_user_id: actor_user_id.as_deref(),
            actor_label: &actor.label,
            body,
            public,
            now,
        },
    )
    .await?;
    Ok(EventView {
        id,
        kind: kind.to_owned(),
        actor_label: actor.label.clone(),
        body: body.to_owned(),
        public,
        created_at: now,
    })
}

/// One case the actor may see.
pub async fn get(app: &App, actor: &Actor, id: CaseId) -> AppResult<CaseView> {
    let mut conn = app.store.read().await?;
    load_visible(&mut conn, actor, id).await
}

/// A case's timeline, oldest first (staff see private and public entries).
pub async fn timeline(app: &App, actor: &Actor, id: CaseId) -> AppResult<Vec<EventView>> {
    let mut conn = app.store.read().await?;
    load_visible(&mut conn, actor, id).await?;
    cases::events(&mut conn, &id.to_string()).await?.into_iter().map(event_view).collect()
}
