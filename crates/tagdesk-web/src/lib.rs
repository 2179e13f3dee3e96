//! Tagdesk's HTTP layer: the staff back office (server-rendered pages), the JSON API under `/api/v1`
//! with its OpenAPI document, sessions, CSRF protection and operational endpoints. Handlers only
//! translate between HTTP and `tagdesk-app` calls.

pub mod api;
pub mod body_guard;
pub mod client;
pub mod config;
pub mod cookie_prefix;
pub mod csrf;
pub mod error;
pub mod format;
pub mod layout;
pub mod limits;
pub mod ops;
pub mod pages;
pub mod portal;
pub mod server;
pub mod session;

use std::sync::Arc;

use axum::Router;
pub use config::WebConfig;
use tagdesk_app::App;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Use cases.
    pub app: App,
    /// HTTP settings.
    pub config: Arc<WebConfig>,
}

impl AppState {
    /// State for `app` with `config`.
    pub fn new(app: App, config: WebConfig) -> Self {
        Self { app, config: Arc::new(config) }
    }
}

/// The whole application: pages, API, static files and probes, with middleware.
pub fn router(state: AppState) -> Router {
    let pages = pages::router()
        .layer(axum::middleware::from_fn(csrf::verify))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::load));
    let (api, _) = api::router().split_for_parts();
    let router = Router::new()
        .merge(pages)
        .merge(portal::router(&state.config.limits))
        .nest("/api/v1", api)
        .merge(api::docs_router())
        .merge(ops::router())
        .fallback(pages::not_found)
        .with_state(state.clone());
    ops::apply(router, &state)
}
