//! Sign-in machinery: password hashing, the database session store, login
//! throttling, and the one place a `TenantContext` is made (from a session's
//! membership in `extract`, or for the job runner by `for_system_job`).
//! `auth` depends on no service: services take its context as their scope.

pub mod api_key;
pub mod context;
pub mod extract;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod session_store;
pub mod throttle;

pub use context::{Origin, PlatformAdmin, TenantContext};
pub use extract::{membership, platform_admin_of, ClientIp, CurrentUser, SupportView};

/// Keys this app stores in a session.
pub mod keys {
    pub const USER_ID: &str = "uid";
    pub const EPOCH: &str = "epoch";
    pub const TENANT_ID: &str = "tid";
    /// A platform admin's read-only support view of a workspace.
    pub const SUPPORT: &str = "support";
}
