//! The customer portal's use cases against a real database (SQLite, or PostgreSQL when
//! `TAGDESK_TEST_POSTGRES_URL` is set): settings and their effect on sessions, device tokens, visits,
//! reports (templates, contact rules, honeypot, quotas, idempotency under concurrency, the outbox),
//! notes on recent cases, and the follow-up page.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use support::TestDb;
use tagdesk_app::attachments::storage::StoreFuture;
use tagdesk_app::attachments::{AttachmentStore, ProcessedPhoto, StorageKey};
use tagdesk_app::auth::secret_hash;
use tagdesk_app::cases::{self, CaseInput};
use tagdesk_app::clock::ManualClock;
use tagdesk_app::devices::{self, DeviceInput, DeviceView};
use tagdesk_app::page::PageRequest;
use tagdesk_app::portal::pin::{self, PinOutcome, PinProof};
use tagdesk_app::portal::report::{self, PortalNote, PortalReport, SubmitOutcome};
use tagdesk_app::portal::visit::{self, TokenLookup};
use tagdesk_app::portal::{PortalSettingsInput, PortalVisit, follow, session, settings, tokens};
use tagdesk_app::templates::{self, TemplateInput, TemplateView};
use tagdesk_app::{Actor, App, AppError, audit, auth};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{
    CaseId, CaseNumber, CaseOrigin, CaseStatus, DeploymentId, DeploymentRole, PortalToken, UserId, WorkspaceId,
    WorkspaceRole,
};
use tagdesk_store::deployments::{self as store_deployments, DeploymentFields};
use tagdesk_store::sqlx::{self, AssertSqlSafe};
use tagdesk_store::{devices as store_devices, portal as store_portal, users, workspaces};

/// 10 minutes past a full hour, so hourly quota windows do not roll over by accident.
const T0: i64 = 1_800_000_000_000 + 10 * 60 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;
const PIN: &str = "4829";

/// Photo bytes kept in memory.
#[derive(Debug, Default)]
struct MemoryStore(Mutex<HashMap<String, Vec<u8>>>);

impl AttachmentStore for MemoryStore {
    fn put<'a>(&'a self, key: &'a StorageKey, bytes: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.0.lock().expect("lock").insert(key.as_str().to_owned(), bytes.to_vec());
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a StorageKey) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move { Ok(self.0.lock().expect("lock").get(key.as_str()).cloned()) })
    }

    fn delete<'a>(&'a self, key: &'a StorageKey) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.0.lock().expect("lock").remove(key.as_str());
            Ok(())
        })
    }
}

/// A store whose disk is always full.
#[derive(Debug, Default)]
struct BrokenStore;

impl AttachmentStore for BrokenStore {
    fn put<'a>(&'a self, _: &'a StorageKey, _: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(std::io::Error::other("disk full")) })
    }

    fn get<'a>(&'a self, _: &'a StorageKey) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async { Ok(None) })
    }

    fn delete<'a>(&'a self, _: &'a StorageKey) -> StoreFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A workspace with an admin, a technician and a viewer at North; North (default assignee: the admin)
/// with two devices and a template, South with one device; North's portal enabled.
struct World {
    db: TestDb,
    app: App,
    clock: Arc<ManualClock>,
    workspace: WorkspaceId,
    admin: Actor,
    admin_id: UserId,
    tech: Actor,
    viewer: Actor,
    north: DeploymentId,
    south: DeploymentId,
    robot: DeviceView,
    press: DeviceView,
    pump: DeviceView,
    leak: TemplateView,
    photos: Arc<MemoryStore>,
}

impl World {
    async fn new() -> Self {
        let db = TestDb::from_env().await;
        let clock = Arc::new(ManualClock::new(T0));
        let photos = Arc::new(MemoryStore::default());
        let app = App { attachments: photos.clone(), clock: clock.clone(), ..App::new(db.store.clone()) };
        let workspace = WorkspaceId::new();
        let mut tx = app.store.begin().await.expect("begin");
        workspaces::insert(&mut tx, &workspace.to_string(), &format!("W {workspace}"), T0).await.expect("workspace");
        tx.commit().await.expect("commit");
        let admin_id = add_user(&app, workspace, "Ana Admin", WorkspaceRole::Admin).await;
        let tech_id = add_user(&app, workspace, "Tom Tech", WorkspaceRole::Member).await;
        let viewer_id = add_user(&app, workspace, "Vera Viewer", WorkspaceRole::Member).await;
        let north = add_deployment(&app, workspace, "North", Some(admin_id)).await;
        let south = add_deployment(&app, workspace, "South", None).await;
        grant(&app, tech_id, north, DeploymentRole::Technician).await;
        grant(&app, viewer_id, north, DeploymentRole::Viewer).await;
        let admin = actor(&app, admin_id).await;
        let device = |deployment: DeploymentId, name: &str, serial: &str| DeviceInput {
            deployment_id: deployment.to_string(),
            name: name.to_owned(),
            serial_number: serial.to_owned(),
            model: "RX-1".to_owned(),
            ..Default::default()
        };
        let robot = devices::create(&app, &admin, &device(north, "Robot 1", "SN-1")).await.expect("robot");
        let press = devices::create(&app, &admin, &device(north, "Press 2", "SN-2")).await.expect("press");
        let pump = devices::create(&app, &admin, &device(south, "Pump 3", "SN-3")).await.expect("pump");
        let leak = templates::create(&app, &admin, &leak_template()).await.expect("template");
        let world = Self {
            tech: actor(&app, tech_id).await,
            viewer: actor(&app, viewer_id).await,
            db,
            app,
            clock,
            workspace,
            admin,
            admin_id,
            north,
            south,
            robot,
            press,
            pump,
            leak,
            photos,
        };
        world.configure(north, |_| {}).await;
        world
    }

    async fn finish(self) {
        self.db.finish().await;
    }

    /// Saves the usual settings (enabled, the PIN, the leak template offered) changed by `change`.
    async fn configure(&self, deployment: DeploymentId, change: impl FnOnce(&mut PortalSettingsInput)) {
        let mut input = PortalSettingsInput { offered_template_ids: vec![self.leak.id.to_string()], ..enabled_input() };
        change(&mut input);
        settings::update(&self.app, &self.admin, deployment, &input).await.expect("portal settings saved");
    }

    /// Enters `pin` at the deployment's portal, expecting it to be right.
    async fn right_pin(&self, deployment: DeploymentId, pin: &str) -> PinProof {
        match pin::attempt(&self.app, deployment, pin, "visitor", false).await.expect("PIN attempt") {
            PinOutcome::Correct(proof) => proof,
            other => panic!("expected the right PIN, got {other:?}"),
        }
    }

