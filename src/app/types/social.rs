//! Social channels as the pages show them: the accounts a workspace
//! publishes to (Facebook Pages, Instagram, TikTok, or the demo channel).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Facebook,
    Instagram,
    Tiktok,
    /// A channel inside Autopilot: it goes through every step and publishes
    /// nowhere, so a newcomer can try the flow without any account.
    Demo,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::Tiktok,
        Platform::Demo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Tiktok => "tiktok",
            Platform::Demo => "demo",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook Page",
            Platform::Instagram => "Instagram",
            Platform::Tiktok => "TikTok",
            Platform::Demo => "Demo channel",
        }
    }
}

/// Whether a social account can be published to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChannelStatus {
    Connected,
    /// The platform refused the token: someone must connect it again.
    Reconnect,
    /// Disconnected by a member: kept for its history, with no tokens.
    Disconnected,
}

impl ChannelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelStatus::Connected => "connected",
            ChannelStatus::Reconnect => "reconnect",
            ChannelStatus::Disconnected => "disconnected",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelStatus> {
        [
            ChannelStatus::Connected,
            ChannelStatus::Reconnect,
            ChannelStatus::Disconnected,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SocialAccountSummary {
    pub id: String,
    pub platform: Platform,
    pub name: String,
    pub username: String,
    pub status: ChannelStatus,
    /// Why it is not connected, in words ("" while connected).
    pub status_reason: String,
    /// "connected 3 Dec 2026", or when it was disconnected.
    pub since: String,
}

/// The channels page: the accounts, the plan's room for them, and which
/// platforms this deployment has app credentials for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelList {
    pub accounts: Vec<SocialAccountSummary>,
    /// Accounts that count against the plan (all but disconnected ones).
    pub used: i64,
    pub limit: i64,
    pub can_manage: bool,
    /// META_APP_ID and META_APP_SECRET are set.
    pub meta_ready: bool,
    /// TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET are set.
    pub tiktok_ready: bool,
}

/// One Page or Instagram account a Facebook sign-in found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickCandidate {
    /// "facebook:<page id>" or "instagram:<user id>": what the form sends.
    pub key: String,
    pub platform: Platform,
    pub name: String,
    pub username: String,
    /// The Page an Instagram account is linked to ("" for a Page).
    pub via: String,
    /// Connected in this workspace already (picking it again refreshes it).
    pub connected: bool,
}

/// The accounts a Facebook sign-in found, waiting to be picked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickList {
    pub candidates: Vec<PickCandidate>,
    /// How many more accounts the plan allows.
    pub room: i64,
}

/// Where the channels page's plain forms post (handled on the server by
/// `rest::social_oauth`): starting a sign-in, and saving what was picked.
pub const CONNECT_META_PATH: &str = "/app/channels/connect/meta";
pub const CONNECT_TIKTOK_PATH: &str = "/app/channels/connect/tiktok";
pub const PICK_PATH: &str = "/app/channels/pick";
pub const PICKED_PATH: &str = "/app/channels/pick/save";

/// What saving the composer does with the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SaveIntent {
    /// Kept to finish later; the platforms' rules are not applied yet.
    #[default]
    Draft,
    /// Waits in the review queue for a manager's approval.
    Review,
    /// Approved at once and queued for its time (reviewers only).
    Schedule,
}

/// One platform's own text, in place of the post's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlatformText {
    pub platform: Platform,
    pub body: String,
}

/// What the composer sends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SocialPostInput {
    /// The post being edited (a draft, or one waiting for review or
    /// rejected); empty for a new one.
    #[serde(default)]
    pub post_id: String,
    pub account_ids: Vec<String>,
    #[serde(default)]
    pub body: String,
    /// Words separated by spaces or commas; a leading `#` is dropped.
    #[serde(default)]
    pub hashtags: String,
    #[serde(default)]
    pub link: String,
    /// An upload's id (`POST /api/v1/media`); empty for none.
    #[serde(default)]
    pub media_id: String,
    #[serde(default)]
    pub texts: Vec<PlatformText>,
    /// "YYYY-MM-DDTHH:MM" in the workspace's time zone; empty for a draft
    /// with no time yet.
    #[serde(default)]
    pub publish_at: String,
    #[serde(default)]
    pub intent: SaveIntent,
    /// The caption came from the writer (the model or the built-in one).
    #[serde(default)]
    pub generated: bool,
    /// Goes out at the next posting time of its accounts instead of at
    /// `publish_at` (which is then ignored).
    #[serde(default)]
    pub queued: bool,
}

