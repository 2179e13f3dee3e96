//! Label printing use cases against a real database (SQLite by default, PostgreSQL when
//! `TAGDESK_TEST_POSTGRES_URL` is set): selections, remembered print choices, background jobs from start
//! to download, jobs left by a stopped process, their clean-up, and replacing labels in bulk.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{TestDb, add_deployment, add_workspace};
use tagdesk_app::attachments::storage::LocalDirStore;
use tagdesk_app::clock::ManualClock;
use tagdesk_app::devices::{self, DeviceInput};
use tagdesk_app::labels::jobs::{self, JobStatus};
use tagdesk_app::labels::render::{self, PrintRequest};
use tagdesk_app::labels::select::{self, Selection};
use tagdesk_app::labels::{LabelFormat, replace, settings};
use tagdesk_app::{Actor, App, AppError, housekeeping};
use tagdesk_domain::{DeploymentId, DeviceId};

const BASE: &str = "https://desk.example.com";

struct World {
    _db: TestDb,
    _files: tempfile::TempDir,
    app: App,
    clock: Arc<ManualClock>,
    actor: Actor,
    north: DeploymentId,
}

impl World {
    async fn new() -> Self {
        let db = TestDb::from_env().await;
        let files = tempfile::tempdir().expect("temp dir");
        let clock = Arc::new(ManualClock::new(1_790_000_000_000));
        let mut app = App::new(db.store.clone()).with_attachments(Arc::new(LocalDirStore::new(files.path())));
        app.clock = clock.clone();
        let workspace = add_workspace(&app).await;
        let north = add_deployment(&app, workspace, "North", "de").await;
        Self { _db: db, _files: files, app, clock, actor: Actor::system(workspace), north }
    }

    async fn device(&self, name: &str, serial: &str) -> DeviceId {
        let input = DeviceInput {
            deployment_id: self.north.to_string(),
            name: name.to_owned(),
            serial_number: serial.to_owned(),
            ..Default::default()
        };
        devices::create(&self.app, &self.actor, &input).await.expect("device").id
    }

    fn north_only(&self) -> Selection {
        Selection { deployment: Some(self.north), ..Default::default() }
    }
}

#[tokio::test]
async fn a_listed_selection_names_what_matched_nothing_and_never_prints_archived_devices() {
    let w = World::new().await;
    let a = w.device("Robot 1", "SN-1").await;
    w.device("Robot 2", "SN-2").await;
    let gone = w.device("Robot 3", "SN-3").await;
    devices::archive(&w.app, &w.actor, gone).await.expect("archive");
    let token = devices::get(&w.app, &w.actor, a).await.expect("device").portal_token.expect("token");
    let listed = format!("{BASE}/d/{}\nsn-2\nSN-3\nSN-404", token.to_lowercase());
    let selection = Selection { listed: Some(listed), ..Default::default() };
    let selected = select::resolve(&w.app, &w.actor, &selection).await.expect("selection");
    let names: Vec<&str> = selected.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Robot 1", "Robot 2"]);
    assert_eq!(selected.unmatched, ["SN-3", "SN-404"]);
}

