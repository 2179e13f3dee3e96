//! One-time portal passes: staff (technicians and admins of the deployment) create a link for one device
//! that lets a visitor past the PIN gate once — for a customer who cannot get in while the portal is in
//! guarded mode, or who does not know the PIN. Redeeming it gives that browser a portal session and makes
//! it trusted (as a right PIN would), so guarded mode no longer throttles it.
//!
//! A pass is a 256-bit secret (stored as SHA-256), bound to one device, valid for [`PASS_TTL_MS`] and
//! used at most once. Opening the link shows a button; only pressing it (a POST) uses the pass, so a
//! chat app's link preview cannot use it up.

use tagdesk_domain::DeviceId;
use tagdesk_store::{pin_guard, portal_pass};

use super::PortalVisit;
use super::session::Started;
use crate::auth::{random_token, secret_hash};
use crate::{Actor, App, AppError, AppResult, audit};

/// How long a pass can be used: 24 hours.
pub const PASS_TTL_MS: i64 = 24 * 3600 * 1000;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A pass just created: the secret (shown once) and its end of validity.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedPass {
    /// The secret for the link `/d/<device token>/pass/<secret>`.
    pub secret: String,
    /// The device's portal token (for the link).
    pub device_token: String,
    /// Valid until (UTC ms).
    pub expires_at: i64,
}

impl std::fmt::Debug for IssuedPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedPass").field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

impl IssuedPass {
    /// The link under the public base URL.
    pub fn url(&self, base: &str) -> String {
        format!("{}/pass/{}", super::tokens::portal_url(base, &self.device_token), self.secret)
    }
}

/// Creates a pass for a device (technicians and admins of its deployment). Audited without the secret.
pub async fn issue(app: &App, actor: &Actor, device: DeviceId) -> AppResult<IssuedPass> {
    let view = crate::devices::get(app, actor, device).await?;
    actor.require_work(view.deployment_id)?;
    let Some(device_token) = view.portal_token.clone() else {
        return Err(AppError::Conflict("This device has no portal link.".to_owned()));
    };
    if view.archived {
        return Err(AppError::Conflict("This device is archived.".to_owned()));
    }
    let secret = random_token();
    let now = app.now();
    let expires_at = now + PASS_TTL_MS;
    let mut tx = app.store.begin().await?;
    portal_pass::insert(
        &mut tx,
        &portal_pass::NewPass {
            token_hash: &secret_hash(&secret),
            deployment_id: &view.deployment_id.to_string(),
            device_id: &device.to_string(),
            created_by: &actor.label,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    let summary = format!("One-time portal pass for \u{201c}{}\u{201d} (valid 24 hours)", view.name);
    audit::record(&mut tx, actor, "portal.pass_issued", ("device", &device.to_string()), summary, now).await?;
    tx.commit().await?;
    Ok(IssuedPass { secret, device_token, expires_at })
}

/// Whether `secret` is an unused, unexpired pass of the visited device (nothing is changed).
pub async fn usable(app: &App, visit: &PortalVisit, secret: &str) -> AppResult<bool> {
    if !well_formed(secret) {
        return Ok(false);
    }
    let mut conn = app.store.read().await?;
    Ok(portal_pass::usable(&mut conn, &secret_hash(secret), &visit.device.id.to_string(), app.now()).await?)
}

/// Uses the pass: marks it used and starts a portal session (lasting `days`) and a trust token for the
/// device's deployment, in one transaction. `Ok(None)` when the pass is unknown, used or expired.
pub async fn redeem(app: &App, visit: &PortalVisit, secret: &str, days: i64) -> AppResult<Option<Started>> {
    if !well_formed(secret) {
        return Ok(None);
    }
    let deployment = visit.deployment.id.to_string();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let settings = pin_guard::lock_settings(&mut tx, &deployment).await?.ok_or(AppError::NotFound)?;
    if !settings.is_enabled() || settings.pin_hash.is_empty() {
        return Err(AppError::NotFound);
    }
    let taken = portal_pass::take(&mut tx, &secret_hash(secret), &visit.device.id.to_string(), now).await?;
    if taken.as_deref() != Some(deployment.as_str()) {
        return Ok(None);
    }
    let started = super::session::insert_started(&mut tx, &deployment, settings.session_epoch, now, days).await?;
    tx.commit().await?;
    tracing::info!(deployment.id = %deployment, device.id = %visit.device.id, "portal pass used");
    Ok(Some(started))
}

/// Deletes passes that expired more than a day ago (housekeeping).
pub async fn purge_expired(app: &App) -> AppResult<u64> {
    let mut tx = app.store.begin().await?;
    let purged = portal_pass::purge(&mut tx, app.now() - DAY_MS).await?;
    tx.commit().await?;
    Ok(purged)
}

fn well_formed(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}
