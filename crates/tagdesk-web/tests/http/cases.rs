//! Case pages: the new-case form with a template's fields, the detail page's actions (comments, status,
//! assignment, solution), the details form, the filtered list, field errors and unknown ids.

use tagdesk_domain::{CaseId, DeploymentRole};

use crate::support::{PASSWORD, TestApp, both_backends};

both_backends!(
    a_technician_files_a_case_from_a_template,
    a_case_is_worked_on_from_its_page,
    the_case_list_filters_and_explains_bad_filters,
    unknown_case_ids_are_404,
);

async fn a_technician_files_a_case_from_a_template(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let robot = acme.device(north, "Robot 7", "SN-7").await;
    let template = acme.template("Broken").await;
    let (_, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let browser = app.sign_in(&tech, PASSWORD).await;

    let form = browser.get(&format!("/cases/new?deployment={north}&device={robot}")).await;
    form.expect_status(200, "new case form");
    let form = form.html();
    assert_eq!(form.field_value("device_id").as_deref(), Some(robot.to_string().as_str()), "device preselected");

    // Step 1 without JavaScript: "Use template" shows its fields and pre-fills the title.
    let base =
        [("deployment_id", north.to_string()), ("device_id", robot.to_string()), ("template_id", template.to_string())];
    let mut fields: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fields.push(("action", "use_template"));
    let step = browser.post_form("/cases", &fields).await;
    step.expect_status(200, "use template");
    let step = step.html();
    assert_eq!(step.field_value("title").as_deref(), Some("Broken reported"), "pre-filled title");
    assert!(step.has("input[type=\"radio\"][name=\"field.f1\"][value=\"Screen\"]"), "the template's choice field");

    // Step 2: the required choice is missing and the reporter email is malformed.
    let mut create: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    create.extend([
        ("title", "Screen cracked"),
        ("description", "Front glass."),
        ("reporter_name", "Olga Operator"),
        ("reporter_email", "olga at example"),
        ("action", "create"),
    ]);
    let response = browser.post_form("/cases", &create).await;
    response.expect_status(422, "missing required field, malformed email");
    let page = response.html();
    assert!(page.field_error("field.f1").is_some_and(|m| !m.is_empty()), "error at the custom field");
    assert!(page.field_error("reporter_email").is_some_and(|m| !m.is_empty()), "error at the email");
    assert_eq!(page.field_value("title").as_deref(), Some("Screen cracked"), "refilled");
    assert_eq!(page.field_value("reporter_name").as_deref(), Some("Olga Operator"), "refilled");
    assert!(page.title().starts_with("Error: "));

    let response = browser.post_form("/cases", &[("deployment_id", &north.to_string()), ("choice", "x")]).await;
    response.expect_status(422, "no title");
    assert_eq!(response.html().field_error("title").as_deref(), Some("This field is required."));

    create.retain(|(k, _)| *k != "reporter_email");
    create.extend([("reporter_email", "olga@example.com"), ("field.f1", "Wheel")]);
    let response = browser.post_form("/cases", &create).await;
    response.expect_status(303, "create case");
    let url = response.location().to_owned();
    let page = browser.get(&url).await;
    page.expect_status(200, "case page");
    let page = page.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("#1 Screen cracked"));
    assert_eq!(page.text_of(".flash").as_deref(), Some("Case #1 created."));
    let text = page.text();
    for shown in
        ["Which part?", "Wheel", "Olga Operator", "olga@example.com", "Robot 7", "North", "Created in the back office"]
    {
        assert!(text.contains(shown), "{shown} shown: {text}");
    }
    let list = browser.get("/cases").await.html();
    assert_eq!(list.texts_of("tbody tr td:nth-child(2)"), vec!["Screen cracked"]);
}

