//! The test harness: a [`TestApp`] on a fresh database (an SQLite temp file, or a new PostgreSQL database
//! when `TAGDESK_TEST_POSTGRES_URL` names a maintenance database), requests through the in-process router,
//! a [`Browser`] that keeps its cookies and echoes the page's CSRF token like a real browser, an [`Api`]
//! client with a bearer key, and seed helpers that read like the setup of a story.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use scraper::{Html, Selector};
use serde_json::Value;
use tagdesk_app::cases::{self, CaseInput};
use tagdesk_app::deployments::{self, DeploymentInput};
use tagdesk_app::devices::{self, DeviceInput};
use tagdesk_app::page::PageRequest;
use tagdesk_app::templates::{self, TemplateInput};
use tagdesk_app::users::{self, NewUserInput};
use tagdesk_app::{Actor, App, api_keys, audit};
use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{
    ApiKeyId, CaseId, CaseOrigin, CaseTemplateId, DeploymentId, DeploymentRole, DeviceId, UserId, WorkspaceId,
};
use tagdesk_testdb::TestDb;
use tagdesk_web::session::SESSION_COOKIE;
use tagdesk_web::{AppState, WebConfig};
use tower::ServiceExt as _;

/// Every seeded user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Runs a scenario `async fn name(app: &TestApp)` on both backends, as the tests `name::sqlite` and
/// `name::postgres` (skipped with a notice when no PostgreSQL server is configured, and failing in CI).
macro_rules! both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test]
            async fn sqlite() {
                let app = $crate::support::TestApp::sqlite().await;
                super::$scenario(&app).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::postgres().await {
                    super::$scenario(&app).await;
                }
            }
        }
    )+};
}
pub(crate) use both_backends;

// ---------------------------------------------------------------------------------------------------------
// The application on a fresh database
// ---------------------------------------------------------------------------------------------------------

/// The whole web application on a database of its own.
pub struct TestApp {
    /// The use cases, for seeding and for checking what a request changed.
    pub app: App,
    router: Router,
    /// The database, declared last so it outlives the application's handles on it (`None` in a copy that
    /// shares another's database).
    _db: Option<TestDb>,
}

impl TestApp {
    /// The application on a migrated SQLite file in a temp dir.
    pub async fn sqlite() -> Self {
        Self::on(TestDb::sqlite().await)
    }

    /// The application on a new PostgreSQL database `tagdesk_t_<random hex>`, or `None` (with a notice)
    /// when `TAGDESK_TEST_POSTGRES_URL` is unset. In CI (`CI=true`) a missing server fails the test.
    pub async fn postgres() -> Option<Self> {
        let url = tagdesk_testdb::postgres_url()?;
        Some(Self::on(TestDb::postgres(&url).await))
    }

    fn on(db: TestDb) -> Self {
        let app = App::new(db.store.clone());
        let router = tagdesk_web::router(AppState::new(app.clone(), WebConfig::for_tests()));
        Self { app, router, _db: Some(db) }
    }

    /// Sends one request through the router.
    pub async fn send(&self, request: Request<Body>) -> Response {
        let response = self.router.clone().oneshot(request).await.expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("read response body").to_bytes().to_vec();
        Response { status: parts.status, headers: parts.headers, body }
    }

    /// A request without cookies or credentials.
    pub async fn get(&self, path: &str) -> Response {
        self.send(request(Method::GET, path, &[], Vec::new())).await
    }

