//! API: label sheet templates — the built-in ones, a workspace's custom ones (validated: every label on
//! the page, none overlapping) and its gLabels imports ([`super::import`]). Lengths are millimetres.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tagdesk_app::labels::templates::{self, CustomTemplateInput, TemplateSource, TemplateView};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::json_response;
use crate::AppState;
use crate::api::{ApiActor, ApiJson, ApiResult, ErrorBody};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_label_templates, create_label_template))
        .routes(routes!(delete_label_template))
}

/// A page size (mm).
#[derive(Debug, Serialize, ToSchema)]
pub struct PageSizeJson {
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// A label's shape (mm).
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelShapeJson {
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
    /// Corner radius.
    pub corner_radius: f32,
}

/// One grid of labels on a page (mm).
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelLayoutJson {
    /// Labels across.
    pub columns: u32,
    /// Labels down.
    pub rows: u32,
    /// The first label's left edge from the page's left edge.
    pub left: f32,
    /// The first label's top edge from the page's top edge.
    pub top: f32,
    /// From one label's left edge to the next one's.
    pub pitch_x: f32,
    /// From one label's top edge to the next one's.
    pub pitch_y: f32,
}

/// A label sheet template.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelTemplateJson {
    /// What prints refer to (`template`), e.g. `avery-l7160`, `custom-…`, `glabels-…`.
    pub slug: String,
    /// `builtin`, `custom` or `glabels`.
    pub source: String,
    /// Name.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// "63.5 × 38.1 mm, 3 × 7 on 210 × 297 mm".
    pub summary: String,
    /// Labels per page.
    pub labels_per_page: u32,
    /// One label per page, the page the size of the label (roll printers).
    pub roll: bool,
    /// Other product codes of the same stock (gLabels `equiv=`); prints accept them as `template`.
    pub aliases: Vec<String>,
    /// The page.
    pub page: PageSizeJson,
    /// Each label.
    pub label: LabelShapeJson,
    /// The grids of labels.
    pub layouts: Vec<LabelLayoutJson>,
}

impl From<TemplateView> for LabelTemplateJson {
    fn from(view: TemplateView) -> Self {
        let summary = view.summary();
        let t = view.template;
        Self {
            source: match view.source {
                TemplateSource::Builtin => "builtin",
                TemplateSource::Custom => "custom",
                TemplateSource::Glabels => "glabels",
            }
            .to_owned(),
            slug: view.slug,
            name: t.name,
            description: t.description,
            summary,
            labels_per_page: view.labels_per_page,
            roll: t.roll,
            aliases: t.aliases,
            page: PageSizeJson { width: t.page.width, height: t.page.height },
            label: LabelShapeJson {
                width: t.label.width,
                height: t.label.height,
                corner_radius: t.label.corner_radius,
            },
            layouts: t
                .layouts
                .iter()
                .map(|l| LabelLayoutJson {
                    columns: l.columns,
                    rows: l.rows,
                    left: l.left,
                    top: l.top,
                    pitch_x: l.pitch_x,
                    pitch_y: l.pitch_y,
                })
                .collect(),
        }
    }
}

/// A custom template (mm). A template of the same name is replaced.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomTemplateBody {
    /// Name, at most 100 characters; the slug is `custom-<name>`.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Page width (ignored for rolls).
    #[serde(default)]
    pub page_width: f32,
    /// Page height (ignored for rolls).
    #[serde(default)]
    pub page_height: f32,
    /// Labels across (ignored for rolls).
    #[serde(default)]
    pub columns: u32,
    /// Labels down (ignored for rolls).
    #[serde(default)]
    pub rows: u32,
    /// Label width.
    pub label_width: f32,
    /// Label height.
    pub label_height: f32,
    /// The first label's left edge from the page's.
    #[serde(default)]
    pub left_margin: f32,
    /// The first label's top edge from the page's.
    #[serde(default)]
    pub top_margin: f32,
    /// Horizontal pitch; 0 or absent = the label width.
    #[serde(default)]
    pub pitch_x: f32,
    /// Vertical pitch; 0 or absent = the label height.
    #[serde(default)]
    pub pitch_y: f32,
    /// Corner radius.
    #[serde(default)]
    pub corner_radius: f32,
    /// One label per page, page = label (a roll printer).
    #[serde(default)]
    pub roll: bool,
}

impl From<CustomTemplateBody> for CustomTemplateInput {
    fn from(b: CustomTemplateBody) -> Self {
        Self {
            name: b.name,
            description: b.description,
            page_width: b.page_width,
            page_height: b.page_height,
            columns: b.columns,
            rows: b.rows,
            label_width: b.label_width,
            label_height: b.label_height,
            left_margin: b.left_margin,
            top_margin: b.top_margin,
            pitch_x: b.pitch_x,
            pitch_y: b.pitch_y,
            corner_radius: b.corner_radius,
            roll: b.roll,
        }
    }
}

/// List the label templates the workspace can print on: built-in ones first, then its own.
#[utoipa::path(get, path = "/labels/templates", tag = "labels",
    responses((status = 200, body = Vec<LabelTemplateJson>), (status = 401, body = ErrorBody)))]
async fn list_label_templates(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<Response> {
    let views = templates::list(&state.app, &actor).await?;
    let body: Vec<LabelTemplateJson> = views.into_iter().map(Into::into).collect();
    Ok(json_response(StatusCode::OK, &body))
}

/// Define a custom label template (workspace admins). `422` when a label does not fit on the page or
/// labels overlap.
#[utoipa::path(post, path = "/labels/templates", tag = "labels", request_body = CustomTemplateBody,
    responses((status = 201, body = LabelTemplateJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Off the page, overlapping, or sizes out of range", body = ErrorBody)))]
async fn create_label_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CustomTemplateBody>,
) -> ApiResult<Response> {
    let view = templates::save_custom(&state.app, &actor, &body.into()).await?;
    Ok(json_response(StatusCode::CREATED, &LabelTemplateJson::from(view)))
}

/// Delete one of the workspace's own templates (custom or imported; workspace admins). Built-in
/// templates cannot be deleted (`404`).
#[utoipa::path(delete, path = "/labels/templates/{slug}", tag = "labels", params(("slug" = String, Path, description = "Template slug")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_label_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    templates::delete(&state.app, &actor, slug.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}
