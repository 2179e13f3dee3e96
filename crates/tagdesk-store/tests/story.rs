//! One conformance story for the store, run against both backends: an SQLite temp file always, and a fresh
//! PostgreSQL database when `TAGDESK_TEST_POSTGRES_URL` is set (see `support/mod.rs`). The story uses only
//! the crate's public functions: create workspaces, users, deployments, devices, templates and cases; list,
//! filter, update and delete them; prove the constraints hold; then undo and redo the migrations.

mod support;

use std::time::{Duration, Instant};

use support::TestDb;
use tagdesk_store::api_keys::{self, NewApiKey};
use tagdesk_store::audit::{self, AuditRow};
use tagdesk_store::cases::{self, CaseFilter, NewCase, NewEvent};
use tagdesk_store::deployments::{self, DeploymentFields};
use tagdesk_store::devices::{self, DeviceFields, DeviceFilter, NewMove};
use tagdesk_store::sessions::{self, SessionRow};
use tagdesk_store::templates::{self, TemplateFields};
use tagdesk_store::users::{self, NewUser};
use tagdesk_store::{Backend, Conn, Store, StoreError, rate_limits, workspaces};

/// A fixed clock: 2023-11-14, in milliseconds.
const T0: i64 = 1_700_000_000_000;

#[tokio::test]
async fn story_on_sqlite() {
    let db = TestDb::sqlite().await;
    assert_eq!(db.store.backend(), Backend::Sqlite);
    story(&db.store).await;
    db.finish().await;
}

#[tokio::test]
async fn story_on_postgres() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let db = TestDb::postgres(&url).await;
    assert_eq!(db.store.backend(), Backend::Postgres);
    story(&db.store).await;
    let err = db.store.backup_sqlite(&std::env::temp_dir().join("never.db")).await.expect_err("no built-in backup");
    assert!(matches!(err, StoreError::UnsupportedUrl(ref why) if why.contains("pg_dump")), "{err:?}");
    db.finish().await;
}

#[tokio::test]
async fn sqlite_backup_of_an_open_store_opens_and_holds_the_data() {
    let db = TestDb::sqlite().await;
    let world = workspaces_and_users(&db.store).await;
    let dir = db.dir.as_ref().expect("sqlite temp dir");
    let target = dir.path().join("backup.db");

    db.store.backup_sqlite(&target).await.expect("backup while the store is open");

    let mut conn = db.store.read().await.expect("read");
    assert_eq!(users::count_all(&mut conn).await.expect("store still answers"), 2);
    drop(conn);
    let copy = Store::open_sqlite_file(&target).await.expect("open the backup");
    let mut conn = copy.read().await.expect("read backup");
    assert_eq!(users::count_all(&mut conn).await.expect("count users in backup"), 2);
    let admin = users::find_by_login_key(&mut conn, "a@example.com").await.expect("find").expect("admin in backup");
    assert_eq!(admin.id, world.admin);
    drop(conn);
    copy.migrate().await.expect("the backup is fully migrated already");
    copy.close().await;

    let err = db.store.backup_sqlite(&target).await.expect_err("an existing file is never overwritten");
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    db.finish().await;
}

#[tokio::test]
async fn unknown_url_schemes_are_refused() {
    let err = Backend::from_url("mysql://root:secret@localhost/tagdesk").expect_err("mysql is not supported");
    assert!(matches!(err, StoreError::UnsupportedUrl(ref url) if !url.contains("secret")), "{err:?}");
    let err = Store::connect("mysql://localhost/tagdesk").await.expect_err("connect refuses mysql");
    assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{err:?}");
    assert!(err.to_string().contains("unsupported database URL scheme"), "{err}");
}

