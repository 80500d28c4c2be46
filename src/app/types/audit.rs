//! The audit log as pages and exports read it.

use super::TenantId;
use serde::{Deserialize, Serialize};

/// What an audit entry records. The names are stored, so they never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignedIn,
    SignInFailed,
    PasswordReset,
    SiteAdded,
    SiteCredentialsChanged,
    SiteRemoved,
    PlanChanged,
    LimitsOverridden,
    UserSuspended,
    UserUnsuspended,
    WorkspaceSuspended,
    WorkspaceUnsuspended,
    SupportViewStarted,
    SupportViewEnded,
    JobRetried,
    JobCancelled,
    MemberInvited,
    InvitationResent,
    InvitationRevoked,
    MemberJoined,
    MemberRoleChanged,
    MemberRemoved,
    MemberLeft,
    ApiKeyCreated,
    ApiKeyRevoked,
    WebhookAdded,
    WebhookRemoved,
    WebhookSecretRolled,
    WebhookResent,
    SocialAccountConnected,
    SocialAccountDisconnected,
    StoreConnected,
    StoreDisconnected,
    StoreSettingsChanged,
    StorePaused,
    StoreResumed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 36] = [
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::PasswordReset,
        AuditAction::SiteAdded,
        AuditAction::SiteCredentialsChanged,
        AuditAction::SiteRemoved,
        AuditAction::PlanChanged,
        AuditAction::LimitsOverridden,
        AuditAction::UserSuspended,
        AuditAction::UserUnsuspended,
        AuditAction::WorkspaceSuspended,
        AuditAction::WorkspaceUnsuspended,
        AuditAction::SupportViewStarted,
        AuditAction::SupportViewEnded,
        AuditAction::JobRetried,
        AuditAction::JobCancelled,
        AuditAction::MemberInvited,
        AuditAction::InvitationResent,
        AuditAction::InvitationRevoked,
        AuditAction::MemberJoined,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::MemberLeft,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::WebhookAdded,
        AuditAction::WebhookRemoved,
        AuditAction::WebhookSecretRolled,
        AuditAction::WebhookResent,
        AuditAction::SocialAccountConnected,
        AuditAction::SocialAccountDisconnected,
        AuditAction::StoreConnected,
        AuditAction::StoreDisconnected,
        AuditAction::StoreSettingsChanged,
        AuditAction::StorePaused,
        AuditAction::StoreResumed,
    ];

    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    pub fn label(self) -> &'static str {
        self.names().1
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            AuditAction::SignedIn => ("signed_in", "Signed in"),
            AuditAction::SignInFailed => ("sign_in_failed", "Sign-in failed"),
            AuditAction::PasswordReset => ("password_reset", "Password reset"),
            AuditAction::SiteAdded => ("site_added", "Site added"),
            AuditAction::SiteCredentialsChanged => ("site_credentials_changed", "Site credentials changed"),
            AuditAction::SiteRemoved => ("site_removed", "Site removed"),
            AuditAction::PlanChanged => ("plan_changed", "Plan changed"),
            AuditAction::LimitsOverridden => ("limits_overridden", "Limits overridden"),
            AuditAction::UserSuspended => ("user_suspended", "User suspended"),
            AuditAction::UserUnsuspended => ("user_unsuspended", "User unsuspended"),
            AuditAction::WorkspaceSuspended => ("workspace_suspended", "Workspace suspended"),
            AuditAction::WorkspaceUnsuspended => ("workspace_unsuspended", "Workspace unsuspended"),
            AuditAction::SupportViewStarted => ("support_view_started", "Support view opened"),
            AuditAction::SupportViewEnded => ("support_view_ended", "Support view closed"),
            AuditAction::JobRetried => ("job_retried", "Job retried by an admin"),
            AuditAction::JobCancelled => ("job_cancelled", "Job cancelled by an admin"),
            AuditAction::MemberInvited => ("member_invited", "Member invited"),
            AuditAction::InvitationResent => ("invitation_resent", "Invitation resent"),
            AuditAction::InvitationRevoked => ("invitation_revoked", "Invitation revoked"),
            AuditAction::MemberJoined => ("member_joined", "Member joined"),
            AuditAction::MemberRoleChanged => ("member_role_changed", "Member's role changed"),
            AuditAction::MemberRemoved => ("member_removed", "Member removed"),
            AuditAction::MemberLeft => ("member_left", "Member left"),
            AuditAction::ApiKeyCreated => ("api_key_created", "API key created"),
            AuditAction::ApiKeyRevoked => ("api_key_revoked", "API key revoked"),
            AuditAction::WebhookAdded => ("webhook_added", "Webhook endpoint added"),
            AuditAction::WebhookRemoved => ("webhook_removed", "Webhook endpoint removed"),
            AuditAction::WebhookSecretRolled => ("webhook_secret_rolled", "Webhook secret rolled"),
            AuditAction::WebhookResent => ("webhook_resent", "Webhook delivery re-sent"),
            AuditAction::SocialAccountConnected => ("social_account_connected", "Social account connected"),
            AuditAction::SocialAccountDisconnected => ("social_account_disconnected", "Social account disconnected"),
            AuditAction::StoreConnected => ("store_connected", "Store connected"),
            AuditAction::StoreDisconnected => ("store_disconnected", "Store disconnected"),
            AuditAction::StoreSettingsChanged => ("store_settings_changed", "Store pricing settings changed"),
            AuditAction::StorePaused => ("store_paused", "Store pricing paused"),
            AuditAction::StoreResumed => ("store_resumed", "Store pricing resumed"),
        }
    }

    /// Actions only platform staff take: a workspace's own log shows them
    /// as "Autopilot support", without the person's address or IP.
    pub fn by_staff(self) -> bool {
        matches!(
            self,
            AuditAction::LimitsOverridden
                | AuditAction::WorkspaceSuspended
                | AuditAction::WorkspaceUnsuspended
                | AuditAction::SupportViewStarted
                | AuditAction::SupportViewEnded
                | AuditAction::JobRetried
                | AuditAction::JobCancelled
        )
    }

    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// One entry as the log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    /// Unix seconds.
    pub at: i64,
    /// "2026-12-02 21:04 UTC"
    pub when: String,
    pub workspace_id: Option<TenantId>,
    /// The actor's address, or "Autopilot" for the system.
    pub actor: String,
    pub action: AuditAction,
    pub target: String,
    pub detail: String,
    pub ip: String,
    pub request_id: String,
}

/// Which entries to show. `days` 0 means all time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub actor: String,
    pub days: i64,
    /// Platform admins only: one workspace's entries.
    pub workspace: Option<TenantId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}
