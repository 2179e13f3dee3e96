//! Devices use cases against a real database: SQLite by default, PostgreSQL when
//! `TAGDESK_TEST_POSTGRES_URL` is set (see `support/mod.rs`).

mod support;

use std::sync::Mutex;

use support::TestDb;
use tagdesk_app::devices::{self, DeviceInput, DeviceQuery, DeviceView, SERIAL_TAKEN};
use tagdesk_app::page::PageRequest;
use tagdesk_app::{Actor, App, AppError, AppResult, audit, auth};
use tagdesk_domain::{DeploymentId, DeploymentRole, DeviceId, UserId, WorkspaceId, WorkspaceRole};
use tagdesk_store::deployments::{self as store_deployments, DeploymentFields};
use tagdesk_store::{devices as store_devices, users, workspaces};

/// A workspace with an admin and two deployments, North and South.
struct World {
    db: TestDb,
    app: App,
    workspace: WorkspaceId,
    admin: Actor,
    north: DeploymentId,
    south: DeploymentId,
}

impl World {
    async fn new() -> Self {
        let db = TestDb::from_env().await;
        let app = App::new(db.store.clone());
        let workspace = add_workspace(&app).await;
        let admin = add_user(&app, workspace, WorkspaceRole::Admin, &[]).await;
        let north = add_deployment(&app, workspace, "North").await;
        let south = add_deployment(&app, workspace, "South").await;
        Self { db, app, workspace, admin, north, south }
    }

    async fn member(&self, roles: &[(DeploymentId, DeploymentRole)]) -> Actor {
        add_user(&self.app, self.workspace, WorkspaceRole::Member, roles).await
    }

    async fn create(&self, deployment: DeploymentId, name: &str, serial: &str, tags: &str) -> DeviceView {
        let input =
            DeviceInput { name: name.into(), serial_number: serial.into(), tags: tags.into(), ..input(deployment) };
        devices::create(&self.app, &self.admin, &input).await.expect("create device")
    }

    async fn names(&self, actor: &Actor, query: &DeviceQuery) -> Vec<String> {
        let page = PageRequest { cursor: None, limit: Some(200) };
        let page = devices::list(&self.app, actor, query, &page).await.expect("list devices");
        page.items.into_iter().map(|d| d.name).collect()
    }

    async fn finish(self) {
        self.db.finish().await;
    }
}

async fn add_workspace(app: &App) -> WorkspaceId {
    let id = WorkspaceId::new();
    let mut tx = app.store.begin().await.expect("begin");
    workspaces::insert(&mut tx, &id.to_string(), &format!("Workspace {id}"), app.now()).await.expect("workspace");
    tx.commit().await.expect("commit");
    id
}

async fn add_deployment(app: &App, workspace: WorkspaceId, name: &str) -> DeploymentId {
    let id = DeploymentId::new();
    let fields = DeploymentFields {
        name,
        address: "",
        timezone: "Europe/Berlin",
        language: "en",
        default_assignee_id: None,
        notification_emails: "",
    };
    let mut tx = app.store.begin().await.expect("begin");
    store_deployments::insert(&mut tx, &id.to_string(), &workspace.to_string(), &fields, app.now())
        .await
        .expect("deployment");
    tx.commit().await.expect("commit");
    id
}

/// A user with roles, as the web layer would load them.
async fn add_user(
    app: &App,
    workspace: WorkspaceId,
    role: WorkspaceRole,
    roles: &[(DeploymentId, DeploymentRole)],
) -> Actor {
    let id = UserId::new();
    let mut tx = app.store.begin().await.expect("begin");
    users::insert(
        &mut tx,
        &users::NewUser {
            id: &id.to_string(),
            workspace_id: &workspace.to_string(),
            email: &format!("{id}@example.com"),
            email_key: &format!("{id}@example.com"),
            display_name: &format!("User {}", role.as_str()),
            password_hash: "not used",
            workspace_role: role.as_str(),
            now: app.now(),
        },
    )
    .await
    .expect("user");
    for (deployment, role) in roles {
        users::set_role(&mut tx, &id.to_string(), &deployment.to_string(), role.as_str()).await.expect("role");
    }
    tx.commit().await.expect("commit");
    auth::actor_for_user(app, id).await.expect("load actor").expect("active user").0
}