#[tokio::test]
async fn unreachable_postgres_is_an_error_not_a_hang() {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(20), Store::connect("postgres://nobody@127.0.0.1:1/x"))
        .await
        .expect("connecting gives up by itself");
    let err = result.expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Unreachable { backend: "PostgreSQL", .. }), "{err:?}");
    assert!(err.to_string().contains("PostgreSQL"), "{err}");
    assert!(
        std::error::Error::source(&err).is_none(),
        "the reason is in the message, so `{{:#}}` shows it once: {err}"
    );
    assert!(err.to_string().contains("refused"), "the driver's reason is kept: {err}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

/// The story, written once for both backends.
async fn story(store: &Store) {
    let mut world = workspaces_and_users(store).await;
    deployments_story(store, &mut world).await;
    let devices = devices_story(store, &world).await;
    let template = templates_story(store, &world).await;
    cases_story(store, &world, &devices, &template).await;
    deleting_deployments(store, &world).await;
    api_keys_story(store, &world).await;
    sessions_story(store, &world).await;
    rate_limits_story(store).await;
    audit_story(store, &world).await;
    migrations_are_reversible(store).await;
}

/// Ids the chapters of the story share.
struct World {
    acme: String,
    other: String,
    admin: String,
    bea: String,
    plant: String,
    office: String,
    /// "Plant" of the other workspace.
    other_plant: String,
}

/// Devices created by [`devices_story`].
struct Devices {
    press1: String,
    press2: String,
}

/// A new time-ordered id, as the application makes them.
fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Runs `f` in a write transaction: committed when it succeeds, rolled back when it fails (on PostgreSQL a
/// failed statement spoils the rest of its transaction).
async fn write<T>(store: &Store, f: impl AsyncFnOnce(&mut Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
    let mut tx = store.begin().await.expect("begin");
    match f(&mut tx).await {
        Ok(value) => {
            tx.commit().await.expect("commit");
            Ok(value)
        }
        Err(err) => {
            tx.rollback().await.expect("rollback");
            Err(err)
        }
    }
}

/// Runs `f` on a read connection.
async fn read<T>(store: &Store, f: impl AsyncFnOnce(&mut Conn) -> Result<T, StoreError>) -> T {
    let mut conn = store.read().await.expect("read connection");
    f(&mut conn).await.expect("read")
}

/// A CHECK constraint violation, which the store reports as a plain database error.
fn is_check_violation(err: &StoreError) -> bool {
    matches!(err, StoreError::Database(tagdesk_store::sqlx::Error::Database(db)) if db.is_check_violation())
}

/// A user row; the login key is the email in lower case (the app computes it with `Email::login_key`).
fn new_user<'a>(
    id: &'a str,
    workspace_id: &'a str,
    (email, email_key): (&'a str, &'a str),
    name: &'a str,
    role: &'a str,
) -> NewUser<'a> {
    NewUser {
        id,
        workspace_id,
        email,
        email_key,
        display_name: name,
        password_hash: "$argon2id$not-a-real-hash",
        workspace_role: role,
        now: T0,
    }
}

async fn workspaces_and_users(store: &Store) -> World {
    let (acme, other) = (id(), id());
    write(store, async |c| {
        workspaces::insert(c, &acme, "Acme", T0).await?;
        workspaces::insert(c, &other, "Other", T0).await
    })
    .await
    .expect("insert workspaces");
    let err = write(store, async |c| workspaces::insert(c, &id(), "ACME", T0).await)
        .await
        .expect_err("workspace names are unique ignoring case");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("name"), "{err:?}");
    let found = read(store, async |c| workspaces::find_by_name(c, "acme").await).await.expect("Acme by name");
    assert_eq!((found.id.as_str(), found.name.as_str()), (acme.as_str(), "Acme"));
    assert!(read(store, async |c| workspaces::get(c, &id()).await).await.is_none());

    // Case numbers: sequential per workspace; a rolled-back number is handed out again.
    let numbers = write(store, async |c| {
        let mut numbers = Vec::new();
        for _ in 0..3 {
            numbers.push(workspaces::take_case_number(c, &acme).await?);
        }
        numbers.push(workspaces::take_case_number(c, &other).await?);
        Ok(numbers)
    })
    .await
    .expect("take case numbers");
    assert_eq!(numbers, [1, 2, 3, 1]);
    write(store, async |c| {
        assert_eq!(workspaces::take_case_number(c, &acme).await?, 4);
        Err::<(), _>(StoreError::corrupt("roll back on purpose"))
    })
    .await
    .expect_err("rolled back");
    assert_eq!(write(store, async |c| workspaces::take_case_number(c, &acme).await).await.expect("take"), 4);
    write(store, async |c| workspaces::take_case_number(c, &id()).await).await.expect_err("no such workspace");

    // Users: login keys (emails in lower case) are unique across the installation.
    let (admin, bea) = (id(), id());
    write(store, async |c| {
        users::insert(c, &new_user(&bea, &acme, ("bea@example.com", "bea@example.com"), "bea Member", "member"))
            .await?;
        users::insert(c, &new_user(&admin, &acme, ("a@example.com", "a@example.com"), "Ada Admin", "admin")).await
    })
    .await
    .expect("insert users");
    let err = write(store, async |c| {
        users::insert(c, &new_user(&id(), &other, ("A@Example.COM", "a@example.com"), "Copy", "member")).await
    })
    .await
    .expect_err("duplicate email ignoring case");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("email"), "{err:?}");
    let err = write(store, async |c| {
        users::insert(c, &new_user(&id(), &acme, ("o@example.com", "o@example.com"), "Owner", "owner")).await
    })
    .await
    .expect_err("unknown workspace role");
    assert!(is_check_violation(&err), "{err:?}");
    let err = write(store, async |c| {
        users::insert(c, &new_user(&id(), &id(), ("n@example.com", "n@example.com"), "Nowhere", "member")).await
    })
    .await
    .expect_err("unknown workspace");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");

    let found = read(store, async |c| users::find_by_login_key(c, "a@example.com").await).await.expect("by email");
    assert_eq!(found.id, admin);
    assert!(found.is_active());
    let listed = read(store, async |c| users::list(c, &acme).await).await;
    assert_eq!(listed.iter().map(|u| u.display_name.as_str()).collect::<Vec<_>>(), ["Ada Admin", "bea Member"]);
    assert!(read(store, async |c| users::list(c, &other).await).await.is_empty());
    assert_eq!(read(store, async |c| users::count_all(c).await).await, 2);

    write(store, async |c| users::update(c, &bea, "Bea Tech", "admin", false).await).await.expect("update");
    let updated = read(store, async |c| users::get(c, &bea).await).await.expect("bea");
    assert_eq!((updated.display_name.as_str(), updated.workspace_role.as_str()), ("Bea Tech", "admin"));
    assert!(!updated.is_active());
    assert_eq!(read(store, async |c| users::count_other_active_admins(c, &acme, &admin).await).await, 0);
    write(store, async |c| users::update(c, &bea, "Bea Tech", "member", true).await).await.expect("update");
    assert_eq!(read(store, async |c| users::count_other_active_admins(c, &acme, &bea).await).await, 1);
    write(store, async |c| users::set_password_hash(c, &bea, "$argon2id$new").await).await.expect("set hash");
    assert_eq!(read(store, async |c| users::get(c, &bea).await).await.expect("bea").password_hash, "$argon2id$new");

    World { acme, other, admin, bea, plant: String::new(), office: String::new(), other_plant: String::new() }
}

fn site(name: &str) -> DeploymentFields<'_> {
    DeploymentFields {
        name,
        address: "",
        timezone: "Europe/Berlin",
        language: "en",
        default_assignee_id: None,
        notification_emails: "",
    }
}

