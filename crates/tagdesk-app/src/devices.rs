//! Devices: create, read, change, move between deployments, archive, list, and CSV import/export.
//!
//! A device belongs to one deployment; the caller sees it only when it sees that deployment, and changes
//! it only with a technician (or higher) role there. Serial numbers are unique per workspace, ignoring
//! case. Every change is audited in the same transaction.

mod csv;
mod fields;
mod view;

use serde::Deserialize;
use tagdesk_domain::{DeploymentId, DeviceId, FieldErrors};
use tagdesk_store::Conn;
use tagdesk_store::deployments::{self, DeploymentRow};
use tagdesk_store::devices::{self, DeviceFilter, DeviceRow, NewMove};

pub use self::csv::{CSV_COLUMNS, ImportReport, MAX_IMPORT_ROWS, export_csv, import_csv};
pub use self::fields::{NAME_MAX, NOTES_MAX, SERIAL_MAX, SERIAL_TAKEN};
pub use self::view::{DeviceMoveView, DeviceView};

use self::fields::{ValidFields, serial_taken_or};
use crate::audit;
use crate::error::OrNotFound;
use crate::page::{Page, PageRequest};
use crate::{Actor, App, AppError, AppResult};

/// The message for a deployment the caller cannot put devices into (or that does not exist).
pub const CHOOSE_DEPLOYMENT: &str = "Choose a deployment you can work in.";

/// A device form or API body. Raw text; [`create`] and [`update`] validate it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeviceInput {
    /// The deployment to create the device in (ignored by [`update`]; see [`move_to`]).
    pub deployment_id: String,
    /// Required, at most 200 characters.
    pub name: String,
    /// Optional, at most 100 characters, unique in the workspace ignoring case.
    pub serial_number: String,
    /// Optional, at most 200 characters.
    pub manufacturer: String,
    /// Optional, at most 200 characters.
    pub model: String,
    /// Comma-separated tags (see [`tagdesk_domain::Tags`]).
    pub tags: String,
    /// Optional, at most 10 000 characters.
    pub notes: String,
}

impl From<&DeviceView> for DeviceInput {
    /// The current values, to pre-fill an edit form.
    fn from(device: &DeviceView) -> Self {
        Self {
            deployment_id: device.deployment_id.to_string(),
            name: device.name.clone(),
            serial_number: device.serial_number.clone().unwrap_or_default(),
            manufacturer: device.manufacturer.clone(),
            model: device.model.clone(),
            tags: device.tags.join(", "),
            notes: device.notes.clone(),
        }
    }
}

/// Filters of a device list. Blank strings mean "no filter".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeviceQuery {
    /// Only this deployment (a deployment the caller does not see gives an empty list).
    pub deployment_id: Option<String>,
    /// Only devices with this tag (ignoring case).
    pub tag: Option<String>,
    /// Part of the name, serial number, manufacturer or model (ignoring case).
    pub text: Option<String>,
    /// Also archived devices.
    pub include_archived: bool,
}

/// Creates a device in the deployment named by `input.deployment_id`, which the caller must be able to
/// work in.
pub async fn create(app: &App, actor: &Actor, input: &DeviceInput) -> AppResult<DeviceView> {
    let mut errors = FieldErrors::new();
    let deployment_id = input.deployment_id.trim();
    let deployment_id = if deployment_id.is_empty() {
        errors.add("deployment_id", CHOOSE_DEPLOYMENT);
        None
    } else {
        DeploymentId::parse(deployment_id).map_err(|_| errors.add("deployment_id", CHOOSE_DEPLOYMENT)).ok()
    };
    let fields = ValidFields::check(&mut errors, input);
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let mut deployment = None;
    if let Some(id) = deployment_id {
        deployment = workable_deployment(&mut tx, actor, id).await?;
        if deployment.is_none() {
            errors.add("deployment_id", CHOOSE_DEPLOYMENT);
        }
    }
    if let Some(fields) = &fields {
        check_serial_free(&mut tx, actor, &mut errors, fields, None).await?;
    }
    let (deployment, fields) = match (deployment, fields) {
        (Some(deployment), Some(fields)) if errors.is_empty() => (deployment, fields),
        _ => return Err(AppError::Invalid(errors)),
    };
    let id = DeviceId::new().to_string();
    devices::insert(&mut tx, &id, &workspace, &deployment.id, &fields.as_store(), now)
        .await
        .map_err(serial_taken_or)?;
    crate::portal::tokens::assign_new(&mut tx, &id).await?;
    let summary = format!("Created device \u{201c}{}\u{201d} at {}", fields.name, deployment.name);
    audit::record(&mut tx, actor, "device.created", ("device", &id), summary, now).await?;
    let row = devices::get(&mut tx, &workspace, &id).await?.ok_or_else(|| vanished(&id))?;
    tx.commit().await?;
    app.portal_cache.clear();
    DeviceView::from_row(row)
}

