//! Signing in and out: wrong passwords, throttling, session rotation, logout, deactivation, password
//! resets, the return path after sign-in and the first-run setup page.

use tagdesk_app::auth;

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(
    wrong_password_is_refused_with_a_message,
    sign_in_is_throttled_per_client_but_never_locks_an_account,
    signing_in_rotates_the_session,
    signing_out_ends_the_session,
    deactivating_a_user_ends_their_session,
    a_new_password_signs_the_user_out,
    signed_out_visitors_are_sent_to_sign_in_and_back,
    first_run_setup_creates_the_workspace,
);

async fn wrong_password_is_refused_with_a_message(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let browser = app.browser();
    let login = browser.get("/login").await;
    login.expect_status(200, "GET /login");
    let page = login.html();
    assert!(page.has("form[action=\"/login\"] input[name=\"_csrf\"]"), "the form carries a CSRF token");
    assert!(browser.session_cookie().is_none(), "a signed-out visitor gets no session (no database row)");
    assert!(login.set_cookie("tagdesk_csrf").is_some(), "but a CSRF cookie that vouches for the form's token");

    for (email, what) in [(acme.admin_email.as_str(), "wrong password"), ("nobody@acme.test", "unknown email")] {
        let response = browser.post_form("/login", &[("email", email), ("password", "not the password")]).await;
        response.expect_status(401, what);
        let page = response.html();
        assert_eq!(
            page.text_of(".error-summary p").as_deref(),
            Some("The email or password is not right."),
            "{what}: same message either way"
        );
        assert_eq!(page.field_value("email").as_deref(), Some(email), "{what}: email kept");
        assert_eq!(page.field_value("password").as_deref(), Some(""), "{what}: password never echoed");
        assert!(page.title().starts_with("Error:"), "{what}: title marks the error");
    }

    // The session cookie is HttpOnly and SameSite=Lax.
    let response = app.browser().get("/login").await;
    let cookie = response.header("set-cookie").expect("session cookie set").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
}

async fn sign_in_is_throttled_per_client_but_never_locks_an_account(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (_, member) = acme.member("tech", &[]).await;
    // A stopped clock: the 15-minute windows must not roll over in the middle of the test.
    let app = &crate::support::with_stopped_clock(app);
    let browser = app.browser();
    browser.get("/login").await;
    for attempt in 1..=10 {
        let response = browser.post_form("/login", &[("email", &acme.admin_email), ("password", "guess")]).await;
        response.expect_status(401, &format!("failed attempt {attempt}"));
    }
    // Past the account's limit attempts are slowed down, never refused: the right password signs in.
    let response = browser.post_form("/login", &[("email", &acme.admin_email), ("password", PASSWORD)]).await;
    response.expect_status(303, "11th attempt with the right password");
    // The client itself has a limit of 30 attempts per window (the successful one was given back).
    let other = app.browser();
    other.get("/login").await;
    for attempt in 1..=30 {
        let response = other.post_form("/login", &[("email", &member), ("password", "guess")]).await;
        if response.status.as_u16() == 429 {
            assert!(attempt > 20, "refused too early, at attempt {attempt}");
            assert!(
                response.html().text_of(".error-summary p").is_some_and(|m| m.starts_with("Too many failed attempts")),
                "explains the limit: {}",
                response.text()
            );
            assert!(response.header("retry-after").is_some());
            return;
        }
    }
    panic!("the client was never refused");
}

async fn signing_in_rotates_the_session(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let browser = app.browser();
    // An attacker plants a session id before sign-in (fixation): it is not what sign-in issues.
    let planted = "ab".repeat(32);
    browser.set_session_cookie(&planted);
    browser.get("/login").await;
    let anonymous_csrf = browser.csrf();
    let response = browser.post_form("/login", &[("email", &acme.admin_email), ("password", PASSWORD)]).await;
    response.expect_status(303, "sign in");
    assert_eq!(response.location(), "/cases");
    let signed_in = browser.session_cookie().expect("session after sign-in");
    assert_ne!(signed_in, planted, "sign-in issues a new session id");
    assert!(response.header("set-cookie").is_some_and(|c| c.contains("HttpOnly")));

    browser.get("/deployments").await.expect_status(200, "the new session works");
    assert_ne!(browser.csrf(), anonymous_csrf, "and has its own CSRF token");

    // The planted id signs nobody in, and the signed-out form token does not pass for the session.
    let attacker = app.browser();
    attacker.set_session_cookie(&planted);
    let response = attacker.get("/deployments").await;
    response.expect_status(303, "planted session cookie");
    assert!(response.location().starts_with("/login"));
    let response = browser.post_form_raw("/deployments", &[("_csrf", &anonymous_csrf), ("name", "X")]).await;
    response.expect_status(403, "the signed-out token with the signed-in session");
}

