//! The JSON API under `/api/v1`: each resource end to end, its error shapes (400, 404, 409, 413, 415,
//! 422 with field errors), unknown ids and pagination.

use axum::http::Method;
use serde_json::{Value, json};
use tagdesk_domain::{CaseId, CaseTemplateId, DeploymentId, DeviceId};

use crate::support::{Api, Response, TestApp, api_field_error, both_backends, request};

both_backends!(
    deployments_through_the_api,
    devices_through_the_api,
    templates_through_the_api,
    cases_through_the_api,
    malformed_requests_get_json_errors,
    unknown_ids_are_404_everywhere,
    device_and_case_lists_page_through_everything,
    deployment_lists_page_through_everything,
    field_errors_use_the_json_field_names,
);

#[track_caller]
fn expect_error(response: &Response, status: u16, what: &str) -> Value {
    response.expect_status(status, what);
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("application/json")), "{what}: JSON");
    let body = response.json();
    assert_eq!(body["code"], status, "{what}: code in {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: message in {body}");
    body
}

async fn created(api: &Api<'_>, path: &str, body: Value) -> Value {
    let response = api.post_json(path, &body).await;
    response.expect_status(201, &format!("POST {path} {body}"));
    response.json()
}

async fn deployments_through_the_api(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, key) = acme.api_key("it").await;
    let api = app.api(&key);

    let d = created(
        &api,
        "/api/v1/deployments",
        json!({"name": "North", "timezone": "Europe/Berlin", "notification_emails": ["ops@acme.test"],
               "default_assignee_id": acme.admin_id.to_string()}),
    )
    .await;
    let id = d["id"].as_str().expect("id").to_owned();
    assert_eq!(d["name"], "North");
    assert_eq!(d["language"], "en", "default language");
    assert_eq!(d["notification_emails"], json!(["ops@acme.test"]));
    assert_eq!(d["default_assignee_id"], acme.admin_id.to_string());
    assert_eq!(d["device_count"], 0);
    assert!(d["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "RFC 3339 UTC");

    let got = api.get(&format!("/api/v1/deployments/{id}")).await;
    got.expect_status(200, "get");
    assert_eq!(got.json(), d);

    let patched = api
        .patch_json(&format!("/api/v1/deployments/{id}"), &json!({"address": "Dock 1", "default_assignee_id": null}))
        .await;
    patched.expect_status(200, "patch");
    let patched = patched.json();
    assert_eq!(patched["address"], "Dock 1");
    assert_eq!(patched["name"], "North", "omitted fields keep their value");
    assert_eq!(patched["notification_emails"], json!(["ops@acme.test"]));
    assert_eq!(patched["default_assignee_id"], Value::Null, "null clears");

    let response = api
        .post_json(
            "/api/v1/deployments",
            &json!({"name": " ", "timezone": "Mars/Base", "notification_emails": ["ok@acme.test", "not an email"]}),
        )
        .await;
    assert_eq!(api_field_error(&response, "name"), "This field is required.");
    api_field_error(&response, "timezone");
    api_field_error(&response, "notification_emails");
    let response = api.post_json("/api/v1/deployments", &json!({"name": "north", "timezone": "UTC"})).await;
    assert_eq!(api_field_error(&response, "name"), "Another deployment already has this name.");
    let response = api.patch_json(&format!("/api/v1/deployments/{id}"), &json!({"timezone": ""})).await;
    api_field_error(&response, "timezone");

    acme.device(DeploymentId::parse(&id).expect("id"), "Robot", "").await;
    let response = api.delete(&format!("/api/v1/deployments/{id}")).await;
    let body = expect_error(&response, 409, "delete a deployment with devices");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("1 device(s)")), "{body}");

    let empty = created(&api, "/api/v1/deployments", json!({"name": "Empty", "timezone": "UTC"})).await;
    let empty = empty["id"].as_str().expect("id");
    api.delete(&format!("/api/v1/deployments/{empty}")).await.expect_status(204, "delete");
    expect_error(&api.get(&format!("/api/v1/deployments/{empty}")).await, 404, "deleted");

    let list = api.get("/api/v1/deployments").await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(list.get("next_cursor").is_none_or(Value::is_null), "one page: {list}");
    let actions = acme.audit_actions().await;
    assert!(actions.iter().filter(|a| a.starts_with("deployment.")).count() >= 4, "{actions:?}");
}