fn input(deployment: DeploymentId) -> DeviceInput {
    DeviceInput { deployment_id: deployment.to_string(), ..DeviceInput::default() }
}

/// The messages of an invalid-input error for `field`; panics on anything else.
fn invalid<T: std::fmt::Debug>(result: AppResult<T>, field: &str) -> Vec<String> {
    match result {
        Err(AppError::Invalid(errors)) => {
            let messages: Vec<String> = errors.iter().filter(|e| e.field == field).map(|e| e.message.clone()).collect();
            assert!(!messages.is_empty(), "no error on {field}: {errors}");
            messages
        }
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}

fn is_not_found<T>(result: &AppResult<T>) -> bool {
    matches!(result, Err(AppError::NotFound))
}

fn is_forbidden<T>(result: &AppResult<T>) -> bool {
    matches!(result, Err(AppError::Forbidden(_)))
}

async fn audit_actions(world: &World) -> Vec<String> {
    let page = PageRequest { cursor: None, limit: Some(200) };
    let entries = audit::list(&world.app, &world.admin, &page).await.expect("audit log");
    entries.items.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn create_get_and_update() {
    let w = World::new().await;
    let new = DeviceInput {
        name: "  Welding robot 3 ".into(),
        serial_number: "SN-100".into(),
        manufacturer: "KUKA".into(),
        model: "KR 16".into(),
        tags: "Line 1, cobot, line 1".into(),
        notes: "Bay 4".into(),
        ..input(w.north)
    };
    let created = devices::create(&w.app, &w.admin, &new).await.expect("create");
    assert_eq!(created.name, "Welding robot 3");
    assert_eq!(created.deployment_id, w.north);
    assert_eq!(created.deployment_name, "North");
    assert_eq!(created.serial_number.as_deref(), Some("SN-100"));
    assert_eq!(created.tags, ["Line 1", "cobot"]);
    assert!(!created.archived);
    assert_eq!(devices::get(&w.app, &w.admin, created.id).await.expect("get"), created);

    let change = DeviceInput {
        name: "Welding robot 3b".into(),
        serial_number: " ".into(),
        tags: "spare".into(),
        deployment_id: w.south.to_string(), // ignored: moving is separate
        ..DeviceInput::from(&created)
    };
    let updated = devices::update(&w.app, &w.admin, created.id, &change).await.expect("update");
    assert_eq!(updated.name, "Welding robot 3b");
    assert_eq!(updated.serial_number, None);
    assert_eq!(updated.tags, ["spare"]);
    assert_eq!(updated.manufacturer, "KUKA");
    assert_eq!(updated.deployment_id, w.north);
    assert_eq!(devices::get(&w.app, &w.admin, created.id).await.expect("get"), updated);
    // Saving unchanged values writes nothing.
    let again = devices::update(&w.app, &w.admin, created.id, &DeviceInput::from(&updated)).await.expect("same");
    assert_eq!(again, updated);
    assert_eq!(audit_actions(&w).await.iter().filter(|a| a.starts_with("device.")).count(), 2);

    let bad = DeviceInput { name: " ".into(), notes: "x".repeat(10_001), ..input(w.north) };
    let result = devices::create(&w.app, &w.admin, &bad).await;
    assert_eq!(invalid(result, "name"), ["This field is required."]);
    let bad = DeviceInput { name: "x".repeat(201), notes: "x".repeat(10_001), ..input(w.north) };
    let result = devices::create(&w.app, &w.admin, &bad).await;
    assert!(matches!(&result, Err(AppError::Invalid(e)) if e.get("name").is_some() && e.get("notes").is_some()));
    let no_deployment = DeviceInput { name: "X".into(), ..DeviceInput::default() };
    let result = devices::create(&w.app, &w.admin, &no_deployment).await;
    assert_eq!(invalid(result, "deployment_id"), [devices::CHOOSE_DEPLOYMENT]);
    let unknown = DeviceInput { name: "X".into(), ..input(DeploymentId::new()) };
    let result = devices::create(&w.app, &w.admin, &unknown).await;
    assert_eq!(invalid(result, "deployment_id"), [devices::CHOOSE_DEPLOYMENT]);
    assert!(is_not_found(&devices::get(&w.app, &w.admin, DeviceId::new()).await));
    w.finish().await;
}

#[tokio::test]
async fn serial_numbers_are_unique_in_the_workspace_ignoring_case() {
    let w = World::new().await;
    let first = w.create(w.north, "A", "SN-1", "").await;
    let second = w.create(w.south, "B", "SN-2", "").await;

    let same = DeviceInput { name: "C".into(), serial_number: "sn-1".into(), ..input(w.south) };
    assert_eq!(invalid(devices::create(&w.app, &w.admin, &same).await, "serial_number"), [SERIAL_TAKEN]);
    let steal = DeviceInput { serial_number: "Sn-1".into(), ..DeviceInput::from(&second) };
    assert_eq!(invalid(devices::update(&w.app, &w.admin, second.id, &steal).await, "serial_number"), [SERIAL_TAKEN]);
    let keep = DeviceInput { name: "A2".into(), serial_number: "sn-1".into(), ..DeviceInput::from(&first) };
    let kept = devices::update(&w.app, &w.admin, first.id, &keep).await.expect("own serial in other case");
    assert_eq!(kept.serial_number.as_deref(), Some("sn-1"));

    // Another workspace may use the same serial.
    let other = add_workspace(&w.app).await;
    let other_admin = add_user(&w.app, other, WorkspaceRole::Admin, &[]).await;
    let other_site = add_deployment(&w.app, other, "North").await;
    let theirs = DeviceInput { name: "Theirs".into(), serial_number: "SN-1".into(), ..input(other_site) };
    devices::create(&w.app, &other_admin, &theirs).await.expect("same serial elsewhere");

    // The constraint behind the pre-check reports `serial` on this backend too, so a race between two
    // writers still ends in the same message.
    let mut tx = w.app.store.begin().await.expect("begin");
    let fields = store_devices::DeviceFields {
        name: "Racer",
        serial_number: Some("SN-2"),
        manufacturer: "",
        model: "",
        tags: &[],
        notes: "",
    };
    let err = store_devices::insert(
        &mut tx,
        &DeviceId::new().to_string(),
        &w.workspace.to_string(),
        &w.north.to_string(),
        &fields,
        0,
    )
    .await
    .expect_err("duplicate serial");
    assert!(err.is_unique_on("serial"), "unexpected error: {err}");
    drop(tx);
    w.finish().await;
}

#[tokio::test]
async fn rights_follow_deployment_roles() {
    let w = World::new().await;
    let device = w.create(w.north, "Press", "P-1", "").await;
    let viewer = w.member(&[(w.north, DeploymentRole::Viewer)]).await;
    let outsider = w.member(&[(w.south, DeploymentRole::Technician)]).await;
    let technician = w.member(&[(w.north, DeploymentRole::Technician)]).await;

    // A viewer reads but does not change.
    assert_eq!(devices::get(&w.app, &viewer, device.id).await.expect("viewer reads"), device);
    let new = DeviceInput { name: "New".into(), ..input(w.north) };
    assert!(is_forbidden(&devices::create(&w.app, &viewer, &new).await));
    assert!(is_forbidden(&devices::update(&w.app, &viewer, device.id, &DeviceInput::from(&device)).await));
    assert!(is_forbidden(&devices::archive(&w.app, &viewer, device.id).await));
    assert!(is_forbidden(&devices::import_csv(&w.app, &viewer, w.north, b"name\nX\n", &|_, _| {}).await));
    assert!(devices::export_csv(&w.app, &viewer, w.north).await.is_ok());
    assert_eq!(w.names(&viewer, &DeviceQuery::default()).await, ["Press"]);

    // A member without a role at North does not even see its devices.
    assert!(is_not_found(&devices::get(&w.app, &outsider, device.id).await));
    assert!(is_not_found(&devices::history(&w.app, &outsider, device.id).await));
    assert!(is_not_found(&devices::update(&w.app, &outsider, device.id, &DeviceInput::from(&device)).await));
    assert!(is_not_found(&devices::export_csv(&w.app, &outsider, w.north).await));
    assert!(is_not_found(&devices::import_csv(&w.app, &outsider, w.north, b"name\nX\n", &|_, _| {}).await));
    assert_eq!(invalid(devices::create(&w.app, &outsider, &new).await, "deployment_id"), [devices::CHOOSE_DEPLOYMENT]);
    assert!(w.names(&outsider, &DeviceQuery::default()).await.is_empty());
    let north_only = DeviceQuery { deployment_id: Some(w.north.to_string()), ..DeviceQuery::default() };
    assert!(w.names(&outsider, &north_only).await.is_empty());

    // A technician works.
    let created = devices::create(&w.app, &technician, &new).await.expect("technician creates");
    devices::archive(&w.app, &technician, created.id).await.expect("technician archives");

    // Another workspace sees nothing, not even with the right ids.
    let other = add_workspace(&w.app).await;
    let stranger = add_user(&w.app, other, WorkspaceRole::Admin, &[]).await;
    assert!(is_not_found(&devices::get(&w.app, &stranger, device.id).await));
    assert!(is_not_found(&devices::archive(&w.app, &stranger, device.id).await));
    assert!(is_not_found(&devices::move_to(&w.app, &stranger, device.id, w.south).await));
    assert!(is_not_found(&devices::export_csv(&w.app, &stranger, w.north).await));
    assert!(is_not_found(&devices::import_csv(&w.app, &stranger, w.north, b"name\nX\n", &|_, _| {}).await));
    assert_eq!(invalid(devices::create(&w.app, &stranger, &new).await, "deployment_id"), [devices::CHOOSE_DEPLOYMENT]);
    assert!(w.names(&stranger, &DeviceQuery::default()).await.is_empty());
    let system = Actor::system(other);
    assert!(is_not_found(&devices::get(&w.app, &system, device.id).await));
    w.finish().await;
}

#[tokio::test]
async fn lists_filter_and_page() {
    let w = World::new().await;
    w.create(w.north, "Robot A", "RA-1", "Cobot, line 1").await;
    let b = w.create(w.north, "Robot B", "", "line 2").await;
    w.create(w.south, "Press 100%", "P_1", "cobot").await;
    let d = w.create(w.south, "Conveyor", "", "line 1").await;
    w.create(w.north, "Forklift", "FL-9", "").await;
    let update = DeviceInput { manufacturer: "KUKA".into(), ..DeviceInput::from(&b) };
    devices::update(&w.app, &w.admin, b.id, &update).await.expect("update");
    devices::archive(&w.app, &w.admin, d.id).await.expect("archive");

    let all = DeviceQuery::default();
    assert_eq!(w.names(&w.admin, &all).await, ["Robot A", "Robot B", "Press 100%", "Forklift"]);
    let archived_too = DeviceQuery { include_archived: true, ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &archived_too).await, ["Robot A", "Robot B", "Press 100%", "Conveyor", "Forklift"]);
    let tag = DeviceQuery { tag: Some(" COBOT ".into()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &tag).await, ["Robot A", "Press 100%"]);
    let tag = DeviceQuery { tag: Some("line 1".into()), include_archived: true, ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &tag).await, ["Robot A", "Conveyor"]);
    let partial_tag = DeviceQuery { tag: Some("line".into()), ..DeviceQuery::default() };
    assert!(w.names(&w.admin, &partial_tag).await.is_empty());
    let text = DeviceQuery { text: Some("kuka".into()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &text).await, ["Robot B"]);
    let text = DeviceQuery { text: Some("ra-".into()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &text).await, ["Robot A"]);
    let wildcard = DeviceQuery { text: Some("%".into()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &wildcard).await, ["Press 100%"]);
    let underscore = DeviceQuery { text: Some("p_".into()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &underscore).await, ["Press 100%"]);
    let south = DeviceQuery { deployment_id: Some(w.south.to_string()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &south).await, ["Press 100%"]);
    let blank = DeviceQuery { deployment_id: Some(" ".into()), text: Some("".into()), ..DeviceQuery::default() };
    assert_eq!(w.names(&w.admin, &blank).await.len(), 4);
    let bad = DeviceQuery { deployment_id: Some("north".into()), ..DeviceQuery::default() };
    invalid(devices::list(&w.app, &w.admin, &bad, &PageRequest::default()).await, "deployment_id");
    let bad_cursor = PageRequest { cursor: Some("page-2".into()), limit: None };
    invalid(devices::list(&w.app, &w.admin, &all, &bad_cursor).await, "cursor");

    // Pages of two walk the whole list once, in order.
    let mut seen = Vec::new();
    let mut request = PageRequest { cursor: None, limit: Some(2) };
    let mut pages = 0;
    loop {
        let page = devices::list(&w.app, &w.admin, &archived_too, &request).await.expect("page");
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|d| d.name));
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, w.names(&w.admin, &archived_too).await);
    w.finish().await;
}

