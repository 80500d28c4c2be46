//! How a workspace's automation performs: posts published per day in the
//! viewer's time zone (DST days are 23 or 25 hours long, so days are cut
//! at local midnights, not every 86,400 seconds), success rate, time from
//! generation to publication, failures by reason, and the month's quota
//! with a forecast of the day it runs out at the current pace.

use crate::app::types::{Analytics, AnalyticsQuery, Permission, SiteId};
use crate::server::auth::TenantContext;
use crate::server::db::now;
use crate::server::domain::{local_midnight, parse_time_zone};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::publishing::KIND;
use crate::server::services::quota::{self, month_start};
use crate::server::state::AppState;
use chrono::{Datelike, Days, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// Failure reasons shown; the rest are summed as "Other".
const TOP_REASONS: usize = 6;

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn report(ctx: &TenantContext, state: &AppState, query: &AnalyticsQuery) -> ServerResult<Analytics> {
    ctx.require(Permission::ViewWorkspace)?;
    if query.days != 30 && query.days != 90 {
        return Err(ServerError::Validation("Show 30 or 90 days.".into()));
    }
    let tz = parse_time_zone(&query.zone).unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let last = match query.end.trim() {
        "" => today,
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| (1970..=9999).contains(&d.year()))
            .ok_or_else(|| ServerError::Validation("Give the period's last day as YYYY-MM-DD.".into()))?,
    };
    let first = last - Days::new(query.days as u64 - 1);
    let (from, to) = (local_midnight(tz, first), local_midnight(tz, last + Days::new(1)));
    let sites: Vec<(SiteId, String)> =
        sqlx::query_as("select id, name from site where tenant_id = $1 order by lower(name), id")
            .bind(ctx.tenant_id())
            .fetch_all(&state.db.pool)
            .await?;
    let site = query.site.clone().filter(|s| sites.iter().any(|(id, _)| id == s));
    let posts: Vec<(SiteId, i64, i64)> = sqlx::query_as(
        "select site_id, created_at, published_at from post \
         where tenant_id = $1 and published_at >= $2 and published_at < $3",
    )
    .bind(ctx.tenant_id())
    .bind(from)
    .bind(to)
    .fetch_all(&state.db.pool)
    .await?;
    let jobs: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "select state, step, last_error, subject_id from job where tenant_id = $1 and finished_at >= $2 \
         and finished_at < $3 and kind = $4 and state in ('done', 'dead')",
    )
    .bind(ctx.tenant_id())
    .bind(from)
    .bind(to)
    .bind(KIND)
    .fetch_all(&state.db.pool)
    .await?;
    let chosen = |s: &SiteId| site.as_ref().is_none_or(|c| c == s);
    let instants: Vec<i64> = posts.iter().filter(|(s, ..)| chosen(s)).map(|(_, _, at)| *at).collect();
    let mut waits: Vec<i64> = posts
        .iter()
        .filter(|(s, ..)| chosen(s))
        .map(|(_, made, published)| (published - made).max(0) / 60)
        .collect();
    waits.sort_unstable();
    let jobs: Vec<_> = jobs.into_iter().filter(|j| chosen(&SiteId::new(j.3.clone()))).collect();
    let succeeded = jobs.iter().filter(|j| j.0 == "done" && j.1 == "published").count() as i64;
    let failed = jobs.iter().filter(|j| j.0 == "dead").count() as i64;
    let in_force = quota::in_force(ctx, state).await?;
    let usage = quota::usage(ctx, state, &in_force.limits).await?;
    Ok(Analytics {
        days: query.days,
        zone: tz.name().into(),
        first_day: first.format("%Y-%m-%d").to_string(),
        last_day: last.format("%Y-%m-%d").to_string(),
        published_per_day: per_day(tz, first, query.days, &instants),
        published: instants.len() as i64,
        per_site: sites
            .iter()
            .map(|(id, name)| (name.clone(), posts.iter().filter(|(s, ..)| s == id).count() as i64))
            .collect(),
        success_rate: (succeeded + failed > 0)
            .then(|| (succeeded as f64 * 1000.0 / (succeeded + failed) as f64).round() / 10.0),
        succeeded,
        failed,
        median_minutes_to_publish: percentile(&waits, 50),
        p90_minutes_to_publish: percentile(&waits, 90),
        failures_by_reason: reasons(
            jobs.iter()
                .filter(|j| j.0 == "dead")
                .map(|j| j.2.as_deref().unwrap_or("")),
        ),
        forecast: forecast(usage.posts_this_month, usage.posts_limit, now()),
        usage,
        site,
        sites,
    })
}

