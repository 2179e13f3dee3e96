//! Rows behind the portal's PIN guard (`tagdesk_app::portal::pin` holds the policy): escalating
//! per-client lock-out buckets and the deployment-wide buckets in `pin_lockouts`, guarded mode on
//! `portal_settings.guarded_until` / `attack_alerted_at`, and the `portal.pin_attack` outbox alert.
//!
//! Every function takes a connection so the guard's reads and writes compose in one transaction; callers
//! serialise a deployment's PIN attempts with [`lock_settings`] first (a row lock on PostgreSQL, the
//! single writer on SQLite), so counters stay exact when several instances share the database.

use sqlx::{AssertSqlSafe, FromRow};

use crate::Conn;
use crate::error::StoreResult;
use crate::sql::SqlBuilder;

/// The outbox kind of the staff alert written when a deployment enters guarded mode.
pub const ALERT_KIND: &str = "portal.pin_attack";

/// Prefix of every per-client bucket (see [`client_bucket`]); [`purge_client_buckets`] relies on it.
const CLIENT_PREFIX: &str = "pin:c:";

/// The name of the per-client bucket of `client_hash` (a hash of the client key, never an address) at a
/// deployment; trusted browsers count in their own bucket, apart from untrusted attempts from the same
/// client.
pub fn client_bucket(deployment_id: &str, trusted: bool, client_hash: &str) -> String {
    let kind = if trusted { "t" } else { "u" };
    format!("{CLIENT_PREFIX}{deployment_id}:{kind}:{client_hash}")
}

/// The name of one of a deployment's own buckets (`part` is e.g. `hour`, `day` or `slot`).
pub fn deployment_bucket(deployment_id: &str, part: &str) -> String {
    format!("pin:d:{deployment_id}:{part}")
}

/// What the guard reads from a deployment's portal settings.
#[derive(Debug, Clone, FromRow)]
pub struct GuardSettings {
    /// 0/1: whether the portal is enabled.
    pub enabled: i64,
    /// Argon2id hash of the PIN; empty when none is set.
    pub pin_hash: String,
    /// The visitor-session epoch (bumped when the PIN changes or the portal is disabled).
    pub session_epoch: i64,
    /// End of guarded mode (UTC ms), when one was ever entered.
    pub guarded_until: Option<i64>,
    /// When staff were last alerted about a PIN attack (UTC ms).
    pub attack_alerted_at: Option<i64>,
}

impl GuardSettings {
    /// Whether the portal is enabled.
    pub fn is_enabled(&self) -> bool {
        crate::flag(self.enabled)
    }
}

/// Locks the deployment's portal settings row for the rest of the transaction (a no-op update) and reads
/// what the guard needs; `None` when the deployment has no settings row yet.
pub async fn lock_settings(conn: &mut Conn, deployment_id: &str) -> StoreResult<Option<GuardSettings>> {
    Ok(sqlx::query_as(
        "UPDATE portal_settings SET guarded_until = guarded_until WHERE deployment_id = $1 \
         RETURNING enabled, pin_hash, session_epoch, guarded_until, attack_alerted_at",
    )
    .bind(deployment_id)
    .fetch_optional(conn)
    .await?)
}

/// Reads the guard's view of the settings without locking; `None` when there is no settings row.
pub async fn read_settings(conn: &mut Conn, deployment_id: &str) -> StoreResult<Option<GuardSettings>> {
    Ok(sqlx::query_as(
        "SELECT enabled, pin_hash, session_epoch, guarded_until, attack_alerted_at FROM portal_settings \
         WHERE deployment_id = $1",
    )
    .bind(deployment_id)
    .fetch_optional(conn)
    .await?)
}

