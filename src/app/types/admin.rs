//! What the platform admin pages read.

use super::{InvoiceLine, JobId, MemberSummary, Plan, PlanLimits, SiteId, TenantId, Usage, UserId};
use serde::{Deserialize, Serialize};

/// A list's position: rows of one page and how many there are in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

impl<T> Paged<T> {
    /// The same page with each row turned into what the page shows.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            rows: self.rows.into_iter().map(f).collect(),
            page: self.page,
            pages: self.pages,
            total: self.total,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub is_platform_admin: bool,
    pub email_verified: bool,
    /// Why, when suspended.
    pub suspended: Option<String>,
    pub created: String,
    pub workspaces: i64,
}

/// `status`: "" (all), "active" or "suspended"; `created_days` 0 for any time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminUserFilter {
    pub q: String,
    pub status: String,
    pub created_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminWorkspace {
    pub id: TenantId,
    pub name: String,
    pub plan: Plan,
    pub suspended: Option<String>,
    pub created: String,
    pub members: i64,
    pub sites: i64,
    /// Stripe's word on the subscription ("none" before any).
    pub billing_status: String,
    pub in_dunning: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminWorkspaceFilter {
    pub q: String,
    pub plan: Option<Plan>,
    pub status: String,
    pub created_days: i64,
    pub dunning: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminSite {
    pub id: SiteId,
    pub name: String,
    pub url: String,
    pub connection: String,
}

/// Limits a platform admin set for one workspace; None follows the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LimitOverrides {
    pub posts: Option<i64>,
    pub sites: Option<i64>,
    pub members: Option<i64>,
    pub social_accounts: Option<i64>,
    pub stores: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminWorkspaceDetail {
    pub workspace: AdminWorkspace,
    pub limits: PlanLimits,
    pub overrides: LimitOverrides,
    pub usage: Usage,
    pub members: Vec<MemberSummary>,
    pub sites: Vec<AdminSite>,
    pub jobs: Vec<AdminJob>,
    pub invoices: Vec<InvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminJob {
    pub id: JobId,
    pub workspace_id: TenantId,
    pub workspace_name: String,
    pub kind: String,
    pub subject_id: String,
    pub state: String,
    pub step: String,
    pub attempt: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    /// When it was (or is) due, and when it last changed.
    pub due: String,
    pub updated: String,
}

/// `older_than_hours` 0 for any age.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminJobFilter {
    pub state: String,
    pub kind: String,
    pub workspace: String,
    pub site: String,
    pub older_than_hours: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub to: String,
    pub subject: String,
    pub status: String,
    pub created: String,
    /// None while the body holds a link that still works: sign-in links are
    /// not shown on a page, even to admins (the command line shows them).
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkerBeat {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub version: String,
    pub started_at: i64,
    pub last_heartbeat_at: i64,
    pub seconds_since_heartbeat: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueueCount {
    pub state: String,
    pub jobs: i64,
}

/// The service's health, as the health page and `GET /admin/health` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemHealth {
    pub version: String,
    pub uptime_seconds: i64,
    pub database: String,
    pub database_latency_ms: f64,
    pub workers: Vec<WorkerBeat>,
    pub queue: Vec<QueueCount>,
    /// How long the oldest due, unclaimed job has waited (seconds).
    pub oldest_due_seconds: Option<i64>,
    pub failed_attempts_24h: i64,
    pub dead_jobs_24h: i64,
}

/// Plan movements over a window of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanMovement {
    pub days: i64,
    pub sign_ups: i64,
    pub upgrades: i64,
    pub downgrades: i64,
    pub cancellations: i64,
    /// Cancellations over workspaces paying at the window's start, in percent.
    pub churn_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessFigures {
    /// Monthly recurring revenue of live subscriptions, in cents.
    pub mrr_cents: i64,
    pub workspaces_per_plan: Vec<(Plan, i64)>,
    pub movements: Vec<PlanMovement>,
    pub in_dunning: i64,
    /// Sign-ups per day over the last 90 days, oldest first ("2026-12-02").
    pub sign_ups_by_day: Vec<(String, i64)>,
}
