//! `GET /cases/{id}/edit` and `POST /cases/{id}/edit`: title, type and description.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tagdesk_app::AppError;
use tagdesk_app::cases::{self, CaseView};
use tagdesk_domain::{CaseId, CaseType, FieldErrors};

use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

/// The form's values as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct DetailsForm {
    title: String,
    case_type: String,
    description: String,
}

#[derive(Template)]
#[template(path = "cases/edit.html")]
struct EditPage {
    layout: Layout,
    case: CaseView,
    form: DetailsForm,
    errors: FormErrors,
    case_types: &'static [CaseType],
}

fn render_form(staff: &Staff, case: CaseView, form: DetailsForm, errors: FieldErrors) -> PageResult {
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = EditPage {
        layout: staff.layout(errors.title(&format!("Edit case {}", case.number)), "cases"),
        case,
        form,
        errors,
        case_types: CaseType::ALL,
    };
    render_status(status, &page)
}

/// `GET /cases/{id}/edit`.
pub(super) async fn page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    let case = cases::get(&state.app, &staff.actor, id).await?;
    staff.actor.require_work(case.deployment_id)?;
    let form = DetailsForm {
        title: case.title.clone(),
        case_type: case.case_type.as_str().to_owned(),
        description: case.description.clone(),
    };
    render_form(&staff, case, form, FieldErrors::new())
}

/// `POST /cases/{id}/edit`.
pub(super) async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<DetailsForm>,
) -> PageResult {
    let id = path_id(&id, CaseId::parse)?;
    match cases::update_details(&state.app, &staff.actor, id, &form.title, &form.description, &form.case_type).await {
        Ok(case) => Ok(redirect_with_notice(&format!("/cases/{id}"), &format!("Case {} saved.", case.number))),
        Err(AppError::Invalid(errors)) => {
            let case = cases::get(&state.app, &staff.actor, id).await?;
            render_form(&staff, case, form, errors)
        }
        Err(err) => Err(err.into()),
    }
}