async fn deployments_story(store: &Store, world: &mut World) {
    let (plant, office, other_plant) = (id(), id(), id());
    write(store, async |c| {
        deployments::insert(c, &plant, &world.acme, &site("Plant"), T0).await?;
        deployments::insert(c, &office, &world.acme, &site("Office"), T0).await?;
        // The same name in another workspace is fine.
        deployments::insert(c, &other_plant, &world.other, &site("Plant"), T0).await
    })
    .await
    .expect("insert deployments");
    let err = write(store, async |c| deployments::insert(c, &id(), &world.acme, &site("PLANT"), T0).await)
        .await
        .expect_err("duplicate deployment name in a workspace");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("name"), "{err:?}");
    let err = write(store, async |c| deployments::insert(c, &id(), &id(), &site("Lost"), T0).await)
        .await
        .expect_err("unknown workspace");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");
    let ghost = id();
    let err = write(store, async |c| {
        deployments::insert(
            c,
            &id(),
            &world.acme,
            &DeploymentFields { default_assignee_id: Some(&ghost), ..site("Ghost") },
            T0,
        )
        .await
    })
    .await
    .expect_err("unknown default assignee");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");

    let fields = DeploymentFields {
        address: "Main Street 1",
        language: "de",
        default_assignee_id: Some(&world.admin),
        notification_emails: "a@example.com\nb@example.com",
        ..site("Office")
    };
    write(store, async |c| deployments::update(c, &office, &fields, T0 + 10).await).await.expect("update office");
    let got = read(store, async |c| deployments::get(c, &world.acme, &office).await).await.expect("office");
    assert_eq!(got.address, "Main Street 1");
    assert_eq!(got.language, "de");
    assert_eq!(got.default_assignee_name.as_deref(), Some("Ada Admin"));
    assert_eq!(got.notification_emails, "a@example.com\nb@example.com");
    assert_eq!((got.created_at, got.updated_at), (T0, T0 + 10));
    assert!(read(store, async |c| deployments::get(c, &world.other, &office).await).await.is_none());

    let names = |rows: Vec<deployments::DeploymentRow>| rows.into_iter().map(|d| d.name).collect::<Vec<_>>();
    let all = read(store, async |c| deployments::list(c, &world.acme, None, None, 10).await).await;
    assert_eq!(names(all), ["Plant", "Office"], "creation (id) order, so cursors are stable");
    let first = read(store, async |c| deployments::list(c, &world.acme, None, None, 1).await).await;
    assert_eq!(names(first), ["Plant"]);
    let after = read(store, async |c| deployments::list(c, &world.acme, None, Some(&plant), 10).await).await;
    assert_eq!(names(after), ["Office"], "continues in id order after Plant");

    // Roles: set, replace, filter by membership, remove; unknown roles are refused.
    write(store, async |c| users::set_role(c, &world.bea, &plant, "technician").await).await.expect("set role");
    write(store, async |c| users::set_role(c, &world.bea, &plant, "viewer").await).await.expect("replace role");
    let mine = read(store, async |c| deployments::list(c, &world.acme, Some(&world.bea), None, 10).await).await;
    assert_eq!(names(mine), ["Plant"]);
    let roles = read(store, async |c| users::roles_of_user(c, &world.bea).await).await;
    assert_eq!(roles.len(), 1);
    assert_eq!((roles[0].deployment_name.as_str(), roles[0].role.as_str()), ("Plant", "viewer"));
    assert_eq!(read(store, async |c| users::roles_in_workspace(c, &world.acme).await).await.len(), 1);
    assert!(read(store, async |c| users::roles_in_workspace(c, &world.other).await).await.is_empty());
    let err = write(store, async |c| users::set_role(c, &world.bea, &office, "boss").await)
        .await
        .expect_err("unknown deployment role");
    assert!(is_check_violation(&err), "{err:?}");
    write(store, async |c| users::remove_role(c, &world.bea, &plant).await).await.expect("remove role");
    assert!(read(store, async |c| users::roles_of_user(c, &world.bea).await).await.is_empty());

    // The CLI finds deployments by name or id, optionally within a named workspace.
    let pairs = read(store, async |c| deployments::resolve(c, Some("ACME"), "plant").await).await;
    assert_eq!(pairs, [(world.acme.clone(), plant.clone())]);
    assert_eq!(read(store, async |c| deployments::resolve(c, None, "Plant").await).await.len(), 2);
    assert_eq!(read(store, async |c| deployments::resolve(c, None, &office).await).await.len(), 1);
    assert!(read(store, async |c| deployments::resolve(c, Some("Other"), "Office").await).await.is_empty());

    world.plant = plant;
    world.office = office;
    world.other_plant = other_plant;
}

fn machine<'a>(name: &'a str, serial: Option<&'a str>, tags: &'a [String]) -> DeviceFields<'a> {
    DeviceFields { name, serial_number: serial, manufacturer: "", model: "", tags, notes: "" }
}

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|t| (*t).to_owned()).collect()
}

