//! Case intake: one function for the back office, the portal and the API.

use std::collections::BTreeMap;

use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::fields::validate_values;
use tagdesk_domain::{
    CaseId, CaseOrigin, CaseTemplateId, CaseType, DeploymentId, DeviceId, DomainError, Email, FieldErrors, UserId,
};
use tagdesk_store::Conn;
use tagdesk_store::cases::{self, NewCase};
use tagdesk_store::{deployments, devices, templates, workspaces};

use super::assignees::eligible_name;
use super::{CaseView, TEXT_MAX, TITLE_MAX, event_kind, record_event, view_of};
use crate::error::OrNotFound;
use crate::templates::parse_definitions;
use crate::{Actor, App, AppError, AppResult};

/// Longest reporter name.
pub const REPORTER_NAME_MAX: usize = 200;
/// Longest reporter phone number.
pub const REPORTER_PHONE_MAX: usize = 50;

/// A new case as typed into a form, submitted through the portal or sent to the API.
/// Optional ids may be missing, `null` or blank.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CaseInput {
    /// The deployment (required).
    pub deployment_id: String,
    /// The device the case is about; it must belong to the deployment.
    pub device_id: Option<String>,
    /// An active template of the workspace; its title, description and type fill blank inputs.
    pub template_id: Option<String>,
    /// Title (required unless the template has one).
    pub title: String,
    /// Description.
    pub description: String,
    /// Type in wire form; blank takes the template's, or `other` without a template.
    pub case_type: String,
    /// Assignee; blank gives the deployment's default assignee.
    pub assignee_id: Option<String>,
    /// Reporter's name.
    pub reporter_name: String,
    /// Reporter's email (optional, checked when given).
    pub reporter_email: String,
    /// Reporter's phone.
    pub reporter_phone: String,
    /// Custom-field values by field key; several values for multiple choice. JSON may also send a
    /// single string, number or bool per key.
    #[serde(deserialize_with = "one_or_many")]
    pub fields: BTreeMap<String, Vec<String>>,
}

/// Accepts `{"f1": "x", "f2": ["a", "b"], "f3": true, "f4": 2.5, "f5": null}`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Flag(bool),
        Number(serde_json::Number),
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Many(Vec<Scalar>),
        One(Scalar),
        Nothing(()),
    }
    fn text(s: Scalar) -> String {
        match s {
            Scalar::Text(t) => t,
            Scalar::Flag(b) => b.to_string(),
            Scalar::Number(n) => n.to_string(),
        }
    }
    let raw: BTreeMap<String, Raw> = serde::Deserialize::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(key, value)| {
            let values = match value {
                Raw::Many(items) => items.into_iter().map(text).collect(),
                Raw::One(item) => vec![text(item)],
                Raw::Nothing(()) => Vec::new(),
            };
            (key, values)
        })
        .collect())
}

/// Parses an optional id; blank is none.
fn optional_id<T>(raw: Option<&str>, parse: impl Fn(&str) -> Result<T, DomainError>) -> Result<Option<T>, DomainError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => parse(raw).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn optional_email(raw: &str) -> Result<String, DomainError> {
    if raw.trim().is_empty() { Ok(String::new()) } else { Email::parse(raw).map(|e| e.to_string()) }
}

pub(crate) fn optional_phone(raw: &str) -> Result<String, DomainError> {
    let phone = optional_text(raw, REPORTER_PHONE_MAX)?.unwrap_or_default();
    if phone.chars().all(|c| c.is_ascii_digit() || " +-()/.".contains(c)) {
        Ok(phone)
    } else {
        Err(DomainError::invalid("Enter a phone number using digits, spaces and + - ( ) / ."))
    }
}

/// The body of the `created` timeline entry.
fn created_body(origin: CaseOrigin) -> &'static str {
    match origin {
        CaseOrigin::Portal => "Reported through the customer portal",
        CaseOrigin::Staff => "Created in the back office",
        CaseOrigin::Api => "Created through the API",
    }
}

/// Creates a case with the next number of the workspace. The actor must be able to work on the
/// deployment. Nothing is stored (and no number is used up) when any input is invalid.
pub async fn create(app: &App, actor: &Actor, origin: CaseOrigin, input: &CaseInput) -> AppResult<CaseView> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let case = create_in_tx(&mut tx, actor, origin, input, now).await?;
    tx.commit().await?;
    app.portal_cache.cases_changed();
    tracing::info!(
        case.id = %case.id,
        case.number = case.number.0,
        deployment.id = %case.deployment_id,
        origin = origin.as_str(),
        "case created"
    );
    Ok(case)
}