#[tokio::test]
async fn a_print_remembers_its_choices_for_the_deployment_and_speaks_its_language() {
    let w = World::new().await;
    w.device("Robot 1", "SN-1").await;
    let request = PrintRequest {
        selection: w.north_only(),
        format: Some(LabelFormat::Pdf),
        template: Some("avery-l7651".into()),
        fields: Some("qr,name,cta".into()),
        ..Default::default()
    };
    let prepared = render::prepare(&w.app, &w.actor, BASE, &request).await.expect("prepared");
    assert_eq!(prepared.options.cta, "Scannen, um eine Störung zu melden");
    assert!(prepared.labels[0].url.starts_with("HTTPS://DESK.EXAMPLE.COM/D/"));
    let rendered = render::render(&w.app, &w.actor, BASE, &request).await.expect("rendered");
    assert!(rendered.bytes.starts_with(b"%PDF"));
    let defaults = settings::deployment_defaults(&w.app, &w.actor, w.north).await.expect("defaults");
    assert_eq!(defaults.template, "avery-l7651");
    assert!(defaults.fields.name && defaults.fields.cta && !defaults.fields.serial);
    // A start position past the sheet's last label is refused, naming the range.
    let beyond = PrintRequest { start_at: 65, ..request };
    match render::prepare(&w.app, &w.actor, BASE, &beyond).await {
        Err(AppError::Invalid(e)) => assert!(e.get("start_at").unwrap_or_default().contains("0 to 64"), "{e}"),
        other => panic!("expected a start_at error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_background_job_reports_progress_and_its_file_downloads_until_it_is_cleaned_up() {
    let w = World::new().await;
    for i in 0..30 {
        w.device(&format!("Robot {i}"), &format!("SN-{i}")).await;
    }
    let request = PrintRequest { selection: w.north_only(), format: Some(LabelFormat::Zip), ..Default::default() };
    let job = jobs::start(&w.app, &w.actor, BASE, &request).await.expect("job");
    assert_eq!((job.status, job.total), (JobStatus::Queued, 30));
    let mut done = job.clone();
    for _ in 0..200 {
        done = jobs::get(&w.app, &w.actor, &job.id).await.expect("job");
        if !done.unfinished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done.status, JobStatus::Done, "{done:?}");
    assert_eq!((done.done, done.percent()), (30, 100));
    let (bytes, name, content_type) = jobs::download(&w.app, &w.actor, &job.id).await.expect("download");
    assert!(bytes.starts_with(b"PK"), "a ZIP");
    assert!(name.ends_with(".zip") && content_type == "application/zip", "{name} {content_type}");
    // A week later housekeeping deletes the job and its file.
    w.clock.advance_ms(jobs::KEEP_JOBS_MS + 1);
    let swept = housekeeping::sweep(&w.app).await.expect("sweep");
    assert_eq!(swept.label_jobs_deleted, 1);
    assert!(matches!(jobs::get(&w.app, &w.actor, &job.id).await, Err(AppError::NotFound)));
}

#[tokio::test]
async fn a_job_whose_process_stopped_is_marked_failed_once_its_heartbeat_is_stale() {
    let w = World::new().await;
    let now = w.app.now();
    let row = tagdesk_store::labels::JobRow {
        id: "0190aaaa-0000-7000-8000-000000000001".into(),
        workspace_id: w.actor.workspace_id.to_string(),
        created_by: None,
        status: "running".into(),
        format: "pdf".into(),
        request: "{}".into(),
        total: 1000,
        done: 10,
        result_key: None,
        result_name: None,
        result_bytes: None,
        error: None,
        created_at: now,
        heartbeat_at: now,
        finished_at: None,
    };
    let mut tx = w.app.store.begin().await.expect("begin");
    tagdesk_store::labels::insert_job(&mut tx, &row).await.expect("job");
    tx.commit().await.expect("commit");
    // Still within its heartbeat: left alone.
    w.clock.advance_ms(jobs::STALE_AFTER_MS - 1_000);
    assert_eq!(housekeeping::sweep(&w.app).await.expect("sweep").label_jobs_interrupted, 0);
    assert_eq!(jobs::get(&w.app, &w.actor, &row.id).await.expect("job").status, JobStatus::Running);
    w.clock.advance_ms(2_000);
    // Its page says so at once, before housekeeping records it.
    assert_eq!(jobs::get(&w.app, &w.actor, &row.id).await.expect("job").status, JobStatus::Failed);
    assert_eq!(housekeeping::sweep(&w.app).await.expect("sweep").label_jobs_interrupted, 1);
    let job = jobs::get(&w.app, &w.actor, &row.id).await.expect("job");
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.error.unwrap_or_default().contains("start the print again"));
}

#[tokio::test]
async fn replacing_labels_in_bulk_revokes_every_old_token_and_prints_the_new_ones() {
    let w = World::new().await;
    let ids = [w.device("Robot 1", "SN-1").await, w.device("Robot 2", "SN-2").await];
    let mut old = Vec::new();
    for id in ids {
        old.push(devices::get(&w.app, &w.actor, id).await.expect("device").portal_token.expect("token"));
    }
    let request = PrintRequest { selection: w.north_only(), format: Some(LabelFormat::Csv), ..Default::default() };
    let replace::Replaced::Now(rendered) = replace::replace(&w.app, &w.actor, BASE, &request).await.expect("replaced")
    else {
        panic!("two labels come back at once");
    };
    let csv = String::from_utf8(rendered.bytes).expect("utf-8");
    for (id, old) in ids.iter().zip(&old) {
        let new = devices::get(&w.app, &w.actor, *id).await.expect("device").portal_token.expect("token");
        assert_ne!(&new, old);
        assert!(csv.contains(&format!("/D/{new}")), "{csv}");
        assert!(!csv.contains(old.as_str()));
        let mut conn = w.app.store.read().await.expect("conn");
        let replaced = tagdesk_store::portal::replaced_token(&mut conn, old).await.expect("lookup");
        assert!(replaced.is_some(), "the old token shows the replaced page");
    }
    let history = tagdesk_app::labels::single::label_history(&w.app, &w.actor, ids[0]).await.expect("history");
    assert_eq!(history.len(), 1);
}
