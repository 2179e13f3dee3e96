//! Availability and abuse (issue "Hardening"): bounded password hashing, size checks before CPU work,
//! chunked bodies under the same limits, fair and timed report uploads, no lock-out of staff, one login
//! key for both backends, sign-in pages without database rows, neutral email reservation, cache and
//! cookie headers over https, and staff tools against a held guarded mode.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Method, Request};
use serde_json::json;
use tagdesk_app::hashing::HashLimits;
use tagdesk_web::WebConfig;
use tagdesk_web::limits::Limits;
use tower::ServiceExt as _;

use crate::support::{PASSWORD, TestApp, both_backends, multipart_form, request};

both_backends!(
    concurrent_sign_ins_never_run_more_hashes_than_slots,
    oversized_lists_are_refused_at_once_with_a_field_error,
    a_wrong_password_burst_from_one_address_does_not_lock_the_user_out,
    unicode_case_variants_of_an_email_are_other_accounts,
    the_sign_in_page_writes_no_session_rows,
    an_email_of_another_workspace_is_refused_without_saying_where,
    staff_can_end_guarded_mode_and_let_one_visitor_in,
);

/// A config that trusts `X-Forwarded-For`, so a test can speak from several client addresses.
fn behind_proxy() -> WebConfig {
    WebConfig { trust_proxy_headers: true, ..WebConfig::for_tests() }
}

fn from(address: &str) -> Vec<(&'static str, String)> {
    vec![("x-forwarded-for", address.to_owned())]
}

