//! Probes, static assets, security headers, unknown URLs, body limits and the API reference pages.

use axum::http::Method;
use serde_json::json;

use crate::support::{PASSWORD, Response, TestApp, both_backends, request};

both_backends!(
    probes_answer,
    readiness_fails_without_the_database,
    every_response_carries_the_security_headers,
    unknown_urls_are_404_pages,
    oversized_bodies_are_refused_with_413,
    oversized_bodies_are_explained_like_other_errors,
    the_api_reference_is_served,
);

async fn probes_answer(app: &TestApp) {
    let health = app.get("/healthz").await;
    health.expect_status(200, "GET /healthz");
    assert_eq!(health.text(), "ok");
    let ready = app.get("/readyz").await;
    ready.expect_status(200, "GET /readyz");
    assert_eq!(ready.text(), "ready");
    let css = app.get("/static/tagdesk.css").await;
    css.expect_status(200, "stylesheet");
    assert!(css.header("content-type").is_some_and(|t| t.starts_with("text/css")));
    app.get("/favicon.ico").await.expect_status(200, "favicon");
}

async fn readiness_fails_without_the_database(app: &TestApp) {
    app.app.store.close().await;
    let ready = app.get("/readyz").await;
    ready.expect_status(503, "GET /readyz with the database gone");
    assert!(!ready.text().contains("pool"), "no driver details: {}", ready.text());
    app.get("/healthz").await.expect_status(200, "liveness does not need the database");
}

#[track_caller]
fn assert_security_headers(response: &Response, what: &str) {
    let csp = response.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(name))
            .unwrap_or_else(|| panic!("{what}: no {name} in {csp}"))
    };
    let script = directive("script-src");
    assert!(!script.contains("'unsafe-inline'") && !script.contains("'unsafe-eval'"), "{what}: {script}");
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'", "{what}");
    assert_eq!(directive("default-src"), "default-src 'self'", "{what}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert!(response.header("referrer-policy").is_some(), "{what}: Referrer-Policy");
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(response.header("x-request-id").is_some_and(|id| !id.is_empty()), "{what}: request id");
}

async fn every_response_carries_the_security_headers(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, key) = acme.api_key("probe").await;
    assert_security_headers(&app.get("/login").await, "sign-in page");
    assert_security_headers(&app.get("/nowhere").await, "404 page");
    assert_security_headers(&app.get("/healthz").await, "probe");
    assert_security_headers(&app.api(&key).get("/api/v1/deployments").await, "API");
    assert_security_headers(&app.api_anonymous().get("/api/v1/deployments").await, "API 401");
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    assert_security_headers(&browser.get("/deployments").await, "signed-in page");
    assert_security_headers(&browser.post_form_without_csrf("/deployments", &[]).await, "CSRF failure");
    assert_eq!(app.get("/login").await.header("referrer-policy"), Some("no-referrer"));
}

async fn unknown_urls_are_404_pages(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let response = app.get("/no/such/page").await;
    response.expect_status(404, "unknown URL signed out");
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert_eq!(response.html().text_of("h1").as_deref(), Some("Not found"));

    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    browser.get("/no/such/page").await.expect_status(404, "unknown URL signed in");
    let api = app.api_anonymous().get("/api/v1/nothing-here").await;
    api.expect_status(404, "unknown API URL");
}

