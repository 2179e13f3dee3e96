//! Scan tracking from the portal's side: who a visitor is, what their user agent says, and the keyed
//! hashes stored with each event. Recording only hands an event to `tagdesk_app::scans` (an in-memory
//! channel); it never waits for the database.
//!
//! **Which browser is it?** Repeated views of a device from one browser within 10 minutes count once. A
//! browser is its visitor cookie ([`cookies::VISITOR`], a year, HttpOnly) when it sends one, else its
//! address and user agent. The first view of a browser without the cookie plants one whose value *is* the
//! keyed hash of that address and user agent, so the browser keeps the same identity when it sends the
//! cookie next time or changes networks, and a browser that refuses cookies is still recognised by address
//! and user agent. Bots get no cookie. The cost: two people with identical phones behind one address share
//! an identity (their views within 10 minutes of each other count once).
//!
//! **What is stored**: `visitor_key` = HMAC-SHA-256(secret key, "scan-visitor" ‖ identity) and `client_key`
//! = HMAC-SHA-256(secret key, "scan-client" ‖ address), each cut to 128 bits, hex. Never the address, the
//! user agent or the cookie itself.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use tagdesk_app::portal::PortalVisit;
use tagdesk_app::scans::PortalEvent;
use tagdesk_domain::{DeviceClass, ScanKind, user_agent};

use super::{cookies, csrf};
use crate::AppState;

/// Longest user agent used (longer ones are cut: identity and class need no more).
const USER_AGENT_MAX: usize = 512;

/// What scan tracking needs to know about a portal request.
#[derive(Debug, Clone)]
pub struct ScanClient {
    address: Option<IpAddr>,
    /// The `User-Agent` header as sent (a cheap clone of the request's; read with [`Self::agent`]).
    user_agent: Option<HeaderValue>,
    /// The visitor cookie, when well-formed.
    cookie: Option<String>,
    /// Only GET views count (not HEAD).
    is_get: bool,
}

/// Whether a visitor cookie value has our shape (32 hex characters).
fn well_formed(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// HMAC-SHA-256(key, purpose ‖ 0 ‖ parts joined by 0), the first 128 bits in hex.
fn keyed(key: &[u8], purpose: &str, parts: &[&[u8]]) -> String {
    let mut message = Vec::with_capacity(64);
    message.extend_from_slice(purpose.as_bytes());
    for part in parts {
        message.push(0);
        message.extend_from_slice(part);
    }
    hex::encode(&csrf::hmac(key, &message)[..16])
}

impl FromRequestParts<AppState> for ScanClient {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user_agent = parts.headers.get(USER_AGENT).cloned();
        let cookie = cookies::get(&parts.headers, cookies::VISITOR).filter(|c| well_formed(c)).map(str::to_owned);
        Ok(Self {
            address: crate::client::client_address(parts, state.config.trust_proxy_headers),
            user_agent,
            cookie,
            is_get: parts.method == Method::GET,
        })
    }
}

impl ScanClient {
    /// The user agent, trimmed and cut to [`USER_AGENT_MAX`] bytes ("" when absent or not visible ASCII,
    /// which `HeaderValue::to_str` guarantees, so the cut falls on a character boundary).
    fn agent(&self) -> &str {
        let text = self.user_agent.as_ref().and_then(|v| v.to_str().ok()).unwrap_or_default().trim();
        text.get(..USER_AGENT_MAX).unwrap_or(text)
    }

    fn address_text(&self) -> String {
        self.address.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
    }

    /// The identity of a browser without the cookie: the keyed hash of its address and user agent (also
    /// the value of the cookie it gets).
    fn fallback_identity(&self, key: &[u8]) -> String {
        keyed(key, "scan-browser", &[self.address_text().as_bytes(), self.agent().as_bytes()])
    }

