//! The staff side of the customer portal: the settings page and API (who may see and change them, the
//! write-only PIN, the obvious-PIN warning, enabling without a PIN), the portal status on the deployment
//! page and the guarded-mode banner, a device's portal link and replacing it, and case photos for staff.

use std::sync::Arc;

use axum::http::Method;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tagdesk_app::attachments::{self, LocalDirStore, ProcessedPhoto};
use tagdesk_app::portal::TokenLookup;
use tagdesk_app::portal::visit;
use tagdesk_domain::{CaseId, DeploymentId, DeploymentRole};
use tagdesk_store::pin_guard;

use tagdesk_web::session::SESSION_COOKIE;
use tagdesk_web::{AppState, WebConfig};
use tower::ServiceExt as _;

use crate::support::{PASSWORD, Response, TestApp, Workspace, both_backends, request};

both_backends!(
    only_deployment_and_workspace_admins_reach_the_portal_settings,
    the_pin_never_appears_in_pages_responses_or_the_audit_log,
    an_obvious_pin_is_saved_with_a_warning,
    enabling_without_a_pin_is_refused_and_the_form_keeps_its_values,
    the_api_reads_and_replaces_every_setting,
    the_deployment_page_shows_the_portal_status_and_guarded_mode_raises_a_banner,
    replacing_a_device_link_retires_the_old_token,
    case_photos_need_a_staff_session_and_sight_of_the_case,
);

/// A PIN that is not obvious (and does not occur by chance in the pages checked).
const PIN: &str = "8357";

/// The settings form's fields with `overrides` applied (checkboxes: "true" ticks, "" leaves out).
fn settings_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("enabled", ""),
        ("pin", ""),
        ("show_open_cases", "true"),
        ("open_case_window_days", "30"),
        ("welcome_md", "Welcome to *North*."),
        ("instructions_md", ""),
        ("contact_md", "Call 0800 123"),
        ("allow_free_description", "true"),
        ("contact_rule", "name_and_email_or_phone"),
        ("language", "en"),
        ("photos_allowed", "true"),
        ("max_photos", "5"),
        ("max_photo_mb", "10"),
    ];
    for (name, value) in overrides {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields.retain(|(name, value)| {
        !value.is_empty()
            || !matches!(*name, "enabled" | "show_open_cases" | "allow_free_description" | "photos_allowed")
    });
    fields
}

/// The full settings body of `PUT /api/v1/deployments/{id}/portal`.
fn settings_body() -> Value {
    json!({
        "enabled": false,
        "show_open_cases": true,
        "open_case_window_days": 30,
        "welcome_message": "",
        "instructions": "",
        "contact_details": "",
        "template_ids": [],
        "allow_free_description": true,
        "contact_rule": "name_and_email_or_phone",
        "language": "en",
        "photos_allowed": true,
        "max_photos": 5,
        "max_photo_size_mb": 10
    })
}

/// Fails if `value` (any JSON) holds the PIN or an Argon2 hash anywhere, as a key or a string.
#[track_caller]
fn assert_no_pin(value: &Value, pin: &str) {
    match value {
        Value::String(s) => {
            assert_ne!(s, pin, "the PIN is in a response");
            assert!(!s.contains("$argon2"), "a PIN hash is in a response: {s}");
        }
        Value::Array(items) => items.iter().for_each(|v| assert_no_pin(v, pin)),
        Value::Object(map) => {
            for (key, v) in map {
                assert!(key != "pin" && key != "pin_hash", "{key} in a response: {value}");
                assert_no_pin(v, pin);
            }
        }
        _ => {}
    }
}

