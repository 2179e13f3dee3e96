//! Display helpers for templates: timestamps and small conversions.

use chrono::{DateTime, Utc};

/// `2026-11-24 10:12 UTC` for a millisecond timestamp.
pub fn datetime(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// RFC 3339 (for `<time datetime>` and JSON).
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
