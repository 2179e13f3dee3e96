//! Devices as CSV: export a deployment's devices, import a file of new devices (all or nothing).
//!
//! The columns are `name,serial_number,manufacturer,model,tags,notes`; tags are one cell, separated by
//! commas. An import checks every row with the same rules as the device form, plus serial numbers
//! repeated in the file or already used in the workspace, before it writes anything; then it creates all
//! rows in one transaction.

use std::collections::{HashMap, HashSet};

use ::csv::{ReaderBuilder, StringRecord, Writer};
use serde::Serialize;
use tagdesk_domain::{DeploymentId, DeviceId, FieldErrors};
use tagdesk_store::{deployments, devices};

use super::fields::{ValidFields, serial_key};
use super::{DeviceInput, DeviceView};
use crate::audit;
use crate::error::OrNotFound;
use crate::{Actor, App, AppError, AppResult};

/// The columns of an export, and the ones an import understands (only `name` is required).
pub const CSV_COLUMNS: [&str; 6] = ["name", "serial_number", "manufacturer", "model", "tags", "notes"];
/// The most rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// How many problems an import failure lists before summing up the rest.
pub const MAX_REPORTED_PROBLEMS: usize = 20;
/// Progress is reported after this many created devices.
const PROGRESS_EVERY: u64 = 500;
/// The invalid field an import's problems are reported under.
const FILE: &str = "file";

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Devices created.
    pub created: u64,
}

/// The deployment's devices as CSV text (header [`CSV_COLUMNS`], then one row per device in creation order,
/// tags joined with ", "). Archived devices are left out: an export lists what is in service, and
/// importing it elsewhere must not revive retired devices. Viewers may export.
pub async fn export_csv(app: &App, actor: &Actor, deployment: DeploymentId) -> AppResult<String> {
    actor.require_see(deployment)?;
    let workspace = actor.workspace_id.to_string();
    let deployment = deployment.to_string();
    let mut conn = app.store.read().await?;
    deployments::get(&mut conn, &workspace, &deployment).await?.or_not_found()?;
    let mut writer = Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS).map_err(internal)?;
    let mut after: Option<String> = None;
    loop {
        let filter = devices::DeviceFilter {
            workspace_id: &workspace,
            deployment_id: Some(&deployment),
            after: after.as_deref(),
            limit: 1000,
            ..devices::DeviceFilter::default()
        };
        let rows = devices::list(&mut conn, &filter).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        for row in rows {
            let device = DeviceView::from_row(row)?;
            let tags = device.tags.join(", ");
            let serial = device.serial_number.unwrap_or_default();
            let cells = [&device.name, &serial, &device.manufacturer, &device.model, &tags, &device.notes];
            writer.write_record(cells.map(|c| defuse_formula(c).into_owned())).map_err(internal)?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(internal)
}

/// Creates a device for every row of a CSV file in the deployment, which the caller must be able to work
/// in. The file is UTF-8 (a byte-order mark is fine) with a header naming its columns ([`CSV_COLUMNS`], in
/// any order; only `name` is required) and at most [`MAX_IMPORT_ROWS`] rows. Every row is checked before
/// anything is written; problems come back as [`AppError::Invalid`] on the field `file`, one message per
/// problem ("Line 4: name: This field is required."), with line numbers as in the file. Then all devices
/// are created in one transaction, calling `progress(done, total)` now and then, and one audit entry
/// records the import.
pub async fn import_csv(
    app: &App,
    actor: &Actor,
    deployment: DeploymentId,
    bytes: &[u8],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> AppResult<ImportReport> {
    actor.require_work(deployment)?;
    let workspace = actor.workspace_id.to_string();
    let deployment_id = deployment.to_string();
    let rows = {
        let mut conn = app.store.read().await?;
        deployments::get(&mut conn, &workspace, &deployment_id).await?.or_not_found()?;
        let taken = devices::serial_numbers(&mut conn, &workspace).await?;
        let taken: HashSet<String> = taken.iter().map(|s| serial_key(s)).collect();
        // Up to 50,000 rows of checks: CPU work, kept off the async workers.
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || parse_file(&bytes, &taken))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??
    };

    let total = rows.len() as u64;
    progress(0, total);
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let deployment_row = deployments::get(&mut tx, &workspace, &deployment_id).await?.or_not_found()?;
    let mut done = 0;
    for row in &rows {
        let id = DeviceId::new().to_string();
        devices::insert(&mut tx, &id, &workspace, &deployment_id, &row.fields.as_store(), now).await.map_err(
            |err| match (&row.fields.serial_number, err.is_unique_on("serial")) {
                (Some(serial), true) => AppError::invalid(FILE, taken_message(row.line, serial)),
                _ => AppError::Store(err),
            },
        )?;
        crate::portal::tokens::assign_new(&mut tx, &id).await?;
        done += 1;
        if done % PROGRESS_EVERY == 0 && done < total {
            progress(done, total);
        }
    }
    let summary = format!("Imported {total} devices from a CSV file into {}", deployment_row.name);
    audit::record(&mut tx, actor, "devices.imported", ("deployment", &deployment_id), summary, now).await?;
    tx.commit().await?;
    app.portal_cache.clear();
    progress(total, total);
    tracing::info!(deployment.id = %deployment_id, devices.created = total, "devices imported from CSV");
    Ok(ImportReport { created: total })
}

/// One valid row of an import.
#[derive(Debug)]
struct ImportRow {
    /// Where the row starts in the file (the header is line 1).
    line: u64,
    fields: ValidFields,
}

/// Decodes and checks a whole file against the workspace's `taken` serial keys. Pure: no IO.
fn parse_file(bytes: &[u8], taken: &HashSet<String>) -> AppResult<Vec<ImportRow>> {
    let text = decode(bytes)?;
    let mut reader = ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(file_error)?.clone();
    let columns = Columns::from_header(&header)?;

    let mut problems = Problems::default();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut record = StringRecord::new();
    let mut count = 0_usize;
    while reader.read_record(&mut record).map_err(file_error)? {
        let line = record.position().map_or(0, |position| line_of(text, position));
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        count += 1;
        if count > MAX_IMPORT_ROWS {
            return Err(AppError::invalid(
                FILE,
                format!("The file has more than {MAX_IMPORT_ROWS} rows. Split it into smaller files."),
            ));
        }
        if record.len() > header.len() {
            problems.add(format!("Line {line}: this row has more cells than the header has columns."));
            continue;
        }
        let mut errors = FieldErrors::new();
        let fields = ValidFields::check(&mut errors, &columns.input(&record));
        for error in errors.iter() {
            problems.add(format!("Line {line}: {}: {}", error.field, error.message));
        }
        let Some(fields) = fields else { continue };
        if let Some(serial) = &fields.serial_number {
            let key = serial_key(serial);
            if let Some(first) = first_line_of.get(&key) {
                problems.add(format!(
                    "Line {line}: serial number {serial} is used twice in the file (first on line {first})."
                ));
            } else if taken.contains(&key) {
                problems.add(taken_message(line, serial));
            }
            first_line_of.entry(key).or_insert(line);
        }
        if problems.is_empty() {
            rows.push(ImportRow { line, fields });
        }
    }
    problems.into_result()?;
    if rows.is_empty() {
        return Err(AppError::invalid(FILE, "The file has no devices below the header line."));
    }
    Ok(rows)
}

/// The line a record starts on. The reader's position is where it began looking, before the blank lines
/// it skips, so those are counted here.
/// Spreadsheets run cells starting with `=`, `+`, `-` or `@` as formulas ("CSV injection"); exported cells
/// that start so get a leading `'`, which spreadsheets hide and [`restore_formula`] removes on import, so an
/// export imports back unchanged.
fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) { format!("'{cell}").into() } else { cell.into() }
}

