//! HTTP tests of the visitor pages through the whole in-process router (SQLite): the path from the label
//! to the confirmation and the follow-up page, the boundaries between deployments, the portal's CSRF
//! tokens, escaping, languages, lock-outs and the error pages.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use scraper::{Html, Selector};
use tagdesk_app::attachments::LocalDirStore;
use tagdesk_app::deployments::{self, DeploymentInput};
use tagdesk_app::devices::{self, DeviceInput};
use tagdesk_app::portal::PortalSettingsInput;
use tagdesk_app::portal::{settings, tokens};
use tagdesk_app::templates::{self, TemplateInput};
use tagdesk_app::users::{self, NewUserInput};
use tagdesk_app::{Actor, App, cases};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{CaseOrigin, DeploymentId, DeviceId};
use tagdesk_store::Store;
use tower::ServiceExt as _;

use crate::{AppState, WebConfig};

const PIN: &str = "4821";

struct Site {
    deployment: DeploymentId,
    device: DeviceId,
    token: String,
}

struct World {
    app: App,
    router: Router,
    actor: Actor,
    a: Site,
    b: Site,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    fn select(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).expect("selector");
        self.html().select(&selector).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    fn attr(&self, css: &str, name: &str) -> Option<String> {
        let selector = Selector::parse(css).expect("selector");
        self.html().select(&selector).next().and_then(|e| e.value().attr(name).map(str::to_owned))
    }

    fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    #[track_caller]
    fn expect(&self, status: u16, context: &str) -> &Self {
        let excerpt: String = self.body.chars().take(3000).collect();
        assert_eq!(self.status.as_u16(), status, "{context}: {excerpt}");
        self
    }
}

/// A browser: keeps cookies, sends Accept-Language.
struct Browser<'a> {
    world: &'a World,
    cookies: Mutex<BTreeMap<String, String>>,
    language: &'static str,
}

impl Browser<'_> {
    async fn send(&self, method: Method, path: &str, content_type: Option<String>, body: Vec<u8>) -> Reply {
        let mut builder = Request::builder().method(method).uri(path).header(ACCEPT_LANGUAGE, self.language);
        let jar: String = {
            let cookies = self.cookies.lock().expect("jar");
            cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
        };
        if !jar.is_empty() {
            builder = builder.header(COOKIE, jar);
        }
        if let Some(content_type) = content_type {
            builder = builder.header(CONTENT_TYPE, content_type);
        }
        let request = builder.body(Body::from(body)).expect("request");
        let response = self.world.router.clone().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = String::from_utf8_lossy(&body.collect().await.expect("body").to_bytes()).into_owned();
        let mut cookies = self.cookies.lock().expect("jar");
        for value in parts.headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let Some((name, rest)) = value.split_once('=') else { continue };
            let cookie_value = rest.split(';').next().unwrap_or("").to_owned();
            if value.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), cookie_value);
            }
        }
        Reply { status: parts.status, headers: parts.headers, body }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new()).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.send(Method::POST, path, Some("application/x-www-form-urlencoded".into()), body.into_bytes()).await
    }

    async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Reply {
        let boundary = "----portal-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(Method::POST, path, Some(format!("multipart/form-data; boundary={boundary}")), body).await
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("jar").get(name).cloned()
    }

    /// Enters the PIN on `token`'s page; returns the answer to the POST.
    async fn enter_pin(&self, token: &str, pin: &str) -> Reply {
        let page = self.get(&format!("/d/{token}")).await;
        let csrf = page.attr("input[name=_csrf]", "value").unwrap_or_default();
        self.post(&format!("/d/{token}/pin"), &[("pin", pin), ("_csrf", &csrf)]).await
    }
}

fn settings_input(language: &str, contact: &str, templates: Vec<String>) -> PortalSettingsInput {
    PortalSettingsInput {
        enabled: true,
        pin: Some(PIN.to_owned()),
        show_open_cases: true,
        open_case_window_days: 30,
        welcome_md: "Welcome, **visitor**.".to_owned(),
        instructions_md: "Tell us what you see.".to_owned(),
        contact_md: contact.to_owned(),
        offered_template_ids: templates,
        allow_free_description: true,
        contact_rule: "name_and_email_or_phone".to_owned(),
        language: language.to_owned(),
        photos_allowed: true,
        max_photos: 2,
        max_photo_mb: 1,
    }
}

