//! The portal's own CSRF protection (the staff middleware does not run here).
//!
//! - Forms after the PIN (report, note) carry `_csrf` = HMAC-SHA-256(secret key, "portal-form" ‖ session
//!   id): bound to the visitor's session for this deployment, unknowable without the cookie and the key.
//! - The PIN form, before any session exists, uses a signed double submit: a random value in the
//!   `tagdesk_portal_csrf` cookie, and `_csrf` = HMAC(secret key, "portal-pin" ‖ that value) in the form.
//!   A cookie planted by someone else does not help without the key.
//!
//! The confirmation cookie is signed with the same construction ([`sign`] / [`verify_signed`]).

use sha2::{Digest, Sha256};

const BLOCK: usize = 64;

/// HMAC-SHA-256 (RFC 2104).
pub fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

fn tag(key: &[u8], purpose: &str, value: &str) -> String {
    let mut message = Vec::with_capacity(purpose.len() + 1 + value.len());
    message.extend_from_slice(purpose.as_bytes());
    message.push(0);
    message.extend_from_slice(value.as_bytes());
    hex::encode(hmac(key, &message))
}

/// Compares in constant time.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token for forms of the session `session_id`.
pub fn form_token(key: &[u8], session_id: &str) -> String {
    tag(key, "portal-form", session_id)
}

/// Whether `provided` is the form token of `session_id`.
pub fn form_token_ok(key: &[u8], session_id: &str, provided: &str) -> bool {
    constant_time_eq(form_token(key, session_id).as_bytes(), provided.trim().as_bytes())
}

/// The PIN form's hidden value for the double-submit cookie value `cookie`.
pub fn pin_token(key: &[u8], cookie: &str) -> String {
    tag(key, "portal-pin", cookie)
}

/// Whether the PIN form's `provided` value matches the double-submit cookie.
pub fn pin_token_ok(key: &[u8], cookie: Option<&str>, provided: &str) -> bool {
    match cookie {
        Some(cookie) if cookie.len() >= 32 => {
            constant_time_eq(pin_token(key, cookie).as_bytes(), provided.trim().as_bytes())
        }
        _ => false,
    }
}

/// `value.signature` for a cookie whose content must not be forged.
pub fn sign(key: &[u8], purpose: &str, value: &str) -> String {
    format!("{value}.{}", tag(key, purpose, value))
}

/// The value of a [`sign`]ed text when the signature is right.
pub fn verify_signed<'a>(key: &[u8], purpose: &str, signed: &'a str) -> Option<&'a str> {
    let (value, signature) = signed.rsplit_once('.')?;
    constant_time_eq(tag(key, purpose, value).as_bytes(), signature.as_bytes()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let long_key = [0xaa_u8; 131];
        let mac = hmac(&long_key, b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn tokens_are_bound_to_their_session_and_key() {
        let key = b"secret";
        let token = form_token(key, "session-a");
        assert!(form_token_ok(key, "session-a", &token));
        assert!(!form_token_ok(key, "session-b", &token));
        assert!(!form_token_ok(b"other", "session-a", &token));
        assert!(!form_token_ok(key, "session-a", ""));
        let cookie = "c".repeat(64);
        let pin = pin_token(key, &cookie);
        assert!(pin_token_ok(key, Some(&cookie), &pin));
        assert!(!pin_token_ok(key, None, &pin));
        assert!(!pin_token_ok(key, Some(&"d".repeat(64)), &pin));
        assert!(!pin_token_ok(key, Some("short"), &pin_token(key, "short")));
        assert_ne!(pin, form_token(key, &cookie), "purposes must not be interchangeable");
    }

    #[test]
    fn signed_values_detect_tampering() {
        let signed = sign(b"k", "done", "42.ABC");
        assert_eq!(verify_signed(b"k", "done", &signed), Some("42.ABC"));
        assert_eq!(verify_signed(b"k", "done", &signed.replace("42", "43")), None);
        assert_eq!(verify_signed(b"k", "other", &signed), None);
        assert_eq!(verify_signed(b"k", "done", "nodot"), None);
    }
}