/// Undoes [`defuse_formula`].
fn restore_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

fn line_of(text: &str, position: &::csv::Position) -> u64 {
    let rest = usize::try_from(position.byte()).ok().and_then(|at| text.as_bytes().get(at..)).unwrap_or_default();
    let blank = rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).filter(|b| **b == b'\n').count();
    position.line() + blank as u64
}

fn taken_message(line: u64, serial: &str) -> String {
    format!("Line {line}: serial number {serial} is already used by another device in this workspace.")
}

/// The text of the file: UTF-8 after an optional byte-order mark.
fn decode(bytes: &[u8]) -> AppResult<&str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|err| {
        let line = bytes[..err.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        AppError::invalid(
            FILE,
            format!("The file is not UTF-8 text (line {line}). Save it as \u{201c}CSV UTF-8\u{201d} and try again."),
        )
    })
}

/// Where each known column is in the file.
struct Columns([Option<usize>; CSV_COLUMNS.len()]);

impl Columns {
    /// Reads the header: names are matched ignoring case, surrounding blanks, and spaces or hyphens for
    /// underscores ("Serial number"). Columns with a blank name are ignored; unknown or repeated names and
    /// a missing `name` column are errors.
    fn from_header(header: &StringRecord) -> AppResult<Self> {
        if header.iter().all(|cell| cell.trim().is_empty()) {
            return Err(AppError::invalid(
                FILE,
                format!("The file is empty. Its first line must name the columns, e.g. {}.", CSV_COLUMNS.join(",")),
            ));
        }
        let mut found = [None; CSV_COLUMNS.len()];
        let mut unknown = Vec::new();
        for (index, cell) in header.iter().enumerate() {
            let name = cell.trim().to_lowercase().replace([' ', '-'], "_");
            if name.is_empty() {
                continue;
            }
            match CSV_COLUMNS.iter().position(|c| *c == name) {
                Some(known) if found[known].is_some() => {
                    return Err(AppError::invalid(FILE, format!("The header names the column `{name}` twice.")));
                }
                Some(known) => found[known] = Some(index),
                None => unknown.push(format!("`{}`", cell.trim())),
            }
        }
        if !unknown.is_empty() {
            return Err(AppError::invalid(
                FILE,
                format!(
                    "The header has unknown columns: {}. Use only {}.",
                    unknown.join(", "),
                    CSV_COLUMNS.map(|c| format!("`{c}`")).join(", ")
                ),
            ));
        }
        if found[0].is_none() {
            return Err(AppError::invalid(
                FILE,
                format!(
                    "The header has no `name` column. Its first line must name the columns, e.g. {}.",
                    CSV_COLUMNS.join(",")
                ),
            ));
        }
        Ok(Self(found))
    }

