//! A print request → the bytes of a PDF of label sheets, a ZIP of QR files or a CSV of device → URL.
//! [`prepare`] resolves everything that needs the database (devices, template, calibration, logo,
//! defaults); [`Prepared::render`] is pure and CPU-bound, run on a blocking thread by [`render`] or by a
//! background job.

use serde::{Deserialize, Serialize};
use tagdesk_domain::DeploymentId;
use tagdesk_labels::bundle::{CodeFile, UrlRow};
use tagdesk_labels::{LabelData, LabelError, PrintOptions, SheetTemplate};
use tagdesk_store::labels::LabelDeviceRow;

use super::select::{self, Selection};
use super::settings::{self, PrintDefaults};
use super::{LabelFormat, MIN_COMFORTABLE_MODULE_MM, blocking, call_to_action, label_error, parse_fields, qr_payload};
use super::{printers, templates};
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult};

/// The default PNG size in ZIP downloads, in pixels.
pub const DEFAULT_PNG_PX: u32 = 512;

/// A print as the UI, API and CLI ask for it; unset choices fall back to the deployment's remembered ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PrintRequest {
    #[serde(default)]
    pub selection: Selection,
    pub format: Option<LabelFormat>,
    /// A template slug, alias or name.
    #[serde(default)]
    pub template: Option<String>,
    /// Labels to skip on the first sheet.
    #[serde(default)]
    pub start_at: u32,
    /// A printer profile's id or name.
    #[serde(default)]
    pub printer_profile: Option<String>,
    /// `qr,name,serial,site,cta,logo`.
    #[serde(default)]
    pub fields: Option<String>,
    #[serde(default)]
    pub outlines: Option<bool>,
    /// PNG size for ZIPs.
    #[serde(default)]
    pub png_px: Option<u32>,
}

/// Everything a rendering needs, read from the database.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub format: LabelFormat,
    pub template: SheetTemplate,
    pub options: PrintOptions,
    pub png_px: u32,
    /// One per device, in print order.
    pub labels: Vec<LabelData>,
    /// For the CSV: the device's deployment name per label.
    pub deployments: Vec<String>,
    /// The download's file name.
    pub file_name: String,
    /// Explicit-list entries that matched no device.
    pub unmatched: Vec<String>,
    /// The deployment whose defaults this print updates.
    remember: Option<(DeploymentId, PrintDefaults)>,
}

/// A finished print.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub content_type: &'static str,
    /// Labels (devices) in it.
    pub labels: usize,
    /// Explicit-list entries that matched no device.
    pub unmatched: Vec<String>,
}

/// A label's data for a device.
pub fn label_data(base_url: &str, device: &LabelDeviceRow) -> AppResult<LabelData> {
    let token = device.portal_token.as_deref().ok_or_else(|| {
        AppError::Conflict(format!(
            "Device \u{201c}{}\u{201d} has no portal link yet; try again in a minute.",
            device.name
        ))
    })?;
    Ok(LabelData {
        url: qr_payload(base_url, token),
        name: device.name.clone(),
        serial: device.serial_number.clone().unwrap_or_default(),
        site: device.deployment_name.clone(),
        cta: Some(call_to_action(&device.deployment_language).to_owned()),
    })
}

