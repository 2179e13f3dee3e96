//! The customer portal (PRODUCT.md §3): what a visitor who scanned a device's label may see and do, and
//! the staff-side settings behind it.
//!
//! Nothing here takes a database id from a visitor. A visit starts from the token printed on the label
//! ([`visit::resolve`]), which yields a [`PortalVisit`] naming the device and deployment; every later step
//! (session, report, note) is scoped by that visit. Follow-up links carry their own 130-bit token
//! ([`follow::view`]).
//!
//! - [`settings`]: per-deployment settings (staff: deployment admins and workspace admins change them).
//! - [`tokens`]: device tokens (assigned at creation, backfilled at start-up, replaceable by staff).
//! - [`visit`]: resolving a token; the device's recent cases.
//! - [`session`]: visitor sessions after the right PIN and trusted-browser tokens.
//! - [`report`]: submitting a case and adding a note to a recent one.
//! - [`follow`]: the reporter's private status page.
//! - [`outbox`]: durable outbox entries written in the use cases' transactions.

pub mod cache;
pub mod follow;
pub mod outbox;
pub mod pass;
pub mod pin;
pub mod report;
pub mod session;
pub mod settings;
pub mod tokens;
pub mod visit;

use tagdesk_domain::{CaseTemplateId, CaseType, DeploymentId, DeviceId, FieldDefinition, PortalToken, WorkspaceId};

pub use settings::{OfferedTemplate, PortalSettingsInput, PortalSettingsView};
pub use visit::TokenLookup;

use crate::Actor;
use crate::actor::ActorKind;

/// Longest text a visitor may type into a description or note.
pub const VISITOR_TEXT_MAX: usize = 5_000;

/// A device as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalDevice {
    /// Internal id (server-side only; never put it into a page or URL).
    pub id: DeviceId,
    /// Name.
    pub name: String,
    /// Manufacturer (may be empty).
    pub manufacturer: String,
    /// Model (may be empty).
    pub model: String,
    /// Serial number.
    pub serial: Option<String>,
}

/// The deployment (site) of a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalDeployment {
    /// Internal id (server-side only).
    pub id: DeploymentId,
    /// Its workspace (server-side only).
    pub workspace_id: WorkspaceId,
    /// Site name.
    pub name: String,
}

/// A case template as the report form offers it, without its solution suggestion (staff only).
/// Visitors pick it by its position in [`PortalVisit::templates`], never by id.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalTemplate {
    /// Internal id (server-side only).
    pub id: CaseTemplateId,
    /// Name the visitor picks it by.
    pub name: String,
    /// Pre-filled title.
    pub title: String,
    /// Pre-filled description (may be shown as the textarea's initial text).
    pub description: String,
    /// Pre-filled type.
    pub case_type: CaseType,
    /// Custom fields (inputs are named `field.<key>`).
    pub fields: Vec<FieldDefinition>,
}

/// A resolved, active portal visit: the device behind the scanned token and its deployment's settings.
#[derive(Debug, Clone)]
pub struct PortalVisit {
    /// The token in canonical form (for links: `/d/<token>`).
    pub token: PortalToken,
    /// The device.
    pub device: PortalDevice,
    /// Its deployment.
    pub deployment: PortalDeployment,
    /// The deployment's portal settings.
    pub settings: PortalSettingsView,
    /// The active offered templates, in order; a report names one by its index here.
    pub templates: Vec<PortalTemplate>,
}

/// The actor recorded for what a visitor does: the system acting in the visit's workspace, labelled
/// "Portal: <name>" (or "Customer portal" when the visitor gave no name).
pub(crate) fn visitor_actor(visit: &PortalVisit, reporter_name: &str) -> Actor {
    let name: String = reporter_name.trim().chars().filter(|c| !c.is_control()).take(100).collect();
    let label = if name.is_empty() { "Customer portal".to_owned() } else { format!("Portal: {name}") };
    Actor { workspace_id: visit.deployment.workspace_id, kind: ActorKind::System, label }
}