impl World {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite_file(&dir.path().join("tagdesk.db")).await.expect("open sqlite");
        store.migrate().await.expect("migrate");
        let app =
            App::new(store).with_attachments(std::sync::Arc::new(LocalDirStore::new(dir.path().join("attachments"))));
        let router = crate::router(AppState::new(app.clone(), WebConfig::for_tests()));
        let admin = NewUserInput {
            email: "admin@acme.test".to_owned(),
            display_name: "Admin".to_owned(),
            workspace_role: "admin".to_owned(),
            password: "correct horse battery staple".to_owned(),
        };
        let (workspace, _) = users::bootstrap(&app, "Acme", &admin).await.expect("bootstrap");
        let actor = Actor::system(workspace);
        let field = FieldDraft {
            label: "Which part?".to_owned(),
            help: "Pick the part that is broken.".to_owned(),
            kind: "single_choice".to_owned(),
            required: true,
            options: vec!["Screen".to_owned(), "Wheel".to_owned()],
            position: 1,
            ..FieldDraft::default()
        };
        let template = TemplateInput {
            name: "Broken part".to_owned(),
            title: "Broken part reported".to_owned(),
            case_type: "damage".to_owned(),
            fields: vec![field],
            ..TemplateInput::default()
        };
        let template = templates::create(&app, &actor, &template).await.expect("template").id;
        let mut sites = Vec::new();
        for (name, language, contact) in [
            ("North Plant", "en", "Call [North](tel:+4930123)"),
            ("South Depot", "de", "South desk: south@example.com"),
        ] {
            let input = DeploymentInput {
                name: name.to_owned(),
                timezone: "Europe/Berlin".to_owned(),
                language: language.to_owned(),
                ..DeploymentInput::default()
            };
            let deployment = deployments::create(&app, &actor, &input).await.expect("deployment").id;
            let device = DeviceInput {
                deployment_id: deployment.to_string(),
                name: format!("{name} robot"),
                serial_number: format!("SN-{language}"),
                ..DeviceInput::default()
            };
            let device = devices::create(&app, &actor, &device).await.expect("device");
            settings::update(&app, &actor, deployment, &settings_input(language, contact, vec![template.to_string()]))
                .await
                .expect("portal settings");
            sites.push(Site { deployment, device: device.id, token: device.portal_token.expect("token") });
        }
        let b = sites.pop().expect("b");
        let a = sites.pop().expect("a");
        Self { app, router, actor, a, b, _dir: dir }
    }

    fn browser(&self) -> Browser<'_> {
        self.browser_in("en")
    }

    fn browser_in(&self, language: &'static str) -> Browser<'_> {
        Browser { world: self, cookies: Mutex::default(), language }
    }
}

