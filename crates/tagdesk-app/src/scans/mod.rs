//! Scan tracking (issue 8): what visitors do in the customer portal, recorded without slowing the portal,
//! and what staff see of it.
//!
//! - [`recorder`]: the request path's side. The web layer hands a finished [`PortalEvent`] to
//!   [`ScanRecorder::record`], which only pushes it into a bounded in-memory channel (never a database
//!   round trip; when the channel is full the event is dropped and the drop counted in a log line). Repeated
//!   views from one browser are filtered in memory first ([`ScanRecorder::repeat_view`]).
//! - [`writer`]: a background task (started by `serve`, [`start_writer`]) that writes the events in batches
//!   (every second or every [`BATCH_MAX`] events) in one transaction each, together with the daily counts
//!   and the per-device statistics. On shutdown it drains the channel; tests call [`ScanRecorder::flush`].
//! - [`period`]: the days a report covers, in the deployment's time zone.
//! - [`reports`] and [`export`]: the funnel, scans per day, the devices never scanned, the raw events, and
//!   their CSV files — with the same rights as the deployment's other pages.
//!
//! Bot events (see `tagdesk_domain::user_agent`) are stored raw but never counted.

pub mod export;
pub mod period;
pub mod recorder;
pub mod reports;
pub mod writer;

use tagdesk_domain::{DeploymentId, DeviceClass, DeviceId, ScanKind, WorkspaceId};

pub use period::Period;
pub use recorder::{ScanConfig, ScanRecorder};
pub use writer::{BATCH_MAX, WriterHandle, start_writer};

use crate::{App, AppResult};

/// Milliseconds per day.
pub(crate) const DAY_MS: i64 = 24 * 3600 * 1000;

/// Raw events are kept this many days by default (`TAGDESK_SCAN_RETENTION_DAYS`); daily counts forever.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;

/// One thing a visitor did, as the web layer hands it over (keys already hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalEvent {
    /// The visit's workspace.
    pub workspace_id: WorkspaceId,
    /// The visit's deployment.
    pub deployment_id: DeploymentId,
    /// The device whose label was used.
    pub device_id: DeviceId,
    /// What happened.
    pub kind: ScanKind,
    /// When (UTC ms, from the app's clock).
    pub occurred_at: i64,
    /// Keyed hash of the client address (never the address).
    pub client_key: String,
    /// Keyed hash of the browser's identity.
    pub visitor_key: String,
    /// From the user agent.
    pub device_class: DeviceClass,
}

/// Deletes raw events older than the retention time (housekeeping, hourly); the daily counts and the
/// device statistics stay. Returns how many went.
pub async fn purge_expired(app: &App) -> AppResult<u64> {
    let before = app.now() - app.scans.config().retention_days.max(1) * DAY_MS;
    let mut tx = app.store.begin().await?;
    let purged = tagdesk_store::scans::purge_events_before(&mut tx, before).await?;
    tx.commit().await?;
    if purged > 0 {
        tracing::info!(events = purged, "expired scan events deleted");
    }
    Ok(purged)
}