/// An upload attached to a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MediaRef {
    pub id: String,
    /// "image" or "video".
    pub kind: String,
    pub content_type: String,
    /// The public address the platforms fetch it from.
    pub url: String,
}

/// A caption with `{product}`, `{price}` and `{link}` to fill in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaptionTemplate {
    pub id: String,
    pub name: String,
    pub body: String,
    pub hashtags: String,
}

/// What the caption writer is asked for: a brief, or a product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaptionRequest {
    #[serde(default)]
    pub brief: String,
    #[serde(default)]
    pub product_name: String,
    #[serde(default)]
    pub product_description: String,
    /// As the shop shows it, e.g. "SAR 49.00".
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub url: String,
    /// Fills this template instead of writing anew (product posts).
    #[serde(default)]
    pub template_id: String,
}

/// A written caption, for the composer to show and the person to edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GeneratedCaption {
    pub body: String,
    pub hashtags: String,
    pub link: String,
    /// Who wrote it: "the built-in generator", or the model's name.
    pub writer: String,
}

/// Everything the composer needs: where it can post, the templates, the
/// workspace's zone and tone, and the post being edited, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Composer {
    /// Accounts in use: connected, and those asking to be reconnected
    /// (shown as such; a post cannot be sent to them until they are).
    pub accounts: Vec<SocialAccountSummary>,
    pub templates: Vec<CaptionTemplate>,
    pub time_zone: String,
    pub tone: String,
    pub can_review: bool,
    pub post: Option<SocialPostInput>,
    pub media: Option<MediaRef>,
    /// A sensible first time: the next full hour tomorrow, local.
    pub suggested_time: String,
}

/// One account a post goes to, and how it went there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostTarget {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub platform: Platform,
    /// In words: "Waiting for review", "Scheduled", "Publishing",
    /// "Published", "Failed", …
    pub state: String,
    /// The post on the platform (http(s) only).
    pub permalink: Option<String>,
    /// Why it failed, or why it is being retried, in plain words.
    pub error: Option<String>,
}

/// A social post as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SocialPostSummary {
    pub id: String,
    pub body: String,
    pub hashtags: String,
    pub link: String,
    /// draft, pending, approved or rejected.
    pub review: String,
    /// "written" or "generated".
    pub source: String,
    /// Unix seconds; None for a draft with no time yet.
    pub publish_at: Option<i64>,
    /// The time in the workspace's zone, e.g. "Fri 4 Dec 2026, 18:00 CET".
    pub when: String,
    /// Written for the next posting time of its accounts; once a posting
    /// time takes it, `publish_at` is that time.
    pub queued: bool,
    pub media: Option<MediaRef>,
    pub targets: Vec<PostTarget>,
}

/// One page of social posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocialPostPage {
    pub posts: Vec<SocialPostSummary>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The workspace's accounts, for the filter (disconnected ones too:
    /// their posts stay).
    pub accounts: Vec<SocialAccountSummary>,
    pub can_create: bool,
    pub can_review: bool,
}

/// Where the composer's media uploads go (the session's own route; the
/// REST API's is `POST /api/v1/media`).
pub const UPLOAD_MEDIA_PATH: &str = "/app/social/media";

/// The workspace's time zone (posts are written for its local time) and
/// the tone generated captions speak in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceVoice {
    pub time_zone: String,
    pub tone: String,
    pub can_edit: bool,
}

