//! Who may be assigned a case: an active user of the workspace who can see the case's deployment
//! (a workspace admin, or a member holding any role there).

use tagdesk_domain::{DeploymentId, UserId, WorkspaceRole};
use tagdesk_store::{Conn, deployments, users};

use crate::error::OrNotFound;
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult};

/// The user's display name when they may be assigned cases of `deployment`, else `None`.
pub(crate) async fn eligible_name(
    conn: &mut Conn,
    actor: &Actor,
    deployment: DeploymentId,
    user: UserId,
) -> AppResult<Option<String>> {
    let Some(row) = users::get(conn, &user.to_string()).await? else {
        return Ok(None);
    };
    if row.workspace_id != actor.workspace_id.to_string() || !row.is_active() {
        return Ok(None);
    }
    if row.workspace_role == WorkspaceRole::Admin.as_str() {
        return Ok(Some(row.display_name));
    }
    let deployment = deployment.to_string();
    let holds_role = users::roles_of_user(conn, &row.id).await?.iter().any(|r| r.deployment_id == deployment);
    Ok(holds_role.then_some(row.display_name))
}

/// Like [`eligible_name`], as a validation error on `assignee_id`.
pub(crate) async fn require_eligible(
    conn: &mut Conn,
    actor: &Actor,
    deployment: DeploymentId,
    user: UserId,
) -> AppResult<String> {
    eligible_name(conn, actor, deployment, user)
        .await?
        .ok_or_else(|| AppError::invalid("assignee_id", "Choose an active user who works at this deployment."))
}

/// The users a case of `deployment` can be assigned to, by name, for selects.
pub async fn assignable_users(app: &App, actor: &Actor, deployment: DeploymentId) -> AppResult<Vec<(UserId, String)>> {
    actor.require_see(deployment)?;
    let mut conn = app.store.read().await?;
    let workspace_id = actor.workspace_id.to_string();
    deployments::get(&mut conn, &workspace_id, &deployment.to_string()).await?.or_not_found()?;
    let deployment = deployment.to_string();
    let with_role: Vec<String> = users::roles_in_workspace(&mut conn, &workspace_id)
        .await?
        .into_iter()
        .filter(|r| r.deployment_id == deployment)
        .map(|r| r.user_id)
        .collect();
    users::list(&mut conn, &workspace_id)
        .await?
        .into_iter()
        .filter(|u| u.is_active() && (u.workspace_role == WorkspaceRole::Admin.as_str() || with_role.contains(&u.id)))
        .map(|u| Ok((UserId::parse(&u.id).map_err(corrupt)?, u.display_name)))
        .collect()
}
