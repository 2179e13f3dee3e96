//! Workspace users: creating accounts, workspace roles, per-deployment roles, deactivation.
//! Workspace admins only (the CLI acts as the system).

use tagdesk_domain::error::required_text;
use tagdesk_domain::{DeploymentId, DeploymentRole, Email, FieldErrors, UserId, WorkspaceId, WorkspaceRole};
use tagdesk_store::users::{self, NewUser, RoleRow, UserRow};
use tagdesk_store::{sessions, workspaces};

use crate::auth::{check_password_policy, hash_password};
use crate::error::OrNotFound;
use crate::{Actor, App, AppError, AppResult, audit};

/// A new user as typed into the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewUserInput {
    /// Login email.
    #[serde(default)]
    pub email: String,
    /// Name shown to colleagues.
    #[serde(default)]
    pub display_name: String,
    /// `admin` or `member`.
    #[serde(default)]
    pub workspace_role: String,
    /// Initial password, handed to the user out of band.
    #[serde(default)]
    pub password: String,
}

/// Changes to a user.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserUpdate {
    /// Name shown to colleagues.
    #[serde(default)]
    pub display_name: String,
    /// `admin` or `member`.
    #[serde(default)]
    pub workspace_role: String,
    /// Whether the user may sign in.
    #[serde(default)]
    pub active: bool,
}

/// A user's role at one deployment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoleView {
    /// Deployment.
    pub deployment_id: String,
    /// Its name.
    pub deployment_name: String,
    /// The role.
    pub role: DeploymentRole,
}

/// A user as shown to admins.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserView {
    /// Id.
    pub id: UserId,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Workspace role.
    pub workspace_role: WorkspaceRole,
    /// May sign in.
    pub active: bool,
    /// Deployment roles.
    pub roles: Vec<RoleView>,
    /// Created (ms).
    pub created_at: i64,
}

fn corrupt(e: tagdesk_domain::DomainError) -> AppError {
    AppError::Internal(e.to_string())
}

