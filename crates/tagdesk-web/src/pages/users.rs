//! Pages: workspace users — list, create, edit role and status, deployment roles, password reset.
//! Workspace admins only (others get 404 from the app layer).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use tagdesk_app::AppError;
use tagdesk_app::deployments::{self, DeploymentView};
use tagdesk_app::users::{self, NewUserInput, UserUpdate, UserView};
use tagdesk_domain::{DeploymentId, DeploymentRole, UserId};

use crate::AppState;
use crate::error::{PageResult, render, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(index).post(create))
        .route("/users/new", get(new_form))
        .route("/users/{id}", get(show).post(update))
        .route("/users/{id}/roles", post(set_role))
        .route("/users/{id}/password", post(set_password))
}

#[derive(Template)]
#[template(path = "users/index.html")]
struct IndexPage {
    layout: Layout,
    users: Vec<UserView>,
}

async fn index(State(state): State<AppState>, staff: Staff) -> PageResult {
    let users = users::list(&state.app, &staff.actor).await?;
    render(&IndexPage { layout: staff.layout("Users", "users"), users })
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage {
    layout: Layout,
    form: NewUserInput,
    errors: FormErrors,
}

async fn new_form(State(state): State<AppState>, staff: Staff) -> PageResult {
    users::list(&state.app, &staff.actor).await?;
    let form = NewUserInput { workspace_role: "member".to_owned(), ..NewUserInput::default() };
    render(&NewPage { layout: staff.layout("New user", "users"), form, errors: FormErrors::default() })
}

async fn create(State(state): State<AppState>, staff: Staff, Form(form): Form<NewUserInput>) -> PageResult {
    match users::create(&state.app, &staff.actor, &form).await {
        Ok(user) => Ok(redirect_with_notice(
            &format!("/users/{}", user.id),
            "User created. Give them their password in person or over a secure channel; they can sign in now.",
        )),
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors(errors);
            let page = NewPage {
                layout: staff.layout(errors.title("New user"), "users"),
                form: NewUserInput { password: String::new(), ..form },
                errors,
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    layout: Layout,
    user: UserView,
    form: UserUpdate,
    errors: FormErrors,
    /// Every deployment with this user's role there ("" for none).
    deployments: Vec<(DeploymentView, String)>,
    roles: Vec<&'static str>,
}

async fn show_page(
    state: &AppState,
    staff: &Staff,
    id: UserId,
    form: Option<UserUpdate>,
    errors: FormErrors,
) -> PageResult {
    let user = users::get(&state.app, &staff.actor, id).await?;
    let all = deployments::list_all(&state.app, &staff.actor).await?;
    let deployments = all
        .into_iter()
        .map(|d| {
            let role =
                user.roles.iter().find(|r| r.deployment_id == d.id.to_string()).map(|r| r.role.as_str()).unwrap_or("");
            (d, role.to_owned())
        })
        .collect();
    let form = form.unwrap_or_else(|| UserUpdate {
        display_name: user.display_name.clone(),
        workspace_role: user.workspace_role.as_str().to_owned(),
        active: user.active,
    });
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ShowPage {
        layout: staff.layout(errors.title(&user.display_name), "users"),
        user,
        form,
        errors,
        deployments,
        roles: DeploymentRole::ALL.iter().map(|r| r.as_str()).collect(),
    };
    render_status(status, &page)
}

async fn show(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, UserId::parse)?;
    show_page(&state, &staff, id, None, FormErrors::default()).await
}

async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<UserUpdate>,
) -> PageResult {
    let id = path_id(&id, UserId::parse)?;
    match users::update(&state.app, &staff.actor, id, &form).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/users/{id}"), "User saved.")),
        Err(AppError::Invalid(errors)) => show_page(&state, &staff, id, Some(form), FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
struct RoleForm {
    deployment_id: String,
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> PageResult {
    let id = path_id(&id, UserId::parse)?;
    let deployment = path_id(&form.deployment_id, DeploymentId::parse)?;
    let role = match form.role.trim() {
        "" => None,
        raw => Some(DeploymentRole::parse(raw).map_err(|e| AppError::invalid("role", e.to_string()))?),
    };
    users::set_deployment_role(&state.app, &staff.actor, id, deployment, role).await?;
    Ok(redirect_with_notice(&format!("/users/{id}"), "Deployment role saved."))
}

#[derive(Debug, serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn set_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let id = path_id(&id, UserId::parse)?;
    match users::set_password(&state.app, &staff.actor, id, &form.password).await {
        Ok(()) => {
            Ok(redirect_with_notice(&format!("/users/{id}"), "Password set. The user's sessions were signed out."))
        }
        Err(AppError::Invalid(errors)) => show_page(&state, &staff, id, None, FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}