async fn devices_story(store: &Store, world: &World) -> Devices {
    let (press1, press2, printer) = (id(), id(), id());
    let (line_a, line_b, none) = (tags(&["Line A", "Hydraulic"]), tags(&["line b"]), tags(&[]));
    write(store, async |c| {
        let press = DeviceFields { manufacturer: "Bosch", model: "X1", ..machine("Press 1", Some("SN-100"), &line_a) };
        devices::insert(c, &press1, &world.acme, &world.plant, &press, T0).await?;
        devices::insert(c, &press2, &world.acme, &world.plant, &machine("Press 2", None, &line_b), T0 + 1).await?;
        // Any number of devices may lack a serial number.
        devices::insert(c, &printer, &world.acme, &world.office, &machine("Printer 50%", None, &none), T0 + 2).await
    })
    .await
    .expect("insert devices");
    let err = write(store, async |c| {
        devices::insert(c, &id(), &world.acme, &world.office, &machine("Copy", Some("sn-100"), &none), T0).await
    })
    .await
    .expect_err("duplicate serial in a workspace, ignoring case");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("serial"), "{err:?}");
    write(store, async |c| {
        devices::insert(c, &id(), &world.other, &world.other_plant, &machine("Twin", Some("SN-100"), &none), T0).await
    })
    .await
    .expect("the same serial in another workspace");
    let err = write(store, async |c| {
        devices::insert(c, &id(), &world.acme, &id(), &machine("Lost", Some("SN-999"), &none), T0).await
    })
    .await
    .expect_err("device in an unknown deployment");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");

    let list = async |filter: DeviceFilter<'_>| -> Vec<String> {
        let rows = read(store, async |c| devices::list(c, &DeviceFilter { limit: 50, ..filter }).await).await;
        rows.into_iter().map(|d| d.name).collect()
    };
    let acme = DeviceFilter { workspace_id: &world.acme, ..DeviceFilter::default() };
    assert_eq!(list(acme.clone()).await, ["Press 1", "Press 2", "Printer 50%"]);
    assert_eq!(list(DeviceFilter { deployment_id: Some(&world.plant), ..acme.clone() }).await, ["Press 1", "Press 2"]);
    assert_eq!(list(DeviceFilter { tag: Some("line a"), ..acme.clone() }).await, ["Press 1"]);
    assert!(list(DeviceFilter { tag: Some("line"), ..acme.clone() }).await.is_empty(), "tags match whole");
    assert_eq!(list(DeviceFilter { text: Some("BOSCH"), ..acme.clone() }).await, ["Press 1"]);
    assert_eq!(list(DeviceFilter { text: Some("sn-1"), ..acme.clone() }).await, ["Press 1"]);
    assert_eq!(list(DeviceFilter { text: Some("50%"), ..acme.clone() }).await, ["Printer 50%"]);
    assert!(list(DeviceFilter { text: Some("_"), ..acme.clone() }).await.is_empty(), "LIKE wildcards are escaped");
    let page = read(store, async |c| devices::list(c, &DeviceFilter { limit: 2, ..acme.clone() }).await).await;
    assert_eq!(page.len(), 2);
    assert_eq!(list(DeviceFilter { after: Some(&page[1].id), ..acme.clone() }).await, ["Printer 50%"]);
    assert!(list(DeviceFilter { member: Some(&world.bea), ..acme.clone() }).await.is_empty());
    let others = DeviceFilter { workspace_id: &world.other, ..DeviceFilter::default() };
    assert_eq!(list(others).await, ["Twin"]);

    let retagged = tags(&["Line A"]);
    let fields = DeviceFields { notes: "rebuilt", ..machine("Press 2", Some("SN-200"), &retagged) };
    write(store, async |c| devices::update(c, &press2, &fields, T0 + 20).await).await.expect("update device");
    let got = read(store, async |c| devices::find_by_serial(c, &world.acme, "sn-200").await).await.expect("by serial");
    assert_eq!((got.id.as_str(), got.notes.as_str(), got.updated_at), (press2.as_str(), "rebuilt", T0 + 20));
    assert_eq!(got.tag_list(), ["Line A"]);
    assert!(read(store, async |c| devices::find_by_serial(c, &world.other, "sn-200").await).await.is_none());
    let err =
        write(store, async |c| devices::update(c, &press2, &machine("Press 2", Some("Sn-100"), &retagged), T0).await)
            .await
            .expect_err("updating to a taken serial");
    assert!(err.is_unique_on("serial"), "{err:?}");

    // Archive and restore.
    write(store, async |c| devices::set_archived(c, &press2, Some(T0 + 30), T0 + 30).await).await.expect("archive");
    assert_eq!(list(acme.clone()).await, ["Press 1", "Printer 50%"]);
    assert_eq!(list(DeviceFilter { include_archived: true, ..acme.clone() }).await.len(), 3);
    let plant = read(store, async |c| deployments::get(c, &world.acme, &world.plant).await).await.expect("plant");
    assert_eq!(plant.device_count, 1, "archived devices are not counted");
    write(store, async |c| devices::set_archived(c, &press2, None, T0 + 31).await).await.expect("restore");
    assert_eq!(read(store, async |c| devices::get(c, &world.acme, &press2).await).await.expect("p2").archived_at, None);

    // Moves are recorded with the deployments' names.
    let mv = NewMove {
        id: &id(),
        device_id: &printer,
        from: (&world.office, "Office"),
        to: (&world.plant, "Plant"),
        moved_by: Some(&world.admin),
        now: T0 + 40,
    };
    write(store, async |c| devices::move_to(c, &mv).await).await.expect("move");
    let moved = read(store, async |c| devices::get(c, &world.acme, &printer).await).await.expect("printer");
    assert_eq!(moved.deployment_name, "Plant");
    let moves = read(store, async |c| devices::moves(c, &printer).await).await;
    assert_eq!(moves.len(), 1);
    assert_eq!(
        (
            moves[0].from_deployment_name.as_str(),
            moves[0].to_deployment_name.as_str(),
            moves[0].moved_by_name.as_deref()
        ),
        ("Office", "Plant", Some("Ada Admin"))
    );
    let mut serials = read(store, async |c| devices::serial_numbers(c, &world.acme).await).await;
    serials.sort();
    assert_eq!(serials, ["SN-100", "SN-200"]);

    Devices { press1, press2 }
}

fn form<'a>(name: &'a str, fields_json: &'a str, used_keys: &'a str) -> TemplateFields<'a> {
    TemplateFields {
        name,
        title: "Something broke",
        case_type: "repair",
        description: "",
        solution_suggestion: "Turn it off and on again.",
        fields_json,
        used_keys,
    }
}

