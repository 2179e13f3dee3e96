//! The label API end to end: QR codes that decode (zbarimg) to the device's upper-case portal URL, single
//! labels and sync prints that are valid PDFs (qpdf), CSV prints, a large print through a job to its
//! download, custom template validation, a gLabels import, replacing labels (the old code then says
//! "replaced", the new label decodes to the new URL), workspace isolation and the viewer's 403.
//!
//! The external tools (`zbarimg`, `qpdf`, `pdftoppm`) are installed by `.ci/run`; without them a test
//! prints a skip notice for the decoding part — unless `CI=true`, where a missing tool fails it (see
//! `tools.rs`).

use std::time::{Duration, Instant};

use axum::http::Method;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::response::IntoResponse as _;
use serde_json::{Value, json};
use tagdesk_app::labels::SYNC_LABEL_LIMIT;
use tagdesk_app::labels::render::PrintRequest;
use tagdesk_app::labels::select::Selection;
use tagdesk_domain::{DeploymentId, DeploymentRole};

use crate::support::{Response, TestApp, Workspace, api_field_error, both_backends, multipart_form, request};
use crate::tools;

both_backends!(
    qr_codes_decode_to_the_upper_case_portal_url,
    single_labels_are_valid_pdfs_on_the_chosen_template,
    small_prints_answer_with_the_file,
    large_prints_run_as_a_job_with_a_download,
    custom_templates_are_validated,
    glabels_files_are_imported,
    replacing_labels_revokes_the_old_codes,
    label_resources_stay_in_their_workspace,
    viewers_cannot_print_labels,
    printer_profiles_and_settings_through_the_api,
);

/// The QR payload the test server's devices carry (`WebConfig::for_tests` has `http://127.0.0.1:8080`).
fn payload(token: &str) -> String {
    format!("HTTP://127.0.0.1:8080/D/{}", token.to_ascii_uppercase())
}

// ---------------------------------------------------------------------------------------------------------
// External tools
// ---------------------------------------------------------------------------------------------------------

/// The QR codes `zbarimg` reads in a PGM image, or `None` without zbarimg outside CI.
fn decode_pgm(pgm: &[u8]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("code.pgm");
    std::fs::write(&path, pgm).expect("write PGM");
    let out = tools::run("zbarimg", &["--raw".as_ref(), "-q".as_ref(), path.as_os_str()])?;
    Some(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).filter(|l| !l.is_empty()).collect())
}

/// The number of pages of a PDF (`qpdf --show-npages`), or `None` without qpdf outside CI.
fn pdf_pages(pdf: &[u8]) -> Option<usize> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("pages.pdf");
    std::fs::write(&path, pdf).expect("write PDF");
    let out = tools::run("qpdf", &["--show-npages".as_ref(), path.as_os_str()])?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// A PDF that starts like one and passes `qpdf --check`.
#[track_caller]
fn assert_valid_pdf(pdf: &[u8], what: &str) {
    assert!(pdf.starts_with(b"%PDF-"), "{what}: starts with %PDF");
    tools::assert_qpdf_ok(pdf, what);
}

/// Rasterises the SVG our QR encoder writes (a `viewBox` of modules, one `<path>` of `M x y h n v1 h-n z`
/// runs) into a PGM at 8 pixels per module. Fails when the SVG has another shape.
fn svg_to_pgm(svg: &str) -> Vec<u8> {
    let view_box = svg.split("viewBox=\"").nth(1).and_then(|r| r.split('"').next()).expect("a viewBox");
    let side: usize = view_box.split(' ').nth(2).and_then(|s| s.parse().ok()).expect("a square viewBox");
    let d = svg.split(" d=\"").nth(1).and_then(|r| r.split('"').next()).expect("a path");
    let mut dark = vec![false; side * side];
    for run in d.split('z').filter(|r| !r.is_empty()) {
        let rest = run.strip_prefix('M').expect("runs start with M");
        let (xy, rest) = rest.split_once('h').expect("h");
        let (x, y) = xy.split_once(' ').expect("x y");
        let (n, _) = rest.split_once('v').expect("v");
        let (x, y, n): (usize, usize, usize) = (x.parse().expect("x"), y.parse().expect("y"), n.parse().expect("n"));
        for i in x..x + n {
            dark[y * side + i] = true;
        }
    }
    let scale = 8;
    let px = side * scale;
    let mut pgm = format!("P5\n{px} {px}\n255\n").into_bytes();
    for y in 0..px {
        for x in 0..px {
            pgm.push(if dark[(y / scale) * side + x / scale] { 0 } else { 255 });
        }
    }
    pgm
}

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