    /// A browser with no cookies yet.
    pub fn browser(&self) -> Browser<'_> {
        Browser { app: self, cookies: Mutex::default(), csrf: Mutex::default() }
    }

    /// A browser signed in through the sign-in form (it holds the session cookie and a CSRF token).
    pub async fn sign_in(&self, email: &str, password: &str) -> Browser<'_> {
        let browser = self.browser();
        browser.get("/login").await.expect_status(200, "GET /login");
        let response = browser.post_form("/login", &[("email", email), ("password", password)]).await;
        response.expect_status(303, &format!("sign in as {email}"));
        browser.get("/deployments").await.expect_status(200, &format!("GET /deployments as {email}"));
        browser
    }

    /// An API client sending `Authorization: Bearer <key>`.
    pub fn api(&self, key: &str) -> Api<'_> {
        Api { app: self, authorization: Some(format!("Bearer {key}")) }
    }

    /// An API client without credentials.
    pub fn api_anonymous(&self) -> Api<'_> {
        Api { app: self, authorization: None }
    }

    /// Creates a workspace with its first admin (`admin@<slug>.test`), as the CLI does.
    pub async fn workspace(&self, name: &str) -> Workspace {
        let slug: String = name.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
        let admin_email = format!("admin@{slug}.test");
        let input = NewUserInput {
            email: admin_email.clone(),
            display_name: format!("{name} Admin"),
            workspace_role: "admin".to_owned(),
            password: PASSWORD.to_owned(),
        };
        let (id, admin_id) = users::bootstrap(&self.app, name, &input).await.expect("bootstrap workspace");
        Workspace { id, slug, admin_id, admin_email, app: self.app.clone() }
    }
}

/// A request with headers and a body (with its `Content-Length`, as real clients send it).
pub fn request(method: Method, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    if !body.is_empty() {
        builder = builder.header(CONTENT_LENGTH, body.len());
    }
    builder.body(Body::from(body)).expect("valid request")
}

// ---------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------

/// A complete response.
#[derive(Debug)]
pub struct Response {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// Fails with `context`, the status and the start of the body unless the status is `expected`.
    #[track_caller]
    pub fn expect_status(&self, expected: u16, context: &str) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "{context}: expected {expected}, got {}; body starts: {}",
            self.status,
            self.text().chars().take(600).collect::<String>()
        );
        self
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as an HTML document.
    pub fn html(&self) -> Page {
        Page(Html::parse_document(&self.text()))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The redirect target.
    #[track_caller]
    pub fn location(&self) -> &str {
        self.header(LOCATION.as_str()).unwrap_or_else(|| panic!("no Location header (status {})", self.status))
    }

    /// The value a `Set-Cookie` header gives cookie `name` (`Some("")` when it clears it).
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        set_cookies(&self.headers).into_iter().find(|(n, _, _)| n == name).map(|(_, v, _)| v)
    }
}

/// (name, value, cleared) of every `Set-Cookie` header.
fn set_cookies(headers: &HeaderMap) -> Vec<(String, String, bool)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let mut parts = v.split(';');
            let (name, value) = parts.next()?.trim().split_once('=')?;
            let cleared = value.is_empty() || parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            Some((name.to_owned(), value.to_owned(), cleared))
        })
        .collect()
}

/// A parsed HTML page with the lookups the tests need.
pub struct Page(pub Html);

impl Page {
    fn select(css: &str) -> Selector {
        Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"))
    }

    /// Whether anything matches `css`.
    pub fn has(&self, css: &str) -> bool {
        self.0.select(&Self::select(css)).next().is_some()
    }

    /// Text of the first element matching `css`, whitespace collapsed.
    pub fn text_of(&self, css: &str) -> Option<String> {
        self.0.select(&Self::select(css)).next().map(|e| collapse(&e.text().collect::<String>()))
    }

    /// Texts of every element matching `css`.
    pub fn texts_of(&self, css: &str) -> Vec<String> {
        self.0.select(&Self::select(css)).map(|e| collapse(&e.text().collect::<String>())).collect()
    }

    /// An attribute of the first element matching `css`.
    pub fn attr(&self, css: &str, attribute: &str) -> Option<String> {
        self.0.select(&Self::select(css)).next().and_then(|e| e.value().attr(attribute)).map(str::to_owned)
    }

    /// The error text shown next to the form field `name` (`#f-<name>-error`), without the hidden
    /// "Error:" prefix.
    pub fn field_error(&self, name: &str) -> Option<String> {
        let id = name.replace('.', "\\.");
        self.text_of(&format!("#f-{id}-error")).map(|t| t.trim_start_matches("Error:").trim().to_owned())
    }

    /// The value the form field `name` is filled with (input value, textarea text or selected option).
    pub fn field_value(&self, name: &str) -> Option<String> {
        if let Some(value) = self.attr(&format!("input[name=\"{name}\"]"), "value") {
            return Some(value);
        }
        if let Some(text) = self.0.select(&Self::select(&format!("textarea[name=\"{name}\"]"))).next() {
            return Some(text.text().collect::<String>().trim_start_matches('\n').to_owned());
        }
        self.attr(&format!("select[name=\"{name}\"] option[selected]"), "value")
    }

