//! Workspace administration pages: API keys (shown once, used as Bearer, last use, revocation) and the
//! audit log (admins only, own workspace only).

use tagdesk_domain::{ApiKeyId, DeploymentRole};

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(an_api_key_is_shown_once_works_and_can_be_revoked, the_audit_log_records_changes_for_admins_only);

async fn an_api_key_is_shown_once_works_and_can_be_revoked(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let page = admin.get("/api-keys").await;
    page.expect_status(200, "API keys page");
    assert!(page.html().text().contains("No API keys yet."));

    let response = admin.post_form("/api-keys", &[("name", "  ")]).await;
    response.expect_status(422, "blank name");
    assert_eq!(response.html().field_error("name").as_deref(), Some("This field is required."));

    let response = admin.post_form("/api-keys", &[("name", "ERP sync")]).await;
    response.expect_status(200, "create key");
    assert_eq!(response.header("cache-control"), Some("no-store"), "the page with the secret is not cached");
    let page = response.html();
    let secret = page.text_of(".flash code").expect("the new key is shown");
    assert!(secret.starts_with("tdk_") && secret.len() > 40, "{secret}");
    assert!(page.text().contains("not shown again"));
    let row = page.text_of("tbody tr").expect("listed");
    assert!(row.contains("ERP sync") && row.contains("Never"), "not used yet: {row}");

    let later = admin.get("/api-keys").await;
    assert!(!later.text().contains(&secret), "the secret is shown once only");
    assert!(later.text().contains(&secret[..12]), "its prefix stays visible");

    // It works as a bearer key, and its use is recorded.
    app.api(&secret).get("/api/v1/deployments").await.expect_status(200, "the new key");
    let row = admin.get("/api-keys").await.html().text_of("tbody tr").expect("listed");
    assert!(!row.contains("Never") && row.contains("UTC"), "last use shown: {row}");

    // Revoked, it stops working at once.
    let revoke = admin.get("/api-keys").await.html().attr("form[action$=\"/revoke\"]", "action").expect("revoke form");
    let response = admin.post_form(&revoke, &[]).await;
    response.expect_status(303, "revoke");
    assert_eq!(response.location(), "/api-keys");
    let response = app.api(&secret).get("/api/v1/deployments").await;
    response.expect_status(401, "revoked key");
    assert_eq!(response.json()["code"], 401);
    assert!(admin.get("/api-keys").await.html().text_of("tbody tr").is_some_and(|r| r.contains("Revoked")));

    admin.post_form(&format!("/api-keys/{}/revoke", ApiKeyId::new()), &[]).await.expect_status(404, "unknown key");
    admin.post_form("/api-keys/nope/revoke", &[]).await.expect_status(404, "malformed key id");
    app.api("tdk_not-a-key").get("/api/v1/deployments").await.expect_status(401, "unknown key");
    app.api_anonymous().get("/api/v1/deployments").await.expect_status(401, "no key");

    let actions = acme.audit_actions().await;
    assert!(actions.iter().any(|a| a == "api_key.created") && actions.iter().any(|a| a == "api_key.revoked"));
}

async fn the_audit_log_records_changes_for_admins_only(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let globex = app.workspace("Globex").await;
    let north = acme.deployment("North").await;
    let (member_id, member) = acme.member("lead", &[(north, DeploymentRole::Admin)]).await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    admin.post_form("/deployments", &[("name", "South"), ("timezone", "UTC")]).await.expect_status(303, "deployment");
    admin
        .post_form(&format!("/users/{member_id}/roles"), &[("deployment_id", &north.to_string()), ("role", "viewer")])
        .await
        .expect_status(303, "role");
    admin.post_form("/api-keys", &[("name", "Audit me")]).await.expect_status(200, "key");

    let audit = admin.get("/audit").await;
    audit.expect_status(200, "audit log");
    let page = audit.html();
    let actions = page.texts_of("tbody td code");
    for action in ["deployment.created", "user.created", "user.role_changed", "api_key.created"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    let text = page.text();
    assert!(text.contains("Acme Admin"), "who did it");
    assert!(!text.contains("tdk_"), "no secrets in the log");

    // Members, even deployment admins, do not see it; other workspaces see only their own.
    let lead = app.sign_in(&member, PASSWORD).await;
    lead.get("/audit").await.expect_status(404, "member");
    let other = app.sign_in(&globex.admin_email, PASSWORD).await;
    let theirs = other.get("/audit").await;
    theirs.expect_status(200, "other workspace's admin");
    assert!(!theirs.html().text().contains("South"), "no entries of another workspace");
}
