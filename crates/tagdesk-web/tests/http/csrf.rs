//! CSRF: every state-changing back-office request must echo its own session's token.

use axum::http::Method;

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(state_changing_posts_need_the_sessions_token, uploads_carry_the_token_in_the_query);

async fn state_changing_posts_need_the_sessions_token(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    let other = app.sign_in(&acme.admin_email, PASSWORD).await;
    let form = [("name", "North"), ("timezone", "Europe/Berlin"), ("language", "en")];

    let response = browser.post_form_without_csrf("/deployments", &form).await;
    response.expect_status(403, "no token");
    assert_eq!(response.html().text_of("h1").as_deref(), Some("This form has expired"));

    let mut with_wrong = vec![("_csrf", "0".repeat(64))];
    with_wrong.extend(form.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let wrong: Vec<(&str, &str)> = with_wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post_form_raw("/deployments", &wrong).await.expect_status(403, "wrong token");

    let foreign_token = other.csrf();
    let mut with_foreign: Vec<(&str, &str)> = vec![("_csrf", &foreign_token)];
    with_foreign.extend_from_slice(&form);
    browser.post_form_raw("/deployments", &with_foreign).await.expect_status(403, "another session's token");
    let mut empty: Vec<(&str, &str)> = vec![("_csrf", "")];
    empty.extend_from_slice(&form);
    browser.post_form_raw("/deployments", &empty).await.expect_status(403, "empty token");

    // Without any session at all (a cross-site post from a fresh browser).
    let stranger = app.browser();
    stranger.post_form_without_csrf("/deployments", &form).await.expect_status(403, "no session");
    stranger
        .post_form_without_csrf("/login", &[("email", &acme.admin_email), ("password", PASSWORD)])
        .await
        .expect_status(403, "sign-in without a token (login CSRF)");
    browser.post_form_without_csrf("/logout", &[]).await.expect_status(403, "sign-out without a token");

    // Nothing of the above changed anything.
    let list = browser.get("/deployments").await;
    assert!(!list.html().text().contains("North"), "no deployment was created");
    assert!(!acme.audit_actions().await.iter().any(|a| a == "deployment.created"));

    // The header works like the form field (for scripts), and the right token in the form works.
    let response = browser
        .send(
            Method::POST,
            "/deployments",
            vec![("content-type", "application/x-www-form-urlencoded".to_owned()), ("x-csrf-token", browser.csrf())],
            serde_urlencoded::to_string(form).expect("form").into_bytes(),
        )
        .await;
    response.expect_status(303, "token in X-CSRF-Token");
    browser
        .post_form("/deployments", &[("name", "South"), ("timezone", "Europe/Berlin")])
        .await
        .expect_status(303, "token in the form");
}

async fn uploads_carry_the_token_in_the_query(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    let page = browser.get("/devices/import").await.html();
    let action = page.attr("form[enctype=\"multipart/form-data\"]", "action").expect("upload form");
    assert!(action.starts_with("/devices/import?_csrf="), "{action}");

    let csv = b"name,serial_number\nRobot 1,SN-1\n";
    let (body, content_type) =
        crate::support::multipart(&[("deployment_id", &north.to_string())], ("file", "devices.csv", csv));
    let response =
        browser.send(Method::POST, "/devices/import", vec![("content-type", content_type.clone())], body.clone()).await;
    response.expect_status(403, "upload without token");
    let response =
        browser.send(Method::POST, "/devices/import?_csrf=nope", vec![("content-type", content_type)], body).await;
    response.expect_status(403, "upload with a wrong token");
    let list = browser.get(&format!("/devices?deployment={north}")).await;
    assert!(!list.html().text().contains("Robot 1"), "nothing imported");

    browser
        .post_multipart("/devices/import", &[("deployment_id", &north.to_string())], ("file", "devices.csv", csv))
        .await
        .expect_status(303, "upload with the token");
}
