//! HTTP-level settings, passed in the state (no globals).

use std::fmt;

/// Settings of the web layer.
#[derive(Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when the public URL is https).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy_headers: bool,
    /// Secret key for keyed hashes of client addresses.
    pub secret_key: Vec<u8>,
    /// Resource limits: connections, body sizes and timing, upload slots.
    pub limits: crate::limits::Limits,
    /// Public base URL without a trailing slash, e.g. `https://desk.example.com` (portal links, QR codes).
    pub public_url: String,
    /// How long a portal visitor's session lasts after the right PIN, in days.
    pub portal_session_days: i64,
}

impl WebConfig {
    /// Whether the public URL is https (cookies get `Secure` and `__Host-` names, responses HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Settings for tests and local use: insecure cookies, a random key.
    pub fn for_tests() -> Self {
        Self {
            secure_cookies: false,
            trust_proxy_headers: false,
            secret_key: tagdesk_app::auth::random_token().into_bytes(),
            limits: crate::limits::Limits { max_body_bytes: 2 * 1024 * 1024, ..crate::limits::Limits::default() },
            public_url: "http://127.0.0.1:8080".to_owned(),
            portal_session_days: 30,
        }
    }
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_proxy_headers", &self.trust_proxy_headers)
            .field("secret_key", &"[redacted]")
            .field("limits", &self.limits)
            .field("public_url", &self.public_url)
            .field("portal_session_days", &self.portal_session_days)
            .finish()
    }
}
