//! Types shared by the browser and the server: DTOs, roles, plans.

mod admin;
mod analytics;
mod api_keys;
mod audit;
mod automation;
mod billing;
mod dto;
mod ids;
mod members;
mod plan;
mod role;
mod social;
mod stores;
mod webhooks;

pub use admin::*;
pub use analytics::{Analytics, AnalyticsQuery};
pub use api_keys::{ApiKeyList, ApiKeySummary, CreatedApiKey};
pub use audit::{AuditAction, AuditEntry, AuditFilter, AuditPage};
pub use automation::*;
pub use billing::*;
pub use dto::*;
pub use ids::{InvitationId, JobId, PostId, SiteId, TenantId, UserId};
pub use members::*;
pub use plan::{grouped, Plan, PlanLimits, PlanSummary};
pub use role::{MemberChange, Permission, Role, Scope};
pub use social::{
    CaptionRequest, CaptionTemplate, ChannelList, ChannelStatus, Composer, GeneratedCaption, MediaRef, MetricsFilter,
    MetricsPage, PickCandidate, PickList, Platform, PlatformText, PostMetrics, PostTarget, PostingTimes,
    PostingTimesInput, PostingTimesPage, SaveIntent, SocialAccountMetrics, SocialAccountSummary, SocialAnalytics,
    SocialPostInput, SocialPostPage, SocialPostSummary, WorkspaceVoice, CONNECT_META_PATH, CONNECT_TIKTOK_PATH,
    PICKED_PATH, PICK_PATH, UPLOAD_MEDIA_PATH,
};
pub use stores::*;
pub use webhooks::{WebhookDeliverySummary, WebhookEndpointSummary, WebhookPage};
