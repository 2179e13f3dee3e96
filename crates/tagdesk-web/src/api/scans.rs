//! API: scan tracking — a deployment's raw portal events (JSON pages or CSV), its funnel and its counts per
//! day (JSON, or the daily counts per device as CSV), and a device's scan statistics. The same rights as the
//! deployment and device endpoints; bots are never counted (their raw events are listed with
//! `device_class` `bot`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tagdesk_app::AppError;
use tagdesk_app::scans::period::PeriodQuery;
use tagdesk_app::scans::reports::{self, DayCounts, EventQuery, EventView, Funnel, KindCounts, ScanScope};
use tagdesk_app::scans::{Period, export};
use tagdesk_domain::{DeploymentId, DeviceId, ScanKind};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiActor, ApiQuery, ApiResult, ErrorBody, ListResponse, PageParams, parse_id, time};
use crate::AppState;

/// Routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_scan_events))
        .routes(routes!(scan_events_csv))
        .routes(routes!(scan_funnel))
        .routes(routes!(scans_per_day))
        .routes(routes!(scans_per_day_csv))
        .routes(routes!(device_scan_stats))
}

/// The days a report covers: `from` and `to` (`YYYY-MM-DD`, the deployment's local days, both included),
/// or the last `days` days (1–366); default the last 30 days.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`; default today).
    pub to: Option<String>,
    /// The last this many days, today included (ignored when `from` or `to` is given).
    pub days: Option<i64>,
}

impl PeriodParams {
    fn query(&self) -> PeriodQuery {
        PeriodQuery { days: self.days, from: self.from.clone(), to: self.to.clone() }
    }
}

/// The answer's format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// `json` (default) or `csv` for a CSV file.
    pub format: Option<String>,
}

impl FormatParams {
    fn wants_csv(&self) -> ApiResult<bool> {
        match self.format.as_deref().map(str::trim) {
            None | Some("" | "json") => Ok(false),
            Some("csv") => Ok(true),
            Some(_) => Err(AppError::invalid("format", "Choose json or csv.").into()),
        }
    }
}

/// Filters of the event list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilters {
    /// Only this kind: `scan`, `pin_accepted`, `pin_rejected`, `lockout`, `form_opened`, `case_submitted`,
    /// `note_added`.
    pub kind: Option<String>,
    /// Only this device.
    pub device_id: Option<String>,
}

/// One portal event.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanEventJson {
    /// Event id.
    pub id: String,
    /// When (RFC 3339, UTC).
    pub occurred_at: String,
    /// What happened.
    pub kind: String,
    /// The device whose label was used.
    pub device_id: String,
    /// Its name now.
    pub device_name: String,
    /// Its serial number now.
    pub serial_number: Option<String>,
    /// `phone`, `tablet`, `desktop` or `bot` (bot events are never counted).
    pub device_class: String,
    /// A pseudonym of the browser (keyed hash; never an address).
    pub visitor_key: String,
}

impl From<EventView> for ScanEventJson {
    fn from(e: EventView) -> Self {
        Self {
            occurred_at: crate::format::rfc3339(e.occurred_at),
            kind: e.kind.as_str().to_owned(),
            device_id: e.device_id.to_string(),
            device_class: e.device_class.as_str().to_owned(),
            id: e.id,
            device_name: e.device_name,
            serial_number: e.serial_number,
            visitor_key: e.visitor_key,
        }
    }
}

/// Counts of every kind (bots excluded).
#[derive(Debug, Serialize, ToSchema)]
pub struct KindCountsJson {
    /// Labels scanned (repeats from one browser within 10 minutes count once).
    pub scan: i64,
    /// PINs accepted.
    pub pin_accepted: i64,
    /// Wrong PINs.
    pub pin_rejected: i64,
    /// Lock-outs met (once per browser and 10 minutes).
    pub lockout: i64,
    /// Report forms opened (repeats within 10 minutes count once).
    pub form_opened: i64,
    /// Cases submitted.
    pub case_submitted: i64,
    /// "Same problem" notes added.
    pub note_added: i64,
}

impl From<KindCounts> for KindCountsJson {
    fn from(c: KindCounts) -> Self {
        Self {
            scan: c.scan,
            pin_accepted: c.pin_accepted,
            pin_rejected: c.pin_rejected,
            lockout: c.lockout,
            form_opened: c.form_opened,
            case_submitted: c.case_submitted,
            note_added: c.note_added,
        }
    }
}

