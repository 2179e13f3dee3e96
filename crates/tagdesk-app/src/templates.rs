//! Case templates (workspace level): a pre-filled title, type, description and solution suggestion plus
//! typed custom fields. Every actor of the workspace may read them (the portal and case forms need them);
//! only workspace admins change them. Field keys are never reused across edits, so values stored on old
//! cases keep their meaning; cases keep their own snapshot of the definitions anyway.

use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::fields::{FieldDraft, validate_definitions};
use tagdesk_domain::{CaseTemplateId, CaseType, FieldDefinition, FieldErrors};
use tagdesk_store::StoreError;
use tagdesk_store::templates::{self, TemplateFields, TemplateRow};

use crate::error::OrNotFound;
use crate::{Actor, App, AppError, AppResult, audit};

/// Longest template name.
pub const NAME_MAX: usize = 100;
/// Longest pre-filled title.
pub const TITLE_MAX: usize = 200;
/// Longest description and solution suggestion.
pub const TEXT_MAX: usize = 10_000;

/// A template as typed into the form or sent to the API, before validation.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TemplateInput {
    /// Name staff and customers pick it by (unique in the workspace, ignoring case).
    pub name: String,
    /// Pre-filled case title (optional).
    pub title: String,
    /// Pre-filled case type, in wire form (`anomaly`, `damage`…).
    pub case_type: String,
    /// Pre-filled description (optional).
    pub description: String,
    /// Suggestion copied onto new cases for whoever handles them (optional).
    pub solution_suggestion: String,
    /// Custom fields; existing fields carry their key.
    pub fields: Vec<FieldDraft>,
}

/// A stored template.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TemplateView {
    /// Id.
    pub id: CaseTemplateId,
    /// Name.
    pub name: String,
    /// Pre-filled title.
    pub title: String,
    /// Pre-filled type.
    pub case_type: CaseType,
    /// Pre-filled description.
    pub description: String,
    /// Solution suggestion.
    pub solution_suggestion: String,
    /// Custom fields in display order.
    pub fields: Vec<FieldDefinition>,
    /// Whether it can be picked for new cases.
    pub active: bool,
    /// Created (UTC ms).
    pub created_at: i64,
    /// Last changed (UTC ms).
    pub updated_at: i64,
}

impl From<&TemplateView> for TemplateInput {
    /// The input that reproduces a template: fills the edit form.
    fn from(view: &TemplateView) -> Self {
        Self {
            name: view.name.clone(),
            title: view.title.clone(),
            case_type: view.case_type.as_str().to_owned(),
            description: view.description.clone(),
            solution_suggestion: view.solution_suggestion.clone(),
            fields: view
                .fields
                .iter()
                .zip(0_i64..)
                .map(|(field, position)| FieldDraft {
                    key: field.key.clone(),
                    label: field.label.clone(),
                    help: field.help.clone(),
                    kind: field.kind.as_str().to_owned(),
                    required: field.required,
                    options: field.options.clone(),
                    position,
                })
                .collect(),
        }
    }
}

/// A stored value that does not parse back (a bug or a corrupt row).
pub(crate) fn corrupt(what: impl std::fmt::Display) -> AppError {
    AppError::Store(StoreError::corrupt(what))
}

/// Reads stored field definitions (of a template or of a case's snapshot).
pub(crate) fn parse_definitions(json: &str) -> AppResult<Vec<FieldDefinition>> {
    serde_json::from_str(json).map_err(|e| corrupt(format!("field definitions: {e}")))
}

