//! The reporter's private status page, `/c/<follow-token>`: one case's number, title, status, submission
//! date and public staff comments. No PIN session needed; nothing else about the case or the site.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tagdesk_app::AppError;
use tagdesk_app::portal::follow;

use super::device::status;
use super::view::{Frame, Visitor};
use crate::AppState;

#[derive(Template)]
#[template(path = "portal/follow.html")]
struct FollowPage {
    f: Frame,
    number: i64,
    title: String,
    status: &'static str,
    status_label: String,
    created_at: i64,
    /// (UTC ms, plain text)
    comments: Vec<(i64, String)>,
}

/// `GET /c/{follow}`.
pub(super) async fn show(State(state): State<AppState>, visitor: Visitor, Path(token): Path<String>) -> Response {
    match follow::view(&state.app, &token).await {
        Ok(view) => {
            let scope = visitor.scope(Some(view.language.as_str()), None, &view.contact_md);
            let (status, status_label) = status(&scope.tr, view.status);
            let page = FollowPage {
                f: scope.frame_titled(scope.tr.n("follow-heading", "number", view.number.0)),
                number: view.number.0,
                title: view.title,
                status,
                status_label,
                created_at: view.created_at,
                comments: view.public_comments.into_iter().map(|c| (c.created_at, c.body)).collect(),
            };
            let mut response = scope.render(&state, StatusCode::OK, &page);
            // The token is in the URL: keep it out of logs of other sites.
            response
                .headers_mut()
                .insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
            response
        }
        Err(AppError::NotFound) => {
            visitor.scope(None, None, "").standard(&state, StatusCode::NOT_FOUND, "follow-unknown", None)
        }
        Err(err) => {
            tracing::error!(error = %err, "follow-up page failed");
            visitor.scope(None, None, "").server_error(&state)
        }
    }
}