    /// The `<title>`.
    pub fn title(&self) -> String {
        self.text_of("title").unwrap_or_default()
    }

    /// The whole visible text, whitespace collapsed.
    pub fn text(&self) -> String {
        collapse(&self.0.root_element().text().collect::<String>())
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------------------
// A browser
// ---------------------------------------------------------------------------------------------------------

/// A browser: keeps cookies between requests and the last CSRF token a page showed.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<String>>,
}

impl Browser<'_> {
    /// The cookies as a `Cookie` header value.
    pub fn cookie_header(&self) -> Option<String> {
        let cookies = self.cookies.lock().expect("cookie jar");
        (!cookies.is_empty()).then(|| cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    /// Sends a request with the browser's cookies and keeps what the response sets.
    pub async fn send(&self, method: Method, path: &str, mut headers: Vec<(&str, String)>, body: Vec<u8>) -> Response {
        if let Some(cookies) = self.cookie_header() {
            headers.push((COOKIE.as_str(), cookies));
        }
        let response = self.app.send(request(method, path, &headers, body)).await;
        {
            let mut jar = self.cookies.lock().expect("cookie jar");
            for (name, value, cleared) in set_cookies(&response.headers) {
                if cleared {
                    jar.remove(&name);
                } else {
                    jar.insert(name, value);
                }
            }
        }
        let is_html = response.header(CONTENT_TYPE.as_str()).is_some_and(|t| t.starts_with("text/html"));
        if is_html && let Some(token) = response.html().attr("input[name=\"_csrf\"]", "value") {
            *self.csrf.lock().expect("csrf") = Some(token);
        }
        response
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, Vec::new(), Vec::new()).await
    }

    /// Submits a form with the CSRF token of the last page seen.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf();
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// Submits a form without any CSRF token.
    pub async fn post_form_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_raw(path, fields).await
    }

    /// Submits exactly these fields.
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).expect("urlencode form").into_bytes();
        let headers = vec![(CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded".to_owned())];
        self.send(Method::POST, path, headers, body).await
    }

    /// Uploads a file as `multipart/form-data` with other fields, the CSRF token in the query string (as
    /// the import form does).
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Response {
        let path = format!("{path}?{}", serde_urlencoded::to_string([("_csrf", self.csrf())]).expect("query"));
        let (body, content_type) = multipart(fields, file);
        self.send(Method::POST, &path, vec![(CONTENT_TYPE.as_str(), content_type)], body).await
    }

    /// The CSRF token of the last page that had a form.
    #[track_caller]
    pub fn csrf(&self) -> String {
        self.csrf.lock().expect("csrf").clone().expect("no page with a form was loaded yet")
    }

    /// The current value of the session cookie.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookies.lock().expect("cookie jar").get(SESSION_COOKIE).cloned()
    }

    /// Replaces the session cookie (e.g. to replay an old one), keeping the remembered CSRF token.
    pub fn set_session_cookie(&self, value: &str) {
        self.cookies.lock().expect("cookie jar").insert(SESSION_COOKIE.to_owned(), value.to_owned());
    }
}

/// A `multipart/form-data` body and its content type.
pub fn multipart(fields: &[(&str, &str)], (field, file_name, bytes): (&str, &str, &[u8])) -> (Vec<u8>, String) {
    let boundary = "----tagdesk-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

// ---------------------------------------------------------------------------------------------------------
// An API client
// ---------------------------------------------------------------------------------------------------------

/// A JSON API client.
pub struct Api<'a> {
    app: &'a TestApp,
    authorization: Option<String>,
}

impl Api<'_> {
    /// Sends a request with an optional JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut headers = Vec::new();
        if let Some(auth) = &self.authorization {
            headers.push((AUTHORIZATION.as_str(), auth.clone()));
        }
        let body = match body {
            Some(json) => {
                headers.push((CONTENT_TYPE.as_str(), "application/json".to_owned()));
                serde_json::to_vec(json).expect("serialize JSON")
            }
            None => Vec::new(),
        };
        self.app.send(request(method, path, &headers, body)).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, None).await
    }
}