fn view(row: UserRow, roles: &[RoleRow]) -> AppResult<UserView> {
    let roles = roles
        .iter()
        .filter(|r| r.user_id == row.id)
        .map(|r| {
            Ok(RoleView {
                deployment_id: r.deployment_id.clone(),
                deployment_name: r.deployment_name.clone(),
                role: DeploymentRole::parse(&r.role).map_err(corrupt)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let active = row.is_active();
    Ok(UserView {
        id: UserId::parse(&row.id).map_err(corrupt)?,
        email: row.email,
        display_name: row.display_name,
        workspace_role: WorkspaceRole::parse(&row.workspace_role).map_err(corrupt)?,
        active,
        roles,
        created_at: row.created_at,
    })
}

/// Users of the workspace.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<UserView>> {
    actor.require_admin_user()?;
    let mut conn = app.store.read().await?;
    let ws = actor.workspace_id.to_string();
    let roles = users::roles_in_workspace(&mut conn, &ws).await?;
    users::list(&mut conn, &ws).await?.into_iter().map(|row| view(row, &roles)).collect()
}

/// Active users of the workspace as (id, name), for assignee selects; visible to every staff user.
pub async fn directory(app: &App, actor: &Actor) -> AppResult<Vec<(UserId, String)>> {
    let mut conn = app.store.read().await?;
    users::list(&mut conn, &actor.workspace_id.to_string())
        .await?
        .into_iter()
        .filter(UserRow::is_active)
        .map(|row| Ok((UserId::parse(&row.id).map_err(corrupt)?, row.display_name)))
        .collect()
}

/// One user of the workspace.
pub async fn get(app: &App, actor: &Actor, id: UserId) -> AppResult<UserView> {
    actor.require_admin_user()?;
    let mut conn = app.store.read().await?;
    let row = users::get(&mut conn, &id.to_string())
        .await?
        .filter(|u| u.workspace_id == actor.workspace_id.to_string())
        .or_not_found()?;
    let roles = users::roles_of_user(&mut conn, &row.id).await?;
    view(row, &roles)
}

struct ValidNewUser {
    email: Email,
    display_name: String,
    role: WorkspaceRole,
}

fn validate_new(input: &NewUserInput) -> AppResult<ValidNewUser> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    let display_name = errors.check("display_name", required_text(&input.display_name, 100));
    let role = errors.check("workspace_role", WorkspaceRole::parse(&input.workspace_role));
    if let Err(AppError::Invalid(e)) = check_password_policy(&input.password) {
        for err in e.iter() {
            errors.add(&err.field, &err.message);
        }
    }
    match (email, display_name, role) {
        (Some(email), Some(display_name), Some(role)) if errors.is_empty() => {
            Ok(ValidNewUser { email, display_name, role })
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

/// The answer for an email address that is taken outside the workspace (it does not say where).
pub const EMAIL_UNAVAILABLE: &str =
    "This email address cannot be used. Use another one, or ask the operator of this Tagdesk installation.";

/// Recomputes every user's login key with [`tagdesk_domain::Email::login_key`] where it differs (the
/// migration that introduced the keys could only use the database's `lower()`); run at start. Returns how
/// many keys changed.
pub async fn rekey_emails(app: &App) -> AppResult<usize> {
    let mut tx = app.store.begin().await?;
    let mut changed = 0;
    for (id, email, key) in users::login_keys(&mut tx).await? {
        let wanted = Email::parse(&email).map_or_else(|_| email.to_lowercase(), |e| e.login_key());
        if wanted != key {
            users::set_login_key(&mut tx, &id, &wanted).await?;
            changed += 1;
        }
    }
    tx.commit().await?;
    Ok(changed)
}

async fn insert_user(
    conn: &mut tagdesk_store::Conn,
    workspace: WorkspaceId,
    v: &ValidNewUser,
    hash: &str,
    now: i64,
) -> AppResult<UserId> {
    // Emails are login names, unique across the installation. Within the workspace the admin may be told
    // that the user exists; an address taken in another workspace is refused without saying so.
    if let Some(existing) = users::find_by_login_key(conn, &v.email.login_key()).await? {
        return Err(if existing.workspace_id == workspace.to_string() {
            AppError::invalid("email", "A user with this email already exists.")
        } else {
            AppError::invalid("email", EMAIL_UNAVAILABLE)
        });
    }
    let id = UserId::new();
    let new = NewUser {
        id: &id.to_string(),
        workspace_id: &workspace.to_string(),
        email: v.email.as_str(),
        email_key: &v.email.login_key(),
        display_name: &v.display_name,
        password_hash: hash,
        workspace_role: v.role.as_str(),
        now,
    };
    users::insert(conn, &new)
        .await
        .map_err(|e| if e.is_unique_on("email") { AppError::invalid("email", EMAIL_UNAVAILABLE) } else { e.into() })?;
    Ok(id)
}

/// Creates a user in the actor's workspace.
pub async fn create(app: &App, actor: &Actor, input: &NewUserInput) -> AppResult<UserView> {
    actor.require_admin_user()?;
    let valid = validate_new(input)?;
    let hash = hash_password(app, input.password.clone()).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = insert_user(&mut tx, actor.workspace_id, &valid, &hash, now).await?;
    audit::record(
        &mut tx,
        actor,
        "user.created",
        ("user", &id.to_string()),
        format!("Created {} as {}", valid.email, valid.role.as_str()),
        now,
    )
    .await?;
    tx.commit().await?;
    get(app, actor, id).await
}

/// Creates a user from the CLI, creating the workspace `workspace_name` when it does not exist yet.
/// Returns the workspace and the user.
pub async fn bootstrap(app: &App, workspace_name: &str, input: &NewUserInput) -> AppResult<(WorkspaceId, UserId)> {
    let workspace_name =
        required_text(workspace_name, 100).map_err(|e| AppError::invalid("workspace", e.to_string()))?;
    let valid = validate_new(input)?;
    let hash = hash_password(app, input.password.clone()).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let workspace = match workspaces::find_by_name(&mut tx, &workspace_name).await? {
        Some(ws) => WorkspaceId::parse(&ws.id).map_err(corrupt)?,
        None => {
            let id = WorkspaceId::new();
            workspaces::insert(&mut tx, &id.to_string(), &workspace_name, now).await?;
            id
        }
    };
    let actor = Actor { label: "CLI".to_owned(), ..Actor::system(workspace) };
    let id = insert_user(&mut tx, workspace, &valid, &hash, now).await?;
    audit::record(
        &mut tx,
        &actor,
        "user.created",
        ("user", &id.to_string()),
        format!("Created {} as {} (CLI)", valid.email, valid.role.as_str()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((workspace, id))
}

/// Changes name, workspace role and active flag. The last active admin cannot be demoted or deactivated;
/// deactivating ends the user's sessions.
pub async fn update(app: &App, actor: &Actor, id: UserId, input: &UserUpdate) -> AppResult<UserView> {
    let current = get(app, actor, id).await?;
    let mut errors = FieldErrors::new();
    let display_name = errors.check("display_name", required_text(&input.display_name, 100));
    let role = errors.check("workspace_role", WorkspaceRole::parse(&input.workspace_role));
    let (Some(display_name), Some(role)) = (display_name, role) else {
        return Err(AppError::Invalid(errors));
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let loses_admin = current.workspace_role == WorkspaceRole::Admin
        && current.active
        && (role != WorkspaceRole::Admin || !input.active);
    if loses_admin
        && users::count_other_active_admins(&mut tx, &actor.workspace_id.to_string(), &id.to_string()).await? == 0
    {
        return Err(AppError::Conflict("The workspace needs at least one active admin.".to_owned()));
    }
    users::update(&mut tx, &id.to_string(), &display_name, role.as_str(), input.active).await?;
    if !input.active {
        sessions::delete_for_user(&mut tx, &id.to_string()).await?;
    }
    let summary =
        format!("{}: role {}, {}", current.email, role.as_str(), if input.active { "active" } else { "deactivated" });
    audit::record(&mut tx, actor, "user.updated", ("user", &id.to_string()), summary, now).await?;
    tx.commit().await?;
    get(app, actor, id).await
}

/// Sets (Some) or removes (None) a user's role at a deployment.
pub async fn set_deployment_role(
    app: &App,
    actor: &Actor,
    user: UserId,
    deployment: DeploymentId,
    role: Option<DeploymentRole>,
) -> AppResult<UserView> {
    let current = get(app, actor, user).await?;
    let dep = crate::deployments::get(app, actor, deployment).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    match role {
        Some(role) => users::set_role(&mut tx, &user.to_string(), &deployment.to_string(), role.as_str()).await?,
        None => users::remove_role(&mut tx, &user.to_string(), &deployment.to_string()).await?,
    }
    let what = role.map_or("no role".to_owned(), |r| format!("role {}", r.as_str()));
    audit::record(
        &mut tx,
        actor,
        "user.role_changed",
        ("user", &user.to_string()),
        format!("{}: {} at \u{201c}{}\u{201d}", current.email, what, dep.name),
        now,
    )
    .await?;
    tx.commit().await?;
    get(app, actor, user).await
}

/// Sets a new password for a user and ends their sessions.
pub async fn set_password(app: &App, actor: &Actor, user: UserId, password: &str) -> AppResult<()> {
    let current = get(app, actor, user).await?;
    check_password_policy(password)?;
    let hash = hash_password(app, password.to_owned()).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    users::set_password_hash(&mut tx, &user.to_string(), &hash).await?;
    sessions::delete_for_user(&mut tx, &user.to_string()).await?;
    audit::record(
        &mut tx,
        actor,
        "user.password_set",
        ("user", &user.to_string()),
        format!("New password for {}", current.email),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Finds a workspace by name (CLI).
pub async fn find_workspace(app: &App, name: &str) -> AppResult<Option<WorkspaceId>> {
    let mut conn = app.store.read().await?;
    workspaces::find_by_name(&mut conn, name).await?.map(|w| WorkspaceId::parse(&w.id).map_err(corrupt)).transpose()
}

/// The workspace a CLI command acts in: the one named (ignoring case), or — when no name is given — the
/// only workspace there is. Refused with a message naming `--workspace` when the name matches none, when
/// there is no workspace yet, or when several exist and none is named.
pub async fn cli_workspace(app: &App, name: Option<&str>) -> AppResult<(WorkspaceId, String)> {
    let mut conn = app.store.read().await?;
    let row = match name.map(str::trim) {
        Some(name) => workspaces::find_by_name(&mut conn, name)
            .await?
            .ok_or_else(|| AppError::invalid("workspace", format!("No workspace is called \u{201c}{name}\u{201d}.")))?,
        None => {
            let mut rows = workspaces::list(&mut conn, 2).await?;
            match (rows.pop(), rows.is_empty()) {
                (Some(only), true) => only,
                (Some(_), false) => {
                    return Err(AppError::invalid("workspace", "Several workspaces exist; name one with --workspace."));
                }
                (None, _) => {
                    return Err(AppError::invalid(
                        "workspace",
                        "There is no workspace yet; create one with `tagdesk admin create-user --workspace NAME`.",
                    ));
                }
            }
        }
    };
    Ok((WorkspaceId::parse(&row.id).map_err(corrupt)?, row.name))
}
