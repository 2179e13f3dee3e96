//! `GET /cases/{id}` and the actions on it: status, assignee, solution and comments. Every action
//! redirects back with a notice; invalid input re-renders the page with the error next to its form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tagdesk_app::attachments::{self, AttachmentView};
use tagdesk_app::cases::{self, CaseView, EventView, event_kind};
use tagdesk_app::portal::report::PORTAL_NOTE;
use tagdesk_app::{AppError, AppResult};
use tagdesk_domain::{CaseId, CaseStatus, FieldErrors, UserId};

use super::{Opt, Time, can_work, paragraphs, status_action};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

/// One timeline entry, ready to show.
struct EventLine {
    actor: String,
    /// What happened, e.g. "commented" or "changed the status".
    action: &'static str,
    is_comment: bool,
    public: bool,
    /// The text (a comment, a solution, or a sentence such as "Status changed from Open to Resolved").
    body: Vec<Vec<String>>,
    at: Time,
}

impl EventLine {
    fn of(event: EventView) -> Self {
        let action = match event.kind.as_str() {
            event_kind::CREATED => "created the case",
            event_kind::ASSIGNED => "changed the assignee",
            event_kind::STATUS_CHANGED => "changed the status",
            event_kind::SOLUTION_SET => "updated the solution",
            event_kind::COMMENTED => "commented",
            event_kind::EDITED => "edited the details",
            PORTAL_NOTE => "added a note in the customer portal",
            _ => "updated the case",
        };
        Self {
            actor: event.actor_label,
            action,
            is_comment: event.kind == event_kind::COMMENTED,
            public: event.public,
            body: paragraphs(&event.body),
            at: Time::of(event.created_at),
        }
    }
}

/// Longest side of a photo thumbnail on the page, in CSS pixels.
const THUMB_PX: i64 = 160;

/// A photo of the case, shown as a thumbnail that links to the full image.
struct Photo {
    url: String,
    alt: String,
    width: i64,
    height: i64,
}

impl Photo {
    /// The `n`th photo (from 1), scaled to fit a [`THUMB_PX`] square (the `width`/`height` attributes
    /// reserve its space while it loads).
    fn of(n: usize, a: &AttachmentView) -> Self {
        let (w, h) = (a.width.max(1), a.height.max(1));
        let (width, height) =
            if w >= h { (THUMB_PX, (h * THUMB_PX / w).max(1)) } else { ((w * THUMB_PX / h).max(1), THUMB_PX) };
        Self { url: format!("/attachments/{}", a.id), alt: format!("Photo {n} from the reporter"), width, height }
    }
}

/// What a re-rendered page keeps of a rejected form.
#[derive(Debug, Default)]
struct Drafts {
    comment: String,
    comment_public: bool,
    /// `None` shows the stored solution.
    solution: Option<String>,
    assignee_id: Option<String>,
}

#[derive(Template)]
#[template(path = "cases/detail.html")]
struct DetailPage {
    layout: Layout,
    case: CaseView,
    description: Vec<Vec<String>>,
    suggestion: Vec<Vec<String>>,
    solution: Vec<Vec<String>>,
    created: Time,
    updated: Time,
    events: Vec<EventLine>,
    photos: Vec<Photo>,
    can_work: bool,
    /// (status value, button text).
    next_steps: Vec<Opt>,
    assignees: Vec<Opt>,
    errors: FormErrors,
    drafts: Drafts,
}

impl DetailPage {
    fn err(&self, field: &str) -> &str {
        self.errors.msg(field)
    }

    /// The solution textarea's value.
    fn solution_value(&self) -> &str {
        self.drafts.solution.as_deref().unwrap_or(&self.case.solution)
    }

    /// The reporter's phone number for a `tel:` link (digits and a leading +).
    fn tel_href(&self) -> String {
        let phone = self.case.reporter.phone.trim();
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if phone.starts_with('+') { format!("+{digits}") } else { digits }
    }

    /// The selected assignee.
    fn assignee_value(&self) -> String {
        match &self.drafts.assignee_id {
            Some(id) => id.clone(),
            None => self.case.assignee_id.map(|id| id.to_string()).unwrap_or_default(),
        }
    }
}

