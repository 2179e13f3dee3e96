//! What staff see of scan tracking: a device's statistics, a deployment's funnel and scans per day (from the
//! daily counts, so they reach back past the raw events' retention), its raw events, and the devices whose
//! label was never scanned or not recently. Rights are those of the deployment's other pages: whoever may
//! see the deployment (or the device) sees its scans; anything else is [`AppError::NotFound`].

use tagdesk_domain::scan::{Tz, zone};
use tagdesk_domain::{DeploymentId, DeviceClass, DeviceId, ScanKind};
use tagdesk_store::scan_reports as store;

use super::DAY_MS;
use super::period::{Period, PeriodQuery};
use crate::deployments::{self, DeploymentView};
use crate::page::{Page, PageRequest};
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult};

/// The steps of the funnel, in order.
pub const FUNNEL: [ScanKind; 4] =
    [ScanKind::Scan, ScanKind::PinAccepted, ScanKind::FormOpened, ScanKind::CaseSubmitted];
/// Most devices the "not scanned" list returns.
pub const UNSCANNED_LIMIT: i64 = 500;

/// A device's scan statistics (bots excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeviceScanStats {
    /// Counted scans, all time.
    pub scans: i64,
    /// The latest counted scan (UTC ms).
    pub last_scan_at: Option<i64>,
    /// Cases filed through the portal, all time.
    pub portal_cases: i64,
}

/// Counts of every kind (bots excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct KindCounts {
    /// Labels scanned.
    pub scan: i64,
    /// PINs accepted.
    pub pin_accepted: i64,
    /// PINs rejected.
    pub pin_rejected: i64,
    /// Lock-outs met.
    pub lockout: i64,
    /// Report forms opened.
    pub form_opened: i64,
    /// Cases submitted.
    pub case_submitted: i64,
    /// "Same problem" notes added.
    pub note_added: i64,
}

impl KindCounts {
    /// The count of one kind.
    pub fn get(&self, kind: ScanKind) -> i64 {
        match kind {
            ScanKind::Scan => self.scan,
            ScanKind::PinAccepted => self.pin_accepted,
            ScanKind::PinRejected => self.pin_rejected,
            ScanKind::Lockout => self.lockout,
            ScanKind::FormOpened => self.form_opened,
            ScanKind::CaseSubmitted => self.case_submitted,
            ScanKind::NoteAdded => self.note_added,
        }
    }

    fn add(&mut self, kind: ScanKind, count: i64) {
        let slot = match kind {
            ScanKind::Scan => &mut self.scan,
            ScanKind::PinAccepted => &mut self.pin_accepted,
            ScanKind::PinRejected => &mut self.pin_rejected,
            ScanKind::Lockout => &mut self.lockout,
            ScanKind::FormOpened => &mut self.form_opened,
            ScanKind::CaseSubmitted => &mut self.case_submitted,
            ScanKind::NoteAdded => &mut self.note_added,
        };
        *slot += count;
    }
}

/// One step of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FunnelStep {
    /// What is counted.
    pub kind: ScanKind,
    /// How many.
    pub count: i64,
    /// This step's count as a percentage of the previous step's (`None` for the first step or when the
    /// previous one is 0). Can exceed 100: visitors whose portal session is still valid skip the PIN.
    pub of_previous_pct: Option<f64>,
    /// The share of the previous step that did not reach this one, 0–100 (`None` as above).
    pub drop_off_pct: Option<f64>,
}

/// A deployment's funnel over a period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Funnel {
    /// The steps (see [`FUNNEL`]).
    pub steps: Vec<FunnelStep>,
    /// Every kind's count in the period.
    pub totals: KindCounts,
}

/// One day's counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayCounts {
    /// `YYYY-MM-DD` in the deployment's time zone.
    pub day: String,
    /// The counts.
    pub counts: KindCounts,
}

/// A deployment whose scans the actor may see, with its time zone: every deployment-level report takes
/// one, so none can run without the rights check of [`scope`].
#[derive(Debug, Clone)]
pub struct ScanScope {
    deployment: DeploymentView,
    tz: Tz,
}

impl ScanScope {
    /// The deployment.
    pub fn deployment(&self) -> &DeploymentView {
        &self.deployment
    }

