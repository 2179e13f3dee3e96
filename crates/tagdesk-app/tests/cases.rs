//! Case templates and cases end to end on a real database (SQLite, or PostgreSQL when
//! `TAGDESK_TEST_POSTGRES_URL` is set): numbering, templates and their snapshots, assignment, status
//! transitions with timelines, filters and paging, and who may see or change what.

mod support;

use std::collections::BTreeMap;

use tagdesk_app::cases::{self, CaseInput, CaseQuery, CaseView};
use tagdesk_app::page::PageRequest;
use tagdesk_app::templates::{self, TemplateInput, TemplateView};
use tagdesk_app::{Actor, App, AppError};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{
    CaseNumber, CaseOrigin, CaseStatus, CaseType, DeploymentId, DeploymentRole, DeviceId, UserId, WorkspaceId,
    WorkspaceRole,
};
use tagdesk_store::{deployments, devices, users, workspaces};

use support::TestDb;

/// A fresh database with helpers that set up a world through the store, like an operator would.
struct World {
    db: TestDb,
    app: App,
}

impl World {
    async fn new() -> Self {
        let db = TestDb::from_env().await;
        let app = App::new(db.store.clone());
        Self { db, app }
    }

    async fn finish(self) {
        self.db.finish().await;
    }

    async fn workspace(&self, name: &str) -> WorkspaceId {
        let id = WorkspaceId::new();
        let mut tx = self.app.store.begin().await.expect("begin");
        workspaces::insert(&mut tx, &id.to_string(), name, self.app.now()).await.expect("insert workspace");
        tx.commit().await.expect("commit");
        id
    }

    async fn user(&self, workspace: WorkspaceId, name: &str, role: WorkspaceRole) -> UserId {
        let id = UserId::new();
        let email =
            format!("{}.{}@example.com", name.to_lowercase().replace(' ', "."), id.to_string().replace('-', ""));
        let mut tx = self.app.store.begin().await.expect("begin");
        users::insert(
            &mut tx,
            &users::NewUser {
                id: &id.to_string(),
                workspace_id: &workspace.to_string(),
                email: &email,
                email_key: &email.to_lowercase(),
                display_name: name,
                password_hash: "not-a-hash",
                workspace_role: role.as_str(),
                now: self.app.now(),
            },
        )
        .await
        .expect("insert user");
        tx.commit().await.expect("commit");
        id
    }

    async fn deactivate(&self, user: UserId, name: &str, role: WorkspaceRole) {
        let mut tx = self.app.store.begin().await.expect("begin");
        users::update(&mut tx, &user.to_string(), name, role.as_str(), false).await.expect("deactivate");
        tx.commit().await.expect("commit");
    }

    async fn grant(&self, user: UserId, deployment: DeploymentId, role: DeploymentRole) {
        let mut tx = self.app.store.begin().await.expect("begin");
        users::set_role(&mut tx, &user.to_string(), &deployment.to_string(), role.as_str()).await.expect("grant");
        tx.commit().await.expect("commit");
    }

    async fn deployment(&self, workspace: WorkspaceId, name: &str, default_assignee: Option<UserId>) -> DeploymentId {
        let id = DeploymentId::new();
        let assignee = default_assignee.map(|u| u.to_string());
        let fields = deployments::DeploymentFields {
            name,
            address: "",
            timezone: "Europe/Berlin",
            language: "en",
            default_assignee_id: assignee.as_deref(),
            notification_emails: "",
        };
        let mut tx = self.app.store.begin().await.expect("begin");
        deployments::insert(&mut tx, &id.to_string(), &workspace.to_string(), &fields, self.app.now())
            .await
            .expect("insert deployment");
        tx.commit().await.expect("commit");
        id
    }

    async fn device(&self, workspace: WorkspaceId, deployment: DeploymentId, name: &str) -> DeviceId {
        let id = DeviceId::new();
        let fields =
            devices::DeviceFields { name, serial_number: None, manufacturer: "", model: "", tags: &[], notes: "" };
        let mut tx = self.app.store.begin().await.expect("begin");
        devices::insert(
            &mut tx,
            &id.to_string(),
            &workspace.to_string(),
            &deployment.to_string(),
            &fields,
            self.app.now(),
        )
        .await
        .expect("insert device");
        tx.commit().await.expect("commit");
        id
    }

