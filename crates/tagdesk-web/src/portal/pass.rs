//! `GET`/`POST /d/{token}/pass/{secret}`: a one-time access link from the service team
//! (`tagdesk_app::portal::pass`). The GET shows a button and changes nothing (link previews in chat apps
//! fetch it); the POST uses the pass and signs the browser in like a right PIN would.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tagdesk_app::AppError;
use tagdesk_app::portal::pass;

use super::pin::signed_in_response;
use super::view::{Frame, Visitor};
use super::{device_path, failed, open};
use crate::AppState;

#[derive(Template)]
#[template(path = "portal/pass.html")]
struct PassPage {
    f: Frame,
    token: String,
    secret: String,
    device_name: String,
}

/// `GET /d/{token}/pass/{secret}`: the button, or "cannot be used".
pub(super) async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((token, secret)): Path<(String, String)>,
) -> Response {
    let (visit, scope) = match open(&state, &visitor, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match pass::usable(&state.app, &visit, &secret).await {
        Ok(true) => {
            let page = PassPage {
                f: scope.frame("pass-title"),
                token: visit.token.to_string(),
                secret,
                device_name: visit.device.name.clone(),
            };
            scope.render(&state, StatusCode::OK, &page)
        }
        Ok(false) => scope.standard(&state, StatusCode::GONE, "pass-used", Some(device_path(&visit))),
        Err(err) => failed(&state, &scope, &err),
    }
}

/// `POST /d/{token}/pass/{secret}`: uses the pass, then the device page.
pub(super) async fn redeem(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((token, secret)): Path<(String, String)>,
) -> Response {
    let (visit, scope) = match open(&state, &visitor, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let days = state.config.portal_session_days.clamp(1, 365);
    match pass::redeem(&state.app, &visit, &secret, days).await {
        Ok(Some(started)) => signed_in_response(&state, &visitor, &visit, &scope, &started, days),
        Ok(None) => scope.standard(&state, StatusCode::GONE, "pass-used", Some(device_path(&visit))),
        Err(AppError::NotFound) => Redirect::to(&device_path(&visit)).into_response(),
        Err(err) => failed(&state, &scope, &err),
    }
}
