//! A short-lived, in-process cache of what every portal page needs: the resolved label token (device,
//! deployment, settings, templates) and positive session checks. It turns the device page from about
//! eight database round trips into one (its recent cases).
//!
//! Entries live [`TTL_MS`]. Every change that could alter a cached answer on this instance clears the
//! cache at once (portal settings, tokens, devices, deployments, templates); other instances converge
//! within the TTL. Negative session answers are never cached, so a visitor who just entered the PIN is
//! let in at once, and a deleted session (PIN change, disabled portal) is refused at once here because
//! those changes clear the cache.

use std::collections::HashMap;
use std::sync::Mutex;

use super::visit::TokenLookup;

/// How long a cached answer is used.
pub const TTL_MS: i64 = 5_000;
/// Entries per map before the cache starts over (bounds memory under a flood of distinct tokens).
const MAX_ENTRIES: usize = 50_000;

/// The cache; one per [`crate::App`] (shared by its clones).
#[derive(Debug, Default)]
pub struct PortalCache {
    visits: Mutex<HashMap<String, (i64, TokenLookup)>>,
    sessions: Mutex<HashMap<(String, String), i64>>,
}

fn fresh(stored_at: i64, now: i64) -> bool {
    now >= stored_at && now - stored_at < TTL_MS
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
            if visits.len() >= MAX_ENTRIES {
                visits.clear();
            }
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
            if sessions.len() >= MAX_ENTRIES {
                sessions.clear();
            }
            sessions.insert((id_hash.to_owned(), deployment.to_owned()), now);
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
}
