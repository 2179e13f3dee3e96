//! Typed custom fields of case templates: their definitions and the validation of submitted values.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{optional_text, required_text};
use crate::{DomainError, FieldErrors};

/// The kind of input a custom field asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    ShortText,
    /// Several lines of text.
    LongText,
    /// A number (decimal allowed).
    Number,
    /// Exactly one of the options.
    SingleChoice,
    /// Any of the options.
    MultipleChoice,
    /// Yes or no.
    Checkbox,
    /// A calendar date (YYYY-MM-DD).
    Date,
}

impl FieldKind {
    /// Every kind, in display order.
    pub const ALL: [FieldKind; 7] = [
        FieldKind::ShortText,
        FieldKind::LongText,
        FieldKind::Number,
        FieldKind::SingleChoice,
        FieldKind::MultipleChoice,
        FieldKind::Checkbox,
        FieldKind::Date,
    ];

    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShortText => "short_text",
            Self::LongText => "long_text",
            Self::Number => "number",
            Self::SingleChoice => "single_choice",
            Self::MultipleChoice => "multiple_choice",
            Self::Checkbox => "checkbox",
            Self::Date => "date",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::ShortText => "Short text",
            Self::LongText => "Long text",
            Self::Number => "Number",
            Self::SingleChoice => "Single choice",
            Self::MultipleChoice => "Multiple choice",
            Self::Checkbox => "Checkbox",
            Self::Date => "Date",
        }
    }

    /// Parses the stored / wire form.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| DomainError::invalid("Choose a field type."))
    }

    /// Whether the kind needs a list of options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::SingleChoice | Self::MultipleChoice)
    }
}

/// One custom field of a template.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldDefinition {
    /// Stable key under which values are stored (`f1`, `f2`, …); never reused within a template.
    pub key: String,
    /// The question shown next to the input.
    pub label: String,
    /// Optional guidance under the label.
    #[serde(default)]
    pub help: String,
    /// The input type.
    pub kind: FieldKind,
    /// Whether a value must be given.
    #[serde(default)]
    pub required: bool,
    /// Choices, for single and multiple choice.
    #[serde(default)]
    pub options: Vec<String>,
}

/// A field definition as typed into a form or sent to the API, before validation.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FieldDraft {
    /// Existing key when editing; empty for a new field.
    #[serde(default)]
    pub key: String,
    /// Label.
    #[serde(default)]
    pub label: String,
    /// Help text.
    #[serde(default)]
    pub help: String,
    /// Kind, in wire form.
    #[serde(default)]
    pub kind: String,
    /// Required flag.
    #[serde(default)]
    pub required: bool,
    /// Options, one per entry.
    #[serde(default)]
    pub options: Vec<String>,
    /// Sort position (lower first).
    #[serde(default)]
    pub position: i64,
}

/// Most custom fields on a template.
pub const MAX_FIELDS: usize = 50;
/// Most options of a choice field.
pub const MAX_OPTIONS: usize = 200;