    /// The actor a signed-in user acts as (roles as of now).
    async fn actor(&self, user: UserId) -> Actor {
        tagdesk_app::auth::actor_for_user(&self.app, user).await.expect("load actor").expect("active user").0
    }

    async fn report(&self, actor: &Actor, input: CaseInput) -> Result<CaseView, AppError> {
        cases::create(&self.app, actor, CaseOrigin::Staff, &input).await
    }

    async fn report_ok(&self, actor: &Actor, deployment: DeploymentId, title: &str) -> CaseView {
        self.report(actor, simple(deployment, title)).await.expect("case created")
    }

    async fn numbers(&self, actor: &Actor, query: CaseQuery) -> Vec<i64> {
        let page = PageRequest { cursor: None, limit: Some(200) };
        let page = cases::list(&self.app, actor, &query, &page).await.expect("list");
        page.items.iter().map(|c| c.number.0).collect()
    }
}

/// A workspace with an admin, a technician, a viewer and an outsider (member without role), and one
/// deployment with a device.
struct Fleet {
    workspace: WorkspaceId,
    admin: Actor,
    admin_id: UserId,
    tech: Actor,
    tech_id: UserId,
    viewer: Actor,
    outsider: Actor,
    outsider_id: UserId,
    site: DeploymentId,
    robot: DeviceId,
}

async fn fleet(world: &World, name: &str) -> Fleet {
    let workspace = world.workspace(name).await;
    let admin_id = world.user(workspace, "Ana Admin", WorkspaceRole::Admin).await;
    let tech_id = world.user(workspace, "Tom Tech", WorkspaceRole::Member).await;
    let viewer_id = world.user(workspace, "Vera Viewer", WorkspaceRole::Member).await;
    let outsider_id = world.user(workspace, "Otto Outsider", WorkspaceRole::Member).await;
    let site = world.deployment(workspace, &format!("{name} Plant"), None).await;
    world.grant(tech_id, site, DeploymentRole::Technician).await;
    world.grant(viewer_id, site, DeploymentRole::Viewer).await;
    let robot = world.device(workspace, site, "Robot 1").await;
    Fleet {
        workspace,
        admin: world.actor(admin_id).await,
        admin_id,
        tech: world.actor(tech_id).await,
        tech_id,
        viewer: world.actor(viewer_id).await,
        outsider: world.actor(outsider_id).await,
        outsider_id,
        site,
        robot,
    }
}

fn simple(deployment: DeploymentId, title: &str) -> CaseInput {
    CaseInput {
        deployment_id: deployment.to_string(),
        title: title.to_owned(),
        case_type: "anomaly".to_owned(),
        ..Default::default()
    }
}

fn field(label: &str, kind: &str, required: bool, options: &[&str]) -> FieldDraft {
    FieldDraft {
        label: label.to_owned(),
        kind: kind.to_owned(),
        required,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        ..Default::default()
    }
}

fn leak_template() -> TemplateInput {
    TemplateInput {
        name: "Oil leak".to_owned(),
        title: "Oil leak at the device".to_owned(),
        case_type: "damage".to_owned(),
        description: "Oil on the floor.".to_owned(),
        solution_suggestion: "Check the gearbox seal.".to_owned(),
        fields: vec![
            field("How much oil?", "single_choice", true, &["Drops", "Puddle"]),
            field("Since", "date", false, &[]),
        ],
    }
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect()
}

fn invalid_field(err: &AppError, field: &str) -> String {
    match err.field_errors().and_then(|e| e.get(field)) {
        Some(message) => message.to_owned(),
        None => panic!("expected an error on {field}, got {err:?}"),
    }
}

#[tokio::test]
async fn numbers_are_sequential_per_workspace_and_independent_across_workspaces() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let globex = fleet(&world, "Globex").await;
    let mut acme_numbers = Vec::new();
    for i in 0..3 {
        acme_numbers.push(world.report_ok(&acme.tech, acme.site, &format!("Acme {i}")).await.number);
    }
    let globex_first = world.report_ok(&globex.admin, globex.site, "Globex 0").await;
    acme_numbers.push(world.report_ok(&acme.admin, acme.site, "Acme 3").await.number);
    assert_eq!(acme_numbers, [CaseNumber(1), CaseNumber(2), CaseNumber(3), CaseNumber(4)]);
    assert_eq!(globex_first.number, CaseNumber(1));
    assert_eq!(globex_first.number.to_string(), "#1");
    assert_ne!(globex_first.id.to_string(), "1");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reports_get_distinct_numbers_without_gaps() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (app, actor) = (world.app.clone(), acme.tech.clone());
        let input = simple(acme.site, &format!("Parallel {i}"));
        tasks.spawn(async move { cases::create(&app, &actor, CaseOrigin::Api, &input).await.map(|c| c.number.0) });
    }
    let mut numbers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        numbers.push(done.expect("task").expect("case created"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=12).collect::<Vec<i64>>());
    world.finish().await;
}

