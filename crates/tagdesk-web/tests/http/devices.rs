//! Device pages: create, detail, edit, move, archive and restore; field errors, duplicate serial numbers,
//! unknown ids; CSV import (all or nothing) and export.

use tagdesk_domain::{DeploymentRole, DeviceId};

use crate::support::{Browser, PASSWORD, TestApp, both_backends};

both_backends!(
    a_technician_looks_after_a_device,
    invalid_device_forms_come_back_with_field_errors,
    unknown_device_ids_are_404,
    a_csv_file_imports_devices_and_an_export_gives_them_back,
    a_bad_csv_file_imports_nothing,
);

/// The names in the device table.
async fn listed(browser: &Browser<'_>, path: &str) -> Vec<String> {
    let page = browser.get(path).await;
    page.expect_status(200, path);
    page.html().texts_of("tbody tr td:first-child")
}

async fn a_technician_looks_after_a_device(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let south = acme.deployment("South").await;
    let (_, tech) =
        acme.member("tech", &[(north, DeploymentRole::Technician), (south, DeploymentRole::Technician)]).await;
    let browser = app.sign_in(&tech, PASSWORD).await;

    let form = browser.get(&format!("/devices/new?deployment={north}")).await;
    form.expect_status(200, "new device form");
    assert_eq!(form.html().field_value("deployment_id").as_deref(), Some(north.to_string().as_str()), "preselected");

    let response = browser
        .post_form(
            "/devices",
            &[
                ("deployment_id", &north.to_string()),
                ("name", "Robot 7"),
                ("serial_number", "SN-0007"),
                ("manufacturer", "RoboCorp"),
                ("model", "R2"),
                ("tags", "floor 2, cleaning"),
                ("notes", "Left door sticks."),
            ],
        )
        .await;
    response.expect_status(303, "create device");
    let url = response.location().to_owned();
    let page = browser.get(&url).await;
    page.expect_status(200, "device page");
    let page = page.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Robot 7"));
    assert_eq!(page.text_of(".flash").as_deref(), Some("Device \u{201c}Robot 7\u{201d} created."));
    let text = page.text();
    for shown in ["SN-0007", "RoboCorp", "R2", "floor 2", "cleaning", "Left door sticks.", "North"] {
        assert!(text.contains(shown), "{shown} shown");
    }
    assert_eq!(listed(&browser, "/devices").await, vec!["Robot 7"]);
    assert_eq!(listed(&browser, "/devices?tag=cleaning").await, vec!["Robot 7"], "tag filter");
    assert!(listed(&browser, "/devices?q=nothing-like-it").await.is_empty(), "text filter");

    let edit = browser.get(&format!("{url}/edit")).await.html();
    assert_eq!(edit.field_value("serial_number").as_deref(), Some("SN-0007"));
    assert_eq!(edit.field_value("tags").as_deref(), Some("floor 2, cleaning"));
    let response = browser.post_form(&url, &[("name", "Robot 7b"), ("serial_number", "SN-0007"), ("tags", "")]).await;
    response.expect_status(303, "update");
    let page = browser.get(&url).await.html();
    assert_eq!(page.text_of("h1").as_deref(), Some("Robot 7b"));
    assert!(!page.text().contains("RoboCorp"), "blank fields clear the value");

    let response = browser.post_form(&format!("{url}/move"), &[("deployment_id", &north.to_string())]).await;
    response.expect_status(422, "move to where it already is");
    assert_eq!(
        response.html().field_error("deployment_id").as_deref(),
        Some("The device is already at this deployment.")
    );
    let response = browser.post_form(&format!("{url}/move"), &[("deployment_id", &south.to_string())]).await;
    response.expect_status(303, "move");
    let page = browser.get(&url).await.html();
    assert!(page.text().contains("Moved from North to South"), "history: {}", page.text());

    browser.post_form(&format!("{url}/archive"), &[]).await.expect_status(303, "archive");
    assert!(browser.get(&url).await.html().has(".badge-archived"));
    assert!(listed(&browser, "/devices").await.is_empty(), "archived devices leave the list");
    assert_eq!(listed(&browser, "/devices?include_archived=true").await, vec!["Robot 7b"]);
    browser.post_form(&format!("{url}/restore"), &[]).await.expect_status(303, "restore");
    assert_eq!(listed(&browser, "/devices").await, vec!["Robot 7b"]);

    let actions = acme.audit_actions().await;
    for action in ["device.created", "device.updated", "device.moved", "device.archived", "device.restored"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
}

async fn invalid_device_forms_come_back_with_field_errors(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let existing = acme.device(north, "Robot 1", "SN-1").await;
    let other = acme.device(north, "Robot 2", "").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;

    let response = admin
        .post_form(
            "/devices",
            &[("deployment_id", &north.to_string()), ("name", "Robot 3"), ("serial_number", "sn-1"), ("model", "R3")],
        )
        .await;
    response.expect_status(422, "duplicate serial (ignoring case)");
    let page = response.html();
    assert_eq!(
        page.field_error("serial_number").as_deref(),
        Some("Another device in this workspace already has this serial number.")
    );
    assert_eq!(page.field_value("name").as_deref(), Some("Robot 3"), "refilled");
    assert_eq!(page.field_value("model").as_deref(), Some("R3"), "refilled");
    assert!(page.title().starts_with("Error: "));

    let response =
        admin.post_form("/devices", &[("deployment_id", ""), ("name", " "), ("tags", &"x".repeat(41))]).await;
    response.expect_status(422, "missing name and deployment");
    let page = response.html();
    assert_eq!(page.field_error("name").as_deref(), Some("This field is required."));
    assert_eq!(page.field_error("deployment_id").as_deref(), Some("Choose a deployment you can work in."));
    assert!(page.field_error("tags").is_some(), "tag too long");

    let response =
        admin.post_form(&format!("/devices/{other}"), &[("name", "Robot 2"), ("serial_number", "SN-1")]).await;
    response.expect_status(422, "update to a taken serial");
    assert!(response.html().field_error("serial_number").is_some());
    admin
        .post_form(&format!("/devices/{existing}"), &[("name", "Robot 1"), ("serial_number", "SN-1")])
        .await
        .expect_status(303, "keeping its own serial");
    assert_eq!(listed(&admin, "/devices").await.len(), 2, "nothing invalid was saved");
}

async fn unknown_device_ids_are_404(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    for id in [DeviceId::new().to_string(), "not-an-id".to_owned()] {
        for path in [format!("/devices/{id}"), format!("/devices/{id}/edit")] {
            admin.get(&path).await.expect_status(404, &format!("GET {path}"));
        }
        admin.post_form(&format!("/devices/{id}"), &[("name", "X")]).await.expect_status(404, "update");
        for action in ["archive", "restore"] {
            admin.post_form(&format!("/devices/{id}/{action}"), &[]).await.expect_status(404, action);
        }
        admin
            .post_form(&format!("/devices/{id}/move"), &[("deployment_id", &north.to_string())])
            .await
            .expect_status(404, "move");
    }
    admin.get("/devices/export.csv?deployment=nope").await.expect_status(404, "export of a malformed id");
    let unknown = tagdesk_domain::DeploymentId::new();
    admin.get(&format!("/devices/export.csv?deployment={unknown}")).await.expect_status(404, "export of an unknown id");
}

async fn a_csv_file_imports_devices_and_an_export_gives_them_back(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North Hall").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    admin.get("/devices/import").await.expect_status(200, "import page");

    let csv = "\u{feff}Name,Serial number,Tags\nRobot A,A-1,\"floor 1, arm\"\nRobot B,,\n";
    let response = admin
        .post_multipart(
            "/devices/import",
            &[("deployment_id", &north.to_string())],
            ("file", "devices.csv", csv.as_bytes()),
        )
        .await;
    response.expect_status(303, "import");
    assert_eq!(response.location(), format!("/devices?deployment={north}"));
    let page = admin.get(response.location()).await.html();
    assert_eq!(page.text_of(".flash").as_deref(), Some("Imported 2 devices."));
    assert_eq!(page.texts_of("tbody tr td:first-child"), vec!["Robot A", "Robot B"]);

    admin.get("/devices/export").await.expect_status(200, "export page");
    let export = admin.get(&format!("/devices/export.csv?deployment={north}")).await;
    export.expect_status(200, "export");
    assert_eq!(export.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(export.header("content-disposition"), Some("attachment; filename=\"devices-north-hall.csv\""));
    let text = export.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec!["name,serial_number,manufacturer,model,tags,notes", "Robot A,A-1,,,\"floor 1, arm\",", "Robot B,,,,,"]
    );
    assert!(acme.audit_actions().await.iter().any(|a| a == "devices.imported"));
}

async fn a_bad_csv_file_imports_nothing(app: &TestApp) {
    let acme = app.workspace("Acme").await;
    let north = acme.deployment("North").await;
    acme.device(north, "Existing", "TAKEN-1").await;
    let admin = app.sign_in(&acme.admin_email, PASSWORD).await;
    admin.get("/devices/import").await;
    let deployment = north.to_string();

    let cases: [(&str, &[u8], &str); 5] = [
        ("no name column", b"serial_number,model\nX-1,R1\n", "The header has no `name` column."),
        ("not UTF-8", b"name,notes\nRobot \xe4\xf6\xfc,Latin-1\n", "The file is not UTF-8 text (line 2)."),
        (
            "a taken serial",
            b"name,serial_number\nNew 1,N-1\nNew 2,taken-1\n",
            "Line 3: serial number taken-1 is already used",
        ),
        (
            "a serial twice",
            b"name,serial_number\nNew 1,D-1\nNew 2,d-1\n",
            "Line 3: serial number d-1 is used twice in the file",
        ),
        ("an unknown column", b"name,colour\nNew 1,red\n", "The header has unknown columns: `colour`."),
    ];
    for (what, csv, message) in cases {
        let response = admin
            .post_multipart("/devices/import", &[("deployment_id", &deployment)], ("file", "devices.csv", csv))
            .await;
        response.expect_status(422, what);
        let page = response.html();
        let error = page.field_error("file").unwrap_or_else(|| panic!("{what}: no error at the file input"));
        assert!(error.starts_with(message), "{what}: {error}");
        assert_eq!(page.field_value("deployment_id").as_deref(), Some(deployment.as_str()), "{what}: kept");
    }

    let response = admin
        .post_multipart("/devices/import", &[("deployment_id", "")], ("file", "devices.csv", b"name\nNew\n"))
        .await;
    response.expect_status(422, "no deployment");
    assert_eq!(response.html().field_error("deployment_id").as_deref(), Some("Choose a deployment you can work in."));
    let response = admin.post_multipart("/devices/import", &[("deployment_id", &deployment)], ("file", "", b"")).await;
    response.expect_status(422, "no file");
    assert_eq!(response.html().field_error("file").as_deref(), Some("Choose a CSV file."));

    assert_eq!(listed(&admin, "/devices").await, vec!["Existing"], "nothing was imported");
    assert!(!acme.audit_actions().await.iter().any(|a| a == "devices.imported"));
}