    /// Enters `pin` and starts the session (lasting `days`) and trust token it earns.
    async fn sign_in_for_days(&self, deployment: DeploymentId, pin: &str, days: i64) -> session::Started {
        let proof = self.right_pin(deployment, pin).await;
        session::start(&self.app, proof, days).await.expect("start session").expect("the PIN is unchanged")
    }

    async fn sign_in(&self, deployment: DeploymentId, pin: &str) -> session::Started {
        self.sign_in_for_days(deployment, pin, session::DEFAULT_SESSION_DAYS).await
    }

    async fn visit(&self, device: &DeviceView) -> PortalVisit {
        match self.lookup(device).await {
            TokenLookup::Active(visit) => std::sync::Arc::unwrap_or_clone(visit),
            other => panic!("expected an active visit, got {other:?}"),
        }
    }

    async fn lookup(&self, device: &DeviceView) -> TokenLookup {
        let token = device.portal_token.as_deref().expect("device has a token");
        visit::resolve(&self.app, token).await.expect("resolve")
    }

    async fn submit(
        &self,
        visit: &PortalVisit,
        report: &PortalReport,
        client: &str,
    ) -> Result<SubmitOutcome, AppError> {
        report::submit(&self.app, visit, report, &[], client).await
    }

    async fn submit_ok(&self, visit: &PortalVisit, key: &str) -> (CaseNumber, String) {
        match self.submit(visit, &free_report(key), "client-1").await.expect("report accepted") {
            SubmitOutcome::Created { number, follow_token } => (number, follow_token.to_string()),
            other => panic!("expected a new case, got {other:?}"),
        }
    }

    async fn scalar(&self, sql: &str, binds: &[&str]) -> i64 {
        let mut conn = self.app.store.read().await.expect("conn");
        let mut query = sqlx::query_scalar::<sqlx::Any, i64>(AssertSqlSafe(sql.to_owned()));
        for bind in binds {
            query = query.bind((*bind).to_owned());
        }
        query.fetch_one(&mut *conn).await.expect("scalar query")
    }

    async fn case_count(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM cases", &[]).await
    }

    async fn outbox_count(&self) -> i64 {
        self.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'case.created'", &[]).await
    }

    async fn case_id(&self, number: CaseNumber) -> CaseId {
        let mut conn = self.app.store.read().await.expect("conn");
        let id: String = sqlx::query_scalar("SELECT id FROM cases WHERE workspace_id = $1 AND number = $2")
            .bind(self.workspace.to_string())
            .bind(number.0)
            .fetch_one(&mut *conn)
            .await
            .expect("case id");
        CaseId::parse(&id).expect("uuid")
    }

    /// A staff case about a device.
    async fn staff_case(&self, device: &DeviceView, title: &str) -> CaseId {
        let input = CaseInput {
            deployment_id: device.deployment_id.to_string(),
            device_id: Some(device.id.to_string()),
            title: title.to_owned(),
            reporter_name: "Secret Reporter".to_owned(),
            reporter_email: "secret@example.com".to_owned(),
            ..Default::default()
        };
        cases::create(&self.app, &self.admin, CaseOrigin::Staff, &input).await.expect("staff case").id
    }
}

async fn add_user(app: &App, workspace: WorkspaceId, name: &str, role: WorkspaceRole) -> UserId {
    let id = UserId::new();
    let mut tx = app.store.begin().await.expect("begin");
    users::insert(
        &mut tx,
        &users::NewUser {
            id: &id.to_string(),
            workspace_id: &workspace.to_string(),
            email: &format!("{}@example.com", id.to_string().replace('-', "")),
            email_key: &format!("{}@example.com", id.to_string().replace('-', "")),
            display_name: name,
            password_hash: "not-a-hash",
            workspace_role: role.as_str(),
            now: T0,
        },
    )
    .await
    .expect("user");
    tx.commit().await.expect("commit");
    id
}

async fn grant(app: &App, user: UserId, deployment: DeploymentId, role: DeploymentRole) {
    let mut tx = app.store.begin().await.expect("begin");
    users::set_role(&mut tx, &user.to_string(), &deployment.to_string(), role.as_str()).await.expect("grant");
    tx.commit().await.expect("commit");
}

async fn add_deployment(app: &App, workspace: WorkspaceId, name: &str, assignee: Option<UserId>) -> DeploymentId {
    let id = DeploymentId::new();
    let assignee = assignee.map(|u| u.to_string());
    let fields = DeploymentFields {
        name,
        address: "",
        timezone: "Europe/Berlin",
        language: "de",
        default_assignee_id: assignee.as_deref(),
        notification_emails: "",
    };
    let mut tx = app.store.begin().await.expect("begin");
    store_deployments::insert(&mut tx, &id.to_string(), &workspace.to_string(), &fields, T0).await.expect("deployment");
    tx.commit().await.expect("commit");
    id
}

async fn actor(app: &App, user: UserId) -> Actor {
    auth::actor_for_user(app, user).await.expect("load actor").expect("active").0
}

fn leak_template() -> TemplateInput {
    TemplateInput {
        name: "Oil leak".to_owned(),
        title: "Oil leak at the device".to_owned(),
        case_type: "damage".to_owned(),
        description: String::new(),
        solution_suggestion: "Check the gearbox seal.".to_owned(),
        fields: vec![FieldDraft {
            label: "How much oil?".to_owned(),
            kind: "single_choice".to_owned(),
            required: true,
            options: vec!["Drops".to_owned(), "Puddle".to_owned()],
            ..Default::default()
        }],
    }
}

fn enabled_input() -> PortalSettingsInput {
    PortalSettingsInput {
        enabled: true,
        pin: Some(PIN.to_owned()),
        show_open_cases: true,
        open_case_window_days: 30,
        welcome_md: "Welcome!".to_owned(),
        instructions_md: "Tell us what happened.".to_owned(),
        contact_md: "Call **0800 123 456**".to_owned(),
        offered_template_ids: Vec::new(),
        allow_free_description: true,
        contact_rule: "name_and_email_or_phone".to_owned(),
        language: "de".to_owned(),
        photos_allowed: true,
        max_photos: 2,
        max_photo_mb: 10,
    }
}

fn free_report(key: &str) -> PortalReport {
    PortalReport {
        description: "It beeps all the time.\nSince this morning.".to_owned(),
        reporter_name: "Jane Doe".to_owned(),
        reporter_email: "jane@example.com".to_owned(),
        idempotency_key: key.to_owned(),
        language: "en".to_owned(),
        ..Default::default()
    }
}

