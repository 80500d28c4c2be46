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
