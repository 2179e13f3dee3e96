//! User pages: list, create, change, deployment roles and passwords (workspace admins only).

use tagdesk_domain::UserId;

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(
    an_admin_adds_a_member_and_gives_them_a_role,
    invalid_user_forms_come_back_with_field_errors,
    the_last_admin_stays_an_admin,
    unknown_and_foreign_user_ids_are_404,
);

async fn an_admin_adds_a_member_and_gives_them_a_role(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    admin.get("/users/new").await.expect_status(200, "new user form");
    let response = admin
        .post_form(
            "/users",
            &[
                ("display_name", "Tina Tech"),
                ("email", "Tina@Acme.test"),
                ("workspace_role", "member"),
                ("password", PASSWORD),
            ],
        )
        .await;
    response.expect_status(303, "create user");
    let url = response.location().to_owned();
    let page = admin.get(&url).await;
    page.expect_status(200, "user page");
    let page = page.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Tina Tech"));
    assert!(page.text_of(".flash").is_some_and(|f| f.starts_with("User created.")));
    assert!(page.has("select[name=\"role\"]"), "a role select per deployment");
    let list = admin.get("/users").await.html().text();
    assert!(list.contains("Tina Tech") && list.contains("Acme Admin"), "{list}");

    // Without a role the member sees no deployment.
    let tina = app.sign_in("tina@acme.test", PASSWORD).await;
    tina.get(&format!("/deployments/{north}")).await.expect_status(404, "before the role");

    let roles = format!("{url}/roles");
    let north_id = north.to_string();
    let response = admin.post_form(&roles, &[("deployment_id", &north_id), ("role", "technician")]).await;
    response.expect_status(303, "set role");
    let page = admin.get(&url).await.html();
    assert_eq!(page.field_value("role").as_deref(), Some("technician"), "the role is selected");
    assert!(admin.get("/users").await.html().text().contains("North: technician"));
    tina.get(&format!("/deployments/{north}")).await.expect_status(200, "with the role");

    admin.post_form(&roles, &[("deployment_id", &north_id), ("role", "overlord")]).await.expect_status(422, "bad role");
    admin
        .post_form(&roles, &[("deployment_id", "nope"), ("role", "viewer")])
        .await
        .expect_status(404, "bad deployment");

    admin.post_form(&roles, &[("deployment_id", &north_id), ("role", "")]).await.expect_status(303, "remove role");
    tina.get(&format!("/deployments/{north}")).await.expect_status(404, "after removing the role");

    // Renaming keeps the user active.
    let response =
        admin.post_form(&url, &[("display_name", "Tina T."), ("workspace_role", "member"), ("active", "true")]).await;
    response.expect_status(303, "rename");
    tina.get("/deployments").await.expect_status(200, "still signed in");

    let actions = acme.audit_actions().await;
    for action in ["user.created", "user.role_changed", "user.updated"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
}

async fn invalid_user_forms_come_back_with_field_errors(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    let response = admin
        .post_form(
            "/users",
            &[("display_name", "Max"), ("email", "max at acme"), ("workspace_role", "member"), ("password", "short")],
        )
        .await;
    response.expect_status(422, "malformed email and short password");
    let page = response.html();
    assert!(page.field_error("email").is_some_and(|m| !m.is_empty()), "email error");
    assert_eq!(page.field_error("password").as_deref(), Some("Use at least 10 characters."));
    assert_eq!(page.field_value("display_name").as_deref(), Some("Max"), "refilled");
    assert_eq!(page.field_value("email").as_deref(), Some("max at acme"), "refilled");
    assert_eq!(page.field_value("password").as_deref(), Some(""), "password not echoed");

    let response = admin
        .post_form(
            "/users",
            &[
                ("display_name", "Copy"),
                ("email", &acme.admin_email.to_uppercase()),
                ("workspace_role", "member"),
                ("password", PASSWORD),
            ],
        )
        .await;
    response.expect_status(422, "duplicate email");
    assert_eq!(response.html().field_error("email").as_deref(), Some("A user with this email already exists."));

    let response = admin
        .post_form(
            "/users",
            &[("display_name", ""), ("email", "x@acme.test"), ("workspace_role", "owner"), ("password", PASSWORD)],
        )
        .await;
    response.expect_status(422, "no name, unknown role");
    assert_eq!(response.html().field_error("display_name").as_deref(), Some("This field is required."));

    let response = admin
        .post_form(
            &format!("/users/{}", acme.admin_id),
            &[("display_name", " "), ("workspace_role", "admin"), ("active", "true")],
        )
        .await;
    response.expect_status(422, "blank name on update");
    assert_eq!(response.html().field_error("display_name").as_deref(), Some("This field is required."));
    let list = admin.get("/users").await.html().text();
    assert!(!list.contains("Copy") && !list.contains("max at acme"), "nothing invalid was saved");
}

async fn the_last_admin_stays_an_admin(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let me = format!("/users/{}", acme.admin_id);
    let response =
        admin.post_form(&me, &[("display_name", "Acme Admin"), ("workspace_role", "member"), ("active", "true")]).await;
    response.expect_status(409, "demote the last admin");
    assert!(response.html().text().contains("at least one active admin"));
    let response = admin.post_form(&me, &[("display_name", "Acme Admin"), ("workspace_role", "admin")]).await;
    response.expect_status(409, "deactivate the last admin");
    admin.get("/users").await.expect_status(200, "still an admin");
}

async fn unknown_and_foreign_user_ids_are_404(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let globex = app.workspace("Globex").await;
    let north = acme.deployment("North").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    for id in [UserId::new().to_string(), "nope".to_owned(), globex.admin_id.to_string()] {
        admin.get(&format!("/users/{id}")).await.expect_status(404, &format!("GET /users/{id}"));
        admin
            .post_form(&format!("/users/{id}"), &[("display_name", "X"), ("workspace_role", "member")])
            .await
            .expect_status(404, "update");
        admin
            .post_form(&format!("/users/{id}/roles"), &[("deployment_id", &north.to_string()), ("role", "viewer")])
            .await
            .expect_status(404, "roles");
        admin
            .post_form(&format!("/users/{id}/password"), &[("password", PASSWORD)])
            .await
            .expect_status(404, "password");
    }
    // Globex's admin was not touched.
    app.sign_in(&globex.admin_email, PASSWORD).await;
}