async fn templates_story(store: &Store, world: &World) -> String {
    let (repair, inspection) = (id(), id());
    let json = r#"[{"key":"hours","label":"Operating hours","kind":"number","required":false}]"#;
    write(store, async |c| {
        templates::insert(c, &repair, &world.acme, &form("Repair", json, "hours"), T0).await?;
        templates::insert(c, &inspection, &world.acme, &form("Inspection", "[]", ""), T0).await?;
        templates::insert(c, &id(), &world.other, &form("Repair", "[]", ""), T0).await
    })
    .await
    .expect("insert templates");
    let err = write(store, async |c| templates::insert(c, &id(), &world.acme, &form("REPAIR", "[]", ""), T0).await)
        .await
        .expect_err("duplicate template name");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("name"), "{err:?}");

    let names = |rows: Vec<templates::TemplateRow>| rows.into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(
        names(read(store, async |c| templates::list(c, &world.acme, false).await).await),
        ["Inspection", "Repair"]
    );
    write(store, async |c| templates::set_active(c, &inspection, false, T0 + 1).await).await.expect("deactivate");
    assert_eq!(names(read(store, async |c| templates::list(c, &world.acme, true).await).await), ["Repair"]);
    assert_eq!(
        names(read(store, async |c| templates::list(c, &world.acme, false).await).await),
        ["Repair", "Inspection"],
        "active templates first"
    );
    write(store, async |c| templates::update(c, &repair, &form("Repair request", json, "hours,old"), T0 + 2).await)
        .await
        .expect("update template");
    let got = read(store, async |c| templates::get(c, &world.acme, &repair).await).await.expect("template");
    assert_eq!(
        (got.name.as_str(), got.used_keys.as_str(), got.fields_json.as_str()),
        ("Repair request", "hours,old", json)
    );
    assert!(got.is_active());
    assert!(read(store, async |c| templates::get(c, &world.other, &repair).await).await.is_none());
    repair
}

#[expect(clippy::too_many_arguments, reason = "a test helper that reads like a table row")]
fn ticket<'a>(
    id: &'a str,
    workspace_id: &'a str,
    number: i64,
    deployment_id: &'a str,
    device_id: Option<&'a str>,
    title: &'a str,
    origin: &'a str,
    assignee_id: Option<&'a str>,
) -> NewCase<'a> {
    NewCase {
        id,
        workspace_id,
        number,
        deployment_id,
        device_id,
        template_id: None,
        title,
        description: "Reported by the night shift.",
        case_type: "repair",
        origin,
        field_values_json: "{}",
        fields_json: "[]",
        solution_suggestion: "",
        reporter_name: "Rita Reporter",
        reporter_email: "rita@example.com",
        reporter_phone: "",
        assignee_id,
        created_by: None,
        now: T0,
    }
}