async fn concurrent_sign_ins_never_run_more_hashes_than_slots(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let limited = app.app.clone().with_hash_limits(HashLimits { slots: 2, wait: Duration::from_millis(150) });
    let pool = limited.hashing.clone();
    let app = app.with_app(limited, behind_proxy());
    let browser = app.browser();
    browser.get("/login").await.expect_status(200, "GET /login");
    let csrf = browser.csrf();
    let cookie = browser.cookie_header().expect("the CSRF cookie");
    // 48 wrong sign-ins at once from 6 addresses (8 each, under the per-address limit).
    let router = app.service();
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let router = router.clone();
            let body = serde_urlencoded::to_string([
                ("_csrf", csrf.as_str()),
                ("email", acme.admin_email.as_str()),
                ("password", "not the password"),
            ])
            .expect("form");
            let headers = vec![
                ("content-type", "application/x-www-form-urlencoded".to_owned()),
                ("cookie", cookie.clone()),
                ("x-forwarded-for", format!("198.51.100.{}", i % 6 + 1)),
            ];
            tokio::spawn(async move {
                let response = router.oneshot(request(Method::POST, "/login", &headers, body.into_bytes())).await;
                let response = response.expect("infallible");
                (response.status().as_u16(), response.headers().get("retry-after").is_some())
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for task in tasks {
        let (status, retry_after) = task.await.expect("task");
        if status == 503 {
            assert!(retry_after, "a busy answer says when to retry");
        }
        *statuses.entry(status).or_default() += 1;
    }
    assert!(pool.peak_in_flight() <= 2, "at most 2 hashes ran at once, saw {}", pool.peak_in_flight());
    assert!(pool.peak_in_flight() >= 1);
    assert_eq!(statuses.get(&500), None, "no server errors: {statuses:?}");
    assert!(statuses.get(&503).copied().unwrap_or(0) > 0, "a burst past the wait is told busy: {statuses:?}");
    assert!(statuses.get(&401).copied().unwrap_or(0) > 0, "the hashes that ran answered: {statuses:?}");
    // The right password still works once the burst is over.
    app.sign_in(&acme.admin_email, PASSWORD).await;
}

async fn oversized_lists_are_refused_at_once_with_a_field_error(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, key) = acme.api_key("integration").await;
    let api = app.api(&key);
    let site = acme.deployment("North").await;
    let huge = |prefix: &str| (0..110_000).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>();

    // Each huge list is refused by its size check (before the size checks a quadratic de-duplication took 42-72 s of
    // CPU per request); another request is answered meanwhile.
    let cases: [(&str, serde_json::Value, &str); 3] = [
        ("/api/v1/devices", json!({"deployment_id": site.to_string(), "name": "Robot", "tags": huge("t")}), "tags"),
        (
            "/api/v1/templates",
            json!({"name": "Big", "case_type": "other",
                   "fields": [{"label": "Pick", "kind": "single_choice", "options": huge("o")}]}),
            "fields.0.options",
        ),
        (
            "/api/v1/deployments",
            json!({"name": "South", "timezone": "Europe/Berlin",
                   "notification_emails": huge("x").iter().map(|x| format!("{x}@e.io")).collect::<Vec<_>>()}),
            "notification_emails",
        ),
    ];
    for (path, body, field) in cases {
        let started = Instant::now();
        let router = app.service();
        let probe = tokio::spawn(async move {
            let healthz = router.oneshot(request(Method::GET, "/healthz", &[], Vec::new())).await.expect("infallible");
            healthz.status().as_u16()
        });
        let response = api.post_json(path, &body).await;
        response.expect_status(422, path);
        let message = crate::support::api_field_error(&response, field);
        assert!(message.contains("at most"), "{path}: {message}");
        assert_eq!(probe.await.expect("probe"), 200, "{path}: another request is answered meanwhile");
        // Generous, not a benchmark: the quadratic check took 12-28 s; a size check takes milliseconds.
        assert!(started.elapsed() < Duration::from_secs(10), "{path} took {:?}", started.elapsed());
    }
}

/// A sign-in form post from `address` (behind the trusted proxy) with the browser's cookies.
async fn sign_in_from(
    browser: &crate::support::Browser<'_>,
    address: &str,
    csrf: &str,
    email: &str,
    password: &str,
) -> crate::support::Response {
    let body = serde_urlencoded::to_string([("_csrf", csrf), ("email", email), ("password", password)]).expect("form");
    let mut headers = from(address);
    headers.push((CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded".to_owned()));
    browser.send(Method::POST, "/login", headers, body.into_bytes()).await
}

async fn a_wrong_password_burst_from_one_address_does_not_lock_the_user_out(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    // A stopped clock: the 15-minute windows must not roll over in the middle of the test.
    let app = app.with_app(crate::support::with_stopped_clock(app).app.clone(), behind_proxy());
    let attacker = app.browser();
    attacker.send(Method::GET, "/login", from("203.0.113.66"), Vec::new()).await;
    let csrf = attacker.csrf();
    for attempt in 1..=11 {
        let response = sign_in_from(&attacker, "203.0.113.66", &csrf, &acme.admin_email, "guess").await;
        response.expect_status(401, &format!("wrong password {attempt}"));
    }
    // The real user, from another address, with the right password: signed in (only slowed down).
    let user = app.browser();
    user.send(Method::GET, "/login", from("198.51.100.7"), Vec::new()).await;
    let response = sign_in_from(&user, "198.51.100.7", &user.csrf(), &acme.admin_email, PASSWORD).await;
    response.expect_status(303, "the right password signs in although the account is under attack");

    // The attacking address still has its own limit (30 per window): it is refused before any check.
    let mut last = 0;
    for _ in 12..=31 {
        let response = sign_in_from(&attacker, "203.0.113.66", &csrf, "someone-else@acme.test", "guess").await;
        last = response.status.as_u16();
    }
    assert_eq!(last, 429, "the 31st attempt from one address is refused");
}

async fn unicode_case_variants_of_an_email_are_other_accounts(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, victim) = acme.member("victim", &[]).await;
    // PostgreSQL's lower() folds U+0130 (İ) to "i"; Rust folds it to "i̇". Only Rust's key is used.
    let variant = victim.replace('i', "\u{130}");
    assert_ne!(variant, victim);
    let browser = app.browser();
    browser.get("/login").await;
    let response = browser.post_form("/login", &[("email", &variant), ("password", PASSWORD)]).await;
    response.expect_status(401, "a Unicode case variant is not the victim's login");
    let upper = victim.to_uppercase();
    let response = browser.post_form("/login", &[("email", &upper), ("password", PASSWORD)]).await;
    response.expect_status(303, "plain case differences still sign in");
}

async fn the_sign_in_page_writes_no_session_rows(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let count = || async {
        let mut conn = app.app.store.read().await.expect("read");
        let n: i64 = tagdesk_store::sqlx::query_scalar("SELECT COUNT(*) FROM staff_sessions")
            .fetch_one(&mut *conn)
            .await
            .expect("count");
        n
    };
    for _ in 0..25 {
        app.browser().get("/login").await.expect_status(200, "GET /login");
    }
    assert_eq!(count().await, 0, "signed-out visitors cost no database row");
    // The form still works: the cookie vouches for the token, and a forged token is refused.
    let browser = app.browser();
    let page = browser.get("/login").await;
    let cookie = page.set_cookie("tagdesk_csrf").expect("a CSRF cookie");
    assert_eq!(cookie.len(), 64);
    let response = browser.post_form_raw("/login", &[("_csrf", "0".repeat(64).as_str()), ("email", "a@b.c")]).await;
    response.expect_status(403, "a forged token");
    let response = browser.post_form("/login", &[("email", &acme.admin_email), ("password", PASSWORD)]).await;
    response.expect_status(303, "sign in with the cookie's token");
    assert_eq!(count().await, 1, "only the signed-in session is stored");
    // Another browser's cookie does not go with this browser's token.
    let other = app.browser();
    other.get("/login").await;
    let response = other.post_form_raw("/login", &[("_csrf", browser.csrf().as_str()), ("email", "a@b.c")]).await;
    response.expect_status(403, "a token of another browser");
}

async fn an_email_of_another_workspace_is_refused_without_saying_where(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let globex = app.workspace("Globex").await;
    let (_, key) = globex.api_key("admin").await;
    let (_, taken_here) = globex.member("bob", &[]).await;
    let browser = app.sign_in(&globex.admin_email, PASSWORD).await;
    let _ = key;
    for (email, expected) in [
        (acme.admin_email.as_str(), tagdesk_app::users::EMAIL_UNAVAILABLE),
        (taken_here.as_str(), "A user with this email already exists."),
    ] {
        browser.get("/users/new").await.expect_status(200, "new user form");
        let response = browser
            .post_form(
                "/users",
                &[("email", email), ("display_name", "Copy"), ("workspace_role", "member"), ("password", PASSWORD)],
            )
            .await;
        response.expect_status(422, email);
        assert_eq!(response.html().field_error("email").as_deref(), Some(expected), "{email}");
        assert!(!response.text().contains("Acme"), "nothing names the other workspace");
    }
}

async fn staff_can_end_guarded_mode_and_let_one_visitor_in(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let site = acme.deployment("North").await;
    let device = acme.device(site, "Robot 7", "SN-7").await;
    acme.enable_portal(site, "4821").await;
    let token = acme.portal_token(device).await;
    let app = app.with_web_config(behind_proxy());
    // An attack from many addresses puts the portal into guarded mode.
    for i in 0..25 {
        let visitor = app.visitor();
        let page = visitor.get_with(&format!("/d/{token}"), &[("x-forwarded-for", &format!("192.0.2.{i}"))]).await;
        let csrf = page.html().attr("form[action$=\"/pin\"] input[name=\"_csrf\"]", "value").unwrap_or_default();
        let body = serde_urlencoded::to_string([("_csrf", csrf.as_str()), ("pin", "0000")]).expect("form");
        let headers = vec![
            ("x-forwarded-for", format!("192.0.2.{i}")),
            (CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded".to_owned()),
            (COOKIE.as_str(), visitor.cookie_header().unwrap_or_default()),
        ];
        app.send(request(Method::POST, &format!("/d/{token}/pin"), &headers, body.into_bytes())).await;
    }
    assert!(tagdesk_app::portal::pin::is_guarded(&app.app, site).await.expect("status"), "guarded");

    // A one-time pass lets one visitor in, past guarded mode, exactly once.
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    admin.get(&format!("/devices/{device}")).await.expect_status(200, "device page");
    let response = admin.post_form(&format!("/devices/{device}/portal-pass"), &[]).await;
    response.expect_status(303, "create a pass");
    let notice = admin.get(&format!("/devices/{device}")).await.html().text();
    let url = notice
        .split_whitespace()
        .find(|w| w.contains("/pass/"))
        .map(|w| w.trim_end_matches(['.', ')']).to_owned())
        .expect("the notice shows the link");
    let path = url.trim_start_matches("http://127.0.0.1:8080");
    assert!(!admin.get("/audit").await.text().contains(path.rsplit('/').next().unwrap_or("-")));
    let visitor = app.visitor();
    let page = visitor.get(path).await;
    page.expect_status(200, "the pass page");
    assert!(page.html().has(&format!("form[method=\"post\"][action=\"{path}\"] button")), "a button, no change");
    let response = visitor.post_form(path, &[]).await;
    response.expect_status(303, "the pass signs the visitor in");
    visitor.get(&format!("/d/{token}")).await.expect_status(200, "device page");
    assert!(visitor.get(&format!("/d/{token}")).await.html().text().contains("Robot 7"));
    let again = app.visitor();
    again.post_form(path, &[]).await.expect_status(410, "a pass works once");

    // Staff end guarded mode (page button); the API does the same.
    admin.get(&format!("/deployments/{site}/portal")).await.expect_status(200, "portal settings");
    let response = admin.post_form(&format!("/deployments/{site}/portal/end-guarded-mode"), &[]).await;
    response.expect_status(303, "end guarded mode");
    assert!(!tagdesk_app::portal::pin::is_guarded(&app.app, site).await.expect("status"), "no longer guarded");
    assert!(acme.audit_actions().await.contains(&"portal.guard_ended".to_owned()));
    assert!(acme.audit_actions().await.contains(&"portal.pass_issued".to_owned()));
    let (_, key) = acme.api_key("ops").await;
    let response =
        app.api(&key).post_json(&format!("/api/v1/deployments/{site}/portal/end-guarded-mode"), &json!({})).await;
    response.expect_status(204, "API: end guarded mode (no change now)");
    let response = app.api(&key).post_json(&format!("/api/v1/devices/{device}/portal-pass"), &json!({})).await;
    response.expect_status(201, "API: create a pass");
    assert!(response.json()["url"].as_str().is_some_and(|u| u.contains(&format!("/d/{token}/pass/"))));
}

// ---------------------------------------------------------------------------------------------------------
// Bodies: chunked uploads under the same limit, dribbling and fair report uploads
// ---------------------------------------------------------------------------------------------------------

/// A body that sends `first` at once and then nothing more until dropped (a stalled upload).
fn stalled_body(first: Vec<u8>) -> (Body, tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let _ = tx.try_send(Ok(Bytes::from(first)));
    (Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)), tx)
}

#[tokio::test]
async fn a_chunked_import_over_the_limit_is_refused_like_a_declared_one() {
    let app = TestApp::sqlite().await;
    let acme = app.workspace("Acme").await;
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    browser.get("/devices/import").await.expect_status(200, "import page");
    let query = serde_urlencoded::to_string([("_csrf", browser.csrf())]).expect("query");
    // 3 MiB, sent in chunks without Content-Length, against the test config's 2 MiB limit.
    let row = b"Robot,SN,Maker,Model,,\n".repeat(3 * 1024 * 1024 / 23);
    let (body, content_type) = multipart_form(&[("deployment_id", "x")], &[("file", "devices.csv", "text/csv", &row)]);
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        body.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/devices/import?{query}"))
        .header(CONTENT_TYPE, content_type)
        .header(COOKIE, browser.cookie_header().expect("cookies"))
        .body(Body::from_stream(futures_like_stream(chunks)))
        .expect("request");
    assert!(request.headers().get("content-length").is_none());
    let response = app.send(request).await;
    response.expect_status(413, "a chunked body over the limit");
}

/// A stream of ready chunks (no extra dependency for `futures::stream::iter`).
fn futures_like_stream(
    chunks: Vec<Result<Bytes, std::io::Error>>,
) -> tokio_stream::Iter<std::vec::IntoIter<Result<Bytes, std::io::Error>>> {
    tokio_stream::iter(chunks)
}

#[tokio::test]
async fn slow_uploads_at_one_site_do_not_block_another_workspace() {
    let base = TestApp::sqlite().await;
    let limits = Limits {
        upload_slots: 2,
        upload_slots_per_client: 1,
        upload_slots_per_deployment: 1,
        upload_slot_wait: Duration::from_millis(200),
        body_min_bytes_per_s: 1000,
        body_rate_grace: Duration::from_millis(800),
        ..WebConfig::for_tests().limits
    };
    let app = base.with_web_config(WebConfig { limits, trust_proxy_headers: true, ..WebConfig::for_tests() });
    let (acme, globex) = (app.workspace("Acme").await, app.workspace("Globex").await);
    let (north, east) = (acme.deployment("North").await, globex.deployment("East").await);
    let (robot, crane) = (acme.device(north, "Robot", "").await, globex.device(east, "Crane", "").await);
    acme.enable_portal(north, "4821").await;
    globex.enable_portal(east, "7395").await;
    let (robot, crane) = (acme.portal_token(robot).await, globex.portal_token(crane).await);

    // A visitor at Acme starts an upload and stalls: it holds Acme's one slot.
    let slow = app.visitor();
    slow.enter_pin(&robot, "4821").await.expect_status(303, "PIN");
    let form = slow.report_form(&robot, "free").await;
    let action = format!(
        "/d/{robot}/report?{}",
        serde_urlencoded::to_string([("_csrf", form.iter().find(|(n, _)| n == "_csrf").map(|(_, v)| v.clone()))])
            .expect("query")
    );
    let boundary = "----stall";
    let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nx").into_bytes();
    let (body, feeder) = stalled_body(head);
    let stalled = Request::builder()
        .method(Method::POST)
        .uri(&action)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(COOKIE, slow.cookie_header().expect("cookies"))
        .header("x-forwarded-for", "203.0.113.1")
        .body(body)
        .expect("request");
    let router = app.service();
    let started = Instant::now();
    let slow_upload = tokio::spawn(async move { router.oneshot(stalled).await.expect("infallible").status() });
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Another visitor at the same site is told "busy" after the short slot wait (the site's share is used)…
    let second = app.visitor();
    second.enter_pin(&robot, "4821").await;
    let response = second
        .submit_report(
            &robot,
            "free",
            &[("description", "Second"), ("reporter_name", "Ann"), ("reporter_email", "ann@example.com")],
        )
        .await;
    response.expect_status(429, "the same site's second upload");
    // …while an honest visitor of another workspace reports as usual.
    let honest = app.visitor();
    honest.enter_pin(&crane, "7395").await.expect_status(303, "PIN at Globex");
    let response = honest
        .submit_report(
            &crane,
            "free",
            &[("description", "Hook stuck"), ("reporter_name", "Bo"), ("reporter_email", "bo@example.com")],
        )
        .await;
    response.expect_status(303, "another workspace's report is not blocked");

    // The stalled upload is cut off by the minimum rate, not after minutes.
    let status = tokio::time::timeout(Duration::from_secs(10), slow_upload)
        .await
        .expect("the stalled upload is ended by the server, not left hanging")
        .expect("task");
    assert_eq!(status.as_u16(), 408, "a dribbling upload ends with 408");
    assert!(started.elapsed() < Duration::from_secs(5), "cut after {:?}", started.elapsed());
    drop(feeder);
    // And the slot is free again.
    let response = second
        .submit_report(
            &robot,
            "free",
            &[("description", "Second"), ("reporter_name", "Ann"), ("reporter_email", "ann@example.com")],
        )
        .await;
    response.expect_status(303, "the site's slot was given back");
}

#[tokio::test]
async fn started_uploads_count_against_the_hourly_budget() {
    let app = TestApp::sqlite().await;
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let robot = acme.device(north, "Robot", "").await;
    acme.enable_portal(north, "4821").await;
    let robot = acme.portal_token(robot).await;
    let visitor = app.visitor();
    visitor.enter_pin(&robot, "4821").await.expect_status(303, "PIN");
    let form = visitor.report_form(&robot, "free").await;
    let csrf = form.iter().find(|(n, _)| n == "_csrf").map(|(_, v)| v.clone()).unwrap_or_default();
    let action = format!("/d/{robot}/report?{}", serde_urlencoded::to_string([("_csrf", csrf)]).expect("query"));
    // Uploads that never finish (the body ends early: malformed) still count.
    let mut statuses = Vec::new();
    for _ in 0..=tagdesk_app::portal::report::UPLOADS_PER_HOUR {
        let headers = vec![
            (CONTENT_TYPE.as_str(), "multipart/form-data; boundary=cut".to_owned()),
            (COOKIE.as_str(), visitor.cookie_header().unwrap_or_default()),
        ];
        let response = app.send(request(Method::POST, &action, &headers, b"--cut\r\nContent-Dispo".to_vec())).await;
        statuses.push(response.status.as_u16());
    }
    assert!(statuses[..statuses.len() - 1].iter().all(|s| *s != 429), "{statuses:?}");
    assert_eq!(statuses.last().copied(), Some(429), "the started upload past the budget is refused: {statuses:?}");
}

#[tokio::test]
async fn over_https_cookies_are_host_prefixed_and_secure_and_pages_are_not_stored() {
    let base = TestApp::sqlite().await;
    let acme = base.workspace("Acme").await;
    let app = base.with_web_config(WebConfig {
        public_url: "https://desk.example.com".to_owned(),
        secure_cookies: true,
        ..WebConfig::for_tests()
    });
    let login = app.get("/login").await;
    assert_eq!(login.header("strict-transport-security"), Some("max-age=31536000"));
    assert_eq!(login.header("cache-control"), Some("no-store"));
    let cookie = login.header("set-cookie").expect("CSRF cookie");
    assert!(cookie.starts_with("__Host-tagdesk_csrf=") && cookie.contains("Secure"), "{cookie}");

    let browser = app.browser();
    browser.get("/login").await;
    let response = browser.post_form("/login", &[("email", &acme.admin_email), ("password", PASSWORD)]).await;
    response.expect_status(303, "sign in over https");
    let set = response.header("set-cookie").expect("session cookie");
    assert!(set.starts_with("__Host-tagdesk_session=") && set.contains("Secure"), "{set}");
    let page = browser.get("/deployments").await;
    page.expect_status(200, "the prefixed cookie is read back");
    assert_eq!(page.header("cache-control"), Some("no-store"), "staff pages are not stored");
    // A flash notice cookie is Secure too.
    let response = browser
        .post_form("/deployments", &[("name", "North"), ("timezone", "Europe/Berlin"), ("language", "en")])
        .await;
    let flash = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("tagdesk_flash"));
    assert!(flash.is_some_and(|c| c.starts_with("__Host-") && c.contains("Secure")), "{flash:?}");
    // A plain cookie planted by a sibling host is ignored.
    let planted = app
        .send(request(
            Method::GET,
            "/deployments",
            &[(COOKIE.as_str(), format!("tagdesk_session={}", "a".repeat(64)))],
            Vec::new(),
        ))
        .await;
    planted.expect_status(303, "an unprefixed session cookie is not ours over https");
    // Static assets may be cached.
    assert_eq!(app.get("/static/tagdesk.css").await.header("cache-control"), Some("public, max-age=3600"));
    // Over plain http: no HSTS.
    assert_eq!(base.get("/login").await.header("strict-transport-security"), None);
}

#[tokio::test]
async fn a_stalled_api_body_answers_408_as_json() {
    let base = TestApp::sqlite().await;
    let acme = base.workspace("Acme").await;
    let (_, key) = acme.api_key("integration").await;
    let limits = Limits { body_rate_grace: Duration::from_millis(300), ..WebConfig::for_tests().limits };
    let app = base.with_web_config(WebConfig { limits, ..WebConfig::for_tests() });
    let (body, feeder) = stalled_body(b"{\"name\": \"Nor".to_vec());
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/deployments")
        .header(CONTENT_TYPE, "application/json")
        .header("authorization", format!("Bearer {key}"))
        .body(body)
        .expect("request");
    let response = tokio::time::timeout(Duration::from_secs(10), app.send(request)).await.expect("answered");
    response.expect_status(408, "a stalled JSON body");
    assert_eq!(response.json()["code"], 408);
    drop(feeder);
}
