//! The CSV of device → portal URL, safe to open in a spreadsheet.

use std::borrow::Cow;

use crate::LabelError;

/// One device's line of the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlRow<'a> {
    /// The device's name.
    pub name: &'a str,
    /// The device's serial number (may be empty).
    pub serial: &'a str,
    /// The deployment's name.
    pub deployment: &'a str,
    /// The device's portal URL.
    pub url: &'a str,
}

/// The CSV header, in column order.
const HEADER: [&str; 4] = ["name", "serial", "deployment", "url"];

/// A UTF-8 CSV (RFC 4180 quoting, `\n` line ends, no byte-order mark) with the header
/// `name,serial,deployment,url` and one line per row.
///
/// Formula injection is defused: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
/// leading `'`, so spreadsheets show it as text instead of evaluating it (`-12` becomes `'-12`).
pub fn csv(rows: &[UrlRow<'_>]) -> Result<Vec<u8>, LabelError> {
    let fail = |e: csv::Error| LabelError::Render(format!("The CSV could not be written: {e}"));
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(HEADER).map_err(fail)?;
    for row in rows {
        let cells = [row.name, row.serial, row.deployment, row.url].map(defuse);
        writer.write_record(cells.iter().map(|cell| cell.as_bytes())).map_err(fail)?;
    }
    writer.into_inner().map_err(|e| LabelError::Render(format!("The CSV could not be written: {e}")))
}

/// `cell`, with a `'` in front when a spreadsheet would take it for a formula.
fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_header_quoting_and_one_line_per_device() {
        let rows = [
            UrlRow { name: "Kaffeemaschine, Küche", serial: "SN-1", deployment: "HQ", url: "HTTPS://D.EX/D/AB12" },
            UrlRow { name: "Say \"hi\"", serial: "", deployment: "Zweigstelle Süd", url: "HTTPS://D.EX/D/CD34" },
        ];
        let text = String::from_utf8(csv(&rows).expect("csv")).expect("utf-8");
        assert_eq!(
            text,
            "name,serial,deployment,url\n\
             \"Kaffeemaschine, Küche\",SN-1,HQ,HTTPS://D.EX/D/AB12\n\
             \"Say \"\"hi\"\"\",,Zweigstelle Süd,HTTPS://D.EX/D/CD34\n"
        );
        assert_eq!(csv(&[]).expect("csv"), b"name,serial,deployment,url\n");
    }

    #[test]
    fn cells_that_look_like_formulas_are_defused() {
        let rows =
            [UrlRow { name: "=HYPERLINK(\"http://evil\",\"x\")", serial: "-2+3", deployment: "@SUM(A1)", url: "+1" }];
        let text = String::from_utf8(csv(&rows).expect("csv")).expect("utf-8");
        let line = text.lines().nth(1).expect("a row");
        assert_eq!(line, "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'-2+3,'@SUM(A1),'+1");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().expect("a record").expect("parses");
        for cell in &record {
            assert!(cell.starts_with('\''), "{cell}");
        }
        for tricky in ["\tcmd", "\rcmd"] {
            assert_eq!(defuse(tricky), format!("'{tricky}"));
        }
        assert_eq!(defuse("Printer"), "Printer");
        assert_eq!(defuse(""), "");
    }
}
