//! Large prints run in the background: [`start`] resolves the request, records a job and returns at once;
//! the rendering runs on a blocking thread (at most [`JobSlots`] at a time per process), progress goes to
//! the database every few hundred milliseconds (so a reloaded page, or another instance, sees it), and
//! the result waits in the file store until [`download`]. Jobs older than [`KEEP_JOBS_MS`] are deleted
//! with their files by housekeeping, which also fails jobs whose process stopped (their heartbeat ends).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use tagdesk_store::labels::{self as store, JobRow};
use tokio::sync::Semaphore;

use super::LabelFormat;
use super::render::{Prepared, PrintRequest, prepare};
use crate::actor::ActorKind;
use crate::attachments::storage::StorageKey;
use crate::error::OrNotFound;
use crate::{Actor, App, AppError, AppResult};

/// How long a finished job and its file are kept (7 days).
pub const KEEP_JOBS_MS: i64 = 7 * 86_400_000;

/// The most unfinished jobs a workspace may have at once.
pub const MAX_UNFINISHED_PER_WORKSPACE: usize = 4;

/// How often progress is written while a job renders.
const PROGRESS_EVERY: Duration = Duration::from_millis(300);

/// How often a queued job says it is still waiting for a slot.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// A job whose heartbeat is older than this was left by a stopped process.
pub const STALE_AFTER_MS: i64 = 60_000;

/// Rendering slots for background jobs in this process (one per core, at least one).
#[derive(Debug)]
pub struct JobSlots(Arc<Semaphore>);

impl Default for JobSlots {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self(Arc::new(Semaphore::new(cores.clamp(1, 4))))
    }
}

/// A job's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

/// A job as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobView {
    pub id: String,
    pub status: JobStatus,
    pub format: LabelFormat,
    /// Labels in the print.
    pub total: i64,
    /// Labels rendered so far.
    pub done: i64,
    /// The download's file name once done.
    pub file_name: Option<String>,
    /// Its size in bytes once done.
    pub bytes: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// UTC milliseconds.
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// Explicit-list entries that matched no device (kept with the stored request).
    pub unmatched: Vec<String>,
}

/// What the job's `request` column holds: the request as asked, and what of its list matched nothing.
#[derive(Serialize)]
struct StoredRequest<'a> {
    #[serde(flatten)]
    request: &'a PrintRequest,
    unmatched: Vec<String>,
}

/// The `unmatched` part of a stored request (absent in jobs stored before it was kept).
#[derive(serde::Deserialize)]
struct StoredUnmatched {
    #[serde(default)]
    unmatched: Vec<String>,
}

/// What a job whose process stopped says.
const INTERRUPTED: &str = "Tagdesk stopped while these labels were being made; start the print again.";

impl JobView {
    /// The view of a stored job at `now`: an unfinished job whose heartbeat is stale shows as failed at
    /// once (housekeeping records it later).
    fn from_row(mut row: JobRow, now: i64) -> AppResult<Self> {
        if matches!(row.status.as_str(), "queued" | "running") && row.heartbeat_at < now - STALE_AFTER_MS {
            row.status = "failed".to_owned();
            row.error = Some(INTERRUPTED.to_owned());
        }
        let unmatched =
            serde_json::from_str::<StoredUnmatched>(&row.request).map(|stored| stored.unmatched).unwrap_or_default();
        let status = match row.status.as_str() {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            other => return Err(AppError::Internal(format!("label job {} has status {other}", row.id))),
        };
        Ok(Self {
            id: row.id,
            status,
            format: LabelFormat::parse(&row.format)?,
            total: row.total,
            done: row.done,
            file_name: row.result_name,
            bytes: row.result_bytes,
            error: row.error,
            created_at: row.created_at,
            finished_at: row.finished_at,
            unmatched,
        })
    }

    /// Progress in whole percent.
    pub fn percent(&self) -> i64 {
        if self.status == JobStatus::Done {
            100
        } else {
            (self.done * 100).checked_div(self.total).unwrap_or(0).clamp(0, 99)
        }
    }