async fn cases_story(store: &Store, world: &World, devices: &Devices, template: &str) {
    let (c1, c2, c3) = (id(), id(), id());
    let (acme, plant, office) = (world.acme.as_str(), world.plant.as_str(), world.office.as_str());
    let [n1, n2, n3] = write(store, async |c| {
        let n1 = workspaces::take_case_number(c, acme).await?;
        let first = ticket(&c1, acme, n1, plant, Some(&devices.press1), "Press leaks oil", "portal", None);
        cases::insert(c, &NewCase { template_id: Some(template), ..first }).await?;
        let n2 = workspaces::take_case_number(c, acme).await?;
        cases::insert(c, &ticket(&c2, acme, n2, plant, None, "Noise", "staff", Some(&world.admin))).await?;
        let n3 = workspaces::take_case_number(c, acme).await?;
        cases::insert(c, &ticket(&c3, acme, n3, office, None, "Printer jam", "api", None)).await?;
        Ok([n1, n2, n3])
    })
    .await
    .expect("insert cases");
    assert_eq!([n2, n3], [n1 + 1, n1 + 2], "case numbers are sequential");

    // Numbers are unique per workspace.
    let err =
        write(store, async |c| cases::insert(c, &ticket(&id(), acme, n1, plant, None, "Dup", "staff", None)).await)
            .await
            .expect_err("duplicate case number");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("number"), "{err:?}");
    let other_id = id();
    let other = ticket(&other_id, &world.other, n1, &world.other_plant, None, "Same number elsewhere", "staff", None);
    write(store, async |c| cases::insert(c, &other).await).await.expect("the same number in another workspace");
    let err =
        write(store, async |c| cases::insert(c, &ticket(&id(), acme, 900, &id(), None, "Lost", "staff", None)).await)
            .await
            .expect_err("case in an unknown deployment");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");
    let ghost = id();
    let err = write(store, async |c| {
        cases::insert(c, &ticket(&id(), acme, 901, plant, Some(&ghost), "Lost device", "staff", None)).await
    })
    .await
    .expect_err("case for an unknown device");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");
    let err =
        write(store, async |c| cases::insert(c, &ticket(&id(), acme, 902, plant, None, "Mail", "email", None)).await)
            .await
            .expect_err("unknown origin");
    assert!(is_check_violation(&err), "{err:?}");
    let err = write(store, async |c| cases::set_status(c, &c1, "closed", T0 + 1).await)
        .await
        .expect_err("status outside open/resolved/archived");
    assert!(is_check_violation(&err), "{err:?}");

    // Listing and filtering, newest first.
    let list = async |filter: CaseFilter<'_>| -> Vec<i64> {
        let limit = if filter.limit == 0 { 50 } else { filter.limit };
        let rows = read(store, async |c| cases::list(c, &CaseFilter { limit, ..filter }).await).await;
        rows.into_iter().map(|row| row.number).collect()
    };
    let all = CaseFilter { workspace_id: acme, ..CaseFilter::default() };
    assert_eq!(list(all.clone()).await, [n3, n2, n1]);
    assert_eq!(list(CaseFilter { status: Some("open"), ..all.clone() }).await, [n3, n2, n1]);
    assert_eq!(list(CaseFilter { deployment_id: Some(plant), ..all.clone() }).await, [n2, n1]);
    assert_eq!(list(CaseFilter { device_id: Some(&devices.press1), ..all.clone() }).await, [n1]);
    assert_eq!(list(CaseFilter { origin: Some("portal"), ..all.clone() }).await, [n1]);
    assert_eq!(list(CaseFilter { assignee_id: Some(None), ..all.clone() }).await, [n3, n1]);
    assert_eq!(list(CaseFilter { assignee_id: Some(Some(&world.admin)), ..all.clone() }).await, [n2]);
    assert_eq!(list(CaseFilter { text: Some("LEAKS"), ..all.clone() }).await, [n1]);
    let by_number = format!("#{n2}");
    assert_eq!(list(CaseFilter { text: Some(&by_number), ..all.clone() }).await, [n2]);
    assert_eq!(list(CaseFilter { text: Some("night shift"), ..all.clone() }).await, [n3, n2, n1]);
    assert_eq!(list(CaseFilter { before_number: Some(n3), limit: 1, ..all.clone() }).await, [n2]);
    assert!(list(CaseFilter { member: Some(&world.bea), ..all.clone() }).await.is_empty());
    write(store, async |c| users::set_role(c, &world.bea, plant, "technician").await).await.expect("role");
    assert_eq!(list(CaseFilter { member: Some(&world.bea), ..all.clone() }).await, [n2, n1]);

    // Changes.
    assert!(
        write(store, async |c| cases::set_status_from(c, &c1, "open", "resolved", T0 + 2).await).await.expect("move")
    );
    assert!(
        !write(store, async |c| cases::set_status_from(c, &c1, "open", "archived", T0 + 3).await).await.expect("stale"),
        "a stale transition changes nothing"
    );
    assert_eq!(list(CaseFilter { status: Some("resolved"), ..all.clone() }).await, [n1]);
    write(store, async |c| {
        cases::set_assignee(c, &c1, Some(&world.bea), T0 + 4).await?;
        cases::set_solution(c, &c1, "Replaced the seal.", T0 + 5).await?;
        cases::set_details(c, &c1, "Press 1 leaks oil", "Big puddle.", "maintenance", T0 + 6).await?;
        cases::set_status(c, &c3, "archived", T0 + 7).await?;
        cases::touch(c, &c2, T0 + 8).await
    })
    .await
    .expect("update cases");
    let got = read(store, async |c| cases::get(c, acme, &c1).await).await.expect("case 1");
    assert_eq!(got.number, n1);
    assert_eq!(
        (got.title.as_str(), got.description.as_str(), got.case_type.as_str()),
        ("Press 1 leaks oil", "Big puddle.", "maintenance")
    );
    assert_eq!((got.status.as_str(), got.solution.as_str()), ("resolved", "Replaced the seal."));
    assert_eq!(got.deployment_name, "Plant");
    assert_eq!((got.device_name.as_deref(), got.device_serial.as_deref()), (Some("Press 1"), Some("SN-100")));
    assert_eq!(got.template_name.as_deref(), Some("Repair request"));
    assert_eq!(got.assignee_name.as_deref(), Some("Bea Tech"));
    assert_eq!((got.created_at, got.updated_at), (T0, T0 + 6));
    assert_eq!(read(store, async |c| cases::get(c, acme, &c2).await).await.expect("case 2").updated_at, T0 + 8);
    assert!(read(store, async |c| cases::get(c, &world.other, &c1).await).await.is_none());

    // The timeline, oldest first.
    let (e1, e2) = (id(), id());
    write(store, async |c| {
        let event = NewEvent {
            id: &e1,
            case_id: &c1,
            kind: "created",
            actor_user_id: None,
            actor_label: "Rita Reporter",
            body: "",
            public: true,
            now: T0,
        };
        cases::insert_event(c, &event).await?;
        let note = NewEvent {
            id: &e2,
            kind: "comment",
            actor_user_id: Some(&world.admin),
            body: "internal",
            public: false,
            ..event
        };
        cases::insert_event(c, &note).await
    })
    .await
    .expect("insert events");
    let events = read(store, async |c| cases::events(c, &c1).await).await;
    assert_eq!(
        events.iter().map(|e| (e.kind.as_str(), e.is_public())).collect::<Vec<_>>(),
        [("created", true), ("comment", false)]
    );
    let ghost = id();
    let err = write(store, async |c| {
        let event = NewEvent {
            id: &id(),
            case_id: &ghost,
            kind: "comment",
            actor_user_id: None,
            actor_label: "",
            body: "",
            public: false,
            now: T0,
        };
        cases::insert_event(c, &event).await
    })
    .await
    .expect_err("event of an unknown case");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");

    assert_eq!(read(store, async |c| cases::count_for_device(c, &devices.press1).await).await, 1);
    assert_eq!(read(store, async |c| cases::count_for_device(c, &devices.press2).await).await, 0);
    let plant_row = read(store, async |c| deployments::get(c, acme, plant).await).await.expect("plant");
    assert_eq!(plant_row.open_case_count, 1);
    assert_eq!(read(store, async |c| deployments::blockers(c, plant).await).await, (3, 1));
    assert_eq!(read(store, async |c| deployments::blockers(c, office).await).await, (0, 0));
}

