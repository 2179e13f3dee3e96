//! The client's identity for throttling: a keyed hash of its address, never the address itself.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::AppState;

/// A keyed SHA-256 of the client address: the socket peer, or — when proxy headers are trusted — the
/// address the proxy in front of us saw (the *last* `X-Forwarded-For` entry: proxies such as nginx,
/// HAProxy and Traefik append to whatever the client sent, so only the last entry is not the client's
/// own claim). IPv6 clients are keyed by their /64 network, which one subscriber usually holds whole.
#[derive(Debug, Clone)]
pub struct ClientKey(pub String);

/// The address as throttling sees it.
fn throttle_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The client address of a request under the given trust setting.
pub fn client_address(parts: &Parts, trust_proxy_headers: bool) -> Option<IpAddr> {
    let forwarded = trust_proxy_headers
        .then(|| parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>())
        .and_then(|values| {
            values.iter().rev().flat_map(|v| v.rsplit(',')).map(str::trim).find(|v| !v.is_empty()).map(str::to_owned)
        })
        .and_then(|last| last.parse::<IpAddr>().ok());
    forwarded.or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
}

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let address = client_address(parts, state.config.trust_proxy_headers)
            .map(throttle_address)
            .unwrap_or_else(|| "unknown".to_owned());
        let mut hasher = Sha256::new();
        hasher.update(&state.config.secret_key);
        hasher.update(b"\0client\0");
        hasher.update(address.as_bytes());
        Ok(Self(hex::encode(&hasher.finalize()[..16])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(xff: &[&str]) -> Parts {
        let mut builder = axum::http::Request::builder();
        for value in xff {
            builder = builder.header("x-forwarded-for", *value);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        parts.extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        parts
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted_and_only_its_last_entry() {
        let p = parts(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(client_address(&p, false), Some(IpAddr::from([10, 0, 0, 1])));
        assert_eq!(client_address(&p, true), Some(IpAddr::from([203, 0, 113, 7])));
        let p = parts(&["spoofed", "203.0.113.9"]);
        assert_eq!(client_address(&p, true), Some(IpAddr::from([203, 0, 113, 9])));
        let p = parts(&["not-an-address"]);
        assert_eq!(client_address(&p, true), Some(IpAddr::from([10, 0, 0, 1])));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(throttle_address(a), throttle_address(b));
        assert_ne!(throttle_address(a), throttle_address(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(throttle_address(mapped), "192.0.2.1");
    }
}
