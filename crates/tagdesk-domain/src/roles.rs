//! Roles: a workspace role for every user, and per-deployment roles for members (PRODUCT.md §2).

use crate::DomainError;

/// A user's role in their workspace. Admins have every right; members only what deployment roles give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceRole {
    /// Every right in the workspace.
    Admin,
    /// Rights only through deployment roles.
    Member,
}

/// A member's role at one deployment, ordered from least to most rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentRole {
    /// Read-only.
    Viewer,
    /// Devices, labels and cases.
    Technician,
    /// Also the deployment's settings.
    Admin,
}

impl WorkspaceRole {
    /// All roles, for selects.
    pub const ALL: [WorkspaceRole; 2] = [WorkspaceRole::Admin, WorkspaceRole::Member];

    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Parses the stored / wire form.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim() {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err(DomainError::invalid("Choose admin or member.")),
        }
    }
}

impl DeploymentRole {
    /// All roles, for selects.
    pub const ALL: [DeploymentRole; 3] = [DeploymentRole::Admin, DeploymentRole::Technician, DeploymentRole::Viewer];

    /// Stored / wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Technician => "technician",
            Self::Viewer => "viewer",
        }
    }

    /// Parses the stored / wire form.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim() {
            "admin" => Ok(Self::Admin),
            "technician" => Ok(Self::Technician),
            "viewer" => Ok(Self::Viewer),
            _ => Err(DomainError::invalid("Choose admin, technician or viewer.")),
        }
    }

    /// May change devices and cases.
    pub fn can_work(self) -> bool {
        self >= Self::Technician
    }

    /// May change the deployment's settings.
    pub fn can_administer(self) -> bool {
        self == Self::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_roles_are_ordered_by_rights() {
        assert!(DeploymentRole::Viewer < DeploymentRole::Technician);
        assert!(!DeploymentRole::Viewer.can_work());
        assert!(DeploymentRole::Technician.can_work());
        assert!(!DeploymentRole::Technician.can_administer());
        assert!(DeploymentRole::Admin.can_administer());
        for role in DeploymentRole::ALL {
            assert_eq!(DeploymentRole::parse(role.as_str()), Ok(role));
        }
        assert!(WorkspaceRole::parse("owner").is_err());
    }
}