async fn devices_through_the_api(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let (_, key) = acme.api_key("it").await;
    let api = app.api(&key);

    let device = created(
        &api,
        "/api/v1/devices",
        json!({"deployment_id": north.to_string(), "name": "Robot 1", "serial_number": "SN-1",
               "manufacturer": "RoboCorp", "tags": ["floor 1", "arm"], "notes": "New."}),
    )
    .await;
    let id = device["id"].as_str().expect("id").to_owned();
    assert_eq!(device["deployment_name"], "North");
    assert_eq!(device["tags"], json!(["floor 1", "arm"]));
    assert_eq!(device["archived"], false);

    let response = api
        .post_json(
            "/api/v1/devices",
            &json!({"deployment_id": north.to_string(), "name": "Robot 2", "serial_number": "sn-1"}),
        )
        .await;
    assert_eq!(
        api_field_error(&response, "serial_number"),
        "Another device in this workspace already has this serial number."
    );
    let response = api
        .post_json("/api/v1/devices", &json!({"deployment_id": north.to_string(), "name": "Robot 2", "tags": ["a, b"]}))
        .await;
    api_field_error(&response, "tags");
    let response = api.post_json("/api/v1/devices", &json!({"name": ""})).await;
    api_field_error(&response, "name");
    assert_eq!(api_field_error(&response, "deployment_id"), "Choose a deployment you can work in.");
    let response = api.patch_json(&format!("/api/v1/devices/{id}"), &json!({"deployment_id": south.to_string()})).await;
    api_field_error(&response, "deployment_id");

    let patched =
        api.patch_json(&format!("/api/v1/devices/{id}"), &json!({"serial_number": null, "model": "R1"})).await;
    patched.expect_status(200, "patch");
    let patched = patched.json();
    assert_eq!(patched["serial_number"], Value::Null, "null clears the serial");
    assert_eq!(patched["model"], "R1");
    assert_eq!(patched["manufacturer"], "RoboCorp", "omitted fields stay");

    let moved =
        api.post_json(&format!("/api/v1/devices/{id}/move"), &json!({"deployment_id": south.to_string()})).await;
    moved.expect_status(200, "move");
    assert_eq!(moved.json()["deployment_name"], "South");
    let response =
        api.post_json(&format!("/api/v1/devices/{id}/move"), &json!({"deployment_id": south.to_string()})).await;
    api_field_error(&response, "deployment_id");
    let response = api.post_json(&format!("/api/v1/devices/{id}/move"), &json!({"deployment_id": "nowhere"})).await;
    api_field_error(&response, "deployment_id");

    let names = |list: Value| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    created(&api, "/api/v1/devices", json!({"deployment_id": north.to_string(), "name": "Robot 2", "tags": ["spare"]}))
        .await;
    assert_eq!(names(api.get("/api/v1/devices").await.json()), vec!["Robot 1", "Robot 2"]);
    assert_eq!(names(api.get(&format!("/api/v1/devices?deployment_id={north}")).await.json()), vec!["Robot 2"]);
    assert_eq!(names(api.get("/api/v1/devices?tag=SPARE").await.json()), vec!["Robot 2"]);
    assert_eq!(names(api.get("/api/v1/devices?q=robocorp").await.json()), vec!["Robot 1"]);
    api_field_error(&api.get("/api/v1/devices?deployment_id=nope").await, "deployment_id");

    api.delete(&format!("/api/v1/devices/{id}")).await.expect_status(204, "archive");
    api.delete(&format!("/api/v1/devices/{id}")).await.expect_status(204, "archive twice");
    assert_eq!(names(api.get("/api/v1/devices").await.json()), vec!["Robot 2"]);
    assert_eq!(names(api.get("/api/v1/devices?include_archived=true").await.json()), vec!["Robot 1", "Robot 2"]);
    let archived = api.get(&format!("/api/v1/devices/{id}")).await.json();
    assert_eq!(archived["archived"], true, "archived devices can still be read");
    let restored = api.post_json(&format!("/api/v1/devices/{id}/restore"), &json!({})).await;
    restored.expect_status(200, "restore");
    assert_eq!(restored.json()["archived"], false);
}

