//! Photos attached to cases: intake ([`photo`]), byte storage ([`storage`]), and the use cases that tie
//! them to cases.
//!
//! Flow for a portal report: the web layer runs [`photo::process_async`] on each upload (outside any
//! transaction), then the report use case calls [`save_photos`] inside the transaction that creates the
//! case. Files are written first and rows second, so a committed row always has its file. A transaction
//! that rolls back afterwards leaves unreferenced files under random keys; they are never served
//! (bytes are reachable only through a row) and can be swept.
//!
//! Staff read photos with [`list_for_case`] and [`open`]; both need sight of the case's deployment and
//! answer [`AppError::NotFound`] otherwise. Photos are never served to portal visitors.

pub mod photo;
pub mod storage;

use std::fmt;
use std::str::FromStr;

use tagdesk_domain::{CaseId, DomainError};
use tagdesk_store::Conn;
use tagdesk_store::attachments::{self, AttachmentRow, NewAttachment};
use uuid::Uuid;

pub use photo::{PhotoError, ProcessedPhoto, process, process_async};
pub use storage::{AttachmentStore, LocalDirStore, StorageKey};

use crate::error::OrNotFound;
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult};

/// An attachment's id: a UUIDv7 like every other id (time-ordered, not guessable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachmentId(Uuid);

impl AttachmentId {
    /// A fresh id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses the canonical text form (e.g. from `/attachments/{id}`).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        Uuid::try_parse(raw.trim()).map(Self).map_err(|_| DomainError::invalid("This is not a valid id."))
    }
}

impl Default for AttachmentId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for AttachmentId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for AttachmentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for AttachmentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// An attachment as shown to staff (the storage key stays internal).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttachmentView {
    /// Id, for `GET /attachments/{id}`.
    pub id: AttachmentId,
    /// The case.
    pub case_id: CaseId,
    /// MIME type (`image/jpeg`).
    pub content_type: String,
    /// Size in bytes.
    pub byte_size: i64,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Uploaded (UTC ms).
    pub created_at: i64,
}

fn view_of(row: AttachmentRow) -> AppResult<AttachmentView> {
    Ok(AttachmentView {
        id: AttachmentId::parse(&row.id).map_err(corrupt)?,
        case_id: CaseId::parse(&row.case_id).map_err(corrupt)?,
        content_type: row.content_type,
        byte_size: row.byte_size,
        width: row.width,
        height: row.height,
        created_at: row.created_at,
    })
}

/// Stores processed photos for a case: writes each file under a fresh random key, then inserts the rows
/// on `conn` (the caller's transaction, usually the one creating the case). Returns the new ids in the
/// photos' order. If anything fails, files written so far are removed (best effort) and the error is
/// returned; the caller then rolls back.
pub async fn save_photos(
    conn: &mut Conn,
    store: &dyn AttachmentStore,
    case_id: CaseId,
    photos: &[ProcessedPhoto],
    now: i64,
) -> AppResult<Vec<AttachmentId>> {
    let mut written: Vec<StorageKey> = Vec::with_capacity(photos.len());
    let result = save_all(conn, store, case_id, photos, now, &mut written).await;
    if result.is_err() {
        for key in &written {
            if let Err(err) = store.delete(key).await {
                tracing::warn!(error = %err, "could not remove an attachment file after a failed save");
            }
        }
    }
    result
}

async fn save_all(
    conn: &mut Conn,
    store: &dyn AttachmentStore,
    case_id: CaseId,
    photos: &[ProcessedPhoto],
    now: i64,
    written: &mut Vec<StorageKey>,
) -> AppResult<Vec<AttachmentId>> {
    for photo in photos {
        let key = StorageKey::generate();
        store.put(&key, &photo.bytes).await.map_err(|e| AppError::Internal(format!("storing a photo: {e}")))?;
        written.push(key);
    }
    let case_id = case_id.to_string();
    let mut ids = Vec::with_capacity(photos.len());
    for (photo, key) in photos.iter().zip(written.iter()) {
        let id = AttachmentId::new();
        attachments::insert(
            conn,
            &NewAttachment {
                id: &id.to_string(),
                case_id: &case_id,
                storage_key: key.as_str(),
                content_type: photo.content_type,
                byte_size: i64::try_from(photo.bytes.len()).unwrap_or(i64::MAX),
                width: i64::from(photo.width),
                height: i64::from(photo.height),
                now,
            },
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// A case's photos, oldest first, for anyone who may see the case (NotFound otherwise).
pub async fn list_for_case(app: &App, actor: &Actor, case_id: CaseId) -> AppResult<Vec<AttachmentView>> {
    let mut conn = app.store.read().await?;
    crate::cases::load_visible(&mut conn, actor, case_id).await?;
    attachments::list_for_case(&mut conn, &case_id.to_string()).await?.into_iter().map(view_of).collect()
}

/// One photo's content type and bytes, for anyone who may see its case. Unknown ids, other workspaces'
/// attachments and deployments outside the actor's sight all answer NotFound.
pub async fn open(
    app: &App,
    actor: &Actor,
    attachment_id: AttachmentId,
    store: &dyn AttachmentStore,
) -> AppResult<(String, Vec<u8>)> {
    let row = {
        let mut conn = app.store.read().await?;
        attachments::get_in_workspace(&mut conn, &actor.workspace_id.to_string(), &attachment_id.to_string())
            .await?
            .or_not_found()?
    };
    let deployment = tagdesk_domain::DeploymentId::parse(&row.deployment_id).map_err(corrupt)?;
    actor.require_see(deployment)?;
    let key = StorageKey::parse(&row.storage_key).map_err(corrupt)?;
    let bytes = store.get(&key).await.map_err(|e| AppError::Internal(format!("reading a photo: {e}")))?;
    match bytes {
        Some(bytes) => Ok((row.content_type, bytes)),
        None => {
            tracing::error!(attachment = %attachment_id, "attachment file is missing from the store");
            Err(AppError::Internal(format!("attachment {attachment_id} has no stored file")))
        }
    }
}