/// A device the caller can see.
pub async fn get(app: &App, actor: &Actor, id: DeviceId) -> AppResult<DeviceView> {
    let mut conn = app.store.read().await?;
    let (row, _) = load_visible(&mut conn, actor, id).await?;
    DeviceView::from_row(row)
}

/// A visible device's moves between deployments, oldest first.
pub async fn history(app: &App, actor: &Actor, id: DeviceId) -> AppResult<Vec<DeviceMoveView>> {
    let mut conn = app.store.read().await?;
    let (row, _) = load_visible(&mut conn, actor, id).await?;
    Ok(devices::moves(&mut conn, &row.id).await?.into_iter().map(DeviceMoveView::from).collect())
}

/// Changes a device's fields. `input.deployment_id` is ignored: moving is [`move_to`].
pub async fn update(app: &App, actor: &Actor, id: DeviceId, input: &DeviceInput) -> AppResult<DeviceView> {
    let mut errors = FieldErrors::new();
    let fields = ValidFields::check(&mut errors, input);
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let (row, _) = load_workable(&mut tx, actor, id).await?;
    if let Some(fields) = &fields {
        check_serial_free(&mut tx, actor, &mut errors, fields, Some(&row.id)).await?;
    }
    let fields = match fields {
        Some(fields) if errors.is_empty() => fields,
        _ => return Err(AppError::Invalid(errors)),
    };
    let changed = fields.changed_from(&view::stored_fields(&row));
    if changed.is_empty() {
        return DeviceView::from_row(row);
    }
    devices::update(&mut tx, &row.id, &fields.as_store(), now).await.map_err(serial_taken_or)?;
    let summary = format!("Changed {} of device \u{201c}{}\u{201d}", changed.join(", "), fields.name);
    audit::record(&mut tx, actor, "device.updated", ("device", &row.id), summary, now).await?;
    let row = devices::get(&mut tx, &workspace, &row.id).await?.ok_or_else(|| vanished(&row.id))?;
    tx.commit().await?;
    app.portal_cache.clear();
    DeviceView::from_row(row)
}

/// Moves a device to another deployment of the workspace and records the move in its history. The caller
/// must be able to work in both deployments; a target it cannot work in is an invalid `deployment_id`.
pub async fn move_to(app: &App, actor: &Actor, id: DeviceId, target: DeploymentId) -> AppResult<DeviceView> {
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let (row, from) = load_workable(&mut tx, actor, id).await?;
    let Some(to) = workable_deployment(&mut tx, actor, target).await? else {
        return Err(AppError::invalid("deployment_id", CHOOSE_DEPLOYMENT));
    };
    if from == target {
        return Err(AppError::invalid("deployment_id", "The device is already at this deployment."));
    }
    let user = actor.user_id().map(|u| u.to_string());
    let move_id = DeviceId::new().to_string(); // moves have no id type of their own; any UUIDv7 serves
    devices::move_to(
        &mut tx,
        &NewMove {
            id: &move_id,
            device_id: &row.id,
            from: (&row.deployment_id, &row.deployment_name),
            to: (&to.id, &to.name),
            moved_by: user.as_deref(),
            now,
        },
    )
    .await?;
    let summary = format!("Moved device \u{201c}{}\u{201d} from {} to {}", row.name, row.deployment_name, to.name);
    audit::record(&mut tx, actor, "device.moved", ("device", &row.id), summary, now).await?;
    let row = devices::get(&mut tx, &workspace, &row.id).await?.ok_or_else(|| vanished(&row.id))?;
    tx.commit().await?;
    app.portal_cache.clear();
    DeviceView::from_row(row)
}

/// Archives a device: it leaves lists and exports but keeps its history. Archiving twice changes nothing.
pub async fn archive(app: &App, actor: &Actor, id: DeviceId) -> AppResult<DeviceView> {
    set_archived(app, actor, id, true).await
}

/// Brings an archived device back. Restoring an active device changes nothing.
pub async fn restore(app: &App, actor: &Actor, id: DeviceId) -> AppResult<DeviceView> {
    set_archived(app, actor, id, false).await
}

