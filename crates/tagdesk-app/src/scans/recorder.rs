//! The request path's side of scan tracking: an in-memory filter of repeated views and a bounded channel
//! to the batch writer. Nothing here awaits the database.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use tagdesk_domain::scan::REPEAT_WINDOW_MS;
use tagdesk_domain::{DeviceId, ScanKind};
use tokio::sync::{mpsc, oneshot};

use super::PortalEvent;
use crate::{AppError, AppResult, Store};

/// Events the channel holds before new ones are dropped.
pub const CHANNEL_CAPACITY: usize = 10_000;
/// Views the repeat filter remembers before it forgets the expired ones (and, if that is not enough, all).
pub const SEEN_MAX: usize = 100_000;
/// At most one "events dropped" warning per this many milliseconds.
const DROP_LOG_INTERVAL_MS: i64 = 10_000;

/// Settings of scan tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanConfig {
    /// How long raw events are kept (days).
    pub retention_days: i64,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self { retention_days: super::DEFAULT_RETENTION_DAYS }
    }
}

/// What travels to the writer.
#[derive(Debug)]
pub(super) enum Command {
    /// An event to store.
    Event(PortalEvent),
    /// Write everything received so far, then answer.
    Flush(oneshot::Sender<()>),
    /// Write everything received so far, answer, and end.
    Stop(oneshot::Sender<()>),
}

/// The recorder shared by every handler (one per [`crate::App`]).
pub struct ScanRecorder {
    config: ScanConfig,
    sender: mpsc::Sender<Command>,
    /// The channel's receiving end until the writer task takes it (then `None`); [`Self::flush`] drains it
    /// itself while it is parked here.
    parked: tokio::sync::Mutex<Option<mpsc::Receiver<Command>>>,
    /// Keyed hash of (kind, device, browser identity) → when its last counted view happened (UTC ms).
    seen: Mutex<HashMap<u64, i64>>,
    hasher: RandomState,
    dropped: AtomicU64,
    last_drop_log_ms: AtomicI64,
}

impl std::fmt::Debug for ScanRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanRecorder")
            .field("config", &self.config)
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Default for ScanRecorder {
    fn default() -> Self {
        Self::new(ScanConfig::default())
    }
}

impl ScanRecorder {
    /// A recorder with its channel; nothing is written until [`super::start_writer`] or [`Self::flush`].
    pub fn new(config: ScanConfig) -> Self {
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        Self {
            config,
            sender,
            parked: tokio::sync::Mutex::new(Some(receiver)),
            seen: Mutex::new(HashMap::new()),
            hasher: RandomState::new(),
            dropped: AtomicU64::new(0),
            last_drop_log_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// The settings.
    pub fn config(&self) -> ScanConfig {
        self.config
    }

    /// Hands an event to the writer without waiting. When the channel is full (or the writer has stopped)
    /// the event is dropped and counted; a warning with the total goes to the log at most every 10 s.
    pub fn record(&self, event: PortalEvent) {
        if self.sender.try_send(Command::Event(event)).is_ok() {
            return;
        }
        let total = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        let now = chrono::Utc::now().timestamp_millis();
        let last = self.last_drop_log_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= DROP_LOG_INTERVAL_MS
            && self.last_drop_log_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!(dropped_total = total, "scan events dropped: the recording channel is full");
        }
    }

    /// How many events were dropped since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn key(&self, kind: ScanKind, device: DeviceId, identity: &(impl Hash + ?Sized)) -> u64 {
        self.hasher.hash_one((kind, device, identity))
    }

    /// For the kinds that count once per [`REPEAT_WINDOW_MS`] ([`ScanKind::deduplicated`]): whether this
    /// browser (`identity`: its cookie, or its address and user agent; anything hashable, hashed with a key
    /// of this process and kept only in memory) had a counted one at the device less than the window ago,
    /// as far as this instance knows. If not, remembers this one as counted. The writer checks again against
    /// the database, so views on other instances count once too.
    pub fn repeat_view(&self, kind: ScanKind, device: DeviceId, identity: &(impl Hash + ?Sized), now: i64) -> bool {
        let key = self.key(kind, device, identity);
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = seen.get(&key)
            && now.saturating_sub(*at) < REPEAT_WINDOW_MS
            && now >= *at
        {
            return true;
        }
        insert_bounded(&mut seen, key, now);
        false
    }

    /// Remembers a counted view under a second identity of the same browser (the visitor cookie it is
    /// about to get, when its first view was identified by address and user agent).
    pub fn remember_view(&self, kind: ScanKind, device: DeviceId, identity: &(impl Hash + ?Sized), now: i64) {
        let key = self.key(kind, device, identity);
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        insert_bounded(&mut seen, key, now);
    }

