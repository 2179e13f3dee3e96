//! A short-lived, in-process cache of what every portal page needs: the resolved label token (device,
//! deployment, settings, templates), positive session checks and each device's recent-case list. With
//! it, a device page usually needs no database round trip at all (about eight without it).
//!
//! Entries live [`TTL_MS`]. Every change that could alter a cached answer on this instance clears the
//! affected part at once: portal settings, tokens, devices, deployments and templates clear everything,
//! a case created or changed clears the recent-case lists. Other instances converge within the TTL.
//! Negative session answers are never cached, so a visitor who just entered the PIN is let in at once,
//! and a deleted session (PIN change, disabled portal) is refused at once here because those changes
//! clear the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::visit::{RecentCase, TokenLookup};

/// How long a cached answer is used.
pub const TTL_MS: i64 = 5_000;
/// Entries per map before stale ones are dropped (bounds memory under a flood of distinct tokens).
const MAX_ENTRIES: usize = 50_000;
/// Recent-case lists kept at most (each up to [`super::visit::RECENT_CASES_MAX`] cases).
const MAX_RECENT_LISTS: usize = 10_000;

/// Recent-case lists by (deployment id, device id), with the time they were read.
type RecentLists = HashMap<(String, String), (i64, Arc<[RecentCase]>)>;

/// The cache; one per [`crate::App`] (shared by its clones).
#[derive(Debug, Default)]
pub struct PortalCache {
    visits: Mutex<HashMap<String, (i64, TokenLookup)>>,
    sessions: Mutex<HashMap<(String, String), i64>>,
    recent: Mutex<RecentLists>,
}

fn fresh(stored_at: i64, now: i64) -> bool {
    now >= stored_at && now - stored_at < TTL_MS
}

/// Makes room for one more entry: drops stale entries when the map is full, everything if that is not
/// enough.
fn make_room<K, V>(map: &mut HashMap<K, V>, max: usize, now: i64, stored_at: impl Fn(&V) -> i64) {
    if map.len() >= max {
        map.retain(|_, value| fresh(stored_at(value), now));
        if map.len() >= max {
            map.clear();
        }
    }
}

impl PortalCache {
    /// The cached lookup of a canonical token, if fresh.
    pub fn visit(&self, token: &str, now: i64) -> Option<TokenLookup> {
        let visits = self.visits.lock().ok()?;
        visits.get(token).filter(|(at, _)| fresh(*at, now)).map(|(_, lookup)| lookup.clone())
    }

    /// Remembers a lookup.
    pub fn put_visit(&self, token: &str, lookup: &TokenLookup, now: i64) {
        if let Ok(mut visits) = self.visits.lock() {
            make_room(&mut visits, MAX_ENTRIES, now, |(at, _)| *at);
            visits.insert(token.to_owned(), (now, lookup.clone()));
        }
    }

    /// Whether a session (by hash) was recently confirmed valid for the deployment.
    pub fn session_valid(&self, id_hash: &str, deployment: &str, now: i64) -> bool {
        self.sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&(id_hash.to_owned(), deployment.to_owned())).copied())
            .is_some_and(|at| fresh(at, now))
    }

    /// Remembers a valid session.
    pub fn put_session(&self, id_hash: &str, deployment: &str, now: i64) {
        if let Ok(mut sessions) = self.sessions.lock() {
            make_room(&mut sessions, MAX_ENTRIES, now, |at| *at);
            sessions.insert((id_hash.to_owned(), deployment.to_owned()), now);
        }
    }

    /// The cached recent-case list of a device at a deployment, if fresh.
    pub fn recent_cases(&self, deployment: &str, device: &str, now: i64) -> Option<Arc<[RecentCase]>> {
        let recent = self.recent.lock().ok()?;
        recent
            .get(&(deployment.to_owned(), device.to_owned()))
            .filter(|(at, _)| fresh(*at, now))
            .map(|(_, cases)| Arc::clone(cases))
    }

    /// Remembers a device's recent-case list.
    pub fn put_recent_cases(&self, deployment: &str, device: &str, cases: &Arc<[RecentCase]>, now: i64) {
        if let Ok(mut recent) = self.recent.lock() {
            make_room(&mut recent, MAX_RECENT_LISTS, now, |(at, _)| *at);
            recent.insert((deployment.to_owned(), device.to_owned()), (now, Arc::clone(cases)));
        }
    }

    /// Forgets all recent-case lists (after a case was created or changed).
    pub fn cases_changed(&self) {
        if let Ok(mut recent) = self.recent.lock() {
            recent.clear();
        }
    }

    /// Forgets everything (after any change that could alter an answer).
    pub fn clear(&self) {
        if let Ok(mut visits) = self.visits.lock() {
            visits.clear();
        }
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.clear();
        }
        self.cases_changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let cache = PortalCache::default();
        cache.put_visit("ABC", &TokenLookup::Unknown, 1_000);
        assert!(cache.visit("ABC", 1_000 + TTL_MS - 1).is_some());
        assert!(cache.visit("ABC", 1_000 + TTL_MS).is_none());
        cache.put_session("h", "d", 1_000);
        assert!(cache.session_valid("h", "d", 2_000));
        assert!(!cache.session_valid("h", "other", 2_000));
        cache.clear();
        assert!(!cache.session_valid("h", "d", 2_000));
        assert!(cache.visit("ABC", 1_000).is_none());
    }

    #[test]
    fn a_full_map_drops_stale_entries_first() {
        let mut map: HashMap<u32, i64> = (0..4).map(|k| (k, if k < 2 { 0 } else { 10_000 })).collect();
        make_room(&mut map, 4, 10_000, |at| *at);
        let mut kept: Vec<u32> = map.keys().copied().collect();
        kept.sort_unstable();
        assert_eq!(kept, [2, 3], "the two stale entries go, the fresh stay");
        map.insert(4, 10_000);
        map.insert(5, 10_000);
        make_room(&mut map, 4, 10_000, |at| *at);
        assert!(map.is_empty(), "all fresh and still full: start over");
        make_room(&mut map, 4, 10_000, |at| *at);
        assert!(map.is_empty());
    }

    #[test]
    fn recent_cases_are_per_device_and_forgotten_on_case_changes() {
        let cache = PortalCache::default();
        let cases: Arc<[RecentCase]> = Arc::from(Vec::new());
        cache.put_recent_cases("dep", "dev", &cases, 1_000);
        assert!(cache.recent_cases("dep", "dev", 1_000 + TTL_MS - 1).is_some());
        assert!(cache.recent_cases("dep", "dev", 1_000 + TTL_MS).is_none());
        assert!(cache.recent_cases("dep", "other", 1_000).is_none());
        assert!(cache.recent_cases("other", "dev", 1_000).is_none());
        cache.put_visit("ABC", &TokenLookup::Unknown, 1_000);
        cache.cases_changed();
        assert!(cache.recent_cases("dep", "dev", 1_000).is_none());
        assert!(cache.visit("ABC", 1_000).is_some(), "a case change keeps the label lookups");
        cache.put_recent_cases("dep", "dev", &cases, 1_000);
        cache.clear();
        assert!(cache.recent_cases("dep", "dev", 1_000).is_none());
    }
}
