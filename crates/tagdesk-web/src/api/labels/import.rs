//! API: importing gLabels template files — the largest open database of label stock. Every rectangular
//! `<Template>` (with its layouts and `equiv=` aliases) becomes one of the workspace's templates; round, CD
//! and other shapes are skipped and counted.

use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use serde::Serialize;
use tagdesk_app::AppError;
use tagdesk_app::labels::templates::{self, ImportSummary};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiBytes, body_error, json_response};
use crate::AppState;
use crate::api::{ApiActor, ApiError, ApiResult, ErrorBody};

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_label_templates))
}

/// Templates skipped for one reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedJson {
    /// Why (e.g. a round or CD label).
    pub reason: String,
    /// How many.
    pub count: usize,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportSummaryJson {
    /// Rectangular templates read from the files.
    pub read: usize,
    /// Of those, new to the workspace.
    pub added: usize,
    /// Of those, replacing an earlier import of the same slug.
    pub updated: usize,
    /// Product codes recorded as aliases of another template (`equiv=`).
    pub aliases: usize,
    /// Templates skipped in all.
    pub skipped_total: usize,
    /// Skipped templates by reason, most first.
    pub skipped: Vec<SkippedJson>,
}

impl From<ImportSummary> for ImportSummaryJson {
    fn from(s: ImportSummary) -> Self {
        Self {
            skipped_total: s.skipped_total(),
            read: s.read,
            added: s.added,
            updated: s.updated,
            aliases: s.aliases,
            skipped: s.skipped.into_iter().map(|(reason, count)| SkippedJson { reason, count }).collect(),
        }
    }
}

/// Import every rectangular template of gLabels template files (workspace admins): one file as the body
/// (`application/xml` or `text/xml`), or several as `multipart/form-data` (every file part is read).
/// Round, CD and other shapes are skipped and counted. At most 10 MiB per request.
#[utoipa::path(post, path = "/labels/templates/import", tag = "labels",
    request_body(description = "gLabels template XML", content(("application/xml"), ("text/xml"), ("multipart/form-data"))),
    responses((status = 200, body = ImportSummaryJson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "Not gLabels XML", body = ErrorBody)))]
async fn import_label_templates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    request: Request,
) -> ApiResult<Response> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let files = match content_type.as_str() {
        "application/xml" | "text/xml" => {
            let ApiBytes(bytes) = ApiBytes::from_request(request, &state).await?;
            vec![("upload.xml".to_owned(), xml_text("upload.xml", &bytes)?)]
        }
        "multipart/form-data" => {
            let multipart = Multipart::from_request(request, &state)
                .await
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
            multipart_files(multipart).await?
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send gLabels XML as application/xml, or several files as multipart/form-data.",
            ));
        }
    };
    if files.is_empty() {
        return Err(AppError::invalid("file", "Choose at least one gLabels template file.").into());
    }
    let summary = templates::import_glabels(&state.app, &actor, files).await?;
    Ok(json_response(StatusCode::OK, &ImportSummaryJson::from(summary)))
}

/// Every file part of a multipart body, as (file name, text).
async fn multipart_files(mut multipart: Multipart) -> ApiResult<Vec<(String, String)>> {
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(body_error(&e, e.status())),
        };
        let Some(name) = field.file_name().map(str::to_owned) else { continue };
        let bytes = field.bytes().await.map_err(|e| body_error(&e, e.status()))?;
        let text = xml_text(&name, &bytes)?;
        files.push((name, text));
    }
    Ok(files)
}

fn xml_text(name: &str, bytes: &[u8]) -> ApiResult<String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::invalid("file", format!("{name} is not UTF-8 text; gLabels files are XML.")))?;
    Ok(text.trim_start_matches('\u{feff}').to_owned())
}
