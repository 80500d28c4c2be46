//! The scope of every tenant-owned operation. A `TenantContext` comes to
//! exist in two ways only: from a membership row, when `auth` resolves a
//! request (`extract`), or by `for_system_job`, when the job runner works
//! for a workspace. Its fields are private, so no other code can forge one.

use crate::app::types::{Permission, Role, Scope, TenantId, UserId};
use crate::server::error::{ServerError, ServerResult};

#[derive(Debug, Clone)]
pub struct TenantContext {
    tenant_id: TenantId,
    actor: Actor,
    origin: Origin,
    /// A platform admin suspended the workspace: it may be read, not changed.
    suspended: bool,
    /// The API key acting, when the request carried one: its scopes limit
    /// the member's role further.
    key: Option<KeyUse>,
}

#[derive(Debug, Clone)]
struct KeyUse {
    id: String,
    scopes: Vec<Scope>,
}

/// Where an action came from, for the audit log: the client's address and
/// the request's id. Empty for the job runner and the command line.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub request_id: String,
}

/// What a member of a suspended workspace is told when they try a change.
pub const SUSPENDED: &str =
    "This workspace is suspended, so nothing in it can be changed and its automation is paused. \
     The banner at the top of the page says whom to write to.";

#[derive(Debug, Clone)]
enum Actor {
    /// A signed-in member acting with their role.
    Member { user_id: UserId, role: Role },
    /// The job runner doing the workspace's own automation.
    System,
    /// A platform admin looking at the workspace as its owner would, for
    /// support: every permission that changes something is refused.
    Support { admin_id: Option<UserId> },
}

impl TenantContext {
    /// Built by `auth` from a membership row it has just read.
    pub(super) fn of_member(tenant_id: TenantId, user_id: UserId, role: Role) -> TenantContext {
        TenantContext {
            tenant_id,
            actor: Actor::Member { user_id, role },
            origin: Origin::default(),
            suspended: false,
            key: None,
        }
    }

    /// Built by `auth` from an API key and its creator's membership: the key
    /// acts as its creator, with at most their role, within its scopes.
    pub(super) fn of_api_key(
        tenant_id: TenantId,
        user_id: UserId,
        role: Role,
        key_id: String,
        scopes: Vec<Scope>,
    ) -> TenantContext {
        TenantContext {
            key: Some(KeyUse { id: key_id, scopes }),
            ..TenantContext::of_member(tenant_id, user_id, role)
        }
    }

    /// The API key acting, if any.
    pub fn api_key_id(&self) -> Option<&str> {
        self.key.as_ref().map(|k| k.id.as_str())
    }

    /// Built by `auth` for a platform admin who opened a support view.
    pub(super) fn for_support(tenant_id: TenantId, admin_id: UserId) -> TenantContext {
        TenantContext {
            tenant_id,
            actor: Actor::Support {
                admin_id: Some(admin_id),
            },
            origin: Origin::default(),
            suspended: false,
            key: None,
        }
    }

    pub(super) fn suspended(mut self, suspended: bool) -> TenantContext {
        self.suspended = suspended;
        self
    }

    pub(super) fn with_origin(mut self, origin: Origin) -> TenantContext {
        self.origin = origin;
        self
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// True in an admin's read-only support view.
    pub fn is_support_view(&self) -> bool {
        matches!(self.actor, Actor::Support { .. })
    }

    /// The scope the job runner works in for one workspace's job: the
    /// workspace's own automation, which no member's role limits.
    pub(in crate::server) fn for_system_job(tenant_id: TenantId) -> TenantContext {
        TenantContext {
            tenant_id,
            actor: Actor::System,
            origin: Origin::default(),
            suspended: false,
            key: None,
        }
    }

    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant_id
    }

    /// The person acting (a member, or the admin in a support view); None
    /// for the job runner.
    pub fn user_id(&self) -> Option<&UserId> {
        match &self.actor {
            Actor::Member { user_id, .. } => Some(user_id),
            Actor::Support { admin_id } => admin_id.as_ref(),
            Actor::System => None,
        }
    }

    /// The role the pages show: the member's, or the owner's in a support
    /// view (which still changes nothing); None for the job runner.
    pub fn role(&self) -> Option<Role> {
        match &self.actor {
            Actor::Member { role, .. } => Some(*role),
            Actor::Support { .. } => Some(Role::Owner),
            Actor::System => None,
        }
    }

    /// Whether this scope may do `permission`, by the one permission table.
    /// A support view may only look.
    pub fn can(&self, permission: Permission) -> bool {
        match &self.actor {
            Actor::Member { role, .. } => {
                role.can(permission) && self.key.as_ref().is_none_or(|k| Scope::covers(&k.scopes, permission))
            }
            Actor::Support { .. } => permission.is_read_only(),
            Actor::System => true,
        }
    }

