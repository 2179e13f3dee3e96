//! `GET /cases/new` and `POST /cases`: a staff member creates a case. Without JavaScript, using a template
//! takes two steps: "Use template" re-renders the form with the template's fields and pre-filled values.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use tagdesk_app::cases::{self, CaseInput};
use tagdesk_app::devices::{self, DeviceQuery, DeviceView};
use tagdesk_app::page::{MAX_LIMIT, PageRequest};
use tagdesk_app::templates::{self, TemplateView};
use tagdesk_app::{AppError, AppResult, deployments, users};
use tagdesk_domain::{CaseOrigin, CaseTemplateId, CaseType, DeploymentId, FieldErrors};

use super::custom::CustomInput;
use super::{Opt, OptGroup, can_work, device_option};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::pages::forms::RawForm;
use crate::session::{Staff, redirect_with_notice};

/// At most this many pages of devices are offered in the device select.
const MAX_DEVICE_PAGES: usize = 25;

/// The form's values as typed.
#[derive(Debug, Clone, Default)]
struct NewCaseForm {
    deployment_id: String,
    device_id: String,
    template_id: String,
    title: String,
    case_type: String,
    description: String,
    assignee_id: String,
    reporter_name: String,
    reporter_email: String,
    reporter_phone: String,
    /// Custom-field values by key.
    fields: BTreeMap<String, Vec<String>>,
}

impl NewCaseForm {
    fn parse(raw: &RawForm) -> Self {
        Self {
            deployment_id: raw.get("deployment_id").to_owned(),
            device_id: raw.get("device_id").to_owned(),
            template_id: raw.get("template_id").to_owned(),
            title: raw.get("title").to_owned(),
            case_type: raw.get("case_type").to_owned(),
            description: raw.get("description").to_owned(),
            assignee_id: raw.get("assignee_id").to_owned(),
            reporter_name: raw.get("reporter_name").to_owned(),
            reporter_email: raw.get("reporter_email").to_owned(),
            reporter_phone: raw.get("reporter_phone").to_owned(),
            fields: raw.grouped("field."),
        }
    }

    fn to_input(&self) -> CaseInput {
        let optional = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
        CaseInput {
            deployment_id: self.deployment_id.clone(),
            device_id: optional(&self.device_id),
            template_id: optional(&self.template_id),
            title: self.title.clone(),
            description: self.description.clone(),
            case_type: self.case_type.clone(),
            assignee_id: optional(&self.assignee_id),
            reporter_name: self.reporter_name.clone(),
            reporter_email: self.reporter_email.clone(),
            reporter_phone: self.reporter_phone.clone(),
            fields: self.fields.clone(),
        }
    }

    /// Takes the template's type, and its title and description where they are still blank.
    fn prefill_from(&mut self, template: &TemplateView) {
        if self.title.trim().is_empty() {
            self.title = template.title.clone();
        }
        if self.description.trim().is_empty() {
            self.description = template.description.clone();
        }
        self.case_type = template.case_type.as_str().to_owned();
    }
}

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewPage {
    layout: Layout,
    form: NewCaseForm,
    errors: FormErrors,
    deployments: Vec<Opt>,
    device_groups: Vec<OptGroup>,
    templates: Vec<Opt>,
    /// The template whose fields are shown.
    template: Option<TemplateView>,
    custom: Vec<CustomInput>,
    case_types: &'static [CaseType],
    assignees: Vec<Opt>,
    /// Label of the blank assignee option.
    default_assignee: String,
}

impl NewPage {
    fn err(&self, field: &str) -> &str {
        self.errors.msg(field)
    }

    /// The error summary: (input name, message), each message naming its field.
    fn summary(&self) -> Vec<(String, String)> {
        self.errors
            .all()
            .into_iter()
            .map(|(field, message)| {
                let label = match field.as_str() {
                    "deployment_id" => "Deployment",
                    "device_id" => "Device",
                    "template_id" => "Template",
                    "title" => "Title",
                    "case_type" => "Type",
                    "description" => "Description",
                    "assignee_id" => "Assignee",
                    "reporter_name" => "Reporter name",
                    "reporter_email" => "Reporter email",
                    "reporter_phone" => "Reporter phone",
                    _ => match self.custom.iter().find(|c| c.name == field) {
                        Some(input) => input.label.as_str(),
                        None => return (field, message),
                    },
                };
                let message = format!("{label}: {message}");
                (field, message)
            })
            .collect()
    }
}

/// Query of `GET /cases/new`: pre-selects a deployment, device and template.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct NewQuery {
    deployment: String,
    device: String,
    template: String,
}

