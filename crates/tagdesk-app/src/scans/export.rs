//! Scan tracking as CSV files (back office and API): a deployment's raw events and its daily counts over a
//! period. Times are RFC 3339 in UTC; days are the deployment's local days. Cells that a spreadsheet would
//! run as a formula get a leading `'`.

use std::borrow::Cow;

use ::csv::Writer;
use tagdesk_domain::ScanKind;
use tagdesk_store::scan_reports as store;

use super::period::Period;
use super::reports::{EventQuery, ScanScope};
use crate::{App, AppError, AppResult};

/// The columns of the events file.
pub const EVENT_COLUMNS: [&str; 7] =
    ["occurred_at", "kind", "device_id", "device_name", "serial_number", "device_class", "visitor_key"];
/// The columns of the daily counts file.
pub const DAY_COLUMNS: [&str; 6] = ["day", "device_id", "device_name", "serial_number", "kind", "count"];
/// The most events one file holds; a longer period is refused with a message to choose a shorter one.
pub const MAX_EXPORT_EVENTS: usize = 200_000;
/// Events read per query while exporting.
const CHUNK: i64 = 5_000;

fn internal(err: impl std::fmt::Display) -> AppError {
    AppError::Internal(err.to_string())
}

/// A cell a spreadsheet will not run as a formula.
fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) { format!("'{cell}").into() } else { cell.into() }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn finish(writer: Writer<Vec<u8>>) -> AppResult<String> {
    let bytes = writer.into_inner().map_err(internal)?;
    String::from_utf8(bytes).map_err(internal)
}

/// The deployment's raw events matching `query`, oldest first, as CSV ([`EVENT_COLUMNS`]).
pub async fn events_csv(app: &App, scope: &ScanScope, query: EventQuery) -> AppResult<String> {
    let (from_ms, to_ms) = query.period.range_ms(scope.tz());
    let deployment = scope.deployment().id.to_string();
    let device = query.device.map(|d| d.to_string());
    let mut writer = Writer::from_writer(Vec::new());
    writer.write_record(EVENT_COLUMNS).map_err(internal)?;
    let mut conn = app.store.read().await?;
    let mut after: Option<(i64, String)> = None;
    let mut written = 0_usize;
    loop {
        let filter = store::EventFilter {
            deployment_id: &deployment,
            from_ms,
            to_ms,
            kind: query.kind.map(ScanKind::as_str),
            device_id: device.as_deref(),
            after: after.as_ref().map(|(at, id)| (*at, id.as_str())),
            limit: CHUNK,
        };
        let rows = store::events(&mut conn, &filter).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.occurred_at, last.id.clone()));
        written += rows.len();
        if written > MAX_EXPORT_EVENTS {
            return Err(AppError::invalid(
                "to",
                format!("More than {MAX_EXPORT_EVENTS} events: choose a shorter period or one kind."),
            ));
        }
        for row in &rows {
            let serial = row.serial_number.as_deref().unwrap_or_default();
            let cells = [
                rfc3339(row.occurred_at).into(),
                Cow::from(row.kind.as_str()),
                row.device_id.as_str().into(),
                defuse(&row.device_name),
                defuse(serial),
                row.device_class.as_str().into(),
                row.visitor_key.as_str().into(),
            ];
            writer.write_record(cells.iter().map(|c| c.as_bytes())).map_err(internal)?;
        }
    }
    finish(writer)
}

/// The deployment's daily counts per device in the period, as CSV ([`DAY_COLUMNS`]; bots excluded).
pub async fn days_csv(app: &App, scope: &ScanScope, period: Period) -> AppResult<String> {
    let (from, to) = period.bounds();
    let mut conn = app.store.read().await?;
    let rows = store::device_day_counts(&mut conn, &scope.deployment().id.to_string(), &from, &to).await?;
    let mut writer = Writer::from_writer(Vec::new());
    writer.write_record(DAY_COLUMNS).map_err(internal)?;
    for row in &rows {
        let count = row.count.to_string();
        let serial = row.serial_number.as_deref().unwrap_or_default();
        let cells = [
            Cow::from(row.day.as_str()),
            row.device_id.as_str().into(),
            defuse(&row.device_name),
            defuse(serial),
            row.kind.as_str().into(),
            count.as_str().into(),
        ];
        writer.write_record(cells.iter().map(|c| c.as_bytes())).map_err(internal)?;
    }
    finish(writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_times_are_utc() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("Robot 7"), "Robot 7");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }
}
