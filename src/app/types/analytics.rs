//! The workspace's analytics page.

use super::{SiteId, Usage};
use serde::{Deserialize, Serialize};

/// Which period and site to show. `days` is 30 or 90; `end` a day
/// (YYYY-MM-DD, "" for today) in `zone`, the viewer's IANA time zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    pub days: i64,
    pub site: Option<SiteId>,
    pub zone: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub days: i64,
    pub zone: String,
    /// The first and last day shown, e.g. "2026-11-03".
    pub first_day: String,
    pub last_day: String,
    pub site: Option<SiteId>,
    /// Every site of the workspace, for the filter.
    pub sites: Vec<(SiteId, String)>,
    /// Posts published each day of the period, oldest first, zero days included.
    pub published_per_day: Vec<(String, i64)>,
    pub published: i64,
    /// Posts published in the period by site (all sites, whatever the filter).
    pub per_site: Vec<(String, i64)>,
    /// Post jobs that ended in the period: published, or failed for good.
    pub succeeded: i64,
    pub failed: i64,
    /// Percent of ended jobs that published; None when none ended.
    pub success_rate: Option<f64>,
    /// From the post being generated to it being published (minutes).
    pub median_minutes_to_publish: Option<i64>,
    pub p90_minutes_to_publish: Option<i64>,
    /// Why jobs failed for good, most frequent first.
    pub failures_by_reason: Vec<(String, i64)>,
    pub usage: Usage,
    /// When the month's posts run out at this month's pace, in words.
    pub forecast: String,
}
