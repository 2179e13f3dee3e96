//! Sign-in, sign-out and the first-run setup page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use tagdesk_app::AppError;
use tagdesk_app::auth::{self, SESSION_TTL_MS, SetupInput};

use crate::AppState;
use crate::client::ClientKey;
use crate::error::{PageError, PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::session::{
    ANONYMOUS_CSRF_COOKIE, ANONYMOUS_CSRF_MAX_AGE_S, SessionCtx, anonymous_csrf_token, session_cookie,
};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/setup", get(setup_page).post(setup_submit))
}

async fn home(Extension(ctx): Extension<SessionCtx>) -> Redirect {
    if ctx.signed_in.is_some() { Redirect::to("/cases") } else { Redirect::to("/login") }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: String,
}

#[derive(Debug, Default, serde::Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// A local path to return to after sign-in; anything else becomes `/cases`. Browsers drop tabs and line
/// breaks from URLs and treat `\` like `/`, so any whitespace, control character or backslash is refused
/// outright (`/\t/evil.example` would otherwise become `//evil.example`).
fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    if local { next.to_owned() } else { "/cases".to_owned() }
}

/// The CSRF token of a signed-out form: the session's, or the one the visitor's CSRF cookie vouches for,
/// or a new cookie value (returned to be set) — never a database row, so `GET /login` costs no write.
fn anonymous_csrf(state: &AppState, ctx: &SessionCtx) -> (String, Option<String>) {
    if let Some(session) = &ctx.session {
        return (session.csrf_token.clone(), None);
    }
    if let Some(token) = &ctx.anonymous_csrf {
        return (token.clone(), None);
    }
    let value = auth::random_token();
    (anonymous_csrf_token(&state.config.secret_key, &value), Some(value))
}