/// How many of `instants` fall on each local day from `first`, `days` long.
pub fn per_day(tz: Tz, first: NaiveDate, days: i64, instants: &[i64]) -> Vec<(String, i64)> {
    let mut counts = vec![0i64; days.max(0) as usize];
    for at in instants {
        if let Some(local) = tz.timestamp_opt(*at, 0).single() {
            let index = (local.date_naive() - first).num_days();
            if let Some(n) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                *n += 1;
            }
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| ((first + Days::new(i as u64)).format("%Y-%m-%d").to_string(), n))
        .collect()
}

/// The `p`th percentile of sorted values (nearest rank).
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Failures grouped by what went wrong, most frequent first. The runner's
/// "Gave up after N attempts." is dropped so one cause stays one reason.
fn reasons<'a>(errors: impl Iterator<Item = &'a str>) -> Vec<(String, i64)> {
    let mut counts: Vec<(String, i64)> = Vec::new();
    for error in errors {
        let reason = error.split(" Gave up after").next().unwrap_or("").trim();
        let reason = if reason.is_empty() { "Unknown" } else { reason };
        match counts.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += 1,
            None => counts.push((reason.to_owned(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if counts.len() > TOP_REASONS {
        let other: i64 = counts.drain(TOP_REASONS - 1..).map(|(_, n)| n).sum();
        counts.push(("Other".into(), other));
    }
    counts
}

/// When this month's posts run out at the pace so far (UTC month, as the
/// quota counts it).
pub fn forecast(used: i64, limit: i64, now: i64) -> String {
    let start = month_start(now);
    let day = chrono::Utc.timestamp_opt(now, 0).single().unwrap_or_default();
    let next_month = if day.month() == 12 {
        chrono::Utc.with_ymd_and_hms(day.year() + 1, 1, 1, 0, 0, 0)
    } else {
        chrono::Utc.with_ymd_and_hms(day.year(), day.month() + 1, 1, 0, 0, 0)
    }
    .single()
    .map(|t| t.timestamp())
    .unwrap_or(start + 31 * 86_400);
    if used >= limit {
        return "The month's posts are used up; more wait for next month or a bigger plan.".into();
    }
    if used == 0 {
        return "No posts yet this month, so nothing runs out at this pace.".into();
    }
    let elapsed = (now - start).max(1) as f64;
    let runs_out = start + (elapsed * limit as f64 / used as f64) as i64;
    if runs_out >= next_month {
        return "At this pace the month's posts last until the month ends.".into();
    }
    let date = chrono::Utc.timestamp_opt(runs_out, 0).single().unwrap_or_default();
    format!("At this pace the month's posts run out on {}.", date.format("%-d %B"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_cut_at_local_midnights_across_a_dst_change() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let first = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        // 1 Nov 2026 has 25 hours in New York: 00:30 EDT and 23:30 EST that day.
        let early = tz.with_ymd_and_hms(2026, 11, 1, 0, 30, 0).single().unwrap().timestamp();
        let late = tz
            .with_ymd_and_hms(2026, 11, 1, 23, 30, 0)
            .single()
            .unwrap()
            .timestamp();
        let next = tz.with_ymd_and_hms(2026, 11, 2, 0, 10, 0).single().unwrap().timestamp();
        let days = per_day(tz, first, 3, &[early, late, next]);
        assert_eq!(
            days,
            vec![
                ("2026-10-31".to_string(), 0),
                ("2026-11-01".to_string(), 2),
                ("2026-11-02".to_string(), 1)
            ]
        );
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&(1..=10).collect::<Vec<_>>(), 90), Some(9));
    }

    #[test]
    fn reasons_group_one_cause_and_fold_the_tail() {
        let errors = [
            "WordPress refused the password. Gave up after 3 attempts.",
            "WordPress refused the password.",
            "a",
            "b",
            "c",
            "d",
            "e",
            "f",
        ];
        let grouped = reasons(errors.into_iter());
        assert_eq!(grouped[0], ("WordPress refused the password.".to_string(), 2));
        assert_eq!(grouped.len(), TOP_REASONS);
        assert_eq!(grouped.last().unwrap(), &("Other".to_string(), 2));
    }

    #[test]
    fn the_forecast_names_the_day_at_this_pace() {
        // 2026-12-11 00:00 UTC: ten days into December, 50 of 100 used.
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 11, 0, 0, 0).unwrap().timestamp();
        assert_eq!(
            forecast(50, 100, now),
            "At this pace the month's posts run out on 21 December."
        );
        assert!(forecast(10, 100, now).contains("last until the month ends"));
        assert!(forecast(100, 100, now).contains("used up"));
        assert!(forecast(0, 100, now).contains("No posts yet"));
    }
}