#[tokio::test]
async fn moving_needs_rights_on_both_sides_and_is_recorded() {
    let w = World::new().await;
    let device = w.create(w.north, "Lathe", "L-1", "").await;
    let north_only = w.member(&[(w.north, DeploymentRole::Technician)]).await;
    let south_viewer = w.member(&[(w.north, DeploymentRole::Technician), (w.south, DeploymentRole::Viewer)]).await;
    let north_viewer = w.member(&[(w.north, DeploymentRole::Viewer), (w.south, DeploymentRole::Technician)]).await;
    let both = w.member(&[(w.north, DeploymentRole::Technician), (w.south, DeploymentRole::Admin)]).await;

    let result = devices::move_to(&w.app, &north_only, device.id, w.south).await;
    assert_eq!(invalid(result, "deployment_id"), [devices::CHOOSE_DEPLOYMENT]);
    assert!(is_forbidden(&devices::move_to(&w.app, &south_viewer, device.id, w.south).await));
    assert!(is_forbidden(&devices::move_to(&w.app, &north_viewer, device.id, w.south).await));
    invalid(devices::move_to(&w.app, &both, device.id, w.north).await, "deployment_id");
    invalid(devices::move_to(&w.app, &both, device.id, DeploymentId::new()).await, "deployment_id");
    assert!(devices::history(&w.app, &w.admin, device.id).await.expect("history").is_empty());

    let moved = devices::move_to(&w.app, &both, device.id, w.south).await.expect("move");
    assert_eq!((moved.deployment_id, moved.deployment_name.as_str()), (w.south, "South"));
    assert_eq!(moved.serial_number, device.serial_number);
    devices::move_to(&w.app, &w.admin, device.id, w.north).await.expect("move back");
    let history = devices::history(&w.app, &both, device.id).await.expect("history");
    let steps: Vec<_> = history
        .iter()
        .map(|m| (m.from_deployment_name.as_str(), m.to_deployment_name.as_str(), m.moved_by_name.as_deref()))
        .collect();
    assert_eq!(steps, [("North", "South", Some("User member")), ("South", "North", Some("User admin"))]);
    assert_eq!(audit_actions(&w).await.iter().filter(|a| *a == "device.moved").count(), 2);
    w.finish().await;
}

