//! Display helpers for templates: timestamps and small conversions. They take `impl Millis` because
//! askama passes template values by reference.

use chrono::{DateTime, Utc};

/// `2026-11-24 10:12 UTC` for a millisecond timestamp.
pub fn datetime(ms: impl Millis) -> String {
    let ms = ms.millis();
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// RFC 3339 (for `<time datetime>` and JSON).
pub fn rfc3339(ms: impl Millis) -> String {
    let ms = ms.millis();
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A millisecond timestamp however many references deep askama hands it over.
pub trait Millis {
    /// The value.
    fn millis(&self) -> i64;
}

impl Millis for i64 {
    fn millis(&self) -> i64 {
        *self
    }
}

impl<T: Millis + ?Sized> Millis for &T {
    fn millis(&self) -> i64 {
        (**self).millis()
    }
}
