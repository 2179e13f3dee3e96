//! Pages: case templates (workspace level). Everyone signed in may read them; workspace admins create,
//! change, deactivate and activate them. The field editor works without JavaScript (see [`form`]).

mod form;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use tagdesk_app::AppError;
use tagdesk_app::templates::{self, TemplateView};
use tagdesk_domain::{CaseTemplateId, CaseType, FieldKind};

use self::form::{BLANK_ROWS, FieldRow, MAX_BLANK_ROWS, TemplateForm, errors_on_rows};
use crate::AppState;
use crate::error::{PageResult, render, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::{RawForm, path_id};
use crate::session::{Staff, redirect_with_notice};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/templates", get(list).post(create))
        .route("/templates/new", get(new))
        .route("/templates/{id}", get(show).post(update))
        .route("/templates/{id}/edit", get(edit))
        .route("/templates/{id}/deactivate", post(deactivate))
        .route("/templates/{id}/activate", post(activate))
}

#[derive(Template)]
#[template(path = "templates/list.html")]
struct ListPage {
    layout: Layout,
    templates: Vec<TemplateView>,
    is_admin: bool,
}

async fn list(State(state): State<AppState>, staff: Staff) -> PageResult {
    let templates = templates::list(&state.app, &staff.actor, true).await?;
    render(&ListPage {
        layout: staff.layout("Case templates", "templates"),
        templates,
        is_admin: staff.actor.is_workspace_admin(),
    })
}

#[derive(Template)]
#[template(path = "templates/detail.html")]
struct DetailPage {
    layout: Layout,
    template: TemplateView,
    is_admin: bool,
}

async fn show(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, CaseTemplateId::parse)?;
    let template = templates::get(&state.app, &staff.actor, id).await?;
    render(&DetailPage {
        layout: staff.layout(template.name.clone(), "templates"),
        is_admin: staff.actor.is_workspace_admin(),
        template,
    })
}

#[derive(Template)]
#[template(path = "templates/form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    form: TemplateForm,
    errors: FormErrors,
    case_types: &'static [CaseType],
    field_kinds: [FieldKind; 7],
}

impl FormPage {
    fn new(
        staff: &Staff,
        heading: String,
        action: String,
        cancel: String,
        form: TemplateForm,
        errors: FormErrors,
    ) -> Self {
        Self {
            layout: staff.layout(errors.title(&heading), "templates"),
            heading,
            action,
            cancel,
            form,
            errors,
            case_types: CaseType::ALL,
            field_kinds: FieldKind::ALL,
        }
    }

    /// The error summary: (input name, message), each message naming its field (and row).
    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .all()
            .into_iter()
            .map(|(field, message)| {
                let row = field
                    .strip_prefix("fields.")
                    .and_then(|rest| rest.split_once('.'))
                    .and_then(|(index, _)| index.parse::<usize>().ok())
                    .and_then(|index| {
                        self.form.rows.iter().position(|r| r.index == index).map(|at| &self.form.rows[at])
                    });
                match row {
                    Some(row) if !row.label.trim().is_empty() => {
                        (field, format!("Field “{}”: {message}", row.label.trim()))
                    }
                    Some(row) => (field, format!("Field {}: {message}", row.index + 1)),
                    None => {
                        let label = match field.as_str() {
                            "name" => "Name",
                            "title" => "Pre-filled title",
                            "case_type" => "Type",
                            "description" => "Description",
                            "solution_suggestion" => "Solution suggestion",
                            _ => return (field, message),
                        };
                        let message = format!("{label}: {message}");
                        (field, message)
                    }
                }
            })
            .collect()
    }

    /// The error of one part of a field row, or "".
    fn err(&self, row: &FieldRow, part: &str) -> &str {
        self.errors.msg(&row.n(part))
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct BlankQuery {
    /// How many blank field rows to show.
    blank: Option<usize>,
}

impl BlankQuery {
    fn rows(&self) -> usize {
        self.blank.unwrap_or(BLANK_ROWS).clamp(1, MAX_BLANK_ROWS)
    }
}

async fn new(staff: Staff, Query(q): Query<BlankQuery>) -> PageResult {
    staff.actor.require_workspace_admin()?;
    let page = FormPage::new(
        &staff,
        "New case template".to_owned(),
        "/templates".to_owned(),
        "/templates".to_owned(),
        TemplateForm::empty(q.rows()),
        FormErrors::default(),
    );
    render(&page)
}

async fn edit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<BlankQuery>,
) -> PageResult {
    staff.actor.require_workspace_admin()?;
    let id = path_id(&id, CaseTemplateId::parse)?;
    let template = templates::get(&state.app, &staff.actor, id).await?;
    let page = FormPage::new(
        &staff,
        format!("Edit {}", template.name),
        format!("/templates/{id}"),
        format!("/templates/{id}"),
        TemplateForm::of(&template, q.rows()),
        FormErrors::default(),
    );
    render(&page)
}

