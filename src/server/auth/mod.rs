//! Sign-in machinery: password hashing, the database session store, login
//! throttling and the extractors that turn a session into a scope.

pub mod extract;
pub mod password;
pub mod session_store;
pub mod throttle;

pub use extract::{ClientIp, CurrentUser, TenantContext};

/// Keys this app stores in a session.
pub mod keys {
    pub const USER_ID: &str = "uid";
    pub const EPOCH: &str = "epoch";
    pub const TENANT_ID: &str = "tid";
}
