//! Helpers for HTML forms: raw field pairs (for repeated fields such as multiple choice) and id parsing.

use std::collections::BTreeMap;

use tagdesk_app::AppError;

/// All submitted `name=value` pairs of an urlencoded form, in order.
#[derive(Debug, Clone, Default)]
pub struct RawForm(pub Vec<(String, String)>);

impl RawForm {
    /// Parses an urlencoded body.
    pub fn parse(body: &[u8]) -> Self {
        Self(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// Values of fields named `<prefix><key>`, grouped by key.
    pub fn grouped(&self, prefix: &str) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            if let Some(key) = k.strip_prefix(prefix) {
                out.entry(key.to_owned()).or_default().push(v.clone());
            }
        }
        out
    }
}

/// Parses an id from a URL segment; a malformed id is simply not found.
pub fn path_id<T>(raw: &str, parse: impl Fn(&str) -> Result<T, tagdesk_domain::DomainError>) -> Result<T, AppError> {
    parse(raw).map_err(|_| AppError::NotFound)
}
