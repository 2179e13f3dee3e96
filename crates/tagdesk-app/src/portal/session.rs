//! Visitor sessions and trusted browsers.
//!
//! After the right PIN a visitor gets a session for that deployment only: the cookie carries a random
//! 256-bit value, the database its SHA-256 with the deployment and the deployment's current session
//! epoch. A session is valid only for its deployment, before it expires, while the portal is enabled and
//! while the epoch is unchanged (changing the PIN or disabling the portal bumps it).
//!
//! Sessions start only from a [`PinProof`] (see [`start`]), and only while the PIN and epoch it was
//! checked under are still current: a PIN change racing with the check of the old PIN wins.
//!
//! A correct PIN also makes the browser *trusted* for the deployment: another random token, kept in a
//! long-lived cookie (up to [`TRUST_MAX_TOKENS`] tokens for different deployments, `.`-separated) and
//! stored hashed. Trusted browsers are not throttled by guarded mode (see `portal::pin`).

use tagdesk_domain::DeploymentId;
use tagdesk_store::pin_guard;
use tagdesk_store::portal as store;

use super::pin::PinProof;
use crate::auth::{random_token, secret_hash};
use crate::{App, AppError, AppResult};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "tagdesk_portal";
/// The trusted-browser cookie's name.
pub const TRUST_COOKIE_NAME: &str = "tagdesk_portal_trust";
/// Default session lifetime (configurable with `TAGDESK_PORTAL_SESSION_DAYS`).
pub const DEFAULT_SESSION_DAYS: i64 = 30;
/// How long a browser stays trusted (the trust cookie's Max-Age).
pub const TRUST_DAYS: i64 = 365;
/// Most trust tokens one cookie carries (one per deployment the browser entered a PIN for).
pub const TRUST_MAX_TOKENS: usize = 8;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Whether a cookie value has the shape of our random tokens (64 hex characters).
fn well_formed(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a browser gets for a right PIN: the session cookie value and a new trust token (add it to the
/// trust cookie with [`add_trust_token`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Started {
    /// The session cookie value.
    pub session: String,
    /// The new trust token.
    pub trust_token: String,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started").finish_non_exhaustive()
    }
}

/// Turns a right PIN into a visitor session lasting `days` (at least 1; [`DEFAULT_SESSION_DAYS`] by
/// default) and a trust token, in one transaction under the deployment's settings row lock.
///
/// Gives `Ok(None)` — nothing stored, the PIN counts as wrong now — when the PIN or the session epoch
/// changed since the PIN was checked (staff changed the PIN meanwhile), and [`AppError::NotFound`] when
/// the portal was disabled or lost its PIN. The session is stored under the epoch the PIN was checked
/// under, so it is only ever valid while that epoch is current.
pub async fn start(app: &App, proof: PinProof, days: i64) -> AppResult<Option<Started>> {
    let deployment = proof.deployment.to_string();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let settings = pin_guard::lock_settings(&mut tx, &deployment).await?.ok_or(AppError::NotFound)?;
    if !settings.is_enabled() || settings.pin_hash.is_empty() {
        return Err(AppError::NotFound);
    }
    if settings.session_epoch != proof.session_epoch || settings.pin_hash != proof.pin_hash {
        tracing::info!(deployment.id = %deployment, "portal PIN changed while it was checked: no session");
        return Ok(None);
    }
    let started = insert_started(&mut tx, &deployment, proof.session_epoch, now, days).await?;
    tx.commit().await?;
    Ok(Some(started))
}

/// Stores a new session (under `epoch`, lasting `days`) and a trust token for `deployment` in the caller's
/// transaction, which must hold the settings row lock.
pub(super) async fn insert_started(
    tx: &mut tagdesk_store::Conn,
    deployment: &str,
    epoch: i64,
    now: i64,
    days: i64,
) -> AppResult<Started> {
    let session = random_token();
    let trust_token = random_token();
    let expires_at = now + days.max(1) * DAY_MS;
    store::insert_session(tx, &secret_hash(&session), deployment, epoch, now, expires_at).await?;
    store::insert_trusted(tx, &secret_hash(&trust_token), deployment, now).await?;
    Ok(Started { session, trust_token })
}

/// Whether the cookie value is a valid session for this deployment (unexpired, current epoch, portal
/// enabled). A session of another deployment is not valid here.
pub async fn validate(app: &App, cookie: &str, deployment: DeploymentId) -> AppResult<bool> {
    let cookie = cookie.trim();
    if !well_formed(cookie) {
        return Ok(false);
    }
    let (id_hash, deployment, now) = (secret_hash(cookie), deployment.to_string(), app.now());
    if app.portal_cache.session_valid(&id_hash, &deployment, now) {
        return Ok(true);
    }
    let ticket = app.portal_cache.ticket();
    let mut conn = app.store.read().await?;
    let valid = store::session_valid(&mut conn, &id_hash, &deployment, now).await?;
    if valid {
        app.portal_cache.put_session(ticket, &id_hash, &deployment, now);
    }
    Ok(valid)
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(app: &App) -> AppResult<u64> {
    let mut tx = app.store.begin().await?;
    let n = store::purge_expired_sessions(&mut tx, app.now()).await?;
    tx.commit().await?;
    Ok(n)
}

/// Whether any of the tokens (from the trust cookie, see [`trust_tokens`]) makes the browser trusted for
/// the deployment: issued within [`TRUST_DAYS`] and not before the deployment's last PIN change.
pub async fn is_trusted(app: &App, tokens: &[&str], deployment: DeploymentId) -> AppResult<bool> {
    let hashes: Vec<String> =
        tokens.iter().map(|t| t.trim()).filter(|t| well_formed(t)).take(TRUST_MAX_TOKENS).map(secret_hash).collect();
    if hashes.is_empty() {
        return Ok(false);
    }
    let since = app.now() - TRUST_DAYS * DAY_MS;
    let mut conn = app.store.read().await?;
    Ok(store::any_trusted(&mut conn, &hashes, &deployment.to_string(), since).await?)
}

/// The well-formed tokens in a trust cookie value (at most [`TRUST_MAX_TOKENS`], the newest).
pub fn trust_tokens(cookie_value: &str) -> Vec<&str> {
    let all: Vec<&str> = cookie_value.split('.').map(str::trim).filter(|t| well_formed(t)).collect();
    let skip = all.len().saturating_sub(TRUST_MAX_TOKENS);
    all.into_iter().skip(skip).collect()
}

/// The trust cookie value with `token` added, keeping the newest [`TRUST_MAX_TOKENS`] tokens.
pub fn add_trust_token(cookie_value: &str, token: &str) -> String {
    let mut tokens: Vec<&str> = trust_tokens(cookie_value).into_iter().filter(|t| *t != token).collect();
    tokens.push(token);
    let skip = tokens.len().saturating_sub(TRUST_MAX_TOKENS);
    tokens[skip..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_cookies_keep_the_newest_eight_well_formed_tokens() {
        let tokens: Vec<String> = (0..10).map(|i| format!("{i:064x}")).collect();
        let mut cookie = String::from("garbage");
        for token in &tokens {
            cookie = add_trust_token(&cookie, token);
        }
        let kept = trust_tokens(&cookie);
        assert_eq!(kept.len(), TRUST_MAX_TOKENS);
        assert_eq!(kept.first().copied(), Some(tokens[2].as_str()));
        assert_eq!(kept.last().copied(), Some(tokens[9].as_str()));
        assert_eq!(trust_tokens("x.y.z"), Vec::<&str>::new());
        assert!(!well_formed(&"g".repeat(64)));
    }
}