async fn render_page(state: &AppState, staff: &Staff, id: CaseId, errors: FieldErrors, drafts: Drafts) -> PageResult {
    let case = cases::get(&state.app, &staff.actor, id).await?;
    let events = cases::timeline(&state.app, &staff.actor, id).await?;
    let photos = attachments::list_for_case(&state.app, &staff.actor, id).await?;
    let can_work = can_work(&staff.actor, case.deployment_id);
    let mut assignees = Vec::new();
    if can_work {
        assignees = cases::assignable_users(&state.app, &staff.actor, case.deployment_id)
            .await?
            .into_iter()
            .map(|(id, name)| Opt::new(id, name))
            .collect();
        if let (Some(id), Some(name)) = (case.assignee_id, &case.assignee_name)
            && !assignees.iter().any(|o| o.value == id.to_string())
        {
            assignees.push(Opt::new(id, format!("{name} (no longer works here)")));
        }
    }
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = DetailPage {
        layout: staff.layout(errors.title(&format!("{} {}", case.number, case.title)), "cases"),
        description: paragraphs(&case.description),
        suggestion: paragraphs(&case.solution_suggestion),
        solution: paragraphs(&case.solution),
        created: Time::of(case.created_at),
        updated: Time::of(case.updated_at),
        events: events.into_iter().map(EventLine::of).collect(),
        photos: photos.iter().enumerate().map(|(i, a)| Photo::of(i + 1, a)).collect(),
        can_work,
        next_steps: case.status.next_steps().iter().map(|s| Opt::new(s.as_str(), status_action(*s))).collect(),
        assignees,
        errors,
        drafts,
        case,
    };
    render_status(status, &page)
}

/// Re-renders the page when `result` is invalid input; otherwise redirects with `notice`.
async fn finish<T>(
    state: &AppState,
    staff: &Staff,
    id: CaseId,
    result: AppResult<T>,
    drafts: Drafts,
    notice: impl FnOnce(T) -> String,
) -> PageResult {
    match result {
        Ok(value) => Ok(redirect_with_notice(&format!("/cases/{id}"), &notice(value))),
        Err(AppError::Invalid(errors)) => render_page(state, staff, id, errors, drafts).await,
        Err(err) => Err(err.into()),
    }
}

/// `GET /cases/{id}`.
pub(super) async fn page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    render_page(&state, &staff, id, FieldErrors::new(), Drafts::default()).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct StatusForm {
    status: String,
}

/// `POST /cases/{id}/status`.
pub(super) async fn change_status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    let next = CaseStatus::parse(&form.status).map_err(|e| AppError::invalid("status", e.to_string()))?;
    let result = cases::change_status(&state.app, &staff.actor, id, next).await;
    finish(&state, &staff, id, result, Drafts::default(), |case| {
        let done = match case.status {
            CaseStatus::Open => "reopened",
            CaseStatus::Resolved => "marked resolved",
            CaseStatus::Archived => "archived",
        };
        format!("Case {} {done}.", case.number)
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct AssignForm {
    assignee_id: String,
}

/// `POST /cases/{id}/assign` (blank unassigns).
pub(super) async fn assign(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    let drafts = Drafts { assignee_id: Some(form.assignee_id.clone()), ..Drafts::default() };
    let result = match form.assignee_id.trim() {
        "" => cases::assign(&state.app, &staff.actor, id, None).await,
        raw => match UserId::parse(raw) {
            Ok(user) => cases::assign(&state.app, &staff.actor, id, Some(user)).await,
            Err(_) => Err(AppError::invalid("assignee_id", "Choose a user from the list.")),
        },
    };
    finish(&state, &staff, id, result, drafts, |case| match case.assignee_name {
        Some(name) => format!("Case {} assigned to {name}.", case.number),
        None => format!("Case {} is unassigned.", case.number),
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct SolutionForm {
    solution: String,
}

/// `POST /cases/{id}/solution` (blank removes it).
pub(super) async fn set_solution(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<SolutionForm>,
) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    let result = cases::set_solution(&state.app, &staff.actor, id, &form.solution).await;
    let drafts = Drafts { solution: Some(form.solution), ..Drafts::default() };
    finish(&state, &staff, id, result, drafts, |case| {
        if case.solution.is_empty() { "Solution removed.".to_owned() } else { "Solution saved.".to_owned() }
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct CommentForm {
    body: String,
    public: Option<String>,
}

/// `POST /cases/{id}/comments`; internal unless "public" is ticked.
pub(super) async fn comment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    let public = form.public.as_deref().is_some_and(|v| matches!(v, "true" | "on" | "1"));
    let result = cases::comment(&state.app, &staff.actor, id, &form.body, public).await;
    let drafts = Drafts { comment: form.body, comment_public: public, ..Drafts::default() };
    finish(&state, &staff, id, result, drafts, |event| {
        if event.public {
            "Public comment added. The reporter can see it.".to_owned()
        } else {
            "Internal comment added.".to_owned()
        }
    })
    .await
}
