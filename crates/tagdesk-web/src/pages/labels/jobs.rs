//! `GET /labels/jobs/{id}`: a background print's progress, the same after a reload or in a second tab;
//! when done it offers the download (`GET /labels/jobs/{id}/download`). While the job runs a small script
//! (`/static/label-job.js`) reads `GET /labels/jobs/{id}/status` once a second and updates the progress in
//! place; without scripts a `<noscript>` meta refresh reloads the page every two seconds instead. (A meta
//! refresh for everyone would reload the page under screen-reader users every two seconds — WCAG 2.2.1.)

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use serde::Serialize;
use tagdesk_app::labels::jobs::{self, JobStatus, JobView};

use super::download as file_response;
use crate::AppState;
use crate::error::{PageResult, render};
use crate::layout::Layout;
use crate::session::Staff;

#[derive(Template)]
#[template(path = "labels/job.html")]
struct JobPage {
    layout: Layout,
    job: JobView,
    percent: i64,
    running: bool,
    done: bool,
    size: String,
}

/// "1.2 MB", "480 KB".
fn size_text(bytes: i64) -> String {
    if bytes >= 1_000_000 { format!("{:.1} MB", bytes as f64 / 1e6) } else { format!("{} KB", (bytes + 999) / 1000) }
}

pub(super) async fn page(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let job = jobs::get(&state.app, &staff.actor, &id).await?;
    let page = JobPage {
        layout: staff.layout("Labels being made", "labels"),
        percent: job.percent(),
        running: job.unfinished(),
        done: job.status == JobStatus::Done,
        size: job.bytes.map(size_text).unwrap_or_default(),
        job,
    };
    render(&page)
}

pub(super) async fn download(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let (bytes, name, content_type) = jobs::download(&state.app, &staff.actor, &id).await?;
    Ok(file_response(bytes, &name, content_type))
}

/// What the job page's script reads.
#[derive(Serialize)]
struct Progress {
    status: JobStatus,
    done: i64,
    total: i64,
    percent: i64,
    /// Still queued or running (the script reloads the page once this is false).
    running: bool,
}

/// `GET /labels/jobs/{id}/status`: the job's progress as JSON (`no-store`, like every page).
pub(super) async fn status(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> PageResult {
    let job = jobs::get(&state.app, &staff.actor, &id).await?;
    let progress = Progress {
        status: job.status,
        done: job.done,
        total: job.total,
        percent: job.percent(),
        running: job.unfinished(),
    };
    Ok(Json(progress).into_response())
}

/// The job page's script, compiled into the binary.
pub const SCRIPT: &str = include_str!("../../../static/label-job.js");

/// `GET /static/label-job.js`.
pub(super) async fn script() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], SCRIPT)
}
