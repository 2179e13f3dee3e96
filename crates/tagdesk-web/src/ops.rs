//! Operational endpoints and cross-cutting layers: health and readiness probes, the stylesheet,
//! security headers, body limits, request ids and request tracing.

use axum::Router;
use axum::extract::Request;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::api::ApiError;
use crate::body_guard::body_limit;
use crate::error::PageError;

/// The back office's one stylesheet, compiled into the binary.
pub const STYLESHEET: &str = include_str!("../static/tagdesk.css");

/// The strict policy for every page: no inline script or style, nothing from elsewhere, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/// Probe and asset routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/static/tagdesk.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
}

async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn stylesheet() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], STYLESHEET)
}

/// Answers 413 up front when the declared body is larger than the limit of its address — as JSON for the
/// API, as the portal's own page (language, contact details) for portal addresses, as a back-office page
/// otherwise. Every body, declared or chunked, is then read under the same size limit and the timing
/// rules of [`crate::body_guard`].
async fn guard_body(state: AppState, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let max = body_limit(&path, state.config.limits.max_body_bytes);
    let declared =
        request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        if path.starts_with("/api/") {
            let message = format!("The request body is larger than {} MiB.", max / (1024 * 1024));
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
        }
        if let Some(page) = crate::portal::payload_too_large(&state, request.uri(), request.headers()).await {
            return page;
        }
        return PageError::PayloadTooLarge.into_response();
    }
    next.run(crate::body_guard::guard(request, &state.config.limits)).await
}

/// Staff pages, API answers and portal pages carry personal data: unless a handler said otherwise
/// (static assets, downloads), no browser or proxy may keep a copy.
async fn no_store_by_default(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key(CACHE_CONTROL) {
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The request path as logged: portal label and follow-up tokens and one-time pass secrets are secrets of
/// their holders, so they are logged as `{token}`, `{follow}` and `{secret}` (`/d/{token}/report`,
/// `/c/{follow}`, `/d/{token}/pass/{secret}`).
pub fn loggable_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut redact_next: Option<&str> = None;
    for (index, segment) in path.split('/').enumerate() {
        if let Some(redacted) = redact_next.take() {
            out.push(redacted);
            continue;
        }
        redact_next = match (index, segment) {
            (1, "d") => Some("{token}"),
            (1, "c") => Some("{follow}"),
            (3, "pass") if out.get(1) == Some(&"d") => Some("{secret}"),
            _ => None,
        };
        out.push(segment);
    }
    out.join("/")
}

/// The product icon, compiled into the binary.
pub const FAVICON: &str = include_str!("../static/favicon.svg");

async fn favicon() -> impl IntoResponse {
    ([(CONTENT_TYPE, "image/svg+xml"), (CACHE_CONTROL, "public, max-age=86400")], FAVICON)
}

/// Wraps the application in the cross-cutting layers.
pub fn apply(router: Router, state: &AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let config = &state.config;
    let https = config.is_https();
    let max_body = config.limits.max_body_bytes;
    let state = state.clone();
    router
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| guard_body(state.clone(), request, next)))
        .layer(axum::middleware::from_fn(no_store_by_default))
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| async move {
            // Over https: HSTS, `Secure` and `__Host-` cookies (see crate::cookie_prefix).
            if !https {
                return next.run(request).await;
            }
            let mut response = crate::cookie_prefix::harden(request, next).await;
            response.headers_mut().insert(
                HeaderName::from_static("strict-transport-security"),
                HeaderValue::from_static("max-age=31536000"),
            );
            response
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("http", http.method = %request.method(), http.path = %loggable_path(request.uri().path()), request.id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn portal_tokens_never_reach_the_logs() {
        assert_eq!(loggable_path("/d/61K4X62JMA3R5/pin"), "/d/{token}/pin");
        assert_eq!(loggable_path("/d/61K4X62JMA3R5"), "/d/{token}");
        assert_eq!(loggable_path("/c/ABCDEFGHJKMNPQRSTVWXYZ0123"), "/c/{follow}");
        assert_eq!(loggable_path(&format!("/d/61K4X62JMA3R5/pass/{}", "ab".repeat(32))), "/d/{token}/pass/{secret}");
        assert_eq!(loggable_path("/devices/pass/x"), "/devices/pass/x");
        assert_eq!(loggable_path("/devices/123/edit"), "/devices/123/edit");
        assert_eq!(loggable_path("/"), "/");
    }
}
