//! Scan tracking through the real router (issue 8): a scripted sequence of portal visits — two phones and a
//! desktop browser, repeat views within and after 10 minutes on a manual clock, a crawler and curl, a wrong
//! PIN, the right PIN, a lock-out, the report form, a case and a "same problem" note — and then exact counts
//! in the funnel, per device, per day and in the raw events; no client address anywhere in the table; the
//! staff pages (device page, the deployment's scans page with its chart, table and "never scanned" list, CSV
//! downloads); the API (four endpoints, paging, CSV, errors); and other workspaces and members without a
//! role refused with 404.

use std::sync::Arc;

use axum::http::Method;
use axum::http::header::{CONTENT_TYPE, USER_AGENT};
use tagdesk_app::clock::ManualClock;
use tagdesk_domain::{DeploymentId, DeploymentRole, DeviceId};
use tagdesk_store::sqlx::{self, Row as _};
use tagdesk_web::WebConfig;

use crate::support::{
    Browser, PASSWORD, Response, TestApp, Workspace, both_backends, fill, form_values, multipart_form,
};

both_backends!(
    a_scripted_day_of_portal_visits_gives_exact_counts_everywhere,
    the_scans_page_shows_the_funnel_the_chart_and_the_labels_never_scanned,
    the_scan_api_pages_filters_exports_and_validates,
    scans_of_other_workspaces_and_unseen_deployments_answer_404,
);

/// 2027-01-15 12:00 UTC (13:00 in Berlin): every visit of the story falls on one local day.
const T0: i64 = 1_800_014_400_000;
const MINUTE_MS: i64 = 60_000;
const PIN: &str = "7351";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
/// The addresses the story's clients come from (behind a trusted proxy).
const ADDRESSES: [&str; 5] = ["203.0.113.10", "198.51.100.20", "66.249.66.1", "192.0.2.99", "192.0.2.200"];

/// The site: North (Europe/Berlin) with Robot 7, Press 2 and Idle 3, its portal on, seen through a router
/// on a manual clock that trusts `X-Forwarded-For`.
struct Site {
    t: TestApp,
    clock: Arc<ManualClock>,
    acme: Workspace,
    north: DeploymentId,
    robot: DeviceId,
    press: DeviceId,
    robot_token: String,
    press_token: String,
}

async fn site(base: &TestApp) -> Site {
    let acme = base.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let robot = acme.device(north, "Robot 7", "SN-7").await;
    let press = acme.device(north, "Press 2", "SN-2").await;
    acme.device(north, "Idle 3", "").await;
    acme.enable_portal(north, PIN).await;
    let clock = Arc::new(ManualClock::new(T0));
    let mut app = base.app.clone();
    app.clock = clock.clone();
    let t = base.with_app(app, WebConfig { trust_proxy_headers: true, ..WebConfig::for_tests() });
    let robot_token = acme.portal_token(robot).await;
    let press_token = acme.portal_token(press).await;
    Site { t, clock, acme, north, robot, press, robot_token, press_token }
}

impl Site {
    fn phone<'a>(&'a self, user_agent: &'static str, address: &str) -> Phone<'a> {
        Phone { browser: self.t.browser(), user_agent, address: std::sync::Mutex::new(address.to_owned()) }
    }

    async fn flush(&self) {
        self.t.app.scans.flush(&self.t.app.store).await.expect("flush scan events");
    }

    fn advance_minutes(&self, minutes: i64) {
        self.clock.advance_ms(minutes * MINUTE_MS);
    }

