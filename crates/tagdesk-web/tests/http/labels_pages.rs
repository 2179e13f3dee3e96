//! The labels area of the back office through the real router: the print form and its selection summary,
//! small prints (PDF, CSV) and what a deployment remembers, large prints as background jobs with progress
//! and a download, permissions, custom and gLabels templates with the alignment test page, printer
//! profiles, QR/logo settings, and one device's code, label and label replacement. PDFs are checked with
//! `qpdf --check` and `pdftotext`, codes decoded with `zbarimg` (see `tools.rs`: skipped without the
//! tools, failing in CI).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tagdesk_app::attachments::LocalDirStore;
use tagdesk_app::labels::SYNC_LABEL_LIMIT;
use tagdesk_app::labels::jobs::{self, JobStatus};
use tagdesk_domain::{DeploymentId, DeploymentRole, DeviceId, UserId};
use tagdesk_store::labels::JobRow;
use tagdesk_web::WebConfig;

use crate::support::{PASSWORD, Page, Response, TestApp, Workspace, both_backends, fill, form_values};
use crate::tools;

both_backends!(
    the_print_form_offers_deployments_and_templates_and_sums_up_a_selection,
    a_pasted_list_with_a_typo_shows_the_entry_that_matched_nothing,
    a_small_print_downloads_a_pdf_and_the_deployment_remembers_its_choices,
    a_csv_print_has_one_row_per_device,
    a_large_print_runs_as_a_job_with_progress_and_a_download,
    a_start_position_beyond_the_sheet_is_refused_on_the_form,
    a_viewer_cannot_print_or_replace_labels,
    another_workspaces_job_is_not_found,
    custom_templates_are_validated_listed_and_deleted,
    glabels_files_import_through_a_multipart_upload,
    the_alignment_test_page_says_print_at_100_percent,
    printer_profiles_keep_signed_offsets_within_range,
    qr_error_correction_and_the_logo_are_workspace_settings,
    the_device_page_offers_its_code_and_label,
    replacing_a_label_retires_the_old_code,
);

/// The public URL of `WebConfig::for_tests()`, upper-cased as codes carry it.
const CODE_BASE: &str = "HTTP://127.0.0.1:8080/D/";

/// A workspace with a deployment of three devices.
struct Site {
    acme: Workspace,
    north: DeploymentId,
    robots: Vec<DeviceId>,
}

async fn site(app: &TestApp) -> Site {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North Hall").await;
    let mut robots = Vec::new();
    for (name, serial) in [("Robot 1", "SN-001"), ("Robot 2", "SN-002"), ("Robot 3", "SN-003")] {
        robots.push(acme.device(north, name, serial).await);
    }
    Site { acme, north, robots }
}

/// The application on the test's database with a file store (label jobs and the logo keep their bytes
/// there; the harness's app has none). Keep `app` and the temp dir alive while it is used.
fn with_files(app: &TestApp) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalDirStore::new(dir.path().join("files"));
    let web = app.with_app(app.app.clone().with_attachments(Arc::new(store)), WebConfig::for_tests());
    (web, dir)
}

/// `path?pairs` (URL-encoded).
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    format!("{path}?{}", serde_urlencoded::to_string(pairs).expect("query"))
}

/// The code a device's label carries.
async fn code_of(acme: &Workspace, device: DeviceId) -> String {
    format!("{CODE_BASE}{}", acme.portal_token(device).await.to_uppercase())
}

#[track_caller]
fn assert_pdf_download(response: &Response, what: &str) {
    response.expect_status(200, what);
    assert_eq!(response.header("content-type"), Some("application/pdf"), "{what}: content type");
    let disposition = response.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".pdf\""),
        "{what}: {disposition}"
    );
    assert!(
        response.body.starts_with(b"%PDF"),
        "{what}: not a PDF: {:?}",
        &response.text().chars().take(80).collect::<String>()
    );
    tools::assert_qpdf_ok(&response.body, what);
}

/// A page refusing something: an HTML error page, never a file.
#[track_caller]
fn assert_refused(response: &Response, status: u16, what: &str) {
    response.expect_status(status, what);
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{what}: an HTML page");
    assert!(response.header("content-disposition").is_none(), "{what}: no download");
    assert!(!response.body.starts_with(b"%PDF"), "{what}: no PDF");
}

/// Every link of the page's error summary leads to an element of the page (the field with the problem).
#[track_caller]
fn assert_summary_links_resolve(response: &Response, what: &str) {
    let html = response.html();
    let links = scraper::Selector::parse(".error-summary a").expect("selector");
    let targets: Vec<String> = html
        .0
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .map(|h| h.trim_start_matches('#').to_owned())
        .collect();
    assert!(!targets.is_empty(), "{what}: an error summary with links");
    for id in targets {
        assert!(
            html.has(&format!("[id=\"{id}\"]")),
            "{what}: the error summary links to #{id}, which is not on the page"
        );
    }
}

/// The mm per module the summary states ("QR modules come out at 0.52 mm…" or "…is only 0.31 mm…").
fn module_mm(page: &Page) -> Option<f32> {
    let text = page.text();
    let rest = text.split_once("QR modules come out at ").or_else(|| text.split_once("a QR module is only "))?.1;
    rest.split_once(" mm")?.0.parse().ok()
}

