//! A short-lived, in-process cache of what every portal page needs: the resolved label token (device,
//! deployment, settings, templates), positive session checks and each device's recent-case list. With
//! it, a device page usually needs no database round trip at all (about eight without it).
//!
//! Entries live [`TTL_MS`], less a random part of up to [`JITTER_MS`] so that entries stored together
//! (all labels of a busy site) do not all expire in the same instant and send a burst of queries to the
//! database. Every change that could alter a cached answer on this instance clears the affected part at
//! once: portal settings, tokens, devices, deployments and templates clear everything, a case created or
//! changed clears the recent-case lists. Other instances converge within the TTL. Negative session
//! answers are never cached, so a visitor who just entered the PIN is let in at once, and a deleted
//! session (PIN change, disabled portal) is refused at once here because those changes clear the cache.
//!
//! A reader takes a [`Ticket`] *before* it reads the database and stores its answer with it; an answer
//! whose ticket is older than the last clear is not stored, because it may have been read before the change
//! that caused the clear was committed.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tagdesk_domain::{DeploymentId, DeviceId};

use super::visit::{RecentCase, TokenLookup};

/// The longest time a cached answer is used.
pub const TTL_MS: i64 = 5_000;
/// Up to this much is taken off each entry's lifetime at random.
pub const JITTER_MS: i64 = 1_500;
/// Lookups and sessions kept at most (bounds memory under a flood of distinct tokens).
const MAX_ENTRIES: usize = 50_000;
/// Recent-case lists kept at most (each up to [`super::visit::RECENT_CASES_MAX`] cases).
const MAX_RECENT_LISTS: usize = 10_000;

/// Taken before a database read whose answer is to be cached (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The cache; one per [`crate::App`] (shared by its clones).
#[derive(Debug)]
pub struct PortalCache {
    /// Bumped by every clear.
    generation: AtomicU64,
    /// Canonical token → lookup.
    visits: Shelf<String, TokenLookup>,
    /// (session id hash, deployment id) → confirmed valid.
    sessions: Shelf<(String, String), ()>,
    /// (deployment, device) → the device page's case list.
    recent: Shelf<(DeploymentId, DeviceId), Arc<[RecentCase]>>,
}

impl Default for PortalCache {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            visits: Shelf::new(MAX_ENTRIES),
            sessions: Shelf::new(MAX_ENTRIES),
            recent: Shelf::new(MAX_RECENT_LISTS),
        }
    }
}

impl PortalCache {
    /// A ticket for a database read that starts now.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::SeqCst))
    }

    /// Whether nothing was cleared since `ticket` was taken.
    fn current(&self, ticket: Ticket) -> bool {
        self.generation.load(Ordering::SeqCst) == ticket.0
    }

    /// The cached lookup of a canonical token, if fresh.
    pub fn visit(&self, token: &str, now: i64) -> Option<TokenLookup> {
        self.visits.get(token, now)
    }

    /// Remembers a lookup read under `ticket`.
    pub fn put_visit(&self, ticket: Ticket, token: &str, lookup: &TokenLookup, now: i64) {
        self.visits.put(token.to_owned(), lookup.clone(), now, || self.current(ticket));
    }

    /// Whether a session (by hash) was recently confirmed valid for the deployment.
    pub fn session_valid(&self, id_hash: &str, deployment: &str, now: i64) -> bool {
        self.sessions.get(&(id_hash.to_owned(), deployment.to_owned()), now).is_some()
    }

    /// Remembers a session found valid under `ticket`.
    pub fn put_session(&self, ticket: Ticket, id_hash: &str, deployment: &str, now: i64) {
        self.sessions.put((id_hash.to_owned(), deployment.to_owned()), (), now, || self.current(ticket));
    }

    /// The cached recent-case list of a device at a deployment, if fresh.
    pub fn recent_cases(&self, deployment: DeploymentId, device: DeviceId, now: i64) -> Option<Arc<[RecentCase]>> {
        self.recent.get(&(deployment, device), now)
    }

    /// Remembers a device's recent-case list read under `ticket`.
    pub fn put_recent_cases(
        &self,
        ticket: Ticket,
        deployment: DeploymentId,
        device: DeviceId,
        cases: &Arc<[RecentCase]>,
        now: i64,
    ) {
        self.recent.put((deployment, device), Arc::clone(cases), now, || self.current(ticket));
    }

    /// Forgets all recent-case lists (after a case was created or changed).
    pub fn cases_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.recent.clear();
    }

    /// Forgets everything (after any change that could alter an answer).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.visits.clear();
        self.sessions.clear();
        self.recent.clear();
    }
}

/// One cached answer and its lifetime (UTC ms).
#[derive(Debug)]
struct Entry<V> {
    stored_at: i64,
    expires_at: i64,
    value: V,
}

impl<V> Entry<V> {
    /// Fresh at `now`; a clock that went back before the entry was stored makes it stale too.
    fn fresh(&self, now: i64) -> bool {
        now >= self.stored_at && now < self.expires_at
    }
}

/// A bounded map of entries that expire.
#[derive(Debug)]
struct Shelf<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    max: usize,
}