async fn deleting_deployments(store: &Store, world: &World) {
    // An empty deployment goes with its closed cases, their timelines and its roles.
    let (temp, case, event) = (id(), id(), id());
    write(store, async |c| {
        deployments::insert(c, &temp, &world.acme, &site("Temporary"), T0).await?;
        let number = workspaces::take_case_number(c, &world.acme).await?;
        cases::insert(c, &ticket(&case, &world.acme, number, &temp, None, "Done", "staff", None)).await?;
        cases::set_status(c, &case, "resolved", T0).await?;
        let note = NewEvent {
            id: &event,
            case_id: &case,
            kind: "comment",
            actor_user_id: None,
            actor_label: "",
            body: "",
            public: false,
            now: T0,
        };
        cases::insert_event(c, &note).await?;
        users::set_role(c, &world.bea, &temp, "viewer").await
    })
    .await
    .expect("a deployment to delete");
    assert_eq!(read(store, async |c| deployments::blockers(c, &temp).await).await, (0, 0));
    write(store, async |c| deployments::delete(c, &temp).await).await.expect("delete deployment");
    assert!(read(store, async |c| deployments::get(c, &world.acme, &temp).await).await.is_none());
    assert!(read(store, async |c| cases::get(c, &world.acme, &case).await).await.is_none());
    assert!(read(store, async |c| cases::events(c, &case).await).await.is_empty());
    let roles = read(store, async |c| users::roles_of_user(c, &world.bea).await).await;
    assert_eq!(roles.iter().map(|r| r.deployment_name.as_str()).collect::<Vec<_>>(), ["Plant"]);

    // Devices still point at Plant: the database refuses, and the whole transaction rolls back.
    let err = write(store, async |c| deployments::delete(c, &world.plant).await)
        .await
        .expect_err("a deployment with devices");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");
    assert!(read(store, async |c| deployments::get(c, &world.acme, &world.plant).await).await.is_some());
    let filter =
        CaseFilter { workspace_id: &world.acme, deployment_id: Some(&world.plant), limit: 10, ..CaseFilter::default() };
    assert_eq!(read(store, async |c| cases::list(c, &filter).await).await.len(), 2, "cases survive the failed delete");
}

async fn api_keys_story(store: &Store, world: &World) {
    let key = id();
    let new = NewApiKey {
        id: &key,
        workspace_id: &world.acme,
        name: "ci",
        prefix: "tdk_abcd",
        key_hash: "hash-1",
        created_by: Some(&world.admin),
        now: T0,
    };
    write(store, async |c| api_keys::insert(c, &new).await).await.expect("insert key");
    let err = write(store, async |c| api_keys::insert(c, &NewApiKey { id: &id(), name: "copy", ..new.clone() }).await)
        .await
        .expect_err("the same secret twice");
    assert!(matches!(err, StoreError::Unique(_)) && err.is_unique_on("key_hash"), "{err:?}");
    let found = read(store, async |c| api_keys::find_active_by_hash(c, "hash-1").await).await.expect("active key");
    assert_eq!((found.id.as_str(), found.created_by_name.as_deref()), (key.as_str(), Some("Ada Admin")));

    write(store, async |c| api_keys::touch(c, &key, T0 + 1_000).await).await.expect("touch");
    write(store, async |c| api_keys::touch(c, &key, T0 + 30_000).await).await.expect("touch again");
    let got = read(store, async |c| api_keys::get(c, &world.acme, &key).await).await.expect("key");
    assert_eq!(got.last_used_at, Some(T0 + 1_000), "use is recorded at most once a minute");
    write(store, async |c| api_keys::touch(c, &key, T0 + 61_001).await).await.expect("touch later");
    let got = read(store, async |c| api_keys::get(c, &world.acme, &key).await).await.expect("key");
    assert_eq!(got.last_used_at, Some(T0 + 61_001));

    write(store, async |c| api_keys::revoke(c, &key, T0 + 70_000).await).await.expect("revoke");
    assert!(read(store, async |c| api_keys::find_active_by_hash(c, "hash-1").await).await.is_none());
    let listed = read(store, async |c| api_keys::list(c, &world.acme).await).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(T0 + 70_000));
    assert!(read(store, async |c| api_keys::list(c, &world.other).await).await.is_empty());
}

fn session(id_hash: &str, user_id: Option<&str>, expires_at: i64) -> SessionRow {
    SessionRow {
        id_hash: id_hash.to_owned(),
        user_id: user_id.map(str::to_owned),
        csrf_token: format!("csrf-{id_hash}"),
        created_at: T0,
        expires_at,
    }
}

