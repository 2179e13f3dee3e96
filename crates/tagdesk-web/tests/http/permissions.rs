//! The permission matrix (PRODUCT.md §2 "Roles"): every kind of action, by every kind of caller. Allowed
//! actions succeed; the rest are refused, and reads outside the caller's sight answer 404 so existence
//! does not leak. Each row lists the expected outcome per caller; within a row the callers act from the
//! last column to the first, so the workspace admin acts last on rows that use something up (delete,
//! revoke, move). Every mismatch is collected and reported together, naming the caller and the request.

use std::fmt;

use axum::http::Method;
use serde_json::{Value, json};
use tagdesk_domain::{DeploymentId, DeploymentRole};

use crate::support::{Browser, PASSWORD, Response, TestApp, both_backends, multipart};

both_backends!(the_back_office_permission_matrix, the_api_permission_matrix);

/// What a caller should get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Success with this status (a 303 must not lead to the sign-in page).
    Allow(u16),
    /// Refusal with this status.
    Deny(u16),
    /// Sent to the sign-in page.
    SignIn,
}

use Expect::{Allow, Deny, SignIn};

impl Expect {
    fn check(self, response: &Response) -> Result<(), String> {
        let status = response.status.as_u16();
        let location = response.header("location").unwrap_or_default();
        let ok = match self {
            Allow(expected) => status == expected && !(status == 303 && location.starts_with("/login")),
            Deny(expected) => status == expected,
            SignIn => status == 303 && location.starts_with("/login"),
        };
        if ok {
            Ok(())
        } else {
            let body: String = response.text().chars().take(200).collect();
            Err(format!("expected {self:?}, got {status} (location {location:?}): {body}"))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Back-office pages
// ---------------------------------------------------------------------------------------------------------

/// The callers of the back office, in column order.
#[derive(Debug, Clone, Copy)]
enum Who {
    WorkspaceAdmin,
    DeploymentAdmin,
    Technician,
    Viewer,
    MemberWithoutRole,
    OtherWorkspaceAdmin,
    NoSession,
}

const CALLERS: [Who; 7] = [
    Who::WorkspaceAdmin,
    Who::DeploymentAdmin,
    Who::Technician,
    Who::Viewer,
    Who::MemberWithoutRole,
    Who::OtherWorkspaceAdmin,
    Who::NoSession,
];

/// A page request; `{who}` in the path or values is replaced by the caller's name, so that what
/// several callers create stays distinct.
enum Req {
    Get(String),
    Post(String, Vec<(String, String)>),
    Upload(String, Vec<(String, String)>, String),
}

impl fmt::Display for Req {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Req::Get(path) => write!(f, "GET {path}"),
            Req::Post(path, fields) => write!(f, "POST {path} {fields:?}"),
            Req::Upload(path, fields, _) => write!(f, "POST {path} (upload) {fields:?}"),
        }
    }
}

fn get(path: impl Into<String>) -> Req {
    Req::Get(path.into())
}

fn post(path: impl Into<String>, fields: &[(&str, &str)]) -> Req {
    Req::Post(path.into(), fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

impl Req {
    async fn send(&self, browser: &Browser<'_>, who: Who) -> Response {
        let name = format!("{who:?}");
        let fill = |s: &str| s.replace("{who}", &name);
        let fields = |fields: &[(String, String)]| -> Vec<(String, String)> {
            fields.iter().map(|(k, v)| (k.clone(), fill(v))).collect()
        };
        match self {
            Req::Get(path) => browser.get(&fill(path)).await,
            Req::Post(path, values) => {
                let values = fields(values);
                let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                browser.post_form(&fill(path), &pairs).await
            }
            Req::Upload(path, values, csv) => {
                let values = fields(values);
                let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                browser.post_multipart(&fill(path), &pairs, ("file", "devices.csv", fill(csv).as_bytes())).await
            }
        }
    }
}

async fn the_back_office_permission_matrix(app: &TestApp) {
    let w = World::new(app).await;
    let mut browsers = Vec::new();
    for who in CALLERS {
        let browser = match who {
            Who::WorkspaceAdmin => app.sign_in(&w.acme.admin_email, PASSWORD).await,
            Who::DeploymentAdmin => app.sign_in(&w.lead, PASSWORD).await,
            Who::Technician => app.sign_in(&w.tech, PASSWORD).await,
            Who::Viewer => app.sign_in(&w.viewer, PASSWORD).await,
            Who::MemberWithoutRole => app.sign_in(&w.norole, PASSWORD).await,
            Who::OtherWorkspaceAdmin => app.sign_in(&w.globex.admin_email, PASSWORD).await,
            Who::NoSession => {
                // A visitor who loaded the sign-in page: an anonymous session with a valid CSRF token, so
                // its posts pass the CSRF check and meet the sign-in requirement.
                let browser = app.browser();
                browser.get("/login").await.expect_status(200, "GET /login");
                browser
            }
        };
        browsers.push(browser);
    }

    let (north, south, spare) = (w.north, w.south, w.spare_page);
    let (dev, dev_south, dev_move) = (&w.dev_north, &w.dev_south, &w.dev_move_page);
    let (case, case_south, tpl) = (&w.case_north, &w.case_south, &w.template);
    let north_id = north.to_string();
    let south_id = south.to_string();
    let norole = &w.norole_id;
    let tech = &w.tech_id;
    const OK: Expect = Allow(200);
    const DONE: Expect = Allow(303);
    const HIDDEN: Expect = Deny(404);
    const NO: Expect = Deny(403);
    const BAD: Expect = Deny(422);
    let rows: Vec<(Req, [Expect; 7])> = vec![
        // Columns: workspace admin, deployment admin, technician, viewer, member without role,
        // another workspace's admin, no session.
        // Deployments.
        (get("/deployments"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (get("/deployments/new"), [OK, NO, NO, NO, NO, OK, SignIn]),
        (get(format!("/deployments/{north}")), [OK, OK, OK, OK, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/deployments/{south}")), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/deployments/{north}/edit")), [OK, OK, NO, NO, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/deployments/{north}/delete")), [OK, NO, NO, NO, HIDDEN, HIDDEN, SignIn]),
        (post("/deployments", &[("name", "Site of {who}"), ("timezone", "UTC")]), [DONE, NO, NO, NO, NO, DONE, SignIn]),
        (
            post(format!("/deployments/{north}"), &[("name", "North"), ("timezone", "Europe/Berlin")]),
            [DONE, DONE, NO, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (post(format!("/deployments/{north}/delete"), &[]), [Deny(409), NO, NO, NO, HIDDEN, HIDDEN, SignIn]),
        (post(format!("/deployments/{spare}/delete"), &[]), [DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn]),
        // Devices.
        (get("/devices"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (get("/devices/new"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (get(format!("/devices/{dev}")), [OK, OK, OK, OK, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/devices/{dev_south}")), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/devices/{dev}/edit")), [OK, OK, OK, NO, HIDDEN, HIDDEN, SignIn]),
        (
            post("/devices", &[("deployment_id", &north_id), ("name", "Device of {who}")]),
            [DONE, DONE, DONE, NO, BAD, BAD, SignIn],
        ),
        (
            post(format!("/devices/{dev}"), &[("name", "Robot N"), ("serial_number", "N-1")]),
            [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (post(format!("/devices/{dev}/archive"), &[]), [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn]),
        (post(format!("/devices/{dev}/restore"), &[]), [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn]),
        (
            post(format!("/devices/{dev_move}/move"), &[("deployment_id", &south_id)]),
            [DONE, BAD, BAD, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (get(format!("/devices/export.csv?deployment={north}")), [OK, OK, OK, OK, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/devices/export.csv?deployment={south}")), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn]),
        (get("/devices/import"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (
            Req::Upload(
                "/devices/import".to_owned(),
                vec![("deployment_id".to_owned(), north_id.clone())],
                "name\nImported by {who}\n".to_owned(),
            ),
            [DONE, DONE, DONE, BAD, BAD, BAD, SignIn],
        ),
        // Case templates.
        (get("/templates"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (get(format!("/templates/{tpl}")), [OK, OK, OK, OK, OK, HIDDEN, SignIn]),
        (get("/templates/new"), [OK, NO, NO, NO, NO, OK, SignIn]),
        (get(format!("/templates/{tpl}/edit")), [OK, NO, NO, NO, NO, HIDDEN, SignIn]),
        (
            post("/templates", &[("name", "Template of {who}"), ("case_type", "other")]),
            [DONE, NO, NO, NO, NO, DONE, SignIn],
        ),
        (
            post(format!("/templates/{tpl}"), &[("name", "Broken"), ("case_type", "damage")]),
            [DONE, NO, NO, NO, NO, HIDDEN, SignIn],
        ),
        (post(format!("/templates/{tpl}/deactivate"), &[]), [DONE, NO, NO, NO, NO, HIDDEN, SignIn]),
        (post(format!("/templates/{tpl}/activate"), &[]), [DONE, NO, NO, NO, NO, HIDDEN, SignIn]),
        // Cases.
        (get("/cases"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (get("/cases/new"), [OK, OK, OK, OK, OK, OK, SignIn]),
        (get(format!("/cases/{case}")), [OK, OK, OK, OK, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/cases/{case_south}")), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn]),
        (get(format!("/cases/{case}/edit")), [OK, OK, OK, NO, HIDDEN, HIDDEN, SignIn]),
        (
            post("/cases", &[("deployment_id", &north_id), ("title", "Reported by {who}")]),
            [DONE, DONE, DONE, NO, BAD, BAD, SignIn],
        ),
        (
            post(format!("/cases/{case}/edit"), &[("title", "Case at North"), ("case_type", "other")]),
            [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (
            post(format!("/cases/{case}/comments"), &[("body", "Seen by {who}")]),
            [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (
            post(format!("/cases/{case}/solution"), &[("solution", "Reset it")]),
            [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (post(format!("/cases/{case}/assign"), &[("assignee_id", "")]), [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn]),
        (
            post(format!("/cases/{case}/status"), &[("status", "resolved")]),
            [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn],
        ),
        (post(format!("/cases/{case}/status"), &[("status", "open")]), [DONE, DONE, DONE, NO, HIDDEN, HIDDEN, SignIn]),
        // Users, API keys and the audit log: workspace admins only, and never visible to members.
        (get("/users"), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, SignIn]),
        (get("/users/new"), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, SignIn]),
        (get(format!("/users/{tech}")), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn]),
        (
            post(
                "/users",
                &[
                    ("display_name", "New"),
                    ("email", "new-{who}@matrix.test"),
                    ("workspace_role", "member"),
                    ("password", PASSWORD),
                ],
            ),
            [DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN, DONE, SignIn],
        ),
        (
            post(
                format!("/users/{norole}"),
                &[("display_name", "No role"), ("workspace_role", "member"), ("active", "true")],
            ),
            [DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn],
        ),
        (
            post(format!("/users/{norole}/roles"), &[("deployment_id", &south_id), ("role", "")]),
            [DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn],
        ),
        (get("/api-keys"), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, SignIn]),
        (post("/api-keys", &[("name", "Key of {who}")]), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, SignIn]),
        (
            post(format!("/api-keys/{}/revoke", w.spare_key_id), &[]),
            [DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn],
        ),
        (get("/audit"), [OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK, SignIn]),
        // Last: this one signs the member without role out.
        (
            post(format!("/users/{norole}/password"), &[("password", "another long secret")]),
            [DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, SignIn],
        ),
    ];

    let mut failures = Vec::new();
    let mut checks = 0;
    for (req, expectations) in &rows {
        for (column, who) in CALLERS.iter().enumerate().rev() {
            let response = req.send(&browsers[column], *who).await;
            checks += 1;
            if let Err(problem) = expectations[column].check(&response) {
                failures.push(format!("{who:?} — {req}: {problem}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checks} permission checks failed:\n{}", failures.len(), failures.join("\n"));

    // What the allowed requests did.
    let moved = app.api(&w.acme_key).get(&format!("/api/v1/devices/{dev_move}")).await.json();
    assert_eq!(moved["deployment_id"], south_id, "only the workspace admin could move the device");
    app.api(&w.acme_key).get(&format!("/api/v1/deployments/{spare}")).await.expect_status(404, "deleted");
    app.api(&w.spare_key).get("/api/v1/deployments").await.expect_status(401, "revoked from the page");
}

// ---------------------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------------------

/// The callers of the API, in column order.
#[derive(Debug, Clone, Copy)]
enum Caller {
    ThisWorkspacesKey,
    OtherWorkspacesKey,
    RevokedKey,
    NoKey,
    /// A signed-in admin's session cookie, without a key: cookies never authenticate the API.
    SessionCookie,
}

const API_CALLERS: [Caller; 5] =
    [Caller::ThisWorkspacesKey, Caller::OtherWorkspacesKey, Caller::RevokedKey, Caller::NoKey, Caller::SessionCookie];

async fn the_api_permission_matrix(app: &TestApp) {
    let w = World::new(app).await;
    let admin = app.sign_in(&w.acme.admin_email, PASSWORD).await;
    let (north, south, spare) = (w.north, w.south, w.spare_api);
    let (dev, dev_move, case, tpl, tpl_spare) =
        (&w.dev_north, &w.dev_move_api, &w.case_north, &w.template, &w.template_spare);

    const OK: Expect = Allow(200);
    const CREATED: Expect = Allow(201);
    const GONE: Expect = Allow(204);
    const HIDDEN: Expect = Deny(404);
    const BAD: Expect = Deny(422);
    const WHO: Expect = Deny(401);
    let rows: Vec<(Method, String, Option<Value>, [Expect; 5])> = vec![
        // Columns: this workspace's key, another workspace's key, a revoked key, no key, a session cookie.
        (Method::GET, "/api/v1/deployments".into(), None, [OK, OK, WHO, WHO, WHO]),
        (
            Method::POST,
            "/api/v1/deployments".into(),
            Some(json!({"name": "API site {who}", "timezone": "UTC"})),
            [CREATED, CREATED, WHO, WHO, WHO],
        ),
        (Method::GET, format!("/api/v1/deployments/{north}"), None, [OK, HIDDEN, WHO, WHO, WHO]),
        (
            Method::PATCH,
            format!("/api/v1/deployments/{north}"),
            Some(json!({"address": "Dock 1"})),
            [OK, HIDDEN, WHO, WHO, WHO],
        ),
        (Method::DELETE, format!("/api/v1/deployments/{spare}"), None, [GONE, HIDDEN, WHO, WHO, WHO]),
        (Method::GET, "/api/v1/devices".into(), None, [OK, OK, WHO, WHO, WHO]),
        (Method::GET, format!("/api/v1/devices/{dev}"), None, [OK, HIDDEN, WHO, WHO, WHO]),
        (
            Method::POST,
            "/api/v1/devices".into(),
            Some(json!({"deployment_id": north.to_string(), "name": "API device {who}"})),
            [CREATED, BAD, WHO, WHO, WHO],
        ),
        (
            Method::PATCH,
            format!("/api/v1/devices/{dev}"),
            Some(json!({"notes": "Checked"})),
            [OK, HIDDEN, WHO, WHO, WHO],
        ),
        (
            Method::POST,
            format!("/api/v1/devices/{dev_move}/move"),
            Some(json!({"deployment_id": south.to_string()})),
            [OK, HIDDEN, WHO, WHO, WHO],
        ),
        (Method::DELETE, format!("/api/v1/devices/{dev_move}"), None, [GONE, HIDDEN, WHO, WHO, WHO]),
        (Method::POST, format!("/api/v1/devices/{dev_move}/restore"), None, [OK, HIDDEN, WHO, WHO, WHO]),
        (Method::GET, "/api/v1/templates".into(), None, [OK, OK, WHO, WHO, WHO]),
        (Method::GET, format!("/api/v1/templates/{tpl}"), None, [OK, HIDDEN, WHO, WHO, WHO]),
        (
            Method::POST,
            "/api/v1/templates".into(),
            Some(json!({"name": "API template {who}", "case_type": "other"})),
            [CREATED, CREATED, WHO, WHO, WHO],
        ),
        (
            Method::PUT,
            format!("/api/v1/templates/{tpl}"),
            Some(json!({"name": "Broken", "case_type": "damage"})),
            [OK, HIDDEN, WHO, WHO, WHO],
        ),
        (Method::DELETE, format!("/api/v1/templates/{tpl_spare}"), None, [GONE, HIDDEN, WHO, WHO, WHO]),
        (Method::GET, "/api/v1/cases".into(), None, [OK, OK, WHO, WHO, WHO]),
        (Method::GET, format!("/api/v1/cases/{case}"), None, [OK, HIDDEN, WHO, WHO, WHO]),
        (Method::GET, format!("/api/v1/cases/{case}/events"), None, [OK, HIDDEN, WHO, WHO, WHO]),
        (
            Method::POST,
            "/api/v1/cases".into(),
            Some(json!({"deployment_id": north.to_string(), "title": "From {who}"})),
            [CREATED, BAD, WHO, WHO, WHO],
        ),
        (
            Method::PATCH,
            format!("/api/v1/cases/{case}"),
            Some(json!({"title": "Case at North"})),
            [OK, HIDDEN, WHO, WHO, WHO],
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{case}/comments"),
            Some(json!({"body": "Note from {who}"})),
            [CREATED, HIDDEN, WHO, WHO, WHO],
        ),
    ];

    let mut failures = Vec::new();
    let mut checks = 0;
    for (method, path, body, expectations) in &rows {
        for (column, caller) in API_CALLERS.iter().enumerate().rev() {
            let body = body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&b.to_string().replace("{who}", &format!("{caller:?}"))).expect("json")
            });
            let response = match caller {
                Caller::ThisWorkspacesKey => app.api(&w.acme_key).send(method.clone(), path, body.as_ref()).await,
                Caller::OtherWorkspacesKey => app.api(&w.globex_key).send(method.clone(), path, body.as_ref()).await,
                Caller::RevokedKey => app.api(&w.revoked_key).send(method.clone(), path, body.as_ref()).await,
                Caller::NoKey => app.api_anonymous().send(method.clone(), path, body.as_ref()).await,
                Caller::SessionCookie => {
                    let mut headers = vec![("x-csrf-token", admin.csrf())];
                    let bytes = match &body {
                        Some(json) => {
                            headers.push(("content-type", "application/json".to_owned()));
                            serde_json::to_vec(json).expect("json")
                        }
                        None => Vec::new(),
                    };
                    admin.send(method.clone(), path, headers, bytes).await
                }
            };
            checks += 1;
            let mut result = expectations[column].check(&response);
            if result.is_ok() && response.status.as_u16() >= 400 {
                let error = response.json();
                if error["code"] != response.status.as_u16() || !error["message"].is_string() {
                    result = Err(format!("error body is not {{code, message}}: {error}"));
                }
            }
            if let Err(problem) = result {
                failures.push(format!("{caller:?} — {method} {path}: {problem}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checks} API permission checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Another workspace's key lists only its own things.
    let globex = app.api(&w.globex_key);
    for list in ["/api/v1/deployments", "/api/v1/devices", "/api/v1/templates", "/api/v1/cases"] {
        let body = globex.get(list).await.json();
        let text = body.to_string();
        for acme_thing in ["North", "Robot N", "Broken", "Case at North"] {
            assert!(!text.contains(acme_thing), "{list} of another workspace shows {acme_thing}: {text}");
        }
    }
    let moved = app.api(&w.acme_key).get(&format!("/api/v1/devices/{dev_move}")).await.json();
    assert_eq!(moved["deployment_id"], south.to_string());
}

// ---------------------------------------------------------------------------------------------------------
// The world both matrices run in
// ---------------------------------------------------------------------------------------------------------

/// Acme with North (where the members hold their roles), South and spare deployments, devices, a template,
/// cases and API keys; Globex with its admin, a deployment and a key.
struct World {
    acme: crate::support::Workspace,
    globex: crate::support::Workspace,
    north: DeploymentId,
    south: DeploymentId,
    spare_page: DeploymentId,
    spare_api: DeploymentId,
    lead: String,
    tech: String,
    tech_id: String,
    viewer: String,
    norole: String,
    norole_id: String,
    dev_north: String,
    dev_south: String,
    dev_move_page: String,
    dev_move_api: String,
    template: String,
    template_spare: String,
    case_north: String,
    case_south: String,
    acme_key: String,
    globex_key: String,
    revoked_key: String,
    spare_key: String,
    spare_key_id: String,
}

impl World {
    async fn new(app: &TestApp) -> Self {
        let acme = app.workspace("Acme").await;
        let globex = app.workspace("Globex").await;
        let north = acme.deployment("North").await;
        let south = acme.deployment("South").await;
        let spare_page = acme.deployment("Spare for pages").await;
        let spare_api = acme.deployment("Spare for the API").await;
        globex.deployment("Elsewhere").await;
        let (_, lead) = acme.member("lead", &[(north, DeploymentRole::Admin)]).await;
        let (tech_id, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
        let (_, viewer) = acme.member("viewer", &[(north, DeploymentRole::Viewer)]).await;
        let (norole_id, norole) = acme.member("norole", &[]).await;
        let dev_north = acme.device(north, "Robot N", "N-1").await;
        let dev_south = acme.device(south, "Robot S", "S-1").await;
        let dev_move_page = acme.device(north, "Mover 1", "").await;
        let dev_move_api = acme.device(north, "Mover 2", "").await;
        globex.device(globex.deployment("Globex site").await, "Globex robot", "G-1").await;
        let template = acme.template("Broken").await;
        let template_spare = acme.template("Spare").await;
        let case_north = acme.case(north, Some(dev_north), "Case at North").await;
        let case_south = acme.case(south, None, "Case at South").await;
        let (_, acme_key) = acme.api_key("matrix").await;
        let (_, globex_key) = globex.api_key("globex").await;
        let (revoked_id, revoked_key) = acme.api_key("revoked").await;
        tagdesk_app::api_keys::revoke(&app.app, &acme.system(), revoked_id).await.expect("revoke");
        let (spare_key_id, spare_key) = acme.api_key("spare").await;
        Self {
            north,
            south,
            spare_page,
            spare_api,
            lead,
            tech,
            tech_id: tech_id.to_string(),
            viewer,
            norole,
            norole_id: norole_id.to_string(),
            dev_north: dev_north.to_string(),
            dev_south: dev_south.to_string(),
            dev_move_page: dev_move_page.to_string(),
            dev_move_api: dev_move_api.to_string(),
            template: template.to_string(),
            template_spare: template_spare.to_string(),
            case_north: case_north.to_string(),
            case_south: case_south.to_string(),
            acme_key,
            globex_key,
            revoked_key,
            spare_key,
            spare_key_id: spare_key_id.to_string(),
            acme,
            globex,
        }
    }
}

#[test]
fn multipart_bodies_name_their_boundary() {
    let (body, content_type) = multipart(&[("a", "1")], ("file", "x.csv", b"name\n"));
    let boundary = content_type.trim_start_matches("multipart/form-data; boundary=");
    assert!(String::from_utf8_lossy(&body).contains(boundary));
}