fn leak_report(key: &str, amount: &str) -> PortalReport {
    let fields: BTreeMap<String, Vec<String>> = [("f1".to_owned(), vec![amount.to_owned()])].into();
    PortalReport { template: Some(0), description: String::new(), fields, ..free_report(key) }
}

fn invalid_on(result: Result<impl std::fmt::Debug, AppError>, field: &str) -> String {
    match &result {
        Err(err) => match err.field_errors().and_then(|e| e.get(field)) {
            Some(message) => message.to_owned(),
            None => panic!("expected an error on {field}, got {err:?}"),
        },
        Ok(value) => panic!("expected an error on {field}, got {value:?}"),
    }
}

fn photo() -> ProcessedPhoto {
    ProcessedPhoto { bytes: vec![0xFF, 0xD8, 0xFF, 0xD9], content_type: "image/jpeg", width: 1, height: 1 }
}

#[tokio::test]
async fn settings_are_validated_audited_and_never_show_the_pin() {
    let world = World::new().await;
    let fresh = settings::get(&world.app, &world.admin, world.south).await.expect("defaults");
    assert!(!fresh.enabled && !fresh.has_pin && fresh.pin_changed_at.is_none());
    assert_eq!((fresh.open_case_window_days, fresh.max_photos, fresh.max_photo_mb), (30, 5, 10));
    assert_eq!(fresh.contact_rule.as_str(), "name_and_email_or_phone");
    assert_eq!(fresh.language.as_str(), "de", "a new portal speaks its deployment's language");

    let w = &world;
    let save = |input: PortalSettingsInput| async move { settings::update(&w.app, &w.admin, w.south, &input).await };
    let no_pin = PortalSettingsInput { pin: None, ..enabled_input() };
    assert!(invalid_on(save(no_pin).await, "pin").contains("PIN"));
    for bad_pin in ["123", "12345", "12a4"] {
        invalid_on(save(PortalSettingsInput { pin: Some(bad_pin.into()), ..enabled_input() }).await, "pin");
    }
    for days in [0, 366] {
        invalid_on(
            save(PortalSettingsInput { open_case_window_days: days, ..enabled_input() }).await,
            "open_case_window_days",
        );
    }
    invalid_on(save(PortalSettingsInput { max_photos: 11, ..enabled_input() }).await, "max_photos");
    invalid_on(save(PortalSettingsInput { max_photos: -1, ..enabled_input() }).await, "max_photos");
    for mb in [0, 26] {
        invalid_on(save(PortalSettingsInput { max_photo_mb: mb, ..enabled_input() }).await, "max_photo_mb");
    }
    // Photos of one report must fit the portal's request limit together (60 MB).
    invalid_on(save(PortalSettingsInput { max_photos: 10, max_photo_mb: 7, ..enabled_input() }).await, "max_photo_mb");
    invalid_on(save(PortalSettingsInput { language: "fr".into(), ..enabled_input() }).await, "language");
    invalid_on(save(PortalSettingsInput { contact_rule: "anything".into(), ..enabled_input() }).await, "contact_rule");
    let long = "x".repeat(5_001);
    invalid_on(save(PortalSettingsInput { welcome_md: long.clone(), ..enabled_input() }).await, "welcome_md");
    invalid_on(save(PortalSettingsInput { contact_md: long, ..enabled_input() }).await, "contact_md");
    invalid_on(
        save(PortalSettingsInput { offered_template_ids: vec!["nope".into()], ..enabled_input() }).await,
        "offered_template_ids",
    );
    invalid_on(
        save(PortalSettingsInput { allow_free_description: false, ..enabled_input() }).await,
        "allow_free_description",
    );
    let nothing = settings::get(&world.app, &world.admin, world.south).await.expect("still defaults");
    assert_eq!(nothing, fresh, "invalid input stores nothing");

    // Only deployment and workspace admins change settings; others see them or get NotFound.
    assert!(matches!(
        settings::update(&world.app, &world.tech, world.north, &enabled_input()).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(settings::get(&world.app, &world.viewer, world.north).await.is_ok());
    assert!(matches!(settings::get(&world.app, &world.tech, world.south).await, Err(AppError::NotFound)));

    let view = save(PortalSettingsInput { welcome_md: "5000 chars are fine".into(), ..enabled_input() })
        .await
        .expect("valid settings");
    assert!(view.enabled && view.has_pin);
    assert_eq!(view.pin_changed_at, Some(T0));
    let json = serde_json::to_string(&view).expect("json");
    assert!(!json.contains(PIN) && !json.contains("argon2"), "{json}");
    assert!(!format!("{:?}", enabled_input()).contains(PIN));
    let page = audit::list(&world.app, &world.admin, &PageRequest::default()).await.expect("audit");
    let entry = page.items.iter().find(|e| e.action == "portal.settings_updated").expect("audited");
    assert!(entry.summary.contains("PIN changed") && entry.summary.contains("enabled the portal"), "{}", entry.summary);
    assert!(page.items.iter().all(|e| !e.summary.contains(PIN)));
    world.finish().await;
}

#[tokio::test]
async fn a_pin_change_or_disabling_ends_every_session_of_the_deployment() {
    let world = World::new().await;
    let w = &world;
    let epoch_of = |d: DeploymentId| async move {
        w.scalar("SELECT session_epoch FROM portal_settings WHERE deployment_id = $1", &[&d.to_string()]).await
    };
    let sessions = || async move { w.scalar("SELECT COUNT(*) FROM portal_sessions", &[]).await };

    let started = world.sign_in(world.north, PIN).await;
    let cookie = started.session;
    assert!(session::validate(&world.app, &cookie, world.north).await.expect("validate"));
    let first_epoch = epoch_of(world.north).await;

    // Changing other settings, or "setting" the same PIN again, keeps visitors signed in.
    world.configure(world.north, |s| s.welcome_md = "Hello again".into()).await;
    world.configure(world.north, |s| s.pin = Some(PIN.into())).await;
    assert!(session::validate(&world.app, &cookie, world.north).await.expect("validate"));
    assert_eq!(epoch_of(world.north).await, first_epoch);

    let trust = started.trust_token;
    assert!(session::is_trusted(&world.app, &[&trust], world.north).await.expect("trusted"));

    world.configure(world.north, |s| s.pin = Some("7351".into())).await;
    assert!(!session::validate(&world.app, &cookie, world.north).await.expect("validate"));
    assert_eq!(epoch_of(world.north).await, first_epoch + 1);
    assert_eq!(sessions().await, 0, "the deployment's sessions are deleted");
    assert!(!session::is_trusted(&world.app, &[&trust], world.north).await.expect("trust"), "old-PIN trust ends");
    let page = audit::list(&world.app, &world.admin, &PageRequest::default()).await.expect("audit");
    assert!(page.items.iter().all(|e| !e.summary.contains("7351")));

    let cookie = world.sign_in(world.north, "7351").await.session;
    world
        .configure(world.north, |s| {
            s.enabled = false;
            s.pin = None;
        })
        .await;
    assert!(!session::validate(&world.app, &cookie, world.north).await.expect("validate"));
    assert_eq!(epoch_of(world.north).await, first_epoch + 2);
    world.configure(world.north, |s| s.pin = None).await;
    assert!(!session::validate(&world.app, &cookie, world.north).await.expect("validate"), "old epoch stays dead");

    // Sessions expire.
    let cookie = world.sign_in_for_days(world.north, "7351", 1).await.session;
    world.clock.advance_ms(DAY_MS + 1);
    assert!(!session::validate(&world.app, &cookie, world.north).await.expect("validate"));
    world.finish().await;
}

#[tokio::test]
async fn a_session_or_trust_for_one_deployment_gives_nothing_elsewhere() {
    let world = World::new().await;
    world.configure(world.south, |_| {}).await;
    let started = world.sign_in(world.north, PIN).await;
    let cookie = started.session;
    assert!(session::validate(&world.app, &cookie, world.north).await.expect("north"));
    assert!(!session::validate(&world.app, &cookie, world.south).await.expect("south"));
    assert!(!session::validate(&world.app, "garbage", world.north).await.expect("garbage"));
    assert!(!session::validate(&world.app, &"a".repeat(64), world.north).await.expect("unknown"));

    let cookie_value = session::add_trust_token("", &started.trust_token);
    let tokens = session::trust_tokens(&cookie_value);
    assert!(session::is_trusted(&world.app, &tokens, world.north).await.expect("north"));
    assert!(!session::is_trusted(&world.app, &tokens, world.south).await.expect("south"));
    assert!(!session::is_trusted(&world.app, &[], world.north).await.expect("none"));
    world.finish().await;
}

#[tokio::test]
async fn a_pin_change_while_the_old_pin_is_checked_gives_no_session_or_trust() {
    let world = World::new().await;
    let w = &world;
    let count = |table: &'static str| async move {
        w.scalar(&format!("SELECT COUNT(*) FROM {table} WHERE deployment_id = $1"), &[&w.north.to_string()]).await
    };

    // The old PIN is checked and found right; staff change the PIN before the session is stored.
    let proof = world.right_pin(world.north, PIN).await;
    world.clock.advance_ms(1000);
    world.configure(world.north, |s| s.pin = Some("7351".into())).await;
    assert_eq!(session::start(&world.app, proof, session::DEFAULT_SESSION_DAYS).await.expect("start"), None);
    assert_eq!(count("portal_sessions").await, 0, "no session for the old PIN");
    assert_eq!(count("portal_trusted_browsers").await, 0, "no trust token for the old PIN");
    assert_eq!(
        pin::attempt(&world.app, world.north, PIN, "visitor", false).await.expect("attempt"),
        PinOutcome::Wrong { locked_for_s: None }
    );

    // Disabling in between ends the same way; re-enabling does not revive a proof from before.
    let stale_a = world.right_pin(world.north, "7351").await;
    let stale_b = world.right_pin(world.north, "7351").await;
    world
        .configure(world.north, |s| {
            s.enabled = false;
            s.pin = None;
        })
        .await;
    assert!(matches!(session::start(&world.app, stale_a, 1).await, Err(AppError::NotFound)));
    world.configure(world.north, |s| s.pin = None).await;
    assert_eq!(session::start(&world.app, stale_b, 1).await.expect("start"), None);
    assert_eq!(count("portal_sessions").await, 0);
    assert_eq!(count("portal_trusted_browsers").await, 0);

    // The new PIN works, and its session and trust token count.
    let started = world.sign_in(world.north, "7351").await;
    assert!(session::validate(&world.app, &started.session, world.north).await.expect("validate"));
    assert!(session::is_trusted(&world.app, &[&started.trust_token], world.north).await.expect("trusted"));
    world.finish().await;
}

#[tokio::test]
async fn trust_tokens_from_before_a_pin_change_are_not_trusted_after_it() {
    let world = World::new().await;
    let north = world.north.to_string();
    world.clock.advance_ms(DAY_MS);
    world.configure(world.north, |s| s.pin = Some("7351".into())).await;
    let changed_at = world.app.now();
    // Rows that survived the change (e.g. written by a request racing with it), one from before it.
    let (old, new) = (format!("{:064x}", 1), format!("{:064x}", 2));
    let mut tx = world.app.store.begin().await.expect("begin");
    store_portal::insert_trusted(&mut tx, &secret_hash(&old), &north, changed_at - 1).await.expect("old trust");
    store_portal::insert_trusted(&mut tx, &secret_hash(&new), &north, changed_at).await.expect("new trust");
    tx.commit().await.expect("commit");
    assert!(!session::is_trusted(&world.app, &[&old], world.north).await.expect("old"), "issued before the change");
    assert!(session::is_trusted(&world.app, &[&new], world.north).await.expect("new"), "issued at the change");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn visitors_racing_a_pin_change_with_the_old_pin_end_up_without_access() {
    let world = World::new().await;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let app = world.app.clone();
        let north = world.north;
        tasks.spawn(async move {
            let mut earned = Vec::new();
            for round in 0..6 {
                let client = format!("worker-{worker}-{round}");
                if let PinOutcome::Correct(proof) =
                    pin::attempt(&app, north, PIN, &client, false).await.expect("attempt")
                    && let Some(started) = session::start(&app, proof, 1).await.expect("start")
                {
                    earned.push(started);
                }
                tokio::task::yield_now().await;
            }
            earned
        });
    }
    tokio::task::yield_now().await;
    world.configure(world.north, |s| s.pin = Some("7351".into())).await;
    let mut earned = Vec::new();
    while let Some(result) = tasks.join_next().await {
        earned.extend(result.expect("worker"));
    }
    for started in &earned {
        assert!(!session::validate(&world.app, &started.session, world.north).await.expect("validate"));
        assert!(!session::is_trusted(&world.app, &[&started.trust_token], world.north).await.expect("trust"));
    }
    world.finish().await;
}

#[tokio::test]
async fn tokens_resolve_case_insensitively_and_replaced_unknown_and_disabled_are_told_apart() {
    let world = World::new().await;
    let token = world.robot.portal_token.clone().expect("token at creation");
    assert_eq!(token.len(), PortalToken::LEN);
    assert_eq!(PortalToken::parse(&token).expect("canonical").as_str(), token);
    assert_ne!(world.robot.portal_token, world.press.portal_token);
    let fetched = devices::get(&world.app, &world.admin, world.robot.id).await.expect("device");
    assert_eq!(fetched.portal_token.as_deref(), Some(token.as_str()));
    assert_eq!(tokens::portal_url("https://t.example/", &token), format!("https://t.example/d/{token}"));

    let TokenLookup::Active(visit) = visit::resolve(&world.app, &token.to_lowercase()).await.expect("lower") else {
        panic!("lower-case token must resolve");
    };
    assert_eq!(visit.device.name, "Robot 1");
    assert_eq!(visit.device.serial.as_deref(), Some("SN-1"));
    assert_eq!(visit.deployment.name, "North");
    assert_eq!(visit.token.as_str(), token);
    assert_eq!(visit.settings.contact_md, "Call **0800 123 456**");
    assert_eq!(visit.templates.len(), 1);
    assert_eq!(visit.templates[0].name, "Oil leak");

    for raw in ["", "../../etc/passwd", "123", "ZZZZZZZZZZZZZZ", "0000000000000"] {
        assert!(matches!(visit::resolve(&world.app, raw).await.expect("resolve"), TokenLookup::Unknown), "{raw}");
    }

    // South never enabled its portal.
    match world.lookup(&world.pump).await {
        TokenLookup::Disabled { deployment_name, .. } => assert_eq!(deployment_name, "South"),
        other => panic!("expected disabled, got {other:?}"),
    }

    // Replacing: the old token shows "replaced", the new one works; technicians may, viewers may not.
    assert!(matches!(tokens::replace(&world.app, &world.viewer, world.robot.id).await, Err(AppError::Forbidden(_))));
    let new = tokens::replace(&world.app, &world.tech, world.robot.id).await.expect("replaced");
    assert_ne!(new.as_str(), token);
    match visit::resolve(&world.app, &token).await.expect("old") {
        TokenLookup::Replaced { deployment_name, contact_md, .. } => {
            assert_eq!(deployment_name, "North");
            assert_eq!(contact_md, "Call **0800 123 456**");
        }
        other => panic!("expected replaced, got {other:?}"),
    }
    assert!(matches!(visit::resolve(&world.app, new.as_str()).await.expect("new"), TokenLookup::Active(_)));
    let page = audit::list(&world.app, &world.admin, &PageRequest::default()).await.expect("audit");
    assert!(page.items.iter().any(|e| e.action == "device.portal_token_replaced"));

    // Archived devices' labels lead nowhere.
    devices::archive(&world.app, &world.admin, world.press.id).await.expect("archive");
    assert!(matches!(world.lookup(&world.press).await, TokenLookup::Unknown));
    world.finish().await;
}

#[tokio::test]
async fn backfill_gives_tokens_to_devices_without_one() {
    let world = World::new().await;
    let mut tx = world.app.store.begin().await.expect("begin");
    for i in 0..7 {
        let fields = store_devices::DeviceFields {
            name: &format!("Old {i}"),
            serial_number: None,
            manufacturer: "",
            model: "",
            tags: &[],
            notes: "",
        };
        let id = tagdesk_domain::DeviceId::new().to_string();
        store_devices::insert(&mut tx, &id, &world.workspace.to_string(), &world.north.to_string(), &fields, T0)
            .await
            .expect("old device");
    }
    tx.commit().await.expect("commit");
    assert_eq!(world.scalar("SELECT COUNT(*) FROM devices WHERE portal_token IS NULL", &[]).await, 7);
    assert_eq!(tokens::backfill(&world.app).await.expect("backfill"), 7);
    assert_eq!(tokens::backfill(&world.app).await.expect("again"), 0);
    assert_eq!(world.scalar("SELECT COUNT(*) FROM devices WHERE portal_token IS NULL", &[]).await, 0);
    assert_eq!(world.scalar("SELECT COUNT(DISTINCT portal_token) FROM devices", &[]).await, 10);
    assert_eq!(
        world.robot.portal_token,
        devices::get(&world.app, &world.admin, world.robot.id).await.expect("d").portal_token
    );
    world.finish().await;
}

#[tokio::test]
async fn a_report_creates_one_portal_case_with_its_outbox_entry() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    let outcome = world.submit(&visit, &leak_report("key-1", "Puddle"), "client-1").await.expect("submitted");
    let SubmitOutcome::Created { number, follow_token } = outcome else {
        panic!("expected a new case, got {outcome:?}");
    };
    assert_eq!(world.case_count().await, 1);
    let case = cases::get(&world.app, &world.admin, world.case_id(number).await).await.expect("case");
    assert_eq!(case.origin, CaseOrigin::Portal);
    assert_eq!(case.device_id, Some(world.robot.id));
    assert_eq!(case.deployment_id, world.north);
    assert_eq!(case.template_id, Some(world.leak.id));
    assert_eq!(case.title, "Oil leak at the device");
    assert_eq!(case.case_type.as_str(), "damage");
    assert_eq!(case.solution_suggestion, "Check the gearbox seal.");
    assert_eq!(case.fields[0].display, "Puddle");
    assert_eq!(case.assignee_id, Some(world.admin_id), "the deployment's default assignee");
    assert_eq!((case.reporter.name.as_str(), case.reporter.email.as_str()), ("Jane Doe", "jane@example.com"));
    let timeline = cases::timeline(&world.app, &world.admin, case.id).await.expect("timeline");
    assert_eq!(timeline[0].actor_label, "Portal: Jane Doe");

    let id = case.id.to_string();
    let stored_hash = {
        let mut conn = world.app.store.read().await.expect("conn");
        let row: (Option<String>, Option<String>, String) =
            sqlx::query_as("SELECT follow_token_hash, idempotency_key, reporter_language FROM cases WHERE id = $1")
                .bind(&id)
                .fetch_one(&mut *conn)
                .await
                .expect("extras");
        row
    };
    assert_eq!(stored_hash, (Some(secret_hash(follow_token.as_str())), Some("key-1".to_owned()), "en".to_owned()));
    let outbox = {
        let mut conn = world.app.store.read().await.expect("conn");
        store_portal::outbox_of_kind(&mut conn, "case.created").await.expect("outbox")
    };
    assert_eq!(outbox.len(), 1);
    let payload: serde_json::Value = serde_json::from_str(&outbox[0].payload_json).expect("json");
    assert_eq!(payload["case_id"], id.as_str());
    assert_eq!(payload["number"], number.0);
    assert_eq!(payload["device_id"], world.robot.id.to_string().as_str());
    assert_eq!(payload["deployment_id"], world.north.to_string().as_str());
    assert!(!outbox[0].payload_json.contains("jane"), "no reporter data in the outbox");

    // A failure inside the transaction (the photo store is full) leaves neither a case nor an outbox row.
    let broken = App { attachments: Arc::new(BrokenStore), ..world.app.clone() };
    let failed = report::submit(&broken, &visit, &free_report("key-2"), &[photo()], "client-1").await;
    assert!(matches!(failed, Err(AppError::Internal(_))), "{failed:?}");
    assert_eq!((world.case_count().await, world.outbox_count().await), (1, 1));

    // With photos that fit, they are stored with the case.
    let with_photo =
        report::submit(&world.app, &visit, &free_report("key-3"), &[photo()], "c").await.expect("photo report");
    assert!(matches!(with_photo, SubmitOutcome::Created { .. }));
    assert_eq!(world.scalar("SELECT COUNT(*) FROM attachments", &[]).await, 1);
    assert_eq!(world.photos.0.lock().expect("lock").len(), 1);
    world.finish().await;
}