#[tokio::test]
async fn a_template_prefills_and_invalid_field_values_store_nothing() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let template = templates::create(&world.app, &acme.admin, &leak_template()).await.expect("template");
    assert_eq!(template.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["f1", "f2"]);

    let mut input = CaseInput {
        deployment_id: acme.site.to_string(),
        device_id: Some(acme.robot.to_string()),
        template_id: Some(template.id.to_string()),
        reporter_name: "Rita Reporter".to_owned(),
        reporter_email: "rita@Example.COM".to_owned(),
        ..Default::default()
    };
    let err = world.report(&acme.tech, input.clone()).await.expect_err("required field missing");
    assert_eq!(invalid_field(&err, "field.f1"), "This field is required.");
    input.fields = values(&[("f1", "Lake"), ("f2", "2026-02-30")]);
    let err = world.report(&acme.tech, input.clone()).await.expect_err("bad values");
    assert!(err.field_errors().and_then(|e| e.get("field.f2")).is_some());
    assert_eq!(invalid_field(&err, "field.f1"), "Choose one of the options.");
    assert!(world.numbers(&acme.admin, CaseQuery::default()).await.is_empty(), "nothing was stored");

    input.fields = values(&[("f1", "Puddle"), ("f2", "2026-02-01")]);
    let case = world.report(&acme.tech, input).await.expect("valid case");
    assert_eq!(case.number, CaseNumber(1), "failed attempts used up no number");
    assert_eq!(case.title, "Oil leak at the device");
    assert_eq!(case.description, "Oil on the floor.");
    assert_eq!(case.case_type, CaseType::Damage);
    assert_eq!(case.solution_suggestion, "Check the gearbox seal.");
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.origin, CaseOrigin::Staff);
    assert_eq!(case.template_name.as_deref(), Some("Oil leak"));
    assert_eq!(case.device_name.as_deref(), Some("Robot 1"));
    assert_eq!(case.deployment_name, "Acme Plant");
    assert_eq!(case.reporter.email, "rita@example.com");
    let shown: Vec<(&str, &str)> = case.fields.iter().map(|f| (f.label.as_str(), f.display.as_str())).collect();
    assert_eq!(shown, [("How much oil?", "Puddle"), ("Since", "2026-02-01")]);

    // Typed inputs win over the template's.
    let own = CaseInput {
        title: "Leak at door".to_owned(),
        case_type: "accident".to_owned(),
        template_id: Some(template.id.to_string()),
        fields: values(&[("f1", "Drops")]),
        ..simple(acme.site, "")
    };
    let own = world.report(&acme.tech, own).await.expect("own values");
    assert_eq!((own.title.as_str(), own.case_type), ("Leak at door", CaseType::Accident));
    assert_eq!(own.number, CaseNumber(2));
    assert_eq!(own.fields[1].value, serde_json::Value::Null);
    world.finish().await;
}

