//! The client's identity for throttling: a keyed hash of its address, never the address itself.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::AppState;

/// A keyed SHA-256 of the client address (socket peer, or the first `X-Forwarded-For` hop when proxy
/// headers are trusted).
#[derive(Debug, Clone)]
pub struct ClientKey(pub String);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .config
            .trust_proxy_headers
            .then(|| parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
            .flatten()
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned());
        let address = forwarded
            .or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
            .unwrap_or_else(|| "unknown".to_owned());
        let mut hasher = Sha256::new();
        hasher.update(&state.config.secret_key);
        hasher.update(b"\0client\0");
        hasher.update(address.as_bytes());
        Ok(Self(hex::encode(&hasher.finalize()[..16])))
    }
}