/// A valid 2×2 PNG (stored deflate blocks, no compression library needed).
fn tiny_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        let mut tagged = kind.to_vec();
        tagged.extend_from_slice(data);
        out.extend_from_slice(&tagged);
        out.extend_from_slice(&crc32(&tagged).to_be_bytes());
    }
    let raw: Vec<u8> = [0_u8, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255].to_vec(); // 2 rows, filter 0
    let (mut a, mut b) = (1_u32, 0_u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    let len = u16::try_from(raw.len()).unwrap_or(0);
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn the_visitor_path_from_label_to_follow_up_page() {
    let world = World::new().await;
    let a = &world.a;
    let browser = world.browser();

    // PIN page: one numeric field, no-store, a double-submit cookie, the contact details.
    let pin_page = browser.get(&format!("/d/{}", a.token.to_lowercase())).await;
    pin_page.expect(200, "PIN page");
    assert_eq!(pin_page.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    assert_eq!(pin_page.attr("input[name=pin]", "inputmode").as_deref(), Some("numeric"));
    assert_eq!(pin_page.attr("input[name=pin]", "autocomplete").as_deref(), Some("one-time-code"));
    assert_eq!(pin_page.attr("input[name=pin]", "pattern").as_deref(), Some("[0-9]{4}"));
    assert_eq!(pin_page.attr("html", "lang").as_deref(), Some("en"));
    assert!(pin_page.body.contains(r#"<a href="tel:+4930123" rel="noopener nofollow">North</a>"#), "contact details");
    assert!(pin_page.select("label[for=pin]").first().is_some_and(|l| !l.is_empty()));
    let csrf_cookie = pin_page.set_cookie(super::cookies::PIN_CSRF).expect("csrf cookie");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"));

    // Wrong, then right.
    let wrong = browser.enter_pin(&a.token, "1111").await;
    wrong.expect(401, "wrong PIN");
    assert_eq!(wrong.attr("#pin", "aria-describedby").as_deref(), Some("pin-error pin-help"));
    let right = browser.enter_pin(&a.token, PIN).await;
    right.expect(303, "right PIN");
    assert_eq!(right.location(), format!("/d/{}", a.token));
    for name in [super::cookies::SESSION, super::cookies::TRUST] {
        let cookie = right.set_cookie(name).unwrap_or_else(|| panic!("{name} set"));
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
    assert!(right.set_cookie(super::cookies::SESSION).is_some_and(|c| c.contains(&format!("Max-Age={}", 30 * 86_400))));

    // Device page with a staff case of this device (no reporter data) and none of another device.
    let staff_case = cases::CaseInput {
        deployment_id: a.deployment.to_string(),
        device_id: Some(a.device.to_string()),
        title: "Screen <b>flickers</b>".to_owned(),
        description: "SECRET-DESCRIPTION".to_owned(),
        reporter_name: "SECRET-REPORTER".to_owned(),
        ..cases::CaseInput::default()
    };
    let case = cases::create(&world.app, &world.actor, CaseOrigin::Staff, &staff_case).await.expect("case");
    let sibling = DeviceInput {
        deployment_id: a.deployment.to_string(),
        name: "Sibling".to_owned(),
        serial_number: "SN-sibling".to_owned(),
        ..DeviceInput::default()
    };
    let sibling = devices::create(&world.app, &world.actor, &sibling).await.expect("sibling device");
    let other_case = cases::CaseInput {
        deployment_id: a.deployment.to_string(),
        device_id: Some(sibling.id.to_string()),
        title: "OTHER-DEVICE-CASE".to_owned(),
        ..cases::CaseInput::default()
    };
    let other = cases::create(&world.app, &world.actor, CaseOrigin::Staff, &other_case).await.expect("other case");
    let device_page = browser.get(&format!("/d/{}", a.token)).await;
    device_page.expect(200, "device page");
    assert_eq!(device_page.select("h1"), vec!["North Plant robot".to_owned()]);
    assert!(device_page.body.contains("SN-en") && device_page.body.contains("North Plant"));
    assert!(device_page.body.contains("<strong>visitor</strong>"), "welcome rendered");
    assert!(device_page.body.contains("Screen &#60;b&#62;flickers&#60;/b&#62;"), "title escaped");
    assert!(!device_page.body.contains("SECRET-"), "no description or reporter data");
    assert!(
        !device_page.body.contains("OTHER-DEVICE-CASE") && !device_page.body.contains("Sibling"),
        "one device only"
    );
    assert!(!device_page.body.contains(&a.device.to_string()) && !device_page.body.contains(&a.deployment.to_string()));

    // A note on that case, on a page of its own.
    let note_path = format!("/d/{}/cases/{}/note", a.token, case.number.0);
    assert_eq!(device_page.attr(".cases .more a", "href"), Some(note_path.clone()));
    let note_page = browser.get(&note_path).await;
    note_page.expect(200, "note form");
    let csrf = note_page.attr("input[name=_csrf]", "value").expect("form token");
    let empty = browser.post(&note_path, &[("_csrf", &csrf), ("body", ""), ("reporter_name", "Ann")]).await;
    empty.expect(422, "empty note");
    assert_eq!(empty.attr("#f-body", "aria-describedby").as_deref(), Some("f-body-error"));
    assert_eq!(empty.attr("#f-reporter_name", "value").as_deref(), Some("Ann"), "typed values kept");
    let noted = browser.post(&note_path, &[("_csrf", &csrf), ("body", "Same here"), ("reporter_name", "Ann")]).await;
    noted.expect(303, "note added");
    let after = browser.get(noted.location()).await;
    assert!(after.select(".notice").first().is_some_and(|n| n.contains(&format!("#{}", case.number.0))));
    let forged = browser.get(&format!("/d/{}?noted=7.abc", a.token)).await;
    assert!(forged.select(".notice").is_empty(), "a notice needs our signature");
    browser.get(&format!("/d/{}/cases/999/note", a.token)).await.expect(404, "no such case");
    let other_note = format!("/d/{}/cases/{}/note", a.token, other.number.0);
    browser.get(&other_note).await.expect(404, "a case of another device");
    browser.post(&other_note, &[("_csrf", &csrf), ("body", "x")]).await.expect(404, "no note on another device's case");

    // Report: step 1, step 2, errors, success.
    let step1 = browser.get(&format!("/d/{}/report", a.token)).await;
    step1.expect(200, "step 1");
    assert_eq!(step1.select("label.choice").len(), 2, "the template and the free description");
    let step2 = browser.get(&format!("/d/{}/report?template=1", a.token)).await;
    step2.expect(200, "step 2");
    let csrf = step2.attr("input[name=_csrf]", "value").expect("csrf");
    let key = step2.attr("input[name=idempotency_key]", "value").expect("key");
    assert_eq!(step2.attr("input[name=photos]", "accept").as_deref(), Some("image/*"));
    assert!(step2.select("label[for=f-reporter_name]").first().is_some_and(|l| l.contains("(required)")));
    let report_path = format!("/d/{}/report", a.token);
    let invalid = browser
        .post_multipart(
            &report_path,
            &[
                ("_csrf", &csrf),
                ("template", "1"),
                ("idempotency_key", &key),
                ("description", "It <i>broke</i>"),
                ("reporter_email", "ann@example.com"),
            ],
            &[("p.png", &tiny_png())],
        )
        .await;
    invalid.expect(422, "missing required values");
    assert_eq!(invalid.attr("#f-reporter_email", "value").as_deref(), Some("ann@example.com"), "typed values kept");
    assert!(invalid.select("#f-description").first().is_some_and(|d| d.contains("It <i>broke</i>")));
    assert_eq!(invalid.attr("#f-reporter_name", "aria-describedby").as_deref(), Some("f-reporter_name-error"));
    assert!(invalid.body.contains("href=\"#f-field-f1\""), "summary links the field");
    assert!(invalid.select(".notice.warn").len() == 1, "photos must be added again");

    let fields = [
        ("_csrf", csrf.as_str()),
        ("template", "1"),
        ("idempotency_key", key.as_str()),
        ("field.f1", "Wheel"),
        ("description", "The left wheel <script>alert(1)</script> squeaks"),
        ("reporter_name", "Ann Example"),
        ("reporter_email", "ann@example.com"),
    ];
    let sent = browser.post_multipart(&report_path, &fields, &[("p.png", &tiny_png())]).await;
    sent.expect(303, "report sent");
    assert_eq!(sent.location(), format!("/d/{}/done", a.token));
    let done = browser.get(sent.location()).await;
    done.expect(200, "confirmation");
    assert_eq!(done.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let link = done.attr(".link a", "href").expect("follow link");
    assert!(link.starts_with("http://127.0.0.1:8080/c/"), "{link}");
    let number = done.select(".big").first().cloned().unwrap_or_default();
    assert!(number.contains('#'), "{number}");

    // A double tap: the same key again creates nothing and keeps the first confirmation.
    let again = browser.post_multipart(&report_path, &fields, &[]).await;
    again.expect(303, "duplicate");
    let done_again = browser.get(again.location()).await;
    assert_eq!(done_again.attr(".link a", "href"), Some(link.clone()), "the first confirmation wins");

    // Staff answer: a public comment shows on the follow-up page, an internal one does not.
    let query = cases::CaseQuery { origin: Some("portal".to_owned()), ..cases::CaseQuery::default() };
    let page = tagdesk_app::page::PageRequest { cursor: None, limit: Some(10) };
    let portal_cases = cases::list(&world.app, &world.actor, &query, &page).await.expect("cases").items;
    assert_eq!(portal_cases.len(), 1, "one case for two submissions");
    let created = &portal_cases[0];
    assert_eq!(created.reporter.name, "Ann Example");
    cases::comment(&world.app, &world.actor, created.id, "We <b>ordered</b> a new wheel.", true).await.expect("public");
    cases::comment(&world.app, &world.actor, created.id, "INTERNAL-ONLY", false).await.expect("internal");

    // The follow-up page works without any cookie and shows one case only.
    let stranger = world.browser_in("de");
    let follow_path = link.trim_start_matches("http://127.0.0.1:8080");
    let follow = stranger.get(follow_path).await;
    follow.expect(200, "follow-up page");
    assert_eq!(follow.attr("html", "lang").as_deref(), Some("de"), "the visitor's language");
    assert!(follow.body.contains("Broken part reported"));
    assert!(!follow.body.contains("squeaks") && !follow.body.contains("Ann Example"), "no description, no reporter");
    assert!(follow.body.contains("We &#60;b&#62;ordered&#60;/b&#62; a new wheel."), "public comment, escaped");
    assert!(!follow.body.contains("INTERNAL-ONLY"), "internal comments stay internal");
    stranger.get(&format!("{}X", &follow_path[..follow_path.len() - 1])).await.expect(404, "unknown follow token");
}

#[tokio::test]
async fn a_session_for_one_deployment_gives_nothing_at_another() {
    let world = World::new().await;
    let browser = world.browser();
    browser.enter_pin(&world.a.token, PIN).await.expect(303, "PIN at A");
    let session_a = browser.cookie(super::cookies::SESSION).expect("session");
    let at_b = browser.get(&format!("/d/{}", world.b.token)).await;
    at_b.expect(200, "B without a session");
    assert!(at_b.attr("input[name=pin]", "name").is_some(), "B asks for its PIN");
    let report_b = browser.get(&format!("/d/{}/report", world.b.token)).await;
    report_b.expect(303, "report at B needs B's PIN");
    let note_b = browser.post(&format!("/d/{}/cases/1/note", world.b.token), &[("_csrf", "x"), ("body", "hi")]).await;
    note_b.expect(303, "note at B needs B's PIN");

    // Both sessions live side by side in the one cookie.
    browser.enter_pin(&world.b.token, PIN).await.expect(303, "PIN at B");
    let both = browser.cookie(super::cookies::SESSION).expect("sessions");
    assert!(both.starts_with(&session_a) && both.contains('.'), "{both}");
    browser.get(&format!("/d/{}", world.a.token)).await.expect(200, "A still open");
    assert!(browser.get(&format!("/d/{}", world.a.token)).await.select("h1").contains(&"North Plant robot".to_owned()));

    // Staff pages and the API do not accept a portal session.
    let staff = browser.get("/devices").await;
    assert_eq!(staff.status, StatusCode::SEE_OTHER);
    assert!(staff.location().starts_with("/login"));
    browser.get("/api/v1/devices").await.expect(401, "API refuses portal cookies");

    // Changing the PIN ends the sessions of that deployment.
    let mut input = settings_input("en", "", Vec::new());
    input.pin = Some("9157".to_owned());
    input.allow_free_description = true;
    settings::update(&world.app, &world.actor, world.a.deployment, &input).await.expect("new PIN");
    let again = browser.get(&format!("/d/{}", world.a.token)).await;
    assert!(again.attr("input[name=pin]", "name").is_some(), "A asks for the new PIN");
    let b_page = browser.get(&format!("/d/{}", world.b.token)).await;
    assert!(b_page.attr("input[name=pin]", "name").is_none(), "B is unaffected");
}

#[tokio::test]
async fn forms_need_their_tokens() {
    let world = World::new().await;
    let a = &world.a;
    let browser = world.browser();
    browser.get(&format!("/d/{}", a.token)).await;
    let no_token = browser.post(&format!("/d/{}/pin", a.token), &[("pin", PIN)]).await;
    no_token.expect(403, "PIN without token");
    assert!(no_token.body.contains("tel:+4930123"), "error pages show the contact details");
    let other = world.browser();
    let foreign = other.get(&format!("/d/{}", a.token)).await.attr("input[name=_csrf]", "value").expect("token");
    browser
        .post(&format!("/d/{}/pin", a.token), &[("pin", PIN), ("_csrf", &foreign)])
        .await
        .expect(403, "someone else's token");

    browser.enter_pin(&a.token, PIN).await.expect(303, "PIN");
    other.enter_pin(&a.token, PIN).await.expect(303, "PIN in the other browser");
    let others_form = other.get(&format!("/d/{}/report?template=free", a.token)).await;
    let others_csrf = others_form.attr("input[name=_csrf]", "value").expect("csrf");
    let fields =
        [("_csrf", others_csrf.as_str()), ("template", "free"), ("idempotency_key", "k1"), ("description", "x")];
    browser
        .post_multipart(&format!("/d/{}/report", a.token), &fields, &[])
        .await
        .expect(403, "a token of another session");
    browser
        .post(&format!("/d/{}/cases/1/note", a.token), &[("_csrf", &others_csrf), ("body", "x")])
        .await
        .expect(403, "note with another session's token");
}

#[tokio::test]
async fn labels_that_lead_nowhere_say_so() {
    let world = World::new().await;
    let browser = world.browser();
    let unknown = browser.get("/d/0000000000000").await;
    unknown.expect(404, "unknown token");
    assert!(unknown.body.contains("This label is not known"));
    browser.get("/d/not-a-token").await.expect(404, "malformed token");

    let old = world.a.token.clone();
    let new = tokens::replace(&world.app, &world.actor, world.a.device).await.expect("replace");
    let replaced = browser.get(&format!("/d/{old}")).await;
    replaced.expect(410, "replaced token");
    assert!(replaced.body.contains("tel:+4930123"), "with the contact details");
    browser.get(&format!("/d/{new}")).await.expect(200, "the new label works");

    let mut off = settings_input("de", "South desk: south@example.com", Vec::new());
    off.enabled = false;
    off.pin = None;
    settings::update(&world.app, &world.actor, world.b.deployment, &off).await.expect("disable");
    let disabled = browser.get(&format!("/d/{}", world.b.token)).await;
    disabled.expect(200, "disabled portal");
    assert!(disabled.body.contains("south@example.com") && disabled.select("input").is_empty());
    browser.get(&format!("/d/{new}/whatever")).await.expect(404, "unknown page under a label");
}

#[tokio::test]
async fn the_language_follows_switcher_then_browser_then_deployment() {
    let world = World::new().await;
    let german_browser = world.browser_in("de-AT,de;q=0.9,en;q=0.5");
    let page = german_browser.get(&format!("/d/{}", world.a.token)).await;
    assert_eq!(page.attr("html", "lang").as_deref(), Some("de"), "Accept-Language wins over the deployment");
    assert_eq!(page.headers.get("content-language").and_then(|v| v.to_str().ok()), Some("de"));
    let switched = german_browser.get(&format!("/d/{}?lang=en", world.a.token)).await;
    assert_eq!(switched.attr("html", "lang").as_deref(), Some("en"));
    assert!(switched.set_cookie(super::cookies::LANG).is_some_and(|c| c.contains("Max-Age=31536000")));
    let remembered = german_browser.get(&format!("/d/{}", world.a.token)).await;
    assert_eq!(remembered.attr("html", "lang").as_deref(), Some("en"), "the switcher's choice is remembered");
    assert_eq!(remembered.attr(".langs a", "href"), Some(format!("/d/{}?lang=de", world.a.token)));

    let french = world.browser_in("fr");
    let south = french.get(&format!("/d/{}", world.b.token)).await;
    assert_eq!(south.attr("html", "lang").as_deref(), Some("de"), "unsupported browser language: deployment default");
}

#[tokio::test]
async fn wrong_pins_lock_the_client_out_with_a_wait() {
    let world = World::new().await;
    let browser = world.browser();
    let mut last = None;
    for pin in ["1000", "1001", "1002", "1003", "1004", "1005"] {
        let reply = browser.enter_pin(&world.a.token, pin).await;
        let locked = reply.status == StatusCode::TOO_MANY_REQUESTS;
        last = Some(reply);
        if locked {
            break;
        }
    }
    let locked = last.expect("attempts");
    locked.expect(429, "locked out");
    assert!(locked.headers.get("retry-after").is_some());
    assert!(
        locked.select("#pin-error").first().is_some_and(|e| e.contains("1 minute")),
        "{:?}",
        locked.select("#pin-error")
    );
    let still = browser.enter_pin(&world.a.token, PIN).await;
    still.expect(429, "even the right PIN waits");
    assert!(still.select("#pin-error").first().is_some_and(|e| e.contains("Too many wrong PINs")));
    // Not four digits: refused without spending an attempt.
    browser.enter_pin(&world.b.token, "12a").await.expect(422, "malformed PIN");
}

#[tokio::test]
async fn photos_and_the_honeypot() {
    let world = World::new().await;
    let a = &world.a;
    let browser = world.browser();
    browser.enter_pin(&a.token, PIN).await.expect(303, "PIN");
    let form = browser.get(&format!("/d/{}/report?template=free", a.token)).await;
    let csrf = form.attr("input[name=_csrf]", "value").expect("csrf");
    let path = format!("/d/{}/report", a.token);
    let base = [
        ("_csrf", csrf.as_str()),
        ("template", "free"),
        ("idempotency_key", "key-1"),
        ("description", "Broken"),
        ("reporter_name", "Ann"),
        ("reporter_phone", "+49 30 1"),
    ];
    let not_a_photo = browser.post_multipart(&path, &base, &[("notes.txt", b"hello, not an image")]).await;
    not_a_photo.expect(422, "not a photo");
    assert!(not_a_photo.select("#f-photos-error").first().is_some_and(|e| e.contains("notes.txt")));
    let big = vec![0_u8; 1024 * 1024 + 10];
    let too_big = browser.post_multipart(&path, &base, &[("big.jpg", &big)]).await;
    too_big.expect(422, "over 1 MB");
    assert!(too_big.select("#f-photos-error").first().is_some_and(|e| e.contains("big.jpg") && e.contains("1 MB")));
    let png = tiny_png();
    let too_many = browser.post_multipart(&path, &base, &[("1.png", &png), ("2.png", &png), ("3.png", &png)]).await;
    too_many.expect(422, "three photos, two allowed");
    assert!(too_many.select("#f-photos-error").first().is_some_and(|e| e.contains("at most 2")));

    let mut with_honey = base.to_vec();
    with_honey.push(("website", "http://spam.example"));
    with_honey[2] = ("idempotency_key", "key-2");
    let bot = browser.post_multipart(&path, &with_honey, &[]).await;
    bot.expect(303, "the bot sees success");
    let done = browser.get(bot.location()).await;
    assert!(done.select(".big").is_empty() && done.attr(".link a", "href").is_none(), "no number, no link");
    let page = browser.get(&format!("/d/{}", a.token)).await;
    assert!(page.select(".cases li").is_empty(), "nothing was stored");
}

#[tokio::test]
async fn staff_markdown_never_yields_markup_and_stylesheet_is_served() {
    let world = World::new().await;
    let hostile = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(2)>";
    let mut input = settings_input("en", hostile, Vec::new());
    input.welcome_md = "<iframe src=https://evil.example></iframe>Hi".to_owned();
    settings::update(&world.app, &world.actor, world.a.deployment, &input).await.expect("settings");
    let browser = world.browser();
    let page = browser.get(&format!("/d/{}", world.a.token)).await;
    for bad in ["<script", "javascript:", "<img", "onerror", "<iframe"] {
        assert!(!page.body.contains(bad), "{bad} in {}", page.body);
    }
    let css = browser.get("/static/portal.css").await;
    css.expect(200, "stylesheet");
    assert!(css.body.len() <= 8 * 1024, "portal.css is {} bytes", css.body.len());
}

#[tokio::test]
async fn the_portal_has_its_own_413_page_for_the_server_wide_limit() {
    let world = World::new().await;
    let state = AppState::new(world.app.clone(), WebConfig::for_tests());
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_LANGUAGE, axum::http::HeaderValue::from_static("de"));
    let uri: axum::http::Uri = format!("/d/{}/report", world.a.token).parse().expect("uri");
    let response = super::payload_too_large(&state, &uri, &headers).await.expect("a portal address");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = response.into_body().collect().await.expect("body").to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Ihre Sendung ist zu groß") && body.contains("tel:+4930123"), "{body}");
    let staff: axum::http::Uri = "/devices/import".parse().expect("uri");
    assert!(super::payload_too_large(&state, &staff, &headers).await.is_none());
}
