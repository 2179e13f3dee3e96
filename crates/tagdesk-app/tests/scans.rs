//! Scan tracking's use cases against a real database (SQLite, or PostgreSQL when
//! `TAGDESK_TEST_POSTGRES_URL` is set): the batch writer (raw events, daily counts in the deployment's time
//! zone, device statistics, bots stored but never counted, repeats recognised against the database, a bad
//! event not costing its batch), the background task (batches within a second, drained on shutdown), the
//! reports (funnel, per day, events by cursor and filter, devices never or not recently scanned), retention,
//! and rights (other workspaces and members without a role see nothing).

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::TestDb;
use tagdesk_app::clock::ManualClock;
use tagdesk_app::devices::{self, DeviceInput, DeviceView};
use tagdesk_app::page::PageRequest;
use tagdesk_app::scans::period::PeriodQuery;
use tagdesk_app::scans::reports::{self, EventQuery, NotScanned};
use tagdesk_app::scans::{self, Period, PortalEvent, ScanConfig, writer};
use tagdesk_app::{Actor, App, AppError, auth, housekeeping};
use tagdesk_domain::scan::REPEAT_WINDOW_MS;
use tagdesk_domain::{DeploymentId, DeviceClass, DeviceId, ScanKind, UserId, WorkspaceId, WorkspaceRole};
use tagdesk_store::deployments::{self as store_deployments, DeploymentFields};
use tagdesk_store::sqlx::{self, AssertSqlSafe};
use tagdesk_store::{users, workspaces};

/// 2027-01-15 12:00 UTC.
const T0: i64 = 1_800_014_400_000;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * 3600 * 1000;

struct World {
    db: TestDb,
    app: App,
    clock: Arc<ManualClock>,
    workspace: WorkspaceId,
    admin: Actor,
    north: DeploymentId,
    robot: DeviceView,
    press: DeviceView,
    idle: DeviceView,
}

impl World {
    async fn new() -> Self {
        let db = TestDb::from_env().await;
        let clock = Arc::new(ManualClock::new(T0));
        let app = App { clock: clock.clone(), ..App::new(db.store.clone()) }
            .with_scan_config(ScanConfig { retention_days: 365 });
        let workspace = add_workspace(&app, "Acme").await;
        let admin_id = add_user(&app, workspace, WorkspaceRole::Admin).await;
        let admin = actor(&app, admin_id).await;
        let north = add_deployment(&app, workspace, "North", "Europe/Berlin").await;
        let robot = add_device(&app, &admin, north, "Robot 1").await;
        let press = add_device(&app, &admin, north, "Press 2").await;
        let idle = add_device(&app, &admin, north, "Idle 3").await;
        Self { db, app, clock, workspace, admin, north, robot, press, idle }
    }

    async fn finish(self) {
        self.db.finish().await;
    }

    fn event(&self, device: &DeviceView, kind: ScanKind, visitor: &str, class: DeviceClass) -> PortalEvent {
        PortalEvent {
            workspace_id: self.workspace,
            deployment_id: device.deployment_id,
            device_id: device.id,
            kind,
            occurred_at: self.app.now(),
            client_key: format!("client-of-{visitor}"),
            visitor_key: format!("visitor-{visitor}"),
            device_class: class,
        }
    }

    fn record(&self, device: &DeviceView, kind: ScanKind, visitor: &str) {
        self.app.scans.record(self.event(device, kind, visitor, DeviceClass::Phone));
    }

    async fn flush(&self) {
        self.app.scans.flush(&self.app.store).await.expect("flush");
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = self.app.store.read().await.expect("conn");
        sqlx::query_scalar::<sqlx::Any, i64>(AssertSqlSafe(sql.to_owned())).fetch_one(&mut *conn).await.expect("scalar")
    }

    async fn scope(&self) -> reports::ScanScope {
        reports::scope(&self.app, &self.admin, self.north).await.expect("scope")
    }

    async fn period(&self, days: i64) -> Period {
        let query = PeriodQuery { days: Some(days), ..PeriodQuery::default() };
        self.scope().await.period(&self.app, &query).expect("period")
    }
}

async fn add_workspace(app: &App, name: &str) -> WorkspaceId {
    let id = WorkspaceId::new();
    let mut tx = app.store.begin().await.expect("begin");
    workspaces::insert(&mut tx, &id.to_string(), &format!("{name} {id}"), T0).await.expect("workspace");
    tx.commit().await.expect("commit");
    id
}