#[tokio::test]
async fn the_honeypot_creates_nothing() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    let bot = PortalReport { honeypot: "http://spam.example".into(), ..free_report("bot-1") };
    assert_eq!(world.submit(&visit, &bot, "bot").await.expect("pretend"), SubmitOutcome::Ignored);
    assert_eq!((world.case_count().await, world.outbox_count().await), (0, 0));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_submits_with_one_key_create_exactly_one_case() {
    let world = World::new().await;
    let visit = Arc::new(world.visit(&world.robot).await);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (app, visit) = (world.app.clone(), visit.clone());
        tasks.spawn(async move { report::submit(&app, &visit, &free_report("double-tap"), &[], "client-1").await });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        outcomes.push(done.expect("task").expect("submitted"));
    }
    let created: Vec<CaseNumber> = outcomes
        .iter()
        .filter_map(|o| match o {
            SubmitOutcome::Created { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "{outcomes:?}");
    for outcome in &outcomes {
        match outcome {
            SubmitOutcome::Created { number, .. } | SubmitOutcome::Duplicate { number } => {
                assert_eq!(*number, created[0])
            }
            SubmitOutcome::Ignored => panic!("nothing was ignored"),
        }
    }
    assert_eq!((world.case_count().await, world.outbox_count().await), (1, 1));

    // Later retries get the same case; the same key from another device's page is refused.
    let again = world.submit(&visit, &free_report("double-tap"), "client-1").await.expect("retry");
    assert_eq!(again, SubmitOutcome::Duplicate { number: created[0] });
    let press = world.visit(&world.press).await;
    invalid_on(world.submit(&press, &free_report("double-tap"), "client-1").await, "idempotency_key");
    invalid_on(world.submit(&visit, &free_report(""), "client-1").await, "idempotency_key");
    invalid_on(world.submit(&visit, &free_report(&"k".repeat(65)), "client-1").await, "idempotency_key");
    assert_eq!(world.case_count().await, 1);
    world.finish().await;
}

#[tokio::test]
async fn quotas_limit_reports_per_client_and_per_device_per_hour() {
    let world = World::new().await;
    let robot = world.visit(&world.robot).await;
    for i in 0..report::CLIENT_QUOTA_PER_HOUR {
        world.submit(&robot, &free_report(&format!("a{i}")), "busy").await.expect("within quota");
    }
    assert!(report::check_quota(&world.app, &robot, "quiet").await.is_ok());
    assert!(matches!(report::check_quota(&world.app, &robot, "busy").await, Err(AppError::RateLimited { .. })));
    let refused = world.submit(&robot, &free_report("a-over"), "busy").await;
    assert!(
        matches!(refused, Err(AppError::RateLimited { retry_after_s }) if retry_after_s > 0 && retry_after_s <= 3600)
    );
    // Another client may still report on this device until the device's quota is used up.
    let device_left = report::DEVICE_QUOTA_PER_HOUR - report::CLIENT_QUOTA_PER_HOUR;
    for i in 0..device_left {
        world.submit(&robot, &free_report(&format!("b{i}")), "other").await.expect("device quota left");
    }
    assert!(matches!(world.submit(&robot, &free_report("b-over"), "third").await, Err(AppError::RateLimited { .. })));
    // Other devices are not affected by the robot's quota, and the next hour starts afresh.
    let press = world.visit(&world.press).await;
    world.submit(&press, &free_report("p1"), "third").await.expect("other device");
    assert_eq!(world.case_count().await, report::DEVICE_QUOTA_PER_HOUR + 1);
    world.clock.advance_ms(3600 * 1000);
    world.submit(&robot, &free_report("next-hour"), "busy").await.expect("new window");
    world.finish().await;
}

#[tokio::test]
async fn photos_count_against_an_hourly_budget_per_client_before_processing() {
    let world = World::new().await;
    let budget = usize::try_from(report::PHOTO_QUOTA_PER_HOUR).expect("budget");
    for _ in 0..budget / 10 {
        report::count_photos(&world.app, "snapper", 10).await.expect("within the budget");
    }
    let refused = report::count_photos(&world.app, "snapper", 1).await;
    assert!(matches!(refused, Err(AppError::RateLimited { retry_after_s }) if (1..=3601).contains(&retry_after_s)));
    // Nothing to process costs nothing; other clients have their own budget; a refusal counts nothing.
    report::count_photos(&world.app, "snapper", 0).await.expect("no photos");
    report::count_photos(&world.app, "other", budget).await.expect("another client");
    assert!(report::count_photos(&world.app, "other", 1).await.is_err());
    // The photo budget is separate from the report quota, and the next hour starts afresh.
    let visit = world.visit(&world.robot).await;
    report::check_quota(&world.app, &visit, "snapper").await.expect("reports without photos still go");
    world.clock.advance_ms(3600 * 1000);
    report::count_photos(&world.app, "snapper", 10).await.expect("new window");
    world.finish().await;
}

#[tokio::test]
async fn check_refuses_what_submit_would_refuse_without_storing_or_counting() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    report::check(&visit, &free_report("c1"), 0).expect("a good report");
    report::check(&visit, &free_report("c1"), 2).expect("two photos are allowed");
    invalid_on(report::check(&visit, &free_report("c1"), 3), "photos");
    invalid_on(report::check(&visit, &free_report(""), 0), "idempotency_key");
    invalid_on(report::check(&visit, &leak_report("c2", ""), 0), "field.f1");
    let no_contact = PortalReport { reporter_email: String::new(), ..free_report("c3") };
    invalid_on(report::check(&visit, &no_contact, 0), "reporter_email");
    invalid_on(report::check(&visit, &PortalReport { description: " ".into(), ..free_report("c4") }, 0), "description");
    assert_eq!((world.case_count().await, world.outbox_count().await), (0, 0));
    world.finish().await;
}

