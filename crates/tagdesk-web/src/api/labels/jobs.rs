//! API: background prints — the job resource (status, progress, download URL, unmatched list entries) and
//! its download once done.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use tagdesk_app::labels::jobs::{self, JobStatus, JobView};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::prints::FormatJson;
use super::{base_url, file_response, json_response};
use crate::AppState;
use crate::api::{ApiActor, ApiError, ApiResult, ErrorBody, time};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_job)).routes(routes!(download_job))
}

/// A background print.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelJobJson {
    /// Id.
    pub id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// What it produces.
    pub format: FormatJson,
    /// Labels (devices) in the print.
    pub total: i64,
    /// Labels rendered so far.
    pub done: i64,
    /// Progress in whole percent (100 only when done).
    pub percent: i64,
    /// This resource.
    pub url: String,
    /// Where to download the file; present once `done`.
    pub download_url: Option<String>,
    /// The download's file name once done.
    pub file_name: Option<String>,
    /// Its size in bytes once done.
    pub bytes: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Entries of the selection's `listed` that matched no device.
    pub unmatched: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; when it finished (done or failed).
    pub finished_at: Option<String>,
}

impl LabelJobJson {
    /// The JSON form of a job; `base` is the server's public URL.
    pub fn new(job: JobView, base: &str) -> Self {
        let url = job_url(base, &job.id);
        Self {
            status: status_str(job.status).to_owned(),
            format: job.format.into(),
            percent: job.percent(),
            download_url: (job.status == JobStatus::Done).then(|| format!("{url}/download")),
            url,
            id: job.id,
            total: job.total,
            done: job.done,
            file_name: job.file_name,
            bytes: job.bytes,
            error: job.error,
            unmatched: job.unmatched,
            created_at: time(job.created_at),
            finished_at: job.finished_at.map(time),
        }
    }
}

fn status_str(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "queued",
        JobStatus::Running => "running",
        JobStatus::Done => "done",
        JobStatus::Failed => "failed",
    }
}

pub(super) fn job_url(base: &str, id: &str) -> String {
    format!("{base}/api/v1/labels/jobs/{id}")
}

/// A background print's status and progress. Jobs are visible to whoever started them (the same API key)
/// and are kept for 7 days.
#[utoipa::path(get, path = "/labels/jobs/{id}", tag = "labels", params(("id" = String, Path, description = "Job id")),
    responses((status = 200, body = LabelJobJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_job(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = jobs::get(&state.app, &actor, id.trim()).await?;
    Ok(json_response(StatusCode::OK, &LabelJobJson::new(job, base_url(&state))))
}

/// Download a finished background print; `409` while it is queued or running, or when it failed.
#[utoipa::path(get, path = "/labels/jobs/{id}/download", tag = "labels", params(("id" = String, Path, description = "Job id")),
    responses((status = 200, description = "The file", content(("application/pdf"), ("application/zip"), ("text/csv"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not done yet, or failed", body = ErrorBody)))]
async fn download_job(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = jobs::get(&state.app, &actor, id.trim()).await?;
    match job.status {
        JobStatus::Done => {}
        JobStatus::Failed => {
            let why = job.error.unwrap_or_else(|| "unknown reason".to_owned());
            return Err(ApiError::new(StatusCode::CONFLICT, format!("This print failed and has no file: {why}")));
        }
        JobStatus::Queued | JobStatus::Running => {
            let message = format!(
                "These labels are not ready yet ({} of {} done, status {}); poll GET {} until its status is done.",
                job.done,
                job.total,
                status_str(job.status),
                job_url(base_url(&state), &job.id)
            );
            return Err(ApiError::new(StatusCode::CONFLICT, message));
        }
    }
    let (bytes, name, content_type) = jobs::download(&state.app, &actor, &job.id).await?;
    Ok(file_response(bytes, content_type, &name))
}
