//! Label settings: the workspace's QR error correction level and logo (workspace admins), and each
//! deployment's remembered print choices (template, fields, printer profile, outlines) — the last print
//! of a deployment becomes its default.

use serde::Serialize;
use tagdesk_domain::DeploymentId;
use tagdesk_labels::{EcLevel, Fields, logo::Logo};
use tagdesk_store::labels::{self as store, DeploymentLabelRow, WorkspaceLabelRow};

use super::{blocking, fields_string, label_error, parse_fields};
use crate::attachments::storage::StorageKey;
use crate::{Actor, App, AppError, AppResult, audit};

/// The template a deployment prints on until it chooses one.
pub const DEFAULT_TEMPLATE: &str = "avery-l7160";

/// The most bytes a logo upload may have.
pub const MAX_LOGO_BYTES: usize = 2 * 1024 * 1024;

/// A workspace's label settings.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceLabels {
    /// QR error correction.
    pub ec: EcLevel,
    /// Whether a logo is uploaded.
    pub has_logo: bool,
    #[serde(skip)]
    logo_key: Option<String>,
}

/// Parses `L`, `M`, `Q` or `H`.
pub fn parse_ec(raw: &str) -> AppResult<EcLevel> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "L" => Ok(EcLevel::L),
        "M" => Ok(EcLevel::M),
        "Q" => Ok(EcLevel::Q),
        "H" => Ok(EcLevel::H),
        _ => Err(AppError::invalid("qr_ec_level", "Choose error correction L, M, Q or H.")),
    }
}

/// `L`, `M`, `Q` or `H`.
pub fn ec_str(ec: EcLevel) -> &'static str {
    match ec {
        EcLevel::L => "L",
        EcLevel::M => "M",
        EcLevel::Q => "Q",
        EcLevel::H => "H",
    }
}

/// The actor's workspace label settings.
pub async fn workspace(app: &App, actor: &Actor) -> AppResult<WorkspaceLabels> {
    let mut conn = app.store.read().await?;
    let row = store::workspace_settings(&mut conn, &actor.workspace_id.to_string()).await?;
    Ok(match row {
        Some(row) => WorkspaceLabels {
            ec: parse_ec(&row.qr_ec_level)?,
            has_logo: row.logo_key.is_some(),
            logo_key: row.logo_key,
        },
        None => WorkspaceLabels { ec: EcLevel::M, has_logo: false, logo_key: None },
    })
}

/// The decoded logo, when one is uploaded.
pub async fn logo(app: &App, actor: &Actor) -> AppResult<Option<Logo>> {
    let Some(key) = workspace(app, actor).await?.logo_key else { return Ok(None) };
    let key = StorageKey::parse(&key).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(bytes) =
        app.attachments.get(&key).await.map_err(|e| AppError::Internal(format!("reading the logo: {e}")))?
    else {
        return Ok(None);
    };
    Ok(Some(blocking(move || Logo::from_upload(&bytes)).await?.map_err(|e| label_error("logo", e))?))
}

async fn save_workspace(app: &App, actor: &Actor, ec: EcLevel, logo_key: Option<String>, what: &str) -> AppResult<()> {
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    let row = WorkspaceLabelRow {
        workspace_id: workspace.clone(),
        qr_ec_level: ec_str(ec).to_owned(),
        logo_key,
        updated_at: now,
    };
    store::save_workspace_settings(&mut tx, &row).await?;
    audit::record(&mut tx, actor, "labels.settings_changed", ("workspace", &workspace), what.to_owned(), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the QR error correction level; workspace admins only.
pub async fn set_ec(app: &App, actor: &Actor, ec: EcLevel) -> AppResult<()> {
    actor.require_workspace_admin()?;
    let current = workspace(app, actor).await?;
    save_workspace(app, actor, ec, current.logo_key, &format!("Set QR error correction to {}", ec_str(ec))).await
}

/// Stores a new logo (PNG or SVG, checked by decoding it); workspace admins only.
pub async fn set_logo(app: &App, actor: &Actor, bytes: Vec<u8>) -> AppResult<()> {
    actor.require_workspace_admin()?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::invalid("logo", "The logo may be at most 2 MB."));
    }
    let bytes =
        blocking(move || Logo::from_upload(&bytes).map(|_| bytes)).await?.map_err(|e| label_error("logo", e))?;
    let key = StorageKey::generate();
    app.attachments.put(&key, &bytes).await.map_err(|e| AppError::Internal(format!("storing the logo: {e}")))?;
    let current = workspace(app, actor).await?;
    save_workspace(app, actor, current.ec, Some(key.to_string()), "Uploaded a label logo").await?;
    remove_stored(app, current.logo_key).await;
    Ok(())
}