/// One step of the funnel.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelStepJson {
    /// `scan`, `pin_accepted`, `form_opened` or `case_submitted`.
    pub kind: String,
    /// How many.
    pub count: i64,
    /// This step as a percentage of the previous one (absent for the first step or after a 0). Can exceed
    /// 100: visitors whose portal session is still valid skip the PIN.
    pub of_previous_pct: Option<f64>,
    /// The share of the previous step that did not reach this one, 0–100.
    pub drop_off_pct: Option<f64>,
}

/// A deployment's funnel over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelJson {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The deployment's time zone, which the days are counted in.
    pub timezone: String,
    /// Scans → PIN accepted → form opened → case submitted.
    pub steps: Vec<FunnelStepJson>,
    /// Every kind's count in the period.
    pub totals: KindCountsJson,
}

/// One day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayJson {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// The day's counts.
    #[serde(flatten)]
    pub counts: KindCountsJson,
}

/// A deployment's counts per day.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerDayJson {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The deployment's time zone.
    pub timezone: String,
    /// Every day of the period, oldest first (days without events included).
    pub days: Vec<DayJson>,
}

/// A device's scan statistics (bots excluded).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanStatsJson {
    /// The device.
    pub device_id: String,
    /// Label scans, all time.
    pub scans: i64,
    /// The latest scan (RFC 3339); absent when never scanned.
    pub last_scan_at: Option<String>,
    /// Cases filed through the portal, all time.
    pub portal_cases: i64,
}

async fn scope(state: &AppState, actor: &tagdesk_app::Actor, id: &str) -> ApiResult<ScanScope> {
    let id = parse_id(id, DeploymentId::parse)?;
    Ok(reports::scope(&state.app, actor, id).await?)
}

fn event_query(period: Period, filters: &EventFilters) -> ApiResult<EventQuery> {
    let kind = match filters.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(raw) => Some(ScanKind::parse(raw).map_err(|e| AppError::invalid("kind", e.to_string()))?),
        None => None,
    };
    let device = match filters.device_id.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(raw) => {
            Some(DeviceId::parse(raw).map_err(|_| AppError::invalid("device_id", "This is not a device id."))?)
        }
        None => None,
    };
    Ok(EventQuery { period, kind, device })
}

