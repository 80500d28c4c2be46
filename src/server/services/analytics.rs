//! How a workspace's automation performs: posts published per day in the
//! viewer's time zone (DST days are 23 or 25 hours long, so days are cut
//! at local midnights, not every 86,400 seconds), success rate, time from
//! generation to publication, failures by reason, and the month's quota
//! with a forecast of the day it runs out at the current pace.

use crate::app::types::{Analytics, AnalyticsQuery, Permission, SiteId};
use crate::server::auth::TenantContext;
use crate::server::db::{now, Where};
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
    let chosen = |s: &SiteId| site.as_ref().is_none_or(|c| c == s);
    // Counted in SQL from covering indexes, not fetched row by row: a
    // busy workspace has thousands of posts in 90 days, and fetching them
    // made the page five times slower (the analytics benchmark, README).
    let counted = published_per_site_day(ctx, state, &stretches(tz, first, query.days)).await?;
    let mut per_day = vec![0i64; query.days as usize];
    for (s, day, n) in &counted {
        if let Some(count) = per_day.get_mut(*day).filter(|_| chosen(s)) {
            *count += n;
        }
    }
    let waits = minutes_to_publish(ctx, state, (from, to), site.as_ref()).await?;
    let (succeeded, failed, errors) = job_outcomes(ctx, state, (from, to), site.as_ref()).await?;
    let in_force = quota::in_force(ctx, state).await?;
    let usage = quota::usage(ctx, state, &in_force.limits).await?;
    Ok(Analytics {
        days: query.days,
        zone: tz.name().into(),
        first_day: first.format("%Y-%m-%d").to_string(),
        last_day: last.format("%Y-%m-%d").to_string(),
        published: per_day.iter().sum(),
        published_per_day: label_days(first, per_day),
        per_site: sites
            .iter()
            .map(|(id, name)| {
                let n = counted.iter().filter(|(s, ..)| s == id).map(|(_, _, n)| n).sum();
                (name.clone(), n)
            })
            .collect(),
        success_rate: (succeeded + failed > 0)
            .then(|| (succeeded as f64 * 1000.0 / (succeeded + failed) as f64).round() / 10.0),
        succeeded,
        failed,
        median_minutes_to_publish: percentile(&waits, 50),
        p90_minutes_to_publish: percentile(&waits, 90),
        failures_by_reason: reasons(errors.iter().map(|(e, n)| (e.as_str(), *n))),
        forecast: forecast(usage.posts_this_month, usage.posts_limit, now()),
        usage,
        site,
        sites,
    })
}

const DAY: i64 = 86_400;

/// Local days of one length in a row: day `index + k` starts at
/// `start + k * len`. A run of 24-hour days is one stretch and a DST day
/// (23 or 25 hours) one of its own, so SQL finds a post's local day by
/// integer division, whatever the zone.
#[derive(Debug, PartialEq)]
struct Stretch {
    index: usize,
    start: i64,
    end: i64,
    len: i64,
}

fn stretches(tz: Tz, first: NaiveDate, days: i64) -> Vec<Stretch> {
    let bounds: Vec<i64> = (0..=days as u64)
        .map(|i| local_midnight(tz, first + Days::new(i)))
        .collect();
    let mut out: Vec<Stretch> = Vec::new();
    for (index, day) in bounds.windows(2).enumerate() {
        let (start, end) = (day[0], day[1]);
        match out.last_mut() {
            Some(s) if s.len == DAY && end - start == DAY && s.end == start => s.end = end,
            _ => out.push(Stretch {
                index,
                start,
                end,
                len: (end - start).max(1),
            }),
        }
    }
    out
}

/// Posts published per site and local day: (site, day index, count).
async fn published_per_site_day(
    ctx: &TenantContext,
    state: &AppState,
    stretches: &[Stretch],
) -> ServerResult<Vec<(SiteId, usize, i64)>> {
    let mut counted = Vec::new();
    for s in stretches {
        let rows: Vec<(SiteId, i64, i64)> = sqlx::query_as(
            "select site_id, d, count(*) from (select site_id, (published_at - $2) / $4 as d from post \
             where tenant_id = $1 and published_at >= $2 and published_at < $3) p group by site_id, d",
        )
        .bind(ctx.tenant_id())
        .bind(s.start)
        .bind(s.end)
        .bind(s.len)
        .fetch_all(&state.db.pool)
        .await?;
        counted.extend(rows.into_iter().map(|(site, d, n)| (site, s.index + d as usize, n)));
    }
    Ok(counted)
}

/// One workspace's rows whose `at` falls in the period, of one site when
/// one is chosen.
fn period(ctx: &TenantContext, (from, to): (i64, i64), at: &str, site_column: &str, site: Option<&SiteId>) -> Where {
    let mut clause = Where::new(&format!("{at} >= "), from);
    clause
        .int(&format!("{at} < "), to)
        .text("tenant_id = ", ctx.tenant_id().as_str());
    if let Some(site) = site {
        clause.text(&format!("{site_column} = "), site.as_str());
    }
    clause
}

/// Minutes from generation to publication, each with how many posts took
/// that long, shortest first.
async fn minutes_to_publish(
    ctx: &TenantContext,
    state: &AppState,
    span: (i64, i64),
    site: Option<&SiteId>,
) -> ServerResult<Vec<(i64, i64)>> {
    let clause = period(ctx, span, "published_at", "site_id", site);
    let sql = format!(
        "select w, count(*) from (select case when published_at > created_at \
         then (published_at - created_at) / 60 else 0 end as w from post where {}) p group by w order by w",
        clause.sql()
    );
    Ok(clause.bind(sqlx::query_as(&sql)).fetch_all(&state.db.pool).await?)
}

