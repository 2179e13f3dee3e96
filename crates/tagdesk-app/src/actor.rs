//! Who performs an operation, and what they may do (PRODUCT.md §2 "Roles").
//!
//! Workspace admins (and API keys and the CLI) have every right in their workspace. Members see only
//! deployments where they hold a role: viewers read, technicians also change devices and cases, deployment
//! admins also change the deployment. Anything outside the caller's sight answers [`AppError::NotFound`];
//! a visible thing the caller may not change answers [`AppError::Forbidden`].

use std::collections::HashMap;

use tagdesk_domain::{ApiKeyId, DeploymentId, DeploymentRole, UserId, WorkspaceId, WorkspaceRole};

use crate::{AppError, AppResult};

/// The caller of a use case.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The workspace every operation is confined to.
    pub workspace_id: WorkspaceId,
    /// Who it is.
    pub kind: ActorKind,
    /// Name for timelines and the audit log ("Ana Admin", "API key ci-sync", "CLI").
    pub label: String,
}

/// The kinds of caller.
#[derive(Debug, Clone)]
pub enum ActorKind {
    /// A signed-in staff user.
    User {
        /// The user.
        id: UserId,
        /// Their workspace role.
        role: WorkspaceRole,
        /// Their roles per deployment (ignored for admins).
        deployments: HashMap<DeploymentId, DeploymentRole>,
    },
    /// An integration using an API key: workspace-wide rights on deployments, devices, templates and cases.
    ApiKey {
        /// The key.
        id: ApiKeyId,
    },
    /// The operator's CLI or the system itself.
    System,
}

impl Actor {
    /// The CLI / system acting in a workspace.
    pub fn system(workspace_id: WorkspaceId) -> Self {
        Self { workspace_id, kind: ActorKind::System, label: "System".to_owned() }
    }

    /// The user behind the actor, if any.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.kind {
            ActorKind::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Workspace-wide rights.
    pub fn is_workspace_admin(&self) -> bool {
        match &self.kind {
            ActorKind::User { role, .. } => *role == WorkspaceRole::Admin,
            ActorKind::ApiKey { .. } | ActorKind::System => true,
        }
    }

    /// For list queries: `Some(user id)` when results must be limited to the member's deployments.
    pub fn member_scope(&self) -> Option<String> {
        match &self.kind {
            ActorKind::User { id, role: WorkspaceRole::Member, .. } => Some(id.to_string()),
            _ => None,
        }
    }

    /// The effective role at a deployment (admins are deployment admins everywhere).
    pub fn deployment_role(&self, deployment: DeploymentId) -> Option<DeploymentRole> {
        if self.is_workspace_admin() {
            return Some(DeploymentRole::Admin);
        }
        match &self.kind {
            ActorKind::User { deployments, .. } => deployments.get(&deployment).copied(),
            _ => None,
        }
    }

    /// Fails with NotFound unless the actor may see the deployment and what is in it.
    pub fn require_see(&self, deployment: DeploymentId) -> AppResult<DeploymentRole> {
        self.deployment_role(deployment).ok_or(AppError::NotFound)
    }

    /// Fails unless the actor may change devices and cases of the deployment.
    pub fn require_work(&self, deployment: DeploymentId) -> AppResult<()> {
        if self.require_see(deployment)?.can_work() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Viewers cannot change devices or cases.".to_owned()))
        }
    }

    /// Fails unless the actor may change the deployment's settings.
    pub fn require_administer(&self, deployment: DeploymentId) -> AppResult<()> {
        if self.require_see(deployment)?.can_administer() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only deployment admins can change this deployment.".to_owned()))
        }
    }

    /// Fails with Forbidden unless the actor has workspace-wide rights (for things members can see).
    pub fn require_workspace_admin(&self) -> AppResult<()> {
        if self.is_workspace_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only workspace admins can do this.".to_owned()))
        }
    }

    /// Fails with NotFound unless the actor is a workspace admin *user* (users, API keys, audit log:
    /// things members and integrations must not even see).
    pub fn require_admin_user(&self) -> AppResult<()> {
        match &self.kind {
            ActorKind::User { role: WorkspaceRole::Admin, .. } | ActorKind::System => Ok(()),
            _ => Err(AppError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(roles: &[(DeploymentId, DeploymentRole)]) -> Actor {
        Actor {
            workspace_id: WorkspaceId::new(),
            kind: ActorKind::User {
                id: UserId::new(),
                role: WorkspaceRole::Member,
                deployments: roles.iter().copied().collect(),
            },
            label: "m".into(),
        }
    }

    #[test]
    fn member_rights_follow_deployment_roles() {
        let (a, b, c) = (DeploymentId::new(), DeploymentId::new(), DeploymentId::new());
        let actor = member(&[(a, DeploymentRole::Viewer), (b, DeploymentRole::Technician)]);
        assert!(actor.require_see(a).is_ok());
        assert!(matches!(actor.require_work(a), Err(AppError::Forbidden(_))));
        assert!(actor.require_work(b).is_ok());
        assert!(matches!(actor.require_administer(b), Err(AppError::Forbidden(_))));
        assert!(matches!(actor.require_see(c), Err(AppError::NotFound)));
        assert!(matches!(actor.require_admin_user(), Err(AppError::NotFound)));
        assert!(actor.member_scope().is_some());
    }

    #[test]
    fn api_keys_work_everywhere_but_are_not_admin_users() {
        let key = Actor {
            workspace_id: WorkspaceId::new(),
            kind: ActorKind::ApiKey { id: ApiKeyId::new() },
            label: "k".into(),
        };
        assert!(key.require_administer(DeploymentId::new()).is_ok());
        assert!(key.member_scope().is_none());
        assert!(matches!(key.require_admin_user(), Err(AppError::NotFound)));
    }
}