/// Checks the API's 422 shape `{"code":422,"message":…,"errors":[{field,message}]}` and returns the
/// message for `field`.
#[track_caller]
pub fn api_field_error(response: &Response, field: &str) -> String {
    response.expect_status(422, &format!("invalid {field}"));
    let body = response.json();
    assert_eq!(body["code"], 422, "code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {body}");
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("no errors array in {body}"));
    errors
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error for {field} in {body}"))
        .to_owned()
}

// ---------------------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------------------

/// A workspace created for a test, with helpers that add things to it as the system (CLI) would.
pub struct Workspace {
    /// Id.
    pub id: WorkspaceId,
    /// Lower-case name, used in emails.
    pub slug: String,
    /// The first admin.
    pub admin_id: UserId,
    /// Their email (password [`PASSWORD`]).
    pub admin_email: String,
    app: App,
}

impl Workspace {
    /// The system acting in this workspace.
    pub fn system(&self) -> Actor {
        Actor::system(self.id)
    }

    /// Adds a member (`<local>@<slug>.test`, password [`PASSWORD`]) with roles at deployments.
    pub async fn member(&self, local: &str, roles: &[(DeploymentId, DeploymentRole)]) -> (UserId, String) {
        self.user(local, "member", roles).await
    }

    /// Adds a user with a workspace role and deployment roles.
    pub async fn user(&self, local: &str, role: &str, roles: &[(DeploymentId, DeploymentRole)]) -> (UserId, String) {
        let email = format!("{local}@{}.test", self.slug);
        let input = NewUserInput {
            email: email.clone(),
            display_name: format!("{local} ({})", self.slug),
            workspace_role: role.to_owned(),
            password: PASSWORD.to_owned(),
        };
        let user = users::create(&self.app, &self.system(), &input).await.expect("create user");
        for (deployment, role) in roles {
            users::set_deployment_role(&self.app, &self.system(), user.id, *deployment, Some(*role))
                .await
                .expect("set deployment role");
        }
        (user.id, email)
    }

    /// Adds a deployment.
    pub async fn deployment(&self, name: &str) -> DeploymentId {
        let input = DeploymentInput {
            name: name.to_owned(),
            timezone: "Europe/Berlin".to_owned(),
            language: "en".to_owned(),
            ..DeploymentInput::default()
        };
        deployments::create(&self.app, &self.system(), &input).await.expect("create deployment").id
    }

    /// Adds a device (serial optional: "" for none).
    pub async fn device(&self, deployment: DeploymentId, name: &str, serial: &str) -> DeviceId {
        let input = DeviceInput {
            deployment_id: deployment.to_string(),
            name: name.to_owned(),
            serial_number: serial.to_owned(),
            ..DeviceInput::default()
        };
        devices::create(&self.app, &self.system(), &input).await.expect("create device").id
    }

    /// Adds a template with one required single-choice field "Which part?" (Screen, Wheel).
    pub async fn template(&self, name: &str) -> CaseTemplateId {
        let field = FieldDraft {
            label: "Which part?".to_owned(),
            kind: "single_choice".to_owned(),
            required: true,
            options: vec!["Screen".to_owned(), "Wheel".to_owned()],
            position: 1,
            ..FieldDraft::default()
        };
        let input = TemplateInput {
            name: name.to_owned(),
            title: format!("{name} reported"),
            case_type: "damage".to_owned(),
            fields: vec![field],
            ..TemplateInput::default()
        };
        templates::create(&self.app, &self.system(), &input).await.expect("create template").id
    }

    /// Adds a case at a deployment, about a device or not.
    pub async fn case(&self, deployment: DeploymentId, device: Option<DeviceId>, title: &str) -> CaseId {
        let input = CaseInput {
            deployment_id: deployment.to_string(),
            device_id: device.map(|d| d.to_string()),
            title: title.to_owned(),
            description: "Seeded for a test.".to_owned(),
            ..CaseInput::default()
        };
        cases::create(&self.app, &self.system(), CaseOrigin::Staff, &input).await.expect("create case").id
    }

