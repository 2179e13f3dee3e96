//! Times as scan tracking shows them to staff: how long ago, with the exact time beside it
//! (`<time datetime="…">3 days ago</time> (2026-05-17 10:12 UTC)`).

use crate::format;

/// A timestamp for `<time datetime="{{ iso }}">{{ ago }}</time> ({{ text }})`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// RFC 3339.
    pub iso: String,
    /// `2026-05-17 10:12 UTC`.
    pub text: String,
    /// "3 days ago".
    pub ago: String,
}

impl Shown {
    /// `at` as seen at `now` (both UTC ms).
    pub fn of(at: i64, now: i64) -> Self {
        Self { iso: format::rfc3339(at), text: format::datetime(at), ago: ago(at, now) }
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 { format!("1 {unit} ago") } else { format!("{n} {unit}s ago") }
}

/// How long before `now` the time `at` was, in words ("just now", "5 minutes ago", "yesterday", "3 weeks
/// ago", "2 years ago").
pub fn ago(at: i64, now: i64) -> String {
    let seconds = (now - at) / 1000;
    if seconds < 60 {
        return "just now".to_owned();
    }
    let minutes = seconds / 60;
    if minutes < 60 {
        return plural(minutes, "minute");
    }
    let hours = minutes / 60;
    if hours < 24 {
        return plural(hours, "hour");
    }
    let days = hours / 24;
    match days {
        1 => "yesterday".to_owned(),
        2..=13 => plural(days, "day"),
        14..=59 => plural(days / 7, "week"),
        60..=729 => plural(days / 30, "month"),
        _ => plural(days / 365, "year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_how_long_ago() {
        let now = 10_000_000_000_000;
        let minute = 60_000;
        let day = 24 * 60 * minute;
        assert_eq!(ago(now - 5_000, now), "just now");
        assert_eq!(ago(now + 5_000, now), "just now");
        assert_eq!(ago(now - minute, now), "1 minute ago");
        assert_eq!(ago(now - 45 * minute, now), "45 minutes ago");
        assert_eq!(ago(now - 3 * 60 * minute, now), "3 hours ago");
        assert_eq!(ago(now - day, now), "yesterday");
        assert_eq!(ago(now - 3 * day, now), "3 days ago");
        assert_eq!(ago(now - 21 * day, now), "3 weeks ago");
        assert_eq!(ago(now - 90 * day, now), "3 months ago");
        assert_eq!(ago(now - 800 * day, now), "2 years ago");
        let shown = Shown::of(0, 0);
        assert_eq!((shown.iso.as_str(), shown.text.as_str()), ("1970-01-01T00:00:00Z", "1970-01-01 00:00 UTC"));
    }
}