/// A CSV download named `<name>-<from>-<to>.csv`.
pub(crate) fn csv_response(name: &str, period: Period, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}-{}-{}.csv\"", period.from, period.to);
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// List a deployment's portal events (oldest first), or download them with `format=csv` (every page in one
/// file, at most 200,000 events).
#[utoipa::path(get, path = "/deployments/{id}/scan-events", tag = "scans",
    params(("id" = String, Path, description = "Deployment id"), PeriodParams, EventFilters, PageParams, FormatParams),
    responses((status = 200, body = ListResponse<ScanEventJson>), (status = 200, description = "With `format=csv`", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_scan_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(period): ApiQuery<PeriodParams>,
    ApiQuery(filters): ApiQuery<EventFilters>,
    ApiQuery(page): ApiQuery<PageParams>,
    ApiQuery(format): ApiQuery<FormatParams>,
) -> ApiResult<Response> {
    let scope = scope(&state, &actor, &id).await?;
    let query = event_query(scope.period(&state.app, &period.query())?, &filters)?;
    if format.wants_csv()? {
        let body = export::events_csv(&state.app, &scope, query).await?;
        return Ok(csv_response("scan-events", query.period, body));
    }
    let found = reports::events(&state.app, &scope, query, &page.page()).await?;
    let items: Vec<ScanEventJson> = found.items.into_iter().map(Into::into).collect();
    let body = ListResponse { items, next_cursor: found.next_cursor };
    Ok(Json(body).into_response())
}

/// Download a deployment's portal events as CSV (the same as `scan-events?format=csv`).
#[utoipa::path(get, path = "/deployments/{id}/scan-events.csv", tag = "scans",
    params(("id" = String, Path, description = "Deployment id"), PeriodParams, EventFilters),
    responses((status = 200, description = "Columns occurred_at, kind, device_id, device_name, serial_number, device_class, visitor_key", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn scan_events_csv(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(period): ApiQuery<PeriodParams>,
    ApiQuery(filters): ApiQuery<EventFilters>,
) -> ApiResult<Response> {
    let scope = scope(&state, &actor, &id).await?;
    let query = event_query(scope.period(&state.app, &period.query())?, &filters)?;
    let body = export::events_csv(&state.app, &scope, query).await?;
    Ok(csv_response("scan-events", query.period, body))
}

/// A deployment's funnel over a period: scans → PIN accepted → form opened → case submitted, with the
/// drop-off at each step (from the daily counts, which outlive the raw events; bots excluded).
#[utoipa::path(get, path = "/deployments/{id}/scan-funnel", tag = "scans",
    params(("id" = String, Path, description = "Deployment id"), PeriodParams),
    responses((status = 200, body = FunnelJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn scan_funnel(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> ApiResult<Json<FunnelJson>> {
    let scope = scope(&state, &actor, &id).await?;
    let period = scope.period(&state.app, &params.query())?;
    let Funnel { steps, totals } = reports::funnel(&state.app, &scope, period).await?;
    Ok(Json(FunnelJson {
        from: period.from.to_string(),
        to: period.to.to_string(),
        timezone: scope.deployment().timezone.clone(),
        steps: steps
            .into_iter()
            .map(|s| FunnelStepJson {
                kind: s.kind.as_str().to_owned(),
                count: s.count,
                of_previous_pct: s.of_previous_pct.map(round1),
                drop_off_pct: s.drop_off_pct.map(round1),
            })
            .collect(),
        totals: totals.into(),
    }))
}

/// One decimal place.
fn round1(pct: f64) -> f64 {
    (pct * 10.0).round() / 10.0
}

/// A deployment's counts per day and kind (every day of the period; bots excluded); with `format=csv` the
/// daily counts per device as CSV.
#[utoipa::path(get, path = "/deployments/{id}/scans-per-day", tag = "scans",
    params(("id" = String, Path, description = "Deployment id"), PeriodParams, FormatParams),
    responses((status = 200, body = PerDayJson), (status = 200, description = "With `format=csv`", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn scans_per_day(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<PeriodParams>,
    ApiQuery(format): ApiQuery<FormatParams>,
) -> ApiResult<Response> {
    let scope = scope(&state, &actor, &id).await?;
    let period = scope.period(&state.app, &params.query())?;
    if format.wants_csv()? {
        let body = export::days_csv(&state.app, &scope, period).await?;
        return Ok(csv_response("scans-per-day", period, body));
    }
    let days = reports::per_day(&state.app, &scope, period).await?;
    Ok(Json(PerDayJson {
        from: period.from.to_string(),
        to: period.to.to_string(),
        timezone: scope.deployment().timezone.clone(),
        days: days.into_iter().map(|DayCounts { day, counts }| DayJson { day, counts: counts.into() }).collect(),
    })
    .into_response())
}

/// Download a deployment's daily counts per device as CSV (the same as `scans-per-day?format=csv`).
#[utoipa::path(get, path = "/deployments/{id}/scans-per-day.csv", tag = "scans",
    params(("id" = String, Path, description = "Deployment id"), PeriodParams),
    responses((status = 200, description = "Columns day, device_id, device_name, serial_number, kind, count", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn scans_per_day_csv(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> ApiResult<Response> {
    let scope = scope(&state, &actor, &id).await?;
    let period = scope.period(&state.app, &params.query())?;
    let body = export::days_csv(&state.app, &scope, period).await?;
    Ok(csv_response("scans-per-day", period, body))
}

/// A device's scan statistics: label scans, the latest scan and cases filed through the portal (all time,
/// bots excluded).
#[utoipa::path(get, path = "/devices/{id}/scan-stats", tag = "scans", params(("id" = String, Path, description = "Device id")),
    responses((status = 200, body = ScanStatsJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn device_scan_stats(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ScanStatsJson>> {
    let id = parse_id(&id, DeviceId::parse)?;
    let stats = reports::device_stats(&state.app, &actor, id).await?;
    Ok(Json(ScanStatsJson {
        device_id: id.to_string(),
        scans: stats.scans,
        last_scan_at: stats.last_scan_at.map(time),
        portal_cases: stats.portal_cases,
    }))
}
