//! The batch writer: a background task that stores recorded events, every [`BATCH_INTERVAL`] or every
//! [`BATCH_MAX`] events, each batch in one transaction with its daily counts and device statistics.
//!
//! Repeated views are checked once more against the stored events (a view of the same kind, device and
//! browser less than `REPEAT_WINDOW_MS` before), so that several instances behind a load balancer count a
//! browser's repeated views once, like one instance does. A batch that fails is retried event by event, so
//! one bad event (say, of a deployment deleted meanwhile) costs only itself.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tagdesk_domain::scan::{REPEAT_WINDOW_MS, Tz, local_day, zone};
use tagdesk_domain::{DeploymentId, ScanKind};
use tagdesk_store::scans::{self as store, EventRow};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::PortalEvent;
use super::recorder::Command;
use crate::{App, AppResult, Store};

/// Most events in one batch.
pub const BATCH_MAX: usize = 500;
/// Longest an event waits in memory before its batch is written.
pub const BATCH_INTERVAL: Duration = Duration::from_secs(1);
/// Pause after a full batch, so a flood of events leaves the database's writer to other work between
/// batches (at most ~7,000 events a second are written; the channel drops the rest).
const PAUSE_AFTER_FULL_BATCH: Duration = Duration::from_millis(50);

/// The running writer task.
#[derive(Debug)]
pub struct WriterHandle {
    sender: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl WriterHandle {
    /// Writes what is still queued and ends the task (graceful shutdown).
    pub async fn shutdown(self) {
        let (ack, done) = oneshot::channel();
        if self.sender.send(Command::Stop(ack)).await.is_ok() {
            let _ = done.await;
        }
        let _ = self.task.await;
    }
}

/// Starts the writer task for `app`'s recorder; `None` when one already runs.
pub async fn start_writer(app: &App) -> Option<WriterHandle> {
    let receiver = app.scans.take_receiver().await?;
    let store = app.store.clone();
    let task = tokio::spawn(run(store, receiver));
    Some(WriterHandle { sender: app.scans.sender(), task })
}

async fn run(store: Store, mut receiver: mpsc::Receiver<Command>) {
    let mut batch: Vec<PortalEvent> = Vec::with_capacity(BATCH_MAX);
    loop {
        let Some(first) = receiver.recv().await else {
            write_all(&store, std::mem::take(&mut batch)).await;
            return;
        };
        let deadline = tokio::time::Instant::now() + BATCH_INTERVAL;
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Event(event) => batch.push(event),
                Command::Flush(ack) => {
                    write_all(&store, std::mem::take(&mut batch)).await;
                    let _ = ack.send(());
                    break;
                }
                Command::Stop(ack) => {
                    while let Ok(command) = receiver.try_recv() {
                        match command {
                            Command::Event(event) => batch.push(event),
                            Command::Flush(other) | Command::Stop(other) => {
                                let _ = other.send(());
                            }
                        }
                    }
                    write_all(&store, std::mem::take(&mut batch)).await;
                    let _ = ack.send(());
                    return;
                }
            }
            if batch.len() >= BATCH_MAX {
                break;
            }
            next = match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(command)) => Some(command),
                Ok(None) | Err(_) => None,
            };
        }
        let full = batch.len() >= BATCH_MAX;
        write_all(&store, std::mem::take(&mut batch)).await;
        if full {
            tokio::time::sleep(PAUSE_AFTER_FULL_BATCH).await;
        }
    }
}

/// Writes `events` (in one transaction; if that fails, one by one), logging what could not be stored.
pub(super) async fn write_all(store: &Store, events: Vec<PortalEvent>) {
    if events.is_empty() {
        return;
    }
    let Err(err) = write_batch(store, &events).await else { return };
    tracing::warn!(error = %err, events = events.len(), "scan event batch failed; retrying one by one");
    let mut lost = 0_usize;
    for event in events {
        if let Err(err) = write_batch(store, std::slice::from_ref(&event)).await {
            lost += 1;
            tracing::error!(error = %err, deployment.id = %event.deployment_id, kind = %event.kind, "scan event lost");
        }
    }
    if lost > 0 {
        tracing::error!(lost, "scan events could not be stored");
    }
}

/// What one batch counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    /// Events stored.
    pub stored: usize,
    /// Repeated views recognised against the database and not stored.
    pub repeats: usize,
}

/// Per device: counted scans, the latest scan, counted portal cases.
#[derive(Default)]
struct StatsDelta {
    scans: i64,
    last_scan_at: Option<i64>,
    cases: i64,
}

/// Stores a batch in one transaction: the raw events (repeats skipped), the daily counts and the device
/// statistics (bots excluded from both).
pub async fn write_batch(store: &Store, events: &[PortalEvent]) -> AppResult<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut days: BTreeMap<(String, String, String, &'static str), i64> = BTreeMap::new();
    let mut stats: BTreeMap<String, StatsDelta> = BTreeMap::new();
    let mut zones: HashMap<DeploymentId, Tz> = HashMap::new();
    let mut tx = store.begin().await?;
    for event in events {
        let (deployment, device) = (event.deployment_id.to_string(), event.device_id.to_string());
        if event.kind.deduplicated()
            && store::seen_since(
                &mut tx,
                &device,
                &event.visitor_key,
                event.kind.as_str(),
                event.occurred_at - REPEAT_WINDOW_MS,
                event.occurred_at,
            )
            .await?
        {
            summary.repeats += 1;
            continue;
        }
        let row = EventRow {
            id: uuid::Uuid::now_v7().to_string(),
            workspace_id: event.workspace_id.to_string(),
            deployment_id: deployment.clone(),
            device_id: device.clone(),
            kind: event.kind.as_str().to_owned(),
            occurred_at: event.occurred_at,
            client_key: event.client_key.clone(),
            visitor_key: event.visitor_key.clone(),
            device_class: event.device_class.as_str().to_owned(),
        };
        store::insert_event(&mut tx, &row).await?;
        summary.stored += 1;
        if !event.device_class.counts() {
            continue;
        }
        let tz = match zones.get(&event.deployment_id) {
            Some(tz) => *tz,
            None => {
                let name = store::deployment_timezone(&mut tx, &deployment).await?.unwrap_or_default();
                let found = zone(&name);
                zones.insert(event.deployment_id, found);
                found
            }
        };
        let day = local_day(event.occurred_at, tz).to_string();
        *days.entry((deployment, device.clone(), day, event.kind.as_str())).or_default() += 1;
        let delta = stats.entry(device).or_default();
        match event.kind {
            ScanKind::Scan => {
                delta.scans += 1;
                delta.last_scan_at = delta.last_scan_at.max(Some(event.occurred_at));
            }
            ScanKind::CaseSubmitted => delta.cases += 1,
            _ => {}
        }
    }
    for ((deployment, device, day, kind), count) in &days {
        store::add_day_count(&mut tx, deployment, device, day, kind, *count).await?;
    }
    for (device, delta) in &stats {
        if delta.scans > 0 || delta.cases > 0 {
            store::add_device_stats(&mut tx, device, delta.scans, delta.last_scan_at, delta.cases).await?;
        }
    }
    tx.commit().await?;
    Ok(summary)
}
