//! Read models sent to the browser.

use super::{Plan, PlanLimits, Role};
use serde::{Deserialize, Serialize};

/// The signed-in user, the active workspace and the others they can switch to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub user: UserSummary,
    pub workspace: WorkspaceSummary,
    pub workspaces: Vec<WorkspaceSummary>,
    /// A payment that needs attention, shown on every page.
    pub billing_alert: Option<super::BillingAlert>,
    /// Why a platform admin suspended the workspace, and whom to write to.
    pub suspension: Option<Suspension>,
    /// Set while a platform admin looks at the workspace read-only.
    pub support_view: Option<SupportBanner>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suspension {
    pub reason: String,
    pub contact: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportBanner {
    pub workspace_name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: super::UserId,
    pub email: String,
    pub name: String,
    pub is_platform_admin: bool,
    pub email_verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: super::TenantId,
    pub name: String,
    pub role: Role,
    pub plan: Plan,
}

/// Figures for the dashboard, read from the database on every load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardSummary {
    pub workspace_name: String,
    pub plan: Plan,
    pub limits: PlanLimits,
    pub members: i64,
    pub workspaces: i64,
    pub created_at: i64,
    pub usage: super::Usage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSummary {
    pub user_id: super::UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: i64,
}

/// The fields of a plain form the server refused, given back once so the
/// page fills the form again (`server::drafts`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormDraft(pub Vec<(String, String)>);

impl FormDraft {
    /// The first value of `name`, if the form had it.
    pub fn value(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// Whether `name` had `value` (a ticked box, a chosen option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == value)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