async fn the_print_form_offers_deployments_and_templates_and_sums_up_a_selection(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;

    let page = admin.get("/labels").await;
    page.expect_status(200, "GET /labels");
    let html = page.html();
    assert_eq!(html.text_of("h1").as_deref(), Some("Print labels"));
    let deployments = html.texts_of("select[name=\"deployment\"] option");
    assert_eq!(deployments, ["All deployments I work at", "North Hall"], "the deployment select");
    let templates = html.texts_of("select[name=\"template\"] option");
    assert!(templates.iter().any(|t| t.starts_with("Avery L7160 — 63.5 × 38.1 mm, 3 × 7")), "{templates:?}");
    for name in ["Avery L7163", "Avery L7651", "Avery 5160", "Avery 5163", "Roll 62 × 29 mm"] {
        assert!(templates.iter().any(|t| t.starts_with(name)), "{name} offered: {templates:?}");
    }
    assert_eq!(html.field_value("template").as_deref(), Some("avery-l7160"), "the default template");
    assert!(!html.has("#summary-heading"), "no selection, no summary");

    let page = admin.get(&with_query("/labels", &[("deployment", &s.north.to_string())])).await;
    page.expect_status(200, "GET /labels?deployment=");
    let html = page.html();
    assert_eq!(html.text_of("#summary-heading").as_deref(), Some("3 devices selected"));
    assert!(html.text().contains("Robot 1, Robot 2, Robot 3."), "the devices named");
    assert_eq!(html.field_value("deployment").as_deref(), Some(s.north.to_string().as_str()), "kept selected");
    let module = module_mm(&html).unwrap_or_else(|| panic!("no module-size line in {}", html.text()));
    assert!((0.2..2.0).contains(&module), "module size {module} mm");
}

async fn a_pasted_list_with_a_typo_shows_the_entry_that_matched_nothing(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let token = s.acme.portal_token(s.robots[2]).await;
    let listed = format!("SN-001\nsn-002\nSN-0O4\nhttp://127.0.0.1:8080/d/{}", token.to_lowercase());
    let page = admin.get(&with_query("/labels", &[("listed", &listed)])).await;
    page.expect_status(200, "check a pasted list");
    let html = page.html();
    assert_eq!(html.text_of("#summary-heading").as_deref(), Some("3 devices selected"), "serials and a link match");
    let banner = html.texts_of(".banner").into_iter().find(|b| b.contains("no device")).expect("unmatched banner");
    assert_eq!(banner, "1 entry matches no device: SN-0O4");
    assert_eq!(html.field_value("listed").as_deref().map(str::trim), Some(listed.as_str()), "the list is kept");
}

async fn a_small_print_downloads_a_pdf_and_the_deployment_remembers_its_choices(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    admin.get("/labels").await.expect_status(200, "GET /labels");
    let north = s.north.to_string();
    let response = admin
        .post_form(
            "/labels",
            &[
                ("deployment", &north),
                ("format", "pdf"),
                ("template", "avery-l7163"),
                ("start_at", "0"),
                ("printer_profile", ""),
                ("fields_chosen", "true"),
                ("field_name", "true"),
                ("field_cta", "true"),
                ("png_px", "512"),
            ],
        )
        .await;
    assert_pdf_download(&response, "POST /labels");
    let disposition = response.header("content-disposition").unwrap_or_default();
    assert!(disposition.contains("labels-North_Hall-"), "named by deployment: {disposition}");
    if let Some(text) = tools::pdf_text(&response.body) {
        for shown in ["Robot 1", "Robot 2", "Robot 3", "Scan to report a problem"] {
            assert!(text.contains(shown), "{shown} printed: {text}");
        }
        assert!(!text.contains("SN-001") && !text.contains("North Hall"), "serial and site not ticked: {text}");
    }
    if let Some(mut codes) = tools::decode_pdf_first_page(&response.body) {
        codes.sort();
        let mut expected = Vec::new();
        for robot in &s.robots {
            expected.push(code_of(&s.acme, *robot).await);
        }
        expected.sort();
        assert_eq!(codes, expected, "every label's code is its device's upper-case portal URL");
    }

    // The deployment remembers the template and the fields.
    let page = admin.get(&with_query("/labels", &[("deployment", &north)])).await;
    page.expect_status(200, "GET /labels?deployment= after printing");
    let html = page.html();
    assert_eq!(html.field_value("template").as_deref(), Some("avery-l7163"), "remembered template");
    for (field, on) in [
        ("field_name", true),
        ("field_cta", true),
        ("field_serial", false),
        ("field_site", false),
        ("field_logo", false),
    ] {
        assert_eq!(html.has(&format!("input[name=\"{field}\"][checked]")), on, "{field} remembered as {on}");
    }
    // As a person uses the form: open it, choose the deployment, leave the rest as shown. The choices
    // below the deployment select were filled in for no deployment; the deployment's own take their place.
    let fresh = admin.get("/labels").await.html();
    let untouched = fill(&form_values(&fresh, "form[action=\"/labels\"]"), &[("deployment", &north)]);
    assert!(untouched.iter().any(|(n, v)| n == "template" && v == "avery-l7160"), "the form shows the default");
    let checked = admin.get(&format!("/labels?{}", serde_urlencoded::to_string(&untouched).expect("query"))).await;
    checked.expect_status(200, "Check the selection");
    let checked = checked.html();
    assert_eq!(checked.field_value("template").as_deref(), Some("avery-l7163"), "the deployment's template");
    assert!(!checked.has("input[name=\"field_serial\"][checked]"), "the deployment's fields");
    let pairs: Vec<(&str, &str)> = untouched.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = admin.post_form_raw("/labels", &pairs).await;
    assert_pdf_download(&response, "Print labels right after choosing the deployment");
    if let Some(text) = tools::pdf_text(&response.body) {
        assert!(!text.contains("SN-001"), "printed with the deployment's fields: {text}");
    }
    let again = admin.get(&with_query("/labels", &[("deployment", &north)])).await.html();
    assert_eq!(again.field_value("template").as_deref(), Some("avery-l7163"), "still remembered, not overwritten");
    // A choice changed on the page stays, though the deployment changed too.
    let changed = fill(
        &form_values(&fresh, "form[action=\"/labels\"]"),
        &[("deployment", &north), ("template", "avery-l7651"), ("field_logo", "true")],
    );
    let page = admin.get(&format!("/labels?{}", serde_urlencoded::to_string(&changed).expect("query"))).await.html();
    assert_eq!(page.field_value("template").as_deref(), Some("avery-l7651"), "the template chosen on the page");
    assert!(page.has("input[name=\"field_logo\"][checked]"), "the field ticked on the page");
    assert!(page.has("input[name=\"field_serial\"][checked]"), "with the others as shown");

    // Another deployment keeps the defaults.
    let south = s.acme.deployment("South Yard").await;
    let page = admin.get(&with_query("/labels", &[("deployment", &south.to_string())])).await.html();
    assert_eq!(page.field_value("template").as_deref(), Some("avery-l7160"));
    assert!(page.has("input[name=\"field_serial\"][checked]"));
}

