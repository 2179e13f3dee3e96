//! Cookie hardening when the public URL is https, in one place at the edge instead of in every handler:
//!
//! - every `Set-Cookie` gets `Secure`;
//! - site-wide cookies (`Path=/`) are renamed `__Host-<name>`, which browsers accept only from a secure
//!   origin, without `Domain`, for the whole host — so a sibling subdomain or a plain-http page cannot
//!   plant or overwrite them;
//! - on requests, `__Host-<name>` is read as `<name>`, and an unprefixed cookie of one of those names is
//!   ignored (under https it cannot be ours).
//!
//! Handlers keep using the plain names. Over plain http nothing changes.

use axum::extract::Request;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The browser-enforced prefix.
pub const HOST_PREFIX: &str = "__Host-";

/// The cookies that are set for the whole site (`Path=/`) and so carry the prefix under https.
pub const SITE_COOKIES: [&str; 8] = [
    crate::session::SESSION_COOKIE,
    crate::session::FLASH_COOKIE,
    crate::session::ANONYMOUS_CSRF_COOKIE,
    crate::portal::cookies::SESSION,
    crate::portal::cookies::TRUST,
    crate::portal::cookies::LANG,
    crate::portal::cookies::PIN_CSRF,
    crate::portal::cookies::VISITOR,
];

/// Rewrites the request's `Cookie` headers: `__Host-x` becomes `x`, an unprefixed site cookie is dropped.
fn unprefix_request(headers: &mut HeaderMap) {
    let mut kept: Vec<String> = Vec::new();
    for value in headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()) {
        for pair in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n);
            if let Some(plain) = pair.strip_prefix(HOST_PREFIX) {
                kept.push(plain.to_owned());
            } else if !SITE_COOKIES.contains(&name) {
                kept.push(pair.to_owned());
            }
        }
    }
    headers.remove(COOKIE);
    if !kept.is_empty()
        && let Ok(value) = HeaderValue::from_str(&kept.join("; "))
    {
        headers.insert(COOKIE, value);
    }
}

/// One `Set-Cookie` value made secure (and prefixed when it is a site cookie with `Path=/`).
fn secure_set_cookie(value: &str) -> String {
    let mut parts = value.split(';').map(str::trim);
    let first = parts.next().unwrap_or("");
    let attributes: Vec<&str> = parts.filter(|a| !a.is_empty()).collect();
    let name = first.split_once('=').map_or(first, |(n, _)| n);
    let site_wide = attributes.iter().any(|a| a.eq_ignore_ascii_case("path=/"))
        && !attributes.iter().any(|a| a.to_ascii_lowercase().starts_with("domain="));
    let mut out =
        if site_wide && SITE_COOKIES.contains(&name) { format!("{HOST_PREFIX}{first}") } else { first.to_owned() };
    for attribute in &attributes {
        out.push_str("; ");
        out.push_str(attribute);
    }
    if !attributes.iter().any(|a| a.eq_ignore_ascii_case("secure")) {
        out.push_str("; Secure");
    }
    out
}

/// Middleware (only installed when the public URL is https).
pub async fn harden(mut request: Request, next: Next) -> Response {
    unprefix_request(request.headers_mut());
    let mut response = next.run(request).await;
    let rewritten: Vec<HeaderValue> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| HeaderValue::from_str(&secure_set_cookie(v)).ok())
        .collect();
    if !rewritten.is_empty() {
        response.headers_mut().remove(SET_COOKIE);
        for value in rewritten {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_cookies_get_the_prefix_and_secure_others_only_secure() {
        assert_eq!(
            secure_set_cookie("tagdesk_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"),
            "__Host-tagdesk_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert_eq!(
            secure_set_cookie("tagdesk_flash=Saved; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"),
            "__Host-tagdesk_flash=Saved; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert_eq!(
            secure_set_cookie("tagdesk_portal_done=x; Path=/d/ABC/done; HttpOnly"),
            "tagdesk_portal_done=x; Path=/d/ABC/done; HttpOnly; Secure"
        );
    }

    #[test]
    fn requests_read_prefixed_cookies_and_ignore_planted_plain_ones() {
        let mut headers = HeaderMap::new();
        headers
            .insert(COOKIE, HeaderValue::from_static("tagdesk_session=planted; __Host-tagdesk_session=real; other=1"));
        unprefix_request(&mut headers);
        assert_eq!(headers.get(COOKIE).and_then(|v| v.to_str().ok()), Some("tagdesk_session=real; other=1"));
    }
}