    /// The event for `kind` from this browser at `visit`'s device; `identity` is the browser's.
    fn event(&self, state: &AppState, visit: &PortalVisit, kind: ScanKind, identity: &str) -> PortalEvent {
        let key = &state.config.secret_key;
        PortalEvent {
            workspace_id: visit.deployment.workspace_id,
            deployment_id: visit.deployment.id,
            device_id: visit.device.id,
            kind,
            occurred_at: state.app.now(),
            client_key: keyed(key, "scan-client", &[self.address_text().as_bytes()]),
            visitor_key: keyed(key, "scan-visitor", &[identity.as_bytes()]),
            device_class: user_agent::classify(self.agent()),
        }
    }

    /// Records what a visitor did (PIN accepted or rejected, lock-out, case submitted, note added); a kind
    /// that counts once per 10 minutes ([`ScanKind::deduplicated`], i.e. a lock-out) goes through the
    /// repeat filter first.
    pub fn record(&self, state: &AppState, visit: &PortalVisit, kind: ScanKind) {
        if kind.deduplicated() {
            self.record_unless_repeat(state, visit, kind);
            return;
        }
        let identity = match &self.cookie {
            Some(cookie) => cookie.clone(),
            None => self.fallback_identity(&state.config.secret_key),
        };
        state.app.scans.record(self.event(state, visit, kind, &identity));
    }

    /// Records a view (label scanned, report form opened) of a GET request unless this browser had a
    /// counted one of the device in the last 10 minutes. Returns the visitor cookie to plant
    /// ([`Self::finish`]) when the browser has none and is not a bot.
    pub fn record_view(&self, state: &AppState, visit: &PortalVisit, kind: ScanKind) -> Option<String> {
        if !self.is_get {
            return None;
        }
        self.record_unless_repeat(state, visit, kind)
    }

    /// Records `kind` unless it repeats within 10 minutes (checked in memory; a repeat costs no hashing);
    /// the visitor cookie to plant, as [`Self::record_view`].
    fn record_unless_repeat(&self, state: &AppState, visit: &PortalVisit, kind: ScanKind) -> Option<String> {
        let now = state.app.now();
        let device = visit.device.id;
        // Hashed in memory only (no allocation, no HMAC): the cookie, else address and user agent.
        let repeat = match &self.cookie {
            Some(cookie) => state.app.scans.repeat_view(kind, device, cookie.as_str(), now),
            None => state.app.scans.repeat_view(kind, device, &(self.address, self.agent()), now),
        };
        if repeat {
            return None;
        }
        let (identity, plant) = match &self.cookie {
            Some(cookie) => (cookie.clone(), false),
            None => {
                let identity = self.fallback_identity(&state.config.secret_key);
                // The next request may come with the cookie: the same browser.
                state.app.scans.remember_view(kind, device, identity.as_str(), now);
                (identity, true)
            }
        };
        let event = self.event(state, visit, kind, &identity);
        let bot = event.device_class == DeviceClass::Bot;
        state.app.scans.record(event);
        (plant && !bot).then_some(identity)
    }

    /// Adds the visitor cookie from [`Self::record_view`] to a page (not to redirects or errors, which
    /// may be cached differently; the next view plants it then).
    pub fn finish(&self, state: &AppState, mut response: Response, cookie: Option<String>) -> Response {
        if let Some(value) = cookie
            && response.status() == StatusCode::OK
        {
            let max_age = Some(cookies::YEAR_S);
            cookies::set(&mut response, cookies::VISITOR, &value, "/", max_age, cookies::secure(state));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_keyed_truncated_and_separated_by_purpose() {
        let a = keyed(b"key-1", "scan-client", &[b"203.0.113.7"]);
        assert_eq!(a.len(), 32);
        assert!(well_formed(&a));
        assert!(!a.contains("203"));
        assert_ne!(a, keyed(b"key-2", "scan-client", &[b"203.0.113.7"]));
        assert_ne!(a, keyed(b"key-1", "scan-visitor", &[b"203.0.113.7"]));
        // Parts are separated, so ("ab", "c") and ("a", "bc") differ.
        assert_ne!(keyed(b"k", "p", &[b"ab", b"c"]), keyed(b"k", "p", &[b"a", b"bc"]));
        assert!(!well_formed("xyz") && !well_formed(&"g".repeat(32)));
    }
}
