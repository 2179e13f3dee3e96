//! The template form without JavaScript: every custom field is a row of inputs named
//! `fields.<row>.<part>`, so validation errors (`fields.3.options`) land next to the right row.

use tagdesk_app::templates::{TemplateInput, TemplateView};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{CaseType, FieldErrors, FieldKind};

use crate::pages::forms::RawForm;

/// Blank rows offered for new fields, and how many "Save and add more fields" adds.
pub const BLANK_ROWS: usize = 2;
/// The most blank rows a form shows.
pub const MAX_BLANK_ROWS: usize = 20;

/// One row of the custom-field editor, as shown and as submitted.
#[derive(Debug, Clone, Default)]
pub struct FieldRow {
    /// Row number in the form (the `<row>` of the input names).
    pub index: usize,
    /// Key of an existing field; empty for a new one.
    pub key: String,
    /// Label.
    pub label: String,
    /// Kind in wire form.
    pub kind: String,
    /// Help text.
    pub help: String,
    /// Required flag.
    pub required: bool,
    /// Options, one per line.
    pub options: String,
    /// Sort position as typed.
    pub position: String,
    /// "Remove this field" was ticked.
    pub remove: bool,
}

impl FieldRow {
    /// The input name of one part of this row, e.g. `fields.2.label`.
    pub fn n(&self, part: &str) -> String {
        format!("fields.{}.{part}", self.index)
    }

    /// Whether the row is an existing field (it can be removed).
    pub fn is_existing(&self) -> bool {
        !self.key.is_empty()
    }

    /// A row nobody filled in: new and without a label. Ignored when saving.
    pub fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.label.trim().is_empty()
    }

    fn blank(index: usize) -> Self {
        Self {
            index,
            kind: FieldKind::ShortText.as_str().to_owned(),
            position: (index + 1).to_string(),
            ..Self::default()
        }
    }
}

/// The whole template form.
#[derive(Debug, Clone, Default)]
pub struct TemplateForm {
    /// Name.
    pub name: String,
    /// Pre-filled title.
    pub title: String,
    /// Type in wire form.
    pub case_type: String,
    /// Description.
    pub description: String,
    /// Solution suggestion.
    pub solution_suggestion: String,
    /// Field rows in form order.
    pub rows: Vec<FieldRow>,
}

impl TemplateForm {
    /// An empty form with `blank` rows for new fields.
    pub fn empty(blank: usize) -> Self {
        let mut form = Self { case_type: CaseType::Other.as_str().to_owned(), ..Self::default() };
        form.add_blank_rows(blank);
        form
    }

    /// The form for editing `view`, with `blank` rows for new fields.
    pub fn of(view: &TemplateView, blank: usize) -> Self {
        let input = TemplateInput::from(view);
        let rows = input
            .fields
            .iter()
            .enumerate()
            .map(|(index, f)| FieldRow {
                index,
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.kind.clone(),
                help: f.help.clone(),
                required: f.required,
                options: f.options.join("\n"),
                position: (index + 1).to_string(),
                remove: false,
            })
            .collect();
        let mut form = Self {
            name: input.name,
            title: input.title,
            case_type: input.case_type,
            description: input.description,
            solution_suggestion: input.solution_suggestion,
            rows,
        };
        form.add_blank_rows(blank);
        form
    }

    /// Appends `count` empty rows (up to [`MAX_BLANK_ROWS`] blank ones in all).
    pub fn add_blank_rows(&mut self, count: usize) {
        let have = self.rows.iter().filter(|r| r.is_blank()).count();
        let count = count.min(MAX_BLANK_ROWS.saturating_sub(have));
        for _ in 0..count {
            let index = self.rows.iter().map(|r| r.index + 1).max().unwrap_or(0);
            self.rows.push(FieldRow::blank(index));
        }
    }

    /// How many rows are still blank.
    pub fn blank_rows(&self) -> usize {
        self.rows.iter().filter(|r| r.is_blank()).count()
    }

