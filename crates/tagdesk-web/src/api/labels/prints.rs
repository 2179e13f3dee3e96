//! API: bulk prints and "replace label". The selection is resolved once; at most
//! [`SYNC_LABEL_LIMIT`] devices come back at once as the file (200), larger selections start a background
//! job (202 with the job resource of [`super::jobs`] and `Location`).

use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tagdesk_app::AppError;
use tagdesk_app::labels::jobs::{self, JobView};
use tagdesk_app::labels::render::{self, PrintRequest, Rendered};
use tagdesk_app::labels::replace::{self, Replaced};
use tagdesk_app::labels::select::Selection;
use tagdesk_app::labels::{LabelFormat, SYNC_LABEL_LIMIT};
use tagdesk_domain::{DeploymentId, DeviceId};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::jobs::LabelJobJson;
use super::{base_url, file_response, json_response, with_unmatched};
use crate::AppState;
use crate::api::{ApiActor, ApiJson, ApiResult, ErrorBody};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(print_labels)).routes(routes!(replace_labels))
}

/// Which devices a print covers. Filters combine (AND); at least one must be given. Archived devices are
/// never printed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectionJson {
    /// Only devices at this deployment.
    pub deployment_id: Option<String>,
    /// Only devices with this tag (ignoring case).
    pub tag: Option<String>,
    /// Only devices whose name, serial number, manufacturer or model contains this (ignoring case).
    pub search: Option<String>,
    /// Only these devices (ids).
    #[serde(default)]
    pub device_ids: Vec<String>,
    /// Only the devices named here: serial numbers, portal tokens or portal URLs (as a scanner types them),
    /// at most 5,000. Entries that match no device are reported (`unmatched`).
    pub listed: Option<Vec<String>>,
    /// Only devices whose label was never scanned.
    #[serde(default)]
    pub never_scanned: bool,
    /// Only devices not scanned in this many days, 1–3650 (never-scanned ones included).
    pub not_scanned_days: Option<u32>,
}

/// What a print produces.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatJson {
    /// A PDF of label sheets (`application/pdf`).
    Pdf,
    /// A ZIP of one SVG and one PNG QR code per device, named by device (`application/zip`).
    Zip,
    /// A CSV of device → portal URL (`text/csv`).
    Csv,
}

impl From<FormatJson> for LabelFormat {
    fn from(format: FormatJson) -> Self {
        match format {
            FormatJson::Pdf => Self::Pdf,
            FormatJson::Zip => Self::Zip,
            FormatJson::Csv => Self::Csv,
        }
    }
}

impl From<LabelFormat> for FormatJson {
    fn from(format: LabelFormat) -> Self {
        match format {
            LabelFormat::Pdf => Self::Pdf,
            LabelFormat::Zip => Self::Zip,
            LabelFormat::Csv => Self::Csv,
        }
    }
}

/// A print. Unset choices fall back to what the deployment printed last (when every selected device is
/// at one deployment), else to Avery L7160 with QR code, name, serial number, site and call to action.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintBody {
    /// Which devices.
    pub selection: SelectionJson,
    /// `pdf` (default), `zip` or `csv`.
    pub format: Option<FormatJson>,
    /// A template slug, alias or name (see `GET /labels/templates`).
    pub template: Option<String>,
    /// Labels to skip on the first sheet (a half-used sheet), from 0 to labels per sheet − 1.
    #[serde(default)]
    pub start_at: u32,
    /// A printer profile's id or name (calibration offsets).
    pub printer_profile: Option<String>,
    /// Comma-separated fields: `qr,name,serial,site,cta,logo` (`qr` is required).
    pub fields: Option<String>,
    /// Draw every label's outline (for plain paper).
    pub outlines: Option<bool>,
    /// PNG size in ZIPs: 256, 512 (default), 1024 or 2048 pixels.
    pub png_px: Option<u32>,
}

