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
    /// Create API keys that act as oneself (admins also see and revoke
    /// everyone's).
    ManageApiKeys,
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
    (Permission::ManageApiKeys, Role::Member),
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

/// What an API key may reach, on top of its creator's role. Each scope
/// includes the ones below it: `write` can read, `admin` can do both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    /// The scope a permission needs: looking needs `read`; content, review
    /// and sites need `write`; members, billing, the workspace and its audit
    /// log need `admin`.
    pub fn needed_for(permission: Permission) -> Scope {
        match permission {
            Permission::ViewWorkspace | Permission::ViewBilling => Scope::Read,
            Permission::CreateContent | Permission::ReviewContent | Permission::ManageSites => Scope::Write,
            Permission::ManageMembers
            | Permission::ManageBilling
            | Permission::ManageWorkspace
            | Permission::DeleteWorkspace
            | Permission::ViewAudit
            | Permission::ManageApiKeys => Scope::Admin,
        }
    }

    /// Whether a key holding `scopes` may use `permission`.
    pub fn covers(scopes: &[Scope], permission: Permission) -> bool {
        let needed = Scope::needed_for(permission);
        scopes.iter().any(|s| *s >= needed)
    }

    /// Whether `role` may give a key this scope: a key never carries a
    /// scope its creator's role has no use for (so a later promotion does
    /// not quietly widen an old key).
    pub fn fits(self, role: Role) -> bool {
        self <= Scope::widest_for(role)
    }

    pub fn widest_for(role: Role) -> Scope {
        match role {
            Role::Owner | Role::Admin => Scope::Admin,
            Role::Manager | Role::Member => Scope::Write,
            Role::Viewer => Scope::Read,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A change to who belongs to a workspace, decided by the permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Invite someone with this role, or resend or revoke such an invitation.
    Invite(Role),
    /// Give a member another role.
    ChangeRole { from: Role, to: Role },
    /// Remove a member who has this role.
    Remove(Role),
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Admin, Role::Manager, Role::Member, Role::Viewer];

    pub fn can(self, permission: Permission) -> bool {
        TABLE
            .iter()
            .find(|(p, _)| *p == permission)
            .is_some_and(|(_, weakest)| self >= *weakest)
    }

    /// Whether this role may make `change` to someone's membership: only
    /// roles that manage members change anything, and nobody grants, takes
    /// away or acts on a role above their own. (That a workspace keeps an
    /// owner is a rule about the whole workspace; the service checks it.)
    pub fn may(self, change: MemberChange) -> bool {
        self.can(Permission::ManageMembers)
            && match change {
                MemberChange::Invite(role) | MemberChange::Remove(role) => role <= self,
                MemberChange::ChangeRole { from, to } => from <= self && to <= self,
            }
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
            Permission::ManageApiKeys,
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
    fn only_admins_and_owners_change_members_and_never_above_themselves() {
        for actor in Role::ALL {
            let manages = actor >= Role::Admin;
            for a in Role::ALL {
                assert_eq!(
                    actor.may(MemberChange::Invite(a)),
                    manages && a <= actor,
                    "{actor} invites {a}"
                );
                assert_eq!(
                    actor.may(MemberChange::Remove(a)),
                    manages && a <= actor,
                    "{actor} removes {a}"
                );
                for b in Role::ALL {
                    let change = MemberChange::ChangeRole { from: a, to: b };
                    assert_eq!(
                        actor.may(change),
                        manages && a <= actor && b <= actor,
                        "{actor}: {a} to {b}"
                    );
                }
            }
        }
        assert!(Role::Owner.may(MemberChange::Invite(Role::Owner)));
        assert!(!Role::Admin.may(MemberChange::Invite(Role::Owner)));
        assert!(!Role::Admin.may(MemberChange::ChangeRole {
            from: Role::Owner,
            to: Role::Viewer
        }));
        assert!(!Role::Manager.may(MemberChange::Remove(Role::Viewer)));
    }

    #[test]
    fn each_scope_includes_the_ones_below_it() {
        use Permission::*;
        assert!(Scope::covers(&[Scope::Read], ViewWorkspace));
        assert!(!Scope::covers(&[Scope::Read], ManageSites));
        assert!(Scope::covers(&[Scope::Write], ViewBilling));
        assert!(Scope::covers(&[Scope::Write], ReviewContent));
        assert!(!Scope::covers(&[Scope::Write], ManageMembers));
        assert!(Scope::covers(&[Scope::Admin], ManageBilling));
        assert!(Scope::covers(&[Scope::Read, Scope::Admin], ViewAudit));
        assert!(
            !Scope::covers(&[], ViewWorkspace),
            "a key without scopes reaches nothing"
        );
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert!(Scope::Admin.fits(Role::Admin) && !Scope::Admin.fits(Role::Manager));
        assert!(Scope::Write.fits(Role::Member) && !Scope::Write.fits(Role::Viewer));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
