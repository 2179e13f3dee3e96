//! Validation errors that name the field they belong to, so forms and the API can show them in place.

use std::fmt;

/// Field-level validation messages, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(Vec<FieldError>);

/// One message about one input field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The form / JSON field name, e.g. `serial_number` or `fields.3.label`.
    pub field: String,
    /// A sentence a person can act on.
    pub message: String,
}

impl FieldErrors {
    /// An empty set of errors.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Runs `parse` and records its error under `field`; returns the value when it parsed.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, DomainError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(field, err.to_string());
                None
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message recorded for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// All recorded errors.
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// `Ok(())` when empty, else `Err(self)` — ends a validation block.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// A single error for one field.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Why a raw value is not a valid domain value. The message is shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A required value is missing or blank.
    #[error("This field is required.")]
    Required,
    /// A value is longer than allowed.
    #[error("Use at most {max} characters.")]
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// Any other invalid value, with an explanation.
    #[error("{0}")]
    Invalid(String),
}

impl DomainError {
    /// An invalid value with a message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}

/// Trims `raw` and checks it is non-empty and at most `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, DomainError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(DomainError::Required);
    }
    optional_text(value, max).map(|v| v.unwrap_or_default())
}

/// Trims `raw`; blank becomes `None`; longer than `max` characters is an error. Control characters other
/// than newlines and tabs are rejected.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, DomainError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(DomainError::TooLong { max });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(DomainError::invalid("Remove control characters from this text."));
    }
    Ok(Some(value.to_owned()))
}

/// Like [`optional_text`] but for one-line values (names): line breaks and tabs are refused, so the value
/// can never split a line in an email header or a CSV row.
pub fn optional_line(raw: &str, max: usize) -> Result<Option<String>, DomainError> {
    let value = optional_text(raw, max)?;
    if value.as_deref().is_some_and(|v| v.contains(['\n', '\r', '\t'])) {
        return Err(DomainError::invalid("Use a single line without line breaks."));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_rejects_blank() {
        assert_eq!(required_text("  Robot  ", 10), Ok("Robot".to_owned()));
        assert_eq!(required_text("   ", 10), Err(DomainError::Required));
        assert_eq!(required_text("abcdef", 3), Err(DomainError::TooLong { max: 3 }));
        assert!(required_text("a\u{0}b", 10).is_err());
        assert!(optional_line("Ana\r\nBcc: x@y.z", 50).is_err());
        assert_eq!(optional_line(" Ana Lee ", 50), Ok(Some("Ana Lee".to_owned())));
    }

    #[test]
    fn field_errors_collect_in_order() {
        let mut errors = FieldErrors::new();
        assert!(errors.check("name", required_text("", 5)).is_none());
        errors.add("email", "bad");
        assert_eq!(errors.get("name"), Some("This field is required."));
        assert_eq!(errors.get("email"), Some("bad"));
        assert!(errors.into_result().is_err());
    }
}