/// The print options a request, the deployment defaults and the workspace settings make.
pub(crate) async fn options_for(
    app: &App,
    actor: &Actor,
    request: &PrintRequest,
    defaults: &PrintDefaults,
    language: &str,
) -> AppResult<(SheetTemplate, PrintOptions, PrintDefaults)> {
    let template = templates::find(app, actor, request.template.as_deref().unwrap_or(&defaults.template)).await?;
    let fields = match &request.fields {
        Some(raw) => parse_fields(raw)?,
        None => defaults.fields,
    };
    let profile = match request.printer_profile.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(key) => Some(printers::find(app, actor, key).await?),
        None => match &defaults.printer_profile_id {
            Some(id) => printers::find(app, actor, id).await.ok(),
            None => None,
        },
    };
    let per_page = template.labels_per_page;
    if !template.template.roll && request.start_at >= per_page {
        return Err(AppError::invalid(
            "start_at",
            format!(
                "Each {} sheet has {per_page} labels: skip 0 to {}.",
                template.template.name,
                per_page.saturating_sub(1)
            ),
        ));
    }
    let workspace = settings::workspace(app, actor).await?;
    let logo = if fields.logo { settings::logo(app, actor).await? } else { None };
    let outlines = request.outlines.unwrap_or(defaults.outlines);
    let options = PrintOptions {
        start_at: if template.template.roll { 0 } else { request.start_at },
        offset_x: profile.as_ref().map_or(0.0, |p| p.offset_x),
        offset_y: profile.as_ref().map_or(0.0, |p| p.offset_y),
        outlines,
        ec: workspace.ec,
        fields,
        cta: call_to_action(language).to_owned(),
        logo,
    };
    let remembered =
        PrintDefaults { template: template.slug.clone(), fields, printer_profile_id: profile.map(|p| p.id), outlines };
    Ok((template.template, options, remembered))
}

/// Resolves a request: the devices, template, calibration and settings.
pub async fn prepare(app: &App, actor: &Actor, base_url: &str, request: &PrintRequest) -> AppResult<Prepared> {
    let format = request.format.unwrap_or(LabelFormat::Pdf);
    if request.selection.is_everything() {
        return Err(AppError::invalid(
            "selection",
            "Choose which devices to print: a deployment, a tag, a search or a list.",
        ));
    }
    let selected = select::resolve(app, actor, &request.selection).await?;
    if selected.devices.is_empty() {
        return Err(AppError::invalid("selection", "No devices match this selection."));
    }
    let first = &selected.devices[0];
    let single_deployment = selected.devices.iter().all(|d| d.deployment_id == first.deployment_id);
    let deployment = DeploymentId::parse(&first.deployment_id).map_err(corrupt)?;
    let defaults = if single_deployment {
        settings::deployment_defaults(app, actor, deployment).await?
    } else {
        PrintDefaults::default()
    };
    let (template, options, remembered) =
        options_for(app, actor, request, &defaults, &first.deployment_language).await?;
    let labels = selected.devices.iter().map(|d| label_data(base_url, d)).collect::<AppResult<Vec<_>>>()?;
    let deployments = selected.devices.iter().map(|d| d.deployment_name.clone()).collect();
    let stem = if single_deployment {
        tagdesk_labels::bundle::file_stem(&first.deployment_name, "")
    } else {
        "devices".to_owned()
    };
    let date = chrono::DateTime::from_timestamp_millis(app.now())
        .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string());
    let file_name = format!("labels-{stem}-{date}.{}", format.as_str());
    let png_px = request.png_px.unwrap_or(DEFAULT_PNG_PX);
    if !super::PNG_SIZES.contains(&png_px) {
        return Err(AppError::invalid("png_px", "Choose a PNG size of 256, 512, 1024 or 2048 pixels."));
    }
    Ok(Prepared {
        format,
        template,
        options,
        png_px,
        labels,
        deployments,
        file_name,
        unmatched: selected.unmatched,
        remember: single_deployment.then_some((deployment, remembered)),
    })
}

impl Prepared {
    /// Renders (CPU-bound: call on a blocking thread); `progress(done)` is called now and then.
    pub fn render(&self, progress: &(dyn Fn(usize) + Sync)) -> Result<Vec<u8>, LabelError> {
        match self.format {
            LabelFormat::Pdf => {
                tagdesk_labels::pdf::render_sheets(&self.template, &self.labels, &self.options, progress)
            }
            LabelFormat::Zip => {
                let files: Vec<CodeFile> = self
                    .labels
                    .iter()
                    .map(|l| CodeFile { name: l.name.clone(), serial: l.serial.clone(), url: l.url.clone() })
                    .collect();
                tagdesk_labels::bundle::zip_codes(&files, self.png_px, self.options.ec, progress)
            }
            LabelFormat::Csv => {
                let rows: Vec<UrlRow<'_>> = self
                    .labels
                    .iter()
                    .zip(&self.deployments)
                    .map(|(l, d)| UrlRow { name: &l.name, serial: &l.serial, deployment: d, url: &l.url })
                    .collect();
                tagdesk_labels::bundle::csv(&rows)
            }
        }
    }

