//! Case template pages: the field editor without JavaScript, field-level errors on the right row,
//! deactivation, and what members see.

use tagdesk_domain::{CaseTemplateId, DeploymentRole};

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(
    an_admin_builds_a_template_with_custom_fields,
    invalid_templates_come_back_with_errors_on_the_right_row,
    templates_can_be_deactivated_and_members_only_read_them,
);

async fn an_admin_builds_a_template_with_custom_fields(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let form = admin.get("/templates/new").await;
    form.expect_status(200, "new template form");
    let form = form.html();
    assert!(form.has("input[name=\"fields.0.label\"]") && form.has("input[name=\"fields.1.label\"]"), "two blank rows");

    let response = admin
        .post_form(
            "/templates",
            &[
                ("name", "Broken screen"),
                ("title", "Screen broken"),
                ("case_type", "damage"),
                ("description", "What happened?"),
                ("solution_suggestion", "Replace the panel."),
                ("fields.0.label", "Which part?"),
                ("fields.0.kind", "single_choice"),
                ("fields.0.options", "Glass\r\nFrame\r\n"),
                ("fields.0.required", "true"),
                ("fields.0.position", "1"),
                ("fields.1.label", ""),
                ("fields.1.kind", "short_text"),
                ("fields.1.position", "2"),
                ("action", "save"),
            ],
        )
        .await;
    response.expect_status(303, "create template");
    let url = response.location().to_owned();
    let page = admin.get(&url).await;
    page.expect_status(200, "template page");
    let page = page.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Broken screen"));
    let text = page.text();
    for shown in ["Which part?", "Glass", "Frame", "Replace the panel.", "Active"] {
        assert!(text.contains(shown), "{shown} shown: {text}");
    }

    let edit = admin.get(&format!("{url}/edit")).await;
    edit.expect_status(200, "edit form");
    let edit = edit.html();
    let key = edit.field_value("fields.0.key").expect("existing field row");
    assert!(!key.is_empty(), "the existing field keeps its key");
    assert_eq!(edit.field_value("fields.0.options").as_deref(), Some("Glass\nFrame"));
    assert!(edit.has("input[name=\"fields.0.remove\"]"), "existing fields can be removed");

    // "Save and add more fields" saves, then offers more blank rows.
    let response = admin
        .post_form(
            &url,
            &[
                ("name", "Broken screen"),
                ("case_type", "damage"),
                ("fields.0.key", &key),
                ("fields.0.label", "Which part is broken?"),
                ("fields.0.kind", "single_choice"),
                ("fields.0.options", "Glass\nFrame"),
                ("fields.1.label", "Error code"),
                ("fields.1.kind", "short_text"),
                ("action", "more"),
            ],
        )
        .await;
    response.expect_status(303, "save and add more");
    assert!(response.location().starts_with(&format!("{url}/edit?blank=")), "{}", response.location());
    let edit = admin.get(response.location()).await.html();
    assert_eq!(edit.field_value("fields.0.label").as_deref(), Some("Which part is broken?"));
    assert_eq!(edit.field_value("fields.1.label").as_deref(), Some("Error code"));
    assert!(edit.has("input[name=\"fields.3.label\"]"), "blank rows added");

    // The API shows the same template.
    let (_, key) = acme.api_key("read").await;
    let id = url.trim_start_matches("/templates/");
    let json = app.api(&key).get(&format!("/api/v1/templates/{id}")).await.json();
    assert_eq!(json["fields"].as_array().map(Vec::len), Some(2), "{json}");
    let actions = acme.audit_actions().await;
    assert!(actions.iter().any(|a| a == "template.created") && actions.iter().any(|a| a == "template.updated"));
}