#[tokio::test]
async fn templates_free_descriptions_fields_and_photos_are_checked() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    let not_offered = PortalReport { template: Some(1), ..leak_report("t1", "Drops") };
    invalid_on(world.submit(&visit, &not_offered, "c").await, "template");
    invalid_on(world.submit(&visit, &leak_report("t2", ""), "c").await, "field.f1");
    invalid_on(world.submit(&visit, &leak_report("t3", "Ocean"), "c").await, "field.f1");
    invalid_on(
        world.submit(&visit, &PortalReport { description: " ".into(), ..free_report("t4") }, "c").await,
        "description",
    );
    invalid_on(
        world.submit(&visit, &PortalReport { description: "x".repeat(5_001), ..free_report("t5") }, "c").await,
        "description",
    );
    let too_many = report::submit(&world.app, &visit, &free_report("t6"), &[photo(), photo(), photo()], "c").await;
    invalid_on(too_many, "photos");

    // A free report gets a neutral title, never one taken from its description (titles are public).
    let (number, _) = world.submit_ok(&visit, "t7").await;
    let case = cases::get(&world.app, &world.admin, world.case_id(number).await).await.expect("case");
    assert_eq!(case.title, report::NEUTRAL_TITLE);
    assert_eq!(case.title, "Problem report");
    // A template without a pre-filled title lends its name.
    let mut untitled = world.visit(&world.robot).await;
    untitled.templates[0].title = String::new();
    let outcome = world.submit(&untitled, &leak_report("t7b", "Drops"), "c").await.expect("template report");
    let SubmitOutcome::Created { number, .. } = outcome else { panic!("expected a case, got {outcome:?}") };
    let titled = cases::get(&world.app, &world.admin, world.case_id(number).await).await.expect("case");
    assert_eq!(titled.title, "Oil leak");
    assert_eq!(case.case_type.as_str(), "other");

    // Without free descriptions a template is required; inactive templates are not offered.
    world
        .configure(world.north, |s| {
            s.allow_free_description = false;
            s.photos_allowed = false;
        })
        .await;
    let visit = world.visit(&world.robot).await;
    invalid_on(world.submit(&visit, &free_report("t8"), "c").await, "template");
    let photo_refused = report::submit(&world.app, &visit, &leak_report("t9", "Drops"), &[photo()], "c").await;
    invalid_on(photo_refused, "photos");
    world.submit(&visit, &leak_report("t10", "Drops"), "c").await.expect("template report");
    templates::set_active(&world.app, &world.admin, world.leak.id, false).await.expect("deactivate");
    let visit = world.visit(&world.robot).await;
    assert!(visit.templates.is_empty());
    assert_eq!(visit.settings.offered_templates.len(), 1, "staff still see the inactive template offered");
    let offer_inactive =
        PortalSettingsInput { offered_template_ids: vec![world.leak.id.to_string()], ..enabled_input() };
    invalid_on(settings::update(&world.app, &world.admin, world.south, &offer_inactive).await, "offered_template_ids");
    invalid_on(world.submit(&visit, &leak_report("t11", "Drops"), "c").await, "template");
    assert_eq!(world.case_count().await, 3);
    world.finish().await;
}