/// A request with a bearer key and a raw body of `content_type`.
async fn send_raw(app: &TestApp, key: &str, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> Response {
    let headers = [(AUTHORIZATION.as_str(), format!("Bearer {key}")), (CONTENT_TYPE.as_str(), content_type.to_owned())];
    app.send(request(method, path, &headers, body)).await
}

#[track_caller]
fn expect_file(response: &Response, content_type: &str, what: &str) {
    response.expect_status(200, what);
    assert_eq!(response.header("content-type"), Some(content_type), "{what}: type");
    assert_eq!(response.header("cache-control"), Some("no-store"), "{what}: the file embeds a token");
    let disposition = response.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment; filename=\""), "{what}: {disposition}");
    let name = disposition.trim_start_matches("attachment; filename=\"").trim_end_matches('"');
    assert!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')),
        "{what}: safe file name {name:?}"
    );
}

/// The same application with a file store for job results and logos (the harness's app has none). Keep
/// the temp dir alive while it is used.
fn with_files(app: &TestApp) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = tagdesk_app::attachments::LocalDirStore::new(dir.path().join("files"));
    let web =
        app.with_app(app.app.clone().with_attachments(std::sync::Arc::new(store)), tagdesk_web::WebConfig::for_tests());
    (web, dir)
}

/// A workspace with a deployment "North" and an API key.
async fn with_north(app: &TestApp, name: &str) -> (Workspace, DeploymentId, String) {
    let ws = app.workspace(name).await;
    let north = ws.deployment("North").await;
    let (_, key) = ws.api_key("labels").await;
    (ws, north, key)
}