async fn a_csv_print_has_one_row_per_device(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    admin.get("/labels").await.expect_status(200, "GET /labels");
    let response = admin
        .post_form("/labels", &[("deployment", &s.north.to_string()), ("format", "csv"), ("fields_chosen", "true")])
        .await;
    response.expect_status(200, "CSV print");
    assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        response.header("content-disposition").is_some_and(|d| d.starts_with("attachment") && d.ends_with(".csv\""))
    );
    let text = response.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + s.robots.len(), "a header and one row per device: {text}");
    for (i, robot) in s.robots.iter().enumerate() {
        let row = lines[i + 1];
        assert!(row.starts_with(&format!("Robot {},SN-00{},North Hall,", i + 1, i + 1)), "{row}");
        assert!(row.ends_with(&code_of(&s.acme, *robot).await), "{row}");
    }
}

/// A queued or running job of `workspace`, as `jobs::start` and its rendering process record it.
async fn insert_job(app: &TestApp, workspace: &Workspace, by: UserId, status: &str, total: i64, done: i64) -> String {
    let row = JobRow {
        id: uuid_like(),
        workspace_id: workspace.id.to_string(),
        created_by: Some(by.to_string()),
        status: status.to_owned(),
        format: "pdf".to_owned(),
        request: "{}".to_owned(),
        total,
        done,
        result_key: None,
        result_name: None,
        result_bytes: None,
        error: None,
        created_at: app.app.now(),
        heartbeat_at: app.app.now(),
        finished_at: None,
    };
    let mut tx = app.app.store.begin().await.expect("begin");
    tagdesk_store::labels::insert_job(&mut tx, &row).await.expect("insert job");
    // Progress as the rendering process reports it.
    tagdesk_store::labels::job_heartbeat(&mut tx, &row.id, status == "running", done, app.app.now())
        .await
        .expect("progress");
    tx.commit().await.expect("commit");
    row.id
}

