//! The calendar: a month or a week of posts and planned runs, laid out in
//! the viewer's time zone on the server (the browser gets days, not math).

use crate::app::types::{CalendarDay, CalendarEntry, CalendarView, Permission, PlannedRun, Platform, SiteId, Step};
use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::domain::{format_in_zone, local_midnight, parse_time_zone};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::sites::{self, SiteRow};
use crate::server::services::social;
use crate::server::state::AppState;
use chrono::{Datelike, Days, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// The channels the calendar can show alone.
pub const CHANNELS: [&str; 5] = ["wordpress", "facebook", "instagram", "tiktok", "demo"];

/// `span` is "month" or "week"; `date` (YYYY-MM-DD) picks the month or week
/// shown; `channel` is "" for all, or one of `CHANNELS`.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn view(
    ctx: &TenantContext,
    state: &AppState,
    span: &str,
    date: &str,
    zone: &str,
    channel: &str,
) -> ServerResult<CalendarView> {
    if !channel.is_empty() && !CHANNELS.contains(&channel) {
        return Err(ServerError::BadRequest(
            "Choose a channel: WordPress, Facebook, Instagram, TikTok or the demo channel.".into(),
        ));
    }
    let tz = parse_time_zone(zone).unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let anchor = anchor_date(date, today)?;
    let (first, days, title, previous, next) = match span {
        "week" => {
            let monday = anchor - Days::new(anchor.weekday().num_days_from_monday() as u64);
            let title = format!("Week of {}", monday.format("%-d %B %Y"));
            (monday, 7, title, monday - Days::new(7), monday + Days::new(7))
        }
        "month" => {
            let start = anchor.with_day(1).unwrap_or(anchor);
            let monday = start - Days::new(start.weekday().num_days_from_monday() as u64);
            let end = start + Months::new(1);
            let weeks = ((end - monday).num_days() + 6) / 7;
            let title = start.format("%B %Y").to_string();
            (monday, weeks * 7, title, start - Months::new(1), end)
        }
        _ => return Err(ServerError::Validation("Choose a month or a week.".into())),
    };
    let from = local_midnight(tz, first);
    let to = local_midnight(tz, first + Days::new(days as u64));
    let entries = entries(ctx, state, from, to, channel).await?;
    Ok(CalendarView {
        title,
        span: span.into(),
        zone: tz.name().into(),
        previous: within_bounds(previous).format("%Y-%m-%d").to_string(),
        next: within_bounds(next).format("%Y-%m-%d").to_string(),
        days: lay_out(tz, first, days, anchor, span == "month", &entries),
        channel: channel.into(),
        can_move: ctx.can(Permission::CreateContent),
    })
}

/// The day the view is built around: today when no date is given (or the
/// text is no date at all). A date is YYYY-MM-DD with a year from 1970 to
/// 9999, so the month and week arithmetic cannot overflow; anything else
/// shaped like a date (a signed or six-digit year, 30 February) is refused.
fn anchor_date(date: &str, today: NaiveDate) -> ServerResult<NaiveDate> {
    let date = date.trim();
    let parts: Vec<&str> = date.trim_start_matches(['+', '-']).split('-').collect();
    let date_shaped = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !date_shaped {
        return Ok(today);
    }
    let refused = || ServerError::BadRequest("Choose a date between the years 1970 and 9999, like 2026-12-31.".into());
    if date.len() != 10 || parts[0].len() != 4 {
        return Err(refused());
    }
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(parsed) if (1970..=9999).contains(&parsed.year()) => Ok(parsed),
        _ => Err(refused()),
    }
}

/// A neighbour's date kept within the years the calendar shows, so the
/// links at the ends lead to the first or last month rather than a refusal.
fn within_bounds(date: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(9999, 12, 1).unwrap_or_default();
    date.clamp(first, last)
}