async fn set_archived(app: &App, actor: &Actor, id: DeviceId, archived: bool) -> AppResult<DeviceView> {
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let (row, _) = load_workable(&mut tx, actor, id).await?;
    if row.archived_at.is_some() == archived {
        return DeviceView::from_row(row);
    }
    devices::set_archived(&mut tx, &row.id, archived.then_some(now), now).await?;
    let (action, verb) = if archived { ("device.archived", "Archived") } else { ("device.restored", "Restored") };
    let summary = format!("{verb} device \u{201c}{}\u{201d}", row.name);
    audit::record(&mut tx, actor, action, ("device", &row.id), summary, now).await?;
    let row = devices::get(&mut tx, &workspace, &row.id).await?.ok_or_else(|| vanished(&row.id))?;
    tx.commit().await?;
    app.portal_cache.clear();
    DeviceView::from_row(row)
}

/// The devices the caller can see, in creation order, a page at a time (the cursor is the last id).
pub async fn list(app: &App, actor: &Actor, query: &DeviceQuery, page: &PageRequest) -> AppResult<Page<DeviceView>> {
    let mut errors = FieldErrors::new();
    let deployment = non_blank(&query.deployment_id)
        .and_then(|raw| errors.check("deployment_id", DeploymentId::parse(raw)))
        .map(|id| id.to_string());
    let after =
        non_blank(&page.cursor).and_then(|raw| errors.check("cursor", DeviceId::parse(raw))).map(|id| id.to_string());
    errors.into_result()?;
    let workspace = actor.workspace_id.to_string();
    let member = actor.member_scope();
    let limit = page.limit();
    let filter = DeviceFilter {
        workspace_id: &workspace,
        member: member.as_deref(),
        deployment_id: deployment.as_deref(),
        tag: non_blank(&query.tag),
        text: non_blank(&query.text),
        include_archived: query.include_archived,
        after: after.as_deref(),
        limit: limit + 1,
    };
    let mut conn = app.store.read().await?;
    let rows = devices::list(&mut conn, &filter).await?;
    let views = rows.into_iter().map(DeviceView::from_row).collect::<AppResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(views, limit, |v| v.id.to_string()))
}

fn non_blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Loads a device of the caller's workspace whose deployment the caller sees; NotFound otherwise.
async fn load_visible(conn: &mut Conn, actor: &Actor, id: DeviceId) -> AppResult<(DeviceRow, DeploymentId)> {
    let row = devices::get(conn, &actor.workspace_id.to_string(), &id.to_string()).await?.or_not_found()?;
    let deployment = view::parse_id(DeploymentId::parse(&row.deployment_id))?;
    actor.require_see(deployment)?;
    Ok((row, deployment))
}

/// Like [`load_visible`], and the caller must be able to change devices there (Forbidden otherwise).
async fn load_workable(conn: &mut Conn, actor: &Actor, id: DeviceId) -> AppResult<(DeviceRow, DeploymentId)> {
    let (row, deployment) = load_visible(conn, actor, id).await?;
    actor.require_work(deployment)?;
    Ok((row, deployment))
}

/// The deployment when it exists in the caller's workspace and the caller can work in it; `None` when it
/// does not exist or is out of sight (indistinguishable on purpose); Forbidden for a viewer.
async fn workable_deployment(conn: &mut Conn, actor: &Actor, id: DeploymentId) -> AppResult<Option<DeploymentRow>> {
    let Some(row) = deployments::get(conn, &actor.workspace_id.to_string(), &id.to_string()).await? else {
        return Ok(None);
    };
    match actor.require_work(id) {
        Ok(()) => Ok(Some(row)),
        Err(AppError::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Records [`SERIAL_TAKEN`] when another device of the workspace (other than `except`) has the serial.
async fn check_serial_free(
    conn: &mut Conn,
    actor: &Actor,
    errors: &mut FieldErrors,
    fields: &ValidFields,
    except: Option<&str>,
) -> AppResult<()> {
    let Some(serial) = fields.serial_number.as_deref() else {
        return Ok(());
    };
    let holder = devices::find_by_serial(conn, &actor.workspace_id.to_string(), serial).await?;
    if holder.is_some_and(|h| Some(h.id.as_str()) != except) {
        errors.add("serial_number", SERIAL_TAKEN);
    }
    Ok(())
}

fn vanished(id: &str) -> AppError {
    AppError::Internal(format!("device {id} vanished inside its own transaction"))
}
