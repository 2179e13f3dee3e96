//! Periodic clean-up: expired staff and portal sessions, forgotten PIN-guessing counters, expired portal
//! passes.

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
}

/// Runs one clean-up pass.
pub async fn sweep(app: &App) -> AppResult<Swept> {
    Ok(Swept {
        staff_sessions: crate::auth::purge_expired_sessions(app).await?,
        portal_sessions: crate::portal::session::purge_expired(app).await?,
        pin_counters: crate::portal::pin::purge_forgotten(app).await?,
        portal_passes: crate::portal::pass::purge_expired(app).await?,
    })
}