    /// Remembers this print's choices as its deployment's defaults (PDF prints only).
    pub async fn remember(&self, app: &App) -> AppResult<()> {
        match (&self.remember, self.format) {
            (Some((deployment, defaults)), LabelFormat::Pdf) => settings::remember(app, *deployment, defaults).await,
            _ => Ok(()),
        }
    }
}

/// Prepares and renders a print at once (for small prints; large ones go through [`super::jobs`]).
pub async fn render(app: &App, actor: &Actor, base_url: &str, request: &PrintRequest) -> AppResult<Rendered> {
    let prepared = prepare(app, actor, base_url, request).await?;
    prepared.remember(app).await?;
    render_prepared(prepared).await
}

/// Renders a prepared print on a blocking thread.
pub async fn render_prepared(prepared: Prepared) -> AppResult<Rendered> {
    let (file_name, format, unmatched, count) =
        (prepared.file_name.clone(), prepared.format, prepared.unmatched.clone(), prepared.labels.len());
    let bytes = blocking(move || prepared.render(&|_| ())).await?.map_err(|e| label_error("template", e))?;
    Ok(Rendered { bytes, file_name, content_type: format.content_type(), labels: count, unmatched })
}

/// The alignment test page for a template and printer profile.
pub async fn alignment_page(
    app: &App,
    actor: &Actor,
    template: &str,
    printer_profile: Option<&str>,
) -> AppResult<Rendered> {
    let request = PrintRequest {
        template: Some(template.to_owned()),
        printer_profile: printer_profile.map(str::to_owned),
        fields: Some("qr".to_owned()),
        ..Default::default()
    };
    let (template, options, _) = options_for(app, actor, &request, &PrintDefaults::default(), "en").await?;
    let name = format!("alignment-{}.pdf", template.id);
    let bytes = blocking(move || tagdesk_labels::pdf::alignment_page(&template, &options))
        .await?
        .map_err(|e| label_error("template", e))?;
    Ok(Rendered { bytes, file_name: name, content_type: "application/pdf", labels: 0, unmatched: Vec::new() })
}

/// How big a QR module comes out on a template, and what to use instead when it is too small.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleCheck {
    /// mm per module.
    pub module_mm: f32,
    /// Below [`MIN_COMFORTABLE_MODULE_MM`]: phones may struggle.
    pub too_small: bool,
    /// Templates (names) that give at least that much with the same fields, most labels per page first.
    pub better: Vec<String>,
}

/// Checks the module size for `template` with `fields` (a typical portal URL of this server).
pub async fn module_check(
    app: &App,
    actor: &Actor,
    base_url: &str,
    template: &str,
    fields: &str,
) -> AppResult<ModuleCheck> {
    let request =
        PrintRequest { template: Some(template.to_owned()), fields: Some(fields.to_owned()), ..Default::default() };
    let (chosen, options, _) = options_for(app, actor, &request, &PrintDefaults::default(), "en").await?;
    let all = templates::list(app, actor).await?;
    let sample = qr_payload(base_url, "0000000000000");
    blocking(move || {
        let module_mm = tagdesk_labels::pdf::module_size_mm(&chosen, &options, &sample);
        let too_small = module_mm < MIN_COMFORTABLE_MODULE_MM;
        let mut better: Vec<(u32, String)> = Vec::new();
        if too_small {
            for view in
                all.iter().filter(|v| v.template.id != chosen.id && v.source == templates::TemplateSource::Builtin)
            {
                if tagdesk_labels::pdf::module_size_mm(&view.template, &options, &sample) >= MIN_COMFORTABLE_MODULE_MM {
                    better.push((view.labels_per_page, view.template.name.clone()));
                }
            }
            better.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        }
        ModuleCheck { module_mm, too_small, better: better.into_iter().map(|(_, n)| n).take(3).collect() }
    })
    .await
}