/// Adds `count` devices `Scale 1…` (serials `SC-0001…`) to a deployment in one CSV import.
async fn many_devices(app: &TestApp, ws: &Workspace, deployment: DeploymentId, count: usize) {
    let mut csv = String::from("name,serial_number\n");
    for i in 1..=count {
        csv.push_str(&format!("Scale {i},SC-{i:04}\n"));
    }
    let report = tagdesk_app::devices::import_csv(&app.app, &ws.system(), deployment, csv.as_bytes(), &|_, _| {})
        .await
        .expect("import devices");
    assert_eq!(report.created, count as u64);
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------------------

async fn qr_codes_decode_to_the_upper_case_portal_url(app: &TestApp) {
    let (ws, north, key) = with_north(app, "Acme").await;
    let device = ws.device(north, "Scale 7", "SN-7").await;
    let token = ws.portal_token(device).await;
    let api = app.api(&key);

    let svg = api.get(&format!("/api/v1/devices/{device}/qr.svg")).await;
    expect_file(&svg, "image/svg+xml", "qr.svg");
    assert!(svg.text().starts_with("<svg "), "an SVG document");
    let png = api.get(&format!("/api/v1/devices/{device}/qr.png?size=256")).await;
    expect_file(&png, "image/png", "qr.png");
    assert!(png.body.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let big = api.get(&format!("/api/v1/devices/{device}/qr.png")).await;
    expect_file(&big, "image/png", "qr.png at the default size");
    assert!(big.body.len() > png.body.len(), "512 px by default, larger than 256 px");
    assert!(
        api_field_error(&api.get(&format!("/api/v1/devices/{device}/qr.png?size=300")).await, "size").contains("256")
    );

    let expected = payload(&token);
    if let Some(codes) = tools::decode_png(&png.body) {
        assert_eq!(codes, std::slice::from_ref(&expected), "the PNG decodes to the portal URL");
    }
    if let Some(codes) = decode_pgm(&svg_to_pgm(&svg.text())) {
        assert_eq!(codes, [expected], "the SVG decodes to the portal URL");
    }

    app.api_anonymous().get(&format!("/api/v1/devices/{device}/qr.svg")).await.expect_status(401, "no key");
    api.get("/api/v1/devices/not-an-id/qr.svg").await.expect_status(404, "malformed id");
    let unknown = tagdesk_domain::DeviceId::new();
    api.get(&format!("/api/v1/devices/{unknown}/qr.png")).await.expect_status(404, "unknown device");
}

async fn single_labels_are_valid_pdfs_on_the_chosen_template(app: &TestApp) {
    let (ws, north, key) = with_north(app, "Acme").await;
    let device = ws.device(north, "Scale 7", "SN-7").await;
    let token = ws.portal_token(device).await;
    let api = app.api(&key);

    let roll = api.get(&format!("/api/v1/devices/{device}/label.pdf?template=roll-62x29&fields=qr,name,serial")).await;
    expect_file(&roll, "application/pdf", "single roll label");
    assert_valid_pdf(&roll.body, "single roll label");
    if let Some(codes) = tools::decode_pdf_first_page(&roll.body) {
        assert_eq!(codes, [payload(&token)]);
    }
    let sheet = api.get(&format!("/api/v1/devices/{device}/label.pdf?template=avery-l7160&start_at=20")).await;
    expect_file(&sheet, "application/pdf", "one label on a half-used sheet");
    assert_valid_pdf(&sheet.body, "sheet label");

    let unknown = api.get(&format!("/api/v1/devices/{device}/label.pdf?template=no-such-stock")).await;
    assert!(api_field_error(&unknown, "template").contains("no-such-stock"), "names the template");
    let beyond = api.get(&format!("/api/v1/devices/{device}/label.pdf?template=avery-l7160&start_at=21")).await;
    assert!(api_field_error(&beyond, "start_at").contains("21 labels"));
    api_field_error(&api.get(&format!("/api/v1/devices/{device}/label.pdf?fields=name")).await, "fields");
}

async fn small_prints_answer_with_the_file(app: &TestApp) {
    let (ws, north, key) = with_north(app, "Acme").await;
    let mut tokens = Vec::new();
    for i in 1..=3 {
        let device = ws.device(north, &format!("Scale {i}"), &format!("SN-{i}")).await;
        tokens.push(ws.portal_token(device).await);
    }
    let api = app.api(&key);
    let selection = json!({"deployment_id": north.to_string()});

    let pdf = api.post_json("/api/v1/labels", &json!({"selection": selection, "format": "pdf"})).await;
    expect_file(&pdf, "application/pdf", "PDF print");
    assert_valid_pdf(&pdf.body, "PDF print");
    assert!(pdf.header("x-tagdesk-unmatched").is_none(), "nothing unmatched");
    if let Some(mut codes) = tools::decode_pdf_first_page(&pdf.body) {
        codes.sort();
        let mut expected: Vec<String> = tokens.iter().map(|t| payload(t)).collect();
        expected.sort();
        assert_eq!(codes, expected, "every device's code on the sheet");
    }

    let csv = api.post_json("/api/v1/labels", &json!({"selection": selection, "format": "csv"})).await;
    expect_file(&csv, "text/csv; charset=utf-8", "CSV print");
    let text = csv.text();
    let rows: Vec<&str> = text.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "one row per device: {text}");
    for token in &tokens {
        assert_eq!(rows.iter().filter(|r| r.contains(&payload(token))).count(), 1, "{token} once in {text}");
    }

    let zip = api.post_json("/api/v1/labels", &json!({"selection": selection, "format": "zip", "png_px": 256})).await;
    expect_file(&zip, "application/zip", "ZIP print");
    assert!(zip.body.starts_with(b"PK"), "a ZIP");

    let listed = json!({"selection": {"listed": ["sn-2", "SN-404", "NO SUCH,ONE"]}, "format": "csv"});
    let partial = api.post_json("/api/v1/labels", &listed).await;
    expect_file(&partial, "text/csv; charset=utf-8", "listed print");
    assert_eq!(partial.text().lines().skip(1).filter(|l| !l.is_empty()).count(), 1, "only SN-2");
    assert_eq!(partial.header("x-tagdesk-unmatched"), Some("3"), "the entries that matched nothing are counted");
    assert_eq!(partial.header("x-tagdesk-unmatched-entries"), Some("SN-404,NO%20SUCH,ONE"));

    let nothing = api.post_json("/api/v1/labels", &json!({"selection": {}})).await;
    api_field_error(&nothing, "selection");
    let unknown = api.post_json("/api/v1/labels", &json!({"selection": selection, "template": "Herma 4711"})).await;
    assert!(api_field_error(&unknown, "template").contains("Herma 4711"), "names the template");
    let beyond = api
        .post_json("/api/v1/labels", &json!({"selection": selection, "template": "avery-l7163", "start_at": 14}))
        .await;
    assert!(api_field_error(&beyond, "start_at").contains("14 labels"));
    let bad_id = api.post_json("/api/v1/labels", &json!({"selection": {"device_ids": ["nope"]}})).await;
    api_field_error(&bad_id, "selection.device_ids");
    let typo = api.post_json("/api/v1/labels", &json!({"selection": selection, "fromat": "pdf"})).await;
    assert!(typo.status.is_client_error(), "unknown fields are refused");
}

async fn large_prints_run_as_a_job_with_a_download(app: &TestApp) {
    let (files, _dir) = with_files(app);
    let app = &files;
    assert_eq!(SYNC_LABEL_LIMIT, 300, "docs/API.md and the OpenAPI text say 300");
    let (ws, north, _) = with_north(app, "Acme").await;
    let (key_id, key) = ws.api_key("bulk").await;
    let count = SYNC_LABEL_LIMIT + 5;
    many_devices(app, &ws, north, count).await;
    let api = app.api(&key);

    let body = json!({"selection": {"deployment_id": north.to_string(), "listed": null}, "template": "avery-l7160"});
    let started = api.post_json("/api/v1/labels", &body).await;
    started.expect_status(202, "a large print becomes a job");
    let job = started.json();
    let id = job["id"].as_str().expect("job id").to_owned();
    assert!(started.location().ends_with(&format!("/api/v1/labels/jobs/{id}")), "Location: {}", started.location());
    assert_eq!(job["url"], started.location());
    assert_eq!(job["total"], count);
    assert_eq!(job["format"], "pdf");
    assert!(matches!(job["status"].as_str(), Some("queued" | "running")), "{job}");

    // While a job is not done, its download says so (a job row as the queue holds it while it waits).
    let waiting = queued_job(app, &ws, &format!("api_key:{key_id}")).await;
    let early = api.get(&format!("/api/v1/labels/jobs/{waiting}/download")).await;
    early.expect_status(409, "not done yet");
    assert!(early.json()["message"].as_str().is_some_and(|m| m.contains("not ready yet")), "{}", early.text());
    assert_eq!(api.get(&format!("/api/v1/labels/jobs/{waiting}")).await.json()["status"], "queued");
    let (_, second_key) = ws.api_key("other integration").await;
    app.api(&second_key).get(&format!("/api/v1/labels/jobs/{waiting}")).await.expect_status(404, "another key's job");

    let deadline = Instant::now() + Duration::from_secs(180);
    let done = loop {
        let status = api.get(&format!("/api/v1/labels/jobs/{id}")).await;
        status.expect_status(200, "job status");
        let status = status.json();
        match status["status"].as_str() {
            Some("done") => break status,
            Some("queued" | "running") => {
                let percent = status["percent"].as_i64().expect("percent");
                assert!((0..100).contains(&percent), "{status}");
                assert_eq!(status["download_url"], Value::Null, "no download before it is done");
            }
            _ => panic!("the job failed: {status}"),
        }
        assert!(Instant::now() < deadline, "the job did not finish in time: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done["percent"], 100);
    assert_eq!(done["done"], count);
    let download_url = done["download_url"].as_str().expect("download_url");
    assert!(download_url.ends_with(&format!("/api/v1/labels/jobs/{id}/download")), "{download_url}");
    let file = api.get(&format!("/api/v1/labels/jobs/{id}/download")).await;
    expect_file(&file, "application/pdf", "the job's PDF");
    assert_valid_pdf(&file.body, "the job's PDF");
    assert_eq!(done["bytes"], file.body.len());
    if let Some(pages) = pdf_pages(&file.body) {
        assert_eq!(pages, count.div_ceil(21), "21 labels per Avery L7160 sheet");
    }
}

async fn custom_templates_are_validated(app: &TestApp) {
    let (ws, north, key) = with_north(app, "Acme").await;
    ws.device(north, "Scale 1", "SN-1").await;
    let api = app.api(&key);
    let a4 = |extra: Value| {
        let mut body = json!({"name": "Shelf 2x5", "page_width": 210.0, "page_height": 297.0, "columns": 2, "rows": 5,
            "label_width": 90.0, "label_height": 50.0, "left_margin": 10.0, "top_margin": 20.0, "pitch_x": 100.0, "pitch_y": 52.0});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };

    let overlap = api.post_json("/api/v1/labels/templates", &a4(json!({"pitch_x": 60.0}))).await;
    assert!(api_field_error(&overlap, "template").contains("overlap"), "{}", overlap.text());
    let off_page = api.post_json("/api/v1/labels/templates", &a4(json!({"columns": 3}))).await;
    assert!(api_field_error(&off_page, "template").contains("does not fit"), "{}", off_page.text());
    api_field_error(&api.post_json("/api/v1/labels/templates", &a4(json!({"name": " "}))).await, "name");

    let created = api.post_json("/api/v1/labels/templates", &a4(json!({}))).await;
    created.expect_status(201, "a valid template");
    let created = created.json();
    assert_eq!(created["slug"], "custom-shelf-2x5");
    assert_eq!(created["source"], "custom");
    assert_eq!(created["labels_per_page"], 10);
    assert_eq!(created["layouts"][0]["pitch_x"], 100.0);

    let list = api.get("/api/v1/labels/templates").await;
    list.expect_status(200, "template list");
    let list = list.json();
    let slugs: Vec<&str> = list.as_array().expect("array").iter().filter_map(|t| t["slug"].as_str()).collect();
    for builtin in ["avery-l7160", "avery-l7163", "avery-l7651", "avery-5160", "avery-5163"] {
        assert!(slugs.contains(&builtin), "{builtin} in {slugs:?}");
    }
    assert_eq!(slugs.last(), Some(&"custom-shelf-2x5"), "own templates after the built-in ones");

    let print = api
        .post_json(
            "/api/v1/labels",
            &json!({"selection": {"deployment_id": north.to_string()}, "template": "custom-shelf-2x5"}),
        )
        .await;
    expect_file(&print, "application/pdf", "a print on the custom template");
    assert_valid_pdf(&print.body, "custom template print");
    let alignment = api.get("/api/v1/labels/templates/custom-shelf-2x5/alignment.pdf").await;
    expect_file(&alignment, "application/pdf", "alignment page");
    assert_valid_pdf(&alignment.body, "alignment page");
    api.get("/api/v1/labels/templates/no-such/alignment.pdf").await.expect_status(404, "unknown template");

    let check = api.get("/api/v1/labels/module-check?template=avery-l7651&fields=qr,name,serial,site,cta").await;
    check.expect_status(200, "module check");
    let check = check.json();
    assert!(check["module_mm"].as_f64().is_some_and(|mm| mm > 0.0), "{check}");
    assert_eq!(check["too_small"], check["module_mm"].as_f64().is_some_and(|mm| mm < 0.4), "{check}");
    api_field_error(&api.get("/api/v1/labels/module-check?template=nope").await, "template");

    api.delete("/api/v1/labels/templates/custom-shelf-2x5").await.expect_status(204, "delete");
    api.delete("/api/v1/labels/templates/custom-shelf-2x5").await.expect_status(404, "deleted already");
    api.delete("/api/v1/labels/templates/avery-l7160").await.expect_status(404, "built-in templates stay");
}

const GLABELS: &str = r#"<?xml version="1.0"?>
<Glabels-templates>
  <Template brand="Testco" part="R100" size="A4" _description="Shelf labels">
    <Label-rectangle id="0" width="70mm" height="37mm" round="0">
      <Layout nx="3" ny="8" x0="0" y0="0.5mm" dx="70mm" dy="37mm"/>
    </Label-rectangle>
  </Template>
  <Template brand="Testco" part="RD40" size="A4" _description="Round labels">
    <Label-round id="0" radius="20mm">
      <Layout nx="4" ny="6" x0="10mm" y0="10mm" dx="48mm" dy="46mm"/>
    </Label-round>
  </Template>
</Glabels-templates>"#;

async fn glabels_files_are_imported(app: &TestApp) {
    let (_ws, _north, key) = with_north(app, "Acme").await;
    let path = "/api/v1/labels/templates/import";
    let imported = send_raw(app, &key, Method::POST, path, "application/xml", GLABELS.as_bytes().to_vec()).await;
    imported.expect_status(200, "import");
    let summary = imported.json();
    assert_eq!((summary["read"].as_u64(), summary["added"].as_u64()), (Some(1), Some(1)), "{summary}");
    assert_eq!(summary["skipped_total"], 1, "the round one: {summary}");

    let list = app.api(&key).get("/api/v1/labels/templates").await.json();
    let imported =
        list.as_array().expect("array").iter().find(|t| t["source"] == "glabels").expect("an imported template");
    assert_eq!(imported["labels_per_page"], 24);
    let slug = imported["slug"].as_str().expect("slug");
    let alignment = app.api(&key).get(&format!("/api/v1/labels/templates/{slug}/alignment.pdf")).await;
    expect_file(&alignment, "application/pdf", "alignment page of an imported template");
    assert_valid_pdf(&alignment.body, "alignment page of an imported template");

    let other = GLABELS.replace("R100", "R200");
    let files =
        [("file", "a.xml", "application/xml", GLABELS.as_bytes()), ("file", "b.xml", "text/xml", other.as_bytes())];
    let (body, content_type) = multipart_form(&[], &files);
    let again = send_raw(app, &key, Method::POST, path, &content_type, body).await;
    again.expect_status(200, "multipart import");
    let summary = again.json();
    assert_eq!(
        (summary["read"].as_u64(), summary["added"].as_u64(), summary["updated"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{summary}"
    );
    assert_eq!(summary["skipped_total"], 2, "{summary}");

    let not_xml = send_raw(app, &key, Method::POST, path, "application/xml", b"<html></html>".to_vec()).await;
    api_field_error(&not_xml, "file");
    send_raw(app, &key, Method::POST, path, "application/json", b"{}".to_vec())
        .await
        .expect_status(415, "JSON is not a template file");
}

async fn replacing_labels_revokes_the_old_codes(app: &TestApp) {
    let (ws, north, key) = with_north(app, "Acme").await;
    ws.enable_portal(north, "4711").await;
    let device = ws.device(north, "Scale 7", "SN-7").await;
    let kept = ws.device(north, "Scale 8", "SN-8").await;
    let old = ws.portal_token(device).await;
    let kept_token = ws.portal_token(kept).await;
    app.get(&format!("/d/{old}")).await.expect_status(200, "the old label works before");
    let api = app.api(&key);

    api_field_error(&api.post_json("/api/v1/labels/replace", &json!({"selection": {}})).await, "selection");
    let typo = json!({"selection": {"device_ids": [device.to_string()]}, "template": "no-such"});
    api_field_error(&api.post_json("/api/v1/labels/replace", &typo).await, "template");
    assert_eq!(ws.portal_token(device).await, old, "a bad print choice changes no token");

    let body =
        json!({"selection": {"device_ids": [device.to_string()]}, "template": "roll-62x29", "fields": "qr,name"});
    let replaced = api.post_json("/api/v1/labels/replace", &body).await;
    expect_file(&replaced, "application/pdf", "the new label");
    assert_valid_pdf(&replaced.body, "the new label");
    let new = ws.portal_token(device).await;
    assert_ne!(new, old, "a new token");
    assert_eq!(ws.portal_token(kept).await, kept_token, "other devices keep theirs");
    if let Some(codes) = tools::decode_pdf_first_page(&replaced.body) {
        assert_eq!(codes, [payload(&new)], "the new label carries the new URL");
    }

    let gone = app.get(&format!("/d/{old}")).await;
    gone.expect_status(410, "the old code");
    assert!(gone.text().contains("replaced"), "says the label was replaced");
    app.get(&format!("/d/{new}")).await.expect_status(200, "the new code works");
    assert!(ws.audit_actions().await.iter().any(|a| a == "device.portal_token_replaced"), "recorded");
}

async fn label_resources_stay_in_their_workspace(app: &TestApp) {
    let (files, _dir) = with_files(app);
    let app = &files;
    let (ws, north, key) = with_north(app, "Acme").await;
    let (other, other_north, other_key) = with_north(app, "Globex").await;
    let theirs = other.device(other_north, "Their scale", "SN-X").await;
    ws.device(north, "Our scale", "SN-X2").await;
    let api = app.api(&key);
    let them = app.api(&other_key);

    for path in ["qr.svg", "qr.png", "label.pdf"] {
        api.get(&format!("/api/v1/devices/{theirs}/{path}"))
            .await
            .expect_status(404, &format!("their device's {path}"));
    }
    let print = api.post_json("/api/v1/labels", &json!({"selection": {"device_ids": [theirs.to_string()]}})).await;
    api_field_error(&print, "selection");
    let by_deployment =
        api.post_json("/api/v1/labels", &json!({"selection": {"deployment_id": other_north.to_string()}})).await;
    api_field_error(&by_deployment, "selection");
    let listed = api.post_json("/api/v1/labels", &json!({"selection": {"listed": ["SN-X"]}, "format": "csv"})).await;
    assert_eq!(api_field_error(&listed, "selection"), "No devices match this selection.");

    let template = json!({"name": "Theirs", "page_width": 100.0, "page_height": 100.0, "columns": 1, "rows": 1,
        "label_width": 50.0, "label_height": 50.0});
    them.post_json("/api/v1/labels/templates", &template).await.expect_status(201, "their template");
    let ours = api.get("/api/v1/labels/templates").await.json();
    assert!(ours.as_array().expect("array").iter().all(|t| t["slug"] != "custom-theirs"), "not in our list");
    api.delete("/api/v1/labels/templates/custom-theirs").await.expect_status(404, "their template");
    api.get("/api/v1/labels/templates/custom-theirs/alignment.pdf").await.expect_status(404, "their template's page");
    let on_theirs = api
        .post_json(
            "/api/v1/labels",
            &json!({"selection": {"deployment_id": north.to_string()}, "template": "custom-theirs"}),
        )
        .await;
    api_field_error(&on_theirs, "template");

    let profile = them.post_json("/api/v1/labels/printer-profiles", &json!({"name": "Their Zebra"})).await;
    profile.expect_status(201, "their profile");
    let profile_id = profile.json()["id"].as_str().expect("id").to_owned();
    let put = api
        .send(Method::PUT, &format!("/api/v1/labels/printer-profiles/{profile_id}"), Some(&json!({"name": "Mine"})))
        .await;
    put.expect_status(404, "their profile");
    api.delete(&format!("/api/v1/labels/printer-profiles/{profile_id}")).await.expect_status(404, "their profile");

    // A job of theirs (queued, as one looks while it waits): neither its status nor its file.
    many_devices(app, &other, other_north, SYNC_LABEL_LIMIT + 1).await;
    let job = them
        .post_json("/api/v1/labels", &json!({"selection": {"deployment_id": other_north.to_string()}, "format": "csv"}))
        .await;
    job.expect_status(202, "their job");
    let job_id = job.json()["id"].as_str().expect("id").to_owned();
    api.get(&format!("/api/v1/labels/jobs/{job_id}")).await.expect_status(404, "their job");
    api.get(&format!("/api/v1/labels/jobs/{job_id}/download")).await.expect_status(404, "their job's file");
    api.get("/api/v1/labels/jobs/not-a-job").await.expect_status(404, "unknown job");
    wait_for_job(&them, &job_id).await;
}

/// Records a queued job of `created_by` (as the queue holds one while it waits for a slot); returns its id.
async fn queued_job(app: &TestApp, ws: &Workspace, created_by: &str) -> String {
    let now = app.app.now();
    let job = tagdesk_store::labels::JobRow {
        id: tagdesk_domain::DeviceId::new().to_string(),
        workspace_id: ws.id.to_string(),
        created_by: Some(created_by.to_owned()),
        status: "queued".to_owned(),
        format: "pdf".to_owned(),
        request: "{}".to_owned(),
        total: 400,
        done: 0,
        result_key: None,
        result_name: None,
        result_bytes: None,
        error: None,
        created_at: now,
        heartbeat_at: now,
        finished_at: None,
    };
    let mut tx = app.app.store.begin().await.expect("begin");
    tagdesk_store::labels::insert_job(&mut tx, &job).await.expect("insert job");
    tx.commit().await.expect("commit");
    job.id
}

/// Polls a job until it is done (or fails the test after three minutes).
async fn wait_for_job(api: &crate::support::Api<'_>, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let status = api.get(&format!("/api/v1/labels/jobs/{id}")).await.json();
        match status["status"].as_str() {
            Some("done") => return status,
            Some("queued" | "running") => {}
            _ => panic!("the job failed: {status}"),
        }
        assert!(Instant::now() < deadline, "the job did not finish in time: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn viewers_cannot_print_labels(app: &TestApp) {
    let (ws, north, _) = with_north(app, "Acme").await;
    let device = ws.device(north, "Scale 1", "SN-1").await;
    let (viewer, _) = ws.member("vera", &[(north, DeploymentRole::Viewer)]).await;
    let (actor, _) = tagdesk_app::auth::actor_for_user(&app.app, viewer).await.expect("load").expect("viewer");
    let request = PrintRequest {
        selection: Selection { deployment: Some(north), ..Selection::default() },
        ..PrintRequest::default()
    };
    // API keys act with workspace-wide rights; a member reaches the same use cases through the back office,
    // and the API answers their refusal as 403 with the JSON error body.
    let err = tagdesk_app::labels::render::prepare(&app.app, &actor, "http://127.0.0.1:8080", &request)
        .await
        .expect_err("a viewer may not print");
    assert!(matches!(err, tagdesk_app::AppError::Forbidden(_)), "{err:?}");
    let response = tagdesk_web::api::ApiError::from(err).into_response();
    assert_eq!(response.status(), 403);
    let single =
        tagdesk_app::labels::single::label_pdf(&app.app, &actor, "http://127.0.0.1:8080", device, &request).await;
    assert!(matches!(single, Err(tagdesk_app::AppError::Forbidden(_))), "single label: {single:?}");
    let replaced = tagdesk_app::labels::replace::replace(&app.app, &actor, "http://127.0.0.1:8080", &request).await;
    assert!(matches!(replaced, Err(tagdesk_app::AppError::Forbidden(_))), "replace: {replaced:?}");
    // Seeing the device is enough for its QR code.
    let svg = tagdesk_app::labels::single::qr_svg(&app.app, &actor, "http://127.0.0.1:8080", device).await;
    assert!(svg.is_ok_and(|s| s.starts_with("<svg")), "a viewer may download the code");
}

async fn printer_profiles_and_settings_through_the_api(app: &TestApp) {
    let (files, _dir) = with_files(app);
    let app = &files;
    let (ws, north, key) = with_north(app, "Acme").await;
    ws.device(north, "Scale 1", "SN-1").await;
    let api = app.api(&key);

    let created = api
        .post_json(
            "/api/v1/labels/printer-profiles",
            &json!({"name": "Office laser", "offset_x": 0.5, "offset_y": -1.25}),
        )
        .await;
    created.expect_status(201, "create profile");
    let profile = created.json();
    let id = profile["id"].as_str().expect("id").to_owned();
    assert_eq!((profile["offset_x"].as_f64(), profile["offset_y"].as_f64()), (Some(0.5), Some(-1.25)));
    api_field_error(&api.post_json("/api/v1/labels/printer-profiles", &json!({"name": "office LASER"})).await, "name");
    api_field_error(
        &api.post_json("/api/v1/labels/printer-profiles", &json!({"name": "Far", "offset_x": 25.0})).await,
        "offset_x",
    );
    let updated = api
        .send(
            Method::PUT,
            &format!("/api/v1/labels/printer-profiles/{id}"),
            Some(&json!({"name": "Office laser", "offset_y": 2.0})),
        )
        .await;
    updated.expect_status(200, "update profile");
    assert_eq!(updated.json()["offset_y"].as_f64(), Some(2.0));
    let list = api.get("/api/v1/labels/printer-profiles").await;
    list.expect_status(200, "list profiles");
    assert_eq!(list.json().as_array().map(Vec::len), Some(1));

    let calibrated = api
        .post_json(
            "/api/v1/labels",
            &json!({"selection": {"deployment_id": north.to_string()}, "printer_profile": "office laser"}),
        )
        .await;
    expect_file(&calibrated, "application/pdf", "a calibrated print");
    let unknown = api
        .post_json(
            "/api/v1/labels",
            &json!({"selection": {"deployment_id": north.to_string()}, "printer_profile": "Nope"}),
        )
        .await;
    assert!(api_field_error(&unknown, "printer_profile").contains("Nope"));
    let alignment = api.get("/api/v1/labels/templates/avery-l7160/alignment.pdf?printer_profile=Office%20laser").await;
    expect_file(&alignment, "application/pdf", "calibrated alignment page");
    api.delete(&format!("/api/v1/labels/printer-profiles/{id}")).await.expect_status(204, "delete profile");
    api.delete(&format!("/api/v1/labels/printer-profiles/{id}")).await.expect_status(404, "deleted already");

    let settings = api.get("/api/v1/labels/settings").await;
    settings.expect_status(200, "settings");
    assert_eq!(settings.json(), json!({"qr_ec_level": "M", "has_logo": false}));
    let changed = api.send(Method::PUT, "/api/v1/labels/settings", Some(&json!({"qr_ec_level": "h"}))).await;
    changed.expect_status(200, "set EC");
    assert_eq!(changed.json()["qr_ec_level"], "H");
    api_field_error(
        &api.send(Method::PUT, "/api/v1/labels/settings", Some(&json!({"qr_ec_level": "X"}))).await,
        "qr_ec_level",
    );

    let logo = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#c00"/></svg>"##;
    send_raw(app, &key, Method::PUT, "/api/v1/labels/logo", "image/svg+xml", logo.as_bytes().to_vec())
        .await
        .expect_status(204, "upload logo");
    assert_eq!(api.get("/api/v1/labels/settings").await.json()["has_logo"], true);
    let with_logo = api
        .post_json(
            "/api/v1/labels",
            &json!({"selection": {"deployment_id": north.to_string()}, "fields": "qr,name,logo"}),
        )
        .await;
    expect_file(&with_logo, "application/pdf", "a print with the logo");
    assert_valid_pdf(&with_logo.body, "a print with the logo");
    let junk = send_raw(app, &key, Method::PUT, "/api/v1/labels/logo", "image/png", b"not a png".to_vec()).await;
    api_field_error(&junk, "logo");
    let huge = send_raw(app, &key, Method::PUT, "/api/v1/labels/logo", "image/png", vec![0; 2 * 1024 * 1024 + 1]).await;
    huge.expect_status(413, "a logo over 2 MB");
    api.delete("/api/v1/labels/logo").await.expect_status(204, "remove logo");
    assert_eq!(api.get("/api/v1/labels/settings").await.json()["has_logo"], false);
}
