//! Validating a device's writable fields: one set of rules for forms, the API and CSV imports.

use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::{FieldErrors, Tags};
use tagdesk_store::StoreError;
use tagdesk_store::devices::DeviceFields;

use super::DeviceInput;
use crate::AppError;

/// Longest device name, manufacturer and model, in characters.
pub const NAME_MAX: usize = 200;
/// Longest serial number, in characters.
pub const SERIAL_MAX: usize = 100;
/// Longest notes, in characters.
pub const NOTES_MAX: usize = 10_000;

/// The message for a serial number that another device of the workspace already has.
pub const SERIAL_TAKEN: &str = "Another device in this workspace already has this serial number.";

/// A device's fields after validation: trimmed, within limits, blank serial numbers as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValidFields {
    pub name: String,
    pub serial_number: Option<String>,
    pub manufacturer: String,
    pub model: String,
    pub tags: Tags,
    pub notes: String,
}

impl ValidFields {
    /// Checks every field of `input` except `deployment_id`, recording each problem under the input's field
    /// name. `None` when anything was wrong.
    pub fn check(errors: &mut FieldErrors, input: &DeviceInput) -> Option<Self> {
        let name = errors.check("name", required_text(&input.name, NAME_MAX));
        let serial_number = errors.check("serial_number", optional_text(&input.serial_number, SERIAL_MAX));
        let manufacturer = errors.check("manufacturer", optional_text(&input.manufacturer, NAME_MAX));
        let model = errors.check("model", optional_text(&input.model, NAME_MAX));
        let tags = errors.check("tags", Tags::parse(&input.tags));
        let notes = errors.check("notes", optional_text(&input.notes, NOTES_MAX));
        Some(Self {
            name: name?,
            serial_number: serial_number?,
            manufacturer: manufacturer?.unwrap_or_default(),
            model: model?.unwrap_or_default(),
            tags: tags?,
            notes: notes?.unwrap_or_default(),
        })
    }

    /// The fields as the store writes them.
    pub fn as_store(&self) -> DeviceFields<'_> {
        DeviceFields {
            name: &self.name,
            serial_number: self.serial_number.as_deref(),
            manufacturer: &self.manufacturer,
            model: &self.model,
            tags: self.tags.as_slice(),
            notes: &self.notes,
        }
    }

    /// The names of the fields that differ from `other`, for audit summaries.
    pub fn changed_from(&self, other: &Self) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.name != other.name {
            changed.push("name");
        }
        if self.serial_number != other.serial_number {
            changed.push("serial number");
        }
        if self.manufacturer != other.manufacturer {
            changed.push("manufacturer");
        }
        if self.model != other.model {
            changed.push("model");
        }
        if self.tags != other.tags {
            changed.push("tags");
        }
        if self.notes != other.notes {
            changed.push("notes");
        }
        changed
    }
}

/// The key two serial numbers collide on. ASCII case folding, like SQLite's `lower()` in the unique index;
/// PostgreSQL's index also folds other letters, and its unique error is mapped to the same message.
pub(crate) fn serial_key(serial: &str) -> String {
    serial.to_ascii_lowercase()
}

/// Maps the unique violation of a taken serial number to the same invalid-field error the pre-check gives.
pub(crate) fn serial_taken_or(err: StoreError) -> AppError {
    if err.is_unique_on("serial") { AppError::invalid("serial_number", SERIAL_TAKEN) } else { AppError::Store(err) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_checked_and_named() {
        let input = DeviceInput {
            name: " ".into(),
            serial_number: "x".repeat(SERIAL_MAX + 1),
            tags: "x".repeat(41),
            notes: "a\u{7}b".into(),
            ..DeviceInput::default()
        };
        let mut errors = FieldErrors::new();
        assert!(ValidFields::check(&mut errors, &input).is_none());
        assert_eq!(errors.get("name"), Some("This field is required."));
        assert_eq!(errors.get("serial_number"), Some("Use at most 100 characters."));
        assert!(errors.get("tags").is_some());
        assert!(errors.get("notes").is_some());
        assert!(errors.get("manufacturer").is_none());
    }

    #[test]
    fn valid_input_is_trimmed_and_blank_serial_is_none() {
        let input = DeviceInput {
            name: " Robot 1 ".into(),
            serial_number: "  ".into(),
            tags: "a, B ,a".into(),
            ..DeviceInput::default()
        };
        let mut errors = FieldErrors::new();
        let fields = ValidFields::check(&mut errors, &input).expect("valid");
        assert_eq!(fields.name, "Robot 1");
        assert_eq!(fields.serial_number, None);
        assert_eq!(fields.tags.as_slice(), ["a", "B"]);
        assert!(errors.is_empty());
    }
}
