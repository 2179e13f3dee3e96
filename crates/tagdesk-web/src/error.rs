//! Errors of page handlers, rendered as HTML pages with the right status. Server errors are logged once
//! here and shown without details.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tagdesk_app::AppError;

use crate::layout::Layout;

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A use case failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// The CSRF token was missing or wrong.
    #[error("CSRF token missing or invalid")]
    CsrfFailed,
    /// The body was too large.
    #[error("payload too large")]
    PayloadTooLarge,
    /// A template failed to render.
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

/// Renders a simple error page with a status.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        layout: Layout { title: heading.to_owned(), ..Layout::default() },
        heading: heading.to_owned(),
        message: message.to_owned(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, heading.to_owned()).into_response(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::App(AppError::NotFound) => error_page(
                StatusCode::NOT_FOUND,
                "Not found",
                "This page does not exist, or you do not have access to it.",
            ),
            PageError::App(AppError::Forbidden(message)) => error_page(StatusCode::FORBIDDEN, "Not allowed", &message),
            PageError::App(AppError::Conflict(message)) => {
                error_page(StatusCode::CONFLICT, "Not possible right now", &message)
            }
            PageError::App(AppError::Unauthenticated(_)) => Redirect::to("/login").into_response(),
            PageError::App(AppError::RateLimited { retry_after_s }) => {
                let mut response = error_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    &format!("Please wait {} minute(s) and try again.", (retry_after_s + 59) / 60),
                );
                if let Ok(value) = retry_after_s.to_string().parse() {
                    response.headers_mut().insert(RETRY_AFTER, value);
                }
                response
            }
            PageError::App(AppError::Busy { retry_after_s }) => {
                let mut response = error_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Busy right now",
                    &format!("Tagdesk is busy. Please try again in {retry_after_s} seconds."),
                );
                if let Ok(value) = retry_after_s.to_string().parse() {
                    response.headers_mut().insert(RETRY_AFTER, value);
                }
                response
            }
            PageError::App(AppError::Invalid(errors)) => {
                error_page(StatusCode::UNPROCESSABLE_ENTITY, "Please check your input", &errors.to_string())
            }
            PageError::CsrfFailed => error_page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "For your security, forms stop working after a while or after you sign in again. Go back, reload the page and try again.",
            ),
            PageError::PayloadTooLarge => error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than this server accepts.",
            ),
            PageError::App(err @ (AppError::Store(_) | AppError::Internal(_))) => {
                tracing::error!(error = %err, "request failed");
                server_error()
            }
            PageError::Template(err) => {
                tracing::error!(error = %err, "template failed");
                server_error()
            }
        }
    }
}

fn server_error() -> Response {
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not complete this request. Nothing was changed if you were saving. Please try again; if it keeps happening, tell your administrator.",
    )
}

/// Result of a page handler.
pub type PageResult = Result<Response, PageError>;

/// Renders a template into an HTML response.
pub fn render(template: &impl Template) -> PageResult {
    Ok(Html(template.render()?).into_response())
}

/// Renders a template with a status (e.g. 422 for a form with errors).
pub fn render_status(status: StatusCode, template: &impl Template) -> PageResult {
    Ok((status, Html(template.render()?)).into_response())
}
