//! The JSON API under `/api/v1`: bearer API keys, JSON errors `{"code", "message"}`, cursor pagination.
//! One handler list builds both the router and the OpenAPI document (utoipa-axum).

pub mod cases;
pub mod deployments;
pub mod devices;
pub mod labels;
pub mod portal;
pub mod scans;
pub mod templates;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use tagdesk_app::page::PageRequest;
use tagdesk_app::{Actor, AppError};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;

/// The OpenAPI document's static part; paths come from the handler list.
#[derive(OpenApi)]
#[openapi(
    info(title = "Tagdesk API", version = "1", description = "Deployments, devices, case templates and cases of one workspace. Authenticate with `Authorization: Bearer <API key>`."),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    tags(
        (name = "deployments", description = "Customer sites"),
        (name = "devices", description = "Devices at deployments"),
        (name = "templates", description = "Case templates"),
        (name = "cases", description = "Cases and their timelines"),
        (name = "portal", description = "Customer-portal settings of deployments"),
        (name = "scans", description = "Scan tracking: portal events, the funnel, scans per day, device statistics"),
        (name = "labels", description = "QR codes and printable labels: single codes, bulk prints and print jobs, label templates, printer profiles, label settings")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key created under API keys in the back office."))
                    .build(),
            ),
        );
    }
}

/// Every API route with its documentation (paths relative to `/api/v1`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(deployments::routes())
        .merge(devices::routes())
        .merge(templates::routes())
        .merge(cases::routes())
        .merge(portal::routes())
        .merge(scans::routes())
        .merge(labels::routes())
}

/// The full OpenAPI document, with paths under `/api/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = router().split_for_parts();
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths.into_iter().map(|(path, item)| (format!("/api/v1{path}"), item)).collect();
    doc
}

/// `/api/openapi.json` and the browsable reference at `/api/docs` (assets compiled in).
pub fn docs_router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi()))
}

/// An API error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    pub code: u16,
    /// What went wrong, for a person.
    pub message: String,
    /// Field-level problems, for 422.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One invalid field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field (JSON name).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    errors: Vec<FieldProblem>,
    retry_after_s: Option<i64>,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), errors: Vec::new(), retry_after_s: None }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Invalid(errors) => Self {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!("Invalid input: {errors}"),
                errors: errors
                    .iter()
                    .map(|e| FieldProblem { field: e.field.clone(), message: e.message.clone() })
                    .collect(),
                retry_after_s: None,
            },
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "Not found."),
            AppError::Forbidden(message) => Self::new(StatusCode::FORBIDDEN, message),
            AppError::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            AppError::Unauthenticated(message) => Self::new(StatusCode::UNAUTHORIZED, message),
            AppError::RateLimited { retry_after_s } => Self {
                retry_after_s: Some(retry_after_s),
                ..Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests.")
            },
            AppError::Busy { retry_after_s } => Self {
                retry_after_s: Some(retry_after_s),
                ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "The server is busy; try again in a few seconds.")
            },
            err @ (AppError::Store(_) | AppError::Internal(_)) => {
                tracing::error!(error = %err, "api request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error.")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.status.as_u16(), message: self.message, errors: self.errors };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(value) = self.retry_after_s.and_then(|s| s.to_string().parse().ok()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// The actor behind a valid `Authorization: Bearer` API key. Cookies never authenticate the API.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized =
            || ApiError::new(StatusCode::UNAUTHORIZED, "Send a valid API key as `Authorization: Bearer <key>`.");
        let header = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(unauthorized)?;
        let key = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).ok_or_else(unauthorized)?;
        match tagdesk_app::api_keys::authenticate(&state.app, key.trim()).await? {
            Some(actor) => Ok(Self(actor)),
            None => Err(unauthorized()),
        }
    }
}

/// A JSON body whose syntax and shape errors answer 400 with our error body.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::BytesRejection(rejection)) if crate::body_guard::BodyTimeout::is_in(&rejection) => {
                Err(ApiError::new(StatusCode::REQUEST_TIMEOUT, "The request body arrived too slowly or stalled."))
            }
            Err(JsonRejection::BytesRejection(_)) => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large."))
            }
            Err(rejection) => Err(ApiError::new(rejection.status(), rejection.body_text())),
        }
    }
}

/// Query parameters whose parse errors answer 400 with our JSON error body.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::new(StatusCode::BAD_REQUEST, rejection.body_text())),
        }
    }
}

/// Tells an absent JSON field (`None`) from an explicit `null` (`Some(None)`); use with
/// `#[serde(default, with = "double_option")]`.
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    /// Deserializes a present field, `null` included.
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// Paging parameters of list endpoints.
#[derive(Debug, Default, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<i64>,
}

impl PageParams {
    /// As the app's page request.
    pub fn page(&self) -> PageRequest {
        PageRequest { cursor: self.cursor.clone(), limit: self.limit }
    }
}

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A parsed path id; malformed ids are 404 like unknown ones.
pub fn parse_id<T>(raw: &str, parse: impl Fn(&str) -> Result<T, tagdesk_domain::DomainError>) -> ApiResult<T> {
    parse(raw).map_err(|_| ApiError::from(AppError::NotFound))
}

/// Milliseconds to an RFC 3339 string for JSON.
pub fn time(ms: i64) -> String {
    crate::format::rfc3339(ms)
}