    /// Creates an API key; returns its id and secret.
    pub async fn api_key(&self, name: &str) -> (ApiKeyId, String) {
        let (view, secret) = api_keys::create(&self.app, &self.system(), name).await.expect("create API key");
        (view.id, secret)
    }

    /// The audit log's actions, newest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        let page = PageRequest { cursor: None, limit: Some(200) };
        let entries = audit::list(&self.app, &self.system(), &page).await.expect("audit log");
        entries.items.into_iter().map(|e| e.action).collect()
    }
}

// ---------------------------------------------------------------------------------------------------------
// The customer portal: visitors and portal settings
// ---------------------------------------------------------------------------------------------------------

/// The same application and database with a clock that stands still at the current time (for counters
/// in fixed time windows). The original keeps owning the database; keep it alive while the copy is used.
pub fn with_stopped_clock(app: &TestApp) -> TestApp {
    let mut stopped = app.app.clone();
    stopped.clock = std::sync::Arc::new(tagdesk_app::clock::ManualClock::new(app.app.now()));
    app.with_app(stopped, WebConfig::for_tests())
}

impl TestApp {
    /// The same application and database behind a router with other web settings (e.g. an https public
    /// URL). The original keeps owning the database; keep it alive while the copy is used.
    pub fn with_web_config(&self, config: WebConfig) -> TestApp {
        self.with_app(self.app.clone(), config)
    }

    /// Another `App` on the same database (e.g. one with a photo store) behind a router with `config`. The
    /// original keeps owning the database; keep it alive while the copy is used.
    pub fn with_app(&self, app: App, config: WebConfig) -> TestApp {
        let router = tagdesk_web::router(AppState::new(app.clone(), config));
        TestApp { app, router, _db: None }
    }

    /// The router itself, for requests sent from spawned tasks.
    pub fn service(&self) -> Router {
        self.router.clone()
    }

    /// A phone scanning labels: keeps its cookies, has no staff session.
    pub fn visitor(&self) -> Visitor<'_> {
        Visitor { browser: self.browser() }
    }
}

impl Workspace {
    /// Changes a deployment's portal settings as its admin would (starting from the current ones).
    pub async fn configure_portal(
        &self,
        deployment: DeploymentId,
        change: impl FnOnce(&mut tagdesk_app::portal::PortalSettingsInput),
    ) -> tagdesk_app::portal::PortalSettingsView {
        let current =
            tagdesk_app::portal::settings::get(&self.app, &self.system(), deployment).await.expect("portal settings");
        let mut input = tagdesk_app::portal::PortalSettingsInput::from(&current);
        change(&mut input);
        tagdesk_app::portal::settings::update(&self.app, &self.system(), deployment, &input)
            .await
            .expect("update portal settings")
    }

    /// Switches a deployment's portal on with `pin` (other settings unchanged).
    pub async fn enable_portal(&self, deployment: DeploymentId, pin: &str) {
        self.configure_portal(deployment, |s| {
            s.enabled = true;
            s.pin = Some(pin.to_owned());
        })
        .await;
    }

    /// The portal token printed on a device's label.
    pub async fn portal_token(&self, device: DeviceId) -> String {
        devices::get(&self.app, &self.system(), device).await.expect("device").portal_token.expect("portal token")
    }

    /// Every case of a deployment (newest first).
    pub async fn cases_at(&self, deployment: DeploymentId) -> Vec<tagdesk_app::cases::CaseView> {
        let query = tagdesk_app::cases::CaseQuery {
            deployment_id: Some(deployment.to_string()),
            ..tagdesk_app::cases::CaseQuery::default()
        };
        let page = PageRequest { cursor: None, limit: Some(200) };
        cases::list(&self.app, &self.system(), &query, &page).await.expect("list cases").items
    }
}

/// A visitor's phone: a [`Browser`] without a staff session, with the portal's steps as helpers.
pub struct Visitor<'a> {
    browser: Browser<'a>,
}

