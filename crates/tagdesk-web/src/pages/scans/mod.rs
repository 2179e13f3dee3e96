//! Pages: a deployment's scan tracking (`GET /deployments/{id}/scans`): a period chooser (7, 30, 90 days
//! or from–to), the funnel scans → PIN accepted → form opened → case submitted with the drop-off at each
//! step, scans per day as an inline SVG bar chart with a table beside it, and the devices whose label was
//! never scanned or not in the last N days, with a link that prints labels for exactly those. CSV
//! downloads: `…/scans/events.csv` and `…/scans/days.csv`. Who may see the deployment may see this.

mod chart;
pub mod time;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use tagdesk_app::AppError;
use tagdesk_app::scans::period::{PRESET_DAYS, PeriodQuery};
use tagdesk_app::scans::reports::{self, EventQuery, FunnelStep, NotScanned, ScanScope, UnscannedDevice};
use tagdesk_app::scans::{Period, export};
use tagdesk_domain::{DeploymentId, FieldErrors, ScanKind};

use crate::AppState;
use crate::api::scans::csv_response;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::path_id;
use crate::session::Staff;

/// The "not scanned in N days" choices.
pub const NOT_SCANNED_DAYS: [i64; 5] = [7, 30, 90, 180, 365];

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/deployments/{id}/scans", get(page))
        .route("/deployments/{id}/scans/events.csv", get(events_csv))
        .route("/deployments/{id}/scans/days.csv", get(days_csv))
}

/// The page's query: the period (`days`, or `from` and `to`) and which devices to list (`not_scanned` =
/// `never` or a number of days). Strings, so that an empty field is not a 400.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ScansQuery {
    days: String,
    from: String,
    to: String,
    not_scanned: String,
}

impl ScansQuery {
    fn period_query(&self) -> Result<PeriodQuery, AppError> {
        let days = match self.days.trim() {
            "" => None,
            raw => Some(raw.parse::<i64>().map_err(|_| AppError::invalid("days", "Choose a number of days."))?),
        };
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(PeriodQuery { days, from: text(&self.from), to: text(&self.to) })
    }

    /// `None`: never scanned; `Some(n)`: not in the last n days.
    fn not_scanned(&self) -> Option<i64> {
        self.not_scanned.trim().parse::<i64>().ok().filter(|n| (1..=3650).contains(n))
    }
}

/// The period asked for, or the default one with the errors to show.
fn resolve(state: &AppState, scope: &ScanScope, query: &ScansQuery) -> (Period, FieldErrors) {
    let resolved = query.period_query().and_then(|q| scope.period(&state.app, &q));
    match resolved {
        Ok(period) => (period, FieldErrors::new()),
        Err(err) => {
            let errors = err.field_errors().cloned().unwrap_or_else(|| FieldErrors::single("from", err.to_string()));
            let fallback = scope.period(&state.app, &PeriodQuery::default());
            (fallback.unwrap_or_else(|_| Period::last_days(30, chrono::Utc::now().date_naive())), errors)
        }
    }
}

/// A link that keeps the rest of the page's choices.
fn scans_url(id: &str, pairs: &[(&str, String)]) -> String {
    let pairs: Vec<&(&str, String)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("/deployments/{id}/scans?{query}"),
        _ => format!("/deployments/{id}/scans"),
    }
}

/// A preset period link.
struct Preset {
    label: String,
    href: String,
    current: bool,
}

/// A funnel row.
struct StepRow {
    label: &'static str,
    count: i64,
    of_previous: String,
    drop_off: String,
    /// The bar's width in the row's SVG (0–100).
    bar: String,
}

