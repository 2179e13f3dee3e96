//! "Replace label": new portal tokens for one device or a whole selection, the old tokens revoked (their
//! page says the label was replaced and shows the contact details), the device histories recording it,
//! and the new labels produced in the same step. Tokens change in one transaction: either every device
//! of the selection gets a new label or none does.

use tagdesk_domain::DeviceId;
use tagdesk_store::portal as portal_store;

use super::jobs::{self, JobView};
use super::render::{PrintRequest, Rendered, options_for, prepare, render_prepared};
use super::select::{self, Selection};
use super::settings::PrintDefaults;
use super::{PNG_SIZES, SYNC_LABEL_LIMIT};
use crate::portal::tokens;
use crate::{Actor, App, AppResult, audit};

/// The outcome: the new labels at once (small selections) or a background job.
#[derive(Debug)]
pub enum Replaced {
    /// The new labels.
    Now(Rendered),
    /// A job producing them.
    Job(JobView),
}

/// Replaces the labels of every device `request.selection` covers and prints the new ones.
pub async fn replace(app: &App, actor: &Actor, base_url: &str, request: &PrintRequest) -> AppResult<Replaced> {
    if request.selection.is_everything() {
        return Err(crate::AppError::invalid(
            "selection",
            "Choose which devices get new labels: a deployment, a tag, a search or a list.",
        ));
    }
    // Check the print's choices first, so a typo in them cannot leave the devices with new tokens but no
    // labels (a start position is checked against the deployment's own template when none is named).
    let check =
        if request.template.is_some() { request.clone() } else { PrintRequest { start_at: 0, ..request.clone() } };
    options_for(app, actor, &check, &PrintDefaults::default(), "en").await?;
    if request.png_px.is_some_and(|px| !PNG_SIZES.contains(&px)) {
        return Err(crate::AppError::invalid("png_px", "Choose a PNG size of 256, 512, 1024 or 2048 pixels."));
    }
    let selected = select::resolve(app, actor, &request.selection).await?;
    if selected.devices.is_empty() {
        return Err(crate::AppError::invalid("selection", "No devices match this selection."));
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let mut ids = Vec::with_capacity(selected.devices.len());
    for device in &selected.devices {
        if let Some(old) = &device.portal_token {
            portal_store::insert_replaced_token(&mut tx, old, &device.id, now).await?;
        }
        tokens::assign_new(&mut tx, &device.id).await?;
        let summary = format!(
            "Replaced the label of device \u{201c}{}\u{201d} (the old code now says it was replaced)",
            device.name
        );
        audit::record(&mut tx, actor, "device.portal_token_replaced", ("device", &device.id), summary, now).await?;
        ids.push(DeviceId::parse(&device.id).map_err(crate::templates::corrupt)?);
    }
    tx.commit().await?;
    app.portal_cache.clear();
    // The same devices, now by id (their serials and tokens have changed meaning).
    let reprint = PrintRequest { selection: Selection { device_ids: ids, ..Default::default() }, ..request.clone() };
    let mut prepared = prepare(app, actor, base_url, &reprint).await?;
    prepared.unmatched = selected.unmatched;
    if prepared.labels.len() > SYNC_LABEL_LIMIT {
        Ok(Replaced::Job(jobs::start_prepared(app, actor, prepared, &reprint).await?))
    } else {
        prepared.remember(app).await?;
        Ok(Replaced::Now(render_prepared(prepared).await?))
    }
}
