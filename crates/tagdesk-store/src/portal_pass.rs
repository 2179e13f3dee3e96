//! One-time portal passes: a link staff hand to a known visitor that lets them past the PIN gate of one
//! device's portal once (`tagdesk_app::portal::pass` holds the rules). Only the SHA-256 of the secret is
//! stored.

use crate::Conn;
use crate::error::StoreResult;

/// A new pass.
#[derive(Debug, Clone)]
pub struct NewPass<'a> {
    pub token_hash: &'a str,
    pub deployment_id: &'a str,
    pub device_id: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Stores a pass.
pub async fn insert(conn: &mut Conn, pass: &NewPass<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_pass_links (token_hash, deployment_id, device_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(pass.token_hash)
    .bind(pass.deployment_id)
    .bind(pass.device_id)
    .bind(pass.created_by)
    .bind(pass.created_at)
    .bind(pass.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the unused, unexpired pass `token_hash` of `device_id` as used; returns its deployment when it
/// was valid (at most once: the update is atomic).
pub async fn take(conn: &mut Conn, token_hash: &str, device_id: &str, now: i64) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "UPDATE portal_pass_links SET used_at = $3 \
         WHERE token_hash = $1 AND device_id = $2 AND used_at IS NULL AND expires_at > $3 RETURNING deployment_id",
    )
    .bind(token_hash)
    .bind(device_id)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Whether the pass `token_hash` of `device_id` can still be used.
pub async fn usable(conn: &mut Conn, token_hash: &str, device_id: &str, now: i64) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM portal_pass_links WHERE token_hash = $1 AND device_id = $2 AND used_at IS NULL \
         AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(device_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Deletes passes that expired before `before`; returns how many.
pub async fn purge(conn: &mut Conn, before: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM portal_pass_links WHERE expires_at < $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}
