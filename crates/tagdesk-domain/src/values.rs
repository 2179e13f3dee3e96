//! Validated values that arrive as raw strings: email addresses, languages, time zones and tags.

use std::fmt;

use crate::DomainError;

/// A syntactically valid email address, trimmed, with a lower-cased domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, no spaces, ≤ 254 characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let bad = || DomainError::invalid("Enter an email address like name@example.com.");
        if raw.is_empty() {
            return Err(DomainError::Required);
        }
        if raw.len() > 254 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = raw.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address lower-cased, used as the unique login name.
    pub fn login_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Most addresses in a notification list.
pub const MAX_NOTIFICATION_EMAILS: usize = 20;

/// Parses a list of addresses separated by commas, semicolons or new lines; blank entries and repeats
/// (same login key) are skipped. At most [`MAX_NOTIFICATION_EMAILS`] entries are read: a longer list is
/// refused at the first entry past the limit, whatever its size (linear time, bounded work).
pub fn parse_email_list(raw: &str) -> Result<Vec<Email>, DomainError> {
    let mut out: Vec<Email> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, part) in raw.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        if index >= MAX_NOTIFICATION_EMAILS {
            return Err(DomainError::invalid(format!("Use at most {MAX_NOTIFICATION_EMAILS} notification addresses.")));
        }
        let email = Email::parse(part).map_err(|_| {
            let shown: String = part.chars().take(80).collect();
            DomainError::invalid(format!("\u{201c}{shown}\u{201d} is not an email address."))
        })?;
        if seen.insert(email.login_key()) {
            out.push(email);
        }
    }
    Ok(out)
}

/// A language the product speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// English.
    En,
    /// German.
    De,
}

impl Language {
    /// Every supported language.
    pub const ALL: [Language; 2] = [Language::En, Language::De];

    /// BCP 47 tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
        }
    }

    /// The language's own name.
    pub fn label(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::De => "Deutsch",
        }
    }

    /// Parses a supported tag.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Self::En),
            "de" => Ok(Self::De),
            _ => Err(DomainError::invalid("Choose English (en) or German (de).")),
        }
    }
}

/// An IANA time-zone name such as `Europe/Berlin`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Parses a name known to the IANA database.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DomainError::Required);
        }
        raw.parse::<chrono_tz::Tz>()
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| DomainError::invalid("Choose a time zone such as Europe/Berlin."))
    }

    /// The zone's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Every known zone name, for selects.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

/// Most tags on a device.
pub const MAX_TAGS: usize = 20;

/// A device's tags: trimmed, case-preserving, unique ignoring case, at most [`MAX_TAGS`] of at most 40
/// characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Tags(Vec<String>);

impl Tags {
    /// Parses tags separated by commas.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::from_list(raw.split(','))
    }

    /// Validates a list of tags. At most [`MAX_TAGS`] entries are read: a longer list is refused at the
    /// first entry past the limit (linear time, bounded work, whatever the input's size).
    pub fn from_list<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, DomainError> {
        let mut tags: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (index, tag) in items.into_iter().map(str::trim).filter(|t| !t.is_empty()).enumerate() {
            if index >= MAX_TAGS {
                return Err(DomainError::invalid(format!("Use at most {MAX_TAGS} tags.")));
            }
            if tag.chars().count() > 40 {
                return Err(DomainError::invalid("A tag has at most 40 characters."));
            }
            if tag.contains(',') || tag.chars().any(char::is_control) {
                return Err(DomainError::invalid("Tags cannot contain commas or control characters."));
            }
            if seen.insert(tag.to_ascii_lowercase()) {
                tags.push(tag.to_owned());
            }
        }
        Ok(Self(tags))
    }

    /// The tags in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Comma-separated, for forms and CSV.
    pub fn joined(&self) -> String {
        self.0.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_parsing() {
        assert_eq!(Email::parse(" Ana@Example.COM ").map(|e| e.to_string()), Ok("Ana@example.com".to_owned()));
        for bad in ["", "ana", "ana@", "@x.com", "ana@localhost", "a b@x.com", "ana@x..com", "ana@.x.com"] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert_eq!(parse_email_list("a@x.com; b@x.com\na@x.com").map(|l| l.len()), Ok(2));
        assert!(parse_email_list("a@x.com, nope").is_err());
    }

    #[test]
    fn time_zones_and_languages() {
        assert_eq!(TimeZoneName::parse("Europe/Berlin").map(|t| t.as_str().to_owned()), Ok("Europe/Berlin".to_owned()));
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert_eq!(Language::parse("DE"), Ok(Language::De));
        assert!(Language::parse("fr").is_err());
    }

    #[test]
    fn tags_are_deduplicated_ignoring_case() {
        let tags = Tags::parse("Line 1, line 1, ,cobot").expect("valid");
        assert_eq!(tags.as_slice(), ["Line 1", "cobot"]);
        assert!(Tags::parse(&"x".repeat(41)).is_err());
    }
}
