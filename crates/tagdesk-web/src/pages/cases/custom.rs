//! A template's custom fields as form inputs named `field.<key>`, with the submitted values and errors.

use std::collections::BTreeMap;

use tagdesk_domain::{FieldDefinition, FieldErrors, FieldKind};

/// Single-choice fields with more options than this use a select instead of radio buttons.
const MAX_RADIOS: usize = 6;

/// One custom field to render.
#[derive(Debug, Clone)]
pub(super) struct CustomInput {
    /// Input name, `field.<key>`.
    pub name: String,
    pub label: String,
    pub help: String,
    pub kind: FieldKind,
    pub required: bool,
    pub options: Vec<String>,
    /// Submitted values (several for multiple choice).
    pub values: Vec<String>,
    /// Error message, or "".
    pub error: String,
}

impl CustomInput {
    /// Inputs for `definitions`, filled from `submitted` (by key) and `errors` (keyed `field.<key>`).
    pub fn all(
        definitions: &[FieldDefinition],
        submitted: &BTreeMap<String, Vec<String>>,
        errors: &FieldErrors,
    ) -> Vec<Self> {
        definitions
            .iter()
            .map(|def| {
                let name = format!("field.{}", def.key);
                Self {
                    error: errors.get(&name).unwrap_or_default().to_owned(),
                    name,
                    label: def.label.clone(),
                    help: def.help.clone(),
                    kind: def.kind,
                    required: def.required,
                    options: def.options.clone(),
                    values: submitted.get(&def.key).cloned().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The first submitted value, or "".
    pub fn value(&self) -> &str {
        self.values.first().map(String::as_str).unwrap_or_default()
    }

    /// Whether `option` was chosen.
    pub fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }

    /// Whether a checkbox field is ticked.
    pub fn checked(&self) -> bool {
        matches!(self.value().to_ascii_lowercase().as_str(), "on" | "true" | "yes" | "1")
    }

    /// The template's input to use: `short`, `long`, `number`, `radios`, `select`, `checkboxes`,
    /// `checkbox` or `date`.
    pub fn widget(&self) -> &'static str {
        match self.kind {
            FieldKind::ShortText => "short",
            FieldKind::LongText => "long",
            FieldKind::Number => "number",
            FieldKind::SingleChoice if self.options.len() > MAX_RADIOS => "select",
            FieldKind::SingleChoice => "radios",
            FieldKind::MultipleChoice => "checkboxes",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Date => "date",
        }
    }

    /// The `aria-describedby` value (error first, then help), or "".
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.error.is_empty() {
            ids.push(format!("f-{}-error", self.name));
        }
        if !self.help.is_empty() {
            ids.push(format!("f-{}-help", self.name));
        }
        ids.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(key: &str, kind: FieldKind, options: &[&str]) -> FieldDefinition {
        FieldDefinition {
            key: key.to_owned(),
            label: key.to_uppercase(),
            help: String::new(),
            kind,
            required: false,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
        }
    }

    #[test]
    fn inputs_carry_values_errors_and_widgets() {
        let defs = [
            def("f1", FieldKind::MultipleChoice, &["A", "B"]),
            def("f2", FieldKind::SingleChoice, &["1", "2", "3", "4", "5", "6", "7"]),
            def("f3", FieldKind::Checkbox, &[]),
        ];
        let mut submitted = BTreeMap::new();
        submitted.insert("f1".to_owned(), vec!["B".to_owned()]);
        submitted.insert("f3".to_owned(), vec!["true".to_owned()]);
        let errors = FieldErrors::single("field.f2", "Choose one of the options.");
        let inputs = CustomInput::all(&defs, &submitted, &errors);
        assert!(inputs[0].has("B") && !inputs[0].has("A"));
        assert_eq!(inputs[0].widget(), "checkboxes");
        assert_eq!(inputs[1].widget(), "select");
        assert_eq!(inputs[1].error, "Choose one of the options.");
        assert_eq!(inputs[1].described_by(), "f-field.f2-error");
        assert!(inputs[2].checked());
    }
}