impl Visitor<'_> {
    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.browser.get(path).await
    }

    /// `GET path` with extra headers (e.g. `Accept-Language`).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let headers = headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
        self.browser.send(Method::GET, path, headers, Vec::new()).await
    }

    /// Posts exactly these fields, URL-encoded.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.browser.post_form_raw(path, fields).await
    }

    /// Posts exactly these fields as `multipart/form-data` (as the report form does), with optional files
    /// `(field, file name, content type, bytes)`.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Response {
        let (body, content_type) = multipart_form(fields, files);
        self.browser.send(Method::POST, path, vec![(CONTENT_TYPE.as_str(), content_type)], body).await
    }

    /// Opens the label's page and submits `pin` through its form (the page's CSRF value included).
    pub async fn enter_pin(&self, token: &str, pin: &str) -> Response {
        let page = self.get(&format!("/d/{token}")).await;
        let csrf = page.html().attr("form[action$=\"/pin\"] input[name=\"_csrf\"]", "value").unwrap_or_default();
        self.post_form(&format!("/d/{token}/pin"), &[("_csrf", &csrf), ("pin", pin)]).await
    }

    /// The form fields of the report form for `template` (`1`, `2`… or `free`) as a browser would send them
    /// untouched: hidden inputs (`_csrf`, `template`, `idempotency_key`), pre-filled texts, checked boxes.
    pub async fn report_form(&self, token: &str, template: &str) -> Vec<(String, String)> {
        let query = serde_urlencoded::to_string([("template", template)]).expect("query");
        let page = self.get(&format!("/d/{token}/report?{query}")).await;
        page.expect_status(200, "report form");
        form_values(&page.html(), "form[method=\"post\"]")
    }

    /// Fills in the report form for `template` like a person: the form's own values, with `fields`
    /// replacing (or adding) values by name, and submits it.
    pub async fn submit_report(&self, token: &str, template: &str, fields: &[(&str, &str)]) -> Response {
        let form = self.report_form(token, template).await;
        let all = fill(&form, fields);
        let all: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        self.post_multipart(&format!("/d/{token}/report"), &all, &[]).await
    }

    /// A cookie the visitor holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.browser.cookies.lock().expect("cookie jar").get(name).cloned()
    }

    /// Every cookie the visitor holds, as a `Cookie` header value.
    pub fn cookie_header(&self) -> Option<String> {
        self.browser.cookie_header()
    }
}

/// The values a browser would submit for the form matching `form_css` (no files, no buttons).
pub fn form_values(page: &Page, form_css: &str) -> Vec<(String, String)> {
    let form = Selector::parse(form_css).expect("form selector");
    let controls = Selector::parse("input, textarea, select").expect("controls selector");
    let option = Selector::parse("option[selected]").expect("option selector");
    let Some(form) = page.0.select(&form).next() else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for control in form.select(&controls) {
        let element = control.value();
        let Some(name) = element.attr("name") else { continue };
        match element.name() {
            "textarea" => values.push((name.to_owned(), control.text().collect::<String>())),
            "select" => {
                if let Some(selected) = control.select(&option).next() {
                    values.push((name.to_owned(), selected.value().attr("value").unwrap_or_default().to_owned()));
                }
            }
            _ => match element.attr("type").unwrap_or("text") {
                "file" | "submit" | "button" => {}
                "radio" | "checkbox" => {
                    if element.attr("checked").is_some() {
                        values.push((name.to_owned(), element.attr("value").unwrap_or("on").to_owned()));
                    }
                }
                _ => values.push((name.to_owned(), element.attr("value").unwrap_or_default().to_owned())),
            },
        }
    }
    values
}

/// `form` with the values of `fields` replacing every value of the same name (several entries of one
/// name in `fields` send several values).
pub fn fill(form: &[(String, String)], fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> =
        form.iter().filter(|(name, _)| !fields.iter().any(|(n, _)| n == name)).cloned().collect();
    all.extend(fields.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    all
}

/// A `multipart/form-data` body with text fields and files `(field, file name, content type, bytes)`, and
/// its content type.
pub fn multipart_form(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (Vec<u8>, String) {
    let boundary = "----tagdesk-portal-boundary-Qx81LmZ0";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (field, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// The full `Set-Cookie` header that sets cookie `name` (attributes included).
pub fn set_cookie_header(response: &Response, name: &str) -> Option<String> {
    response
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.split_once('=').is_some_and(|(n, _)| n.trim() == name))
        .map(str::to_owned)
}
