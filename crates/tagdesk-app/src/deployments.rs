//! Deployments (customer sites): create and delete by workspace admins, edit by deployment admins.

use tagdesk_domain::error::{optional_text, required_text};
use tagdesk_domain::values::parse_email_list;
use tagdesk_domain::{DeploymentId, FieldErrors, Language, TimeZoneName, UserId};
use tagdesk_store::deployments::{self, DeploymentFields, DeploymentRow};

use crate::error::OrNotFound;
use crate::page::{Page, PageRequest};
use crate::{Actor, App, AppError, AppResult, audit};

/// A deployment as typed into a form or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DeploymentInput {
    /// Site name, unique in the workspace.
    #[serde(default)]
    pub name: String,
    /// Postal address.
    #[serde(default)]
    pub address: String,
    /// IANA time zone.
    #[serde(default)]
    pub timezone: String,
    /// `en` or `de`.
    #[serde(default)]
    pub language: String,
    /// User id of the default case assignee, empty for none.
    #[serde(default)]
    pub default_assignee_id: String,
    /// Notification addresses separated by commas or new lines.
    #[serde(default)]
    pub notification_emails: String,
}

/// A deployment as shown.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeploymentView {
    /// Id.
    pub id: DeploymentId,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Time zone.
    pub timezone: String,
    /// Language tag.
    pub language: String,
    /// Default assignee.
    pub default_assignee_id: Option<String>,
    /// Default assignee's name.
    pub default_assignee_name: Option<String>,
    /// Notification addresses.
    pub notification_emails: Vec<String>,
    /// Active devices.
    pub device_count: i64,
    /// Open cases.
    pub open_case_count: i64,
    /// Created (ms).
    pub created_at: i64,
    /// Updated (ms).
    pub updated_at: i64,
}