/// Validates field drafts into definitions, ordered by position; errors are keyed `fields.<index>.<part>`.
/// New fields get keys that do not collide with `used_keys` (keys of earlier versions of the template).
/// Sizes are checked first: more than [`MAX_FIELDS`] fields or [`MAX_OPTIONS`] options in a field are
/// refused before anything else is looked at, so the work is bounded whatever the input's size.
pub fn validate_definitions(drafts: &[FieldDraft], used_keys: &[String]) -> Result<Vec<FieldDefinition>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if drafts.len() > MAX_FIELDS {
        errors.add("fields", format!("A template has at most {MAX_FIELDS} fields."));
        return Err(errors);
    }
    for (index, draft) in drafts.iter().enumerate() {
        if draft.options.len() > MAX_OPTIONS {
            errors.add(format!("fields.{index}.options"), format!("A field has at most {MAX_OPTIONS} options."));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut ordered: Vec<(usize, &FieldDraft)> = drafts.iter().enumerate().collect();
    ordered.sort_by_key(|(i, d)| (d.position, *i));
    let mut next_number =
        used_keys.iter().filter_map(|k| k.strip_prefix('f').and_then(|n| n.parse::<u32>().ok())).max().unwrap_or(0) + 1;
    let mut out = Vec::new();
    let mut seen_keys: Vec<String> = Vec::new();
    for (index, draft) in ordered {
        let at = |part: &str| format!("fields.{index}.{part}");
        let label = errors.check(&at("label"), required_text(&draft.label, 200));
        let help = errors.check(&at("help"), optional_text(&draft.help, 500)).flatten().unwrap_or_default();
        let kind = errors.check(&at("kind"), FieldKind::parse(&draft.kind));
        let mut options: Vec<String> = Vec::new();
        let mut seen_options = std::collections::HashSet::new();
        for option in draft.options.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            if option.chars().count() > 200 {
                errors.add(at("options"), "An option has at most 200 characters.");
            } else if seen_options.insert(option) {
                options.push(option.to_owned());
            }
        }
        if let Some(kind) = kind {
            if kind.has_options() && options.is_empty() {
                errors.add(at("options"), "A choice field needs at least one option (one per line).");
            }
            if !kind.has_options() {
                options.clear();
            }
        }
        let existing = draft.key.trim();
        let key = if !existing.is_empty()
            && used_keys.iter().any(|k| k == existing)
            && !seen_keys.iter().any(|k| k == existing)
        {
            existing.to_owned()
        } else {
            let key = format!("f{next_number}");
            next_number += 1;
            key
        };
        seen_keys.push(key.clone());
        if let (Some(label), Some(kind)) = (label, kind) {
            out.push(FieldDefinition { key, label, help, kind, required: draft.required, options });
        }
    }
    errors.into_result().map(|()| out)
}

/// Validates submitted raw values against definitions. `raw(key)` returns the submitted strings for a
/// field (several for multiple choice). Errors are keyed `field.<key>`. The result maps key → JSON value
/// (string, number, bool or list of strings); empty optional fields are left out.
pub fn validate_values(
    definitions: &[FieldDefinition],
    raw: impl Fn(&str) -> Vec<String>,
) -> Result<BTreeMap<String, Value>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut values = BTreeMap::new();
    for def in definitions {
        let name = format!("field.{}", def.key);
        let submitted: Vec<String> =
            raw(&def.key).into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        let first = submitted.first().cloned().unwrap_or_default();
        let value = match def.kind {
            FieldKind::ShortText | FieldKind::LongText => {
                let max = if def.kind == FieldKind::ShortText { 500 } else { 10_000 };
                errors.check(&name, optional_text(&first, max)).flatten().map(Value::String)
            }
            FieldKind::Number => match first.as_str() {
                "" => None,
                text => match text.replace(',', ".").parse::<f64>() {
                    Ok(n) if n.is_finite() => serde_json::Number::from_f64(n).map(Value::Number),
                    _ => {
                        errors.add(&name, "Enter a number, like 12 or 3.5.");
                        None
                    }
                },
            },
            FieldKind::SingleChoice => match first.as_str() {
                "" => None,
                choice if def.options.iter().any(|o| o == choice) => Some(Value::String(choice.to_owned())),
                _ => {
                    errors.add(&name, "Choose one of the options.");
                    None
                }
            },
            FieldKind::MultipleChoice => {
                let submitted: std::collections::HashSet<&String> = submitted.iter().collect();
                let offered: std::collections::HashSet<&String> = def.options.iter().collect();
                if submitted.len() <= def.options.len() && submitted.iter().all(|s| offered.contains(s)) {
                    let chosen: Vec<Value> = def
                        .options
                        .iter()
                        .filter(|o| submitted.contains(o))
                        .map(|o| Value::String(o.clone()))
                        .collect();
                    (!chosen.is_empty()).then_some(Value::Array(chosen))
                } else {
                    errors.add(&name, "Choose from the options.");
                    None
                }
            }
            FieldKind::Checkbox => {
                let checked = matches!(first.to_ascii_lowercase().as_str(), "on" | "true" | "yes" | "1");
                Some(Value::Bool(checked))
            }
            FieldKind::Date => match first.as_str() {
                "" => None,
                text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(date) => Some(Value::String(date.format("%Y-%m-%d").to_string())),
                    Err(_) => {
                        errors.add(&name, "Enter a date as YYYY-MM-DD.");
                        None
                    }
                },
            },
        };
        let missing = match (&value, def.kind) {
            (None, _) => true,
            (Some(Value::Bool(checked)), FieldKind::Checkbox) => !checked,
            _ => false,
        };
        if def.required && missing && errors.get(&name).is_none() {
            errors.add(&name, "This field is required.");
        }
        if let Some(value) = value {
            values.insert(def.key.clone(), value);
        }
    }
    errors.into_result().map(|()| values)
}