/// `GET /cases/new`.
pub(super) async fn page(State(state): State<AppState>, staff: Staff, Query(q): Query<NewQuery>) -> PageResult {
    let mut form = NewCaseForm {
        deployment_id: q.deployment.trim().to_owned(),
        device_id: q.device.trim().to_owned(),
        template_id: q.template.trim().to_owned(),
        case_type: CaseType::Other.as_str().to_owned(),
        ..NewCaseForm::default()
    };
    let choices = Choices::load(&state, &staff).await?;
    if let Some(device) = choices.devices.iter().find(|d| d.id.to_string() == form.device_id) {
        form.deployment_id = device.deployment_id.to_string();
    } else {
        form.device_id.clear();
    }
    if let Some(template) = choices.template(&form.template_id) {
        form.prefill_from(template);
    } else {
        form.template_id.clear();
    }
    render_form(&state, &staff, choices, form, FieldErrors::new(), StatusCode::OK).await
}

/// `POST /cases`: "Use template" re-renders the form; "Create case" creates it.
pub(super) async fn create(State(state): State<AppState>, staff: Staff, body: Bytes) -> PageResult {
    let raw = RawForm::parse(&body);
    let mut form = NewCaseForm::parse(&raw);
    if raw.get("action") == "use_template" {
        let choices = Choices::load(&state, &staff).await?;
        let mut errors = FieldErrors::new();
        match choices.template(&form.template_id).cloned() {
            Some(template) => form.prefill_from(&template),
            None if form.template_id.trim().is_empty() => {}
            None => errors.add("template_id", "Choose an active template."),
        }
        let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        return render_form(&state, &staff, choices, form, errors, status).await;
    }
    match cases::create(&state.app, &staff.actor, CaseOrigin::Staff, &form.to_input()).await {
        Ok(case) => Ok(redirect_with_notice(&format!("/cases/{}", case.id), &format!("Case {} created.", case.number))),
        Err(AppError::Invalid(errors)) => {
            let choices = Choices::load(&state, &staff).await?;
            render_form(&state, &staff, choices, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(err) => Err(err.into()),
    }
}

/// What the selects offer.
struct Choices {
    /// Deployments the actor can create cases in, by name.
    deployments: Vec<deployments::DeploymentView>,
    /// Their active devices.
    devices: Vec<DeviceView>,
    /// Active templates.
    templates: Vec<TemplateView>,
}

impl Choices {
    async fn load(state: &AppState, staff: &Staff) -> AppResult<Self> {
        let actor = &staff.actor;
        let deployments: Vec<_> =
            deployments::list_all(&state.app, actor).await?.into_iter().filter(|d| can_work(actor, d.id)).collect();
        let mut devices = Vec::new();
        let mut cursor = None;
        for _ in 0..MAX_DEVICE_PAGES {
            let page = PageRequest { cursor: cursor.take(), limit: Some(MAX_LIMIT) };
            let found = devices::list(&state.app, actor, &DeviceQuery::default(), &page).await?;
            devices.extend(found.items.into_iter().filter(|d| deployments.iter().any(|dep| dep.id == d.deployment_id)));
            match found.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let templates = templates::list(&state.app, actor, false).await?;
        Ok(Self { deployments, devices, templates })
    }

    fn template(&self, id: &str) -> Option<&TemplateView> {
        let id = CaseTemplateId::parse(id).ok()?;
        self.templates.iter().find(|t| t.id == id)
    }

    /// Devices grouped by deployment, in the order of the deployments.
    fn device_groups(&self) -> Vec<OptGroup> {
        self.deployments
            .iter()
            .map(|dep| OptGroup {
                label: dep.name.clone(),
                options: self.devices.iter().filter(|d| d.deployment_id == dep.id).map(device_option).collect(),
            })
            .filter(|group| !group.options.is_empty())
            .collect()
    }
}

async fn render_form(
    state: &AppState,
    staff: &Staff,
    choices: Choices,
    form: NewCaseForm,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let deployment =
        DeploymentId::parse(&form.deployment_id).ok().and_then(|id| choices.deployments.iter().find(|d| d.id == id));
    let (assignees, default_assignee) = match deployment {
        Some(d) => (
            cases::assignable_users(&state.app, &staff.actor, d.id).await?,
            match &d.default_assignee_name {
                Some(name) => format!("Deployment default ({name})"),
                None => "Deployment default (nobody)".to_owned(),
            },
        ),
        None => (users::directory(&state.app, &staff.actor).await?, "Deployment default".to_owned()),
    };
    let template = choices.template(&form.template_id).cloned();
    let custom = match &template {
        Some(t) => CustomInput::all(&t.fields, &form.fields, &errors),
        None => Vec::new(),
    };
    let errors = FormErrors(errors);
    let page = NewPage {
        layout: staff.layout(errors.title("New case"), "cases"),
        deployments: choices.deployments.iter().map(|d| Opt::new(d.id, d.name.clone())).collect(),
        device_groups: choices.device_groups(),
        templates: choices.templates.iter().map(|t| Opt::new(t.id, t.name.clone())).collect(),
        template,
        custom,
        case_types: CaseType::ALL,
        assignees: assignees.into_iter().map(|(id, name)| Opt::new(id, name)).collect(),
        default_assignee,
        form,
        errors,
    };
    render_status(status, &page)
}
