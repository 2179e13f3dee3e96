//! Pages: cases.

use axum::Router;

use crate::AppState;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
}