async fn add_user(app: &App, workspace: WorkspaceId, role: WorkspaceRole) -> UserId {
    let id = UserId::new();
    let email = format!("{}@example.com", id.to_string().replace('-', ""));
    let mut tx = app.store.begin().await.expect("begin");
    let user = users::NewUser {
        id: &id.to_string(),
        workspace_id: &workspace.to_string(),
        email: &email,
        email_key: &email,
        display_name: "Someone",
        password_hash: "not-a-hash",
        workspace_role: role.as_str(),
        now: T0,
    };
    users::insert(&mut tx, &user).await.expect("user");
    tx.commit().await.expect("commit");
    id
}

async fn add_deployment(app: &App, workspace: WorkspaceId, name: &str, timezone: &str) -> DeploymentId {
    let id = DeploymentId::new();
    let fields = DeploymentFields {
        name,
        address: "",
        timezone,
        language: "en",
        default_assignee_id: None,
        notification_emails: "",
    };
    let mut tx = app.store.begin().await.expect("begin");
    store_deployments::insert(&mut tx, &id.to_string(), &workspace.to_string(), &fields, T0).await.expect("deployment");
    tx.commit().await.expect("commit");
    id
}

async fn add_device(app: &App, admin: &Actor, deployment: DeploymentId, name: &str) -> DeviceView {
    let input = DeviceInput { deployment_id: deployment.to_string(), name: name.to_owned(), ..Default::default() };
    devices::create(app, admin, &input).await.expect("device")
}

async fn actor(app: &App, user: UserId) -> Actor {
    auth::actor_for_user(app, user).await.expect("load actor").expect("active").0
}

#[tokio::test]
async fn a_batch_stores_events_with_daily_counts_and_device_stats_and_never_counts_bots() {
    let w = World::new().await;
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.record(&w.robot, ScanKind::Scan, "ben");
    w.record(&w.robot, ScanKind::PinRejected, "ana");
    w.record(&w.robot, ScanKind::PinAccepted, "ana");
    w.record(&w.robot, ScanKind::FormOpened, "ana");
    w.record(&w.robot, ScanKind::CaseSubmitted, "ana");
    w.record(&w.press, ScanKind::Scan, "ana");
    w.app.scans.record(w.event(&w.robot, ScanKind::Scan, "crawler", DeviceClass::Bot));
    w.app.scans.record(w.event(&w.robot, ScanKind::CaseSubmitted, "crawler", DeviceClass::Bot));
    w.flush().await;

    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events").await, 9, "bots are stored raw");
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events WHERE device_class = 'bot'").await, 2);
    let stats = reports::device_stats(&w.app, &w.admin, w.robot.id).await.expect("stats");
    assert_eq!((stats.scans, stats.last_scan_at, stats.portal_cases), (2, Some(T0), 1), "bots are not counted");
    let press = reports::device_stats(&w.app, &w.admin, w.press.id).await.expect("stats");
    assert_eq!((press.scans, press.portal_cases), (1, 0));
    let idle = reports::device_stats(&w.app, &w.admin, w.idle.id).await.expect("stats");
    assert_eq!((idle.scans, idle.last_scan_at), (0, None));

    let scope = w.scope().await;
    let funnel = reports::funnel(&w.app, &scope, w.period(7).await).await.expect("funnel");
    let counts: Vec<(ScanKind, i64)> = funnel.steps.iter().map(|s| (s.kind, s.count)).collect();
    assert_eq!(
        counts,
        [(ScanKind::Scan, 3), (ScanKind::PinAccepted, 1), (ScanKind::FormOpened, 1), (ScanKind::CaseSubmitted, 1)]
    );
    assert_eq!(funnel.totals.pin_rejected, 1);
    let drop_offs: Vec<Option<i64>> = funnel.steps.iter().map(|s| s.drop_off_pct.map(|p| p.round() as i64)).collect();
    assert_eq!(drop_offs, [None, Some(67), Some(0), Some(0)]);
    w.finish().await;
}

#[tokio::test]
async fn repeated_views_are_recognised_against_the_database_like_on_another_instance() {
    let w = World::new().await;
    // Three instances' worth of views of one browser, bypassing this process's in-memory filter.
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.flush().await;
    w.clock.advance_ms(REPEAT_WINDOW_MS - MINUTE_MS);
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.record(&w.robot, ScanKind::FormOpened, "ana");
    w.record(&w.robot, ScanKind::FormOpened, "ana");
    w.record(&w.robot, ScanKind::Lockout, "ana");
    w.record(&w.robot, ScanKind::Lockout, "ana");
    // Other actions are never de-duplicated.
    w.record(&w.robot, ScanKind::PinRejected, "ana");
    w.record(&w.robot, ScanKind::PinRejected, "ana");
    w.flush().await;
    w.clock.advance_ms(MINUTE_MS);
    // Exactly ten minutes after the counted view: counts again.
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.flush().await;
    let stats = reports::device_stats(&w.app, &w.admin, w.robot.id).await.expect("stats");
    assert_eq!(stats.scans, 2);
    assert_eq!(stats.last_scan_at, Some(T0 + REPEAT_WINDOW_MS));
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events WHERE kind = 'form_opened'").await, 1);
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events WHERE kind = 'lockout'").await, 1);
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events WHERE kind = 'pin_rejected'").await, 2);
    w.finish().await;
}

