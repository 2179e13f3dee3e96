//! The vocabulary of scan tracking (issue 8): what a portal event is, the coarse class of the device a
//! visitor used, and the calendar day an event counts on (in the deployment's time zone).

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};

use crate::DomainError;

pub use chrono_tz::Tz;

/// Two portal views of one device from one browser less than this far apart count once (10 minutes).
pub const REPEAT_WINDOW_MS: i64 = 10 * 60 * 1000;

/// What happened in the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanKind {
    /// A view of `/d/<token>` (PIN page or device page); repeats within [`REPEAT_WINDOW_MS`] count once.
    Scan,
    /// A right PIN started a portal session.
    PinAccepted,
    /// A wrong PIN was checked.
    PinRejected,
    /// A visitor met a lock-out: the wrong PIN that started one, or an attempt refused during one (also
    /// the throttling of guarded mode); repeats within [`REPEAT_WINDOW_MS`] count once, so hammering the
    /// PIN form while locked out is one lock-out, not a flood of events.
    Lockout,
    /// The report form was opened; repeats within [`REPEAT_WINDOW_MS`] count once.
    FormOpened,
    /// A report created a case.
    CaseSubmitted,
    /// "Same problem / more information" was added to an open case.
    NoteAdded,
}

impl ScanKind {
    /// Every kind, in the order of a visit.
    pub const ALL: &'static [ScanKind] = &[
        Self::Scan,
        Self::PinAccepted,
        Self::PinRejected,
        Self::Lockout,
        Self::FormOpened,
        Self::CaseSubmitted,
        Self::NoteAdded,
    ];

    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scan => "scan",
            Self::PinAccepted => "pin_accepted",
            Self::PinRejected => "pin_rejected",
            Self::Lockout => "lockout",
            Self::FormOpened => "form_opened",
            Self::CaseSubmitted => "case_submitted",
            Self::NoteAdded => "note_added",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Scan => "Label scanned",
            Self::PinAccepted => "PIN accepted",
            Self::PinRejected => "PIN rejected",
            Self::Lockout => "Lock-out",
            Self::FormOpened => "Report form opened",
            Self::CaseSubmitted => "Case submitted",
            Self::NoteAdded => "\u{201c}Same problem\u{201d} added",
        }
    }

    /// Parses the stored / wire form.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        Self::ALL.iter().copied().find(|k| k.as_str() == raw).ok_or_else(|| {
            DomainError::invalid(
                "Choose scan, pin_accepted, pin_rejected, lockout, form_opened, case_submitted or note_added.",
            )
        })
    }

    /// Whether repeats from one browser within [`REPEAT_WINDOW_MS`] count once (the views and lock-outs;
    /// actions always count).
    pub fn deduplicated(self) -> bool {
        matches!(self, Self::Scan | Self::FormOpened | Self::Lockout)
    }
}

impl fmt::Display for ScanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The coarse class of the device a visitor used, from its user agent ([`crate::user_agent::classify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    /// A phone.
    Phone,
    /// A tablet.
    Tablet,
    /// A desktop or laptop browser (and anything unrecognised that is not a bot).
    Desktop,
    /// A crawler, link previewer, command-line client, headless browser or an empty user agent: stored,
    /// never counted.
    Bot,
}

impl DeviceClass {
    /// Every class.
    pub const ALL: &'static [DeviceClass] = &[Self::Phone, Self::Tablet, Self::Desktop, Self::Bot];

    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Tablet => "tablet",
            Self::Desktop => "desktop",
            Self::Bot => "bot",
        }
    }

    /// Parses the stored / wire form.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == raw)
            .ok_or_else(|| DomainError::invalid("Choose phone, tablet, desktop or bot."))
    }

    /// Whether events of this class count (everything but bots).
    pub fn counts(self) -> bool {
        self != Self::Bot
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The time zone named `name` (an IANA name as deployments store it); UTC for a name that is not one.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// The calendar day (in `tz`) of the UTC millisecond timestamp `ms`.
pub fn local_day(ms: i64, tz: Tz) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&tz).date_naive()
}

/// The UTC millisecond range `[start, end)` covering the days `from..=to` in `tz` (from local midnight to
/// local midnight; a day of a daylight-saving change is 23 or 25 hours long).
pub fn day_range_ms(from: NaiveDate, to: NaiveDate, tz: Tz) -> (i64, i64) {
    let midnight = |day: NaiveDate| {
        let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        // A midnight that does not exist (a DST gap) starts an hour later; an ambiguous one at its first.
        tz.from_local_datetime(&naive)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest())
            .map_or_else(|| naive.and_utc().timestamp_millis(), |t| t.timestamp_millis())
    };
    let after = to.checked_add_days(Days::new(1)).unwrap_or(to);
    (midnight(from), midnight(after))
}

/// Parses a day as `YYYY-MM-DD`.
pub fn parse_day(raw: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| DomainError::invalid("Enter a date as YYYY-MM-DD."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_classes_round_trip_their_stored_form() {
        for kind in ScanKind::ALL {
            assert_eq!(ScanKind::parse(kind.as_str()).ok(), Some(*kind));
        }
        for class in DeviceClass::ALL {
            assert_eq!(DeviceClass::parse(class.as_str()).ok(), Some(*class));
        }
        assert!(ScanKind::parse("visit").is_err());
        assert!(DeviceClass::parse("toaster").is_err());
        assert!(
            ScanKind::Scan.deduplicated() && ScanKind::FormOpened.deduplicated() && ScanKind::Lockout.deduplicated()
        );
        assert!(!ScanKind::PinRejected.deduplicated() && !ScanKind::CaseSubmitted.deduplicated());
        assert!(!DeviceClass::Bot.counts() && DeviceClass::Phone.counts());
    }

    #[test]
    fn days_follow_the_deployment_time_zone() {
        let berlin = zone("Europe/Berlin");
        assert_eq!(zone("Mars/Olympus"), chrono_tz::UTC);
        // 2026-03-01 23:30 UTC is already 2 March in Berlin.
        let ms = NaiveDate::from_ymd_opt(2026, 3, 1)
            .and_then(|d| d.and_hms_opt(23, 30, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .expect("time");
        assert_eq!(local_day(ms, berlin).to_string(), "2026-03-02");
        assert_eq!(local_day(ms, chrono_tz::UTC).to_string(), "2026-03-01");
        let day = parse_day("2026-03-02").expect("day");
        let (start, end) = day_range_ms(day, day, berlin);
        assert!(start <= ms && ms < end);
        assert_eq!(end - start, 24 * 3600 * 1000);
        // The spring-forward day in Berlin has 23 hours.
        let dst = parse_day("2026-03-29").expect("day");
        let (start, end) = day_range_ms(dst, dst, berlin);
        assert_eq!(end - start, 23 * 3600 * 1000);
        assert!(parse_day("2026-02-30").is_err());
        assert!(parse_day("yesterday").is_err());
    }
}
