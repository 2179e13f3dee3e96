//! API: print accuracy — a template's alignment test page (every outline and centre cross at the exact
//! positions, shifted by a printer profile) and the QR module-size check that warns when codes get too
//! small for phones and names templates that avoid it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tagdesk_app::AppError;
use tagdesk_app::labels::render::{self, ModuleCheck};
use tagdesk_app::labels::settings::DEFAULT_TEMPLATE;
use tagdesk_app::labels::templates;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{base_url, file_response, json_response};
use crate::AppState;
use crate::api::{ApiActor, ApiQuery, ApiResult, ErrorBody};

/// The fields a label shows when a module check names none.
const DEFAULT_FIELDS: &str = "qr,name,serial,site,cta";

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(alignment_page)).routes(routes!(module_check))
}

/// How big a QR module comes out on a template.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleCheckJson {
    /// Millimetres per QR module (for a typical portal URL of this server).
    pub module_mm: f32,
    /// Below 0.4 mm: phone cameras may struggle at arm's length.
    pub too_small: bool,
    /// Built-in templates (names) that give at least 0.4 mm with the same fields, most labels per page
    /// first (empty unless `too_small`).
    pub better: Vec<String>,
}

impl From<ModuleCheck> for ModuleCheckJson {
    fn from(c: ModuleCheck) -> Self {
        Self { module_mm: c.module_mm, too_small: c.too_small, better: c.better }
    }
}

/// The printer profile of an alignment page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlignmentParams {
    /// A printer profile's id or name: the page is shifted by its offsets, as prints are.
    pub printer_profile: Option<String>,
}

/// What a module check is about.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModuleCheckParams {
    /// A template slug, alias or name (default `avery-l7160`).
    pub template: Option<String>,
    /// Comma-separated fields (default `qr,name,serial,site,cta`).
    pub fields: Option<String>,
}

/// Download a template's alignment test page: every label's outline and centre cross at the exact
/// positions (shifted by the printer profile), with "print at 100 % / actual size" on the page.
#[utoipa::path(get, path = "/labels/templates/{slug}/alignment.pdf", tag = "labels",
    params(("slug" = String, Path, description = "Template slug, alias or name"), AlignmentParams),
    responses((status = 200, description = "The test page", content(("application/pdf"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Unknown printer profile", body = ErrorBody)))]
async fn alignment_page(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(slug): Path<String>,
    ApiQuery(params): ApiQuery<AlignmentParams>,
) -> ApiResult<Response> {
    // The template is the addressed resource: unknown is 404, not a field error.
    let template = match templates::find(&state.app, &actor, &slug).await {
        Ok(view) => view,
        Err(AppError::Invalid(_)) => return Err(AppError::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let profile = params.printer_profile.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let rendered = render::alignment_page(&state.app, &actor, &template.slug, profile).await?;
    Ok(file_response(rendered.bytes, rendered.content_type, &rendered.file_name))
}

/// How big a QR module comes out on a template with some fields, and which built-in templates give at
/// least 0.4 mm when it is smaller.
#[utoipa::path(get, path = "/labels/module-check", tag = "labels", params(ModuleCheckParams),
    responses((status = 200, body = ModuleCheckJson), (status = 401, body = ErrorBody),
        (status = 422, description = "Unknown template or bad fields", body = ErrorBody)))]
async fn module_check(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<ModuleCheckParams>,
) -> ApiResult<Response> {
    let template = params.template.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(DEFAULT_TEMPLATE);
    let fields = params.fields.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or(DEFAULT_FIELDS);
    let check = render::module_check(&state.app, &actor, base_url(&state), template, fields).await?;
    Ok(json_response(StatusCode::OK, &ModuleCheckJson::from(check)))
}