#[tokio::test]
async fn contact_details_follow_the_rule() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    let with = |name: &str, email: &str, phone: &str| PortalReport {
        reporter_name: name.to_owned(),
        reporter_email: email.to_owned(),
        reporter_phone: phone.to_owned(),
        ..free_report(&secret_hash(&format!("{name}|{email}|{phone}"))[..32])
    };
    // Default: name plus email or phone.
    invalid_on(world.submit(&visit, &with("", "jane@example.com", ""), "c").await, "reporter_name");
    invalid_on(world.submit(&visit, &with("Jane", "", ""), "c").await, "reporter_email");
    invalid_on(world.submit(&visit, &with("Jane", "not-an-email", ""), "c").await, "reporter_email");
    invalid_on(world.submit(&visit, &with("Jane", "", "call me maybe"), "c").await, "reporter_phone");
    world.submit(&visit, &with("Jane", "", "+49 30 1234"), "c").await.expect("phone is enough");

    world.configure(world.north, |s| s.contact_rule = "name_and_email".into()).await;
    let visit = world.visit(&world.robot).await;
    invalid_on(world.submit(&visit, &with("Jane", "", "+49 30 1234"), "c").await, "reporter_email");

    world.configure(world.north, |s| s.contact_rule = "none".into()).await;
    let visit = world.visit(&world.robot).await;
    let anonymous = world.submit(&visit, &with("", "", ""), "c").await.expect("anonymous");
    let SubmitOutcome::Created { number, .. } = anonymous else { panic!("expected a case") };
    let case = cases::get(&world.app, &world.admin, world.case_id(number).await).await.expect("case");
    let timeline = cases::timeline(&world.app, &world.admin, case.id).await.expect("timeline");
    assert_eq!(timeline[0].actor_label, "Customer portal");
    world.finish().await;
}

