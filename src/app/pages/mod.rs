//! One component per route.

mod auth;
mod dashboard;
mod landing;
mod not_built;
mod workspace;

pub use auth::{ForgotPasswordPage, LogInPage, ResetPasswordPage, SignUpPage, VerifyEmailPage};
pub use dashboard::DashboardPage;
pub use landing::LandingPage;
pub use not_built::*;
pub use workspace::{NewWorkspacePage, SettingsPage};