async fn signing_out_ends_the_session(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let browser = app.sign_in(&acme.admin_email, PASSWORD).await;
    let cookie = browser.session_cookie().expect("session");
    let response = browser.post_form("/logout", &[]).await;
    response.expect_status(303, "sign out");
    assert_eq!(response.location(), "/login");
    assert_eq!(response.set_cookie("tagdesk_session").as_deref(), Some(""), "the cookie is cleared");
    assert!(browser.session_cookie().is_none());

    let replay = app.browser();
    replay.set_session_cookie(&cookie);
    let response = replay.get("/deployments").await;
    response.expect_status(303, "replayed cookie after sign-out");
    assert!(response.location().starts_with("/login"));
}

async fn deactivating_a_user_ends_their_session(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (member_id, member) = acme.member("tech", &[]).await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let tech = app.sign_in(&member, PASSWORD).await;
    tech.get("/deployments").await.expect_status(200, "member signed in");

    let response = admin
        .post_form(&format!("/users/{member_id}"), &[("display_name", "Tech"), ("workspace_role", "member")])
        .await;
    response.expect_status(303, "deactivate (the unticked checkbox sends nothing)");

    let response = tech.get("/deployments").await;
    response.expect_status(303, "deactivated user's old session");
    assert!(response.location().starts_with("/login"));
    let again = app.browser();
    again.get("/login").await;
    again.post_form("/login", &[("email", &member), ("password", PASSWORD)]).await.expect_status(401, "sign in");
}

async fn a_new_password_signs_the_user_out(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let (member_id, member) = acme.member("tech", &[]).await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let tech = app.sign_in(&member, PASSWORD).await;

    let response = admin.post_form(&format!("/users/{member_id}/password"), &[("password", "short")]).await;
    response.expect_status(422, "too short a password");
    assert_eq!(response.html().field_error("password").as_deref(), Some("Use at least 10 characters."));
    tech.get("/deployments").await.expect_status(200, "nothing changed yet");

    let new_password = "a much longer secret";
    let response = admin.post_form(&format!("/users/{member_id}/password"), &[("password", new_password)]).await;
    response.expect_status(303, "set password");
    tech.get("/deployments").await.expect_status(303, "the member's session ended");

    let browser = app.browser();
    browser.get("/login").await;
    browser.post_form("/login", &[("email", &member), ("password", PASSWORD)]).await.expect_status(401, "old one");
    app.sign_in(&member, new_password).await;
}

async fn signed_out_visitors_are_sent_to_sign_in_and_back(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let response = app.get("/devices?tag=robot").await;
    response.expect_status(303, "a page without a session");
    assert_eq!(response.location(), "/login?next=%2Fdevices%3Ftag%3Drobot");
    let response = app.get("/").await;
    response.expect_status(303, "home signed out");
    assert_eq!(response.location(), "/login");

    let browser = app.browser();
    let page = browser.get("/login?next=%2Fdevices%3Ftag%3Drobot").await.html();
    assert_eq!(page.field_value("next").as_deref(), Some("/devices?tag=robot"));
    let response = browser
        .post_form("/login", &[("email", &acme.admin_email), ("password", PASSWORD), ("next", "/devices?tag=robot")])
        .await;
    response.expect_status(303, "sign in with next");
    assert_eq!(response.location(), "/devices?tag=robot");
    assert_eq!(browser.get("/").await.location(), "/cases", "home signed in");
    let response = browser.get("/login").await;
    response.expect_status(303, "sign-in page when signed in");

    // Only local paths are followed.
    let other = app.browser();
    other.get("/login").await;
    let response = other
        .post_form("/login", &[("email", &acme.admin_email), ("password", PASSWORD), ("next", "//evil.example/")])
        .await;
    assert_eq!(response.location(), "/cases", "no open redirect");
}

async fn first_run_setup_creates_the_workspace(app: &TestApp) {
    let token = auth::issue_setup_token(&app.app).await.expect("issue token").expect("no users yet");
    app.get("/setup?token=wrong").await.expect_status(404, "wrong setup token");
    app.get("/setup").await.expect_status(404, "no setup token");

    let browser = app.browser();
    browser.get(&format!("/setup?token={token}")).await.expect_status(200, "setup page");
    let response = browser
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("workspace_name", "Acme Service"),
                ("display_name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    response.expect_status(422, "invalid setup");
    let page = response.html();
    assert_eq!(page.field_value("workspace_name").as_deref(), Some("Acme Service"), "refilled");
    assert_eq!(page.field_value("password").as_deref(), Some(""), "password not echoed");
    assert!(page.field_error("display_name").is_some(), "display_name error");
    assert!(page.field_error("email").is_some(), "email error");
    assert_eq!(page.field_error("password").as_deref(), Some("Use at least 10 characters."));

    let response = browser
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("workspace_name", "Acme Service"),
                ("display_name", "Ana Admin"),
                ("email", "ana@acme.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    response.expect_status(303, "setup");
    assert_eq!(response.location(), "/deployments");
    let page = browser.get("/deployments").await;
    page.expect_status(200, "signed in after setup");
    assert!(page.html().text().contains("Acme Service"), "the workspace name is shown");
    app.get(&format!("/setup?token={token}")).await.expect_status(404, "the token is used up");
    app.sign_in("ana@acme.test", PASSWORD).await;
}