#[tokio::test]
async fn the_follow_up_page_shows_one_case_and_only_public_comments() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    let (number, token) = world.submit_ok(&visit, "f1").await;
    let id = world.case_id(number).await;
    cases::comment(&world.app, &world.admin, id, "Internal: the customer is difficult", false).await.expect("internal");
    cases::comment(&world.app, &world.admin, id, "A technician comes tomorrow.", true).await.expect("public");
    cases::change_status(&world.app, &world.admin, id, CaseStatus::Resolved).await.expect("resolve");

    let view = follow::view(&world.app, &token.to_lowercase()).await.expect("follow");
    assert_eq!(view.number, number);
    assert_eq!(view.title, "Problem report");
    assert_eq!(view.status, CaseStatus::Resolved);
    assert_eq!(view.created_at, T0);
    assert_eq!(view.language.as_str(), "en");
    assert_eq!(view.contact_md, "Call **0800 123 456**");
    let bodies: Vec<&str> = view.public_comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["A technician comes tomorrow."]);
    let json = serde_json::to_string(&view).expect("json");
    for secret in ["jane", "Jane", "Since this morning", "Internal", "Robot"] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
    for bad in ["", "nope", &"A".repeat(26), &token[..25]] {
        assert!(matches!(follow::view(&world.app, bad).await, Err(AppError::NotFound)), "{bad}");
    }
    world.finish().await;
}

