//! One component per route.

mod auth;
mod billing;
mod calendar;
mod content;
mod dashboard;
mod landing;
mod not_built;
mod post;
mod site;
mod site_settings;
mod sites;
mod workspace;

pub use auth::{ForgotPasswordPage, LogInPage, ResetPasswordPage, SignUpPage, VerifyEmailPage};
pub use billing::BillingPage;
pub use calendar::CalendarPage;
pub use content::ContentPage;
pub use dashboard::DashboardPage;
pub use landing::LandingPage;
pub use not_built::*;
pub use post::PostPage;
pub use site::SitePage;
pub use sites::SitesPage;
pub use workspace::{NewWorkspacePage, SettingsPage};
