//! The days a scan report covers: the last 7, 30 or 90 days, or a chosen range, in the deployment's time
//! zone (the daily counts are kept per local day).

use chrono::{Days, NaiveDate};
use tagdesk_domain::FieldErrors;
use tagdesk_domain::scan::{Tz, day_range_ms, local_day, parse_day};

use crate::{AppError, AppResult};

/// The preset periods the pages offer, in days.
pub const PRESET_DAYS: [i64; 3] = [7, 30, 90];
/// The default period (days).
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period one report covers (days).
pub const MAX_DAYS: i64 = 366;

/// A range of local days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// What a caller asked for: `days` (a preset or any 1–366), or `from` and `to` (`YYYY-MM-DD`), which win
/// when both are given. Nothing: the last [`DEFAULT_DAYS`] days.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PeriodQuery {
    /// The last this many days, today included.
    pub days: Option<i64>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
}

impl Period {
    /// The last `days` days up to `today`, both included.
    pub fn last_days(days: i64, today: NaiveDate) -> Self {
        let back = u64::try_from(days.clamp(1, MAX_DAYS) - 1).unwrap_or(0);
        Self { from: today.checked_sub_days(Days::new(back)).unwrap_or(today), to: today }
    }

    /// Resolves a query against today in the deployment's zone `tz` (`now` in UTC ms). Errors name the
    /// fields `days`, `from` and `to`.
    pub fn resolve(query: &PeriodQuery, now: i64, tz: Tz) -> AppResult<Self> {
        let today = local_day(now, tz);
        let from = query.from.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let to = query.to.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if from.is_none() && to.is_none() {
            return match query.days {
                None => Ok(Self::last_days(DEFAULT_DAYS, today)),
                Some(days) if (1..=MAX_DAYS).contains(&days) => Ok(Self::last_days(days, today)),
                Some(_) => Err(AppError::invalid("days", format!("Choose between 1 and {MAX_DAYS} days."))),
            };
        }
        let mut errors = FieldErrors::new();
        let from = errors.check("from", from.map_or_else(|| Ok(today), parse_day));
        let to = errors.check("to", to.map_or_else(|| Ok(today), parse_day));
        errors.into_result()?;
        let (Some(from), Some(to)) = (from, to) else {
            return Err(AppError::invalid("from", "Enter a date as YYYY-MM-DD."));
        };
        let period = Self { from, to };
        if from > to {
            return Err(AppError::invalid("to", "The end date must not be before the start date."));
        }
        if period.days() > MAX_DAYS {
            return Err(AppError::invalid("to", format!("Choose at most {MAX_DAYS} days.")));
        }
        Ok(period)
    }

    /// How many days.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Every day, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(move |day| *day <= self.to)
    }

    /// The UTC millisecond range `[start, end)` of these days in `tz`.
    pub fn range_ms(&self, tz: Tz) -> (i64, i64) {
        day_range_ms(self.from, self.to, tz)
    }

    /// The days as `YYYY-MM-DD` (how the daily counts store them).
    pub fn bounds(&self) -> (String, String) {
        (self.from.to_string(), self.to.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        parse_day(raw).expect("day")
    }

    #[test]
    fn presets_custom_ranges_and_their_errors() {
        let utc = tagdesk_domain::scan::zone("UTC");
        let now = day("2026-05-20").and_hms_opt(12, 0, 0).expect("time").and_utc().timestamp_millis();
        let q = |days: Option<i64>, from: &str, to: &str| PeriodQuery {
            days,
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
        };
        let default = Period::resolve(&PeriodQuery::default(), now, utc).expect("default");
        assert_eq!((default.from, default.to, default.days()), (day("2026-04-21"), day("2026-05-20"), 30));
        let week = Period::resolve(&q(Some(7), "", ""), now, utc).expect("week");
        assert_eq!((week.from, week.days()), (day("2026-05-14"), 7));
        let custom = Period::resolve(&q(Some(7), "2026-01-01", "2026-01-31"), now, utc).expect("custom");
        assert_eq!((custom.days(), custom.each_day().count()), (31, 31));
        let open_end = Period::resolve(&q(None, "2026-05-18", ""), now, utc).expect("open end");
        assert_eq!(open_end.to, day("2026-05-20"));
        let field = |r: AppResult<Period>| {
            r.err().and_then(|e| e.field_errors().and_then(|f| f.iter().next().map(|e| e.field.clone())))
        };
        assert_eq!(field(Period::resolve(&q(Some(0), "", ""), now, utc)), Some("days".to_owned()));
        assert_eq!(field(Period::resolve(&q(None, "2026-02-01", "2026-01-01"), now, utc)), Some("to".to_owned()));
        assert_eq!(field(Period::resolve(&q(None, "2024-01-01", "2026-01-01"), now, utc)), Some("to".to_owned()));
        assert_eq!(field(Period::resolve(&q(None, "01/02/2026", ""), now, utc)), Some("from".to_owned()));
    }
}