/// One account's posting times: recurring slots that take the posts
/// waiting in its queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingTimes {
    pub account: SocialAccountSummary,
    /// "daily" (times every day) or "cron" (e.g. `0 18 * * 1,3,5`).
    pub kind: String,
    pub times: String,
    pub cron: String,
    pub time_zone: String,
    pub active: bool,
    /// The next slots, in the schedule's zone (none while stopped).
    pub next: Vec<String>,
    /// Approved posts waiting for one of its slots.
    pub waiting: i64,
}

/// The posting times page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingTimesPage {
    pub accounts: Vec<PostingTimes>,
    pub can_edit: bool,
    pub time_zone: String,
    /// Now, as "YYYY-MM-DDTHH:MM" in the workspace's zone.
    pub now: String,
}

/// What the posting times form sends for one account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PostingTimesInput {
    pub account_id: String,
    pub kind: String,
    #[serde(default)]
    pub times: String,
    #[serde(default)]
    pub cron: String,
    pub time_zone: String,
    #[serde(default)]
    pub active: bool,
}

/// Which figures to show: a period (7, 30 or 90 days of publishing), one
/// account or all, a page, and the viewer's zone for times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsFilter {
    #[serde(default = "thirty")]
    pub days: i64,
    #[serde(default)]
    pub account_id: String,
    #[serde(default = "first_page")]
    pub page: i64,
    /// An IANA zone for the times shown (UTC when empty or unknown).
    #[serde(default)]
    pub zone: String,
}

fn thirty() -> i64 {
    30
}

fn first_page() -> i64 {
    1
}

impl Default for MetricsFilter {
    fn default() -> Self {
        MetricsFilter {
            days: 30,
            account_id: String::new(),
            page: 1,
            zone: String::new(),
        }
    }
}

/// What a platform last said of one published post on one account.
/// Figures a platform does not measure are null (TikTok has no reach,
/// Facebook no saves).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostMetrics {
    pub target_id: String,
    pub post_id: String,
    pub account_id: String,
    pub account_name: String,
    pub platform: Platform,
    /// The first 80 characters of the text it went out with.
    pub caption: String,
    pub permalink: Option<String>,
    /// Unix seconds.
    pub published_at: i64,
    pub when: String,
    pub views: Option<i64>,
    pub reach: Option<i64>,
    pub likes: i64,
    pub comments: i64,
    pub shares: Option<i64>,
    pub saves: Option<i64>,
    /// likes + comments + shares + saves.
    pub engagements: i64,
    /// Engagements over reach (over views where reach is not measured), in
    /// hundredths of a percent: 425 is 4.25%.
    pub engagement_rate_bp: Option<i64>,
    /// When the figures were read, in the viewer's zone.
    pub fetched: String,
}

/// One page of per-post figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricsPage {
    pub posts: Vec<PostMetrics>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

/// One account's figures over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocialAccountMetrics {
    pub account_id: String,
    pub name: String,
    pub platform: Platform,
    pub posts: i64,
    pub views: i64,
    pub engagements: i64,
    /// Reach, or views where reach is not measured.
    pub audience: i64,
    pub engagement_rate_bp: Option<i64>,
}

/// The social section of Analytics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocialAnalytics {
    pub days: i64,
    pub account_id: String,
    /// Every account, for the filter.
    pub accounts: Vec<SocialAccountSummary>,
    /// Posts with figures in the period.
    pub posts: i64,
    pub views: i64,
    pub engagements: i64,
    pub engagement_rate_bp: Option<i64>,
    pub per_account: Vec<SocialAccountMetrics>,
    /// The ten posts with the most engagements.
    pub top_posts: Vec<PostMetrics>,
    /// ("18:00", average engagement rate in basis points) for each local
    /// hour of the day posts went out in.
    pub best_hours: Vec<(String, i64)>,
    /// The hour whose posts engaged best, in words; None without figures.
    pub best_hour: Option<String>,
    /// Some figures are the demo channel's invented ones.
    pub demo: bool,
    /// Metrics fetches waiting or running.
    pub fetching: i64,
    /// The viewer may ask for a fetch now (people who write posts).
    pub can_fetch: bool,
}