impl PrintBody {
    /// As the app's request; malformed ids are field errors.
    fn into_request(self) -> ApiResult<PrintRequest> {
        let s = self.selection;
        let deployment = match s.deployment_id.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(raw) => Some(
                DeploymentId::parse(raw)
                    .map_err(|_| AppError::invalid("selection.deployment_id", "This is not a deployment id."))?,
            ),
            None => None,
        };
        let device_ids = s
            .device_ids
            .iter()
            .map(|raw| {
                DeviceId::parse(raw.trim()).map_err(|_| {
                    AppError::invalid("selection.device_ids", format!("\u{201c}{raw}\u{201d} is not a device id."))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let selection = Selection {
            deployment,
            tag: s.tag,
            search: s.search,
            device_ids,
            listed: s.listed.map(|entries| entries.join("\n")),
            never_scanned: s.never_scanned,
            not_scanned_days: s.not_scanned_days,
        };
        Ok(PrintRequest {
            selection,
            format: self.format.map(Into::into),
            template: self.template,
            start_at: self.start_at,
            printer_profile: self.printer_profile,
            fields: self.fields,
            outlines: self.outlines,
            png_px: self.png_px,
        })
    }
}

/// 200 with the file, its unmatched entries in headers.
fn file(rendered: Rendered) -> Response {
    let response = file_response(rendered.bytes, rendered.content_type, &rendered.file_name);
    with_unmatched(response, &rendered.unmatched)
}

/// 202 with the job and its `Location`.
fn accepted(job: JobView, base: &str) -> Response {
    let body = LabelJobJson::new(job, base);
    let location = HeaderValue::from_str(&body.url).ok();
    let mut response = json_response(StatusCode::ACCEPTED, &body);
    if let Some(location) = location {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// Print labels for a selection of devices. At most 300 devices (`SYNC_LABEL_LIMIT`) answer 200 with the
/// file itself; more start a background job and answer 202 with the job resource (poll its `url`, then
/// fetch `download_url`). The choices become the deployment's defaults (PDF prints).
#[utoipa::path(post, path = "/labels", tag = "labels", request_body = PrintBody,
    responses(
        (status = 200, description = "The file (at most 300 devices)", headers(
            ("x-tagdesk-unmatched" = u32, description = "How many entries of `listed` matched no device (absent when all did)"),
            ("x-tagdesk-unmatched-entries" = String, description = "Those entries, percent-encoded, comma-separated (at most 4 KiB)")),
            content(("application/pdf"), ("application/zip"), ("text/csv"))),
        (status = 202, description = "A background job (more than 300 devices)", body = LabelJobJson,
            headers(("location" = String, description = "The job resource"))),
        (status = 401, body = ErrorBody), (status = 403, description = "A viewer of a selected deployment", body = ErrorBody),
        (status = 422, description = "Empty or unknown selection, unknown template or printer profile, bad fields, start position beyond the sheet", body = ErrorBody),
        (status = 503, description = "Too many background prints of this workspace are running", body = ErrorBody)))]
async fn print_labels(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PrintBody>,
) -> ApiResult<Response> {
    let request = body.into_request()?;
    let base = base_url(&state);
    let prepared = render::prepare(&state.app, &actor, base, &request).await?;
    if prepared.labels.len() > SYNC_LABEL_LIMIT {
        let job = jobs::start_prepared(&state.app, &actor, prepared, &request).await?;
        return Ok(accepted(job, base));
    }
    prepared.remember(&state.app).await?;
    Ok(file(render::render_prepared(prepared).await?))
}

/// Replace the labels of a selection: new portal tokens for every selected device (the old codes' page
/// then says the label was replaced), recorded in each device's history, and the new labels — as a file
/// or a job, exactly like `POST /labels`. Tokens change in one step: every device or none.
#[utoipa::path(post, path = "/labels/replace", tag = "labels", request_body = PrintBody,
    responses(
        (status = 200, description = "The new labels (at most 300 devices)", headers(
            ("x-tagdesk-unmatched" = u32, description = "How many entries of `listed` matched no device"),
            ("x-tagdesk-unmatched-entries" = String, description = "Those entries, percent-encoded, comma-separated")),
            content(("application/pdf"), ("application/zip"), ("text/csv"))),
        (status = 202, description = "A background job making the new labels", body = LabelJobJson,
            headers(("location" = String, description = "The job resource"))),
        (status = 401, body = ErrorBody), (status = 403, description = "A viewer of a selected deployment", body = ErrorBody),
        (status = 422, description = "Empty or unknown selection, bad print choices (checked before any token changes)", body = ErrorBody),
        (status = 503, description = "Too many background prints are running; the tokens are replaced, print them again later", body = ErrorBody)))]
async fn replace_labels(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PrintBody>,
) -> ApiResult<Response> {
    let request = body.into_request()?;
    let base = base_url(&state);
    Ok(match replace::replace(&state.app, &actor, base, &request).await? {
        Replaced::Now(rendered) => file(rendered),
        Replaced::Job(job) => accepted(job, base),
    })
}
