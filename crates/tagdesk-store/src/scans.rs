//! Scan tracking's writes: raw portal events, their daily counts and the per-device statistics, all written
//! by `tagdesk_app::scans`' batch writer inside one transaction; and the retention purge. The reads for
//! staff pages and the API are in [`crate::scan_reports`].

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// One portal event as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EventRow {
    /// UUIDv7.
    pub id: String,
    /// The device's workspace.
    pub workspace_id: String,
    /// The deployment the device belonged to at the time.
    pub deployment_id: String,
    /// The device whose label was used.
    pub device_id: String,
    /// `tagdesk_domain::ScanKind` in its stored form.
    pub kind: String,
    /// UTC ms.
    pub occurred_at: i64,
    /// Keyed hash of the client address (never the address).
    pub client_key: String,
    /// Keyed hash of the browser's identity (for de-duplication).
    pub visitor_key: String,
    /// `tagdesk_domain::DeviceClass` in its stored form.
    pub device_class: String,
}

/// Stores one event.
pub async fn insert_event(conn: &mut Conn, e: &EventRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_events (id, workspace_id, deployment_id, device_id, kind, occurred_at, client_key, \
         visitor_key, device_class) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id.as_str())
    .bind(e.workspace_id.as_str())
    .bind(e.deployment_id.as_str())
    .bind(e.device_id.as_str())
    .bind(e.kind.as_str())
    .bind(e.occurred_at)
    .bind(e.client_key.as_str())
    .bind(e.visitor_key.as_str())
    .bind(e.device_class.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the browser `visitor_key` already has an event of `kind` for the device in `(since, until]`
/// (how repeated views within the repeat window are recognised across instances).
pub async fn seen_since(
    conn: &mut Conn,
    device_id: &str,
    visitor_key: &str,
    kind: &str,
    since: i64,
    until: i64,
) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM portal_events WHERE device_id = $1 AND occurred_at > $2 AND occurred_at <= $3 \
         AND visitor_key = $4 AND kind = $5 LIMIT 1",
    )
    .bind(device_id)
    .bind(since)
    .bind(until)
    .bind(visitor_key)
    .bind(kind)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Adds `count` events of `kind` to a device's day at a deployment.
pub async fn add_day_count(
    conn: &mut Conn,
    deployment_id: &str,
    device_id: &str,
    day: &str,
    kind: &str,
    count: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO portal_event_days (deployment_id, day, device_id, kind, count) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (deployment_id, day, device_id, kind) DO UPDATE SET count = portal_event_days.count + excluded.count",
    )
    .bind(deployment_id)
    .bind(day)
    .bind(device_id)
    .bind(kind)
    .bind(count)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds counted scans (with the latest scan time, if any) and portal cases to a device's statistics.
pub async fn add_device_stats(
    conn: &mut Conn,
    device_id: &str,
    scans: i64,
    last_scan_at: Option<i64>,
    portal_cases: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO device_scan_stats (device_id, scans, last_scan_at, portal_cases) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (device_id) DO UPDATE SET scans = device_scan_stats.scans + excluded.scans, \
         last_scan_at = CASE WHEN device_scan_stats.last_scan_at IS NULL THEN excluded.last_scan_at \
           WHEN excluded.last_scan_at IS NOT NULL AND excluded.last_scan_at > device_scan_stats.last_scan_at \
           THEN excluded.last_scan_at ELSE device_scan_stats.last_scan_at END, \
         portal_cases = device_scan_stats.portal_cases + excluded.portal_cases",
    )
    .bind(device_id)
    .bind(scans)
    .bind(last_scan_at)
    .bind(portal_cases)
    .execute(conn)
    .await?;
    Ok(())
}

/// The time zone (IANA name) of a deployment, which decides the day its events count on.
pub async fn deployment_timezone(conn: &mut Conn, deployment_id: &str) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT timezone FROM deployments WHERE id = $1")
        .bind(deployment_id)
        .fetch_optional(conn)
        .await?)
}

/// Deletes raw events that occurred before `before` (their daily counts and the device statistics stay);
/// returns how many went.
pub async fn purge_events_before(conn: &mut Conn, before: i64) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM portal_events WHERE occurred_at < $1").bind(before).execute(conn).await?;
    Ok(done.rows_affected())
}