async fn templates_through_the_api(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let (_, key) = acme.api_key("it").await;
    let api = app.api(&key);

    let response = api
        .post_json(
            "/api/v1/templates",
            &json!({"name": "Leak", "case_type": "anomaly",
                    "fields": [{"label": "Amount", "kind": "number"}, {"label": "Where?", "kind": "single_choice", "options": []}]}),
        )
        .await;
    assert_eq!(
        api_field_error(&response, "fields.1.options"),
        "A choice field needs at least one option (one per line)."
    );
    let response = api.post_json("/api/v1/templates", &json!({"name": "", "case_type": "volcano"})).await;
    api_field_error(&response, "name");
    api_field_error(&response, "case_type");

    let template = created(
        &api,
        "/api/v1/templates",
        json!({"name": "Leak", "title": "Leak reported", "case_type": "anomaly",
               "fields": [{"label": "Where?", "kind": "single_choice", "options": ["Roof", "Floor"], "required": true}]}),
    )
    .await;
    let id = template["id"].as_str().expect("id").to_owned();
    assert_eq!(template["fields"][0]["key"], "f1");
    assert_eq!(template["active"], true);
    let response = api.post_json("/api/v1/templates", &json!({"name": "LEAK", "case_type": "other"})).await;
    assert_eq!(api_field_error(&response, "name"), "A template with this name already exists.");

    let replaced = api
        .send(
            Method::PUT,
            &format!("/api/v1/templates/{id}"),
            Some(&json!({"name": "Water leak", "case_type": "anomaly",
                         "fields": [{"key": "f1", "label": "Where exactly?", "kind": "single_choice", "options": ["Roof"]},
                                    {"label": "Litres", "kind": "number"}]})),
        )
        .await;
    replaced.expect_status(200, "replace");
    let replaced = replaced.json();
    assert_eq!(replaced["name"], "Water leak");
    assert_eq!(replaced["fields"][0]["key"], "f1", "kept");
    assert_eq!(replaced["fields"][1]["key"], "f2", "new key");

    api.delete(&format!("/api/v1/templates/{id}")).await.expect_status(204, "deactivate");
    let list = api.get("/api/v1/templates").await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "inactive ones are left out: {list}");
    let list = api.get("/api/v1/templates?include_inactive=true").await.json();
    assert_eq!(list["items"][0]["active"], false);
    assert_eq!(api.get(&format!("/api/v1/templates/{id}")).await.json()["active"], false, "still readable");
    let response = api
        .post_json("/api/v1/cases", &json!({"deployment_id": north.to_string(), "template_id": id, "title": "X"}))
        .await;
    assert_eq!(api_field_error(&response, "template_id"), "Choose an active template.");
}