/// Removes the logo; workspace admins only.
pub async fn remove_logo(app: &App, actor: &Actor) -> AppResult<()> {
    actor.require_workspace_admin()?;
    let current = workspace(app, actor).await?;
    save_workspace(app, actor, current.ec, None, "Removed the label logo").await?;
    remove_stored(app, current.logo_key).await;
    Ok(())
}

async fn remove_stored(app: &App, key: Option<String>) {
    if let Some(key) = key.and_then(|k| StorageKey::parse(&k).ok())
        && let Err(e) = app.attachments.delete(&key).await
    {
        tracing::warn!(error = %e, "could not delete an old label logo");
    }
}

/// A deployment's remembered print choices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrintDefaults {
    pub template: String,
    #[serde(serialize_with = "serialize_fields")]
    pub fields: Fields,
    pub printer_profile_id: Option<String>,
    pub outlines: bool,
}

fn serialize_fields<S: serde::Serializer>(fields: &Fields, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fields_string(fields))
}

impl Default for PrintDefaults {
    fn default() -> Self {
        Self {
            template: DEFAULT_TEMPLATE.to_owned(),
            fields: Fields::default(),
            printer_profile_id: None,
            outlines: false,
        }
    }
}

/// What `deployment` printed last (or the defaults).
pub async fn deployment_defaults(app: &App, actor: &Actor, deployment: DeploymentId) -> AppResult<PrintDefaults> {
    actor.require_see(deployment)?;
    let mut conn = app.store.read().await?;
    Ok(match store::deployment_settings(&mut conn, &deployment.to_string()).await? {
        Some(row) => PrintDefaults {
            template: row.template_slug,
            fields: parse_fields(&row.fields).unwrap_or_default(),
            printer_profile_id: row.printer_profile_id,
            outlines: row.outlines != 0,
        },
        None => PrintDefaults::default(),
    })
}

/// Remembers `defaults` for `deployment` (called after a print by someone who may work there).
pub async fn remember(app: &App, deployment: DeploymentId, defaults: &PrintDefaults) -> AppResult<()> {
    let mut tx = app.store.begin().await?;
    let row = DeploymentLabelRow {
        deployment_id: deployment.to_string(),
        template_slug: defaults.template.clone(),
        fields: fields_string(&defaults.fields),
        printer_profile_id: defaults.printer_profile_id.clone(),
        outlines: i64::from(defaults.outlines),
        updated_at: app.now(),
    };
    store::save_deployment_settings(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(())
}

/// The logo as a PNG (for a preview in the back office).
pub fn logo_png(logo: &Logo) -> Result<Vec<u8>, String> {
    let mut rgba = Vec::with_capacity(logo.rgb().len() / 3 * 4);
    for (rgb, a) in logo.rgb().chunks_exact(3).zip(logo.alpha()) {
        rgba.extend_from_slice(rgb);
        rgba.push(*a);
    }
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &rgba,
        logo.width(),
        logo.height(),
        image::ExtendedColorType::Rgba8,
    )
    .map_err(|e| e.to_string())?;
    Ok(out)
}
