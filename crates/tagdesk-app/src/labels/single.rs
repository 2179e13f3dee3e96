//! One device's QR code (SVG, PNG) and its single printable label. Anyone who can see the device may
//! download its code; printing a label needs the same rights as bulk printing (work at its deployment).

use tagdesk_domain::{DeploymentId, DeviceId};
use tagdesk_store::labels::{self as store, LabelSelection};

use super::render::{PrintRequest, Rendered, label_data, options_for};
use super::settings::{self};
use super::{LabelFormat, PNG_SIZES, blocking, label_error};
use crate::error::OrNotFound;
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult};

async fn device(
    app: &App,
    actor: &Actor,
    id: DeviceId,
) -> AppResult<(DeploymentId, tagdesk_store::labels::LabelDeviceRow)> {
    let workspace = actor.workspace_id.to_string();
    let ids = [id.to_string()];
    let query = LabelSelection {
        workspace_id: &workspace,
        device_ids: Some(&ids),
        include_archived: true,
        limit: 1,
        ..Default::default()
    };
    let mut conn = app.store.read().await?;
    let row = store::select_devices(&mut conn, &query).await?.into_iter().next().or_not_found()?;
    let deployment = DeploymentId::parse(&row.deployment_id).map_err(corrupt)?;
    actor.require_see(deployment)?;
    Ok((deployment, row))
}

/// The device's QR code as SVG.
pub async fn qr_svg(app: &App, actor: &Actor, base_url: &str, id: DeviceId) -> AppResult<String> {
    let (_, row) = device(app, actor, id).await?;
    let data = label_data(base_url, &row)?;
    let ec = settings::workspace(app, actor).await?.ec;
    blocking(move || tagdesk_labels::qr::encode(&data.url, ec).map(|m| tagdesk_labels::qr::to_svg(&m)))
        .await?
        .map_err(|e| label_error("device", e))
}

/// The device's QR code as a PNG of about `size_px` pixels (one of [`PNG_SIZES`]).
pub async fn qr_png(app: &App, actor: &Actor, base_url: &str, id: DeviceId, size_px: u32) -> AppResult<Vec<u8>> {
    if !PNG_SIZES.contains(&size_px) {
        return Err(AppError::invalid("size", "Choose a PNG size of 256, 512, 1024 or 2048 pixels."));
    }
    let (_, row) = device(app, actor, id).await?;
    let data = label_data(base_url, &row)?;
    let ec = settings::workspace(app, actor).await?.ec;
    blocking(move || {
        let matrix = tagdesk_labels::qr::encode(&data.url, ec)?;
        tagdesk_labels::qr::to_png(&matrix, size_px)
    })
    .await?
    .map_err(|e| label_error("device", e))
}

/// A PDF with the device's single label on `request`'s template (the deployment's default when unset).
/// On a sheet template it prints at `request.start_at`, so one label of a half-used sheet can be used.
pub async fn label_pdf(
    app: &App,
    actor: &Actor,
    base_url: &str,
    id: DeviceId,
    request: &PrintRequest,
) -> AppResult<Rendered> {
    let (deployment, row) = device(app, actor, id).await?;
    actor.require_work(deployment)?;
    let defaults = settings::deployment_defaults(app, actor, deployment).await?;
    let (template, options, _) = options_for(app, actor, request, &defaults, &row.deployment_language).await?;
    let data = vec![label_data(base_url, &row)?];
    let file_name = format!(
        "label-{}.pdf",
        tagdesk_labels::bundle::file_stem(&row.name, row.serial_number.as_deref().unwrap_or(""))
    );
    let bytes = blocking(move || tagdesk_labels::pdf::render_sheets(&template, &data, &options, &|_| ()))
        .await?
        .map_err(|e| label_error("template", e))?;
    Ok(Rendered { bytes, file_name, content_type: LabelFormat::Pdf.content_type(), labels: 1, unmatched: Vec::new() })
}

/// One replacement of a device's label.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LabelReplacement {
    /// Who replaced it.
    pub by: String,
    /// When, UTC milliseconds.
    pub at: i64,
}

/// When the device's label was replaced, newest first (from the audit log).
pub async fn label_history(app: &App, actor: &Actor, id: DeviceId) -> AppResult<Vec<LabelReplacement>> {
    let (_, row) = device(app, actor, id).await?;
    let mut conn = app.store.read().await?;
    let workspace = actor.workspace_id.to_string();
    let entries = tagdesk_store::audit::for_target(
        &mut conn,
        &workspace,
        "device.portal_token_replaced",
        ("device", &row.id),
        50,
    )
    .await?;
    Ok(entries.into_iter().map(|e| LabelReplacement { by: e.actor_label, at: e.created_at }).collect())
}
