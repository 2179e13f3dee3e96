//! Customer-portal values: the site PIN, the tokens printed on labels and handed out as follow-up links,
//! and the rules for a reporter's contact details.

use std::fmt;

use crate::DomainError;

/// The 32 symbols of Crockford's base32: digits and upper-case letters without I, L, O and U. Upper-case
/// only, so a URL carrying a token stays in QR alphanumeric mode.
pub const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Maps a typed character to its symbol value, forgiving the usual confusions (O→0, I/L→1) and case.
fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    CROCKFORD.iter().position(|s| *s as char == c).and_then(|p| u8::try_from(p).ok())
}

fn parse_symbols<const N: usize>(raw: &str) -> Result<String, DomainError> {
    let mut out = String::with_capacity(N);
    for c in raw.trim().chars().filter(|c| *c != '-') {
        let value = symbol_value(c).ok_or_else(|| DomainError::invalid("This link is not valid."))?;
        out.push(CROCKFORD[usize::from(value)] as char);
    }
    if out.len() == N { Ok(out) } else { Err(DomainError::invalid("This link is not valid.")) }
}

fn from_values<const N: usize>(values: [u8; N]) -> String {
    values.iter().map(|v| CROCKFORD[usize::from(v & 31)] as char).collect()
}

/// A device's portal token: 13 Crockford symbols = 65 random bits, printed in the label's URL
/// (`/d/<TOKEN>`). Parsing is case-insensitive; the canonical form is upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortalToken(String);

impl PortalToken {
    /// Symbols in a token.
    pub const LEN: usize = 13;

    /// Builds a token from 13 random 5-bit values (higher bits are ignored).
    pub fn from_random(values: [u8; 13]) -> Self {
        Self(from_values(values))
    }

    /// Parses a token as typed or scanned.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        parse_symbols::<13>(raw).map(Self)
    }

    /// Canonical upper-case text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PortalToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reporter's private follow-up token: 26 Crockford symbols = 130 random bits (`/c/<TOKEN>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FollowToken(String);

impl FollowToken {
    /// Builds a token from 26 random 5-bit values.
    pub fn from_random(values: [u8; 26]) -> Self {
        Self(from_values(values))
    }

    /// Parses a token.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        parse_symbols::<26>(raw).map(Self)
    }

    /// Canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FollowToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A deployment's portal PIN: exactly four ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Parses four digits (surrounding spaces are ignored).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::invalid("The PIN has exactly 4 digits."))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the PIN is among the first a guesser would try: one digit repeated, a straight run up or
    /// down, two repeated pairs, or a year from 1950 to 2049.
    pub fn is_obvious(&self) -> bool {
        let d: Vec<i16> = self.0.bytes().map(|b| i16::from(b - b'0')).collect();
        let steps: Vec<i16> = d.windows(2).map(|w| w[1] - w[0]).collect();
        let same_step = steps.iter().all(|s| *s == steps[0]) && steps[0].abs() <= 1;
        let pairs = d[0] == d[2] && d[1] == d[3];
        let year = self.0.parse::<u16>().is_ok_and(|y| (1950..=2049).contains(&y));
        same_step || pairs || year
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(****)")
    }
}

/// Which reporter contact details the portal requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactRule {
    /// Name plus email or phone (default).
    NameAndEmailOrPhone,
    /// Name and email.
    NameAndEmail,
    /// Name and phone.
    NameAndPhone,
    /// Email or phone.
    EmailOrPhone,
    /// Name only.
    NameOnly,
    /// Nothing required.
    None,
}

impl ContactRule {
    /// Every rule, for selects.
    pub const ALL: [ContactRule; 6] = [
        ContactRule::NameAndEmailOrPhone,
        ContactRule::NameAndEmail,
        ContactRule::NameAndPhone,
        ContactRule::EmailOrPhone,
        ContactRule::NameOnly,
        ContactRule::None,
    ];

    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NameAndEmailOrPhone => "name_and_email_or_phone",
            Self::NameAndEmail => "name_and_email",
            Self::NameAndPhone => "name_and_phone",
            Self::EmailOrPhone => "email_or_phone",
            Self::NameOnly => "name_only",
            Self::None => "none",
        }
    }

    /// Human label (staff side).
    pub fn label(self) -> &'static str {
        match self {
            Self::NameAndEmailOrPhone => "Name, plus email or phone",
            Self::NameAndEmail => "Name and email",
            Self::NameAndPhone => "Name and phone",
            Self::EmailOrPhone => "Email or phone",
            Self::NameOnly => "Name only",
            Self::None => "Nothing required",
        }
    }

    /// Parses the stored / wire form.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| DomainError::invalid("Choose which contact details are required."))
    }

    /// (name required, email required, phone required, one of email/phone required)
    pub fn requirements(self) -> (bool, bool, bool, bool) {
        match self {
            Self::NameAndEmailOrPhone => (true, false, false, true),
            Self::NameAndEmail => (true, true, false, false),
            Self::NameAndPhone => (true, false, true, false),
            Self::EmailOrPhone => (false, false, false, true),
            Self::NameOnly => (true, false, false, false),
            Self::None => (false, false, false, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_case_insensitively_and_forgive_confusions() {
        let token = PortalToken::from_random([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 31]);
        assert_eq!(token.as_str(), "123456789ABCZ");
        assert_eq!(PortalToken::parse("123456789abcz"), Ok(token.clone()));
        assert_eq!(PortalToken::parse("I23456789ABCZ"), Ok(token));
        assert_eq!(PortalToken::parse("0O00000000000").map(|t| t.to_string()), Ok("0000000000000".to_owned()));
        assert!(PortalToken::parse("123").is_err());
        assert!(PortalToken::parse("123456789ABCU").is_err());
        assert!(PortalToken::parse("../../etc/pas").is_err());
        assert!(FollowToken::parse(&"A".repeat(26)).is_ok());
        assert!(FollowToken::parse(&"A".repeat(25)).is_err());
    }

    #[test]
    fn pins_are_four_digits_and_obvious_ones_are_flagged() {
        assert!(Pin::parse("0042").is_ok());
        for bad in ["", "123", "12345", "12a4", "１２３４"] {
            assert!(Pin::parse(bad).is_err(), "{bad}");
        }
        for obvious in ["0000", "1234", "4321", "1212", "1985", "2024", "7777"] {
            assert!(Pin::parse(obvious).is_ok_and(|p| p.is_obvious()), "{obvious}");
        }
        for fine in ["4829", "0381", "9157"] {
            assert!(Pin::parse(fine).is_ok_and(|p| !p.is_obvious()), "{fine}");
        }
        assert_eq!(format!("{:?}", Pin::parse("4829")), "Ok(Pin(****))");
    }
}