    /// Whether it is still queued or running.
    pub fn unfinished(&self) -> bool {
        matches!(self.status, JobStatus::Queued | JobStatus::Running)
    }
}

/// Whether `actor` may see `row` (its creator, or someone with workspace-wide rights).
fn visible(actor: &Actor, row: &JobRow) -> bool {
    match &actor.kind {
        ActorKind::User { id, .. } => actor.is_workspace_admin() || row.created_by.as_deref() == Some(&id.to_string()),
        ActorKind::ApiKey { id } => row.created_by.as_deref() == Some(&format!("api_key:{id}")),
        ActorKind::System => true,
    }
}

fn creator(actor: &Actor) -> Option<String> {
    match &actor.kind {
        ActorKind::User { id, .. } => Some(id.to_string()),
        ActorKind::ApiKey { id } => Some(format!("api_key:{id}")),
        ActorKind::System => None,
    }
}

/// Starts a print in the background and returns its job (status `queued`).
pub async fn start(app: &App, actor: &Actor, base_url: &str, request: &PrintRequest) -> AppResult<JobView> {
    let prepared = prepare(app, actor, base_url, request).await?;
    start_prepared(app, actor, prepared, request).await
}

/// Starts an already prepared print in the background (callers that looked at the selection's size
/// first, to choose between an immediate answer and a job, use this so it is resolved only once).
pub async fn start_prepared(
    app: &App,
    actor: &Actor,
    prepared: Prepared,
    request: &PrintRequest,
) -> AppResult<JobView> {
    let workspace = actor.workspace_id.to_string();
    let mut conn = app.store.read().await?;
    let recent = store::recent_jobs(&mut conn, &workspace, 50).await?;
    drop(conn);
    if recent.iter().filter(|j| j.status == "queued" || j.status == "running").count() >= MAX_UNFINISHED_PER_WORKSPACE {
        return Err(AppError::Busy { retry_after_s: 30 });
    }
    prepared.remember(app).await?;
    let now = app.now();
    let row = JobRow {
        id: uuid::Uuid::now_v7().to_string(),
        workspace_id: workspace,
        created_by: creator(actor),
        status: "queued".to_owned(),
        format: prepared.format.as_str().to_owned(),
        request: serde_json::to_string(&StoredRequest { request, unmatched: prepared.unmatched.clone() })
            .map_err(|e| AppError::Internal(e.to_string()))?,
        total: prepared.labels.len() as i64,
        done: 0,
        result_key: None,
        result_name: None,
        result_bytes: None,
        error: None,
        created_at: now,
        heartbeat_at: now,
        finished_at: None,
    };
    let mut tx = app.store.begin().await?;
    store::insert_job(&mut tx, &row).await?;
    tx.commit().await?;
    let view = JobView::from_row(row.clone(), now)?;
    let app = app.clone();
    tokio::spawn(async move {
        let id = row.id.clone();
        if let Err(e) = run(&app, &id, prepared).await {
            tracing::error!(job.id = %id, error = %e, "label job failed");
            let message = match &e {
                AppError::Invalid(errors) => errors.to_string(),
                _ => "The labels could not be rendered; try again, and tell your administrator if it keeps failing."
                    .to_owned(),
            };
            if let Ok(mut tx) = app.store.begin().await
                && store::job_failed(&mut tx, &id, &message, app.now()).await.is_ok()
            {
                let _ = tx.commit().await;
            }
        }
    });
    Ok(view)
}

