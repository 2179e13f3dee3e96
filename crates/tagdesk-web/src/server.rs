//! The HTTP/1.1 server loop: accepts connections under a connection limit (overall and per client
//! address), gives every connection a header read timeout (which also closes idle keep-alive
//! connections), and shuts down gracefully. `axum::serve` has none of these knobs, so Tagdesk runs hyper
//! directly; request bodies are timed by [`crate::body_guard`].
//!
//! When every connection place is taken, a new connection does not simply bounce: the connection that
//! has waited longest *between* requests (half-open, or idle keep-alive) is closed to make room, so a
//! flood of connections that never send a request cannot keep real clients out even before the header
//! timeout frees their places. Connections in the middle of a request are never evicted.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::limits::Limits;

/// How long shutdown waits for open connections to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Open connections per client address (the per-client connection limit).
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

/// A connection's place in the per-client count, given back when the connection ends.
struct ClientSlot {
    table: Arc<PerClient>,
    ip: IpAddr,
}

impl PerClient {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut table = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = table.entry(ip).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(ClientSlot { table: Arc::clone(self), ip })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut table = self.table.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = table.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                table.remove(&self.ip);
            }
        }
    }
}

/// What a connection holds while it is open.
struct Admitted {
    _permit: OwnedSemaphorePermit,
    _client: Option<ClientSlot>,
    state: Arc<ConnState>,
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.registry.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.id);
    }
}

/// Whether a connection is in a request, and since when it has been waiting otherwise.
struct ConnState {
    /// 0 while a request is being served; otherwise 1 + milliseconds since the server started at which
    /// the connection began to wait (for its first request or the next one).
    waiting_since: AtomicU64,
    /// Told to close the connection (it is being evicted).
    evict: tokio::sync::Notify,
}

/// The open connections, for eviction.
#[derive(Default)]
struct Registry(Mutex<HashMap<u64, Arc<ConnState>>>);