impl TryFrom<DeploymentRow> for DeploymentView {
    type Error = AppError;
    fn try_from(row: DeploymentRow) -> AppResult<Self> {
        Ok(Self {
            id: DeploymentId::parse(&row.id).map_err(|e| AppError::Internal(e.to_string()))?,
            name: row.name,
            address: row.address,
            timezone: row.timezone,
            language: row.language,
            default_assignee_id: row.default_assignee_id,
            default_assignee_name: row.default_assignee_name,
            notification_emails: row.notification_emails.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            device_count: row.device_count,
            open_case_count: row.open_case_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

struct Valid {
    name: String,
    address: String,
    timezone: String,
    language: String,
    default_assignee_id: Option<String>,
    notification_emails: String,
}

impl Valid {
    fn fields(&self) -> DeploymentFields<'_> {
        DeploymentFields {
            name: &self.name,
            address: &self.address,
            timezone: &self.timezone,
            language: &self.language,
            default_assignee_id: self.default_assignee_id.as_deref(),
            notification_emails: &self.notification_emails,
        }
    }
}

async fn validate(
    app: &App,
    actor: &Actor,
    input: &DeploymentInput,
    existing: Option<DeploymentId>,
) -> AppResult<Valid> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", required_text(&input.name, 100));
    let address = errors.check("address", optional_text(&input.address, 500)).flatten().unwrap_or_default();
    let timezone = errors.check("timezone", TimeZoneName::parse(&input.timezone));
    let language = if input.language.trim().is_empty() {
        Some(Language::En)
    } else {
        errors.check("language", Language::parse(&input.language))
    };
    let emails = errors.check("notification_emails", parse_email_list(&input.notification_emails));
    let mut default_assignee_id = None;
    if !input.default_assignee_id.trim().is_empty() {
        let ok = match UserId::parse(&input.default_assignee_id) {
            Ok(user) => can_be_assigned(app, actor, user, existing).await?,
            Err(_) => false,
        };
        if ok {
            default_assignee_id = Some(input.default_assignee_id.trim().to_owned());
        } else {
            errors.add("default_assignee_id", "Choose an active user of this workspace who can see this deployment.");
        }
    }
    errors.clone().into_result()?;
    match (name, timezone, language, emails) {
        (Some(name), Some(timezone), Some(language), Some(emails)) => Ok(Valid {
            name,
            address,
            timezone: timezone.as_str().to_owned(),
            language: language.as_str().to_owned(),
            default_assignee_id,
            notification_emails: emails.iter().map(|e| e.as_str()).collect::<Vec<_>>().join("\n"),
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Whether `user` is an active user of the actor's workspace who can see the deployment (admins see all;
/// for a deployment not created yet only admins qualify).
async fn can_be_assigned(app: &App, actor: &Actor, user: UserId, deployment: Option<DeploymentId>) -> AppResult<bool> {
    let mut conn = app.store.read().await?;
    let Some(row) = tagdesk_store::users::get(&mut conn, &user.to_string()).await? else {
        return Ok(false);
    };
    if row.workspace_id != actor.workspace_id.to_string() || !row.is_active() {
        return Ok(false);
    }
    if row.workspace_role == "admin" {
        return Ok(true);
    }
    let Some(deployment) = deployment else {
        return Ok(false);
    };
    let roles = tagdesk_store::users::roles_of_user(&mut conn, &row.id).await?;
    Ok(roles.iter().any(|r| r.deployment_id == deployment.to_string()))
}

fn unique_name(err: AppError) -> AppError {
    match err {
        AppError::Store(e) if e.is_unique_on("name") => {
            AppError::invalid("name", "Another deployment already has this name.")
        }
        other => other,
    }
}

/// Creates a deployment. Workspace admins only.
pub async fn create(app: &App, actor: &Actor, input: &DeploymentInput) -> AppResult<DeploymentView> {
    actor.require_workspace_admin()?;
    let valid = validate(app, actor, input, None).await?;
    let id = DeploymentId::new();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    deployments::insert(&mut tx, &id.to_string(), &actor.workspace_id.to_string(), &valid.fields(), now)
        .await
        .map_err(|e| unique_name(e.into()))?;
    audit::record(
        &mut tx,
        actor,
        "deployment.created",
        ("deployment", &id.to_string()),
        format!("Created deployment \u{201c}{}\u{201d}", valid.name),
        now,
    )
    .await?;
    tx.commit().await?;
    app.portal_cache.clear();
    get(app, actor, id).await
}

/// Loads a deployment the actor can see.
pub async fn get(app: &App, actor: &Actor, id: DeploymentId) -> AppResult<DeploymentView> {
    actor.require_see(id)?;
    let mut conn = app.store.read().await?;
    deployments::get(&mut conn, &actor.workspace_id.to_string(), &id.to_string()).await?.or_not_found()?.try_into()
}

/// Deployments the actor can see, in creation order, one page at a time.
pub async fn list(app: &App, actor: &Actor, page: &PageRequest) -> AppResult<Page<DeploymentView>> {
    let limit = page.limit();
    if let Some(cursor) = &page.cursor {
        DeploymentId::parse(cursor).map_err(|_| AppError::invalid("cursor", "This cursor is not valid."))?;
    }
    let mut conn = app.store.read().await?;
    let member = actor.member_scope();
    let rows = deployments::list(
        &mut conn,
        &actor.workspace_id.to_string(),
        member.as_deref(),
        page.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    let page = Page::from_overfetch(rows, limit, |r| r.id.clone());
    let items = page.items.into_iter().map(DeploymentView::try_from).collect::<AppResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// Every deployment the actor can see, by name (for the list page and selects).
pub async fn list_all(app: &App, actor: &Actor) -> AppResult<Vec<DeploymentView>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = list(app, actor, &PageRequest { cursor, limit: Some(crate::page::MAX_LIMIT) }).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    all.sort_by_cached_key(|d| (d.name.to_lowercase(), d.id));
    Ok(all)
}

/// Changes a deployment. Deployment admins and workspace admins.
pub async fn update(app: &App, actor: &Actor, id: DeploymentId, input: &DeploymentInput) -> AppResult<DeploymentView> {
    actor.require_administer(id)?;
    get(app, actor, id).await?;
    let valid = validate(app, actor, input, Some(id)).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    deployments::update(&mut tx, &id.to_string(), &valid.fields(), now).await.map_err(|e| unique_name(e.into()))?;
    audit::record(
        &mut tx,
        actor,
        "deployment.updated",
        ("deployment", &id.to_string()),
        format!("Updated deployment \u{201c}{}\u{201d}", valid.name),
        now,
    )
    .await?;
    tx.commit().await?;
    app.portal_cache.clear();
    get(app, actor, id).await
}

/// Deletes a deployment that has no devices (archived ones included) and no open cases; its closed cases
/// are deleted with it. Workspace admins only.
pub async fn delete(app: &App, actor: &Actor, id: DeploymentId) -> AppResult<()> {
    let view = get(app, actor, id).await?;
    actor.require_workspace_admin()?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (devices, open_cases) = deployments::blockers(&mut tx, &id.to_string()).await?;
    if devices > 0 || open_cases > 0 {
        return Err(AppError::Conflict(format!(
            "\u{201c}{}\u{201d} still has {devices} device(s) and {open_cases} open case(s). Move or archive its devices and resolve its cases first; archived devices must be moved to another deployment.",
            view.name
        )));
    }
    deployments::delete(&mut tx, &id.to_string()).await?;
    audit::record(
        &mut tx,
        actor,
        "deployment.deleted",
        ("deployment", &id.to_string()),
        format!("Deleted deployment \u{201c}{}\u{201d}", view.name),
        now,
    )
    .await?;
    tx.commit().await?;
    app.portal_cache.clear();
    Ok(())
}

/// Finds the one deployment matching an id or name (CLI), optionally within a named workspace.
pub async fn resolve(
    app: &App,
    workspace_name: Option<&str>,
    id_or_name: &str,
) -> AppResult<(tagdesk_domain::WorkspaceId, DeploymentId)> {
    let mut conn = app.store.read().await?;
    let matches = deployments::resolve(&mut conn, workspace_name, id_or_name.trim()).await?;
    match matches.as_slice() {
        [(workspace, deployment)] => {
            let corrupt = |e: tagdesk_domain::DomainError| AppError::Internal(e.to_string());
            Ok((
                tagdesk_domain::WorkspaceId::parse(workspace).map_err(corrupt)?,
                DeploymentId::parse(deployment).map_err(corrupt)?,
            ))
        }
        [] => Err(AppError::invalid("deployment", format!("No deployment is called \u{201c}{id_or_name}\u{201d}."))),
        _ => {
            Err(AppError::invalid("deployment", "Several workspaces have a deployment of that name; add --workspace."))
        }
    }
}
