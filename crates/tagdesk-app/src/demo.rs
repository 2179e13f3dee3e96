//! A realistic demo workspace: two sites, about thirty devices, templates and cases, through the same
//! use cases as the UI (so the demo proves the rules too).

use tagdesk_domain::fields::FieldDraft;
use tagdesk_domain::{CaseOrigin, CaseStatus, DeploymentRole};

use crate::cases::CaseInput;
use crate::deployments::DeploymentInput;
use crate::devices::DeviceInput;
use crate::templates::TemplateInput;
use crate::users::NewUserInput;
use crate::{Actor, App, AppResult};

/// Name of the demo workspace.
pub const DEMO_WORKSPACE: &str = "Demo Robotics Service";

/// How to sign in to the demo.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Workspace name.
    pub workspace: String,
    /// Admin email.
    pub email: String,
    /// Admin password.
    pub password: String,
}

fn field(label: &str, kind: &str, required: bool, options: &[&str], help: &str) -> FieldDraft {
    FieldDraft {
        label: label.to_owned(),
        kind: kind.to_owned(),
        required,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        help: help.to_owned(),
        ..FieldDraft::default()
    }
}

/// Loads the demo unless it exists; returns the login either way.
pub async fn load(app: &App) -> AppResult<DemoLogin> {
    let login = DemoLogin {
        workspace: DEMO_WORKSPACE.to_owned(),
        email: "demo@tagdesk.example".to_owned(),
        password: "demo-password".to_owned(),
    };
    if crate::users::find_workspace(app, DEMO_WORKSPACE).await?.is_some() {
        return Ok(login);
    }
    let admin_input = NewUserInput {
        email: login.email.clone(),
        display_name: "Dana Dispatcher".to_owned(),
        workspace_role: "admin".to_owned(),
        password: login.password.clone(),
    };
    let (workspace, admin_id) = crate::users::bootstrap(app, DEMO_WORKSPACE, &admin_input).await?;
    let system = Actor { label: "Demo loader".to_owned(), ..Actor::system(workspace) };
    let tech = crate::users::create(
        app,
        &Actor {
            kind: crate::actor::ActorKind::User {
                id: admin_id,
                role: tagdesk_domain::WorkspaceRole::Admin,
                deployments: Default::default(),
            },
            ..system.clone()
        },
        &NewUserInput {
            email: "tom@tagdesk.example".to_owned(),
            display_name: "Tom Technician".to_owned(),
            workspace_role: "member".to_owned(),
            password: login.password.clone(),
        },
    )
    .await?;

    let sites = [
        ("Harbour Logistics Hub", "Quay Street 4, 20457 Hamburg", "Europe/Berlin", "de", "hub-alerts@harbour.example"),
        (
            "Riverside Hospital",
            "12 Riverside Drive, Bristol BS1 5TT",
            "Europe/London",
            "en",
            "facilities@riverside.example",
        ),
    ];
    let mut deployments = Vec::new();
    for (name, address, timezone, language, emails) in sites {
        let deployment = crate::deployments::create(
            app,
            &system,
            &DeploymentInput {
                name: name.to_owned(),
                address: address.to_owned(),
                timezone: timezone.to_owned(),
                language: language.to_owned(),
                default_assignee_id: admin_id.to_string(),
                notification_emails: emails.to_owned(),
            },
        )
        .await?;
        deployments.push(deployment);
    }
    crate::users::set_deployment_role(app, &system, tech.id, deployments[0].id, Some(DeploymentRole::Technician))
        .await?;

    let models = [
        ("Autonomous mobile robot", "Kivra", "AMR-500", "amr"),
        ("Palletiser", "StackPro", "PX-2", "line 1"),
        ("Disinfection robot", "CleanBot", "UV-9", "ward"),
        ("Delivery cart", "Kivra", "DC-120", "amr"),
        ("Conveyor sorter", "SortIt", "CS-40", "line 2"),
    ];
    let mut devices = Vec::new();
    for i in 0..30_usize {
        let (kind, maker, model, tag) = models[i % models.len()];
        let deployment = &deployments[i % 2];
        let device = crate::devices::create(
            app,
            &system,
            &DeviceInput {
                deployment_id: deployment.id.to_string(),
                name: format!("{kind} {:02}", i / models.len() + 1),
                serial_number: format!("{}-{:05}", model, 10_000 + i * 37),
                manufacturer: maker.to_owned(),
                model: model.to_owned(),
                tags: format!("{tag}, floor {}", i % 3 + 1),
                notes: if i % 7 == 0 { "Battery replaced in spring.".to_owned() } else { String::new() },
            },
        )
        .await?;
        devices.push(device);
    }

    let stuck = crate::templates::create(
        app,
        &system,
        &TemplateInput {
            name: "Robot stopped".to_owned(),
            title: "Robot stopped and does not move".to_owned(),
            case_type: "anomaly".to_owned(),
            description: "The robot stopped during operation.".to_owned(),
            solution_suggestion: "Check the emergency stop and the bumper sensors; restart from the panel.".to_owned(),
            fields: vec![
                field("Error code on the display", "short_text", false, &[], "As shown on the screen, e.g. E-42."),
                field("Is anyone at risk?", "single_choice", true, &["No", "Possibly", "Yes"], ""),
                field("Since when?", "date", false, &[], ""),
            ],
        },
    )
    .await?;
    crate::templates::create(
        app,
        &system,
        &TemplateInput {
            name: "Damage report".to_owned(),
            title: "Visible damage".to_owned(),
            case_type: "damage".to_owned(),
            description: String::new(),
            solution_suggestion: "Ask for photos; schedule a visit if the housing is cracked.".to_owned(),
            fields: vec![
                field("Damaged parts", "multiple_choice", true, &["Housing", "Wheels", "Display", "Cable"], ""),
                field("Still operating", "checkbox", false, &[], ""),
            ],
        },
    )
    .await?;

    let reports = [
        (
            0,
            "Robot stopped at charging station",
            "It beeps three times and stays put.",
            CaseOrigin::Portal,
            Some(&stuck),
            CaseStatus::Open,
        ),
        (
            1,
            "Pallets stacked crooked",
            "Every third pallet leans to the left.",
            CaseOrigin::Staff,
            None,
            CaseStatus::Open,
        ),
        (2, "UV lamp flickers", "Flickering since this morning's run.", CaseOrigin::Portal, None, CaseStatus::Resolved),
        (3, "Cart scraped a door frame", "Scratches on the left side.", CaseOrigin::Api, None, CaseStatus::Open),
        (
            5,
            "Robot stopped in aisle 7",
            "Blocks the aisle; moved it by hand.",
            CaseOrigin::Portal,
            Some(&stuck),
            CaseStatus::Archived,
        ),
        (
            8,
            "Sorter misroutes parcels",
            "Parcels for lane B end up in lane C.",
            CaseOrigin::Staff,
            None,
            CaseStatus::Open,
        ),
    ];
    for (index, title, description, origin, template, status) in reports {
        let device = &devices[index];
        let mut fields = std::collections::BTreeMap::new();
        if let Some(template) = template
            && let Some(f) = template.fields.iter().find(|f| f.required)
        {
            fields.insert(f.key.clone(), vec!["No".to_owned()]);
        }
        let case = crate::cases::create(
            app,
            &system,
            origin,
            &CaseInput {
                deployment_id: device.deployment_id.to_string(),
                device_id: Some(device.id.to_string()),
                template_id: template.map(|t| t.id.to_string()),
                title: title.to_owned(),
                description: description.to_owned(),
                reporter_name: if origin == CaseOrigin::Portal { "Sam Operator".to_owned() } else { String::new() },
                reporter_email: if origin == CaseOrigin::Portal {
                    "sam.operator@customer.example".to_owned()
                } else {
                    String::new()
                },
                fields,
                ..CaseInput::default()
            },
        )
        .await?;
        if status != CaseStatus::Open {
            crate::cases::comment(app, &system, case.id, "Technician on site; replaced the faulty part.", false)
                .await?;
            crate::cases::change_status(app, &system, case.id, CaseStatus::Resolved).await?;
            if status == CaseStatus::Archived {
                crate::cases::change_status(app, &system, case.id, CaseStatus::Archived).await?;
            }
        }
    }
    Ok(login)
}
