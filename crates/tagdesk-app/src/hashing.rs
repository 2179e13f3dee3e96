//! Argon2id hashing with bounded concurrency and bounded memory.
//!
//! One Argon2id hash costs about 19 MiB (the `argon2` crate's defaults: m = 19,456 KiB, t = 2, p = 1) and
//! tens of milliseconds of CPU. Sign-ins, PIN checks and password changes are the only places where a
//! stranger can make the server spend that, so every hash runs through one [`HashPool`]:
//!
//! - at most `slots` hashes run at a time (default 2 × CPU cores), each on one of `slots` dedicated
//!   threads, and each thread keeps **one** 19 MiB work area that every hash it computes reuses, so
//!   hashing never holds more than `slots` × 19 MiB. (Allocating the area per hash, as
//!   `Argon2::verify_password` does, fragments the allocator's per-thread arenas: 150 sign-ins on 4 threads
//!   left ~750 MiB behind; on the blocking pool, one thread per hash, 3.4 GiB.)
//! - a request waits at most `wait` for a slot, then gets [`AppError::Busy`] (503 with `Retry-After`)
//!   instead of queueing without bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{Semaphore, oneshot};

use crate::{AppError, AppResult};

/// `Retry-After` (seconds) of the answer given when no hashing slot became free in time.
pub const BUSY_RETRY_AFTER_S: i64 = 2;

/// How many hashes run at a time and how long a request waits for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Hashes in flight at most (also the number of hashing threads).
    pub slots: usize,
    /// Longest wait for a slot before the request is answered "busy".
    pub wait: Duration,
}

impl Default for HashLimits {
    /// 2 × the CPU cores (at least 2), waiting up to 5 s.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self { slots: (2 * cores).max(2), wait: Duration::from_secs(5) }
    }
}

type Job = Box<dyn FnOnce(&mut WorkArea) + Send>;

/// Largest Argon2 memory cost accepted from a stored hash (64 MiB): stored hashes are ours, but a
/// corrupted or foreign row must not make a thread allocate without bound.
const MAX_BLOCKS: usize = 64 * 1024;

/// One hashing thread's Argon2 memory, allocated once and reused by every hash on that thread.
#[derive(Default)]
pub(crate) struct WorkArea {
    blocks: Vec<Block>,
}

impl WorkArea {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.blocks = vec![Block::default(); count];
        }
        &mut self.blocks[..count]
    }

    /// Argon2id with the crate's default parameters and a fresh salt; the PHC string.
    pub(crate) fn hash(&mut self, secret: &[u8]) -> Result<String, String> {
        let params = Params::default();
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0_u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| e.to_string())?;
        let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
        argon2
            .hash_password_into_with_memory(secret, salt_bytes, &mut out, self.blocks(params.block_count()))
            .map_err(|e| e.to_string())?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
        };
        Ok(hash.to_string())
    }

    /// Whether `secret` matches the PHC string `phc` (compared in constant time; a malformed hash, or one
    /// asking for more than 64 MiB, never matches).
    pub(crate) fn verify(&mut self, phc: &str, secret: &[u8]) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else { return false };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(version) => version.unwrap_or_default(),
            Err(_) => return false,
        };
        let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&parsed), parsed.salt, parsed.hash) else {
            return false;
        };
        if params.block_count() > MAX_BLOCKS {
            return false;
        }
        let mut salt_bytes = [0_u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return false };
        let mut out = vec![0_u8; expected.len()];
        let argon2 = Argon2::new(algorithm, version, params.clone());
        if argon2
            .hash_password_into_with_memory(secret, salt_bytes, &mut out, self.blocks(params.block_count()))
            .is_err()
        {
            return false;
        }
        Output::new(&out).is_ok_and(|computed| computed == expected)
    }
}

/// Runs Argon2id hashes on a fixed set of threads, at most [`HashLimits::slots`] at a time.
pub struct HashPool {
    limits: HashLimits,
    permits: Semaphore,
    /// The threads are started on first use (tests build many apps that never hash).
    jobs: OnceLock<Mutex<mpsc::Sender<Job>>>,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Default for HashPool {
    fn default() -> Self {
        Self::new(HashLimits::default())
    }
}

impl std::fmt::Debug for HashPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashPool").field("limits", &self.limits).field("peak", &self.peak_in_flight()).finish()
    }
}