    /// Refuses what the role does not allow, and every change in a
    /// suspended workspace (reading it stays allowed).
    pub fn require(&self, permission: Permission) -> ServerResult<()> {
        if !self.can(permission) {
            Err(ServerError::Forbidden)
        } else if self.suspended && !permission.is_read_only() {
            Err(ServerError::Conflict(SUSPENDED.into()))
        } else {
            Ok(())
        }
    }

    /// The acting member, for actions only a person can take (reviewing,
    /// paying); the job runner is refused.
    pub fn member(&self) -> ServerResult<&UserId> {
        match &self.actor {
            Actor::Member { user_id, .. } => Ok(user_id),
            _ => Err(ServerError::Forbidden),
        }
    }
}

/// A platform admin acting on the service as a whole: a flag on the user,
/// not a workspace role. Made only from a signed-in user who has the flag
/// (`extract`) or for the operator at the server's command line.
#[derive(Debug, Clone)]
pub struct PlatformAdmin {
    user_id: Option<UserId>,
    origin: Origin,
}

impl PlatformAdmin {
    pub(super) fn of_user(user_id: UserId, origin: Origin) -> PlatformAdmin {
        PlatformAdmin {
            user_id: Some(user_id),
            origin,
        }
    }

    /// Whoever runs `autopilot admin …` on the server is its operator.
    pub(in crate::server) fn operator() -> PlatformAdmin {
        PlatformAdmin {
            user_id: None,
            origin: Origin {
                ip: "command line".into(),
                request_id: String::new(),
            },
        }
    }

    /// A read-only view of one workspace, for the admin pages' reads.
    pub fn view_of(&self, tenant_id: TenantId) -> TenantContext {
        TenantContext {
            tenant_id,
            actor: Actor::Support {
                admin_id: self.user_id.clone(),
            },
            origin: self.origin.clone(),
            suspended: false,
            key: None,
        }
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The admin's user; None for the operator's command line.
    pub fn user_id(&self) -> Option<&UserId> {
        self.user_id.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_act_by_the_permission_table_and_the_runner_acts_for_the_workspace() {
        let viewer = TenantContext::of_member("t".into(), "u".into(), Role::Viewer);
        assert!(viewer.require(Permission::ViewWorkspace).is_ok());
        assert!(matches!(
            viewer.require(Permission::ManageSites),
            Err(ServerError::Forbidden)
        ));
        assert_eq!(viewer.member().unwrap(), "u");

        let runner = TenantContext::for_system_job("t".into());
        assert_eq!(runner.tenant_id(), "t");
        assert!(runner.can(Permission::CreateContent));
        assert!(runner.user_id().is_none() && runner.role().is_none());
        assert!(runner.member().is_err(), "the runner is nobody's stand-in");
    }

    #[test]
    fn a_support_view_sees_as_the_owner_and_changes_nothing() {
        let support = TenantContext::for_support("t".into(), "admin".into());
        assert_eq!(support.role(), Some(Role::Owner));
        assert!(support.can(Permission::ViewWorkspace) && support.can(Permission::ViewBilling));
        for change in [
            Permission::CreateContent,
            Permission::ReviewContent,
            Permission::ManageSites,
            Permission::ManageMembers,
            Permission::ManageBilling,
            Permission::ManageWorkspace,
            Permission::DeleteWorkspace,
        ] {
            assert!(support.require(change).is_err(), "{change:?} is refused");
        }
        assert!(support.member().is_err(), "nor does it pay or review as anyone");
    }

    #[test]
    fn an_api_key_acts_within_both_its_creator_s_role_and_its_scopes() {
        let key = |role, scopes: &[Scope]| {
            TenantContext::of_api_key("t".into(), "u".into(), role, "k".into(), scopes.to_vec())
        };
        assert!(key(Role::Owner, &[Scope::Read]).can(Permission::ViewBilling));
        assert!(
            !key(Role::Owner, &[Scope::Read]).can(Permission::ManageSites),
            "the scope limits"
        );
        assert!(
            !key(Role::Member, &[Scope::Admin]).can(Permission::ManageSites),
            "the role limits"
        );
        assert!(key(Role::Manager, &[Scope::Write]).can(Permission::ManageSites));
        assert_eq!(key(Role::Viewer, &[Scope::Read]).api_key_id(), Some("k"));
        assert_eq!(
            key(Role::Viewer, &[Scope::Read]).member().unwrap(),
            "u",
            "it acts as its creator"
        );
    }

    #[test]
    fn a_suspended_workspace_is_read_not_changed() {
        let owner = TenantContext::of_member("t".into(), "u".into(), Role::Owner).suspended(true);
        assert!(owner.require(Permission::ViewWorkspace).is_ok());
        assert!(owner.require(Permission::ViewAudit).is_ok());
        assert!(matches!(
            owner.require(Permission::ManageSites),
            Err(ServerError::Conflict(_))
        ));
        assert!(matches!(
            owner.require(Permission::CreateContent),
            Err(ServerError::Conflict(_))
        ));
    }
}