#[tokio::test]
async fn archive_and_restore() {
    let w = World::new().await;
    let device = w.create(w.north, "Drill", "D-1", "").await;
    let archived = devices::archive(&w.app, &w.admin, device.id).await.expect("archive");
    assert!(archived.archived);
    assert!(devices::archive(&w.app, &w.admin, device.id).await.expect("archive again").archived);
    assert!(w.names(&w.admin, &DeviceQuery::default()).await.is_empty());
    assert!(devices::get(&w.app, &w.admin, device.id).await.expect("archived stays readable").archived);
    // An archived device still holds its serial number.
    let same = DeviceInput { name: "Drill 2".into(), serial_number: "d-1".into(), ..input(w.north) };
    invalid(devices::create(&w.app, &w.admin, &same).await, "serial_number");
    let restored = devices::restore(&w.app, &w.admin, device.id).await.expect("restore");
    assert!(!restored.archived);
    assert_eq!(w.names(&w.admin, &DeviceQuery::default()).await, ["Drill"]);
    let actions = audit_actions(&w).await;
    assert_eq!(actions.iter().filter(|a| *a == "device.archived").count(), 1);
    assert_eq!(actions.iter().filter(|a| *a == "device.restored").count(), 1);
    w.finish().await;
}

#[tokio::test]
async fn csv_export_imports_into_another_deployment() {
    let w = World::new().await;
    let tricky = DeviceInput {
        name: "Robot, \"big\"".into(),
        serial_number: "SN-1".into(),
        manufacturer: "Fanuc".into(),
        model: "M-20".into(),
        tags: "line 1, Cobot".into(),
        notes: "Two\nlines".into(),
        ..input(w.north)
    };
    devices::create(&w.app, &w.admin, &tricky).await.expect("create");
    w.create(w.north, "Café-Maschine", "", "").await;
    let old = w.create(w.north, "Retired", "SN-3", "").await;
    devices::archive(&w.app, &w.admin, old.id).await.expect("archive");
    w.create(w.south, "Elsewhere", "SN-4", "").await;

    let exported = devices::export_csv(&w.app, &w.admin, w.north).await.expect("export");
    assert!(exported.starts_with("name,serial_number,manufacturer,model,tags,notes\n"), "{exported}");
    assert!(exported.contains("\"Robot, \"\"big\"\"\",SN-1,Fanuc,M-20,\"line 1, Cobot\",\"Two\nlines\"\n"));
    assert!(!exported.contains("Retired") && !exported.contains("Elsewhere"));

    // Importing the same file again clashes with the serial numbers it came from.
    let clash = devices::import_csv(&w.app, &w.admin, w.south, exported.as_bytes(), &|_, _| {}).await;
    assert_eq!(
        invalid(clash, "file"),
        ["Line 2: serial number SN-1 is already used by another device in this workspace."]
    );

    let renumbered = exported.replace("SN-", "NEW-");
    let calls = Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| calls.lock().expect("lock").push((done, total));
    let report =
        devices::import_csv(&w.app, &w.admin, w.south, renumbered.as_bytes(), &progress).await.expect("import");
    assert_eq!(report.created, 2);
    assert_eq!(calls.lock().expect("lock").last(), Some(&(2, 2)));

    let south = DeviceQuery { deployment_id: Some(w.south.to_string()), ..DeviceQuery::default() };
    let page = devices::list(&w.app, &w.admin, &south, &PageRequest::default()).await.expect("list");
    let imported: Vec<_> = page.items.iter().filter(|d| d.name != "Elsewhere").collect();
    assert_eq!(imported.len(), 2);
    assert_eq!(imported[0].name, "Robot, \"big\"");
    assert_eq!(imported[0].serial_number.as_deref(), Some("NEW-1"));
    assert_eq!((imported[0].manufacturer.as_str(), imported[0].model.as_str()), ("Fanuc", "M-20"));
    assert_eq!(imported[0].tags, ["line 1", "Cobot"]);
    assert_eq!(imported[0].notes, "Two\nlines");
    assert_eq!((imported[1].name.as_str(), imported[1].serial_number.as_deref()), ("Café-Maschine", None));
    assert_eq!(audit_actions(&w).await.iter().filter(|a| *a == "devices.imported").count(), 1);

    // The round trip is stable: the new deployment exports what the old one did.
    let mut again = devices::export_csv(&w.app, &w.admin, w.south).await.expect("export south");
    again = again.replace("Elsewhere,SN-4,,,,\n", "");
    assert_eq!(again, renumbered);
    w.finish().await;
}

