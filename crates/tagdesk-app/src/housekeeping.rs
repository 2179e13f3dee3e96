//! Periodic clean-up: expired staff and portal sessions, forgotten PIN-guessing counters, expired portal
//! passes, label jobs whose process stopped or whose files are past their keeping time, raw scan events past
//! their retention.

use crate::{App, AppResult};

/// What one clean-up pass removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Swept {
    /// Expired staff sessions.
    pub staff_sessions: u64,
    /// Expired portal sessions.
    pub portal_sessions: u64,
    /// PIN counters past their memory.
    pub pin_counters: u64,
    /// One-time portal passes that expired.
    pub portal_passes: u64,
    /// Label jobs whose process stopped, marked failed.
    pub label_jobs_interrupted: u64,
    /// Label jobs (and their files) past their keeping time.
    pub label_jobs_deleted: u64,
    /// Raw scan events past their retention (their daily counts stay).
    pub scan_events: u64,
}

/// Runs one clean-up pass.
pub async fn sweep(app: &App) -> AppResult<Swept> {
    Ok(Swept {
        staff_sessions: crate::auth::purge_expired_sessions(app).await?,
        portal_sessions: crate::portal::session::purge_expired(app).await?,
        pin_counters: crate::portal::pin::purge_forgotten(app).await?,
        portal_passes: crate::portal::pass::purge_expired(app).await?,
        label_jobs_interrupted: crate::labels::jobs::fail_interrupted(app).await?,
        label_jobs_deleted: crate::labels::jobs::purge_old(app).await?,
        scan_events: crate::scans::purge_expired(app).await?,
    })
}