fn lay_out(
    tz: Tz,
    first: NaiveDate,
    days: i64,
    anchor: NaiveDate,
    month: bool,
    entries: &[CalendarEntry],
) -> Vec<CalendarDay> {
    (0..days)
        .map(|i| {
            let date = first + Days::new(i as u64);
            let items = entries
                .iter()
                .filter(|e| {
                    tz.timestamp_opt(e.at, 0)
                        .single()
                        .is_some_and(|t| t.date_naive() == date)
                })
                .map(|e| {
                    let time = tz
                        .timestamp_opt(e.at, 0)
                        .single()
                        .map(|t| t.format("%H:%M").to_string());
                    (time.unwrap_or_default(), e.clone())
                })
                .collect();
            CalendarDay {
                date: date.format("%Y-%m-%d").to_string(),
                label: date.format("%a %-d").to_string(),
                in_range: !month || date.month() == anchor.month(),
                entries: items,
            }
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct CalendarRow {
    at: i64,
    site_id: SiteId,
    site_name: String,
    title: String,
    step: String,
    remote_url: Option<String>,
    site_url: String,
}

/// Posts made between `from` and `to` (unix seconds) at the instant they
/// went (or go) live, the runs the schedules will make in that span, and
/// social posts at their time; only `channel`'s when one is named.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn entries(
    ctx: &TenantContext,
    state: &AppState,
    from: i64,
    to: i64,
    channel: &str,
) -> ServerResult<Vec<CalendarEntry>> {
    ctx.require(Permission::ViewWorkspace)?;
    if to <= from || to - from > 45 * 86_400 {
        return Err(ServerError::Validation("Choose a span of up to 45 days.".into()));
    }
    let mut entries = social(ctx, state, from, to, channel).await?;
    if !channel.is_empty() && channel != "wordpress" {
        entries.sort_by_key(|e| e.at);
        return Ok(entries);
    }
    let rows: Vec<CalendarRow> = sqlx::query_as(
        "select coalesce(p.publish_at, p.published_at, p.created_at) as at, p.site_id, s.name as site_name, p.title, \
         j.step, p.remote_url, s.url as site_url from post p join site s on s.id = p.site_id join job j on j.id = p.job_id \
         where p.tenant_id = $1 and coalesce(p.publish_at, p.published_at, p.created_at) >= $2 \
         and coalesce(p.publish_at, p.published_at, p.created_at) < $3 order by at",
    )
    .bind(ctx.tenant_id())
    .bind(from)
    .bind(to)
    .fetch_all(&state.db.pool)
    .await?;
    entries.extend(rows.into_iter().map(|r| CalendarEntry {
        at: r.at,
        site_id: r.site_id,
        site_name: r.site_name,
        title: r.title,
        step: Step::parse(&r.step),
        remote_url: super::content::shown_link(Some(&r.site_url), r.remote_url),
        channel: "wordpress".into(),
        social_post_id: None,
        movable: false,
    }));
    let automated = sites::automated(ctx, state).await?;
    // A busy cron schedule is capped so one site cannot flood the page.
    entries.extend(planned(&automated, from, to, 300).map(|(site, at)| CalendarEntry {
        at,
        site_id: site.id.clone(),
        site_name: site.name.clone(),
        title: "Planned post".into(),
        step: None,
        remote_url: None,
        channel: "wordpress".into(),
        social_post_id: None,
        movable: false,
    }));
    entries.sort_by_key(|e| e.at);
    Ok(entries)
}

#[derive(sqlx::FromRow)]
struct SocialRow {
    id: String,
    publish_at: i64,
    body: String,
    review: String,
    account_name: String,
    platform: String,
    permalink: Option<String>,
    job_state: Option<String>,
    step: Option<String>,
    attempt: Option<i64>,
}

/// Social posts with a time in `[from, to)`, one entry per post, named by
/// the accounts it goes to; rejected ones are left out.
async fn social(
    ctx: &TenantContext,
    state: &AppState,
    from: i64,
    to: i64,
    channel: &str,
) -> ServerResult<Vec<CalendarEntry>> {
    let rows: Vec<SocialRow> = sqlx::query_as(
        "select p.id, p.publish_at, p.body, p.review, a.name as account_name, a.platform, t.permalink, \
         j.state as job_state, j.step, j.attempt from social_post p \
         join social_post_target t on t.post_id = p.id and t.tenant_id = p.tenant_id \
         join social_account a on a.id = t.account_id and a.tenant_id = t.tenant_id \
         left join job j on j.tenant_id = t.tenant_id and j.kind = 'social-publish' and j.subject_id = t.id \
         where p.tenant_id = $1 and p.review <> 'rejected' and p.publish_at >= $2 and p.publish_at < $3 \
         order by p.publish_at, p.id, t.created_at, t.id",
    )
    .bind(ctx.tenant_id())
    .bind(from)
    .bind(to)
    .fetch_all(&state.db.pool)
    .await?;
    let mut entries: Vec<CalendarEntry> = Vec::new();
    let mut rest = rows.as_slice();
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|r| r.id == first.id).count();
        let (post, later) = rest.split_at(n);
        rest = later;
        let mut platforms: Vec<&str> = Vec::new();
        for row in post {
            if !platforms.contains(&row.platform.as_str()) {
                platforms.push(&row.platform);
            }
        }
        if !channel.is_empty() && !platforms.contains(&channel) {
            continue;
        }
        let steps: Vec<Option<Step>> = post.iter().map(|r| r.step.as_deref().and_then(Step::parse)).collect();
        let step = match first.review.as_str() {
            "draft" => None,
            "pending" => Some(Step::AwaitingReview),
            _ if steps.iter().all(|s| *s == Some(Step::Published)) => Some(Step::Published),
            _ if steps.contains(&Some(Step::Failed)) => Some(Step::Failed),
            _ if steps.contains(&Some(Step::Publishing)) => Some(Step::Publishing),
            _ => Some(Step::Queued),
        };
        let untouched = post.iter().all(|r| {
            r.job_state.as_deref() == Some("queued")
                && r.attempt == Some(0)
                && r.step.as_deref() == Some(Step::Queued.as_str())
        });
        let title: String = match first.body.trim() {
            "" => "(no text)".into(),
            body => body.chars().take(60).collect(),
        };
        let names: Vec<String> = post
            .iter()
            .map(|r| {
                let label = Platform::parse(&r.platform).map(|p| p.label()).unwrap_or("");
                if label.is_empty() || label == r.account_name {
                    r.account_name.clone()
                } else {
                    format!("{} ({label})", r.account_name)
                }
            })
            .collect();
        entries.push(CalendarEntry {
            at: first.publish_at,
            site_id: SiteId::new(String::new()),
            site_name: names.join(", "),
            title,
            step,
            remote_url: post
                .iter()
                .find_map(|r| r.permalink.clone().filter(|l| social::posts::is_web_link(l))),
            channel: platforms.join(","),
            social_post_id: Some(first.id.clone()),
            movable: matches!(first.review.as_str(), "draft" | "pending") || untouched,
        });
    }
    Ok(entries)
}