#[tokio::test]
async fn days_are_counted_in_the_deployment_time_zone() {
    let w = World::new().await;
    // 23:30 UTC on 15 January is 00:30 on 16 January in Berlin.
    w.clock.advance_ms(11 * 60 * MINUTE_MS + 30 * MINUTE_MS);
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.flush().await;
    let scope = w.scope().await;
    let days = reports::per_day(&w.app, &scope, w.period(2).await).await.expect("per day");
    let shown: Vec<(&str, i64)> = days.iter().map(|d| (d.day.as_str(), d.counts.scan)).collect();
    assert_eq!(shown, [("2027-01-15", 0), ("2027-01-16", 1)]);
    w.finish().await;
}

#[tokio::test]
async fn a_bad_event_does_not_cost_the_rest_of_its_batch() {
    let w = World::new().await;
    let mut ghost = w.event(&w.robot, ScanKind::Scan, "ghost", DeviceClass::Phone);
    ghost.device_id = DeviceId::new();
    let good = w.event(&w.press, ScanKind::Scan, "ana", DeviceClass::Phone);
    w.app.scans.record(ghost);
    w.app.scans.record(good);
    w.flush().await;
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events").await, 1);
    let press = reports::device_stats(&w.app, &w.admin, w.press.id).await.expect("stats");
    assert_eq!(press.scans, 1);
    // Written directly, the batch with the ghost fails as a whole (one transaction).
    let ghost_again =
        PortalEvent { device_id: DeviceId::new(), ..w.event(&w.press, ScanKind::Scan, "x", DeviceClass::Phone) };
    assert!(writer::write_batch(&w.app.store, &[ghost_again]).await.is_err());
    w.finish().await;
}

#[tokio::test]
async fn the_background_writer_writes_within_seconds_and_drains_on_shutdown() {
    let w = World::new().await;
    let handle = scans::start_writer(&w.app).await.expect("writer starts");
    assert!(scans::start_writer(&w.app).await.is_none(), "only one writer");
    w.record(&w.robot, ScanKind::Scan, "ana");
    let mut stored = 0;
    for _ in 0..50 {
        stored = w.scalar("SELECT COUNT(*) FROM portal_events").await;
        if stored == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, 1, "written within 5 s without a flush");
    // A flush goes through the running writer.
    w.record(&w.robot, ScanKind::PinAccepted, "ana");
    w.flush().await;
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events").await, 2);
    // Shutdown drains what is still queued.
    for visitor in ["b", "c", "d"] {
        w.record(&w.press, ScanKind::Scan, visitor);
    }
    handle.shutdown().await;
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events").await, 5);
    let press = reports::device_stats(&w.app, &w.admin, w.press.id).await.expect("stats");
    assert_eq!(press.scans, 3);
    w.finish().await;
}

#[tokio::test]
async fn retention_deletes_old_raw_events_and_keeps_the_daily_counts_and_stats() {
    let w = World::new().await;
    w.record(&w.robot, ScanKind::Scan, "old");
    w.record(&w.robot, ScanKind::CaseSubmitted, "old");
    w.flush().await;
    w.clock.advance_ms(300 * DAY_MS);
    w.record(&w.robot, ScanKind::Scan, "new");
    w.flush().await;
    w.clock.advance_ms(100 * DAY_MS);
    let swept = housekeeping::sweep(&w.app).await.expect("sweep");
    assert_eq!(swept.scan_events, 2, "the events older than 365 days");
    assert_eq!(w.scalar("SELECT COUNT(*) FROM portal_events").await, 1);
    assert_eq!(w.scalar("SELECT CAST(SUM(count) AS BIGINT) FROM portal_event_days").await, 3);
    let stats = reports::device_stats(&w.app, &w.admin, w.robot.id).await.expect("stats");
    assert_eq!((stats.scans, stats.portal_cases), (2, 1));
    // The funnel of the expired period still counts (from the daily counts).
    let scope = w.scope().await;
    let old = PeriodQuery { from: Some("2027-01-15".into()), to: Some("2027-01-15".into()), days: None };
    let period = scope.period(&w.app, &old).expect("period");
    let funnel = reports::funnel(&w.app, &scope, period).await.expect("funnel");
    assert_eq!((funnel.totals.scan, funnel.totals.case_submitted), (1, 1));
    // …but its raw events are gone.
    let query = EventQuery { period, kind: None, device: None };
    let page = reports::events(&w.app, &scope, query, &PageRequest::default()).await.expect("events");
    assert!(page.items.is_empty());
    w.finish().await;
}

