//! The scope of every tenant-owned operation. A `TenantContext` comes to
//! exist in two ways only: from a membership row, when `auth` resolves a
//! request (`extract`), or by `for_system_job`, when the job runner works
//! for a workspace. Its fields are private, so no other code can forge one.

use crate::app::types::{Permission, Role, TenantId, UserId};
use crate::server::error::{ServerError, ServerResult};

#[derive(Debug, Clone)]
pub struct TenantContext {
    tenant_id: TenantId,
    actor: Actor,
}

#[derive(Debug, Clone)]
enum Actor {
    /// A signed-in member acting with their role.
    Member { user_id: UserId, role: Role },
    /// The job runner doing the workspace's own automation.
    System,
}

impl TenantContext {
    /// Built by `auth` from a membership row it has just read.
    pub(super) fn of_member(tenant_id: TenantId, user_id: UserId, role: Role) -> TenantContext {
        TenantContext {
            tenant_id,
            actor: Actor::Member { user_id, role },
        }
    }

    /// The scope the job runner works in for one workspace's job: the
    /// workspace's own automation, which no member's role limits.
    pub(in crate::server) fn for_system_job(tenant_id: TenantId) -> TenantContext {
        TenantContext {
            tenant_id,
            actor: Actor::System,
        }
    }

    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant_id
    }

    /// The member acting; None for the job runner.
    pub fn user_id(&self) -> Option<&UserId> {
        match &self.actor {
            Actor::Member { user_id, .. } => Some(user_id),
            Actor::System => None,
        }
    }

    /// The member's role; None for the job runner.
    pub fn role(&self) -> Option<Role> {
        match &self.actor {
            Actor::Member { role, .. } => Some(*role),
            Actor::System => None,
        }
    }

    /// Whether this scope may do `permission`, by the one permission table.
    pub fn can(&self, permission: Permission) -> bool {
        match &self.actor {
            Actor::Member { role, .. } => role.can(permission),
            Actor::System => true,
        }
    }

    pub fn require(&self, permission: Permission) -> ServerResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(ServerError::Forbidden)
        }
    }

    /// The acting member, for actions only a person can take (reviewing,
    /// paying); the job runner is refused.
    pub fn member(&self) -> ServerResult<&UserId> {
        self.user_id().ok_or(ServerError::Forbidden)
    }
}

/// A platform admin acting on the service as a whole: a flag on the user,
/// not a workspace role. Made only from a signed-in user who has the flag
/// (`extract`) or for the operator at the server's command line.
#[derive(Debug, Clone)]
pub struct PlatformAdmin {
    user_id: Option<UserId>,
}

impl PlatformAdmin {
    pub(super) fn of_user(user_id: UserId) -> PlatformAdmin {
        PlatformAdmin { user_id: Some(user_id) }
    }

    /// Whoever runs `autopilot admin …` on the server is its operator.
    pub(in crate::server) fn operator() -> PlatformAdmin {
        PlatformAdmin { user_id: None }
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
}