    /// Writes every event recorded so far and waits until it is committed (tests; shutdown uses
    /// [`super::WriterHandle::shutdown`]). Works with and without a running writer task.
    pub async fn flush(&self, store: &Store) -> AppResult<()> {
        let mut parked = self.parked.lock().await;
        if let Some(receiver) = parked.as_mut() {
            let mut batch = Vec::new();
            while let Ok(command) = receiver.try_recv() {
                match command {
                    Command::Event(event) => batch.push(event),
                    Command::Flush(ack) | Command::Stop(ack) => {
                        let _ = ack.send(());
                    }
                }
            }
            super::writer::write_all(store, batch).await;
            return Ok(());
        }
        drop(parked);
        let (ack, done) = oneshot::channel();
        let stopped = || AppError::Internal("the scan writer has stopped".to_owned());
        self.sender.send(Command::Flush(ack)).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())
    }

    /// Takes the receiving end for the writer task (`None` when a writer already has it).
    pub(super) async fn take_receiver(&self) -> Option<mpsc::Receiver<Command>> {
        self.parked.lock().await.take()
    }

    /// A sender for the writer's own commands.
    pub(super) fn sender(&self) -> mpsc::Sender<Command> {
        self.sender.clone()
    }
}

/// Inserts into the repeat filter, keeping it at most [`SEEN_MAX`] entries: expired entries go first, and
/// everything if that is not enough (a flood of new browsers then costs a few double counts, never memory).
fn insert_bounded(seen: &mut HashMap<u64, i64>, key: u64, now: i64) {
    if seen.len() >= SEEN_MAX && !seen.contains_key(&key) {
        seen.retain(|_, at| now.saturating_sub(*at) < REPEAT_WINDOW_MS);
        if seen.len() >= SEEN_MAX {
            seen.clear();
        }
    }
    seen.insert(key, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_repeat_within_ten_minutes_per_kind_device_and_browser() {
        let recorder = ScanRecorder::default();
        let (a, b) = (DeviceId::new(), DeviceId::new());
        let t = 1_000_000_000;
        assert!(!recorder.repeat_view(ScanKind::Scan, a, &b"browser-1"[..], t));
        assert!(recorder.repeat_view(ScanKind::Scan, a, &b"browser-1"[..], t + REPEAT_WINDOW_MS - 1));
        // Another browser, another device, another kind: counted.
        assert!(!recorder.repeat_view(ScanKind::Scan, a, &b"browser-2"[..], t + 1));
        assert!(!recorder.repeat_view(ScanKind::Scan, b, &b"browser-1"[..], t + 1));
        assert!(!recorder.repeat_view(ScanKind::FormOpened, a, &b"browser-1"[..], t + 1));
        // The window runs from the counted view, not from the repeats.
        assert!(!recorder.repeat_view(ScanKind::Scan, a, &b"browser-1"[..], t + REPEAT_WINDOW_MS));
        recorder.remember_view(ScanKind::Scan, b, &b"cookie"[..], t);
        assert!(recorder.repeat_view(ScanKind::Scan, b, &b"cookie"[..], t + 60_000));
    }

    #[test]
    fn the_repeat_filter_stays_bounded() {
        let mut seen = HashMap::new();
        for i in 0..SEEN_MAX as u64 {
            insert_bounded(&mut seen, i, 0);
        }
        assert_eq!(seen.len(), SEEN_MAX);
        // All expired by now: they go, the new one stays.
        insert_bounded(&mut seen, u64::MAX, REPEAT_WINDOW_MS);
        assert_eq!(seen.len(), 1);
        for i in 0..SEEN_MAX as u64 {
            insert_bounded(&mut seen, i, REPEAT_WINDOW_MS);
        }
        // None expired: everything goes rather than growing.
        insert_bounded(&mut seen, u64::MAX - 1, REPEAT_WINDOW_MS + 1);
        assert!(seen.len() <= 2);
    }

    #[tokio::test]
    async fn a_full_channel_drops_and_counts() {
        let recorder = ScanRecorder::default();
        let event = PortalEvent {
            workspace_id: tagdesk_domain::WorkspaceId::new(),
            deployment_id: tagdesk_domain::DeploymentId::new(),
            device_id: DeviceId::new(),
            kind: ScanKind::Scan,
            occurred_at: 0,
            client_key: String::new(),
            visitor_key: String::new(),
            device_class: tagdesk_domain::DeviceClass::Phone,
        };
        for _ in 0..CHANNEL_CAPACITY + 3 {
            recorder.record(event.clone());
        }
        assert_eq!(recorder.dropped(), 3);
    }
}