    /// Its time zone (days are counted in it).
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The period a query asks for, in the deployment's time zone.
    pub fn period(&self, app: &App, query: &PeriodQuery) -> AppResult<Period> {
        Period::resolve(query, app.now(), self.tz)
    }
}

/// The scope of a deployment the actor may see (of its own workspace); [`AppError::NotFound`] otherwise.
pub async fn scope(app: &App, actor: &Actor, id: DeploymentId) -> AppResult<ScanScope> {
    let deployment = deployments::get(app, actor, id).await?;
    let tz = zone(&deployment.timezone);
    Ok(ScanScope { deployment, tz })
}

/// A visible device's statistics.
pub async fn device_stats(app: &App, actor: &Actor, device: DeviceId) -> AppResult<DeviceScanStats> {
    let device = crate::devices::get(app, actor, device).await?;
    let mut conn = app.store.read().await?;
    let row = store::device_stats(&mut conn, &device.id.to_string()).await?.unwrap_or_default();
    Ok(DeviceScanStats { scans: row.scans, last_scan_at: row.last_scan_at, portal_cases: row.portal_cases })
}

/// The deployment's counts per day in the period, every day present (zeros included).
pub async fn per_day(app: &App, scope: &ScanScope, period: Period) -> AppResult<Vec<DayCounts>> {
    let (from, to) = period.bounds();
    let mut conn = app.store.read().await?;
    let rows = store::day_counts(&mut conn, &scope.deployment.id.to_string(), &from, &to).await?;
    let mut days: Vec<DayCounts> =
        period.each_day().map(|day| DayCounts { day: day.to_string(), counts: KindCounts::default() }).collect();
    for row in rows {
        let kind = ScanKind::parse(&row.kind).map_err(corrupt)?;
        if let Some(day) = days.iter_mut().find(|d| d.day == row.day) {
            day.counts.add(kind, row.count);
        }
    }
    Ok(days)
}

/// The funnel from a period's totals.
pub fn funnel_of(totals: KindCounts) -> Funnel {
    let mut steps: Vec<FunnelStep> = Vec::with_capacity(FUNNEL.len());
    for kind in FUNNEL {
        let count = totals.get(kind);
        let previous = steps.last().map(|s| s.count).filter(|n| *n > 0);
        let of_previous_pct = previous.map(|p| count as f64 / p as f64 * 100.0);
        let drop_off_pct = of_previous_pct.map(|pct| (100.0 - pct).clamp(0.0, 100.0));
        steps.push(FunnelStep { kind, count, of_previous_pct, drop_off_pct });
    }
    Funnel { steps, totals }
}

/// The deployment's funnel over the period (scans → PIN accepted → form opened → case submitted).
pub async fn funnel(app: &App, scope: &ScanScope, period: Period) -> AppResult<Funnel> {
    let days = per_day(app, scope, period).await?;
    let mut totals = KindCounts::default();
    for day in &days {
        for kind in ScanKind::ALL {
            totals.add(*kind, day.counts.get(*kind));
        }
    }
    Ok(funnel_of(totals))
}

/// Which raw events to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventQuery {
    /// The days.
    pub period: Period,
    /// Only this kind.
    pub kind: Option<ScanKind>,
    /// Only this device.
    pub device: Option<DeviceId>,
}

/// A raw event as staff see it (the client-address key is never shown).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventView {
    /// Id.
    pub id: String,
    /// The device.
    pub device_id: DeviceId,
    /// Its name now.
    pub device_name: String,
    /// Its serial number now.
    pub serial_number: Option<String>,
    /// What happened.
    pub kind: ScanKind,
    /// When (UTC ms).
    pub occurred_at: i64,
    /// The device class (bot events are listed, never counted).
    pub device_class: DeviceClass,
    /// A pseudonym of the browser (a keyed hash): the same browser has the same key.
    pub visitor_key: String,
}

fn bad_cursor() -> AppError {
    AppError::invalid("cursor", "This cursor is not valid.")
}

/// Parses a cursor `<occurred_at>.<id>`.
fn parse_cursor(raw: &str) -> AppResult<(i64, String)> {
    let (at, id) = raw.split_once('.').ok_or_else(bad_cursor)?;
    let at = at.parse::<i64>().map_err(|_| bad_cursor())?;
    uuid::Uuid::parse_str(id).map_err(|_| bad_cursor())?;
    Ok((at, id.to_owned()))
}