#[tokio::test]
async fn cases_keep_their_field_snapshot_when_the_template_changes() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let template = templates::create(&world.app, &acme.admin, &leak_template()).await.expect("template");
    let input = CaseInput {
        template_id: Some(template.id.to_string()),
        fields: values(&[("f1", "Drops"), ("f2", "2026-01-05")]),
        ..simple(acme.site, "")
    };
    let old = world.report(&acme.tech, input).await.expect("case");

    // Drop the date field, relabel the choice, add a number field: the new one must not reuse "f2".
    let mut edit = TemplateInput::from(&template);
    edit.fields.truncate(1);
    edit.fields[0].label = "Amount of oil".to_owned();
    edit.fields.push(field("Litres", "number", false, &[]));
    let edited = templates::update(&world.app, &acme.admin, template.id, &edit).await.expect("edit");
    assert_eq!(edited.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["f1", "f3"]);
    let edited = templates::update(&world.app, &acme.admin, template.id, &TemplateInput::from(&edited))
        .await
        .expect("edit again");
    assert_eq!(edited.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["f1", "f3"]);

    let old = cases::get(&world.app, &acme.tech, old.id).await.expect("old case");
    let shown: Vec<(&str, &str, &str)> =
        old.fields.iter().map(|f| (f.key.as_str(), f.label.as_str(), f.display.as_str())).collect();
    assert_eq!(shown, [("f1", "How much oil?", "Drops"), ("f2", "Since", "2026-01-05")]);

    let input = CaseInput {
        template_id: Some(template.id.to_string()),
        fields: values(&[("f1", "Puddle"), ("f3", "2,5")]),
        ..simple(acme.site, "")
    };
    let new = world.report(&acme.tech, input).await.expect("new case");
    let shown: Vec<(&str, &str)> = new.fields.iter().map(|f| (f.label.as_str(), f.display.as_str())).collect();
    assert_eq!(shown, [("Amount of oil", "Puddle"), ("Litres", "2.5")]);

    // An inactive template stays on old cases but cannot be picked for new ones.
    let inactive = templates::set_active(&world.app, &acme.admin, template.id, false).await.expect("deactivate");
    assert!(!inactive.active);
    let input = CaseInput { template_id: Some(template.id.to_string()), ..simple(acme.site, "x") };
    let err = world.report(&acme.tech, input).await.expect_err("inactive template");
    invalid_field(&err, "template_id");
    let old = cases::get(&world.app, &acme.tech, old.id).await.expect("old case");
    assert_eq!(old.template_name.as_deref(), Some("Oil leak"));
    world.finish().await;
}

#[tokio::test]
async fn templates_are_read_by_everyone_and_changed_by_workspace_admins() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let globex = fleet(&world, "Globex").await;
    let err = templates::create(&world.app, &acme.tech, &leak_template()).await.expect_err("member");
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let template: TemplateView = templates::create(&world.app, &acme.admin, &leak_template()).await.expect("create");
    templates::create(&world.app, &globex.admin, &leak_template()).await.expect("names are unique per workspace");

    let mut twin = leak_template();
    twin.name = "  OIL LEAK ".to_owned();
    let err = templates::create(&world.app, &acme.admin, &twin).await.expect_err("duplicate name");
    assert_eq!(invalid_field(&err, "name"), "A template with this name already exists.");

    let bad = TemplateInput {
        name: String::new(),
        title: "t".repeat(201),
        case_type: "weird".to_owned(),
        fields: vec![field("Zone", "single_choice", false, &[])],
        ..Default::default()
    };
    let err = templates::create(&world.app, &acme.admin, &bad).await.expect_err("invalid");
    for name in ["name", "title", "case_type", "fields.0.options"] {
        invalid_field(&err, name);
    }

    let seen = templates::list(&world.app, &acme.viewer, false).await.expect("viewer lists");
    assert_eq!(seen.iter().map(|t| t.id).collect::<Vec<_>>(), [template.id]);
    templates::set_active(&world.app, &acme.admin, template.id, false).await.expect("deactivate");
    assert!(templates::list(&world.app, &acme.tech, false).await.expect("list").is_empty());
    assert_eq!(templates::list(&world.app, &acme.tech, true).await.expect("list").len(), 1);
    let err = templates::set_active(&world.app, &acme.tech, template.id, true).await.expect_err("member");
    assert!(matches!(err, AppError::Forbidden(_)));
    let err = templates::get(&world.app, &globex.admin, template.id).await.expect_err("other workspace");
    assert!(matches!(err, AppError::NotFound));

    let log = tagdesk_app::audit::list(&world.app, &acme.admin, &PageRequest::default()).await.expect("audit");
    let mut actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(actions, ["template.created", "template.deactivated"]);
    world.finish().await;
}

