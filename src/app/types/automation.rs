//! Sites, jobs and posts as the browser sees them. The application password
//! has no field here on purpose: it is write-only.

use super::{JobId, PostId, SiteId};
use serde::{Deserialize, Serialize};

/// What a job is doing, as users follow it:
/// queued → generating → awaiting review → publishing → published / failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Queued,
    Generating,
    AwaitingReview,
    Publishing,
    Published,
    Rejected,
    Failed,
    Quota,
    /// A job of a kind with no steps of its own (housekeeping) finished.
    Done,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Queued,
        Step::Generating,
        Step::AwaitingReview,
        Step::Publishing,
        Step::Published,
        Step::Rejected,
        Step::Failed,
        Step::Quota,
        Step::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Queued => "queued",
            Step::Generating => "generating",
            Step::AwaitingReview => "awaiting_review",
            Step::Publishing => "publishing",
            Step::Published => "published",
            Step::Rejected => "rejected",
            Step::Failed => "failed",
            Step::Quota => "quota",
            Step::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Queued => "Queued",
            Step::Generating => "Generating",
            Step::AwaitingReview => "Awaiting review",
            Step::Publishing => "Publishing",
            Step::Published => "Published",
            Step::Rejected => "Rejected",
            Step::Failed => "Failed",
            Step::Quota => "Quota reached",
            Step::Done => "Done",
        }
    }

    /// Still moving: the page keeps polling while any job is in one of these.
    pub fn is_active(self) -> bool {
        matches!(self, Step::Queued | Step::Generating | Step::Publishing)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    Unknown,
    Connected,
    Attention,
}

impl Connection {
    pub fn parse(s: &str) -> Connection {
        match s {
            "connected" => Connection::Connected,
            "attention" => Connection::Attention,
            _ => Connection::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Connection::Unknown => "unknown",
            Connection::Connected => "connected",
            Connection::Attention => "attention",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SiteSummary {
    pub id: SiteId,
    pub name: String,
    pub url: String,
    pub username: String,
    pub connection: Connection,
    pub connection_detail: String,
    pub automation_on: bool,
    pub next_run_at: Option<i64>,
    pub time_zone: String,
}

/// The automation settings of a site, as edited on its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SiteSettings {
    pub niche: String,
    /// One topic per line.
    pub topics: String,
    pub tone: String,
    pub language: String,
    pub target_words: i64,
    /// Names, comma separated.
    pub categories: String,
    pub tags: String,
    /// publish, draft or future.
    pub wp_status: String,
    /// review or auto.
    pub approval: String,
    /// daily or cron.
    pub schedule_kind: String,
    pub schedule_times: String,
    pub schedule_cron: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteDetail {
    pub site: SiteSummary,
    pub settings: SiteSettings,
    pub next_runs: Vec<UpcomingRun>,
}

/// One future run, shown in the site's zone and in the viewer's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpcomingRun {
    pub at: i64,
    pub in_site_zone: String,
    pub in_viewer_zone: String,
}

/// The named outcome of "Test connection".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionCheck {
    pub ok: bool,
    pub outcome: String,
    pub detail: String,
    /// The site's connection state after this check.
    pub connection: Connection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobSummary {
    pub id: JobId,
    pub site_id: Option<SiteId>,
    pub site_name: String,
    pub slot: i64,
    pub step: Step,
    pub attempt: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<i64>,
    pub updated_at: i64,
    pub post_id: Option<PostId>,
    pub post_title: Option<String>,
    pub remote_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PostDetail {
    pub id: PostId,
    pub job_id: JobId,
    pub site_id: SiteId,
    pub site_name: String,
    pub title: String,
    pub body_html: String,
    pub excerpt: String,
    pub tags: String,
    pub review: String,
    pub step: Step,
    pub remote_url: Option<String>,
    pub created_at: i64,
}

/// A page of jobs and the total that matched the filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPage {
    pub jobs: Vec<JobSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Posts used this calendar month (UTC) against the plan's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Usage {
    pub posts_this_month: i64,
    pub posts_limit: i64,
    pub sites: i64,
    pub sites_limit: i64,
}

/// One entry on the calendar: a post that ran or a run still to come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub at: i64,
    /// The site (WordPress); empty for a social post.
    pub site_id: SiteId,
    /// The site's name, or the social accounts the post goes to.
    pub site_name: String,
    pub title: String,
    pub step: Option<Step>,
    pub remote_url: Option<String>,
    /// "wordpress", or the social platform ("facebook", "instagram",
    /// "tiktok", "demo"; several, comma-separated, for a post to many).
    pub channel: String,
    /// The social post, so it can be moved; None for WordPress.
    pub social_post_id: Option<String>,
    /// Not on its way yet: it can be dragged to another day.
    pub movable: bool,
}

/// A run a schedule will make, for the list of what comes next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    pub at: i64,
    pub site_id: SiteId,
    pub site_name: String,
    /// The instant in the site's zone, e.g. "Mon 23 Nov 2026, 09:00 CET".
    pub when: String,
}

/// A month or week laid out in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarView {
    pub title: String,
    pub span: String,
    pub zone: String,
    /// YYYY-MM-DD of the previous and next month or week.
    pub previous: String,
    pub next: String,
    pub days: Vec<CalendarDay>,
    /// The channel shown ("" for all).
    pub channel: String,
    /// The viewer may move social posts (writes content).
    pub can_move: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// YYYY-MM-DD, where a post dropped on the day moves to.
    pub date: String,
    pub label: String,
    /// False for the days of neighbouring months that fill a month grid.
    pub in_range: bool,
    /// Local time (HH:MM) and the entry.
    pub entries: Vec<(String, CalendarEntry)>,
}
