//! Device portal tokens: 13 random Crockford base32 symbols (65 bits, from the OS-seeded `rand` thread
//! generator), never derived from ids, stored canonical upper-case and looked up case-insensitively by
//! parsing first. Every device gets one when it is created ([`assign_new`], called by
//! `devices::create` and the CSV import in their transactions); [`backfill`] gives existing devices one
//! at start-up; staff replace a token with [`replace`] (the old one then shows a "replaced" page).

use rand::Rng;
use tagdesk_domain::{DeploymentId, DeviceId, PortalToken};
use tagdesk_store::portal as store;
use tagdesk_store::{Conn, devices};

use crate::error::OrNotFound;
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult, audit};

/// Devices given a token per transaction by [`backfill`].
const BACKFILL_BATCH: i64 = 500;

/// A fresh random token.
pub fn generate() -> PortalToken {
    let mut rng = rand::rng();
    let mut values = [0_u8; PortalToken::LEN];
    for v in &mut values {
        *v = rng.random_range(0..32);
    }
    PortalToken::from_random(values)
}

/// Gives a device a fresh token in the caller's transaction (a token already in use, by a device or as a
/// replaced token, is never handed out twice).
pub async fn assign_new(conn: &mut Conn, device_id: &str) -> AppResult<PortalToken> {
    for _ in 0..8 {
        let token = generate();
        if store::set_device_token(conn, device_id, token.as_str()).await? {
            return Ok(token);
        }
    }
    Err(AppError::Internal(format!("could not assign a portal token to device {device_id}")))
}

/// Gives every device without a token one (in batches); returns how many got one. Safe to run on every
/// start and from several instances at once.
pub async fn backfill(app: &App) -> AppResult<u64> {
    let mut total = 0_u64;
    loop {
        let mut tx = app.store.begin().await?;
        let ids = store::devices_without_token(&mut tx, BACKFILL_BATCH).await?;
        if ids.is_empty() {
            return Ok(total);
        }
        for id in &ids {
            assign_new(&mut tx, id).await?;
        }
        tx.commit().await?;
        app.portal_cache.clear();
        total += ids.len() as u64;
        tracing::info!(devices = ids.len(), "gave devices their portal tokens");
    }
}

/// The portal URL of a token: `<public base URL>/d/<TOKEN>`.
pub fn portal_url(base: &str, token: &str) -> String {
    format!("{}/d/{}", base.trim_end_matches('/'), token)
}

/// Replaces a device's token (technicians and admins of its deployment): the old token moves to the
/// replaced tokens, so its label shows "this label was replaced"; returns the new token.
pub async fn replace(app: &App, actor: &Actor, device: DeviceId) -> AppResult<PortalToken> {
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let row = devices::get(&mut tx, &workspace, &device.to_string()).await?.or_not_found()?;
    let deployment = DeploymentId::parse(&row.deployment_id).map_err(corrupt)?;
    actor.require_work(deployment)?;
    if let Some(old) = &row.portal_token {
        store::insert_replaced_token(&mut tx, old, &row.id, now).await?;
    }
    let token = assign_new(&mut tx, &row.id).await?;
    let summary = format!("Replaced the portal link of device \u{201c}{}\u{201d}", row.name);
    audit::record(&mut tx, actor, "device.portal_token_replaced", ("device", &row.id), summary, now).await?;
    tx.commit().await?;
    app.portal_cache.clear();
    Ok(token)
}
