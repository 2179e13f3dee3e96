//! The portal's cookies. All are HttpOnly and SameSite=Lax, and Secure when the public URL is https:
//!
//! | name | content | lifetime |
//! |---|---|---|
//! | `tagdesk_portal` | visitor sessions: up to 8 random 256-bit ids, `.`-separated, one per deployment (stored hashed) | configured, default 30 days |
//! | `tagdesk_portal_trust` | trusted-browser tokens, one per deployment (stored hashed) | 1 year |
//! | `tagdesk_lang` | the language picked with the switcher (`en`, `de`) | 1 year |
//! | `tagdesk_portal_csrf` | random value for the PIN form's double-submit check | 1 day |
//! | `tagdesk_portal_done` | the confirmation of the report just sent (case number and follow-up token, signed), path `/d/<token>/done` only | 10 minutes |
//! | `tagdesk_portal_dup` | the case number when the same report was sent again (signed), same path | 10 minutes |
//! | `tagdesk_portal_visitor` | scan tracking's browser identity: a keyed hash of the first view's address and user agent (see `portal::scans`) | 1 year |

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use crate::AppState;

/// Visitor sessions.
pub const SESSION: &str = tagdesk_app::portal::session::COOKIE_NAME;
/// Trusted-browser tokens.
pub const TRUST: &str = tagdesk_app::portal::session::TRUST_COOKIE_NAME;
/// The visitor's language choice.
pub const LANG: &str = "tagdesk_lang";
/// Double-submit value for the PIN form.
pub const PIN_CSRF: &str = "tagdesk_portal_csrf";
/// The confirmation of a report just sent.
pub const DONE: &str = "tagdesk_portal_done";
/// The confirmation of a report sent again (same idempotency key).
pub const DONE_DUPLICATE: &str = "tagdesk_portal_dup";
/// Scan tracking's browser identity (repeated views within 10 minutes count once).
pub const VISITOR: &str = "tagdesk_portal_visitor";

/// Most session ids one cookie carries.
pub const MAX_SESSIONS: usize = 8;
/// One year, in seconds.
pub const YEAR_S: i64 = 365 * 24 * 3600;
/// One day, in seconds.
pub const DAY_S: i64 = 24 * 3600;

/// Whether cookies get `Secure`: when the public URL is https (or the deployment says so).
pub fn secure(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://") || state.config.secure_cookies
}

/// Reads a cookie.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    crate::session::cookie(headers, name)
}

/// A `Set-Cookie` header value; `max_age_s` `None` makes a browser-session cookie, `Some(0)` deletes.
pub fn header(name: &str, value: &str, path: &str, max_age_s: Option<i64>, secure: bool) -> Option<HeaderValue> {
    let mut text = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
    if let Some(max_age) = max_age_s {
        text.push_str(&format!("; Max-Age={max_age}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).ok()
}

/// Adds a cookie to a response.
pub fn set(response: &mut Response, name: &str, value: &str, path: &str, max_age_s: Option<i64>, secure: bool) {
    if let Some(value) = header(name, value, path, max_age_s, secure) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

fn well_formed(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The well-formed session ids in the session cookie, newest last.
pub fn session_ids(cookie_value: &str) -> Vec<&str> {
    let all: Vec<&str> = cookie_value.split('.').map(str::trim).filter(|t| well_formed(t)).collect();
    let skip = all.len().saturating_sub(MAX_SESSIONS);
    all.into_iter().skip(skip).collect()
}

/// The session cookie value with `id` added (replacing the ids in `stale`), keeping the newest
/// [`MAX_SESSIONS`].
pub fn add_session(cookie_value: &str, id: &str, stale: &[&str]) -> String {
    let mut ids: Vec<&str> = session_ids(cookie_value).into_iter().filter(|t| *t != id && !stale.contains(t)).collect();
    ids.push(id);
    let skip = ids.len().saturating_sub(MAX_SESSIONS);
    ids[skip..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_keeps_one_id_per_deployment_up_to_eight() {
        let ids: Vec<String> = (0..10).map(|i| format!("{i:064x}")).collect();
        let mut cookie = "junk".to_owned();
        for id in &ids {
            cookie = add_session(&cookie, id, &[]);
        }
        let kept = session_ids(&cookie);
        assert_eq!(kept.len(), MAX_SESSIONS);
        assert_eq!(kept.last().copied(), Some(ids[9].as_str()));
        let replaced = add_session(&cookie, &ids[0], &[ids[9].as_str()]);
        assert!(!replaced.contains(&ids[9]));
        assert!(replaced.ends_with(&ids[0]));
    }

    #[test]
    fn cookie_attributes() {
        let value = header(LANG, "de", "/", Some(YEAR_S), true).expect("header");
        assert_eq!(
            value.to_str().ok(),
            Some("tagdesk_lang=de; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000; Secure")
        );
        let value = header(PIN_CSRF, "x", "/", None, false).expect("header");
        assert_eq!(value.to_str().ok(), Some("tagdesk_portal_csrf=x; Path=/; HttpOnly; SameSite=Lax"));
    }
}