#[tokio::test]
async fn a_bad_row_stops_the_whole_import() {
    let w = World::new().await;
    w.create(w.north, "Existing", "EX-1", "").await;
    let file = "name,serial_number,tags\nA,A-1,x\nB,B-1,\n,C-1,\nD,a-1,\nE,ex-1,\n";
    let messages = invalid(devices::import_csv(&w.app, &w.admin, w.south, file.as_bytes(), &|_, _| {}).await, "file");
    assert_eq!(
        messages,
        [
            "Line 4: name: This field is required.",
            "Line 5: serial number a-1 is used twice in the file (first on line 2).",
            "Line 6: serial number ex-1 is already used by another device in this workspace.",
        ]
    );
    assert_eq!(
        w.names(&w.admin, &DeviceQuery { include_archived: true, ..DeviceQuery::default() }).await,
        ["Existing"]
    );

    // Rows with only blank cells (spreadsheets add them) are skipped; a row with anything in it is checked.
    let only_line_4 = "name,model\nA,x\n,\n ,z\nB,y\n";
    let messages =
        invalid(devices::import_csv(&w.app, &w.admin, w.south, only_line_4.as_bytes(), &|_, _| {}).await, "file");
    assert_eq!(messages, ["Line 4: name: This field is required."]);
    assert_eq!(w.names(&w.admin, &DeviceQuery::default()).await, ["Existing"]);
    w.finish().await;
}