    /// Reads a submitted form.
    pub fn parse(raw: &RawForm) -> Self {
        let mut rows: Vec<FieldRow> = Vec::new();
        for (name, value) in &raw.0 {
            let Some((index, part)) = name.strip_prefix("fields.").and_then(|rest| rest.split_once('.')) else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else { continue };
            if index >= 1000 {
                continue;
            }
            let row = match rows.iter_mut().position(|r| r.index == index) {
                Some(at) => &mut rows[at],
                None => {
                    rows.push(FieldRow { index, ..FieldRow::default() });
                    let last = rows.len() - 1;
                    &mut rows[last]
                }
            };
            match part {
                "key" => row.key = value.trim().to_owned(),
                "label" => row.label = value.clone(),
                "kind" => row.kind = value.clone(),
                "help" => row.help = value.clone(),
                "required" => row.required = true,
                "options" => row.options = value.clone(),
                "position" => row.position = value.clone(),
                "remove" => row.remove = true,
                _ => {}
            }
        }
        rows.sort_by_key(|r| r.index);
        Self {
            name: raw.get("name").to_owned(),
            title: raw.get("title").to_owned(),
            case_type: raw.get("case_type").to_owned(),
            description: raw.get("description").to_owned(),
            solution_suggestion: raw.get("solution_suggestion").to_owned(),
            rows,
        }
    }

    /// The app input, with the row of every draft (to put errors back on the right row). Rows that are
    /// blank or marked for removal are left out.
    pub fn to_input(&self) -> Result<(TemplateInput, Vec<usize>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fields = Vec::new();
        let mut rows_of_drafts = Vec::new();
        for row in self.rows.iter().filter(|r| !r.is_blank() && !r.remove) {
            let position = match row.position.trim() {
                "" => row.index as i64 + 1,
                typed => typed.parse::<i64>().unwrap_or_else(|_| {
                    errors.add(row.n("position"), "Enter a whole number, like 3.");
                    0
                }),
            };
            fields.push(FieldDraft {
                key: row.key.clone(),
                label: row.label.clone(),
                help: row.help.clone(),
                kind: row.kind.clone(),
                required: row.required,
                options: row.options.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect(),
                position,
            });
            rows_of_drafts.push(row.index);
        }
        errors.into_result()?;
        let input = TemplateInput {
            name: self.name.clone(),
            title: self.title.clone(),
            case_type: self.case_type.clone(),
            description: self.description.clone(),
            solution_suggestion: self.solution_suggestion.clone(),
            fields,
        };
        Ok((input, rows_of_drafts))
    }
}

/// Renames `fields.<draft>.<part>` errors to `fields.<row>.<part>`.
pub fn errors_on_rows(errors: &FieldErrors, rows_of_drafts: &[usize]) -> FieldErrors {
    let mut out = FieldErrors::new();
    for error in errors.iter() {
        let renamed =
            error.field.strip_prefix("fields.").and_then(|rest| rest.split_once('.')).and_then(|(draft, part)| {
                let row = rows_of_drafts.get(draft.parse::<usize>().ok()?)?;
                Some(format!("fields.{row}.{part}"))
            });
        out.add(renamed.unwrap_or_else(|| error.field.clone()), error.message.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawForm {
        RawForm(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn blank_and_removed_rows_are_left_out_and_errors_find_their_row() {
        let form = TemplateForm::parse(&raw(&[
            ("name", "Broken screen"),
            ("case_type", "damage"),
            ("fields.0.key", "f1"),
            ("fields.0.label", "Old"),
            ("fields.0.kind", "short_text"),
            ("fields.0.remove", "true"),
            ("fields.1.label", ""),
            ("fields.1.kind", "short_text"),
            ("fields.2.label", "Which part?"),
            ("fields.2.kind", "single_choice"),
            ("fields.2.options", "Glass\r\n\r\nFrame\n"),
            ("fields.2.required", "true"),
        ]));
        let (input, rows) = form.to_input().expect("valid form");
        assert_eq!(rows, vec![2]);
        assert_eq!(input.fields.len(), 1);
        assert_eq!(input.fields[0].options, vec!["Glass", "Frame"]);
        assert!(input.fields[0].required);

        let mut app_errors = FieldErrors::new();
        app_errors.add("fields.0.options", "Needs options.");
        app_errors.add("name", "Taken.");
        let mapped = errors_on_rows(&app_errors, &rows);
        assert_eq!(mapped.get("fields.2.options"), Some("Needs options."));
        assert_eq!(mapped.get("name"), Some("Taken."));
    }

    #[test]
    fn blank_rows_are_added_after_the_last_row() {
        let mut form = TemplateForm::empty(2);
        assert_eq!(form.rows.iter().map(|r| r.index).collect::<Vec<_>>(), vec![0, 1]);
        form.add_blank_rows(2);
        assert_eq!(form.blank_rows(), 4);
        form.add_blank_rows(100);
        assert_eq!(form.blank_rows(), MAX_BLANK_ROWS);
    }
}
