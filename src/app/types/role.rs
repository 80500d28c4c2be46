//! Workspace roles and the one permission table the UI and the services read.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A member's role in one workspace, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Member,
    Manager,
    Admin,
    Owner,
}

/// Something a role may or may not do inside its workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    ViewWorkspace,
    CreateContent,
    ReviewContent,
    ManageSites,
    ManageMembers,
    /// Plan, usage and invoices, read-only.
    ViewBilling,
    ManageBilling,
    ManageWorkspace,
    DeleteWorkspace,
    /// The workspace's audit log, read-only.
    ViewAudit,
}

/// The permission table: each permission names the weakest role that holds it.
/// Roles are ordered, so a stronger role holds everything a weaker one does.
const TABLE: &[(Permission, Role)] = &[
    (Permission::ViewWorkspace, Role::Viewer),
    (Permission::CreateContent, Role::Member),
    (Permission::ReviewContent, Role::Manager),
    (Permission::ManageSites, Role::Manager),
    (Permission::ManageMembers, Role::Admin),
    (Permission::ViewBilling, Role::Manager),
    (Permission::ManageBilling, Role::Admin),
    (Permission::ManageWorkspace, Role::Admin),
    (Permission::DeleteWorkspace, Role::Owner),
    (Permission::ViewAudit, Role::Admin),
];

impl Permission {
    /// Permissions that only look; an admin's support view holds these alone.
    pub fn is_read_only(self) -> bool {
        matches!(
            self,
            Permission::ViewWorkspace | Permission::ViewBilling | Permission::ViewAudit
        )
    }
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Admin, Role::Manager, Role::Member, Role::Viewer];

    pub fn can(self, permission: Permission) -> bool {
        TABLE
            .iter()
            .find(|(p, _)| *p == permission)
            .is_some_and(|(_, weakest)| self >= *weakest)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_the_table() {
        for p in [
            Permission::ViewWorkspace,
            Permission::CreateContent,
            Permission::ReviewContent,
            Permission::ManageSites,
            Permission::ManageMembers,
            Permission::ViewBilling,
            Permission::ManageBilling,
            Permission::ManageWorkspace,
            Permission::DeleteWorkspace,
            Permission::ViewAudit,
        ] {
            assert!(TABLE.iter().any(|(q, _)| *q == p), "{p:?} missing");
        }
    }

    #[test]
    fn owner_can_everything_and_viewer_only_views() {
        for (p, _) in TABLE {
            assert!(Role::Owner.can(*p));
        }
        assert!(Role::Viewer.can(Permission::ViewWorkspace));
        assert!(!Role::Viewer.can(Permission::CreateContent));
    }

    #[test]
    fn only_owners_delete_and_admins_bill() {
        assert!(!Role::Admin.can(Permission::DeleteWorkspace));
        assert!(Role::Admin.can(Permission::ManageBilling));
        assert!(!Role::Manager.can(Permission::ManageBilling));
        assert!(Role::Manager.can(Permission::ViewBilling));
        assert!(!Role::Member.can(Permission::ViewBilling));
        assert!(Role::Manager.can(Permission::ManageSites));
        assert!(!Role::Member.can(Permission::ReviewContent));
        assert!(Role::Admin.can(Permission::ViewAudit));
        assert!(!Role::Manager.can(Permission::ViewAudit));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