impl HashPool {
    /// A pool with these limits (`slots` is at least 1).
    pub fn new(limits: HashLimits) -> Self {
        let limits = HashLimits { slots: limits.slots.max(1), ..limits };
        Self {
            limits,
            permits: Semaphore::new(limits.slots),
            jobs: OnceLock::new(),
            in_flight: Arc::default(),
            peak: Arc::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> HashLimits {
        self.limits
    }

    /// The most hashes that ever ran at the same time in this pool.
    pub fn peak_in_flight(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    fn sender(&self) -> &Mutex<mpsc::Sender<Job>> {
        self.jobs.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            for index in 0..self.limits.slots {
                let rx = Arc::clone(&rx);
                let spawned = std::thread::Builder::new().name(format!("tagdesk-hash-{index}")).spawn(move || {
                    let mut area = WorkArea::default();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut area),
                            Err(_) => return, // the pool is gone
                        }
                    }
                });
                if let Err(err) = spawned {
                    tracing::error!(error = %err, "could not start a hashing thread");
                }
            }
            Mutex::new(tx)
        })
    }

    /// Runs `work` on a hashing thread once a slot is free; [`AppError::Busy`] when none frees up within
    /// [`HashLimits::wait`].
    async fn run<T: Send + 'static>(&self, work: impl FnOnce(&mut WorkArea) -> T + Send + 'static) -> AppResult<T> {
        let busy = || AppError::Busy { retry_after_s: BUSY_RETRY_AFTER_S };
        let _permit = match tokio::time::timeout(self.limits.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                tracing::warn!(slots = self.limits.slots, "every password-hashing slot is busy; request refused");
                return Err(busy());
            }
        };
        let (done_tx, done_rx) = oneshot::channel();
        let (in_flight, peak) = (Arc::clone(&self.in_flight), Arc::clone(&self.peak));
        let job: Job = Box::new(move |area: &mut WorkArea| {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = work(area);
            in_flight.fetch_sub(1, Ordering::SeqCst);
            let _ = done_tx.send(out);
        });
        self.sender()
            .lock()
            .map_err(|_| AppError::Internal("hashing pool poisoned".into()))?
            .send(job)
            .map_err(|_| AppError::Internal("hashing threads are gone".into()))?;
        // A request dropped while its hash runs (its client went away) frees its permit early, but the
        // hash still runs on one of the `slots` threads: the threads bound the memory, the permits the queue.
        done_rx.await.map_err(|_| AppError::Internal("hashing thread failed".into()))
    }

    /// Hashes a secret (password or PIN) with Argon2id and a fresh salt; returns the PHC string.
    pub async fn hash(&self, secret: String) -> AppResult<String> {
        self.run(move |area| area.hash(secret.as_bytes())).await?.map_err(AppError::Internal)
    }

    /// Whether `secret` matches a PHC string (a malformed hash never matches).
    pub async fn verify(&self, hash: String, secret: String) -> AppResult<bool> {
        self.run(move |area| area.verify(&hash, secret.as_bytes())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_more_hashes_in_flight_than_slots_and_late_requests_are_told_busy() {
        let pool = Arc::new(HashPool::new(HashLimits { slots: 2, wait: Duration::from_millis(30) }));
        let hash = pool.hash("correct horse".into()).await.expect("hash");
        let tasks: Vec<_> = (0..24)
            .map(|_| {
                let (pool, hash) = (Arc::clone(&pool), hash.clone());
                tokio::spawn(async move { pool.verify(hash, "wrong horse".into()).await })
            })
            .collect();
        let mut busy = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(matched) => assert!(!matched),
                Err(AppError::Busy { retry_after_s }) => {
                    assert_eq!(retry_after_s, BUSY_RETRY_AFTER_S);
                    busy += 1;
                }
                Err(other) => panic!("unexpected {other}"),
            }
        }
        assert_eq!(pool.peak_in_flight(), 2, "two slots run in parallel, never more");
        assert!(busy > 0, "24 hashes cannot all fit into a 30 ms wait behind two slots");
        assert!(pool.verify(hash, "correct horse".into()).await.expect("verify"));
    }

    #[test]
    fn hashes_are_standard_phc_strings_that_the_argon2_crate_verifies_and_vice_versa() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut area = WorkArea::default();
        let ours = area.hash(b"correct horse").expect("hash");
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).expect("PHC");
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok(), "the crate accepts ours");
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &SaltString::generate(&mut OsRng))
            .expect("hash")
            .to_string();
        assert!(area.verify(&theirs, b"battery staple"), "we accept the crate's (existing stored hashes)");
        assert!(!area.verify(&theirs, b"battery stapler"));
        assert!(!area.verify(&ours, b"correct horsE"));
        let greedy = ours.replace("m=19456", "m=1048576");
        assert!(!area.verify(&greedy, b"correct horse"), "a hash asking for 1 GiB is refused");
    }

    #[tokio::test]
    async fn a_malformed_hash_never_matches() {
        let pool = HashPool::new(HashLimits { slots: 1, wait: Duration::from_secs(1) });
        assert!(!pool.verify("not a phc string".into(), "x".into()).await.expect("verify"));
    }
}