impl<K: Hash + Eq, V: Clone> Shelf<K, V> {
    fn new(max: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), max }
    }

    fn get<Q>(&self, key: &Q, now: i64) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|entry| entry.fresh(now)).map(|entry| entry.value.clone())
    }

    /// Stores `value` for [`TTL_MS`] less a random jitter, if `still_current()` holds under the shelf's
    /// lock (a clear bumps the generation before it takes the lock, so an answer read before a change is
    /// either refused here or removed by that clear). When the shelf is full, stale entries go first,
    /// everything if that is not enough.
    fn put(&self, key: K, value: V, now: i64, still_current: impl FnOnce() -> bool) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if !still_current() {
            return;
        }
        if entries.len() >= self.max {
            entries.retain(|_, entry| entry.fresh(now));
            if entries.len() >= self.max {
                entries.clear();
            }
        }
        let expires_at = now + TTL_MS - rand::random_range(0..=JITTER_MS);
        entries.insert(key, Entry { stored_at: now, expires_at, value });
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Surely fresh / surely stale after storing at `at`, whatever the jitter.
    const FRESH: i64 = TTL_MS - JITTER_MS - 1;

    #[test]
    fn entries_expire_and_clear() {
        let cache = PortalCache::default();
        cache.put_visit(cache.ticket(), "ABC", &TokenLookup::Unknown, 1_000);
        assert!(cache.visit("ABC", 1_000 + FRESH).is_some());
        assert!(cache.visit("ABC", 1_000 + TTL_MS).is_none());
        assert!(cache.visit("ABC", 999).is_none(), "a clock that went back");
        cache.put_session(cache.ticket(), "h", "d", 1_000);
        assert!(cache.session_valid("h", "d", 2_000));
        assert!(!cache.session_valid("h", "other", 2_000));
        cache.clear();
        assert!(!cache.session_valid("h", "d", 2_000));
        assert!(cache.visit("ABC", 1_000).is_none());
    }

    #[test]
    fn an_answer_read_before_a_clear_is_not_stored() {
        let cache = PortalCache::default();
        let cases: Arc<[RecentCase]> = Arc::from(Vec::new());
        let (dep, dev) = (DeploymentId::new(), DeviceId::new());
        let before = cache.ticket();
        cache.cases_changed();
        cache.put_recent_cases(before, dep, dev, &cases, 1_000);
        cache.put_visit(before, "ABC", &TokenLookup::Unknown, 1_000);
        assert!(cache.recent_cases(dep, dev, 1_000).is_none(), "stale list refused");
        assert!(cache.visit("ABC", 1_000).is_none(), "stale lookup refused");
        let before = cache.ticket();
        cache.clear();
        cache.put_session(before, "h", "d", 1_000);
        assert!(!cache.session_valid("h", "d", 1_000), "stale session refused");
        let after = cache.ticket();
        cache.put_session(after, "h", "d", 1_000);
        assert!(cache.session_valid("h", "d", 1_000), "a read after the clear is stored");
    }

    #[test]
    fn lifetimes_are_spread_so_entries_stored_together_do_not_expire_together() {
        let shelf: Shelf<u32, ()> = Shelf::new(1_000);
        for key in 0..200 {
            shelf.put(key, (), 0, || true);
        }
        let entries = shelf.entries.lock().expect("lock");
        let expiries: std::collections::BTreeSet<i64> = entries.values().map(|e| e.expires_at).collect();
        assert!(expiries.iter().all(|at| (TTL_MS - JITTER_MS..=TTL_MS).contains(at)), "{expiries:?}");
        assert!(expiries.len() > 50, "200 entries share only {} expiry times", expiries.len());
    }

    #[test]
    fn a_full_shelf_drops_stale_entries_first() {
        let shelf: Shelf<u32, ()> = Shelf::new(4);
        shelf.put(0, (), 0, || true);
        shelf.put(1, (), 0, || true);
        shelf.put(2, (), 10_000, || true);
        shelf.put(3, (), 10_000, || true);
        shelf.put(4, (), 10_000, || true);
        assert_eq!(shelf.len(), 3, "the two stale entries went, the fresh stayed");
        assert!(shelf.get(&2, 10_000).is_some() && shelf.get(&4, 10_000).is_some());
        shelf.put(5, (), 10_000, || true);
        shelf.put(6, (), 10_000, || true);
        assert_eq!(shelf.len(), 1, "all fresh and still full: start over");
        assert!(shelf.get(&6, 10_000).is_some());
    }

    #[test]
    fn recent_cases_are_per_device_and_forgotten_on_case_changes() {
        let cache = PortalCache::default();
        let cases: Arc<[RecentCase]> = Arc::from(Vec::new());
        let (dep, dev) = (DeploymentId::new(), DeviceId::new());
        let (other_dep, other_dev) = (DeploymentId::new(), DeviceId::new());
        cache.put_recent_cases(cache.ticket(), dep, dev, &cases, 1_000);
        assert!(cache.recent_cases(dep, dev, 1_000 + FRESH).is_some());
        assert!(cache.recent_cases(dep, dev, 1_000 + TTL_MS).is_none());
        assert!(cache.recent_cases(dep, other_dev, 1_000).is_none());
        assert!(cache.recent_cases(other_dep, dev, 1_000).is_none());
        cache.put_visit(cache.ticket(), "ABC", &TokenLookup::Unknown, 1_000);
        cache.cases_changed();
        assert!(cache.recent_cases(dep, dev, 1_000).is_none());
        assert!(cache.visit("ABC", 1_000).is_some(), "a case change keeps the label lookups");
        cache.put_recent_cases(cache.ticket(), dep, dev, &cases, 1_000);
        cache.clear();
        assert!(cache.recent_cases(dep, dev, 1_000).is_none());
    }
}