/// Finished post jobs of the period: how many published, how many died,
/// and the dead ones' errors with how often each came up. The counts are
/// read off the index alone; only dead jobs, which are few, are visited
/// for their error.
async fn job_outcomes(
    ctx: &TenantContext,
    state: &AppState,
    span: (i64, i64),
    site: Option<&SiteId>,
) -> ServerResult<(i64, i64, Vec<(String, i64)>)> {
    let mut clause = period(ctx, span, "finished_at", "subject_id", site);
    clause.text("kind = ", KIND);
    let sql = format!(
        "select state, step, count(*) from job where {} and state in ('done', 'dead') group by state, step",
        clause.sql()
    );
    let done: Vec<(String, String, i64)> = clause.bind(sqlx::query_as(&sql)).fetch_all(&state.db.pool).await?;
    let sql = format!(
        "select last_error, count(*) from job where {} and state = 'dead' group by last_error",
        clause.sql()
    );
    let errors: Vec<(Option<String>, i64)> = clause.bind(sqlx::query_as(&sql)).fetch_all(&state.db.pool).await?;
    let count = |state: &str, step: Option<&str>| -> i64 {
        done.iter()
            .filter(|o| o.0 == state && step.is_none_or(|s| o.1 == s))
            .map(|o| o.2)
            .sum()
    };
    let reasons = errors.into_iter().map(|(e, n)| (e.unwrap_or_default(), n)).collect();
    Ok((count("done", Some("published")), count("dead", None), reasons))
}

/// Each day from `first` named as YYYY-MM-DD beside its count.
fn label_days(first: NaiveDate, counts: Vec<i64>) -> Vec<(String, i64)> {
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| ((first + Days::new(i as u64)).format("%Y-%m-%d").to_string(), n))
        .collect()
}

/// The `p`th percentile (nearest rank) of values given in ascending order,
/// each with how often it occurs.
fn percentile(counted: &[(i64, i64)], p: i64) -> Option<i64> {
    let total: i64 = counted.iter().map(|(_, n)| n).sum();
    let rank = ((p * total + 99) / 100).max(1);
    let mut seen = 0;
    counted.iter().find_map(|(value, n)| {
        seen += n;
        (seen >= rank).then_some(*value)
    })
}

/// Failures grouped by what went wrong, most frequent first. The runner's
/// "Gave up after N attempts." is dropped so one cause stays one reason.
fn reasons<'a>(errors: impl Iterator<Item = (&'a str, i64)>) -> Vec<(String, i64)> {
    let mut counts: Vec<(String, i64)> = Vec::new();
    for (error, times) in errors {
        let reason = error.split(" Gave up after").next().unwrap_or("").trim();
        let reason = if reason.is_empty() { "Unknown" } else { reason };
        match counts.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += times,
            None => counts.push((reason.to_owned(), times)),
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
        let first = NaiveDate::from_ymd_opt(2026, 10, 30).unwrap();
        let midnight = |d: u32| local_midnight(tz, NaiveDate::from_ymd_opt(2026, 11, d).unwrap());
        let oct30 = local_midnight(tz, first);
        // 1 Nov 2026 has 25 hours in New York: the 24-hour days before it
        // make one stretch, the day itself one, the days after it another.
        assert_eq!(
            stretches(tz, first, 5),
            vec![
                Stretch {
                    index: 0,
                    start: oct30,
                    end: midnight(1),
                    len: DAY
                },
                Stretch {
                    index: 2,
                    start: midnight(1),
                    end: midnight(2),
                    len: DAY + 3_600
                },
                Stretch {
                    index: 3,
                    start: midnight(2),
                    end: midnight(4),
                    len: DAY
                },
            ]
        );
        // 23:30 EST on 1 Nov is still that day: 24.5 hours after midnight.
        let late = tz
            .with_ymd_and_hms(2026, 11, 1, 23, 30, 0)
            .single()
            .unwrap()
            .timestamp();
        assert_eq!((late - midnight(1)) / (DAY + 3_600), 0);
        assert_eq!(label_days(first, vec![1, 0])[1], ("2026-10-31".to_string(), 0));
    }

    #[test]
    fn a_zone_that_skips_midnight_gets_a_short_day_of_its_own() {
        // Santiago moves its clocks from 00:00 to 01:00 in early September.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let first = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let all = stretches(tz, first, 14);
        assert!(all.windows(2).all(|w| w[0].end == w[1].start), "{all:?}");
        assert_eq!(all.iter().filter(|s| s.len == DAY - 3_600).count(), 1, "{all:?}");
        let days: i64 = all.iter().map(|s| (s.end - s.start) / s.len).sum();
        assert_eq!(days, 14);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let each_once = |values: &[i64]| values.iter().map(|v| (*v, 1)).collect::<Vec<_>>();
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[(7, 1)], 90), Some(7));
        assert_eq!(percentile(&each_once(&[1, 2, 3, 4]), 50), Some(2));
        assert_eq!(percentile(&each_once(&(1..=10).collect::<Vec<_>>()), 90), Some(9));
        assert_eq!(percentile(&[(5, 3), (9, 1)], 50), Some(5));
        assert_eq!(percentile(&[(5, 3), (9, 1)], 90), Some(9));
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
        let grouped = reasons(errors.into_iter().map(|e| (e, 1)));
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