async fn heartbeat(app: &App, id: &str, running: bool, done: usize) -> AppResult<()> {
    let mut tx = app.store.begin().await?;
    store::job_heartbeat(&mut tx, id, running, done as i64, app.now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn run(app: &App, id: &str, prepared: Prepared) -> AppResult<()> {
    let slots = app.label_jobs.0.clone();
    let acquire = slots.acquire_owned();
    tokio::pin!(acquire);
    let _slot = loop {
        tokio::select! {
            slot = &mut acquire => break slot.map_err(|e| AppError::Internal(e.to_string()))?,
            () = tokio::time::sleep(HEARTBEAT_EVERY) => heartbeat(app, id, false, 0).await?,
        }
    };
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    let file_name = prepared.file_name.clone();
    let mut rendering = tokio::task::spawn_blocking(move || prepared.render(&|n| counter.store(n, Ordering::Relaxed)));
    let bytes = loop {
        tokio::select! {
            result = &mut rendering => {
                break result.map_err(|e| AppError::Internal(format!("label job stopped: {e}")))?
                    .map_err(|e| super::label_error("template", e))?;
            }
            () = tokio::time::sleep(PROGRESS_EVERY) => heartbeat(app, id, true, done.load(Ordering::Relaxed)).await?,
        }
    };
    let key = StorageKey::generate();
    app.attachments.put(&key, &bytes).await.map_err(|e| AppError::Internal(format!("storing labels: {e}")))?;
    let mut tx = app.store.begin().await?;
    store::job_done(&mut tx, id, key.as_str(), &file_name, bytes.len() as i64, app.now()).await?;
    tx.commit().await?;
    tracing::info!(job.id = %id, size_bytes = bytes.len(), "label job done");
    Ok(())
}

/// One job.
pub async fn get(app: &App, actor: &Actor, id: &str) -> AppResult<JobView> {
    let mut conn = app.store.read().await?;
    let row = store::job(&mut conn, &actor.workspace_id.to_string(), id)
        .await?
        .filter(|r| visible(actor, r))
        .or_not_found()?;
    JobView::from_row(row, app.now())
}

/// The actor's recent jobs, newest first.
pub async fn recent(app: &App, actor: &Actor) -> AppResult<Vec<JobView>> {
    let mut conn = app.store.read().await?;
    let rows = store::recent_jobs(&mut conn, &actor.workspace_id.to_string(), 50).await?;
    let now = app.now();
    rows.into_iter().filter(|r| visible(actor, r)).take(10).map(|r| JobView::from_row(r, now)).collect()
}

/// A finished job's file: (bytes, file name, content type).
pub async fn download(app: &App, actor: &Actor, id: &str) -> AppResult<(Vec<u8>, String, &'static str)> {
    let mut conn = app.store.read().await?;
    let row = store::job(&mut conn, &actor.workspace_id.to_string(), id)
        .await?
        .filter(|r| visible(actor, r))
        .or_not_found()?;
    drop(conn);
    let (Some(key), Some(name)) = (row.result_key.as_deref(), row.result_name.clone()) else {
        return Err(AppError::Conflict("These labels are not ready yet.".into()));
    };
    let key = StorageKey::parse(key).map_err(|e| AppError::Internal(e.to_string()))?;
    let bytes = app
        .attachments
        .get(&key)
        .await
        .map_err(|e| AppError::Internal(format!("reading labels: {e}")))?
        .or_not_found()?;
    Ok((bytes, name, LabelFormat::parse(&row.format)?.content_type()))
}

/// Marks jobs whose process stopped (no heartbeat for [`STALE_AFTER_MS`]) as failed; housekeeping calls it.
pub async fn fail_interrupted(app: &App) -> AppResult<u64> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let failed = store::fail_interrupted_jobs(&mut tx, now - STALE_AFTER_MS, INTERRUPTED, now).await?;
    tx.commit().await?;
    Ok(failed)
}

/// Deletes jobs older than [`KEEP_JOBS_MS`] and their files; returns how many.
pub async fn purge_old(app: &App) -> AppResult<u64> {
    let before = app.now() - KEEP_JOBS_MS;
    let mut conn = app.store.read().await?;
    let old = store::old_jobs(&mut conn, before, 500).await?;
    drop(conn);
    for job in &old {
        if let Some(key) = job.result_key.as_deref().and_then(|k| StorageKey::parse(k).ok())
            && let Err(e) = app.attachments.delete(&key).await
        {
            tracing::warn!(job.id = %job.id, error = %e, "could not delete an old label file");
            continue;
        }
        let mut tx = app.store.begin().await?;
        store::delete_job(&mut tx, &job.id).await?;
        tx.commit().await?;
    }
    Ok(old.len() as u64)
}