async fn sessions_story(store: &Store, world: &World) {
    write(store, async |c| {
        sessions::insert(c, &session("s-admin", Some(&world.admin), T0 + 1_000)).await?;
        sessions::insert(c, &session("s-visitor", None, T0 + 5_000)).await?;
        sessions::insert(c, &session("s-bea", Some(&world.bea), T0 + 10_000)).await
    })
    .await
    .expect("insert sessions");
    let err = write(store, async |c| sessions::insert(c, &session("s-ghost", Some("no-such-user"), T0)).await)
        .await
        .expect_err("session of an unknown user");
    assert!(matches!(err, StoreError::ForeignKey), "{err:?}");

    let got = read(store, async |c| sessions::get(c, "s-admin", T0 + 999).await).await.expect("live session");
    assert_eq!((got.user_id.as_deref(), got.csrf_token.as_str()), (Some(world.admin.as_str()), "csrf-s-admin"));
    assert!(read(store, async |c| sessions::get(c, "s-admin", T0 + 1_000).await).await.is_none(), "expired");
    let visitor = read(store, async |c| sessions::get(c, "s-visitor", T0).await).await.expect("visitor");
    assert_eq!(visitor.user_id, None);

    assert_eq!(write(store, async |c| sessions::purge_expired(c, T0 + 1_000).await).await.expect("purge"), 1);
    assert_eq!(write(store, async |c| sessions::purge_expired(c, T0 + 1_000).await).await.expect("purge again"), 0);
    assert!(read(store, async |c| sessions::get(c, "s-admin", T0).await).await.is_none(), "purged");
    write(store, async |c| sessions::delete_for_user(c, &world.bea).await).await.expect("end bea's sessions");
    assert!(read(store, async |c| sessions::get(c, "s-bea", T0).await).await.is_none());
    write(store, async |c| sessions::delete(c, "s-visitor").await).await.expect("sign out");
    assert!(read(store, async |c| sessions::get(c, "s-visitor", T0).await).await.is_none());

    // The one-time setup token: a new one replaces the old; it expires; it works once.
    write(store, async |c| sessions::put_setup_token(c, "token-1", T0, T0 + 100).await).await.expect("put");
    write(store, async |c| sessions::put_setup_token(c, "token-2", T0, T0 + 100).await).await.expect("replace");
    assert!(!read(store, async |c| sessions::setup_token_valid(c, "token-1", T0).await).await);
    assert!(read(store, async |c| sessions::setup_token_valid(c, "token-2", T0).await).await);
    assert!(!read(store, async |c| sessions::setup_token_valid(c, "token-2", T0 + 100).await).await);
    assert!(!write(store, async |c| sessions::take_setup_token(c, "token-2", T0 + 100).await).await.expect("late"));
    assert!(write(store, async |c| sessions::take_setup_token(c, "token-2", T0 + 99).await).await.expect("take"));
    assert!(!write(store, async |c| sessions::take_setup_token(c, "token-2", T0 + 99).await).await.expect("twice"));
}

async fn rate_limits_story(store: &Store) {
    const WINDOW: i64 = 60_000;
    let start = T0 - T0.rem_euclid(WINDOW);
    let hit = async |bucket: &str, now: i64| {
        write(store, async |c| rate_limits::hit(c, bucket, WINDOW, now).await).await.expect("hit")
    };
    let peek =
        async |bucket: &str, now: i64| read(store, async |c| rate_limits::peek(c, bucket, WINDOW, now).await).await;

    assert_eq!(peek("login:a", start).await, 0);
    assert_eq!(hit("login:a", start).await, 1);
    assert_eq!(hit("login:a", start + 1).await, 2);
    assert_eq!(hit("login:a", start + WINDOW - 1).await, 3);
    assert_eq!(hit("login:b", start + 5).await, 1, "buckets count apart");
    assert_eq!(peek("login:a", start + 10).await, 3, "peeking counts nothing");
    assert_eq!(hit("login:a", start + WINDOW).await, 1, "a new window starts from one");
    assert_eq!(peek("login:a", start).await, 0, "the old window is forgotten");
    assert_eq!(hit("login:a", start + WINDOW + 1).await, 2);
    write(store, async |c| rate_limits::reset(c, "login:a").await).await.expect("reset");
    assert_eq!(peek("login:a", start + WINDOW + 2).await, 0);
    assert_eq!(hit("login:a", start + WINDOW + 3).await, 1);
    assert_eq!(peek("login:b", start + 6).await, 1);
}

async fn audit_story(store: &Store, world: &World) {
    let ids: Vec<String> = (0..25).map(|_| id()).collect();
    write(store, async |c| {
        for (i, entry) in ids.iter().enumerate() {
            let row = AuditRow {
                id: entry.clone(),
                workspace_id: world.acme.clone(),
                actor_user_id: Some(world.admin.clone()),
                actor_label: "Ada Admin".to_owned(),
                action: "device.created".to_owned(),
                target_type: "device".to_owned(),
                target_id: format!("device-{i}"),
                summary: format!("Entry {i}"),
                created_at: T0 + i64::try_from(i).expect("small"),
            };
            audit::insert(c, &row).await?;
        }
        let elsewhere = AuditRow {
            id: id(),
            workspace_id: world.other.clone(),
            actor_user_id: None,
            actor_label: "System".to_owned(),
            action: "workspace.created".to_owned(),
            target_type: "workspace".to_owned(),
            target_id: world.other.clone(),
            summary: String::new(),
            created_at: T0,
        };
        audit::insert(c, &elsewhere).await
    })
    .await
    .expect("insert audit entries");

    let mut newest_first = ids.clone();
    newest_first.sort();
    assert_eq!(newest_first, ids, "ids are time-ordered");
    newest_first.reverse();
    let page = async |before: Option<&str>| {
        let rows = read(store, async |c| audit::list(c, &world.acme, before, 10).await).await;
        rows.into_iter().map(|row| row.id).collect::<Vec<_>>()
    };
    let first = page(None).await;
    assert_eq!(first, newest_first[..10]);
    let second = page(first.last().map(String::as_str)).await;
    assert_eq!(second, newest_first[10..20]);
    let third = page(second.last().map(String::as_str)).await;
    assert_eq!(third, newest_first[20..]);
    assert!(page(third.last().map(String::as_str)).await.is_empty());
    let latest = read(store, async |c| audit::list(c, &world.acme, None, 1).await).await;
    assert_eq!((latest[0].summary.as_str(), latest[0].created_at), ("Entry 24", T0 + 24));
    assert_eq!(read(store, async |c| audit::list(c, &world.other, None, 10).await).await.len(), 1);
}

async fn migrations_are_reversible(store: &Store) {
    store.migrate_down_all().await.expect("migrate down");
    let mut conn = store.read().await.expect("read");
    users::count_all(&mut conn).await.expect_err("no users table after migrating down");
    drop(conn);
    store.migrate().await.expect("migrate up again");
    store.migrate().await.expect("migrating twice does nothing");
    assert_eq!(read(store, async |c| users::count_all(c).await).await, 0);
    assert!(read(store, async |c| workspaces::find_by_name(c, "Acme").await).await.is_none());
}