async fn invalid_templates_come_back_with_errors_on_the_right_row(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    acme.template("Taken").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    let response = admin
        .post_form(
            "/templates",
            &[
                ("name", "Leak"),
                ("case_type", "anomaly"),
                ("fields.0.label", ""),
                ("fields.0.kind", "short_text"),
                ("fields.1.label", "Where?"),
                ("fields.1.kind", "single_choice"),
                ("fields.1.options", "\n  \n"),
                ("fields.2.label", "How much?"),
                ("fields.2.kind", "number"),
                ("fields.2.position", "first"),
            ],
        )
        .await;
    response.expect_status(422, "a choice field without options, a bad position");
    let page = response.html();
    assert_eq!(page.field_error("fields.2.position").as_deref(), Some("Enter a whole number, like 3."));
    assert_eq!(page.field_value("name").as_deref(), Some("Leak"), "refilled");
    assert_eq!(page.field_value("fields.1.label").as_deref(), Some("Where?"), "rows refilled");

    let response = admin
        .post_form(
            "/templates",
            &[
                ("name", "Leak"),
                ("case_type", "anomaly"),
                ("fields.0.label", ""),
                ("fields.0.kind", "short_text"),
                ("fields.1.label", "Where?"),
                ("fields.1.kind", "single_choice"),
                ("fields.1.options", "\n  \n"),
                ("fields.2.label", "How much?"),
                ("fields.2.kind", "number"),
            ],
        )
        .await;
    response.expect_status(422, "a choice field without options");
    let page = response.html();
    assert_eq!(
        page.field_error("fields.1.options").as_deref(),
        Some("A choice field needs at least one option (one per line)."),
        "the error sits at the row the admin filled in, not at the draft's index"
    );
    assert!(page.field_error("fields.0.options").is_none());
    assert!(page.has(".error-summary a[href=\"#f-fields.1.options\"]"));

    let response = admin
        .post_form("/templates", &[("name", "taken"), ("case_type", "volcano"), ("title", &"t".repeat(201))])
        .await;
    response.expect_status(422, "duplicate name, unknown type, long title");
    let page = response.html();
    assert!(page.field_error("case_type").is_some(), "unknown type");
    assert_eq!(page.field_error("title").as_deref(), Some("Use at most 200 characters."));
    let response = admin.post_form("/templates", &[("name", "taken"), ("case_type", "other")]).await;
    response.expect_status(422, "duplicate name");
    assert_eq!(response.html().field_error("name").as_deref(), Some("A template with this name already exists."));

    let list = admin.get("/templates").await.html().text();
    assert!(!list.contains("Leak"), "nothing invalid was saved");
}

async fn templates_can_be_deactivated_and_members_only_read_them(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let template = acme.template("Broken").await;
    let (_, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let url = format!("/templates/{template}");

    let response = admin.post_form(&format!("{url}/deactivate"), &[]).await;
    response.expect_status(303, "deactivate");
    let page = admin.get(&url).await.html();
    assert!(page.text().contains("Inactive"), "{}", page.text());
    assert!(page.has(&format!("form[action=\"{url}/activate\"]")), "can be activated again");
    assert!(admin.get("/templates").await.html().text().contains("Broken"), "inactive ones stay listed");
    admin.post_form(&format!("{url}/activate"), &[]).await.expect_status(303, "activate");
    assert!(admin.get(&url).await.html().text().contains("Active"));

    let member = app.sign_in(&tech, PASSWORD).await;
    let page = member.get(&url).await;
    page.expect_status(200, "members read templates");
    let page = page.html();
    assert!(
        !page.has(&format!("a[href=\"{url}/edit\"]")) && !page.has("form[action$=\"/deactivate\"]"),
        "no admin actions"
    );
    assert!(!member.get("/templates").await.html().has("a[href=\"/templates/new\"]"));

    for id in [CaseTemplateId::new().to_string(), "nope".to_owned()] {
        admin.get(&format!("/templates/{id}")).await.expect_status(404, "unknown template");
        admin.get(&format!("/templates/{id}/edit")).await.expect_status(404, "unknown template edit");
        admin
            .post_form(&format!("/templates/{id}"), &[("name", "X"), ("case_type", "other")])
            .await
            .expect_status(404, "update");
        admin.post_form(&format!("/templates/{id}/deactivate"), &[]).await.expect_status(404, "deactivate");
    }
}