impl StepRow {
    fn of(step: &FunnelStep, first: i64) -> Self {
        let pct = |v: Option<f64>| v.map_or_else(|| "\u{2014}".to_owned(), |p| format!("{p:.0} %"));
        let bar = if first > 0 { (step.count as f64 / first as f64 * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        Self {
            label: step.kind.label(),
            count: step.count,
            of_previous: pct(step.of_previous_pct),
            drop_off: pct(step.drop_off_pct),
            bar: format!("{bar:.1}"),
        }
    }
}

/// A choice of the "not scanned" select.
struct NotScannedOption {
    value: String,
    label: String,
}

/// A device of the "not scanned" list.
struct DeviceRow {
    id: String,
    name: String,
    serial: String,
    scans: i64,
    last_scan: Option<time::Shown>,
}

#[derive(Template)]
#[template(path = "deployments/scans.html")]
struct ScansPage {
    layout: Layout,
    id: String,
    name: String,
    timezone: String,
    period_text: String,
    presets: Vec<Preset>,
    from: String,
    to: String,
    errors: FormErrors,
    steps: Vec<StepRow>,
    pin_rejected: i64,
    lockouts: i64,
    notes: i64,
    chart: chart::Chart,
    chart_summary: String,
    days: Vec<(String, i64)>,
    not_scanned: String,
    not_scanned_options: Vec<NotScannedOption>,
    not_scanned_heading: String,
    devices: Vec<DeviceRow>,
    more_devices: bool,
    can_print: bool,
    print_url: String,
    events_csv: String,
    days_csv: String,
}

fn device_row(device: UnscannedDevice, now: i64) -> DeviceRow {
    DeviceRow {
        id: device.id.to_string(),
        name: device.name,
        serial: device.serial_number.unwrap_or_default(),
        scans: device.scans,
        last_scan: device.last_scan_at.map(|at| time::Shown::of(at, now)),
    }
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<ScansQuery>,
) -> PageResult {
    let deployment_id = path_id(&id, DeploymentId::parse)?;
    let scope = reports::scope(&state.app, &staff.actor, deployment_id).await?;
    let role = staff.actor.require_see(deployment_id)?;
    let (period, errors) = resolve(&state, &scope, &query);
    let funnel = reports::funnel(&state.app, &scope, period).await?;
    let per_day = reports::per_day(&state.app, &scope, period).await?;
    let not_scanned = query.not_scanned();
    let which = not_scanned.map_or(NotScanned::Ever, NotScanned::InDays);
    let unscanned = reports::unscanned(&state.app, &scope, which).await?;
    let id = deployment_id.to_string();
    let now = state.app.now();

    let days: Vec<(String, i64)> = per_day.iter().map(|d| (d.day.clone(), d.counts.scan)).collect();
    let total: i64 = days.iter().map(|(_, c)| c).sum();
    let busiest = days.iter().max_by_key(|(_, c)| *c).filter(|(_, c)| *c > 0);
    let chart_summary = match busiest {
        Some((day, count)) => format!(
            "{} from {} to {}; the most on {day} ({}).",
            chart::scans_text(total),
            period.from,
            period.to,
            chart::scans_text(*count)
        ),
        None => format!("No scans from {} to {}.", period.from, period.to),
    };
    let not_scanned_value = not_scanned.map(|n| n.to_string()).unwrap_or_default();
    let keep_period = |p: &Period| vec![("from", p.from.to_string()), ("to", p.to.to_string())];
    let presets = PRESET_DAYS
        .iter()
        .map(|days| {
            let preset = scope.period(&state.app, &PeriodQuery { days: Some(*days), ..PeriodQuery::default() });
            Preset {
                label: format!("Last {days} days"),
                href: scans_url(&id, &[("days", days.to_string()), ("not_scanned", not_scanned_value.clone())]),
                current: preset.is_ok_and(|p| p == period),
            }
        })
        .collect();
    let print_url = match not_scanned {
        None => format!("/labels?deployment={id}&never_scanned=1"),
        Some(n) => format!("/labels?deployment={id}&not_scanned_days={n}"),
    };
    let period_pairs = keep_period(&period);
    let csv_query = serde_urlencoded::to_string(&period_pairs).unwrap_or_default();
    let first = funnel.steps.first().map_or(0, |s| s.count);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let deployment = scope.deployment();
    let title = format!("Scans \u{b7} {}", deployment.name);
    let page = ScansPage {
        layout: staff.layout(FormErrors(errors.clone()).title(&title), "deployments"),
        name: deployment.name.clone(),
        timezone: deployment.timezone.clone(),
        period_text: format!("{} to {} ({} days)", period.from, period.to, period.days()),
        presets,
        from: if errors.is_empty() { period.from.to_string() } else { query.from.clone() },
        to: if errors.is_empty() { period.to.to_string() } else { query.to.clone() },
        errors: FormErrors(errors),
        steps: funnel.steps.iter().map(|s| StepRow::of(s, first)).collect(),
        pin_rejected: funnel.totals.get(ScanKind::PinRejected),
        lockouts: funnel.totals.get(ScanKind::Lockout),
        notes: funnel.totals.get(ScanKind::NoteAdded),
        chart: chart::bars(&days),
        chart_summary,
        days,
        not_scanned_heading: match not_scanned {
            None => "Devices whose label was never scanned".to_owned(),
            Some(n) => format!("Devices whose label was not scanned in the last {n} days"),
        },
        not_scanned_options: std::iter::once(NotScannedOption {
            value: String::new(),
            label: "Never scanned".to_owned(),
        })
        .chain(
            NOT_SCANNED_DAYS
                .iter()
                .map(|n| NotScannedOption { value: n.to_string(), label: format!("Not scanned in the last {n} days") }),
        )
        .collect(),
        not_scanned: not_scanned_value,
        devices: unscanned.devices.into_iter().map(|d| device_row(d, now)).collect(),
        more_devices: unscanned.more,
        can_print: role.can_work(),
        print_url,
        events_csv: format!("/deployments/{id}/scans/events.csv?{csv_query}"),
        days_csv: format!("/deployments/{id}/scans/days.csv?{csv_query}"),
        id,
    };
    render_status(status, &page)
}

/// The period of a CSV download (errors answer the error page).
async fn csv_scope(
    state: &AppState,
    staff: &Staff,
    id: &str,
    query: &ScansQuery,
) -> Result<(ScanScope, Period), AppError> {
    let deployment_id = DeploymentId::parse(id).map_err(|_| AppError::NotFound)?;
    let scope = reports::scope(&state.app, &staff.actor, deployment_id).await?;
    let period = scope.period(&state.app, &query.period_query()?)?;
    Ok((scope, period))
}

async fn events_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<ScansQuery>,
) -> PageResult {
    let (scope, period) = csv_scope(&state, &staff, &id, &query).await?;
    let body = export::events_csv(&state.app, &scope, EventQuery { period, kind: None, device: None }).await?;
    Ok(csv_response("scan-events", period, body).into_response())
}

async fn days_csv(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(query): Query<ScansQuery>,
) -> PageResult {
    let (scope, period) = csv_scope(&state, &staff, &id, &query).await?;
    let body = export::days_csv(&state.app, &scope, period).await?;
    Ok(csv_response("scans-per-day", period, body).into_response())
}