/// Sets the end of guarded mode and, when `alerted_at` is given, the alert time. Creates the settings
/// row (portal disabled, no PIN) when it does not exist yet; never touches the other settings.
pub async fn set_guarded(
    conn: &mut Conn,
    deployment_id: &str,
    guarded_until: i64,
    alerted_at: Option<i64>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_settings (deployment_id, guarded_until, attack_alerted_at, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (deployment_id) DO UPDATE SET \
         guarded_until = excluded.guarded_until, \
         attack_alerted_at = COALESCE(excluded.attack_alerted_at, portal_settings.attack_alerted_at)",
    )
    .bind(deployment_id)
    .bind(guarded_until)
    .bind(alerted_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends guarded mode now (staff decided) and empties the deployment's buckets, so the next wrong PIN
/// does not restart it at once. The per-client lock-outs stay.
pub async fn end_guarded(conn: &mut Conn, deployment_id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE portal_settings SET guarded_until = NULL WHERE deployment_id = $1")
        .bind(deployment_id)
        .execute(&mut *conn)
        .await?;
    for part in ["hour", "day", "slot"] {
        delete_bucket(conn, &deployment_bucket(deployment_id, part)).await?;
    }
    Ok(())
}

/// One `pin_lockouts` row. Per-client buckets keep wrong PINs in `failures` and the lock-out end in
/// `locked_until`; leaky buckets keep their "empty at" time in `locked_until`; the evaluation slot keeps
/// the earliest time of the next evaluation there.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct BucketRow {
    /// Bucket name.
    pub bucket: String,
    /// Counted wrong PINs.
    pub failures: i64,
    /// A time in UTC ms whose meaning depends on the bucket (see above).
    pub locked_until: i64,
    /// Last change (UTC ms).
    pub updated_at: i64,
}

/// Loads the named buckets that exist, in no particular order.
pub async fn get_buckets(conn: &mut Conn, buckets: &[&str]) -> StoreResult<Vec<BucketRow>> {
    if buckets.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        SqlBuilder::new("SELECT bucket, failures, locked_until, updated_at FROM pin_lockouts WHERE bucket IN (");
    for (i, bucket) in buckets.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_text(*bucket);
    }
    sql.push(")");
    Ok(sql.query_as().fetch_all(conn).await?)
}

/// Writes the given buckets (insert or replace) in one statement.
pub async fn put_buckets(conn: &mut Conn, rows: &[BucketRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = SqlBuilder::new("INSERT INTO pin_lockouts (bucket, failures, locked_until, updated_at) VALUES ");
    for (i, row) in rows.iter().enumerate() {
        sql.push(if i > 0 { ", (" } else { "(" });
        sql.bind_text(row.bucket.clone()).push(", ");
        sql.bind_int(row.failures).push(", ");
        sql.bind_int(row.locked_until).push(", ");
        sql.bind_int(row.updated_at).push(")");
    }
    sql.push(
        " ON CONFLICT (bucket) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, \
         updated_at = excluded.updated_at",
    );
    sqlx::query_with(AssertSqlSafe(sql.sql.clone()), sql.arguments()).execute(conn).await?;
    Ok(())
}

/// Forgets a bucket.
pub async fn delete_bucket(conn: &mut Conn, bucket: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM pin_lockouts WHERE bucket = $1").bind(bucket).execute(conn).await?;
    Ok(())
}

/// Takes one unit (`step_ms`) back out of a leaky bucket, atomically: its "empty at" time moves back by
/// `step_ms`, but not before `now`.
pub async fn refund(conn: &mut Conn, bucket: &str, step_ms: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE pin_lockouts SET \
         failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, \
         locked_until = CASE WHEN locked_until - $2 > $3 THEN locked_until - $2 ELSE $3 END, \
         updated_at = $3 WHERE bucket = $1",
    )
    .bind(bucket)
    .bind(step_ms)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes per-client buckets whose lock-out (or last wrong PIN) ended before `forgotten_before`; returns
/// how many went.
pub async fn purge_client_buckets(conn: &mut Conn, forgotten_before: i64) -> StoreResult<u64> {
    let pattern = format!("{CLIENT_PREFIX}%");
    let done = sqlx::query("DELETE FROM pin_lockouts WHERE bucket LIKE $1 AND locked_until < $2")
        .bind(pattern)
        .bind(forgotten_before)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Writes the `portal.pin_attack` staff alert to the outbox (in the caller's transaction).
pub async fn enqueue_alert(conn: &mut Conn, deployment_id: &str, guarded_until: i64, now: i64) -> StoreResult<()> {
    let payload = serde_json::json!({
        "deployment_id": deployment_id,
        "detected_at": now,
        "guarded_until": guarded_until,
    });
    sqlx::query(
        "INSERT INTO outbox (id, kind, payload_json, created_at, available_at, attempts) VALUES ($1, $2, $3, $4, $4, 0)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(ALERT_KIND)
    .bind(payload.to_string())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many `portal.pin_attack` alerts the outbox holds for a deployment (tests and diagnostics).
pub async fn count_alerts(conn: &mut Conn, deployment_id: &str) -> StoreResult<i64> {
    let pattern = format!("%\"deployment_id\":\"{deployment_id}\"%");
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1 AND payload_json LIKE $2")
        .bind(ALERT_KIND)
        .bind(pattern)
        .fetch_one(conn)
        .await?)
}