    /// The row as form input; absent columns and cells are blank.
    fn input(&self, record: &StringRecord) -> DeviceInput {
        let cell = |column: usize| -> String {
            restore_formula(self.0[column].and_then(|index| record.get(index)).unwrap_or_default()).to_owned()
        };
        DeviceInput {
            deployment_id: String::new(),
            name: cell(0),
            serial_number: cell(1),
            manufacturer: cell(2),
            model: cell(3),
            tags: cell(4),
            notes: cell(5),
        }
    }
}

/// The first [`MAX_REPORTED_PROBLEMS`] problems of a file, and how many more there were.
#[derive(Default)]
struct Problems {
    listed: Vec<String>,
    more: usize,
}

impl Problems {
    fn add(&mut self, message: String) {
        if self.listed.len() < MAX_REPORTED_PROBLEMS {
            self.listed.push(message);
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    fn into_result(self) -> AppResult<()> {
        if self.listed.is_empty() {
            return Ok(());
        }
        let mut errors = FieldErrors::new();
        for message in self.listed {
            errors.add(FILE, message);
        }
        if self.more > 0 {
            errors.add(FILE, format!("…and {} more problems. Fix these and import the file again.", self.more));
        }
        Err(AppError::Invalid(errors))
    }
}

/// A CSV syntax problem, with its line when known.
fn file_error(err: ::csv::Error) -> AppError {
    match err.position() {
        Some(position) => AppError::invalid(FILE, format!("Line {}: this is not valid CSV ({err}).", position.line())),
        None => AppError::invalid(FILE, format!("This is not a valid CSV file ({err}).")),
    }
}

fn internal(err: impl std::fmt::Display) -> AppError {
    AppError::Internal(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(bytes: &[u8]) -> Vec<String> {
        match parse_file(bytes, &HashSet::from(["taken-1".to_owned()])) {
            Err(AppError::Invalid(errors)) => errors.iter().map(|e| e.message.clone()).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn formulas_are_defused_on_export_and_restored_on_import() {
        assert_eq!(defuse_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse_formula("-5"), "'-5");
        assert_eq!(defuse_formula("Robot"), "Robot");
        for cell in ["=1+1", "+49 30", "@SUM(A1)", "-x", "plain", "'quoted"] {
            assert_eq!(restore_formula(&defuse_formula(cell)), cell);
        }
    }

    #[test]
    fn rows_are_checked_with_file_line_numbers() {
        let file =
            b"\xEF\xBB\xBFName,Serial Number,tags\r\nA,SN-1,x\r\n\r\n\"B\nsecond line\",sn-1,\n,SN-2,\nD,TAKEN-1,\n";
        assert_eq!(
            problems(file),
            [
                "Line 4: serial number sn-1 is used twice in the file (first on line 2).",
                "Line 6: name: This field is required.",
                "Line 7: serial number TAKEN-1 is already used by another device in this workspace.",
            ]
        );
    }

    #[test]
    fn headers_and_encoding_are_explained() {
        assert!(problems(b"serial_number\nX\n")[0].starts_with("The header has no `name` column"));
        assert!(problems(b"name,colour,size\nX,red,1\n")[0].contains("unknown columns: `colour`, `size`"));
        assert!(problems(b"name,NAME\nX,Y\n")[0].contains("twice"));
        assert!(problems(b"")[0].starts_with("The file is empty"));
        assert!(problems(b"name\n")[0].contains("no devices"));
        assert!(problems(b"name\nok\nCaf\xE9\n")[0].starts_with("The file is not UTF-8 text (line 3)"));
    }

    #[test]
    fn problems_are_capped() {
        let file = format!("name,model\n{}", ",x\n".repeat(25));
        let listed = problems(file.as_bytes());
        assert_eq!(listed.len(), MAX_REPORTED_PROBLEMS + 1);
        assert!(listed[MAX_REPORTED_PROBLEMS].contains("5 more problems"));
    }

    #[test]
    fn valid_rows_parse_in_order() {
        let rows = parse_file(b"name,tags\nA,\"a, b\"\nB,\n", &HashSet::new()).expect("valid");
        assert_eq!(rows.iter().map(|r| (r.line, r.fields.name.as_str())).collect::<Vec<_>>(), [(2, "A"), (3, "B")]);
        assert_eq!(rows[0].fields.tags.as_slice(), ["a", "b"]);
    }
}
