//! CSRF protection for the back office: every state-changing request must echo the session's token, as
//! the `_csrf` form field, the `_csrf` query parameter (multipart uploads) or an `X-CSRF-Token` header.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::PageError;
use crate::session::SessionCtx;

/// Largest urlencoded form body inspected for the token.
const MAX_FORM_BYTES: usize = 4 * 1024 * 1024;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn token_in_query(query: Option<&str>) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v)
}

/// Middleware: refuses unsafe methods without the session's CSRF token.
pub async fn verify(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = request.extensions().get::<SessionCtx>().and_then(|c| match &c.session {
        Some(session) => Some(session.csrf_token.clone()),
        None => c.anonymous_csrf.clone(),
    });
    let Some(expected) = expected else {
        return PageError::CsrfFailed.into_response();
    };
    let mut provided = token_in_query(request.uri().query())
        .or_else(|| request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned));
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let request = if provided.is_none() && is_form {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return PageError::PayloadTooLarge.into_response();
        };
        provided = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v));
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    match provided {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => next.run(request).await,
        _ => PageError::CsrfFailed.into_response(),
    }
}