/// Adds the signed-out visitor's CSRF cookie when a new one was made.
fn with_csrf_cookie(mut response: Response, cookie: Option<String>, state: &AppState) -> Response {
    if let Some(value) = cookie {
        let secure = if state.config.secure_cookies { "; Secure" } else { "" };
        let header = format!(
            "{ANONYMOUS_CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ANONYMOUS_CSRF_MAX_AGE_S}{secure}"
        );
        if let Ok(value) = header.parse() {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

fn with_cookie(mut response: Response, cookie: Option<String>, state: &AppState, max_age_s: i64) -> Response {
    if let Some(cookie) = cookie {
        response
            .headers_mut()
            .append(SET_COOKIE, session_cookie(Some(&cookie), state.config.secure_cookies, max_age_s));
    }
    response
}

async fn login_page(
    State(state): State<AppState>,
    Extension(ctx): Extension<SessionCtx>,
    Query(q): Query<NextQuery>,
) -> PageResult {
    if ctx.signed_in.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    let (csrf, cookie) = anonymous_csrf(&state, &ctx);
    let page = LoginPage {
        layout: Layout { title: "Sign in".into(), csrf, flash: ctx.flash.clone(), ..Layout::default() },
        email: String::new(),
        next: safe_next(&q.next),
        error: String::new(),
    };
    Ok(with_csrf_cookie(render_status(StatusCode::OK, &page)?, cookie, &state))
}

#[derive(Debug, serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<SessionCtx>,
    client: ClientKey,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let (csrf, _) = anonymous_csrf(&state, &ctx);
    let retry = |error: String, status: StatusCode| {
        let page = LoginPage {
            layout: Layout { title: "Error: Sign in".into(), csrf: csrf.clone(), ..Layout::default() },
            email: form.email.clone(),
            next: safe_next(&form.next),
            error,
        };
        render_status(status, &page)
    };
    match auth::login(&state.app, &form.email, &form.password, &client.0).await {
        Ok(user_id) => {
            // Rotate: the pre-login session is dropped and a fresh one issued.
            if let Some(old) = &ctx.session {
                auth::end_session(&state.app, old).await?;
            }
            let (cookie, _) = auth::start_session(&state.app, Some(user_id)).await?;
            tracing::info!(user.id = %user_id, "signed in");
            let response = Redirect::to(&safe_next(&form.next)).into_response();
            Ok(with_cookie(response, Some(cookie), &state, SESSION_TTL_MS / 1000))
        }
        Err(AppError::Unauthenticated(message)) => retry(message, StatusCode::UNAUTHORIZED),
        Err(AppError::RateLimited { retry_after_s }) => {
            let mut response = retry(
                format!("Too many failed attempts. Please wait {} minute(s) and try again.", (retry_after_s + 59) / 60),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            if let Ok(value) = retry_after_s.to_string().parse() {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(AppError::Busy { retry_after_s }) => {
            let mut response = retry(
                format!("Tagdesk is busy. Please try again in {retry_after_s} seconds."),
                StatusCode::SERVICE_UNAVAILABLE,
            )?;
            if let Ok(value) = retry_after_s.to_string().parse() {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(err) => Err(err.into()),
    }
}

async fn logout(State(state): State<AppState>, Extension(ctx): Extension<SessionCtx>) -> PageResult {
    if let Some(session) = &ctx.session {
        auth::end_session(&state.app, session).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(SET_COOKIE, session_cookie(None, state.config.secure_cookies, 0));
    Ok(response)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    token: String,
    form: SetupFormValues,
    errors: FormErrors,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
struct SetupFormValues {
    #[serde(default)]
    token: String,
    #[serde(default)]
    workspace_name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Debug, Default, serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn setup_gone() -> PageError {
    PageError::App(AppError::NotFound)
}

async fn setup_page(
    State(state): State<AppState>,
    Extension(ctx): Extension<SessionCtx>,
    Query(q): Query<TokenQuery>,
) -> PageResult {
    if !auth::setup_token_valid(&state.app, &q.token).await? {
        return Err(setup_gone());
    }
    let (csrf, cookie) = anonymous_csrf(&state, &ctx);
    let page = SetupPage {
        layout: Layout { title: "Set up Tagdesk".into(), csrf, ..Layout::default() },
        token: q.token.clone(),
        form: SetupFormValues::default(),
        errors: FormErrors::default(),
    };
    Ok(with_csrf_cookie(render_status(StatusCode::OK, &page)?, cookie, &state))
}

async fn setup_submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<SessionCtx>,
    Form(form): Form<SetupFormValues>,
) -> PageResult {
    let input = SetupInput {
        workspace_name: form.workspace_name.clone(),
        display_name: form.display_name.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
    };
    match auth::complete_setup(&state.app, &form.token, &input).await {
        Ok(user_id) => {
            if let Some(old) = &ctx.session {
                auth::end_session(&state.app, old).await?;
            }
            let (cookie, _) = auth::start_session(&state.app, Some(user_id)).await?;
            let response = crate::session::redirect_with_notice(
                "/deployments",
                "Welcome! Your workspace is ready. Start by creating a deployment.",
            );
            Ok(with_cookie(response, Some(cookie), &state, SESSION_TTL_MS / 1000))
        }
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors(errors);
            let page = SetupPage {
                layout: Layout {
                    title: errors.title("Set up Tagdesk"),
                    csrf: anonymous_csrf(&state, &ctx).0,
                    ..Layout::default()
                },
                token: form.token.clone(),
                form: SetupFormValues { password: String::new(), ..form },
                errors,
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/devices?x=1"), "/devices?x=1");
        assert_eq!(safe_next("//evil.example"), "/cases");
        assert_eq!(safe_next("https://evil.example"), "/cases");
        assert_eq!(safe_next("/\\evil.example"), "/cases");
        assert_eq!(safe_next("/\t/evil.example"), "/cases");
        assert_eq!(safe_next("/\n/evil.example"), "/cases");
        assert_eq!(safe_next("/cases\r\nSet-Cookie: x=1"), "/cases");
    }
}
