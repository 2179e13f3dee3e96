//! The staff back office: server-rendered pages that work without JavaScript. One module per area;
//! each exposes `routes()`.

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod deployments;
pub mod devices;
pub mod forms;
pub mod labels;
pub mod portal_settings;
pub mod scans;
pub mod templates;
pub mod users;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::error_page;

/// Every page route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(deployments::routes())
        .merge(devices::routes())
        .merge(templates::routes())
        .merge(cases::routes())
        .merge(users::routes())
        .merge(api_keys::routes())
        .merge(audit::routes())
        .merge(portal_settings::routes())
        .merge(attachments::routes())
        .merge(labels::routes())
        .merge(scans::routes())
}

/// The page for unknown URLs.
pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "Not found", "This page does not exist, or you do not have access to it.")
        .into_response()
}