async fn oversized_bodies_are_refused_with_413(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, key) = acme.api_key("big").await;
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    let big = "x".repeat(3 * 1024 * 1024);

    // A page form, with the token first so only the size can be the problem.
    let response = browser.post_form("/deployments", &[("name", &big), ("timezone", "Europe/Berlin")]).await;
    response.expect_status(413, "3 MB form");

    // The same without Content-Length (chunked): the limit holds while reading.
    let body = serde_urlencoded::to_string([("_csrf", browser.csrf().as_str()), ("name", big.as_str())]).expect("form");
    let mut req = request(
        Method::POST,
        "/deployments",
        &[("content-type", "application/x-www-form-urlencoded".to_owned())],
        body.into_bytes(),
    );
    req.headers_mut().remove("content-length");
    req.headers_mut().insert(
        "cookie",
        format!("tagdesk_session={}", browser.session_cookie().expect("session")).parse().expect("header"),
    );
    app.send(req).await.expect_status(413, "3 MB form without Content-Length");

    // The API.
    let response = app.api(&key).post_json("/api/v1/deployments", &json!({ "name": big, "timezone": "UTC" })).await;
    response.expect_status(413, "3 MB JSON");
    let mut req = request(
        Method::POST,
        "/api/v1/deployments",
        &[("authorization", format!("Bearer {key}")), ("content-type", "application/json".to_owned())],
        serde_json::to_vec(&json!({ "name": big, "timezone": "UTC" })).expect("json"),
    );
    req.headers_mut().remove("content-length");
    let response = app.send(req).await;
    response.expect_status(413, "3 MB JSON without Content-Length");
    assert_eq!(response.json()["code"], 413);

    // A CSV upload.
    let page = browser.get("/devices/import").await;
    page.expect_status(200, "import page");
    let deployment = acme.deployment("North").await;
    let response = browser
        .post_multipart(
            "/devices/import",
            &[("deployment_id", &deployment.to_string())],
            ("file", "big.csv", big.as_bytes()),
        )
        .await;
    response.expect_status(413, "3 MB upload");

    // Nothing was created by any of them.
    let list = app.api(&key).get("/api/v1/deployments").await.json();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
}

/// A browser sends `Content-Length` with every form, so the body limit is usually hit before any handler
/// runs; the answer must still be the HTML error page for pages and the JSON error body for the API.
async fn oversized_bodies_are_explained_like_other_errors(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, key) = acme.api_key("big").await;
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    let big = "x".repeat(3 * 1024 * 1024);

    let response = browser.post_form("/deployments", &[("name", &big), ("timezone", "Europe/Berlin")]).await;
    response.expect_status(413, "3 MB form");
    assert!(
        response.header("content-type").is_some_and(|t| t.starts_with("text/html")),
        "a page form gets the HTML error page, not {:?}: {}",
        response.header("content-type"),
        response.text()
    );
    assert!(response.html().text().contains("larger than this server accepts"), "explained");

    let response = app.api(&key).post_json("/api/v1/deployments", &json!({ "name": big, "timezone": "UTC" })).await;
    response.expect_status(413, "3 MB JSON");
    assert!(
        response.header("content-type").is_some_and(|t| t.starts_with("application/json")),
        "the API answers its JSON error body, not {:?}: {}",
        response.header("content-type"),
        response.text()
    );
    assert_eq!(response.json()["code"], 413);
}

async fn the_api_reference_is_served(app: &TestApp) {
    let doc = app.get("/api/openapi.json").await;
    doc.expect_status(200, "GET /api/openapi.json");
    let doc = doc.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    assert!(doc["paths"]["/api/v1/deployments"].is_object(), "paths are under /api/v1");
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");

    let mut response = app.get("/api/docs").await;
    if response.status.is_redirection() {
        let target = response.location().to_owned();
        assert!(target.ends_with("/api/docs/"), "redirects to the docs index: {target}");
        response = app.get("/api/docs/").await;
    }
    response.expect_status(200, "GET /api/docs");
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    assert!(response.text().to_lowercase().contains("swagger"), "the reference UI");
    // The strict CSP allows only scripts from files: the page must not rely on inline script.
    let page = response.html();
    let inline = page.0.select(&scraper::Selector::parse("script:not([src])").expect("selector")).count();
    assert_eq!(inline, 0, "inline scripts would be blocked by the CSP");
    assert_security_headers(&response, "API reference");
    let init = app.get("/api/docs/swagger-initializer.js").await;
    init.expect_status(200, "the reference's script");
    assert!(init.text().contains("/api/openapi.json"), "points at the served document");
}
