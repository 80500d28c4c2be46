//! Page frames.

mod app_shell;
mod public;

pub use app_shell::{AppShell, ShellContext};
pub use public::{AuthCard, PublicHeader};