async fn a_case_is_worked_on_from_its_page(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let (tech_id, tech) = acme.member("tech", &[(north, DeploymentRole::Technician)]).await;
    let (outsider_id, _) = acme.member("outsider", &[(south, DeploymentRole::Technician)]).await;
    let case = acme.case(north, None, "Noisy fan").await;
    let browser = app.sign_in(&tech, PASSWORD).await;
    let url = format!("/cases/{case}");

    let response = browser.post_form(&format!("{url}/comments"), &[("body", "  ")]).await;
    response.expect_status(422, "blank comment");
    assert!(response.html().field_error("body").is_some(), "error at the comment");
    let response =
        browser.post_form(&format!("{url}/comments"), &[("body", "Called the site."), ("public", "true")]).await;
    response.expect_status(303, "public comment");
    let page = browser.get(&url).await.html();
    assert_eq!(page.text_of(".flash").as_deref(), Some("Public comment added. The reporter can see it."));
    assert!(page.text().contains("Called the site."));

    let response = browser.post_form(&format!("{url}/assign"), &[("assignee_id", &outsider_id.to_string())]).await;
    response.expect_status(422, "assignee who cannot see the deployment");
    assert!(response.html().field_error("assignee_id").is_some());
    browser
        .post_form(&format!("{url}/assign"), &[("assignee_id", "garbage")])
        .await
        .expect_status(422, "malformed assignee");
    let response = browser.post_form(&format!("{url}/assign"), &[("assignee_id", &tech_id.to_string())]).await;
    response.expect_status(303, "assign to self");

    browser
        .post_form(&format!("{url}/solution"), &[("solution", "Cleaned the fan.")])
        .await
        .expect_status(303, "solution");
    browser.post_form(&format!("{url}/status"), &[("status", "resolved")]).await.expect_status(303, "resolve");
    browser.post_form(&format!("{url}/status"), &[("status", "archived")]).await.expect_status(303, "archive");
    let response = browser.post_form(&format!("{url}/status"), &[("status", "resolved")]).await;
    response.expect_status(409, "archived cases cannot be resolved");
    browser.post_form(&format!("{url}/status"), &[("status", "pending")]).await.expect_status(422, "unknown status");
    browser.post_form(&format!("{url}/status"), &[("status", "open")]).await.expect_status(303, "reopen");

    let edit = browser.get(&format!("{url}/edit")).await;
    edit.expect_status(200, "details form");
    assert_eq!(edit.html().field_value("title").as_deref(), Some("Noisy fan"));
    let response = browser
        .post_form(&format!("{url}/edit"), &[("title", ""), ("case_type", "anomaly"), ("description", "Loud")])
        .await;
    response.expect_status(422, "blank title");
    let page = response.html();
    assert_eq!(page.field_error("title").as_deref(), Some("This field is required."));
    assert_eq!(page.field_value("description").as_deref(), Some("Loud"), "refilled");
    browser
        .post_form(&format!("{url}/edit"), &[("title", "Loud fan"), ("case_type", "anomaly"), ("description", "Loud")])
        .await
        .expect_status(303, "save details");

    let page = browser.get(&url).await.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("#1 Loud fan"));
    let timeline = page.texts_of(".timeline li").join("\n");
    for entry in ["Called the site.", "Cleaned the fan."] {
        assert!(timeline.contains(entry), "{entry} in the timeline:\n{timeline}");
    }
    assert!(page.text().contains("Open"), "reopened");
}

async fn the_case_list_filters_and_explains_bad_filters(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    acme.case(north, None, "Leak at North").await;
    let resolved = acme.case(south, None, "Dent at South").await;
    tagdesk_app::cases::change_status(&app.app, &acme.system(), resolved, tagdesk_domain::CaseStatus::Resolved)
        .await
        .expect("resolve");
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    let titles = |path: String| {
        let admin = &admin;
        async move {
            let page = admin.get(&path).await;
            page.expect_status(200, &path);
            page.html().texts_of("tbody tr td:nth-child(2)")
        }
    };
    assert_eq!(titles("/cases".into()).await, vec!["Dent at South", "Leak at North"], "newest first");
    assert_eq!(titles("/cases?status=open".into()).await, vec!["Leak at North"]);
    assert_eq!(titles(format!("/cases?deployment={south}")).await, vec!["Dent at South"]);
    assert_eq!(titles("/cases?q=leak".into()).await, vec!["Leak at North"]);
    assert_eq!(titles("/cases?q=%232".into()).await, vec!["Dent at South"], "by number");

    let response = admin.get("/cases?status=bogus").await;
    response.expect_status(422, "unknown status filter");
    assert!(response.html().text().contains("Status: "), "the problem names the control");
}

async fn unknown_case_ids_are_404(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    for id in [CaseId::new().to_string(), "nope".to_owned()] {
        admin.get(&format!("/cases/{id}")).await.expect_status(404, "GET case");
        admin.get(&format!("/cases/{id}/edit")).await.expect_status(404, "GET edit");
        admin.post_form(&format!("/cases/{id}/edit"), &[("title", "X")]).await.expect_status(404, "POST edit");
        admin.post_form(&format!("/cases/{id}/comments"), &[("body", "X")]).await.expect_status(404, "comment");
        admin.post_form(&format!("/cases/{id}/status"), &[("status", "resolved")]).await.expect_status(404, "status");
        admin.post_form(&format!("/cases/{id}/assign"), &[("assignee_id", "")]).await.expect_status(404, "assign");
        admin.post_form(&format!("/cases/{id}/solution"), &[("solution", "X")]).await.expect_status(404, "solution");
    }
}