async fn import(w: &World, bytes: &[u8]) -> AppResult<devices::ImportReport> {
    devices::import_csv(&w.app, &w.admin, w.north, bytes, &|_, _| {}).await
}

#[tokio::test]
async fn files_without_a_name_column_or_not_in_utf8_are_refused() {
    let w = World::new().await;

    let missing = invalid(import(&w, b"serial_number,model\nSN-1,X\n").await, "file");
    assert!(missing[0].starts_with("The header has no `name` column"), "{missing:?}");
    let unknown = invalid(import(&w, b"name,Colour,weight\nA,red,1\n").await, "file");
    assert!(unknown[0].starts_with("The header has unknown columns: `Colour`, `weight`."), "{unknown:?}");
    let latin1 = invalid(import(&w, b"name,notes\nCaf\xE9,ok\n").await, "file");
    assert!(latin1[0].starts_with("The file is not UTF-8 text (line 2)"), "{latin1:?}");
    let empty = invalid(import(&w, b"").await, "file");
    assert!(empty[0].starts_with("The file is empty"), "{empty:?}");

    // A byte-order mark, CRLF line ends, header case and spaces are fine.
    let report = import(&w, b"\xEF\xBB\xBFName , Serial Number\r\nCaf\xC3\xA9,S-1\r\n").await.expect("BOM is fine");
    assert_eq!(report.created, 1);
    assert_eq!(w.names(&w.admin, &DeviceQuery::default()).await, ["Café"]);
    w.finish().await;
}

