//! The resource limits of the HTTP layer: connections, header and body timing, body sizes and the portal's
//! upload slots. Every default is listed in docs/SECURITY.md; each can be changed in `tagdesk.toml`
//! (`[limits]`) or with a `TAGDESK_*` variable (docs/OPERATIONS.md), and tests set small ones.

use std::time::Duration;

/// Limits that bound what one client (or many) can make the server hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at most; one more is accepted and closed at once (its file descriptor freed).
    pub max_connections: usize,
    /// Open connections per client address at most (0: no per-client limit). Not applied behind a
    /// trusted proxy, where every connection comes from the proxy.
    pub max_connections_per_client: usize,
    /// Time a client has to send a request's complete headers; also how long an idle keep-alive
    /// connection stays open waiting for the next request.
    pub header_read_timeout: Duration,
    /// Longest pause between two pieces of a request body.
    pub body_idle_timeout: Duration,
    /// Slowest average transfer rate of a body (bytes per second) once [`Limits::body_rate_grace`] has
    /// passed; a slower upload is cut off (408).
    pub body_min_bytes_per_s: u64,
    /// Time at the start of a body during which the minimum rate is not enforced.
    pub body_rate_grace: Duration,
    /// Longest time reading one body.
    pub body_total_timeout: Duration,
    /// Largest request body in bytes (CSV imports included); portal reports have their own, larger limit.
    pub max_body_bytes: usize,
    /// Portal report bodies read and processed at the same time, across all deployments.
    pub upload_slots: usize,
    /// Of those, at most this many for one client address.
    pub upload_slots_per_client: usize,
    /// Of those, at most this many for one deployment (so one site cannot starve the others).
    pub upload_slots_per_deployment: usize,
    /// How long a report waits for a free upload slot before it gets the "busy" page.
    pub upload_slot_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_connections_per_client: 256,
            header_read_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(30),
            body_min_bytes_per_s: 1024,
            body_rate_grace: Duration::from_secs(10),
            body_total_timeout: Duration::from_secs(120),
            max_body_bytes: 10 * 1024 * 1024,
            upload_slots: 6,
            upload_slots_per_client: 1,
            upload_slots_per_deployment: 3,
            upload_slot_wait: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// The connection limit that fits the process's file descriptor limit `nofile`: at most three
    /// quarters of it (the rest is for the database, files and the listener), never more than
    /// [`Limits::max_connections`].
    pub fn connections_for_fd_limit(&self, nofile: u64) -> usize {
        let usable = usize::try_from(nofile.saturating_mul(3) / 4).unwrap_or(usize::MAX);
        self.max_connections.min(usable.max(16))
    }
}