/// The next runs of the workspace's running schedules over the coming
/// fortnight, soonest first, each shown in its site's zone.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn upcoming(ctx: &TenantContext, state: &AppState, limit: usize) -> ServerResult<Vec<PlannedRun>> {
    ctx.require(Permission::ViewWorkspace)?;
    let automated = sites::automated(ctx, state).await?;
    let from = now();
    let mut runs: Vec<(&SiteRow, i64)> = planned(&automated, from, from + 14 * 86_400, limit).collect();
    runs.sort_by_key(|(_, at)| *at);
    runs.truncate(limit);
    Ok(runs
        .into_iter()
        .map(|(site, at)| PlannedRun {
            at,
            site_id: site.id.clone(),
            site_name: site.name.clone(),
            when: format_in_zone(at, parse_time_zone(&site.settings.time_zone).unwrap_or(chrono_tz::UTC)),
        })
        .collect())
}

/// The slots of each site's schedule in `[from, to)` that are not jobs yet,
/// at most `cap` per site. Slots before `next_run_at` already are (a site
/// that schedules in WordPress enqueues a day ahead) and show as posts.
fn planned(sites: &[SiteRow], from: i64, to: i64, cap: usize) -> impl Iterator<Item = (&SiteRow, i64)> {
    sites.iter().flat_map(move |site| {
        let runs = match (site.schedule(), site.next_run_at) {
            (Ok(schedule), Some(next)) => schedule.next_runs(from.max(next - 1), cap),
            _ => Vec::new(),
        };
        runs.into_iter()
            .take_while(move |at| *at < to)
            .map(move |at| (site, at))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_bounded_and_plain() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(anchor_date("", today).unwrap(), today);
        assert_eq!(anchor_date("someday", today).unwrap(), today);
        assert_eq!(
            anchor_date("2027-01-31", today).unwrap(),
            NaiveDate::from_ymd_opt(2027, 1, 31).unwrap()
        );
        assert!(anchor_date("9999-12-31", today).is_ok());
        // The links at the ends stay inside the years a date may have.
        let edge = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(within_bounds(edge - Months::new(1)), edge);
        let last = NaiveDate::from_ymd_opt(9999, 12, 1).unwrap();
        assert_eq!(within_bounds(NaiveDate::from_ymd_opt(10000, 1, 1).unwrap()), last);
        for bad in [
            "+262143-12-15",
            "-262143-01-01",
            "+2026-01-01",
            "1969-12-31",
            "10000-01-01",
            "2026-02-30",
            "2026-1-1",
        ] {
            assert!(
                matches!(anchor_date(bad, today), Err(ServerError::BadRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn entries_land_on_their_local_day() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let first = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        // 2026-11-03T03:00:00Z is still 2 November, 22:00, in New York.
        let entry = CalendarEntry {
            at: 1_793_674_800,
            site_id: "s".into(),
            site_name: "Blog".into(),
            title: "Late post".into(),
            step: None,
            remote_url: None,
            channel: "wordpress".into(),
            social_post_id: None,
            movable: false,
        };
        let days = lay_out(tz, first, 7, first, false, &[entry]);
        assert_eq!(days[0].entries.len(), 1);
        assert_eq!(days[0].entries[0].0, "22:00");
        assert!(days[1].entries.is_empty());
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_jump() {
        // Santiago springs from 00:00 (-04) to 01:00 (-03) on 6 September 2026.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(local_midnight(tz, day), 1_788_667_200);
        let ordinary = NaiveDate::from_ymd_opt(2026, 9, 7).unwrap();
        assert_eq!(local_midnight(tz, ordinary), 1_788_667_200 + 23 * 3600);
    }
}