async fn cases_through_the_api(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let robot = acme.device(north, "Robot 7", "SN-7").await;
    let elsewhere = acme.device(south, "Robot 9", "").await;
    let template = acme.template("Broken").await;
    let (_, key) = acme.api_key("it").await;
    let api = app.api(&key);

    let base = json!({"deployment_id": north.to_string(), "device_id": robot.to_string(), "template_id": template.to_string()});
    let mut missing = base.clone();
    missing["fields"] = json!({});
    let response = api.post_json("/api/v1/cases", &missing).await;
    api_field_error(&response, "field.f1");
    let mut wrong_option = base.clone();
    wrong_option["fields"] = json!({"f1": "Door"});
    assert_eq!(
        api_field_error(&api.post_json("/api/v1/cases", &wrong_option).await, "field.f1"),
        "Choose one of the options."
    );
    let response = api
        .post_json(
            "/api/v1/cases",
            &json!({"deployment_id": north.to_string(), "device_id": elsewhere.to_string(), "title": "X"}),
        )
        .await;
    assert_eq!(api_field_error(&response, "device_id"), "Choose a device of this deployment.");
    let response = api.post_json("/api/v1/cases", &json!({"deployment_id": "nope", "title": "X"})).await;
    api_field_error(&response, "deployment_id");

    let mut good = base.clone();
    good["fields"] = json!({"f1": "Screen"});
    good["reporter"] = json!({"name": "Olga", "email": "olga@example.com"});
    let case = created(&api, "/api/v1/cases", good).await;
    let id = case["id"].as_str().expect("id").to_owned();
    assert_eq!(case["number"], 1);
    assert_eq!(case["display_number"], "#1");
    assert_eq!(case["origin"], "api");
    assert_eq!(case["status"], "open");
    assert_eq!(case["title"], "Broken reported", "the template's title");
    assert_eq!(case["case_type"], "damage", "the template's type");
    assert_eq!(case["fields"][0]["value"], "Screen");
    assert_eq!(case["reporter"]["email"], "olga@example.com");
    assert_eq!(case["device_serial"], "SN-7");

    let patched =
        api.patch_json(&format!("/api/v1/cases/{id}"), &json!({"status": "resolved", "solution": "New screen."})).await;
    patched.expect_status(200, "resolve");
    assert_eq!(patched.json()["status"], "resolved");
    assert_eq!(patched.json()["solution"], "New screen.");
    let response = api.patch_json(&format!("/api/v1/cases/{id}"), &json!({"status": "archived"})).await;
    response.expect_status(200, "archive");
    expect_error(
        &api.patch_json(&format!("/api/v1/cases/{id}"), &json!({"status": "resolved"})).await,
        409,
        "not allowed",
    );
    let response = api.patch_json(&format!("/api/v1/cases/{id}"), &json!({"status": "open", "title": " "})).await;
    api_field_error(&response, "title");
    assert_eq!(api.get(&format!("/api/v1/cases/{id}")).await.json()["status"], "archived", "nothing changed");
    let response = api.patch_json(&format!("/api/v1/cases/{id}"), &json!({"assignee_id": "nobody"})).await;
    api_field_error(&response, "assignee_id");

    let comment = api
        .post_json(&format!("/api/v1/cases/{id}/comments"), &json!({"body": "Parts ordered.", "public": true}))
        .await;
    comment.expect_status(201, "comment");
    assert_eq!(comment.json()["public"], true);
    api_field_error(&api.post_json(&format!("/api/v1/cases/{id}/comments"), &json!({"body": ""})).await, "body");
    let events = api.get(&format!("/api/v1/cases/{id}/events")).await;
    events.expect_status(200, "events");
    let bodies =
        events.json()["items"].as_array().expect("items").iter().map(|e| e["body"].to_string()).collect::<Vec<_>>();
    assert!(bodies.first().is_some_and(|b| b.contains("Created through the API")), "{bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("Parts ordered.")), "{bodies:?}");

    created(&api, "/api/v1/cases", json!({"deployment_id": south.to_string(), "title": "Dent"})).await;
    let titles = |list: Value| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(titles(api.get("/api/v1/cases").await.json()), vec!["Dent", "Broken reported"], "newest first");
    assert_eq!(titles(api.get("/api/v1/cases?status=archived").await.json()), vec!["Broken reported"]);
    assert_eq!(titles(api.get(&format!("/api/v1/cases?deployment_id={south}")).await.json()), vec!["Dent"]);
    assert_eq!(titles(api.get(&format!("/api/v1/cases?device_id={robot}")).await.json()), vec!["Broken reported"]);
    assert_eq!(titles(api.get("/api/v1/cases?origin=api&q=dent").await.json()), vec!["Dent"]);
    api_field_error(&api.get("/api/v1/cases?status=pending").await, "status");
}

async fn malformed_requests_get_json_errors(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, key) = acme.api_key("it").await;
    let auth = format!("Bearer {key}");
    let json_type = ("content-type", "application/json".to_owned());

    let response = app
        .send(request(
            Method::POST,
            "/api/v1/deployments",
            &[("authorization", auth.clone()), json_type.clone()],
            b"{\"name\": ".to_vec(),
        ))
        .await;
    expect_error(&response, 400, "syntax error");
    let response = app
        .send(request(
            Method::POST,
            "/api/v1/deployments",
            &[("authorization", auth.clone())],
            b"{\"name\": \"X\"}".to_vec(),
        ))
        .await;
    expect_error(&response, 415, "no JSON content type");
    let response =
        app.api(&key).post_json("/api/v1/deployments", &json!({"name": "X", "timezone": "UTC", "colour": "red"})).await;
    let body = expect_error(&response, 422, "unknown field");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("colour")), "names the field: {body}");
    let response = app.api(&key).post_json("/api/v1/deployments", &json!({"name": 5})).await;
    expect_error(&response, 422, "wrong type");
    let response = app.api(&key).get("/api/v1/deployments?limit=abc").await;
    assert!(response.status.is_client_error(), "bad limit: {}", response.status);
    let response = app.api(&key).get("/api/v1/deployments?cursor=garbage").await;
    api_field_error(&response, "cursor");
    let response = app
        .send(request(Method::GET, "/api/v1/deployments", &[("authorization", format!("Basic {key}"))], Vec::new()))
        .await;
    expect_error(&response, 401, "not a bearer key");
    let body = expect_error(&app.api_anonymous().get("/api/v1/devices").await, 401, "no key");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Bearer")), "{body}");
}