impl Registry {
    /// Tells the connection that has waited longest between requests to close; false when every
    /// connection is in a request.
    fn evict_longest_waiting(&self) -> bool {
        let table = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Longest waiting first; among equals (same millisecond) the oldest connection.
        let victim = table
            .iter()
            .filter(|(_, c)| c.waiting_since.load(Ordering::Relaxed) > 0)
            .min_by_key(|(id, c)| (c.waiting_since.load(Ordering::Relaxed), **id))
            .map(|(_, c)| c);
        match victim {
            Some(victim) => {
                victim.waiting_since.store(0, Ordering::Relaxed); // not chosen twice
                victim.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Decides whether a new connection is admitted (limits from [`Limits`]).
struct Gate {
    connections: Arc<Semaphore>,
    per_client: Arc<PerClient>,
    per_client_max: usize,
    registry: Arc<Registry>,
    next_id: AtomicU64,
    started: std::time::Instant,
    refused: AtomicU64,
}

/// How long a new connection waits for the place of an evicted one.
const EVICTION_WAIT: Duration = Duration::from_millis(200);

impl Gate {
    fn new(max_connections: usize, per_client_max: usize) -> Self {
        Self {
            connections: Arc::new(Semaphore::new(max_connections.max(1))),
            per_client: Arc::default(),
            per_client_max,
            registry: Arc::default(),
            next_id: AtomicU64::new(0),
            started: std::time::Instant::now(),
            refused: AtomicU64::new(0),
        }
    }

    /// The `waiting_since` value for now (never 0).
    fn now_mark(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    async fn admit(&self, peer: SocketAddr) -> Option<Admitted> {
        let client = match self.per_client_max {
            0 => None,
            max => match self.per_client.enter(client_ip(peer.ip()), max) {
                Some(slot) => Some(slot),
                None => return self.refuse("per-client"),
            },
        };
        let permit = match Arc::clone(&self.connections).try_acquire_owned() {
            Ok(permit) => permit,
            // Full: make room by closing the connection that has waited longest between requests.
            Err(_) if self.registry.evict_longest_waiting() => {
                match tokio::time::timeout(EVICTION_WAIT, Arc::clone(&self.connections).acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => return self.refuse("total"),
                }
            }
            Err(_) => return self.refuse("total"),
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state =
            Arc::new(ConnState { waiting_since: AtomicU64::new(self.now_mark()), evict: tokio::sync::Notify::new() });
        self.registry.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, Arc::clone(&state));
        Some(Admitted { _permit: permit, _client: client, state, registry: Arc::clone(&self.registry), id })
    }

    fn refuse(&self, which: &'static str) -> Option<Admitted> {
        let refused = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        // One line for the first refusal and then every 1,000th: an attack must not flood the log.
        if refused == 1 || refused.is_multiple_of(1000) {
            tracing::warn!(limit = which, refused, "connection limit reached; new connections are closed at once");
        }
        None
    }
}

/// The address a client is counted under: IPv4 as it is, IPv6 by its /64 network.
fn client_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
        v4 => v4,
    }
}

/// The limits the server loop applies, resolved at start.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at most.
    pub max_connections: usize,
    /// Per client address (0: none).
    pub max_per_client: usize,
    /// Header read (and keep-alive idle) timeout.
    pub header_read_timeout: Duration,
}

impl ConnectionLimits {
    /// From the configured limits; behind a trusted proxy every connection comes from the proxy, so there
    /// is no per-client connection limit then (the proxy has to bound its clients).
    pub fn new(limits: &Limits, trust_proxy_headers: bool, nofile: Option<u64>) -> Self {
        Self {
            max_connections: nofile.map_or(limits.max_connections, |n| limits.connections_for_fd_limit(n)),
            max_per_client: if trust_proxy_headers { 0 } else { limits.max_connections_per_client },
            header_read_timeout: limits.header_read_timeout,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets open requests
/// finish (up to 20 s) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let gate = Gate::new(limits.max_connections, limits.max_per_client);
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).max_buf_size(64 * 1024);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // EMFILE and friends: wait a moment instead of spinning; the limit should prevent it.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = gate.admit(peer).await else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let (state, started) = (Arc::clone(&admitted.state), gate.started);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let state = Arc::clone(&state);
            state.waiting_since.store(0, Ordering::Relaxed);
            let response = router.clone().oneshot(request.map(axum::body::Body::new));
            async move {
                let response = response.await;
                let mark = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
                state.waiting_since.store(mark, Ordering::Relaxed);
                response
            }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let state = Arc::clone(&admitted.state);
            let evicted = state.evict.notified();
            tokio::select! {
                result = connection => {
                    if let Err(err) = result {
                        tracing::debug!(error = %err, "connection ended with an error");
                    }
                }
                () = evicted => tracing::debug!("connection closed to make room for a new one"),
            }
            drop(admitted);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after the shutdown grace period; closing them");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_counts_per_client_and_in_total_and_gives_places_back() {
        let gate = Gate::new(3, 2);
        let a = SocketAddr::from(([192, 0, 2, 1], 1000));
        let b = SocketAddr::from(([192, 0, 2, 2], 1000));
        let a1 = gate.admit(a).await.expect("first of a");
        let a2 = gate.admit(a).await.expect("second of a");
        assert!(gate.admit(a).await.is_none(), "a third connection of one client is refused");
        let b1 = gate.admit(b).await.expect("b has its own count");
        // Everyone is in a request: nobody can be evicted, so the 4th connection is refused.
        for held in [&a1, &a2, &b1] {
            held.state.waiting_since.store(0, Ordering::Relaxed);
        }
        assert!(gate.admit(b).await.is_none(), "the total limit of 3 is reached");
        drop(a1);
        assert!(gate.admit(a).await.is_some(), "a closed connection gives its places back");
    }

    #[tokio::test]
    async fn a_full_gate_evicts_the_connection_waiting_longest() {
        let gate = Gate::new(2, 0);
        let peer = SocketAddr::from(([192, 0, 2, 1], 1000));
        let old = gate.admit(peer).await.expect("first");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let busy = gate.admit(peer).await.expect("second");
        busy.state.waiting_since.store(0, Ordering::Relaxed); // in a request
        let old_state = Arc::clone(&old.state);
        let evicted = old_state.evict.notified();
        tokio::pin!(evicted);
        // The connection task would drop its place when told; do that here.
        let new = tokio::spawn(async move { gate.admit(peer).await.is_some() });
        evicted.await;
        drop(old);
        assert!(new.await.expect("task"), "the new connection got the evicted one's place");
        drop(busy);
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_network() {
        let one: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let two: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(client_ip(one), client_ip(two));
    }
}