/// A fresh id in the shape of a UUID.
fn uuid_like() -> String {
    let hex = tagdesk_app::auth::random_token();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

async fn a_large_print_runs_as_a_job_with_progress_and_a_download(app: &TestApp) {
    let (web, _files) = with_files(app);
    let acme = web.workspace("Acme").await;
    let warehouse = acme.deployment("Warehouse").await;
    let count = SYNC_LABEL_LIMIT + 1;
    let mut csv = String::from("name,serial_number\n");
    for i in 1..=count {
        csv.push_str(&format!("Crate {i:03},CR-{i:04}\n"));
    }
    tagdesk_app::devices::import_csv(&web.app, &acme.system(), warehouse, csv.as_bytes(), &|_, _| {})
        .await
        .expect("import devices");
    let admin = web.sign_in(&acme.admin_email, PASSWORD).await;
    let warehouse = warehouse.to_string();

    let form = admin.get(&with_query("/labels", &[("deployment", &warehouse)])).await;
    form.expect_status(200, "check a large selection");
    let html = form.html();
    assert_eq!(html.text_of("#summary-heading"), Some(format!("{count} devices selected")));
    assert!(html.text().contains(&format!("More than {SYNC_LABEL_LIMIT} labels are made in the background")));

    let response = admin
        .post_form(
            "/labels",
            &[("deployment", &warehouse), ("format", "pdf"), ("fields_chosen", "true"), ("field_name", "true")],
        )
        .await;
    response.expect_status(303, "a large print");
    let location = response.location().to_owned();
    let id =
        location.strip_prefix("/labels/jobs/").unwrap_or_else(|| panic!("redirects to the job: {location}")).to_owned();

    let page = admin.get(&location).await;
    page.expect_status(200, "the job page");
    let html = page.html();
    assert!(html.has("progress#job-progress[max=\"100\"]"), "a progress bar");
    assert!(html.text().contains(&format!("of {count} labels")), "{}", html.text());
    // It may already be done on a fast machine; while it runs, the page updates itself.
    if html.text_of("h1").as_deref() == Some("Making your labels") {
        assert_updates_itself(&page, &id);
    }

    // A running job as another process left it: progress, updates, no download.
    let running = insert_job(&web, &acme, acme.admin_id, "running", 1000, 250).await;
    let page = admin.get(&format!("/labels/jobs/{running}")).await;
    page.expect_status(200, "a running job");
    assert_updates_itself(&page, &running);
    let html = page.html();
    assert_eq!(html.text_of("h1").as_deref(), Some("Making your labels"));
    assert_eq!(html.attr("progress#job-progress", "value").as_deref(), Some("25"));
    assert!(html.text().contains("250 of 1000 labels") && html.text().contains("25 %"), "{}", html.text());
    assert!(!html.has("a[href$=\"/download\"]"), "no download while running");
    admin.get(&format!("/labels/jobs/{running}/download")).await.expect_status(409, "download before done");
    let progress = admin.get(&format!("/labels/jobs/{running}/status")).await;
    progress.expect_status(200, "the job's progress as JSON");
    assert_eq!(
        progress.json(),
        serde_json::json!({"status": "running", "done": 250, "total": 1000, "percent": 25, "running": true})
    );
    let script = web.get("/static/label-job.js").await;
    script.expect_status(200, "the job page's script");
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(script.text().contains("data-job-status"));

    // Wait for the real job.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let job = jobs::get(&web.app, &acme.system(), &id).await.expect("the job");
        match job.status {
            JobStatus::Done => break,
            JobStatus::Failed => panic!("the job failed: {:?}", job.error),
            _ if Instant::now() > deadline => panic!("the job is not done after 180 s: {job:?}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let page = admin.get(&location).await;
    page.expect_status(200, "the finished job");
    let html = page.html();
    assert_eq!(html.text_of("h1").as_deref(), Some("Your labels are ready"));
    assert!(
        !page.text().contains("http-equiv=\"refresh\"") && !html.has("[data-job-status]"),
        "a finished job stops updating"
    );
    assert_eq!(admin.get(&format!("/labels/jobs/{id}/status")).await.json()["running"], false);
    assert_eq!(html.attr("progress#job-progress", "value").as_deref(), Some("100"));
    let link = format!("/labels/jobs/{id}/download");
    let text = html.text_of(&format!("a[href=\"{link}\"]")).expect("a download link");
    assert!(text.starts_with("Download labels-Warehouse-") && text.contains(".pdf ("), "{text}");
    let download = admin.get(&link).await;
    assert_pdf_download(&download, "the job's download");
    if let Some(text) = tools::pdf_text(&download.body) {
        assert!(text.contains("Crate 001") && text.contains(&format!("Crate {count:03}")), "first and last label");
    }
}

/// A running job's page updates itself: with scripts, `label-job.js` polls the status URL and changes the
/// page in place; without, a `<noscript>` meta refresh reloads it every two seconds.
#[track_caller]
fn assert_updates_itself(page: &Response, id: &str) {
    let text = page.text();
    assert!(
        text.contains("<noscript><meta http-equiv=\"refresh\" content=\"2\"></noscript>"),
        "a refresh without scripts"
    );
    let html = page.html();
    assert!(html.has("script[src=\"/static/label-job.js\"][defer]"), "the progress script");
    assert_eq!(html.attr("[data-job-status]", "data-job-status"), Some(format!("/labels/jobs/{id}/status")));
    assert!(html.has("#job-progress-label") && html.has("#job-status[role=\"status\"]"), "what the script updates");
}

async fn a_start_position_beyond_the_sheet_is_refused_on_the_form(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    admin.get("/labels").await.expect_status(200, "GET /labels");
    let response = admin
        .post_form(
            "/labels",
            &[
                ("deployment", &s.north.to_string()),
                ("template", "avery-l7160"),
                ("start_at", "21"),
                ("fields_chosen", "true"),
            ],
        )
        .await;
    assert_refused(&response, 422, "start at 21 on a 21-label sheet");
    assert_summary_links_resolve(&response, "start at 21");
    let html = response.html();
    let message = html.field_error("start_at").expect("an error at the start field");
    assert_eq!(message, "Each Avery L7160 sheet has 21 labels: skip 0 to 20.");
    assert!(html.text_of(".error-summary").is_some_and(|t| t.contains(&message)), "in the error summary");
    assert_eq!(html.field_value("start_at").as_deref(), Some("21"), "the value is kept");
    assert_eq!(html.field_value("template").as_deref(), Some("avery-l7160"));
    // Not a number either.
    let response = admin.post_form("/labels", &[("deployment", &s.north.to_string()), ("start_at", "two")]).await;
    assert_refused(&response, 422, "start at two");
    assert!(response.html().field_error("start_at").is_some_and(|m| m.contains("number of labels already used")));
    // Nothing chosen.
    let response = admin.post_form("/labels", &[("format", "pdf"), ("fields_chosen", "true")]).await;
    assert_refused(&response, 422, "no selection");
    assert!(response.html().text().contains("Choose which devices to print"), "{}", response.text());
    assert_summary_links_resolve(&response, "no selection");
}

async fn a_viewer_cannot_print_or_replace_labels(app: &TestApp) {
    let s = site(app).await;
    let (_, viewer) = s.acme.member("viewer", &[(s.north, DeploymentRole::Viewer)]).await;
    let browser = app.sign_in(&viewer, PASSWORD).await;
    let page = browser.get("/labels").await;
    page.expect_status(200, "the print form");
    assert_eq!(
        page.html().texts_of("select[name=\"deployment\"] option"),
        ["All deployments I work at"],
        "none to print"
    );

    let north = s.north.to_string();
    let response = browser.post_form("/labels", &[("deployment", &north), ("format", "pdf")]).await;
    assert_refused(&response, 403, "a viewer prints a deployment");
    let response = browser.post_form("/labels", &[("listed", "SN-001"), ("format", "pdf")]).await;
    assert_refused(&response, 422, "a viewer prints a listed device");
    assert!(response.html().text().contains("No devices match this selection."), "{}", response.text());
    let response = browser.post_form("/labels", &[("deployment", &north), ("format", "csv")]).await;
    assert_refused(&response, 403, "a viewer's CSV");
    let robot = s.robots[0];
    assert_refused(&browser.get(&format!("/devices/{robot}/label.pdf")).await, 403, "a viewer's single label");

    let before = s.acme.portal_token(robot).await;
    let response = browser
        .post_form("/labels/replace", &[("deployment", &north), ("listed", "SN-001"), ("confirm_replace", "true")])
        .await;
    assert_refused(&response, 403, "a viewer replaces labels");
    assert_eq!(s.acme.portal_token(robot).await, before, "the label still works");

    let device = browser.get(&format!("/devices/{robot}")).await;
    device.expect_status(200, "the device page");
    assert!(!device.html().has("#label-heading"), "no label panel for a viewer");

    // Viewer at one deployment, technician at another: "all deployments I work at" means the second only.
    let south = s.acme.deployment("South Yard").await;
    s.acme.device(south, "Robot S", "SN-S01").await;
    let (_, mixed) =
        s.acme.member("mixed", &[(s.north, DeploymentRole::Viewer), (south, DeploymentRole::Technician)]).await;
    let mixed = app.sign_in(&mixed, PASSWORD).await;
    let page = mixed.get(&with_query("/labels", &[("search", "Robot")])).await;
    page.expect_status(200, "search across deployments");
    let html = page.html();
    assert_eq!(html.texts_of("select[name=\"deployment\"] option"), ["All deployments I work at", "South Yard"]);
    assert_eq!(html.text_of("#summary-heading").as_deref(), Some("1 device selected"), "{}", html.text());
    let response = mixed.post_form("/labels", &[("search", "Robot"), ("format", "pdf")]).await;
    assert_pdf_download(&response, "a print across the deployments one works at");
    if let Some(text) = tools::pdf_text(&response.body) {
        assert!(text.contains("Robot S") && !text.contains("Robot 1"), "only South's device: {text}");
    }
    assert_refused(&mixed.post_form("/labels", &[("deployment", &north)]).await, 403, "naming the viewed deployment");
}

async fn another_workspaces_job_is_not_found(app: &TestApp) {
    let s = site(app).await;
    let job = insert_job(app, &s.acme, s.acme.admin_id, "running", 400, 10).await;
    let acme = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    acme.get(&format!("/labels/jobs/{job}")).await.expect_status(200, "its own job");

    let globex = app.workspace("Globex").await;
    let other = app.sign_in(&globex.admin_email, PASSWORD).await;
    for path in [
        format!("/labels/jobs/{job}"),
        format!("/labels/jobs/{job}/download"),
        format!("/labels/jobs/{job}/status"),
        "/labels/jobs/nonsense".to_owned(),
    ] {
        assert_refused(&other.get(&path).await, 404, &path);
    }
    // A member only sees their own jobs.
    let (_, tech) = s.acme.member("tech", &[(s.north, DeploymentRole::Technician)]).await;
    let tech = app.sign_in(&tech, PASSWORD).await;
    assert_refused(&tech.get(&format!("/labels/jobs/{job}")).await, 404, "another member's job");
}

async fn custom_templates_are_validated_listed_and_deleted(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let page = admin.get("/labels/templates").await;
    page.expect_status(200, "the templates page");
    let names = page.html().texts_of("tbody tr td:first-child strong");
    assert!(names.iter().any(|n| n == "Avery L7160"), "{names:?}");

    let shelf = [
        ("name", "Shelf 70x35"),
        ("description", "Plain shelf labels"),
        ("page_width", "210"),
        ("page_height", "297"),
        ("columns", "3"),
        ("rows", "8"),
        ("label_width", "70"),
        ("label_height", "35"),
        ("left_margin", "0"),
        ("top_margin", "8,5"),
        ("pitch_x", ""),
        ("pitch_y", ""),
        ("corner_radius", ""),
    ];
    let response = admin.post_form("/labels/templates/custom", &shelf).await;
    response.expect_status(303, "save a custom template");
    assert_eq!(response.location(), "/labels/templates");
    let page = admin.get("/labels/templates").await.html();
    assert_eq!(page.text_of(".flash").as_deref(), Some("Saved the template Shelf 70x35 (24 labels per page)."));
    let row = page.texts_of("tbody tr").into_iter().find(|r| r.contains("Shelf 70x35")).expect("listed");
    assert!(
        row.contains("custom-shelf-70x35")
            && row.contains("70 × 35 mm, 3 × 8 on 210 × 297 mm")
            && row.contains("Custom"),
        "{row}"
    );
    let print = admin.get("/labels").await.html();
    assert!(
        print.texts_of("select[name=\"template\"] option").iter().any(|t| t.starts_with("Shelf 70x35")),
        "printable"
    );

    // Overlapping labels.
    let mut overlap = shelf;
    overlap[0] = ("name", "Overlap");
    overlap[10] = ("pitch_x", "60");
    let response = admin.post_form("/labels/templates/custom", &overlap).await;
    assert_refused(&response, 422, "overlapping pitch");
    assert_summary_links_resolve(&response, "overlapping pitch");
    let html = response.html();
    let summary = html.text_of(".error-summary").expect("an error summary");
    assert!(
        summary.contains("The horizontal pitch (60 mm) is smaller than the label width (70 mm): labels would overlap."),
        "{summary}"
    );
    assert_eq!(html.field_value("pitch_x").as_deref(), Some("60"), "typed values kept");
    assert_eq!(html.field_value("name").as_deref(), Some("Overlap"));
    // A bad number.
    let mut bad = shelf;
    bad[6] = ("label_width", "seventy");
    let response = admin.post_form("/labels/templates/custom", &bad).await;
    assert_refused(&response, 422, "a bad number");
    assert!(response.html().field_error("label_width").is_some_and(|m| m.contains("millimetres")));

    // Members may not define templates.
    let (_, tech) = s.acme.member("tech", &[(s.north, DeploymentRole::Technician)]).await;
    let tech = app.sign_in(&tech, PASSWORD).await;
    let page = tech.get("/labels/templates").await;
    page.expect_status(200, "a technician sees the templates");
    assert!(!page.html().has("form[action=\"/labels/templates/custom\"]"), "no custom form for members");
    assert_refused(&tech.post_form("/labels/templates/custom", &overlap).await, 403, "a technician saves a template");

    let response = admin.post_form("/labels/templates/custom-shelf-70x35/delete", &[]).await;
    response.expect_status(303, "delete the template");
    let page = admin.get("/labels/templates").await.html();
    assert_eq!(page.text_of(".flash").as_deref(), Some("The template was deleted."));
    assert!(!page.text().contains("Shelf 70x35"), "gone");
    assert_refused(&admin.post_form("/labels/templates/avery-l7160/delete", &[]).await, 404, "a built-in template");
}

const GLABELS_XML: &str = r#"<?xml version="1.0"?>
<Glabels-templates>
  <Template brand="Testco" part="T-100" size="A4" _description="Shelf labels">
    <Meta category="label"/>
    <Label-rectangle id="0" width="70mm" height="37mm" round="0">
      <Layout nx="3" ny="8" x0="0" y0="0.5mm" dx="70mm" dy="37mm"/>
    </Label-rectangle>
  </Template>
  <Template brand="Testco" part="T-100B" equiv="T-100"/>
  <Template brand="Testco" part="R-40" size="A4">
    <Label-round radius="20mm"><Layout nx="4" ny="6" x0="5mm" y0="5mm" dx="50mm" dy="48mm"/></Label-round>
  </Template>
</Glabels-templates>
"#;

async fn glabels_files_import_through_a_multipart_upload(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let page = admin.get("/labels/templates").await;
    page.expect_status(200, "the templates page");
    let action = page.html().attr("form[enctype=\"multipart/form-data\"]", "action").expect("an import form");
    assert!(action.starts_with("/labels/templates/import?_csrf="), "{action}");

    let response =
        admin.post_multipart("/labels/templates/import", &[], ("files", "testco.xml", GLABELS_XML.as_bytes())).await;
    response.expect_status(303, "import");
    let page = admin.get("/labels/templates").await.html();
    let notice = page.text_of(".flash").expect("a notice");
    assert_eq!(notice, "Read 1 template: 1 new, 0 updated, 1 product code as an alias. Skipped 1 (round labels: 1).");
    let row = page.texts_of("tbody tr").into_iter().find(|r| r.contains("Testco T-100")).expect("imported");
    assert!(row.contains("Also: T-100B") && row.contains("gLabels") && row.contains("glabels-testco-t-100"), "{row}");
    assert!(row.contains("70 × 37 mm, 3 × 8 on 210 × 297 mm"), "{row}");
    assert!(!page.text().contains("Testco R-40"), "the round template is skipped");

    // Again: the same template is updated, not doubled.
    admin.post_multipart("/labels/templates/import", &[], ("files", "testco.xml", GLABELS_XML.as_bytes())).await;
    let page = admin.get("/labels/templates").await.html();
    assert!(page.text_of(".flash").is_some_and(|n| n.contains("0 new, 1 updated")));
    assert_eq!(page.texts_of("tbody tr").iter().filter(|r| r.contains("Testco T-100")).count(), 1);

    // Not a gLabels file.
    let response =
        admin.post_multipart("/labels/templates/import", &[], ("files", "other.xml", b"<html></html>")).await;
    assert_refused(&response, 422, "not a gLabels file");
    assert_summary_links_resolve(&response, "not a gLabels file");
    assert!(
        response.html().field_error("files").is_some_and(|m| m.contains("not a gLabels template file")),
        "{}",
        response.text()
    );
    // Without the CSRF token in the query.
    let (body, content_type) = crate::support::multipart(&[], ("files", "testco.xml", GLABELS_XML.as_bytes()));
    let response = admin
        .send(axum::http::Method::POST, "/labels/templates/import", vec![("content-type", content_type)], body)
        .await;
    response.expect_status(403, "an import without the CSRF token");

    let response = admin.post_form("/labels/templates/glabels-testco-t-100/delete", &[]).await;
    response.expect_status(303, "delete the imported template");
    assert!(!admin.get("/labels/templates").await.text().contains("Testco T-100"));
}

async fn the_alignment_test_page_says_print_at_100_percent(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let page = admin.get("/labels/templates").await.html();
    assert!(page.has("a[href=\"/labels/templates/avery-l7160/alignment.pdf\"]"), "a test page link per template");
    let response = admin.get("/labels/templates/avery-l7160/alignment.pdf").await;
    assert_pdf_download(&response, "the alignment test page");
    assert!(response.header("content-disposition").is_some_and(|d| d.contains("alignment-avery-l7160.pdf")));
    if let Some(text) = tools::pdf_text(&response.body) {
        assert!(text.contains("100 %"), "says print at 100 %: {text}");
    }
    let response = admin.get("/labels/alignment.pdf?template=avery-5160&printer_profile=").await;
    assert_pdf_download(&response, "the alignment test page by query");
    let response = admin.get("/labels/templates/no-such-template/alignment.pdf").await;
    assert!(
        response.status.is_client_error() && !response.body.starts_with(b"%PDF"),
        "unknown template: {}",
        response.status
    );
}

async fn printer_profiles_keep_signed_offsets_within_range(app: &TestApp) {
    let s = site(app).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let page = admin.get("/labels/printers").await;
    page.expect_status(200, "the printers page");
    assert!(page.html().text().contains("No printer profiles yet"));

    let response = admin
        .post_form(
            "/labels/printers",
            &[("id", ""), ("name", "Office laser"), ("offset_x", "1.5"), ("offset_y", "-0.75")],
        )
        .await;
    response.expect_status(303, "save a profile");
    let page = admin.get("/labels/printers").await.html();
    assert_eq!(page.text_of(".flash").as_deref(), Some("Saved the printer profile Office laser."));
    assert_eq!(page.texts_of("tbody tr td"), ["Office laser", "+1.50 mm", "-0.75 mm", "Delete Office laser"]);
    let id = page.attr("select[name=\"id\"] option:nth-child(2)", "value").expect("the profile's id");
    let print = admin.get("/labels").await.html();
    assert!(
        print
            .texts_of("select[name=\"printer_profile\"] option")
            .contains(&"Office laser (+1.50 mm, -0.75 mm)".to_owned())
    );

    let response = admin
        .post_form("/labels/printers", &[("id", ""), ("name", "Wobbly"), ("offset_x", "25"), ("offset_y", "0")])
        .await;
    assert_refused(&response, 422, "an offset of 25 mm");
    assert_summary_links_resolve(&response, "an offset of 25 mm");
    let html = response.html();
    assert_eq!(html.field_error("offset_x").as_deref(), Some("An offset is between −20 and 20 mm."));
    assert_eq!(html.field_value("offset_x").as_deref(), Some("25"), "kept as typed");
    let response = admin
        .post_form("/labels/printers", &[("id", ""), ("name", "Typo"), ("offset_x", "1.5mm"), ("offset_y", "0")])
        .await;
    assert_refused(&response, 422, "not a number");

    // The test page with the profile, and a print with it.
    let response =
        admin.get(&with_query("/labels/alignment.pdf", &[("template", "avery-l7160"), ("printer_profile", &id)])).await;
    assert_pdf_download(&response, "the test page with a profile");
    let response = admin
        .post_form(
            "/labels",
            &[
                ("deployment", &s.north.to_string()),
                ("printer_profile", &id),
                ("fields_chosen", "true"),
                ("field_name", "true"),
            ],
        )
        .await;
    assert_pdf_download(&response, "a print with a profile");
    let page = admin.get(&with_query("/labels", &[("deployment", &s.north.to_string())])).await.html();
    assert_eq!(
        page.field_value("printer_profile").as_deref(),
        Some(id.as_str()),
        "the deployment remembers the printer"
    );

    let response = admin.post_form(&format!("/labels/printers/{id}/delete"), &[]).await;
    response.expect_status(303, "delete the profile");
    assert!(admin.get("/labels/printers").await.html().text().contains("No printer profiles yet"));
}

/// A 24 × 12 px PNG: a red square beside a transparent one.
fn small_png() -> Vec<u8> {
    let image = image::RgbaImage::from_fn(24, 12, |x, _| {
        if x < 12 { image::Rgba([200, 30, 30, 255]) } else { image::Rgba([0, 0, 0, 0]) }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).expect("encode PNG");
    out.into_inner()
}

async fn qr_error_correction_and_the_logo_are_workspace_settings(app: &TestApp) {
    let (web, _files) = with_files(app);
    let acme = web.workspace("Acme").await;
    let north = acme.deployment("North Hall").await;
    let robot = acme.device(north, "Robot 1", "SN-001").await;
    let admin = web.sign_in(&acme.admin_email, PASSWORD).await;
    let page = admin.get("/labels/settings").await;
    page.expect_status(200, "the settings page");
    let html = page.html();
    assert!(html.has("input[name=\"qr_ec_level\"][value=\"M\"][checked]"), "M by default");
    assert!(html.text().contains("No logo yet."));

    let response = admin.post_form("/labels/settings/qr", &[("qr_ec_level", "H")]).await;
    response.expect_status(303, "set EC level H");
    let html = admin.get("/labels/settings").await.html();
    assert!(html.has("input[name=\"qr_ec_level\"][value=\"H\"][checked]"), "H saved");
    assert_eq!(html.text_of(".flash").as_deref(), Some("Saved. New codes use this error correction level."));
    let response = admin.post_form("/labels/settings/qr", &[("qr_ec_level", "Z")]).await;
    assert_refused(&response, 422, "an unknown level");
    assert_summary_links_resolve(&response, "an unknown level");
    // Codes still decode at H.
    let png = admin.get(&format!("/devices/{robot}/qr.png?size=512")).await;
    png.expect_status(200, "a code at level H");
    if let Some(codes) = tools::decode_png(&png.body) {
        assert_eq!(codes, [code_of(&acme, robot).await]);
    }

    let response = admin.post_multipart("/labels/settings/logo", &[], ("logo", "logo.png", &small_png())).await;
    response.expect_status(303, "upload a logo");
    let html = admin.get("/labels/settings").await.html();
    assert!(html.has("img[src=\"/labels/settings/logo\"][alt]"), "the logo is shown");
    assert!(html.has("form[action=\"/labels/settings/logo/delete\"]"), "and can be removed");
    let logo = admin.get("/labels/settings/logo").await;
    logo.expect_status(200, "the logo");
    assert_eq!(logo.header("content-type"), Some("image/png"));
    assert!(logo.body.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let decoded = image::load_from_memory(&logo.body).expect("a readable PNG");
    assert!(decoded.width() > 0 && decoded.height() > 0);

    // Labels with the logo still print.
    let response = admin
        .post_form(
            "/labels",
            &[
                ("deployment", &north.to_string()),
                ("fields_chosen", "true"),
                ("field_name", "true"),
                ("field_logo", "true"),
            ],
        )
        .await;
    assert_pdf_download(&response, "labels with the logo");

    let response = admin.post_multipart("/labels/settings/logo", &[], ("logo", "logo.png", b"GIF89a not really")).await;
    assert_refused(&response, 422, "a non-image logo");
    assert_summary_links_resolve(&response, "a non-image logo");
    assert!(response.html().field_error("logo").is_some_and(|m| m.contains("PNG or SVG")), "{}", response.text());
    assert!(response.html().has("img[src=\"/labels/settings/logo\"]"), "the old logo stays");

    let response = admin.post_form("/labels/settings/logo/delete", &[]).await;
    response.expect_status(303, "remove the logo");
    assert!(admin.get("/labels/settings").await.html().text().contains("No logo yet."));
    admin.get("/labels/settings/logo").await.expect_status(404, "no logo");

    // Members see the settings but cannot change them.
    let (_, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let tech = web.sign_in(&tech, PASSWORD).await;
    let page = tech.get("/labels/settings").await;
    page.expect_status(200, "a technician's settings page");
    assert!(page.html().text().contains("Error correction level H. Workspace admins can change it."));
    assert_refused(
        &tech.post_form("/labels/settings/qr", &[("qr_ec_level", "L")]).await,
        403,
        "a technician sets the level",
    );
}

async fn the_device_page_offers_its_code_and_label(app: &TestApp) {
    let s = site(app).await;
    let robot = s.robots[0];
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let page = admin.get(&format!("/devices/{robot}")).await;
    page.expect_status(200, "the device page");
    let html = page.html();
    assert_eq!(html.text_of("#label-heading").as_deref(), Some("Label"));
    assert_eq!(html.attr("img.qr-preview", "src"), Some(format!("/devices/{robot}/qr.svg")));
    assert!(html.attr("img.qr-preview", "alt").is_some_and(|a| a.contains("Robot 1")));
    assert!(html.has(&format!("form[action=\"/devices/{robot}/label.pdf\"] select[name=\"template\"]")));
    assert_eq!(
        html.attr(&format!("a[href=\"/labels?devices={robot}\"]"), "href"),
        Some(format!("/labels?devices={robot}"))
    );
    let code = code_of(&s.acme, robot).await;

    let svg = admin.get(&format!("/devices/{robot}/qr.svg")).await;
    svg.expect_status(200, "qr.svg");
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert_eq!(svg.header("cache-control"), Some("no-store"));
    assert!(svg.text().contains("<svg"), "an SVG");
    let download = admin.get(&format!("/devices/{robot}/qr.svg?download=1")).await;
    assert!(download.header("content-disposition").is_some_and(|d| d.starts_with("attachment")));

    let png = admin.get(&format!("/devices/{robot}/qr.png?size=256")).await;
    png.expect_status(200, "qr.png");
    assert_eq!(png.header("content-type"), Some("image/png"));
    let image = image::load_from_memory(&png.body).expect("a PNG");
    assert!(
        (200..=300).contains(&image.width()) && image.width() == image.height(),
        "{}×{}",
        image.width(),
        image.height()
    );
    if let Some(codes) = tools::decode_png(&png.body) {
        assert_eq!(codes, std::slice::from_ref(&code), "the code is the upper-case portal URL");
    }
    assert_refused(&admin.get(&format!("/devices/{robot}/qr.png?size=300")).await, 422, "an odd PNG size");

    let label =
        admin.get(&format!("/devices/{robot}/label.pdf?template=avery-l7160&start_at=4&fields=qr,name,serial")).await;
    assert_pdf_download(&label, "label.pdf");
    assert!(label.header("content-disposition").is_some_and(|d| d.contains("label-Robot_1_SN-001")), "named by device");
    if let Some(codes) = tools::decode_pdf_first_page(&label.body) {
        assert_eq!(codes, std::slice::from_ref(&code), "one label, the device's code");
    }
    let roll = admin.get(&format!("/devices/{robot}/label.pdf?template=roll-62x29")).await;
    assert_pdf_download(&roll, "a roll label");
    let unknown = DeviceId::new();
    assert_refused(&admin.get(&format!("/devices/{unknown}/qr.svg")).await, 404, "an unknown device's code");
}

async fn replacing_a_label_retires_the_old_code(app: &TestApp) {
    let s = site(app).await;
    s.acme.enable_portal(s.north, "4829").await;
    let robot = s.robots[0];
    let old = s.acme.portal_token(robot).await;
    let admin = app.sign_in(&s.acme.admin_email, PASSWORD).await;
    let page = admin.get(&format!("/devices/{robot}")).await.html();
    assert!(page.text().contains("The label of this device has never been replaced."));
    assert!(page.has(&format!("form[action=\"/devices/{robot}/portal-token\"]")), "a Replace label button");

    let response = admin.post_form(&format!("/devices/{robot}/portal-token"), &[]).await;
    response.expect_status(303, "replace the label");
    let page = admin.get(&format!("/devices/{robot}")).await.html();
    let history = page.texts_of("section[aria-labelledby=\"label-history-heading\"] .timeline li");
    assert_eq!(history.len(), 1, "{history:?}");
    assert!(history[0].contains("Acme Admin") && history[0].contains("Replaced the label"), "{history:?}");

    let new = s.acme.portal_token(robot).await;
    assert_ne!(new, old);
    let visitor = app.visitor();
    visitor.get(&format!("/d/{old}")).await.expect_status(410, "the old label");
    visitor.get(&format!("/d/{new}")).await.expect_status(200, "the new label");
    let label = admin.get(&format!("/devices/{robot}/label.pdf")).await;
    assert_pdf_download(&label, "the new label");
    if let Some(codes) = tools::decode_pdf_first_page(&label.body) {
        assert_eq!(codes, [format!("{CODE_BASE}{}", new.to_uppercase())], "the new label has the new code");
    }

    // In bulk: the confirmation is needed, then the new labels come back at once.
    admin.get("/labels").await.expect_status(200, "GET /labels");
    let second = s.robots[1];
    let before = s.acme.portal_token(second).await;
    let response = admin.post_form("/labels/replace", &[("listed", "SN-002"), ("fields_chosen", "true")]).await;
    assert_refused(&response, 422, "replace without confirming");
    assert_summary_links_resolve(&response, "replace without confirming");
    assert!(response.html().has("details[open] #f-confirm_replace"), "the replace section is open to show its error");
    assert!(
        response
            .html()
            .field_error("confirm_replace")
            .is_some_and(|m| m.contains("old labels of these devices stop working"))
    );
    assert_eq!(s.acme.portal_token(second).await, before, "nothing replaced");
    let response = admin
        .post_form(
            "/labels/replace",
            &[("listed", "SN-002"), ("fields_chosen", "true"), ("field_name", "true"), ("confirm_replace", "true")],
        )
        .await;
    assert_pdf_download(&response, "replace and print");
    let after = s.acme.portal_token(second).await;
    assert_ne!(after, before);
    visitor.get(&format!("/d/{before}")).await.expect_status(410, "the second old label");
    if let Some(codes) = tools::decode_pdf_first_page(&response.body) {
        assert_eq!(codes, [format!("{CODE_BASE}{}", after.to_uppercase())]);
    }
    let page = admin.get(&format!("/devices/{second}")).await.html();
    assert_eq!(page.texts_of("section[aria-labelledby=\"label-history-heading\"] .timeline li").len(), 1);
}