    async fn staff(&self) -> Browser<'_> {
        self.t.sign_in(&self.acme.admin_email, PASSWORD).await
    }

    /// The story of [`a_scripted_day_of_portal_visits_gives_exact_counts_everywhere`], shared with the page
    /// and API tests.
    async fn play_the_day(&self) {
        let (robot, press) = (self.robot_token.as_str(), self.press_token.as_str());
        // Ana's iPhone: scan (counted), a reload (repeat), a wrong PIN, the right PIN (its redirect to the
        // device page is a repeat), the report form in two steps (one opening), a case.
        let ana = self.phone(IPHONE, ADDRESSES[0]);
        ana.get(&format!("/d/{robot}")).await.expect_status(200, "Ana's PIN page");
        assert!(ana.cookie("tagdesk_portal_visitor").is_some(), "a phone gets the visitor cookie");
        ana.get(&format!("/d/{robot}")).await.expect_status(200, "Ana reloads");
        ana.enter_pin(robot, "0000").await.expect_status(401, "Ana's wrong PIN");
        let right = ana.enter_pin(robot, PIN).await;
        right.expect_status(303, "Ana's right PIN");
        ana.get(right.location()).await.expect_status(200, "Ana's device page");
        ana.get(&format!("/d/{robot}/report")).await.expect_status(200, "Ana opens the form");
        ana.report(robot).await;
        // On another network a minute later: the cookie keeps her the same browser.
        self.advance_minutes(1);
        ana.move_to(ADDRESSES[3]);
        ana.get(&format!("/d/{robot}")).await.expect_status(200, "Ana on mobile data");

        // Ben's Android phone: a scan, five wrong PINs (the fifth locks him out), two more (still locked:
        // one lock-out all the same), then a scan of the press.
        let ben = self.phone(ANDROID, ADDRESSES[1]);
        ben.get(&format!("/d/{robot}")).await.expect_status(200, "Ben's PIN page");
        for attempt in 1..=4 {
            ben.enter_pin(robot, "1111").await.expect_status(401, &format!("Ben's wrong PIN {attempt}"));
        }
        ben.enter_pin(robot, "1111").await.expect_status(429, "Ben's fifth wrong PIN locks him out");
        ben.enter_pin(robot, "2222").await.expect_status(429, "Ben is locked out");
        ben.enter_pin(robot, "3333").await.expect_status(429, "Ben is still locked out");
        ben.get(&format!("/d/{press}")).await.expect_status(200, "Ben scans the press");

        // A crawler and curl: stored as bots, never counted; no visitor cookie for them.
        let crawler = self.phone(GOOGLEBOT, ADDRESSES[2]);
        crawler.get(&format!("/d/{robot}")).await.expect_status(200, "Googlebot");
        assert!(crawler.cookie("tagdesk_portal_visitor").is_none(), "bots get no visitor cookie");
        let curl = self.phone("curl/8.5.0", ADDRESSES[2]);
        curl.get(&format!("/d/{press}")).await.expect_status(200, "curl");

        // Eleven minutes after her first scan Ana scans again (counted), and adds "same problem" to her case.
        self.advance_minutes(10);
        ana.get(&format!("/d/{robot}")).await.expect_status(200, "Ana again after 11 minutes");
        ana.note(robot).await;
        // A desktop browser at Ana's first address is another browser.
        let office = self.phone(DESKTOP, ADDRESSES[0]);
        office.get(&format!("/d/{robot}")).await.expect_status(200, "the office PC");
        self.flush().await;
    }
}

/// A browser with a user agent behind the trusted proxy at some address.
struct Phone<'a> {
    browser: Browser<'a>,
    user_agent: &'static str,
    address: std::sync::Mutex<String>,
}