#[tokio::test]
async fn events_page_by_cursor_and_filter_by_kind_and_device() {
    let w = World::new().await;
    for i in 0..5 {
        w.record(&w.robot, ScanKind::Scan, &format!("v{i}"));
        w.clock.advance_ms(1_000);
    }
    w.record(&w.press, ScanKind::PinRejected, "v0");
    w.flush().await;
    let scope = w.scope().await;
    let period = w.period(1).await;
    let all = EventQuery { period, kind: None, device: None };
    let first = reports::events(&w.app, &scope, all, &PageRequest { cursor: None, limit: Some(4) }).await.expect("p1");
    assert_eq!(first.items.len(), 4);
    let cursor = first.next_cursor.clone().expect("more");
    let second =
        reports::events(&w.app, &scope, all, &PageRequest { cursor: Some(cursor), limit: Some(4) }).await.expect("p2");
    assert_eq!(second.items.len(), 2);
    assert!(second.next_cursor.is_none());
    let times: Vec<i64> = first.items.iter().chain(&second.items).map(|e| e.occurred_at).collect();
    assert!(times.windows(2).all(|t| t[0] <= t[1]), "oldest first");
    assert_eq!(second.items.last().map(|e| (e.kind, e.device_name.as_str())), Some((ScanKind::PinRejected, "Press 2")));
    let rejected = EventQuery { kind: Some(ScanKind::PinRejected), ..all };
    assert_eq!(reports::events(&w.app, &scope, rejected, &PageRequest::default()).await.expect("kind").items.len(), 1);
    let robot = EventQuery { device: Some(w.robot.id), ..all };
    assert_eq!(reports::events(&w.app, &scope, robot, &PageRequest::default()).await.expect("device").items.len(), 5);
    let bad = PageRequest { cursor: Some("nonsense".into()), limit: None };
    assert!(matches!(reports::events(&w.app, &scope, all, &bad).await, Err(AppError::Invalid(_))));
    w.finish().await;
}

#[tokio::test]
async fn the_unscanned_list_has_the_devices_never_or_not_recently_scanned() {
    let w = World::new().await;
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.flush().await;
    w.clock.advance_ms(40 * DAY_MS);
    w.record(&w.press, ScanKind::Scan, "ana");
    w.flush().await;
    let scope = w.scope().await;
    let names = |list: reports::UnscannedList| list.devices.into_iter().map(|d| d.name).collect::<Vec<_>>();
    let never = reports::unscanned(&w.app, &scope, NotScanned::Ever).await.expect("never");
    assert_eq!(names(never), ["Idle 3"]);
    let month = reports::unscanned(&w.app, &scope, NotScanned::InDays(30)).await.expect("30 days");
    assert_eq!(names(month), ["Idle 3", "Robot 1"]);
    let quarter = reports::unscanned(&w.app, &scope, NotScanned::InDays(90)).await.expect("90 days");
    assert_eq!(names(quarter), ["Idle 3"]);
    // Archived devices are not listed.
    devices::archive(&w.app, &w.admin, w.idle.id).await.expect("archive");
    assert!(reports::unscanned(&w.app, &scope, NotScanned::Ever).await.expect("never").devices.is_empty());
    w.finish().await;
}

#[tokio::test]
async fn other_workspaces_and_members_without_a_role_see_nothing() {
    let w = World::new().await;
    w.record(&w.robot, ScanKind::Scan, "ana");
    w.flush().await;
    let other = add_workspace(&w.app, "Rival").await;
    let rival_admin = actor(&w.app, add_user(&w.app, other, WorkspaceRole::Admin).await).await;
    assert!(matches!(reports::scope(&w.app, &rival_admin, w.north).await, Err(AppError::NotFound)));
    assert!(matches!(reports::device_stats(&w.app, &rival_admin, w.robot.id).await, Err(AppError::NotFound)));
    let member = actor(&w.app, add_user(&w.app, w.workspace, WorkspaceRole::Member).await).await;
    assert!(matches!(reports::scope(&w.app, &member, w.north).await, Err(AppError::NotFound)));
    assert!(matches!(reports::device_stats(&w.app, &member, w.robot.id).await, Err(AppError::NotFound)));
    w.finish().await;
}
