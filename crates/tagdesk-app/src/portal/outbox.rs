//! The durable outbox: an entry is written in the same transaction as the change it announces, so it
//! exists exactly when the change does. Delivery (email and so on) belongs to the notifications worker.

use tagdesk_store::Conn;
use tagdesk_store::portal as store;

use crate::{AppError, AppResult};

/// Kinds of outbox entries.
pub mod kind {
    /// A case was created (payload: `case_id`, `number`, `deployment_id`, `device_id`, `origin`).
    pub const CASE_CREATED: &str = "case.created";
    /// A deployment's portal entered guarded mode after a burst of wrong PINs (written by the PIN guard).
    pub const PIN_ATTACK: &str = "portal.pin_attack";
}

/// Appends an entry in the caller's transaction; returns its id. Never put secrets in the payload.
pub async fn enqueue(conn: &mut Conn, kind: &str, payload: &serde_json::Value, now: i64) -> AppResult<String> {
    let id = uuid::Uuid::now_v7().hyphenated().to_string();
    let json = serde_json::to_string(payload).map_err(|e| AppError::Internal(e.to_string()))?;
    store::insert_outbox(conn, &id, kind, &json, now).await?;
    Ok(id)
}