#[tokio::test]
async fn recent_cases_show_only_this_device_within_the_window_without_reporter_data() {
    let world = World::new().await;
    let visit = world.visit(&world.robot).await;
    let (portal_number, _) = world.submit_ok(&visit, "r1").await;
    let resolved = world.staff_case(&world.robot, "Resolved noise").await;
    cases::change_status(&world.app, &world.admin, resolved, CaseStatus::Resolved).await.expect("resolve");
    let archived = world.staff_case(&world.robot, "Archived thing").await;
    cases::change_status(&world.app, &world.admin, archived, CaseStatus::Archived).await.expect("archive");
    world.staff_case(&world.press, "Press problem").await;
    world.staff_case(&world.pump, "Pump problem").await;
    let no_device =
        CaseInput { deployment_id: world.north.to_string(), title: "Site-wide".into(), ..Default::default() };
    cases::create(&world.app, &world.admin, CaseOrigin::Staff, &no_device).await.expect("site case");

    let recent = visit::recent_cases(&world.app, &visit).await.expect("recent");
    let titles: Vec<(&str, bool)> = recent.iter().map(|c| (c.title.as_str(), c.accepts_notes)).collect();
    assert_eq!(titles, [("Resolved noise", false), ("Problem report", true)]);
    assert_eq!(recent[1].number, portal_number);
    let json = serde_json::to_string(&recent).expect("json");
    for secret in ["Jane", "jane@", "Secret", "Since this morning", "description", "reporter"] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }

    world.clock.advance_ms(31 * DAY_MS);
    assert!(visit::recent_cases(&world.app, &visit).await.expect("recent").is_empty(), "outside the window");
    world.clock.advance_ms(-31 * DAY_MS);
    world.configure(world.north, |s| s.show_open_cases = false).await;
    let hidden = world.visit(&world.robot).await;
    assert!(visit::recent_cases(&world.app, &hidden).await.expect("recent").is_empty(), "switched off");
    world.finish().await;
}

#[tokio::test]
async fn notes_go_only_to_recent_open_cases_of_the_same_device() {
    let world = World::new().await;
    let robot = world.visit(&world.robot).await;
    let press = world.visit(&world.press).await;
    let (number, _) = world.submit_ok(&robot, "n1").await;
    let (press_number, _) = world.submit_ok(&press, "n2").await;
    let pump_case = world.staff_case(&world.pump, "Pump").await;
    let pump_number = cases::get(&world.app, &world.admin, pump_case).await.expect("pump").number;

    let note = PortalNote {
        body: "Same here, it beeps at night too.".into(),
        reporter_name: "Max".into(),
        reporter_email: "max@example.com".into(),
        ..Default::default()
    };
    report::add_note(&world.app, &robot, number, &note, "c").await.expect("note added");
    let id = world.case_id(number).await;
    let timeline = cases::timeline(&world.app, &world.admin, id).await.expect("timeline");
    let added = timeline.iter().find(|e| e.kind == report::PORTAL_NOTE).expect("portal note");
    assert!(added.body.starts_with("Same here") && added.body.contains("max@example.com"), "{}", added.body);
    assert!(!added.public);
    assert_eq!(added.actor_label, "Portal: Max");

    for other in [press_number, pump_number, CaseNumber(9_999)] {
        assert!(
            matches!(report::add_note(&world.app, &robot, other, &note, "c").await, Err(AppError::NotFound)),
            "{other}"
        );
    }
    invalid_on(report::add_note(&world.app, &robot, number, &PortalNote::default(), "c").await, "body");
    let long = PortalNote { body: "x".repeat(5_001), ..Default::default() };
    invalid_on(report::add_note(&world.app, &robot, number, &long, "c").await, "body");
    let bad_mail = PortalNote { reporter_email: "nope".into(), ..note.clone() };
    invalid_on(report::add_note(&world.app, &robot, number, &bad_mail, "c").await, "reporter_email");
    let bot = PortalNote { honeypot: "x".into(), ..note.clone() };
    report::add_note(&world.app, &robot, number, &bot, "c").await.expect("pretend");

    cases::change_status(&world.app, &world.admin, id, CaseStatus::Resolved).await.expect("resolve");
    assert!(matches!(report::add_note(&world.app, &robot, number, &note, "c").await, Err(AppError::NotFound)));
    cases::change_status(&world.app, &world.admin, id, CaseStatus::Open).await.expect("reopen");
    world.clock.advance_ms(31 * DAY_MS);
    assert!(matches!(report::add_note(&world.app, &robot, number, &note, "c").await, Err(AppError::NotFound)));
    let notes = world.scalar("SELECT COUNT(*) FROM case_events WHERE kind = 'portal_note'", &[]).await;
    assert_eq!(notes, 1);
    world.finish().await;
}

/// Two servers on one database (PostgreSQL behind a load balancer): each caches portal reads for a few
/// seconds. A change shows at once on the instance that made it and on the other within the TTL.
#[tokio::test]
async fn a_second_instance_sees_changes_within_the_cache_lifetime() {
    use tagdesk_app::portal::cache::TTL_MS;
    let world = World::new().await;
    let other = App { clock: world.clock.clone(), ..App::new(world.db.store.clone()) };
    let visit = world.visit(&world.robot).await;
    let cookie = world.sign_in(world.north, PIN).await.session;
    let titles = |app: App| {
        let visit = visit.clone();
        async move {
            let recent = visit::recent_cases(&app, &visit).await.expect("recent");
            recent.iter().map(|c| c.title.clone()).collect::<Vec<_>>()
        }
    };
    // Both instances have read (and cached) the list and the session.
    assert!(titles(world.app.clone()).await.is_empty());
    assert!(titles(other.clone()).await.is_empty());
    assert!(session::validate(&other, &cookie, world.north).await.expect("validate"));

    world.staff_case(&world.robot, "Belt torn").await;
    world.configure(world.north, |s| s.pin = Some("7351".into())).await;
    assert_eq!(titles(world.app.clone()).await, ["Belt torn"], "at once where it was made");
    assert!(!session::validate(&world.app, &cookie, world.north).await.expect("validate"));
    assert!(titles(other.clone()).await.is_empty(), "the other instance still answers from its cache");
    assert!(session::validate(&other, &cookie, world.north).await.expect("validate"), "cached on the other");

    world.clock.advance_ms(TTL_MS);
    assert_eq!(titles(other.clone()).await, ["Belt torn"], "the other instance after the TTL");
    assert!(!session::validate(&other, &cookie, world.north).await.expect("validate"), "session ended there too");
    let TokenLookup::Active(seen) = visit::resolve(&other, visit.token.as_str()).await.expect("resolve") else {
        panic!("portal still on");
    };
    assert_eq!(seen.device.name, "Robot 1");
    world.finish().await;
}
