//! The case vocabulary: type, status with its transitions, origin, and the per-workspace number.

use std::fmt;

use crate::DomainError;

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal / $label:literal),* $(,)? } $msg:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Stored / wire form.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Human label.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }

            /// Parses the stored / wire form.
            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                match raw.trim() {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(DomainError::invalid($msg)),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum! {
    /// What kind of problem a case reports.
    CaseType {
        /// Something behaves abnormally.
        Anomaly => "anomaly" / "Anomaly",
        /// Someone or something got hurt.
        Accident => "accident" / "Accident",
        /// Physical damage.
        Damage => "damage" / "Damage",
        /// A suggestion.
        Improvement => "improvement" / "Improvement",
        /// Anything else.
        Other => "other" / "Other",
    } "Choose anomaly, accident, damage, improvement or other."
}

word_enum! {
    /// Where a case is in its life: open → resolved → archived; resolved or archived can be reopened.
    CaseStatus {
        /// Needs work.
        Open => "open" / "Open",
        /// Work done.
        Resolved => "resolved" / "Resolved",
        /// Put away.
        Archived => "archived" / "Archived",
    } "Choose open, resolved or archived."
}

word_enum! {
    /// Who created a case.
    CaseOrigin {
        /// A customer through the portal.
        Portal => "portal" / "Portal",
        /// A staff member in the back office.
        Staff => "staff" / "Staff",
        /// An integration through the API.
        Api => "api" / "API",
    } "Choose portal, staff or api."
}

impl CaseStatus {
    /// Whether a case may go from `self` to `next`. Staying in place is not a transition.
    pub fn can_become(self, next: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, next),
            (Open, Resolved) | (Resolved, Archived) | (Open, Archived) | (Resolved, Open) | (Archived, Open)
        )
    }

    /// The transitions offered from this status, for buttons.
    pub fn next_steps(self) -> &'static [CaseStatus] {
        match self {
            CaseStatus::Open => &[CaseStatus::Resolved, CaseStatus::Archived],
            CaseStatus::Resolved => &[CaseStatus::Open, CaseStatus::Archived],
            CaseStatus::Archived => &[CaseStatus::Open],
        }
    }
}

/// A case's per-workspace, sequential, never reused number, shown as `#1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CaseNumber(pub i64);

impl CaseNumber {
    /// Parses `1042` or `#1042`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let digits = raw.trim().trim_start_matches('#');
        digits
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Self)
            .ok_or_else(|| DomainError::invalid("A case number looks like #1042."))
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_transitions_follow_the_product_rules() {
        use CaseStatus::*;
        assert!(Open.can_become(Resolved));
        assert!(Resolved.can_become(Archived));
        assert!(Resolved.can_become(Open));
        assert!(Archived.can_become(Open));
        assert!(!Archived.can_become(Resolved));
        assert!(!Open.can_become(Open));
        for status in CaseStatus::ALL {
            for next in status.next_steps() {
                assert!(status.can_become(*next));
            }
        }
    }

    #[test]
    fn vocab_round_trips() {
        for t in CaseType::ALL {
            assert_eq!(CaseType::parse(t.as_str()), Ok(*t));
        }
        assert!(CaseOrigin::parse("email").is_err());
        assert_eq!(CaseNumber::parse("#1042"), Ok(CaseNumber(1042)));
        assert_eq!(CaseNumber(7).to_string(), "#7");
        assert!(CaseNumber::parse("#-1").is_err());
    }
}