/// The deployment's raw events in the period, oldest first, one page at a time.
pub async fn events(app: &App, scope: &ScanScope, query: EventQuery, page: &PageRequest) -> AppResult<Page<EventView>> {
    let after = page.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = page.limit();
    let (from_ms, to_ms) = query.period.range_ms(scope.tz);
    let (deployment_key, device_key) = (scope.deployment.id.to_string(), query.device.map(|d| d.to_string()));
    let filter = store::EventFilter {
        deployment_id: &deployment_key,
        from_ms,
        to_ms,
        kind: query.kind.map(ScanKind::as_str),
        device_id: device_key.as_deref(),
        after: after.as_ref().map(|(at, id)| (*at, id.as_str())),
        limit: limit + 1,
    };
    let mut conn = app.store.read().await?;
    let rows = store::events(&mut conn, &filter).await?;
    let views = rows
        .into_iter()
        .map(|row| {
            Ok(EventView {
                device_id: DeviceId::parse(&row.device_id).map_err(corrupt)?,
                kind: ScanKind::parse(&row.kind).map_err(corrupt)?,
                device_class: DeviceClass::parse(&row.device_class).map_err(corrupt)?,
                id: row.id,
                device_name: row.device_name,
                serial_number: row.serial_number,
                occurred_at: row.occurred_at,
                visitor_key: row.visitor_key,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(views, limit, |e| format!("{}.{}", e.occurred_at, e.id)))
}

/// Which devices the "not scanned" list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotScanned {
    /// Never scanned.
    Ever,
    /// Not scanned in the last this many days (never-scanned ones included).
    InDays(i64),
}

/// A device whose label was never scanned, or not recently.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnscannedDevice {
    /// The device.
    pub id: DeviceId,
    /// Its name.
    pub name: String,
    /// Its serial number.
    pub serial_number: Option<String>,
    /// Counted scans, all time.
    pub scans: i64,
    /// The latest counted scan (UTC ms).
    pub last_scan_at: Option<i64>,
}

/// The list, and whether more devices match than it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnscannedList {
    /// Up to [`UNSCANNED_LIMIT`] devices, by name.
    pub devices: Vec<UnscannedDevice>,
    /// More match.
    pub more: bool,
}

/// The deployment's active devices whose label was never scanned, or not in the last `n` days.
pub async fn unscanned(app: &App, scope: &ScanScope, which: NotScanned) -> AppResult<UnscannedList> {
    let before = match which {
        NotScanned::Ever => None,
        NotScanned::InDays(days) => Some(app.now() - days.clamp(1, 3650) * DAY_MS),
    };
    let mut conn = app.store.read().await?;
    let deployment = scope.deployment.id.to_string();
    let rows = store::unscanned_devices(&mut conn, &deployment, before, UNSCANNED_LIMIT + 1).await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > UNSCANNED_LIMIT;
    let devices = rows
        .into_iter()
        .take(usize::try_from(UNSCANNED_LIMIT).unwrap_or(usize::MAX))
        .map(|row| {
            Ok(UnscannedDevice {
                id: DeviceId::parse(&row.id).map_err(corrupt)?,
                name: row.name,
                serial_number: row.serial_number,
                scans: row.scans,
                last_scan_at: row.last_scan_at,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(UnscannedList { devices, more })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_funnel_gives_each_step_against_the_one_before() {
        let totals =
            KindCounts { scan: 10, pin_accepted: 4, form_opened: 5, case_submitted: 2, ..KindCounts::default() };
        let funnel = funnel_of(totals);
        let counts: Vec<i64> = funnel.steps.iter().map(|s| s.count).collect();
        assert_eq!(counts, vec![10, 4, 5, 2]);
        assert_eq!(funnel.steps[0].drop_off_pct, None);
        assert_eq!(funnel.steps[1].drop_off_pct, Some(60.0));
        // More forms than PINs (returning visitors skip the PIN): no negative drop-off.
        assert_eq!(funnel.steps[2].of_previous_pct, Some(125.0));
        assert_eq!(funnel.steps[2].drop_off_pct, Some(0.0));
        assert_eq!(funnel.steps[3].drop_off_pct, Some(60.0));
        let empty = funnel_of(KindCounts::default());
        assert!(empty.steps.iter().all(|s| s.drop_off_pct.is_none()));
        assert!(parse_cursor("12.not-a-uuid").is_err() && parse_cursor("x").is_err());
    }
}
