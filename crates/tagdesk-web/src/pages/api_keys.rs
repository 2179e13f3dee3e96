//! Pages: API keys — list, create (the key is shown once), revoke. Workspace admins only.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use tagdesk_app::AppError;
use tagdesk_app::api_keys::{self, ApiKeyView};
use tagdesk_domain::ApiKeyId;

use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::{Staff, redirect_with_notice};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api-keys", get(index).post(create)).route("/api-keys/{id}/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "admin/api_keys.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<ApiKeyView>,
    /// A key just created, shown once.
    new_secret: Option<String>,
    key_name: String,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    new_secret: Option<String>,
    name: String,
    errors: FormErrors,
) -> PageResult {
    let keys = api_keys::list(&state.app, &staff.actor).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut response = render_status(
        status,
        &KeysPage {
            layout: staff.layout(errors.title("API keys"), "api-keys"),
            keys,
            new_secret,
            key_name: name,
            errors,
        },
    )?;
    // The page may carry a secret: never cache it.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn index(State(state): State<AppState>, staff: Staff) -> PageResult {
    page(&state, &staff, None, String::new(), FormErrors::default()).await
}

#[derive(Debug, serde::Deserialize)]
struct CreateForm {
    #[serde(default)]
    name: String,
}

async fn create(State(state): State<AppState>, staff: Staff, Form(form): Form<CreateForm>) -> PageResult {
    match api_keys::create(&state.app, &staff.actor, &form.name).await {
        Ok((_, secret)) => page(&state, &staff, Some(secret), String::new(), FormErrors::default()).await,
        Err(AppError::Invalid(errors)) => page(&state, &staff, None, form.name, FormErrors(errors)).await,
        Err(err) => Err(err.into()),
    }
}

async fn revoke(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, ApiKeyId::parse)?;
    api_keys::revoke(&state.app, &staff.actor, id).await?;
    Ok(redirect_with_notice("/api-keys", "API key revoked. Requests with it are refused from now on."))
}
