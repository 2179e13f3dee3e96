//! Deployment pages: list, create, detail, edit and delete, with field-level errors and unknown ids.

use tagdesk_domain::DeploymentRole;

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(
    an_admin_creates_edits_and_deletes_a_deployment,
    invalid_deployment_forms_come_back_with_field_errors,
    unknown_deployment_ids_are_404,
    a_deployment_with_devices_cannot_be_deleted,
    members_see_only_their_deployments,
    text_people_type_is_escaped,
);

async fn an_admin_creates_edits_and_deletes_a_deployment(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    let list = admin.get("/deployments").await;
    list.expect_status(200, "empty list");
    let list = list.html();
    assert!(list.text().contains("No deployments yet."));
    assert!(list.has("a[href=\"/deployments/new\"]"), "admins may create");

    let form = admin.get("/deployments/new").await;
    form.expect_status(200, "new form");
    let form = form.html();
    assert_eq!(form.field_value("timezone").as_deref(), Some("Europe/Berlin"), "default timezone");
    assert_eq!(form.field_value("language").as_deref(), Some("en"));

    let response = admin
        .post_form(
            "/deployments",
            &[
                ("name", "Warehouse North"),
                ("address", "Hafenstraße 1\nHamburg"),
                ("timezone", "Europe/Berlin"),
                ("language", "de"),
                ("default_assignee_id", &acme.admin_id.to_string()),
                ("notification_emails", "ops@acme.test\nlead@acme.test"),
            ],
        )
        .await;
    response.expect_status(303, "create");
    let url = response.location().to_owned();
    assert!(url.starts_with("/deployments/"), "{url}");

    let show = admin.get(&url).await;
    show.expect_status(200, "detail");
    let page = show.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Warehouse North"));
    assert_eq!(page.text_of(".flash").as_deref(), Some("Deployment created."));
    let text = page.text();
    assert!(text.contains("ops@acme.test, lead@acme.test"), "{text}");
    assert!(text.contains("Acme Admin"), "default assignee shown");
    assert!(page.has(&format!("a[href=\"{url}/edit\"]")) && page.has(&format!("a[href=\"{url}/delete\"]")));
    let again = admin.get(&url).await.html();
    assert!(!again.has(".flash"), "the notice shows once");

    let edit = admin.get(&format!("{url}/edit")).await;
    edit.expect_status(200, "edit form");
    let edit = edit.html();
    assert_eq!(edit.field_value("name").as_deref(), Some("Warehouse North"));
    assert_eq!(edit.field_value("language").as_deref(), Some("de"));
    assert_eq!(edit.field_value("notification_emails").as_deref(), Some("ops@acme.test\nlead@acme.test"));

    let response = admin
        .post_form(&url, &[("name", "Warehouse South"), ("timezone", "America/New_York"), ("language", "en")])
        .await;
    response.expect_status(303, "update");
    assert_eq!(response.location(), url);
    let page = admin.get(&url).await.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Warehouse South"));
    assert!(page.text().contains("America/New_York"));
    assert!(admin.get("/deployments").await.html().text().contains("Warehouse South"), "listed");

    let confirm = admin.get(&format!("{url}/delete")).await;
    confirm.expect_status(200, "confirm delete");
    assert!(confirm.html().has(&format!("form[action=\"{url}/delete\"]")));
    let response = admin.post_form(&format!("{url}/delete"), &[]).await;
    response.expect_status(303, "delete");
    assert_eq!(response.location(), "/deployments");
    admin.get(&url).await.expect_status(404, "deleted deployment");

    let actions = acme.audit_actions().await;
    for action in ["deployment.created", "deployment.updated", "deployment.deleted"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
}

async fn invalid_deployment_forms_come_back_with_field_errors(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    acme.deployment("Taken").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    let response = admin
        .post_form(
            "/deployments",
            &[
                ("name", "  "),
                ("address", "Somewhere 5"),
                ("timezone", "Mars/Olympus"),
                ("language", "en"),
                ("notification_emails", "ops@acme.test\nnot an email"),
                ("default_assignee_id", "nobody"),
            ],
        )
        .await;
    response.expect_status(422, "invalid deployment");
    let page = response.html();
    assert!(page.title().starts_with("Error: "), "{}", page.title());
    assert!(page.has(".error-summary a[href=\"#f-name\"]"), "the summary links to the field");
    assert_eq!(page.field_error("name").as_deref(), Some("This field is required."));
    assert!(page.field_error("timezone").is_some(), "timezone error");
    assert!(page.field_error("notification_emails").is_some_and(|m| !m.is_empty()), "malformed email");
    assert!(page.field_error("default_assignee_id").is_some(), "unknown assignee");
    assert!(page.field_error("language").is_none(), "no error on a valid field");
    assert_eq!(page.field_value("address").as_deref(), Some("Somewhere 5"), "refilled");
    assert_eq!(page.field_value("notification_emails").as_deref(), Some("ops@acme.test\nnot an email"));
    assert_eq!(page.attr("#f-name", "aria-invalid").as_deref(), Some("true"));

    let response = admin.post_form("/deployments", &[("name", "taken"), ("timezone", "UTC")]).await;
    response.expect_status(422, "a name taken, ignoring case");
    assert_eq!(response.html().field_error("name").as_deref(), Some("Another deployment already has this name."));
    assert_eq!(response.html().field_value("name").as_deref(), Some("taken"));
    let names = admin.get("/deployments").await.html().text();
    assert!(!names.contains("Somewhere 5"), "nothing invalid was saved");
}

async fn unknown_deployment_ids_are_404(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let unknown = tagdesk_domain::DeploymentId::new();
    for id in [unknown.to_string(), "not-an-id".to_owned()] {
        for path in
            [format!("/deployments/{id}"), format!("/deployments/{id}/edit"), format!("/deployments/{id}/delete")]
        {
            admin.get(&path).await.expect_status(404, &format!("GET {path}"));
        }
        admin
            .post_form(&format!("/deployments/{id}"), &[("name", "X"), ("timezone", "UTC")])
            .await
            .expect_status(404, "POST update");
        admin.post_form(&format!("/deployments/{id}/delete"), &[]).await.expect_status(404, "POST delete");
    }
}

async fn a_deployment_with_devices_cannot_be_deleted(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    acme.device(north, "Robot 1", "").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let response = admin.post_form(&format!("/deployments/{north}/delete"), &[]).await;
    response.expect_status(409, "delete with devices");
    assert!(response.html().text().contains("still has 1 device(s)"), "{}", response.html().text());
    admin.get(&format!("/deployments/{north}")).await.expect_status(200, "still there");
}

async fn members_see_only_their_deployments(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let (_, viewer) = acme.member("viewer", &[(north, DeploymentRole::Viewer)]).await;
    let browser = app.sign_in(&viewer, PASSWORD).await;
    let list = browser.get("/deployments").await.html();
    let text = list.text();
    assert!(text.contains("North") && !text.contains("South"), "{text}");
    assert!(!list.has("a[href=\"/deployments/new\"]"), "members cannot create");
    let show = browser.get(&format!("/deployments/{north}")).await.html();
    assert!(!show.has(&format!("a[href=\"/deployments/{north}/edit\"]")), "viewers get no edit link");
    browser.get(&format!("/deployments/{south}")).await.expect_status(404, "outside the member's sight");
    assert!(!list.has("a[href=\"/users\"]"), "no admin navigation for members");
}

async fn text_people_type_is_escaped(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let name = "<script>alert(1)</script> & <b>Hall</b>";
    let response =
        admin.post_form("/deployments", &[("name", name), ("timezone", "UTC"), ("address", "\"><img src=x>")]).await;
    response.expect_status(303, "create");
    let page = admin.get(response.location()).await;
    let html = page.text();
    assert!(
        !html.contains("<script>alert(1)") && !html.contains("<b>Hall") && !html.contains("<img src=x>"),
        "raw HTML"
    );
    let page = page.html();
    assert_eq!(page.text_of("h1").as_deref(), Some(name), "shown as text");
    assert!(!page.has("main script") && !page.has("main img"), "no elements from user text");
}