fn view_of(row: TemplateRow) -> AppResult<TemplateView> {
    Ok(TemplateView {
        id: CaseTemplateId::parse(&row.id).map_err(corrupt)?,
        case_type: CaseType::parse(&row.case_type).map_err(corrupt)?,
        fields: parse_definitions(&row.fields_json)?,
        active: row.is_active(),
        name: row.name,
        title: row.title,
        description: row.description,
        solution_suggestion: row.solution_suggestion,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The workspace's templates by name, active first; inactive ones only when asked.
pub async fn list(app: &App, actor: &Actor, include_inactive: bool) -> AppResult<Vec<TemplateView>> {
    let mut conn = app.store.read().await?;
    templates::list(&mut conn, &actor.workspace_id.to_string(), !include_inactive)
        .await?
        .into_iter()
        .map(view_of)
        .collect()
}

/// One template of the workspace (active or not).
pub async fn get(app: &App, actor: &Actor, id: CaseTemplateId) -> AppResult<TemplateView> {
    let mut conn = app.store.read().await?;
    view_of(templates::get(&mut conn, &actor.workspace_id.to_string(), &id.to_string()).await?.or_not_found()?)
}

/// Validated template input, ready to store.
struct Valid {
    name: String,
    title: String,
    case_type: CaseType,
    description: String,
    solution_suggestion: String,
    fields: Vec<FieldDefinition>,
}

fn validate(input: &TemplateInput, used_keys: &[String]) -> Result<Valid, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", required_text(&input.name, NAME_MAX));
    let title = errors.check("title", optional_text(&input.title, TITLE_MAX));
    let case_type = errors.check("case_type", CaseType::parse(&input.case_type));
    let description = errors.check("description", optional_text(&input.description, TEXT_MAX));
    let suggestion = errors.check("solution_suggestion", optional_text(&input.solution_suggestion, TEXT_MAX));
    let fields = match validate_definitions(&input.fields, used_keys) {
        Ok(fields) => Some(fields),
        Err(field_errors) => {
            for error in field_errors.iter() {
                errors.add(&error.field, &error.message);
            }
            None
        }
    };
    match (name, title, case_type, description, suggestion, fields) {
        (Some(name), Some(title), Some(case_type), Some(description), Some(suggestion), Some(fields))
            if errors.is_empty() =>
        {
            Ok(Valid {
                name,
                title: title.unwrap_or_default(),
                case_type,
                description: description.unwrap_or_default(),
                solution_suggestion: suggestion.unwrap_or_default(),
                fields,
            })
        }
        _ => Err(errors),
    }
}

/// Every key ever used: the earlier ones plus those of the new definitions, comma-separated.
fn merged_keys(used: &[String], fields: &[FieldDefinition]) -> String {
    let mut keys: Vec<&str> = used.iter().map(String::as_str).collect();
    for field in fields {
        if !keys.contains(&field.key.as_str()) {
            keys.push(&field.key);
        }
    }
    keys.join(",")
}

fn split_keys(stored: &str) -> Vec<String> {
    stored.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect()
}

fn name_taken(err: StoreError) -> AppError {
    if err.is_unique_on("name") {
        AppError::invalid("name", "A template with this name already exists.")
    } else {
        AppError::Store(err)
    }
}

/// Creates a template (workspace admins).
pub async fn create(app: &App, actor: &Actor, input: &TemplateInput) -> AppResult<TemplateView> {
    actor.require_workspace_admin()?;
    let valid = validate(input, &[])?;
    let fields_json = serde_json::to_string(&valid.fields).map_err(|e| AppError::Internal(e.to_string()))?;
    let used_keys = merged_keys(&[], &valid.fields);
    let id = CaseTemplateId::new().to_string();
    let workspace_id = actor.workspace_id.to_string();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let stored = TemplateFields {
        name: &valid.name,
        title: &valid.title,
        case_type: valid.case_type.as_str(),
        description: &valid.description,
        solution_suggestion: &valid.solution_suggestion,
        fields_json: &fields_json,
        used_keys: &used_keys,
    };
    templates::insert(&mut tx, &id, &workspace_id, &stored, now).await.map_err(name_taken)?;
    audit::record(&mut tx, actor, "template.created", ("case_template", &id), format!("Template {}", valid.name), now)
        .await?;
    let row = templates::get(&mut tx, &workspace_id, &id).await?.or_not_found()?;
    tx.commit().await?;
    app.portal_cache.clear();
    view_of(row)
}

/// Changes a template (workspace admins). Cases created earlier keep their own copy of the fields.
pub async fn update(app: &App, actor: &Actor, id: CaseTemplateId, input: &TemplateInput) -> AppResult<TemplateView> {
    actor.require_workspace_admin()?;
    let id = id.to_string();
    let workspace_id = actor.workspace_id.to_string();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let current = templates::get(&mut tx, &workspace_id, &id).await?.or_not_found()?;
    let used = split_keys(&current.used_keys);
    let valid = validate(input, &used)?;
    let fields_json = serde_json::to_string(&valid.fields).map_err(|e| AppError::Internal(e.to_string()))?;
    let used_keys = merged_keys(&used, &valid.fields);
    let stored = TemplateFields {
        name: &valid.name,
        title: &valid.title,
        case_type: valid.case_type.as_str(),
        description: &valid.description,
        solution_suggestion: &valid.solution_suggestion,
        fields_json: &fields_json,
        used_keys: &used_keys,
    };
    templates::update(&mut tx, &id, &stored, now).await.map_err(name_taken)?;
    let summary = if current.name == valid.name {
        format!("Template {}", valid.name)
    } else {
        format!("Template {} (renamed from {})", valid.name, current.name)
    };
    audit::record(&mut tx, actor, "template.updated", ("case_template", &id), summary, now).await?;
    let row = templates::get(&mut tx, &workspace_id, &id).await?.or_not_found()?;
    tx.commit().await?;
    app.portal_cache.clear();
    view_of(row)
}

/// Activates or deactivates a template (workspace admins). Inactive templates cannot be picked for new
/// cases but stay on old ones. Setting the current state again changes nothing.
pub async fn set_active(app: &App, actor: &Actor, id: CaseTemplateId, active: bool) -> AppResult<TemplateView> {
    actor.require_workspace_admin()?;
    let id = id.to_string();
    let workspace_id = actor.workspace_id.to_string();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let current = templates::get(&mut tx, &workspace_id, &id).await?.or_not_found()?;
    if current.is_active() == active {
        return view_of(current);
    }
    templates::set_active(&mut tx, &id, active, now).await?;
    let action = if active { "template.activated" } else { "template.deactivated" };
    audit::record(&mut tx, actor, action, ("case_template", &id), format!("Template {}", current.name), now).await?;
    let row = templates::get(&mut tx, &workspace_id, &id).await?.or_not_found()?;
    tx.commit().await?;
    app.portal_cache.clear();
    view_of(row)
}