#[tokio::test]
async fn large_imports_report_progress_and_keep_file_order() {
    let w = World::new().await;
    let mut file = String::from("name,serial_number\n");
    for n in 0..1_200 {
        file.push_str(&format!("Device {n:04},S-{n}\n"));
    }
    let calls = Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| calls.lock().expect("lock").push((done, total));
    let report = devices::import_csv(&w.app, &w.admin, w.north, file.as_bytes(), &progress).await.expect("import");
    assert_eq!(report.created, 1_200);
    assert_eq!(calls.into_inner().expect("lock"), [(0, 1_200), (500, 1_200), (1_000, 1_200), (1_200, 1_200)]);
    let names = w.names(&w.admin, &DeviceQuery::default()).await;
    assert_eq!(names.len(), 200);
    assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "creation order is file order");
    w.finish().await;
}

/// Web handlers and jobs run use cases on a multi-threaded runtime, so their futures must be `Send`.
#[tokio::test]
async fn use_case_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let w = World::new().await;
    let (app, actor) = (&w.app, &w.admin);
    let (input, query, page) = (DeviceInput::default(), DeviceQuery::default(), PageRequest::default());
    // Built, checked and dropped without running.
    assert_send(&devices::create(app, actor, &input));
    assert_send(&devices::update(app, actor, DeviceId::new(), &input));
    assert_send(&devices::list(app, actor, &query, &page));
    assert_send(&devices::move_to(app, actor, DeviceId::new(), w.south));
    assert_send(&devices::archive(app, actor, DeviceId::new()));
    assert_send(&devices::import_csv(app, actor, w.north, b"", &|_, _| {}));
    assert_send(&devices::export_csv(app, actor, w.north));
    w.finish().await;
}
