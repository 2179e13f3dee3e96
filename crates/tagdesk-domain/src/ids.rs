//! Typed identifiers. Every id is a UUIDv7 (time-ordered, 74 random bits), so ordering by id is
//! ordering by creation and ids cannot be guessed from case numbers or each other.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::DomainError;

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered random id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the canonical text form; anything else is an invalid id.
            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                Uuid::try_parse(raw.trim())
                    .map(Self)
                    .map_err(|_| DomainError::invalid("This is not a valid id."))
            }

            /// The canonical lower-case hyphenated text form, as stored and shown.
            pub fn as_string(&self) -> String {
                self.0.hyphenated().to_string()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

typed_id! {
    /// A workspace (tenant).
    WorkspaceId,
    /// A staff user.
    UserId,
    /// A deployment (customer site).
    DeploymentId,
    /// A device at a deployment.
    DeviceId,
    /// A case template.
    CaseTemplateId,
    /// A case.
    CaseId,
    /// An entry in a case's timeline.
    CaseEventId,
    /// An API key.
    ApiKeyId,
    /// An audit-log entry.
    AuditEntryId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = DeviceId::new();
        assert_eq!(DeviceId::parse(&id.to_string()), Ok(id));
        assert!(DeviceId::parse("42").is_err());
        assert!(DeviceId::parse("").is_err());
    }

    #[test]
    fn ids_are_time_ordered_as_text() {
        let a = CaseId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = CaseId::new();
        assert!(a.to_string() < b.to_string());
    }
}