#[tokio::test]
async fn assignment_follows_the_deployment_default_and_its_people() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let globex = fleet(&world, "Globex").await;
    let default_site = world.deployment(acme.workspace, "Depot", Some(acme.tech_id)).await;
    world.grant(acme.tech_id, default_site, DeploymentRole::Technician).await;

    let case = world.report_ok(&acme.admin, default_site, "Door stuck").await;
    assert_eq!(case.assignee_id, Some(acme.tech_id));
    assert_eq!(case.assignee_name.as_deref(), Some("Tom Tech"));
    let kinds: Vec<(String, String)> = cases::timeline(&world.app, &acme.admin, case.id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|e| (e.kind, e.body))
        .collect();
    assert_eq!(kinds[1], ("assigned".to_owned(), "Assigned to Tom Tech".to_owned()));

    let unassigned = world.report_ok(&acme.admin, acme.site, "No default").await;
    assert_eq!(unassigned.assignee_id, None);

    // Explicit assignees must be active users of the workspace who can see the deployment.
    for (who, why) in [
        (acme.outsider_id, "holds no role at the site"),
        (globex.admin_id, "belongs to another workspace"),
        (UserId::new(), "does not exist"),
    ] {
        let input = CaseInput { assignee_id: Some(who.to_string()), ..simple(acme.site, "x") };
        let err = world.report(&acme.admin, input).await.expect_err(why);
        invalid_field(&err, "assignee_id");
        let err = cases::assign(&world.app, &acme.admin, unassigned.id, Some(who)).await.expect_err(why);
        invalid_field(&err, "assignee_id");
    }
    let input = CaseInput { assignee_id: Some(acme.admin_id.to_string()), ..simple(acme.site, "x") };
    let case = world.report(&acme.tech, input).await.expect("admins see every deployment");
    assert_eq!(case.assignee_id, Some(acme.admin_id));

    let names: Vec<String> = cases::assignable_users(&world.app, &acme.tech, acme.site)
        .await
        .expect("assignable")
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    assert_eq!(names, ["Ana Admin", "Tom Tech", "Vera Viewer"]);

    let assigned = cases::assign(&world.app, &acme.tech, unassigned.id, Some(acme.tech_id)).await.expect("assign");
    assert_eq!(assigned.assignee_name.as_deref(), Some("Tom Tech"));
    let cleared = cases::assign(&world.app, &acme.tech, unassigned.id, None).await.expect("unassign");
    assert_eq!(cleared.assignee_id, None);
    let bodies: Vec<String> = cases::timeline(&world.app, &acme.tech, unassigned.id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(bodies[1..], ["Assigned to Tom Tech", "Unassigned"]);

    // A deactivated default assignee is not used.
    world.deactivate(acme.tech_id, "Tom Tech", WorkspaceRole::Member).await;
    let case = world.report_ok(&acme.admin, default_site, "After Tom left").await;
    assert_eq!(case.assignee_id, None);
    world.finish().await;
}

#[tokio::test]
async fn status_moves_along_the_allowed_transitions_and_is_recorded() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let case = world.report_ok(&acme.tech, acme.site, "Noise").await;

    let resolved = cases::change_status(&world.app, &acme.tech, case.id, CaseStatus::Resolved).await.expect("resolve");
    assert_eq!(resolved.status, CaseStatus::Resolved);
    let again = cases::change_status(&world.app, &acme.tech, case.id, CaseStatus::Resolved).await.expect("no-op");
    assert_eq!(again.status, CaseStatus::Resolved);
    let reopened = cases::change_status(&world.app, &acme.tech, case.id, CaseStatus::Open).await.expect("reopen");
    assert_eq!(reopened.status, CaseStatus::Open);
    cases::change_status(&world.app, &acme.tech, case.id, CaseStatus::Archived).await.expect("archive");
    let err = cases::change_status(&world.app, &acme.tech, case.id, CaseStatus::Resolved).await.expect_err("refused");
    match err {
        AppError::Conflict(message) => assert_eq!(message, "An archived case can only be reopened."),
        other => panic!("expected a conflict, got {other:?}"),
    }

    cases::set_solution(&world.app, &acme.tech, case.id, "Tightened the belt.").await.expect("solution");
    let err = cases::comment(&world.app, &acme.tech, case.id, "  ", true).await.expect_err("blank comment");
    invalid_field(&err, "body");
    let reply = cases::comment(&world.app, &acme.tech, case.id, "We fixed it.", true).await.expect("comment");
    assert!(reply.public);
    let edited =
        cases::update_details(&world.app, &acme.tech, case.id, "Loud noise", "", "damage").await.expect("edit");
    assert_eq!(
        (edited.title.as_str(), edited.case_type, edited.solution.as_str()),
        ("Loud noise", CaseType::Damage, "Tightened the belt.")
    );
    let err = cases::update_details(&world.app, &acme.tech, case.id, "", "", "nope").await.expect_err("invalid");
    invalid_field(&err, "title");
    invalid_field(&err, "case_type");

    let timeline = cases::timeline(&world.app, &acme.viewer, case.id).await.expect("timeline");
    let entries: Vec<(&str, &str, bool)> =
        timeline.iter().map(|e| (e.kind.as_str(), e.body.as_str(), e.public)).collect();
    assert_eq!(
        entries,
        [
            ("created", "Created in the back office", false),
            ("status_changed", "Status changed from Open to Resolved", false),
            ("status_changed", "Status changed from Resolved to Open", false),
            ("status_changed", "Status changed from Open to Archived", false),
            ("solution_set", "Tightened the belt.", false),
            ("commented", "We fixed it.", true),
            ("edited", "Changed title and type from Anomaly to Damage", false),
        ]
    );
    assert!(timeline.iter().all(|e| e.actor_label == "Tom Tech"));
    world.finish().await;
}

