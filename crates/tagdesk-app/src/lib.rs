//! Tagdesk use cases: one function per operation, shared by the back-office pages, the JSON API, the CLI
//! and jobs. Every function takes the [`Actor`] performing it and enforces rights here, not in the UI.

pub mod actor;
pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod clock;
pub mod demo;
pub mod deployments;
pub mod devices;
pub mod error;
pub mod hashing;
pub mod housekeeping;
pub mod labels;
pub mod page;
pub mod portal;
pub mod scans;
pub mod templates;
pub mod users;

use std::sync::Arc;

pub use actor::Actor;
pub use clock::{Clock, SystemClock};
pub use error::{AppError, AppResult};
pub use tagdesk_store::Store;

/// Everything a use case needs: the database, the attachment store and the clock. Cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub store: Store,
    /// Where photo bytes live (a local directory by default).
    pub attachments: Arc<dyn attachments::storage::AttachmentStore>,
    /// Time source (injected so tests can move time).
    pub clock: Arc<dyn Clock>,
    /// Short-lived cache of portal lookups (see [`portal::cache`]).
    pub portal_cache: Arc<portal::cache::PortalCache>,
    /// Where every Argon2 hash runs, a bounded number at a time (see [`hashing`]).
    pub hashing: Arc<hashing::HashPool>,
    /// Rendering slots for background label jobs (see [`labels::jobs`]).
    pub label_jobs: Arc<labels::jobs::JobSlots>,
    /// Scan tracking's recorder: the portal hands it events, a background writer stores them (see
    /// [`scans`]).
    pub scans: Arc<scans::ScanRecorder>,
}

impl App {
    /// An app on `store` with the system clock and no attachment store: saving a photo fails until
    /// [`App::with_attachments`] sets one (`serve` always does).
    pub fn new(store: Store) -> Self {
        Self {
            store,
            attachments: Arc::new(attachments::storage::NoStore),
            clock: Arc::new(SystemClock),
            portal_cache: Arc::default(),
            hashing: Arc::default(),
            label_jobs: Arc::default(),
            scans: Arc::default(),
        }
    }

    /// The same app with a fresh scan recorder using `config` (set it before the app is cloned: clones made
    /// earlier keep the old recorder).
    pub fn with_scan_config(mut self, config: scans::ScanConfig) -> Self {
        self.scans = Arc::new(scans::ScanRecorder::new(config));
        self
    }

    /// The same app hashing within `limits` (slots and wait; see [`hashing::HashLimits`]).
    pub fn with_hash_limits(mut self, limits: hashing::HashLimits) -> Self {
        self.hashing = Arc::new(hashing::HashPool::new(limits));
        self
    }

    /// The same app storing attachment bytes in `attachments`.
    pub fn with_attachments(mut self, attachments: Arc<dyn attachments::storage::AttachmentStore>) -> Self {
        self.attachments = attachments;
        self
    }

    /// Current time in UTC milliseconds.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