impl Phone<'_> {
    fn headers(&self, mut extra: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        extra.push((USER_AGENT.as_str(), self.user_agent.to_owned()));
        extra.push(("x-forwarded-for", self.address.lock().expect("address").clone()));
        extra
    }

    fn move_to(&self, address: &str) {
        *self.address.lock().expect("address") = address.to_owned();
    }

    fn cookie(&self, name: &str) -> Option<String> {
        let header = self.browser.cookie_header()?;
        header.split("; ").find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    async fn get(&self, path: &str) -> Response {
        self.browser.send(Method::GET, path, self.headers(Vec::new()), Vec::new()).await
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).expect("form").into_bytes();
        let headers = self.headers(vec![(CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded".to_owned())]);
        self.browser.send(Method::POST, path, headers, body).await
    }

    async fn enter_pin(&self, token: &str, pin: &str) -> Response {
        let page = self.get(&format!("/d/{token}")).await;
        let csrf = page.html().attr("form[action$=\"/pin\"] input[name=\"_csrf\"]", "value").unwrap_or_default();
        self.post_form(&format!("/d/{token}/pin"), &[("_csrf", &csrf), ("pin", pin)]).await
    }

    async fn report(&self, token: &str) {
        let page = self.get(&format!("/d/{token}/report?template=free")).await;
        page.expect_status(200, "report form, step 2");
        let form = form_values(&page.html(), "form[method=\"post\"]");
        let all = fill(
            &form,
            &[("description", "Oil under the robot."), ("reporter_name", "Ana"), ("reporter_email", "ana@example.com")],
        );
        let all: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let (body, content_type) = multipart_form(&all, &[]);
        let headers = self.headers(vec![(CONTENT_TYPE.as_str(), content_type)]);
        let sent = self.browser.send(Method::POST, &format!("/d/{token}/report"), headers, body).await;
        sent.expect_status(303, "Ana's report");
    }

    async fn note(&self, token: &str) {
        let device = self.get(&format!("/d/{token}")).await.html();
        let path = device.attr("ul.cases a[href*=\"/note\"]", "href").expect("a note link on the device page");
        let form = self.get(&path).await;
        form.expect_status(200, "note form");
        let csrf = form.html().attr("input[name=\"_csrf\"]", "value").expect("note csrf");
        let sent = self.post_form(&path, &[("_csrf", &csrf), ("body", "Still dripping."), ("website", "")]).await;
        sent.expect_status(303, "Ana's note");
    }
}

async fn a_scripted_day_of_portal_visits_gives_exact_counts_everywhere(base: &TestApp) {
    let s = site(base).await;
    s.play_the_day().await;

    let mut conn = s.t.app.store.read().await.expect("conn");
    let rows = sqlx::query(
        "SELECT kind, device_id, device_class, client_key, visitor_key, workspace_id, deployment_id, id \
         FROM portal_events ORDER BY occurred_at, id",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("events");
    let count = |kind: &str, class: Option<&str>| {
        rows.iter()
            .filter(|r| r.get::<String, _>("kind") == kind)
            .filter(|r| class.is_none_or(|c| r.get::<String, _>("device_class") == c))
            .count()
    };
    // Counted scans: Ana twice (first view, after 11 minutes), Ben twice (robot, press), the office PC once.
    assert_eq!(count("scan", Some("phone")) + count("scan", Some("desktop")), 5);
    assert_eq!(count("scan", Some("bot")), 2, "Googlebot and curl are stored as bots");
    assert_eq!(count("pin_rejected", None), 6, "Ana's one and Ben's five");
    assert_eq!(count("lockout", None), 1, "Ben's fifth wrong PIN and the attempt refused after it: one lock-out");
    assert_eq!((count("pin_accepted", None), count("form_opened", None)), (1, 1));
    assert_eq!((count("case_submitted", None), count("note_added", None)), (1, 1));
    // No address, no user agent, no cookie in clear: only 128-bit keyed hashes.
    let visitor_cookie = "tagdesk_portal_visitor";
    for row in &rows {
        for column in
            ["kind", "device_id", "device_class", "client_key", "visitor_key", "workspace_id", "deployment_id", "id"]
        {
            let value: String = row.get(column);
            for address in ADDRESSES {
                assert!(!value.contains(address), "{column} holds the address {address}");
            }
            assert!(!value.contains("Mozilla") && !value.contains("iPhone") && !value.contains(visitor_cookie));
        }
        let client: String = row.get("client_key");
        assert!(client.len() == 32 && client.bytes().all(|b| b.is_ascii_hexdigit()), "client_key {client}");
    }
    // Ana's events all carry one visitor key, also after she changed networks; the office PC at her
    // address has another.
    let ana_key: String = rows[0].get("visitor_key");
    let ana_events = rows.iter().filter(|r| r.get::<String, _>("visitor_key") == ana_key).count();
    assert_eq!(ana_events, 7, "scan, wrong PIN, right PIN, form, case, scan after 11 minutes, note");
    drop(conn);

    let api_key = s.acme.api_key("scans").await.1;
    let api = s.t.api(&api_key);
    let funnel = api.get(&format!("/api/v1/deployments/{}/scan-funnel?days=7", s.north)).await;
    funnel.expect_status(200, "funnel");
    let funnel = funnel.json();
    let steps: Vec<(String, i64)> = funnel["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| (s["kind"].as_str().unwrap_or_default().to_owned(), s["count"].as_i64().unwrap_or(-1)))
        .collect();
    let expected = [("scan", 5), ("pin_accepted", 1), ("form_opened", 1), ("case_submitted", 1)];
    assert_eq!(steps, expected.map(|(k, n)| (k.to_owned(), n)));
    assert_eq!(funnel["steps"][1]["drop_off_pct"], 80.0);
    assert_eq!(funnel["steps"][3]["drop_off_pct"], 0.0);
    assert_eq!((funnel["totals"]["pin_rejected"].as_i64(), funnel["totals"]["lockout"].as_i64()), (Some(6), Some(1)));
    assert_eq!(funnel["totals"]["note_added"], 1);
    assert_eq!(funnel["timezone"], "Europe/Berlin");

    let per_day =
        api.get(&format!("/api/v1/deployments/{}/scans-per-day?from=2027-01-14&to=2027-01-15", s.north)).await;
    per_day.expect_status(200, "per day");
    let days = per_day.json()["days"].clone();
    assert_eq!(days[0]["day"], "2027-01-14");
    assert_eq!((days[0]["scan"].as_i64(), days[1]["scan"].as_i64()), (Some(0), Some(5)));
    assert_eq!(days[1]["pin_rejected"], 6);

    let stats = api.get(&format!("/api/v1/devices/{}/scan-stats", s.robot)).await;
    stats.expect_status(200, "robot stats");
    let stats = stats.json();
    assert_eq!((stats["scans"].as_i64(), stats["portal_cases"].as_i64()), (Some(4), Some(1)));
    assert_eq!(stats["last_scan_at"], "2027-01-15T12:11:00Z", "the office PC's scan, 11 minutes in");
    let press = api.get(&format!("/api/v1/devices/{}/scan-stats", s.press)).await.json();
    assert_eq!((press["scans"].as_i64(), press["portal_cases"].as_i64()), (Some(1), Some(0)));

    // The device page shows the same numbers.
    let staff = s.staff().await;
    let page = staff.get(&format!("/devices/{}", s.robot)).await;
    page.expect_status(200, "device page");
    let text = page.html().text_of("#device-scans").expect("scan stats on the device page");
    assert_eq!(text, "Total scans 4 Last scan just now (2027-01-15 12:11 UTC) Cases from the portal 1");
}

async fn the_scans_page_shows_the_funnel_the_chart_and_the_labels_never_scanned(base: &TestApp) {
    let s = site(base).await;
    s.play_the_day().await;
    let staff = s.staff().await;
    let deployment_page = staff.get(&format!("/deployments/{}", s.north)).await.html();
    let path = format!("/deployments/{}/scans", s.north);
    assert!(deployment_page.has(&format!("a[href=\"{path}\"]")), "the deployment page links to scan tracking");

    let response = staff.get(&path).await;
    response.expect_status(200, "scans page");
    let page = response.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Scan tracking"));
    assert_eq!(page.text_of(".period-presets a[aria-current=\"true\"]").as_deref(), Some("Last 30 days"));
    let rows = page.texts_of("table.funnel tbody tr");
    assert_eq!(
        rows,
        [
            "Label scanned 5 \u{2014} \u{2014}",
            "PIN accepted 1 20 % 80 %",
            "Report form opened 1 100 % 0 %",
            "Case submitted 1 100 % 0 %"
        ]
    );
    let others = "section[aria-labelledby=\"funnel-heading\"] dl.details";
    assert_eq!(
        page.texts_of(&format!("{others} dt")),
        ["PINs rejected", "Lock-outs", "\u{201c}Same problem\u{201d} notes"]
    );
    assert_eq!(page.texts_of(&format!("{others} dd")), ["6", "1", "1"]);
    // The chart: an accessible inline SVG with one bar per day, and the same numbers as a table.
    assert!(page.has("svg.chart[role=\"img\"][aria-labelledby=\"chart-title chart-desc\"]"));
    assert_eq!(page.text_of("svg.chart title#chart-title").as_deref(), Some("Scans per day at North"));
    let desc = page.text_of("svg.chart desc").expect("chart description");
    assert!(desc.starts_with("5 scans from 2026-12-17 to 2027-01-15; the most on 2027-01-15 (5 scans)"), "{desc}");
    assert_eq!(page.texts_of("svg.chart rect.chart-bar").len(), 30);
    assert_eq!(page.text_of("svg.chart rect.chart-bar:last-of-type title").as_deref(), Some("2027-01-15: 5 scans"));
    assert_eq!(page.texts_of("#scans-per-day tbody tr").len(), 30);
    assert_eq!(page.texts_of("#scans-per-day tbody tr:last-child td"), ["2027-01-15", "5"]);
    assert!(!response.text().contains("<script"), "no script");
    // The labels never scanned, with the link that prints exactly those.
    assert_eq!(page.texts_of("#unscanned-devices tbody td:first-child"), ["Idle 3"]);
    let print = format!("/labels?deployment={}&never_scanned=1", s.north);
    assert_eq!(page.attr("a.btn-primary[href^=\"/labels?\"]", "href"), Some(print));
    // Not scanned in the last 7 days, a week later: all three.
    s.advance_minutes(8 * 24 * 60);
    let staff = s.staff().await;
    let week = staff.get(&format!("{path}?not_scanned=7")).await.html();
    assert_eq!(week.texts_of("#unscanned-devices tbody td:first-child"), ["Idle 3", "Press 2", "Robot 7"]);
    assert_eq!(
        week.attr("a.btn-primary[href^=\"/labels?\"]", "href"),
        Some(format!("/labels?deployment={}&not_scanned_days=7", s.north))
    );
    assert_eq!(week.text_of("#unscanned-devices tbody tr:last-child td:last-child").as_deref(), Some("8 days ago"));
    // A custom period, and a wrong one.
    let custom = staff.get(&format!("{path}?from=2027-01-15&to=2027-01-15")).await.html();
    assert_eq!(custom.texts_of("svg.chart rect.chart-bar").len(), 1);
    assert_eq!(custom.attr("#f-from", "value").as_deref(), Some("2027-01-15"));
    let wrong = staff.get(&format!("{path}?from=2027-02-01&to=2027-01-01")).await;
    wrong.expect_status(422, "a period that ends before it starts");
    assert!(wrong.html().has(".error-summary a[href=\"#f-to\"]"));
    // CSV downloads from the page.
    let events_csv = custom.attr("a[href*=\"/scans/events.csv\"]", "href").expect("events CSV link");
    let csv = staff.get(&events_csv).await;
    csv.expect_status(200, "events CSV");
    assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
    let text = csv.text();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("occurred_at,kind,device_id,device_name,serial_number,device_class,visitor_key"));
    assert_eq!(lines.count(), 18, "every event of the day, bots included");
    let days_csv = custom.attr("a[href*=\"/scans/days.csv\"]", "href").expect("daily CSV link");
    let days = staff.get(&days_csv).await.text();
    assert!(days.starts_with("day,device_id,device_name,serial_number,kind,count\n"));
    assert!(days.contains(&format!("2027-01-15,{},Robot 7,SN-7,scan,4", s.robot)), "{days}");
    assert!(!days.contains(",bot"), "no bots in the daily counts");

    // A viewer sees the page but cannot print labels; a technician can.
    let (_, viewer) = s.acme.member("vic", &[(s.north, DeploymentRole::Viewer)]).await;
    let viewer = s.t.sign_in(&viewer, PASSWORD).await;
    let seen = viewer.get(&path).await;
    seen.expect_status(200, "viewer");
    assert!(!seen.html().has("a[href^=\"/labels?\"]"), "viewers get no print button");
    let (_, tech) = s.acme.member("tina", &[(s.north, DeploymentRole::Technician)]).await;
    let tech = s.t.sign_in(&tech, PASSWORD).await;
    assert!(tech.get(&path).await.html().has("a[href^=\"/labels?\"]"), "technicians print labels");
}

async fn the_scan_api_pages_filters_exports_and_validates(base: &TestApp) {
    let s = site(base).await;
    s.play_the_day().await;
    let api_key = s.acme.api_key("scans").await.1;
    let api = s.t.api(&api_key);
    let events = format!("/api/v1/deployments/{}/scan-events", s.north);
    // Every event (18) in two pages of 12 and 6, oldest first.
    let first = api.get(&format!("{events}?limit=12")).await;
    first.expect_status(200, "events page 1");
    let first = first.json();
    assert_eq!(first["items"].as_array().map(Vec::len), Some(12));
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let query = serde_urlencoded::to_string([("limit", "12"), ("cursor", cursor.as_str())]).expect("query");
    let second = api.get(&format!("{events}?{query}")).await.json();
    assert_eq!(second["items"].as_array().map(Vec::len), Some(6));
    assert!(second["next_cursor"].is_null());
    let item = &first["items"][0];
    assert_eq!((item["kind"].as_str(), item["device_name"].as_str()), (Some("scan"), Some("Robot 7")));
    assert_eq!(item["device_class"], "phone");
    assert_eq!(item["occurred_at"], "2027-01-15T12:00:00Z");
    assert!(item.get("client_key").is_none(), "the address key is never exported");
    // Filters.
    let bots = api.get(&format!("{events}?kind=scan&device_id={}", s.press)).await.json();
    let classes: Vec<&str> =
        bots["items"].as_array().expect("items").iter().filter_map(|e| e["device_class"].as_str()).collect();
    assert_eq!(classes, ["phone", "bot"], "Ben's scan and curl's");
    let yesterday = api.get(&format!("{events}?from=2027-01-14&to=2027-01-14")).await.json();
    assert_eq!(yesterday["items"].as_array().map(Vec::len), Some(0));
    // CSV: the query form and the .csv sibling give the same file.
    let csv = api.get(&format!("{events}?format=csv&kind=lockout")).await;
    csv.expect_status(200, "events as CSV");
    assert!(csv.header("content-disposition").is_some_and(|d| d.contains("scan-events-")));
    assert_eq!(csv.text().lines().count(), 2, "the header and the one lock-out");
    let sibling = api.get(&format!("{events}.csv?kind=lockout")).await;
    assert_eq!(sibling.text(), csv.text());
    let days_csv = api.get(&format!("/api/v1/deployments/{}/scans-per-day.csv?days=1", s.north)).await;
    days_csv.expect_status(200, "daily counts as CSV");
    assert!(days_csv.text().contains(",Press 2,SN-2,scan,1"));
    let same = api.get(&format!("/api/v1/deployments/{}/scans-per-day?days=1&format=csv", s.north)).await;
    assert_eq!(same.text(), days_csv.text());
    // Errors.
    for (query, field) in [
        ("kind=visit", "kind"),
        ("device_id=nope", "device_id"),
        ("from=2027-02-01&to=2027-01-01", "to"),
        ("days=0", "days"),
        ("format=xml", "format"),
        ("cursor=garbage", "cursor"),
    ] {
        let response = api.get(&format!("{events}?{query}")).await;
        crate::support::api_field_error(&response, field);
    }
    let funnel = api.get(&format!("/api/v1/deployments/{}/scan-funnel?from=20270101", s.north)).await;
    crate::support::api_field_error(&funnel, "from");
    api.get(&format!("/api/v1/deployments/{}/scan-funnel", DeploymentId::new())).await.expect_status(404, "unknown");
    api.get(&format!("/api/v1/devices/{}/scan-stats", DeviceId::new())).await.expect_status(404, "unknown device");
    s.t.api_anonymous().get(&events).await.expect_status(401, "no key");
}

async fn scans_of_other_workspaces_and_unseen_deployments_answer_404(base: &TestApp) {
    let s = site(base).await;
    s.play_the_day().await;
    let rival = s.t.workspace("Rival").await;
    let rival_key = rival.api_key("rival").await.1;
    let rival_api = s.t.api(&rival_key);
    let paths = [
        format!("/api/v1/deployments/{}/scan-events", s.north),
        format!("/api/v1/deployments/{}/scan-events.csv", s.north),
        format!("/api/v1/deployments/{}/scan-funnel", s.north),
        format!("/api/v1/deployments/{}/scans-per-day", s.north),
        format!("/api/v1/deployments/{}/scans-per-day.csv", s.north),
        format!("/api/v1/devices/{}/scan-stats", s.robot),
    ];
    for path in &paths {
        rival_api.get(path).await.expect_status(404, &format!("another workspace's key: {path}"));
    }
    let pages = [
        format!("/deployments/{}/scans", s.north),
        format!("/deployments/{}/scans/events.csv", s.north),
        format!("/deployments/{}/scans/days.csv", s.north),
    ];
    let rival_admin = s.t.sign_in(&rival.admin_email, PASSWORD).await;
    let (_, outsider) = s.acme.member("otto", &[]).await;
    let outsider = s.t.sign_in(&outsider, PASSWORD).await;
    for path in &pages {
        let answer = rival_admin.get(path).await;
        answer.expect_status(404, &format!("another workspace's admin: {path}"));
        assert!(!answer.text().contains("Robot 7"));
        outsider.get(path).await.expect_status(404, &format!("a member without a role: {path}"));
    }
    let device = rival_admin.get(&format!("/devices/{}", s.robot)).await;
    device.expect_status(404, "another workspace's device page");
    // Signed out: the sign-in page, never data.
    let anonymous = s.t.get(&pages[0]).await;
    assert!(anonymous.status.is_redirection(), "signed out: {}", anonymous.status);
}
