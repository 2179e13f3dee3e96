//! Pure domain types of Tagdesk: typed ids, validated values (parse, don't validate), roles, the case
//! vocabulary and custom-field definitions. No IO, no framework.

pub mod case;
pub mod error;
pub mod fields;
pub mod ids;
pub mod portal;
pub mod roles;
pub mod scan;
pub mod user_agent;
pub mod values;

pub use case::{CaseNumber, CaseOrigin, CaseStatus, CaseType};
pub use error::{DomainError, FieldErrors};
pub use fields::{FieldDefinition, FieldKind};
pub use ids::*;
pub use portal::{ContactRule, FollowToken, Pin, PortalToken};
pub use roles::{DeploymentRole, WorkspaceRole};
pub use scan::{DeviceClass, ScanKind};
pub use values::{Email, Language, Tags, TimeZoneName};