#[tokio::test]
async fn lists_filter_and_page_by_number() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let other_site = world.deployment(acme.workspace, "Acme Depot", None).await;
    let on_robot = CaseInput { device_id: Some(acme.robot.to_string()), ..simple(acme.site, "Robot squeaks") };
    world.report(&acme.tech, on_robot).await.expect("#1");
    let portal = CaseInput { reporter_name: "Rita".to_owned(), ..simple(acme.site, "Display dark") };
    cases::create(&world.app, &acme.admin, CaseOrigin::Portal, &portal).await.expect("#2");
    let assigned = CaseInput { assignee_id: Some(acme.tech_id.to_string()), ..simple(acme.site, "Belt 100% worn") };
    world.report(&acme.admin, assigned).await.expect("#3");
    let resolved = world.report_ok(&acme.admin, acme.site, "Fixed already").await;
    cases::change_status(&world.app, &acme.admin, resolved.id, CaseStatus::Resolved).await.expect("#4 resolved");
    world.report_ok(&acme.admin, other_site, "Depot door").await;

    let q = |f: fn(&mut CaseQuery)| {
        let mut query = CaseQuery::default();
        f(&mut query);
        query
    };
    assert_eq!(world.numbers(&acme.admin, CaseQuery::default()).await, [5, 4, 3, 2, 1]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.status = Some("open".into()))).await, [5, 3, 2, 1]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.status = Some("resolved".into()))).await, [4]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.origin = Some("portal".into()))).await, [2]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.assignee = Some("none".into()))).await, [5, 4, 2, 1]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.text = Some("SQUEAK".into()))).await, [1]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.text = Some("100%".into()))).await, [3]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.text = Some("#4".into()))).await, [4]);
    assert_eq!(world.numbers(&acme.admin, q(|q| q.status = Some(" ".into()))).await.len(), 5);
    let by_device = CaseQuery { device_id: Some(acme.robot.to_string()), ..Default::default() };
    assert_eq!(world.numbers(&acme.admin, by_device).await, [1]);
    let by_assignee = CaseQuery { assignee: Some(acme.tech_id.to_string()), ..Default::default() };
    assert_eq!(world.numbers(&acme.admin, by_assignee).await, [3]);
    let by_site = CaseQuery { deployment_id: Some(other_site.to_string()), ..Default::default() };
    assert_eq!(world.numbers(&acme.admin, by_site).await, [5]);
    // Members see only their deployments.
    assert_eq!(world.numbers(&acme.viewer, CaseQuery::default()).await, [4, 3, 2, 1]);
    assert!(world.numbers(&acme.outsider, CaseQuery::default()).await.is_empty());

    for (field_name, query) in [
        ("status", q(|q| q.status = Some("closed".into()))),
        ("origin", q(|q| q.origin = Some("email".into()))),
        ("assignee", q(|q| q.assignee = Some("bob".into()))),
        ("deployment_id", q(|q| q.deployment_id = Some("42".into()))),
        ("device_id", q(|q| q.device_id = Some("x".into()))),
    ] {
        let err = cases::list(&world.app, &acme.admin, &query, &PageRequest::default()).await.expect_err(field_name);
        invalid_field(&err, field_name);
    }
    let bad_cursor = PageRequest { cursor: Some("abc".into()), limit: None };
    let err = cases::list(&world.app, &acme.admin, &CaseQuery::default(), &bad_cursor).await.expect_err("cursor");
    invalid_field(&err, "cursor");

    let mut page = PageRequest { cursor: None, limit: Some(2) };
    let mut seen = Vec::new();
    loop {
        let result = cases::list(&world.app, &acme.admin, &CaseQuery::default(), &page).await.expect("page");
        seen.push(result.items.iter().map(|c| c.number.0).collect::<Vec<_>>());
        match result.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, [vec![5, 4], vec![3, 2], vec![1]]);
    world.finish().await;
}

