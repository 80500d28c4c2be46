//! One component per route.

pub mod admin;
mod analytics;
mod api_keys;
pub mod audit;
mod auth;
mod billing;
mod calendar;
mod content;
mod dashboard;
mod invitation;
mod landing;
mod members;
mod not_built;
mod post;
pub mod query;
mod site;
mod site_settings;
mod sites;
mod workspace;

pub use admin::*;
pub use analytics::AnalyticsPage;
pub use api_keys::ApiKeysPage;
pub use audit::AuditPage;
pub use auth::{ForgotPasswordPage, LogInPage, ResetPasswordPage, SignUpPage, VerifyEmailPage};
pub use billing::BillingPage;
pub use calendar::CalendarPage;
pub use content::ContentPage;
pub use dashboard::DashboardPage;
pub use invitation::InvitationPage;
pub use landing::LandingPage;
pub use members::MembersPage;
pub use not_built::*;
pub use post::PostPage;
pub use site::SitePage;
pub use sites::SitesPage;
pub use workspace::{NewWorkspacePage, NoWorkspacePage, SettingsPage};
