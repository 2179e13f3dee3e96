//! Working on a case: status, assignment, solution, comments and details. Each change writes a timeline
//! entry in the same transaction. Repeating a change that is already in place changes nothing.

use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::{CaseId, CaseStatus, CaseType, FieldErrors, UserId};
use tagdesk_store::Tx;
use tagdesk_store::cases;

use super::assignees::require_eligible;
use super::{CaseView, EventView, TEXT_MAX, TITLE_MAX, event_kind, load_visible, record_event};
use crate::{Actor, App, AppError, AppResult};

/// Opens a write transaction on a case the actor may change.
async fn begin_work(app: &App, actor: &Actor, id: CaseId) -> AppResult<(Tx, CaseView)> {
    let mut tx = app.store.begin().await?;
    let case = load_visible(&mut tx, actor, id).await?;
    actor.require_work(case.deployment_id)?;
    Ok((tx, case))
}

/// Reads the changed case back and commits; the portal's device pages show the change at once.
async fn finish(app: &App, mut tx: Tx, actor: &Actor, id: CaseId) -> AppResult<CaseView> {
    let case = load_visible(&mut tx, actor, id).await?;
    tx.commit().await?;
    app.portal_cache.cases_changed();
    Ok(case)
}

/// The verb for moving a case into `status`.
fn verb(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "reopened",
        CaseStatus::Resolved => "resolved",
        CaseStatus::Archived => "archived",
    }
}

/// Explains which transitions `from` allows, e.g. "A resolved case can be reopened or archived."
pub(crate) fn transition_hint(from: CaseStatus) -> String {
    let subject = match from {
        CaseStatus::Open => "An open case",
        CaseStatus::Resolved => "A resolved case",
        CaseStatus::Archived => "An archived case",
    };
    match from.next_steps() {
        [only] => format!("{subject} can only be {}.", verb(*only)),
        steps => {
            let verbs: Vec<&str> = steps.iter().map(|s| verb(*s)).collect();
            format!("{subject} can be {}.", verbs.join(" or "))
        }
    }
}

/// Moves a case to another status (open → resolved → archived; resolved or archived → open).
pub async fn change_status(app: &App, actor: &Actor, id: CaseId, next: CaseStatus) -> AppResult<CaseView> {
    let (mut tx, case) = begin_work(app, actor, id).await?;
    if case.status == next {
        return Ok(case);
    }
    if !case.status.can_become(next) {
        return Err(AppError::Conflict(transition_hint(case.status)));
    }
    let now = app.now();
    if !cases::set_status_from(&mut tx, &id.to_string(), case.status.as_str(), next.as_str(), now).await? {
        return Err(AppError::Conflict("The case was changed meanwhile. Reload it and try again.".to_owned()));
    }
    let body = format!("Status changed from {} to {}", case.status.label(), next.label());
    record_event(&mut tx, actor, id, event_kind::STATUS_CHANGED, &body, false, now).await?;
    finish(app, tx, actor, id).await
}

/// Assigns a case to a user who works at its deployment, or clears the assignee.
pub async fn assign(app: &App, actor: &Actor, id: CaseId, assignee: Option<UserId>) -> AppResult<CaseView> {
    let (mut tx, case) = begin_work(app, actor, id).await?;
    if case.assignee_id == assignee {
        return Ok(case);
    }
    let body = match assignee {
        Some(user) => format!("Assigned to {}", require_eligible(&mut tx, actor, case.deployment_id, user).await?),
        None => "Unassigned".to_owned(),
    };
    let now = app.now();
    let assignee_key = assignee.map(|u| u.to_string());
    cases::set_assignee(&mut tx, &id.to_string(), assignee_key.as_deref(), now).await?;
    record_event(&mut tx, actor, id, event_kind::ASSIGNED, &body, false, now).await?;
    finish(app, tx, actor, id).await
}

/// Sets the solution text (blank removes it).
pub async fn set_solution(app: &App, actor: &Actor, id: CaseId, text: &str) -> AppResult<CaseView> {
    let solution =
        optional_text(text, TEXT_MAX).map_err(|e| AppError::invalid("solution", e.to_string()))?.unwrap_or_default();
    let (mut tx, case) = begin_work(app, actor, id).await?;
    if case.solution == solution {
        return Ok(case);
    }
    let now = app.now();
    cases::set_solution(&mut tx, &id.to_string(), &solution, now).await?;
    let body = if solution.is_empty() { "Solution removed" } else { solution.as_str() };
    record_event(&mut tx, actor, id, event_kind::SOLUTION_SET, body, false, now).await?;
    finish(app, tx, actor, id).await
}

/// Adds a comment; a public one is shown to the reporter on the case's status page.
pub async fn comment(app: &App, actor: &Actor, id: CaseId, body: &str, public: bool) -> AppResult<EventView> {
    let body = required_text(body, TEXT_MAX).map_err(|e| AppError::invalid("body", e.to_string()))?;
    let (mut tx, _) = begin_work(app, actor, id).await?;
    let now = app.now();
    cases::touch(&mut tx, &id.to_string(), now).await?;
    let event = record_event(&mut tx, actor, id, event_kind::COMMENTED, &body, public, now).await?;
    tx.commit().await?;
    Ok(event)
}

/// Changes title, description and type (`case_type` in wire form).
pub async fn update_details(
    app: &App,
    actor: &Actor,
    id: CaseId,
    title: &str,
    description: &str,
    case_type: &str,
) -> AppResult<CaseView> {
    let mut errors = FieldErrors::new();
    let title = errors.check("title", required_text(title, TITLE_MAX));
    let description = errors.check("description", optional_text(description, TEXT_MAX));
    let case_type = errors.check("case_type", CaseType::parse(case_type));
    let (Some(title), Some(description), Some(case_type)) = (title, description, case_type) else {
        return Err(AppError::Invalid(errors));
    };
    let description = description.unwrap_or_default();
    let (mut tx, case) = begin_work(app, actor, id).await?;
    let mut changes: Vec<String> = Vec::new();
    if case.title != title {
        changes.push("title".to_owned());
    }
    if case.description != description {
        changes.push("description".to_owned());
    }
    if case.case_type != case_type {
        changes.push(format!("type from {} to {}", case.case_type.label(), case_type.label()));
    }
    if changes.is_empty() {
        return Ok(case);
    }
    let body = match changes.split_last() {
        Some((last, [])) => format!("Changed {last}"),
        Some((last, rest)) => format!("Changed {} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let now = app.now();
    cases::set_details(&mut tx, &id.to_string(), &title, &description, case_type.as_str(), now).await?;
    record_event(&mut tx, actor, id, event_kind::EDITED, &body, false, now).await?;
    finish(app, tx, actor, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_follow_the_domain_transitions() {
        assert_eq!(transition_hint(CaseStatus::Resolved), "A resolved case can be reopened or archived.");
        assert_eq!(transition_hint(CaseStatus::Archived), "An archived case can only be reopened.");
        assert_eq!(transition_hint(CaseStatus::Open), "An open case can be resolved or archived.");
    }
}