async fn unknown_ids_are_404_everywhere(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let (_, key) = acme.api_key("it").await;
    let api = app.api(&key);
    let ids = [
        ("deployments", DeploymentId::new().to_string()),
        ("devices", DeviceId::new().to_string()),
        ("templates", CaseTemplateId::new().to_string()),
        ("cases", CaseId::new().to_string()),
    ];
    let template_body = json!({"name": "X", "case_type": "other"});
    for (kind, unknown) in ids {
        for id in [unknown.as_str(), "not-an-id"] {
            let base = format!("/api/v1/{kind}/{id}");
            expect_error(&api.get(&base).await, 404, &format!("GET {base}"));
            let write = match kind {
                "templates" => api.send(Method::PUT, &base, Some(&template_body)).await,
                _ => api.patch_json(&base, &json!({})).await,
            };
            expect_error(&write, 404, &format!("write {base}"));
            if kind != "cases" {
                expect_error(&api.delete(&base).await, 404, &format!("DELETE {base}"));
            }
        }
    }
    let device = DeviceId::new();
    let move_body = json!({"deployment_id": north.to_string()});
    expect_error(&api.post_json(&format!("/api/v1/devices/{device}/move"), &move_body).await, 404, "move");
    expect_error(
        &api.post_json(&format!("/api/v1/devices/{device}/move"), &json!({"deployment_id": "x"})).await,
        404,
        "move 2",
    );
    expect_error(&api.post_json(&format!("/api/v1/devices/{device}/restore"), &json!({})).await, 404, "restore");
    let case = CaseId::new();
    expect_error(&api.get(&format!("/api/v1/cases/{case}/events")).await, 404, "events");
    expect_error(
        &api.post_json(&format!("/api/v1/cases/{case}/comments"), &json!({"body": "x"})).await,
        404,
        "comment",
    );
}

/// Follows `next_cursor` with `limit=1` and returns every item's `field`.
async fn page_through(api: &Api<'_>, path: &str, field: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=1&cursor={c}"),
            None => format!("{path}?limit=1"),
        };
        let page = api.get(&url).await;
        page.expect_status(200, &url);
        let page = page.json();
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 1, "limit respected: {page}");
        seen.extend(items.iter().map(|i| i[field].as_str().unwrap_or_default().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
    }
    panic!("{path}: more pages than items: {seen:?}");
}

async fn device_and_case_lists_page_through_everything(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    for name in ["Zeta", "Alpha", "Mu"] {
        acme.device(north, name, "").await;
        acme.case(north, None, name).await;
    }
    let (_, key) = acme.api_key("it").await;
    let api = app.api(&key);
    assert_eq!(page_through(&api, "/api/v1/devices", "name").await, vec!["Zeta", "Alpha", "Mu"], "creation order");
    assert_eq!(page_through(&api, "/api/v1/cases", "title").await, vec!["Mu", "Alpha", "Zeta"], "newest first");
}

/// Every deployment appears exactly once when paging, whatever the names.
async fn deployment_lists_page_through_everything(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    for name in ["Zeta", "Alpha", "Mu"] {
        acme.deployment(name).await;
    }
    let (_, key) = acme.api_key("it").await;
    let mut seen = page_through(&app.api(&key), "/api/v1/deployments", "name").await;
    seen.sort();
    assert_eq!(seen, vec!["Alpha", "Mu", "Zeta"], "each deployment once across pages");
}

/// 422 errors name the field as the JSON body spells it (`ErrorBody.errors[].field`: "The field (JSON name)").
async fn field_errors_use_the_json_field_names(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let (_, key) = acme.api_key("it").await;
    let response = app
        .api(&key)
        .post_json(
            "/api/v1/cases",
            &json!({"deployment_id": north.to_string(), "title": "X", "reporter": {"email": "not an email", "phone": "call me"}}),
        )
        .await;
    api_field_error(&response, "reporter.email");
    api_field_error(&response, "reporter.phone");
}