/// Like [`create`], inside the caller's transaction (which the caller commits), so that intake can store
/// more in the same transaction (the portal adds its follow-up link, idempotency key, photos and outbox
/// entry). On an error the caller must roll back (drop the transaction).
pub async fn create_in_tx(
    tx: &mut Conn,
    actor: &Actor,
    origin: CaseOrigin,
    input: &CaseInput,
    now: i64,
) -> AppResult<CaseView> {
    let no_deployment = || AppError::invalid("deployment_id", "Choose a deployment.");
    let deployment_id = DeploymentId::parse(&input.deployment_id).map_err(|_| no_deployment())?;
    match actor.require_work(deployment_id) {
        Err(AppError::NotFound) => return Err(no_deployment()),
        other => other?,
    }
    let mut errors = FieldErrors::new();
    let device_id = errors.check("device_id", optional_id(input.device_id.as_deref(), DeviceId::parse)).flatten();
    let template_id =
        errors.check("template_id", optional_id(input.template_id.as_deref(), CaseTemplateId::parse)).flatten();
    let assignee_id = errors.check("assignee_id", optional_id(input.assignee_id.as_deref(), UserId::parse)).flatten();
    let reporter_name = errors
        .check("reporter_name", tagdesk_domain::error::optional_line(&input.reporter_name, REPORTER_NAME_MAX))
        .flatten();
    let reporter_email = errors.check("reporter_email", optional_email(&input.reporter_email));
    let reporter_phone = errors.check("reporter_phone", optional_phone(&input.reporter_phone));

    let workspace_id = actor.workspace_id.to_string();
    let deployment_key = deployment_id.to_string();
    let deployment = deployments::get(&mut *tx, &workspace_id, &deployment_key).await?.ok_or_else(no_deployment)?;
    if let Some(device) = device_id {
        match devices::get(&mut *tx, &workspace_id, &device.to_string()).await? {
            Some(d) if d.deployment_id == deployment_key && d.archived_at.is_none() => {}
            Some(d) if d.deployment_id == deployment_key => errors.add("device_id", "This device is archived."),
            _ => errors.add("device_id", "Choose a device of this deployment."),
        }
    }
    let template = match template_id {
        Some(id) => match templates::get(&mut *tx, &workspace_id, &id.to_string()).await? {
            Some(t) if t.is_active() => Some(t),
            _ => {
                errors.add("template_id", "Choose an active template.");
                None
            }
        },
        None => None,
    };

    // Blank inputs take the template's pre-filled values.
    let prefill = |given: &str, from_template: fn(&templates::TemplateRow) -> &str| -> String {
        match &template {
            Some(t) if given.trim().is_empty() => from_template(t).to_owned(),
            _ => given.to_owned(),
        }
    };
    let title = errors.check("title", required_text(&prefill(&input.title, |t| &t.title), TITLE_MAX));
    let description = errors
        .check("description", optional_text(&prefill(&input.description, |t| &t.description), TEXT_MAX))
        .map(Option::unwrap_or_default);
    let case_type = match prefill(&input.case_type, |t| &t.case_type) {
        raw if raw.trim().is_empty() => Some(CaseType::Other),
        raw => errors.check("case_type", CaseType::parse(&raw)),
    };
    let (definitions, values) = match &template {
        Some(t) => {
            let definitions = parse_definitions(&t.fields_json)?;
            let submitted = |key: &str| input.fields.get(key).cloned().unwrap_or_default();
            match validate_values(&definitions, submitted) {
                Ok(values) => (definitions, values),
                Err(field_errors) => {
                    for error in field_errors.iter() {
                        errors.add(&error.field, &error.message);
                    }
                    (definitions, BTreeMap::new())
                }
            }
        }
        None => (Vec::new(), BTreeMap::new()),
    };

    // An explicit assignee must qualify; the deployment's default is used only while it still does.
    let assignee = match assignee_id {
        Some(user) => match eligible_name(&mut *tx, actor, deployment_id, user).await? {
            Some(name) => Some((user, name)),
            None => {
                errors.add("assignee_id", "Choose an active user who works at this deployment.");
                None
            }
        },
        None => match deployment.default_assignee_id.as_deref().map(UserId::parse) {
            Some(Ok(user)) => eligible_name(&mut *tx, actor, deployment_id, user).await?.map(|name| (user, name)),
            _ => None,
        },
    };

    let (Some(title), Some(description), Some(case_type), Some(reporter_email), Some(reporter_phone)) =
        (title, description, case_type, reporter_email, reporter_phone)
    else {
        return Err(AppError::Invalid(errors));
    };
    errors.into_result()?;

    let id = CaseId::new();
    let id_text = id.to_string();
    let fields_json = serde_json::to_string(&definitions).map_err(|e| AppError::Internal(e.to_string()))?;
    let values_json = serde_json::to_string(&values).map_err(|e| AppError::Internal(e.to_string()))?;
    let solution_suggestion = template.as_ref().map(|t| t.solution_suggestion.as_str()).unwrap_or_default();
    let template_key = template.as_ref().map(|t| t.id.as_str());
    let device_key = device_id.map(|d| d.to_string());
    let assignee_key = assignee.as_ref().map(|(user, _)| user.to_string());
    let created_by = actor.user_id().map(|u| u.to_string());
    let number = workspaces::take_case_number(&mut *tx, &workspace_id).await?;
    cases::insert(
        &mut *tx,
        &NewCase {
            id: &id_text,
            workspace_id: &workspace_id,
            number,
            deployment_id: &deployment_key,
            device_id: device_key.as_deref(),
            template_id: template_key,
            title: &title,
            description: &description,
            case_type: case_type.as_str(),
            origin: origin.as_str(),
            field_values_json: &values_json,
            fields_json: &fields_json,
            solution_suggestion,
            reporter_name: reporter_name.as_deref().unwrap_or_default(),
            reporter_email: &reporter_email,
            reporter_phone: &reporter_phone,
            assignee_id: assignee_key.as_deref(),
            created_by: created_by.as_deref(),
            now,
        },
    )
    .await?;
    record_event(&mut *tx, actor, id, event_kind::CREATED, created_body(origin), false, now).await?;
    if let Some((_, name)) = &assignee {
        record_event(&mut *tx, actor, id, event_kind::ASSIGNED, &format!("Assigned to {name}"), false, now).await?;
    }
    let row = cases::get(&mut *tx, &workspace_id, &id_text).await?.or_not_found()?;
    view_of(row)
}