/// Renders a stored value for display.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "Yes".to_owned(),
        Value::Bool(false) => "No".to_owned(),
        Value::Number(n) => match n.as_f64() {
            // Numbers are stored as decimals; show 3 rather than 3.0.
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(items) => items.iter().map(display_value).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        Value::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(label: &str, kind: &str, options: &[&str]) -> FieldDraft {
        FieldDraft {
            label: label.into(),
            kind: kind.into(),
            options: options.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn choice_field_without_options_is_rejected() {
        let errors = validate_definitions(&[draft("Where?", "single_choice", &[])], &[]).expect_err("must fail");
        assert!(errors.get("fields.0.options").is_some());
    }

    #[test]
    fn keys_are_stable_and_never_reused() {
        let mut first = draft("Colour", "short_text", &[]);
        let defs = validate_definitions(&[first.clone(), draft("Count", "number", &[])], &[]).expect("valid");
        assert_eq!(defs.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["f1", "f2"]);
        first.key = "f1".into();
        let used = vec!["f1".to_owned(), "f2".to_owned()];
        let defs = validate_definitions(&[first, draft("New", "date", &[])], &used).expect("valid");
        assert_eq!(defs.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(), ["f1", "f3"]);
    }

    #[test]
    fn values_are_typed_and_required_is_enforced() {
        let mut defs = validate_definitions(
            &[
                draft("Count", "number", &[]),
                draft("Zone", "multiple_choice", &["A", "B"]),
                draft("Safe", "checkbox", &[]),
                draft("When", "date", &[]),
            ],
            &[],
        )
        .expect("valid");
        defs[2].required = true;
        let errors = validate_values(&defs, |key| match key {
            "f1" => vec!["many".into()],
            "f2" => vec!["C".into()],
            "f4" => vec!["2026-13-01".into()],
            _ => vec![],
        })
        .expect_err("invalid");
        assert!(errors.get("field.f1").is_some());
        assert!(errors.get("field.f2").is_some());
        assert_eq!(errors.get("field.f3"), Some("This field is required."));
        assert!(errors.get("field.f4").is_some());
        let values = validate_values(&defs, |key| match key {
            "f1" => vec!["3,5".into()],
            "f2" => vec!["B".into(), "A".into()],
            "f3" => vec!["on".into()],
            _ => vec![],
        })
        .expect("valid");
        assert_eq!(values["f1"], serde_json::json!(3.5));
        assert_eq!(values["f2"], serde_json::json!(["A", "B"]));
        assert_eq!(values["f3"], serde_json::json!(true));
        assert!(!values.contains_key("f4"));
        assert_eq!(display_value(&serde_json::json!(3.0)), "3");
        assert_eq!(display_value(&serde_json::json!(3.5)), "3.5");
    }
}