#[tokio::test]
async fn cases_answer_only_to_those_who_may_see_them() {
    let world = World::new().await;
    let acme = fleet(&world, "Acme").await;
    let globex = fleet(&world, "Globex").await;
    let case = world.report_ok(&acme.tech, acme.site, "Vibration").await;

    // A viewer reads but cannot change.
    assert_eq!(cases::get(&world.app, &acme.viewer, case.id).await.expect("viewer reads").title, "Vibration");
    let forbidden = [
        cases::change_status(&world.app, &acme.viewer, case.id, CaseStatus::Resolved).await.map(|_| ()),
        cases::assign(&world.app, &acme.viewer, case.id, None).await.map(|_| ()),
        cases::set_solution(&world.app, &acme.viewer, case.id, "x").await.map(|_| ()),
        cases::comment(&world.app, &acme.viewer, case.id, "x", false).await.map(|_| ()),
        cases::update_details(&world.app, &acme.viewer, case.id, "x", "", "other").await.map(|_| ()),
        world.report(&acme.viewer, simple(acme.site, "x")).await.map(|_| ()),
    ];
    for result in forbidden {
        assert!(matches!(result, Err(AppError::Forbidden(_))), "{result:?}");
    }

    // A member without a role at the deployment and another workspace's admin see nothing.
    for actor in [&acme.outsider, &globex.admin] {
        assert!(matches!(cases::get(&world.app, actor, case.id).await, Err(AppError::NotFound)));
        assert!(matches!(cases::timeline(&world.app, actor, case.id).await, Err(AppError::NotFound)));
        let result = cases::change_status(&world.app, actor, case.id, CaseStatus::Resolved).await;
        assert!(matches!(result, Err(AppError::NotFound)));
        let result = cases::comment(&world.app, actor, case.id, "hi", true).await;
        assert!(matches!(result, Err(AppError::NotFound)));
        let result = cases::assignable_users(&world.app, actor, acme.site).await;
        assert!(matches!(result, Err(AppError::NotFound)));
        let err = world.report(actor, simple(acme.site, "x")).await.expect_err("cannot report there");
        invalid_field(&err, "deployment_id");
    }
    assert!(world.numbers(&globex.admin, CaseQuery::default()).await.is_empty());

    // A device of another deployment is refused.
    let globex_robot = CaseInput { device_id: Some(globex.robot.to_string()), ..simple(acme.site, "x") };
    let err = world.report(&acme.admin, globex_robot).await.expect_err("foreign device");
    invalid_field(&err, "device_id");
    let bad_email = CaseInput { reporter_email: "not-an-email".to_owned(), ..simple(acme.site, "x") };
    let err = world.report(&acme.admin, bad_email).await.expect_err("bad email");
    invalid_field(&err, "reporter_email");
    let untitled = world.report(&acme.admin, simple(acme.site, " ")).await.expect_err("no title");
    assert_eq!(invalid_field(&untitled, "title"), "This field is required.");
    world.finish().await;
}

#[test]
fn case_input_accepts_single_values_and_lists_from_json() {
    let input: CaseInput = serde_json::from_value(serde_json::json!({
        "deployment_id": "d",
        "device_id": null,
        "fields": {"f1": "x", "f2": ["a", "b"], "f3": true, "f4": 2.5, "f5": null}
    }))
    .expect("parses");
    assert_eq!(input.device_id, None);
    assert_eq!(input.fields["f1"], ["x"]);
    assert_eq!(input.fields["f2"], ["a", "b"]);
    assert_eq!(input.fields["f3"], ["true"]);
    assert_eq!(input.fields["f4"], ["2.5"]);
    assert!(input.fields["f5"].is_empty());
}
