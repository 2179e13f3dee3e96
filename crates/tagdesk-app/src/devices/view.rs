//! What callers get back about devices: stored rows turned into typed views.

use serde::Serialize;
use tagdesk_domain::{DeploymentId, DeviceId, DomainError, Tags};
use tagdesk_store::devices::{DeviceRow, MoveRow};

use super::fields::ValidFields;
use crate::{AppError, AppResult};

/// A device as pages, the API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    /// The device.
    pub id: DeviceId,
    /// The deployment it is at.
    pub deployment_id: DeploymentId,
    /// That deployment's name.
    pub deployment_name: String,
    /// Its name.
    pub name: String,
    /// Its serial number, unique in the workspace ignoring case.
    pub serial_number: Option<String>,
    /// Manufacturer (may be empty).
    pub manufacturer: String,
    /// Model (may be empty).
    pub model: String,
    /// Tags in the order given.
    pub tags: Vec<String>,
    /// Free-text notes (may be empty).
    pub notes: String,
    /// Archived devices are hidden from lists unless asked for.
    pub archived: bool,
    /// When it was created, UTC milliseconds.
    pub created_at: i64,
    /// When it last changed, UTC milliseconds.
    pub updated_at: i64,
    /// The customer-portal token printed on its label (`<public URL>/d/<token>`, see
    /// [`crate::portal::tokens::portal_url`]); `None` only until the start-up backfill has run.
    pub portal_token: Option<String>,
}

impl DeviceView {
    /// Converts a stored row; an unreadable id is an internal error.
    pub(crate) fn from_row(row: DeviceRow) -> AppResult<Self> {
        let tags = row.tag_list();
        Ok(Self {
            id: parse_id(DeviceId::parse(&row.id))?,
            deployment_id: parse_id(DeploymentId::parse(&row.deployment_id))?,
            deployment_name: row.deployment_name,
            name: row.name,
            serial_number: row.serial_number,
            manufacturer: row.manufacturer,
            model: row.model,
            tags,
            notes: row.notes,
            archived: row.archived_at.is_some(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            portal_token: row.portal_token,
        })
    }
}

/// One move of a device between deployments. Deployment names are as they were at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceMoveView {
    /// Where it came from.
    pub from_deployment_name: String,
    /// Where it went.
    pub to_deployment_name: String,
    /// The staff user who moved it; `None` for API keys and the CLI.
    pub moved_by_name: Option<String>,
    /// When, UTC milliseconds.
    pub moved_at: i64,
}

impl From<MoveRow> for DeviceMoveView {
    fn from(row: MoveRow) -> Self {
        Self {
            from_deployment_name: row.from_deployment_name,
            to_deployment_name: row.to_deployment_name,
            moved_by_name: row.moved_by_name,
            moved_at: row.moved_at,
        }
    }
}

/// A stored id that does not parse is corruption, not bad input.
pub(super) fn parse_id<T>(parsed: Result<T, DomainError>) -> AppResult<T> {
    parsed.map_err(|err| AppError::Internal(format!("corrupt stored id: {err}")))
}

/// The stored fields of a device in validated form, to tell what an update changes.
pub(super) fn stored_fields(row: &DeviceRow) -> ValidFields {
    ValidFields {
        name: row.name.clone(),
        serial_number: row.serial_number.clone(),
        manufacturer: row.manufacturer.clone(),
        model: row.model.clone(),
        tags: Tags::from_list(row.tag_list().iter().map(String::as_str)).unwrap_or_default(),
        notes: row.notes.clone(),
    }
}