/// Where a submitted template form goes.
enum Target {
    Create,
    Update(CaseTemplateId),
}

async fn create(State(state): State<AppState>, staff: Staff, body: Bytes) -> PageResult {
    save(&state, &staff, Target::Create, &RawForm::parse(&body)).await
}

async fn update(State(state): State<AppState>, staff: Staff, Path(id): Path<String>, body: Bytes) -> PageResult {
    let id = path_id(&id, CaseTemplateId::parse)?;
    save(&state, &staff, Target::Update(id), &RawForm::parse(&body)).await
}

/// Saves a submitted form. "Save and add more fields" saves too, then reopens the edit form with two more
/// blank rows than were left empty.
async fn save(state: &AppState, staff: &Staff, target: Target, raw: &RawForm) -> PageResult {
    let mut form = TemplateForm::parse(raw);
    let more = raw.get("action") == "more";
    let result = match form.to_input() {
        Err(errors) => Err(AppError::Invalid(errors)),
        Ok((input, rows)) => {
            let saved = match target {
                Target::Create => templates::create(&state.app, &staff.actor, &input).await,
                Target::Update(id) => templates::update(&state.app, &staff.actor, id, &input).await,
            };
            saved.map_err(|err| match err {
                AppError::Invalid(errors) => AppError::Invalid(errors_on_rows(&errors, &rows)),
                other => other,
            })
        }
    };
    match result {
        Ok(template) if more => {
            let blank = (form.blank_rows() + BLANK_ROWS).min(MAX_BLANK_ROWS);
            Ok(redirect_with_notice(
                &format!("/templates/{}/edit?blank={blank}", template.id),
                &format!("Template “{}” saved. Add more fields below.", template.name),
            ))
        }
        Ok(template) => {
            let verb = if matches!(target, Target::Create) { "created" } else { "saved" };
            Ok(redirect_with_notice(
                &format!("/templates/{}", template.id),
                &format!("Template “{}” {verb}.", template.name),
            ))
        }
        Err(AppError::Invalid(errors)) => {
            if more {
                form.add_blank_rows(BLANK_ROWS);
            }
            let (heading, action, cancel) = match target {
                Target::Create => ("New case template".to_owned(), "/templates".to_owned(), "/templates".to_owned()),
                Target::Update(id) => {
                    let current = templates::get(&state.app, &staff.actor, id).await?;
                    (format!("Edit {}", current.name), format!("/templates/{id}"), format!("/templates/{id}"))
                }
            };
            let page = FormPage::new(staff, heading, action, cancel, form, FormErrors(errors));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(err) => Err(err.into()),
    }
}

async fn deactivate(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    set_active(&state, &staff, &id, false).await
}

async fn activate(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    set_active(&state, &staff, &id, true).await
}

async fn set_active(state: &AppState, staff: &Staff, id: &str, active: bool) -> PageResult {
    let id = path_id(id, CaseTemplateId::parse)?;
    let template = templates::set_active(&state.app, &staff.actor, id, active).await?;
    let notice = if active {
        format!("Template “{}” is active again and can be used for new cases.", template.name)
    } else {
        format!("Template “{}” deactivated. Existing cases keep it.", template.name)
    };
    Ok(redirect_with_notice(&format!("/templates/{id}"), &notice))
}