async fn only_deployment_and_workspace_admins_reach_the_portal_settings(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let (_, site_admin) = acme.member("siteadmin", &[(north, DeploymentRole::Admin)]).await;
    let (_, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let (_, viewer) = acme.member("viewer", &[(north, DeploymentRole::Viewer)]).await;
    let (_, stranger) = acme.member("stranger", &[(south, DeploymentRole::Admin)]).await;
    let other = app.workspace("Other").await;
    let url = format!("/deployments/{north}/portal");

    for (email, expected) in [
        (acme.admin_email.as_str(), 200),
        (site_admin.as_str(), 200),
        (tech.as_str(), 403),
        (viewer.as_str(), 403),
        (stranger.as_str(), 404),
        (other.admin_email.as_str(), 404),
    ] {
        let browser = app.sign_in(email, PASSWORD).await;
        let page = browser.get(&url).await;
        page.expect_status(expected, &format!("GET settings as {email}"));
        if expected == 200 {
            let html = page.html();
            assert_eq!(html.text_of("h1").as_deref(), Some("Customer portal"));
            assert!(html.has(&format!("form[action=\"{url}\"]")), "the form, for {email}");
            assert_eq!(html.attr("a[aria-current=\"page\"]", "href").as_deref(), Some("/deployments"), "nav");
        }
        // Changing them is refused the same way (the form would be valid).
        let response = browser.post_form(&url, &settings_form(&[])).await;
        let expected_post = if expected == 200 { 303 } else { expected };
        response.expect_status(expected_post, &format!("POST settings as {email}"));
    }
    let anonymous = app.get(&url).await;
    anonymous.expect_status(303, "signed out");
    assert!(anonymous.location().starts_with("/login"), "to the sign-in page");

    let (_, acme_key) = acme.api_key("ci").await;
    let (_, other_key) = other.api_key("ci").await;
    let api_url = format!("/api/v1{url}");
    app.api(&acme_key).get(&api_url).await.expect_status(200, "API key of the workspace");
    app.api(&other_key).get(&api_url).await.expect_status(404, "API key of another workspace");
    app.api(&other_key)
        .send(Method::PUT, &api_url, Some(&settings_body()))
        .await
        .expect_status(404, "PUT with an API key of another workspace");
    app.api_anonymous().get(&api_url).await.expect_status(401, "no API key");
    app.api(&acme_key).get("/api/v1/deployments/not-an-id/portal").await.expect_status(404, "malformed id");
}

async fn the_pin_never_appears_in_pages_responses_or_the_audit_log(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    acme.device(north, "Robot 7", "SN-7").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let url = format!("/deployments/{north}/portal");
    admin.get(&url).await.expect_status(200, "settings");

    let response = admin.post_form(&url, &settings_form(&[("enabled", "true"), ("pin", PIN)])).await;
    response.expect_status(303, "enable with a PIN");
    assert_eq!(response.location(), url, "no warning for a PIN that is not obvious");
    let page = admin.get(&url).await;
    page.expect_status(200, "settings after saving");
    let html = page.html();
    assert!(html.text_of(".flash").is_some_and(|t| t.contains("every portal visitor must enter the new PIN")));
    assert!(!html.has(".banner[role=\"alert\"]"), "no obvious-PIN warning");
    assert_eq!(html.attr("#f-pin", "type").as_deref(), Some("password"));
    assert_eq!(html.attr("#f-pin", "inputmode").as_deref(), Some("numeric"));
    assert_eq!(html.attr("#f-pin", "autocomplete").as_deref(), Some("new-password"));
    assert_eq!(html.field_value("pin").as_deref(), Some(""), "the PIN is never filled in");
    assert!(html.has("#f-enabled[checked]"));
    let text = html.text();
    assert!(!text.contains(PIN), "the PIN is not shown");
    assert!(text.contains("4 digits; changing it signs out every portal visitor"), "PIN help");
    assert!(text.contains("Limited Markdown: paragraphs, *emphasis*, lists, [links](https://…). HTML is not allowed."));
    assert!(text.contains("Enabled") && text.contains("Set, last changed"), "status: {text}");
    assert!(
        html.attr("a[href*=\"/d/\"]", "href").is_some_and(|h| h.starts_with("http://127.0.0.1:8080/d/")),
        "preview"
    );

    // A form that comes back with errors keeps what was typed, except the PIN.
    let response = admin
        .post_form(&url, &settings_form(&[("enabled", "true"), ("pin", "4711"), ("open_case_window_days", "0")]))
        .await;
    response.expect_status(422, "invalid window");
    let html = response.html();
    assert!(html.title().starts_with("Error: "), "{}", html.title());
    assert_eq!(html.field_value("pin").as_deref(), Some(""), "the PIN is not filled back in");
    assert_eq!(html.field_value("open_case_window_days").as_deref(), Some("0"));
    assert!(html.field_error("open_case_window_days").is_some());
    assert!(!response.text().contains("4711"), "the typed PIN is nowhere in the page");

    // The API never returns it either.
    let (_, key) = acme.api_key("ci").await;
    let api = app.api(&key);
    let got = api.get(&format!("/api/v1{url}")).await;
    got.expect_status(200, "API get");
    let body = got.json();
    assert_eq!(body["has_pin"], true);
    assert_eq!(body["enabled"], true);
    assert!(body["pin_changed_at"].is_string());
    assert_no_pin(&body, PIN);
    let mut put = settings_body();
    put["enabled"] = json!(true);
    put["pin"] = json!("4711");
    let response = api.send(Method::PUT, &format!("/api/v1{url}"), Some(&put)).await;
    response.expect_status(200, "API put with a new PIN");
    assert_no_pin(&response.json(), "4711");
    // A PIN sent as a JSON number is refused without being echoed.
    put["pin"] = json!(4712);
    let response = api.send(Method::PUT, &format!("/api/v1{url}"), Some(&put)).await;
    response.expect_status(422, "numeric PIN");
    assert!(!response.text().contains("4712"), "{}", response.text());

    // The audit log says that the PIN changed, never what it is.
    let entries = tagdesk_app::audit::list(
        &app.app,
        &acme.system(),
        &tagdesk_app::page::PageRequest { cursor: None, limit: Some(200) },
    )
    .await
    .expect("audit log");
    let portal: Vec<_> = entries.items.iter().filter(|e| e.action == "portal.settings_updated").collect();
    assert_eq!(portal.len(), 2, "two saved changes: {portal:?}");
    for entry in &portal {
        assert!(entry.summary.contains("PIN changed"), "{}", entry.summary);
        for pin in [PIN, "4711", "4712"] {
            assert!(!entry.summary.contains(pin), "{}", entry.summary);
        }
    }
    let audit_page = admin.get("/audit").await;
    audit_page.expect_status(200, "audit page");
    let audit_text = audit_page.html().text();
    assert!(audit_text.contains("PIN changed"));
    assert!(!audit_text.contains(PIN) && !audit_text.contains("4711"));
}

async fn an_obvious_pin_is_saved_with_a_warning(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let (_, site_admin) = acme.member("siteadmin", &[(north, DeploymentRole::Admin)]).await;
    let browser = app.sign_in(&site_admin, PASSWORD).await;
    let url = format!("/deployments/{north}/portal");
    browser.get(&url).await.expect_status(200, "settings");

    let response = browser.post_form(&url, &settings_form(&[("enabled", "true"), ("pin", "7777")])).await;
    response.expect_status(303, "an obvious PIN is allowed");
    assert_eq!(response.location(), format!("{url}?pin=obvious"));
    assert!(!response.location().contains("7777"));
    let page = browser.get(response.location()).await;
    page.expect_status(200, "settings with the warning");
    let html = page.html();
    let warning = html.text_of(".banner[role=\"alert\"]").expect("a warning");
    assert!(warning.contains("easy to guess"), "{warning}");
    assert!(!warning.contains("7777"), "the warning does not repeat the PIN");
    assert!(html.has("#f-enabled[checked]"), "the portal is on");

    // Saving other settings later keeps the PIN and shows no warning.
    let response = browser.post_form(&url, &settings_form(&[("enabled", "true"), ("max_photos", "3")])).await;
    response.expect_status(303, "blank PIN keeps the current one");
    assert_eq!(response.location(), url);
    let html = browser.get(&url).await.html();
    assert!(!html.has(".banner[role=\"alert\"]"));
    assert_eq!(html.field_value("max_photos").as_deref(), Some("3"));
    assert!(html.has("#f-enabled[checked]"), "still on: the PIN was kept");
}

async fn enabling_without_a_pin_is_refused_and_the_form_keeps_its_values(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let template = acme.template("Broken wheel").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let url = format!("/deployments/{north}/portal");
    let form = admin.get(&url).await;
    form.expect_status(200, "settings");
    let html = form.html();
    assert!(!html.has("#f-enabled[checked]"), "off by default");
    assert_eq!(html.field_value("open_case_window_days").as_deref(), Some("30"));
    assert_eq!(html.field_value("max_photos").as_deref(), Some("5"));
    assert_eq!(html.field_value("max_photo_mb").as_deref(), Some("10"));
    assert_eq!(html.field_value("contact_rule").as_deref(), Some("name_and_email_or_phone"));
    assert!(html.has(&format!("input[name=\"offered_template_ids\"][value=\"{template}\"]")), "template offered");

    let template_id = template.to_string();
    let response = admin
        .post_form(
            &url,
            &settings_form(&[
                ("enabled", "true"),
                ("welcome_md", "Hello <b>there</b>"),
                ("offered_template_ids", &template_id),
                ("contact_rule", "name_only"),
                ("language", "de"),
                ("max_photo_mb", "abc"),
            ]),
        )
        .await;
    response.expect_status(422, "enable without a PIN");
    let html = response.html();
    assert_eq!(html.field_error("pin").as_deref(), Some("Set a 4-digit PIN to enable the portal."));
    assert!(html.field_error("max_photo_mb").is_some(), "a size that is not a number");
    assert!(html.has(".error-summary a[href=\"#f-pin\"]"));
    assert_eq!(html.field_value("welcome_md").as_deref(), Some("Hello <b>there</b>"));
    assert_eq!(html.field_value("max_photo_mb").as_deref(), Some("abc"));
    assert_eq!(html.field_value("contact_rule").as_deref(), Some("name_only"));
    assert_eq!(html.field_value("language").as_deref(), Some("de"));
    assert!(html.has(&format!("input[name=\"offered_template_ids\"][value=\"{template}\"][checked]")));
    assert!(html.has("#f-enabled[checked]"));
    assert!(!response.text().contains("<b>there</b>"), "typed text is escaped");

    let (_, key) = acme.api_key("ci").await;
    let mut body = settings_body();
    body["enabled"] = json!(true);
    body["max_photo_size_mb"] = json!(99);
    let response = app.api(&key).send(Method::PUT, &format!("/api/v1{url}"), Some(&body)).await;
    assert_eq!(crate::support::api_field_error(&response, "pin"), "Set a 4-digit PIN to enable the portal.");
    crate::support::api_field_error(&response, "max_photo_size_mb");
    let unchanged = app.api(&key).get(&format!("/api/v1{url}")).await.json();
    assert_eq!(unchanged["enabled"], false, "nothing was saved");
}

async fn the_api_reads_and_replaces_every_setting(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let wheel = acme.template("Broken wheel").await;
    let screen = acme.template("Dark screen").await;
    let (_, key) = acme.api_key("ci").await;
    let api = app.api(&key);
    let url = format!("/api/v1/deployments/{north}/portal");

    let defaults = api.get(&url).await;
    defaults.expect_status(200, "defaults");
    let defaults = defaults.json();
    assert_eq!(defaults["enabled"], false);
    assert_eq!(defaults["has_pin"], false);
    assert_eq!(defaults["pin_changed_at"], Value::Null);
    assert_eq!(defaults["guarded_until"], Value::Null);
    assert_eq!(defaults["max_photos"], 5);
    assert_eq!(defaults["max_photo_size_mb"], 10);
    assert_eq!(defaults["contact_rule"], "name_and_email_or_phone");
    assert_eq!(defaults["template_ids"], json!([]));

    let body = json!({
        "enabled": true,
        "pin": "0427",
        "show_open_cases": false,
        "open_case_window_days": 14,
        "welcome_message": "Welcome!",
        "instructions": "1. Pick a template\n2. Send",
        "contact_details": "[Call us](tel:+49800)",
        "template_ids": [screen.to_string(), wheel.to_string()],
        "allow_free_description": false,
        "contact_rule": "name_and_phone",
        "language": "de",
        "photos_allowed": false,
        "max_photos": 2,
        "max_photo_size_mb": 4
    });
    let saved = api.send(Method::PUT, &url, Some(&body)).await;
    saved.expect_status(200, "PUT all settings");
    let saved = saved.json();
    assert_no_pin(&saved, "0427");
    for field in [
        "enabled",
        "show_open_cases",
        "open_case_window_days",
        "welcome_message",
        "instructions",
        "contact_details",
        "template_ids",
        "allow_free_description",
        "contact_rule",
        "language",
        "photos_allowed",
        "max_photos",
        "max_photo_size_mb",
    ] {
        assert_eq!(saved[field], body[field], "{field}");
    }
    assert_eq!(saved["has_pin"], true);
    assert_eq!(api.get(&url).await.json(), saved, "GET returns what PUT saved");

    // Every field but the PIN is required; unknown fields are refused.
    let mut partial = body.clone();
    partial.as_object_mut().expect("object").remove("language");
    partial.as_object_mut().expect("object").remove("pin");
    let response = api.send(Method::PUT, &url, Some(&partial)).await;
    assert!(response.status.is_client_error(), "missing field: {}", response.status);
    let mut unknown = body.clone();
    unknown["pin_hash"] = json!("x");
    let response = api.send(Method::PUT, &url, Some(&unknown)).await;
    assert!(response.status.is_client_error(), "unknown field: {}", response.status);
    let mut bad = body.clone();
    bad["pin"] = json!("12a4");
    bad["contact_rule"] = json!("telepathy");
    let response = api.send(Method::PUT, &url, Some(&bad)).await;
    crate::support::api_field_error(&response, "pin");
    crate::support::api_field_error(&response, "contact_rule");
    assert!(!response.text().contains("12a4"));
}

async fn the_deployment_page_shows_the_portal_status_and_guarded_mode_raises_a_banner(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let (_, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let (_, south_only) = acme.member("southy", &[(south, DeploymentRole::Admin)]).await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let portal_url = format!("/deployments/{north}/portal");

    let page = admin.get(&format!("/deployments/{north}")).await;
    page.expect_status(200, "deployment page");
    let html = page.html();
    assert_eq!(html.text_of("#portal-heading").as_deref(), Some("Customer portal"));
    assert_eq!(html.text_of(&format!("a[href=\"{portal_url}\"]")).as_deref(), Some("Portal settings"));
    let text = html.text();
    assert!(text.contains("Disabled") && text.contains("Not set"), "{text}");
    assert!(!html.has(".site-banner"), "no banner while nothing is guarded");

    admin.get(&portal_url).await.expect_status(200, "settings");
    admin
        .post_form(&portal_url, &settings_form(&[("enabled", "true"), ("pin", PIN)]))
        .await
        .expect_status(303, "enable");
    let text = admin.get(&format!("/deployments/{north}")).await.html().text();
    assert!(text.contains("Enabled") && text.contains("Set, last changed"), "{text}");

    let technician = app.sign_in(&tech, PASSWORD).await;
    let html = technician.get(&format!("/deployments/{north}")).await.html();
    assert!(html.text().contains("Enabled"), "technicians see the status");
    assert!(!html.has(&format!("a[href=\"{portal_url}\"]")), "but not the settings link");

    // A PIN-guessing attack puts the portal into guarded mode.
    guard(app, &acme, north).await;
    let html = admin.get(&format!("/deployments/{north}")).await.html();
    assert!(html.text().contains("On until"), "guarded mode on the deployment page");
    let banner = html.text_of(".site-banner").expect("banner");
    assert!(
        banner
            .contains("The customer portal of North is under a PIN-guessing attack: new visitors are throttled until")
            && banner.ends_with("Consider changing the PIN."),
        "{banner}"
    );
    let elsewhere = technician.get("/cases").await.html();
    assert!(
        elsewhere.text_of(".site-banner").is_some_and(|b| b.contains("North")),
        "on every page of those who see it"
    );
    let southy = app.sign_in(&south_only, PASSWORD).await;
    assert!(!southy.get("/cases").await.html().has(".site-banner"), "not for those who do not see North");
    let api = admin.get(&portal_url).await.html();
    assert!(api.text().contains("On until"), "settings page shows guarded mode");
}

/// Puts a deployment's portal into guarded mode for an hour, as the PIN guard does.
async fn guard(app: &TestApp, _workspace: &Workspace, deployment: DeploymentId) {
    let now = app.app.now();
    let mut tx = app.app.store.begin().await.expect("begin");
    pin_guard::set_guarded(&mut tx, &deployment.to_string(), now + 3_600_000, Some(now), now).await.expect("guard");
    tx.commit().await.expect("commit");
}

async fn replacing_a_device_link_retires_the_old_token(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let device = acme.device(north, "Robot 7", "SN-7").await;
    let (_, viewer) = acme.member("viewer", &[(north, DeploymentRole::Viewer)]).await;
    let (_, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let (_, key) = acme.api_key("ci").await;
    let device_url = format!("/devices/{device}");

    let before = app.api(&key).get(&format!("/api/v1{device_url}")).await.json();
    let old_url = before["portal_url"].as_str().expect("portal_url").to_owned();
    let old_token = old_url.strip_prefix("http://127.0.0.1:8080/d/").expect("public URL + /d/").to_owned();
    assert_eq!(old_token.len(), 13, "{old_token}");
    let listed = app.api(&key).get("/api/v1/devices").await.json();
    assert_eq!(listed["items"][0]["portal_url"], old_url.as_str(), "lists carry it too");

    let viewing = app.sign_in(&viewer, PASSWORD).await;
    let html = viewing.get(&device_url).await.html();
    assert_eq!(html.text_of("label[for=\"f-portal_link\"]").as_deref(), Some("Portal link"));
    assert_eq!(html.attr("#f-portal_link", "value").as_deref(), Some(old_url.as_str()));
    assert!(html.has("#f-portal_link[readonly]"));
    assert!(!html.has(&format!("form[action=\"{device_url}/portal-token\"]")), "viewers cannot replace it");
    viewing.post_form(&format!("{device_url}/portal-token"), &[]).await.expect_status(403, "viewer replaces");

    let browser = app.sign_in(&tech, PASSWORD).await;
    let html = browser.get(&device_url).await.html();
    let form = format!("form[action=\"{device_url}/portal-token\"]");
    assert_eq!(html.text_of(&format!("{form} button")).as_deref(), Some("Replace label"));
    assert!(html.text_of(&format!("{form} .help")).is_some_and(|t| t.contains("The old label stops working")));
    let response = browser.post_form(&format!("{device_url}/portal-token"), &[]).await;
    response.expect_status(303, "replace");
    assert_eq!(response.location(), device_url);
    let html = browser.get(&device_url).await.html();
    assert!(html.text_of(".flash").is_some_and(|t| t.starts_with("Portal link replaced.")));
    let new_url = html.attr("#f-portal_link", "value").expect("new link");
    assert_ne!(new_url, old_url);
    let new_token = new_url.rsplit('/').next().expect("token").to_owned();

    assert!(
        matches!(visit::resolve(&app.app, &old_token).await.expect("resolve"), TokenLookup::Replaced { .. }),
        "the old token shows the replaced page"
    );
    assert!(
        matches!(
            visit::resolve(&app.app, &old_token.to_lowercase()).await.expect("resolve"),
            TokenLookup::Replaced { .. }
        ),
        "case-insensitively"
    );
    assert!(
        !matches!(
            visit::resolve(&app.app, &new_token).await.expect("resolve"),
            TokenLookup::Replaced { .. } | TokenLookup::Unknown
        ),
        "the new token works"
    );
    let after = app.api(&key).get(&format!("/api/v1{device_url}")).await.json();
    assert_eq!(after["portal_url"], new_url.as_str());
    assert!(acme.audit_actions().await.contains(&"device.portal_token_replaced".to_owned()));

    let other = app.workspace("Other").await;
    let outsider = app.sign_in(&other.admin_email, PASSWORD).await;
    outsider.get("/deployments").await.expect_status(200, "a page with a form");
    outsider.post_form(&format!("{device_url}/portal-token"), &[]).await.expect_status(404, "other workspace");
}

/// Stores a photo for a case (fake JPEG bytes: the route serves what is stored).
async fn photo(app: &TestApp, store: &LocalDirStore, case: CaseId) -> attachments::AttachmentId {
    let processed = ProcessedPhoto {
        bytes: b"\xff\xd8\xff\xe0 not really a JPEG".to_vec(),
        content_type: "image/jpeg",
        width: 1200,
        height: 800,
    };
    let mut tx = app.app.store.begin().await.expect("begin");
    let ids = attachments::save_photos(&mut tx, store, case, &[processed], app.app.now()).await.expect("save photo");
    tx.commit().await.expect("commit");
    ids[0]
}

/// The application on the test's database with a photo store (the harness's app has none), for
/// requests with the cookies of a browser signed in through the harness (sessions live in the database).
struct WithPhotos {
    router: axum::Router,
    store: LocalDirStore,
    _dir: tempfile::TempDir,
}

impl WithPhotos {
    fn new(app: &TestApp) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = LocalDirStore::new(dir.path().join("attachments"));
        let with_store = app.app.clone().with_attachments(Arc::new(store.clone()));
        let router = tagdesk_web::router(AppState::new(with_store, WebConfig::for_tests()));
        Self { router, store, _dir: dir }
    }

    /// `GET path` as the browser whose session cookie is `session` (or signed out).
    async fn get(&self, path: &str, session: Option<String>) -> Response {
        let headers: Vec<(&str, String)> =
            session.map(|s| ("cookie", format!("{SESSION_COOKIE}={s}"))).into_iter().collect();
        let response =
            self.router.clone().oneshot(request(Method::GET, path, &headers, Vec::new())).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("body").to_bytes().to_vec();
        Response { status: parts.status, headers: parts.headers, body }
    }
}

async fn case_photos_need_a_staff_session_and_sight_of_the_case(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let device = acme.device(north, "Robot 7", "SN-7").await;
    let case = acme.case(north, Some(device), "Wheel squeaks").await;
    let (_, viewer) = acme.member("viewer", &[(north, DeploymentRole::Viewer)]).await;
    let (_, southy) = acme.member("southy", &[(south, DeploymentRole::Admin)]).await;
    let server = WithPhotos::new(app);
    let first = photo(app, &server.store, case).await;
    let second = photo(app, &server.store, case).await;
    let url = format!("/attachments/{first}");

    let anonymous = server.get(&url, None).await;
    anonymous.expect_status(303, "signed out");
    assert!(anonymous.location().starts_with("/login"));
    let (_, key) = acme.api_key("ci").await;
    let with_key = app.api(&key).get(&url).await;
    with_key.expect_status(303, "an API key is not a staff session");

    let outsider = app.workspace("Other").await;
    let other = app.sign_in(&outsider.admin_email, PASSWORD).await;
    server.get(&url, other.session_cookie()).await.expect_status(404, "another workspace");
    let south_admin = app.sign_in(&southy, PASSWORD).await;
    server.get(&url, south_admin.session_cookie()).await.expect_status(404, "no role at the case's deployment");
    server.get("/attachments/not-an-id", south_admin.session_cookie()).await.expect_status(404, "malformed id");
    let unknown = format!("/attachments/{}", attachments::AttachmentId::new());
    server.get(&unknown, south_admin.session_cookie()).await.expect_status(404, "unknown id");

    let browser = app.sign_in(&viewer, PASSWORD).await;
    let response = server.get(&url, browser.session_cookie()).await;
    response.expect_status(200, "a viewer of the deployment");
    assert_eq!(response.header("content-type"), Some("image/jpeg"));
    assert!(response.header("content-disposition").is_some_and(|d| d.starts_with("inline")));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert!(response.header("content-security-policy").is_some_and(|c| c.starts_with("default-src 'none'")));
    assert!(response.header("cache-control").is_some_and(|c| c.starts_with("private")));
    assert!(response.body.starts_with(b"\xff\xd8\xff"));

    let page = browser.get(&format!("/cases/{case}")).await;
    page.expect_status(200, "case page");
    let html = page.html();
    assert_eq!(html.text_of("#photos-heading").as_deref(), Some("Photos"));
    for (n, id) in [(1, first), (2, second)] {
        let img = format!("a[href=\"/attachments/{id}\"] img[src=\"/attachments/{id}\"]");
        assert_eq!(html.attr(&img, "alt"), Some(format!("Photo {n} from the reporter")));
        assert_eq!(html.attr(&img, "loading").as_deref(), Some("lazy"));
        assert_eq!(html.attr(&img, "width").as_deref(), Some("160"));
        assert_eq!(html.attr(&img, "height").as_deref(), Some("106"));
    }
    let no_photos = acme.case(north, None, "Other").await;
    assert!(!browser.get(&format!("/cases/{no_photos}")).await.html().has("#photos-heading"));
}
