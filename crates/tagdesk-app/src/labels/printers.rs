//! Named printer profiles: every printer shifts a page a little; a profile's x/y offsets (mm) move
//! everything printed so labels land on the die-cut stock. Measured with the alignment test page.

use serde::Serialize;
use tagdesk_store::labels::{self as store, PrinterProfileRow};

use crate::actor::ActorKind;
use crate::error::OrNotFound;
use crate::{Actor, App, AppError, AppResult, audit};

/// The largest calibration offset accepted, in mm (a printer further off needs repair, not calibration).
pub const MAX_OFFSET_MM: f32 = 20.0;

/// A printer profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrinterProfile {
    pub id: String,
    pub name: String,
    /// mm, positive = right.
    pub offset_x: f32,
    /// mm, positive = down.
    pub offset_y: f32,
}

impl PrinterProfile {
    fn from_row(row: PrinterProfileRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            offset_x: row.offset_x_hmm as f32 / 100.0,
            offset_y: row.offset_y_hmm as f32 / 100.0,
        }
    }
}

/// The workspace's printer profiles, by name.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<PrinterProfile>> {
    let mut conn = app.store.read().await?;
    let rows = store::printer_profiles(&mut conn, &actor.workspace_id.to_string()).await?;
    Ok(rows.into_iter().map(PrinterProfile::from_row).collect())
}

/// One profile by id or name.
pub async fn find(app: &App, actor: &Actor, id_or_name: &str) -> AppResult<PrinterProfile> {
    let mut conn = app.store.read().await?;
    let row = store::printer_profile(&mut conn, &actor.workspace_id.to_string(), id_or_name.trim()).await?;
    row.map(PrinterProfile::from_row).ok_or_else(|| {
        AppError::invalid(
            "printer_profile",
            format!("No printer profile is called \u{201c}{}\u{201d}.", id_or_name.trim()),
        )
    })
}

fn offset_hmm(field: &str, value: f32) -> AppResult<i64> {
    if !value.is_finite() || value.abs() > MAX_OFFSET_MM {
        return Err(AppError::invalid(field, format!("An offset is between −{MAX_OFFSET_MM} and {MAX_OFFSET_MM} mm.")));
    }
    Ok((value * 100.0).round() as i64)
}

/// Creates (`id` None) or updates a profile; technicians and admins of any deployment may calibrate.
pub async fn save(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    name: &str,
    offset_x: f32,
    offset_y: f32,
) -> AppResult<PrinterProfile> {
    require_technician(actor)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "Give the printer a name of up to 80 characters."));
    }
    let (x, y) = (offset_hmm("offset_x", offset_x)?, offset_hmm("offset_y", offset_y)?);
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let existing = match id {
        Some(id) => Some(store::printer_profile(&mut tx, &workspace, id).await?.or_not_found()?),
        None => None,
    };
    if let Some(clash) = store::printer_profile(&mut tx, &workspace, name).await?
        && existing.as_ref().is_none_or(|e| e.id != clash.id)
    {
        return Err(AppError::invalid(
            "name",
            format!("A printer profile is already called \u{201c}{}\u{201d}.", clash.name),
        ));
    }
    let row = PrinterProfileRow {
        id: existing.as_ref().map_or_else(|| uuid::Uuid::now_v7().to_string(), |e| e.id.clone()),
        workspace_id: workspace,
        name: name.to_owned(),
        offset_x_hmm: x,
        offset_y_hmm: y,
        created_at: existing.as_ref().map_or(now, |e| e.created_at),
        updated_at: now,
    };
    store::save_printer_profile(&mut tx, &row).await?;
    let summary =
        format!("Saved the printer profile \u{201c}{name}\u{201d} ({:+.2} mm, {:+.2} mm)", offset_x, offset_y);
    audit::record(&mut tx, actor, "labels.printer_saved", ("printer_profile", &row.id), summary, now).await?;
    tx.commit().await?;
    Ok(PrinterProfile::from_row(row))
}

/// Fails unless the actor prints labels somewhere (technician or admin of a deployment, or workspace-wide).
fn require_technician(actor: &Actor) -> AppResult<()> {
    let prints = match &actor.kind {
        ActorKind::User { deployments, .. } => {
            actor.is_workspace_admin() || deployments.values().any(|role| role.can_work())
        }
        ActorKind::ApiKey { .. } | ActorKind::System => true,
    };
    if prints { Ok(()) } else { Err(AppError::Forbidden("Viewers cannot change printer profiles.".into())) }
}

/// Deletes a profile.
pub async fn delete(app: &App, actor: &Actor, id: &str) -> AppResult<()> {
    require_technician(actor)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let row = store::printer_profile(&mut tx, &actor.workspace_id.to_string(), id).await?.or_not_found()?;
    store::delete_printer_profile(&mut tx, &row.workspace_id, &row.id).await?;
    let summary = format!("Deleted the printer profile \u{201c}{}\u{201d}", row.name);
    audit::record(&mut tx, actor, "labels.printer_deleted", ("printer_profile", &row.id), summary, now).await?;
    tx.commit().await?;
    Ok(())
}
