//! Scan tracking's reads: a device's statistics, a deployment's counts per kind and per day (from the daily
//! counts, so they outlive the raw events), the raw events themselves, and the devices whose label was never
//! scanned or not recently. Callers check rights and the deployment's workspace first.

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;
use crate::sql::SqlBuilder;

/// A device's statistics (bots excluded). A device without a row was never scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow)]
pub struct DeviceStatsRow {
    /// Counted scans, all time.
    pub scans: i64,
    /// The latest counted scan (UTC ms).
    pub last_scan_at: Option<i64>,
    /// Cases filed through the portal, all time.
    pub portal_cases: i64,
}

/// The statistics of a device, if it has any.
pub async fn device_stats(conn: &mut Conn, device_id: &str) -> StoreResult<Option<DeviceStatsRow>> {
    Ok(sqlx::query_as("SELECT scans, last_scan_at, portal_cases FROM device_scan_stats WHERE device_id = $1")
        .bind(device_id)
        .fetch_optional(conn)
        .await?)
}

/// A count of one kind on one day.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DayCountRow {
    /// `YYYY-MM-DD` in the deployment's time zone.
    pub day: String,
    /// The event kind.
    pub kind: String,
    /// Events counted.
    pub count: i64,
}

/// A deployment's counts per day and kind for the days `from..=to` (`YYYY-MM-DD`), every device together,
/// ordered by day.
pub async fn day_counts(conn: &mut Conn, deployment_id: &str, from: &str, to: &str) -> StoreResult<Vec<DayCountRow>> {
    Ok(sqlx::query_as(
        "SELECT day, kind, CAST(SUM(count) AS BIGINT) AS count FROM portal_event_days \
         WHERE deployment_id = $1 AND day >= $2 AND day <= $3 GROUP BY day, kind ORDER BY day, kind",
    )
    .bind(deployment_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// A count of one kind on one day for one device, with the device's name (the CSV of daily counts).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct DeviceDayCountRow {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The device.
    pub device_id: String,
    /// Its name now.
    pub device_name: String,
    /// Its serial number now.
    pub serial_number: Option<String>,
    /// The event kind.
    pub kind: String,
    /// Events counted.
    pub count: i64,
}

/// A deployment's daily counts per device for the days `from..=to`, by day, device and kind.
pub async fn device_day_counts(
    conn: &mut Conn,
    deployment_id: &str,
    from: &str,
    to: &str,
) -> StoreResult<Vec<DeviceDayCountRow>> {
    Ok(sqlx::query_as(
        "SELECT c.day, c.device_id, v.name AS device_name, v.serial_number, c.kind, c.count \
         FROM portal_event_days c JOIN devices v ON v.id = c.device_id \
         WHERE c.deployment_id = $1 AND c.day >= $2 AND c.day <= $3 ORDER BY c.day, v.name, c.device_id, c.kind",
    )
    .bind(deployment_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// A raw event with its device's name and serial number.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EventListRow {
    /// Event id.
    pub id: String,
    /// The device.
    pub device_id: String,
    /// Its name now.
    pub device_name: String,
    /// Its serial number now.
    pub serial_number: Option<String>,
    /// The kind.
    pub kind: String,
    /// UTC ms.
    pub occurred_at: i64,
    /// Keyed hash of the browser's identity.
    pub visitor_key: String,
    /// The device class.
    pub device_class: String,
}

/// Which raw events of a deployment to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter<'a> {
    /// The deployment.
    pub deployment_id: &'a str,
    /// From this time (UTC ms, inclusive).
    pub from_ms: i64,
    /// Until this time (UTC ms, exclusive).
    pub to_ms: i64,
    /// Only this kind.
    pub kind: Option<&'a str>,
    /// Only this device.
    pub device_id: Option<&'a str>,
    /// Continue after this (occurred_at, id).
    pub after: Option<(i64, &'a str)>,
    /// At most this many.
    pub limit: i64,
}

/// Raw events in time order (then id order).
pub async fn events(conn: &mut Conn, f: &EventFilter<'_>) -> StoreResult<Vec<EventListRow>> {
    let mut q = SqlBuilder::new(
        "SELECT e.id, e.device_id, v.name AS device_name, v.serial_number, e.kind, e.occurred_at, e.visitor_key, \
         e.device_class FROM portal_events e JOIN devices v ON v.id = e.device_id WHERE e.deployment_id = ",
    );
    q.bind_text(f.deployment_id);
    q.push(" AND e.occurred_at >= ").bind_int(f.from_ms);
    q.push(" AND e.occurred_at < ").bind_int(f.to_ms);
    if let Some(kind) = f.kind {
        q.push(" AND e.kind = ").bind_text(kind);
    }
    if let Some(device) = f.device_id {
        q.push(" AND e.device_id = ").bind_text(device);
    }
    if let Some((at, id)) = f.after {
        q.push(" AND (e.occurred_at > ").bind_int(at);
        q.push(" OR (e.occurred_at = ").bind_int(at).push(" AND e.id > ").bind_text(id).push("))");
    }
    q.push(" ORDER BY e.occurred_at, e.id LIMIT ").bind_int(f.limit);
    Ok(q.query_as().fetch_all(conn).await?)
}

/// A device of a deployment whose label was never scanned, or not recently.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UnscannedRow {
    /// The device.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its serial number.
    pub serial_number: Option<String>,
    /// Counted scans, all time (0 when never).
    pub scans: i64,
    /// The latest counted scan (UTC ms), if any.
    pub last_scan_at: Option<i64>,
}

/// The active devices of a deployment never scanned (`scanned_before` `None`), or not scanned since
/// `scanned_before` (UTC ms; never-scanned ones included), by name; at most `limit`.
pub async fn unscanned_devices(
    conn: &mut Conn,
    deployment_id: &str,
    scanned_before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<UnscannedRow>> {
    let mut q = SqlBuilder::new(
        "SELECT v.id, v.name, v.serial_number, COALESCE(s.scans, 0) AS scans, s.last_scan_at FROM devices v \
         LEFT JOIN device_scan_stats s ON s.device_id = v.id WHERE v.archived_at IS NULL AND v.deployment_id = ",
    );
    q.bind_text(deployment_id);
    q.push(" AND (s.last_scan_at IS NULL");
    if let Some(before) = scanned_before {
        q.push(" OR s.last_scan_at < ").bind_int(before);
    }
    q.push(") ORDER BY lower(v.name), v.id LIMIT ").bind_int(limit);
    Ok(q.query_as().fetch_all(conn).await?)
}
