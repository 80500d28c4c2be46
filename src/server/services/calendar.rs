//! The calendar: a month or a week of posts and planned runs, laid out in
//! the viewer's time zone on the server (the browser gets days, not math).

use crate::app::types::{CalendarDay, CalendarEntry, CalendarView};
use crate::server::auth::TenantContext;
use crate::server::db::Db;
use crate::server::domain::parse_time_zone;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::content;
use chrono::{Datelike, Days, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// `span` is "month" or "week"; `date` (YYYY-MM-DD) picks the month or week shown.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn view(ctx: &TenantContext, db: &Db, span: &str, date: &str, zone: &str) -> ServerResult<CalendarView> {
    let tz = parse_time_zone(zone).unwrap_or(chrono_tz::UTC);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let anchor = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or(today);
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
    let entries = content::calendar(ctx, db, from, to).await?;
    Ok(CalendarView {
        title,
        span: span.into(),
        zone: tz.name().into(),
        previous: previous.format("%Y-%m-%d").to_string(),
        next: next.format("%Y-%m-%d").to_string(),
        days: lay_out(tz, first, days, anchor, span == "month", &entries),
    })
}

fn local_midnight(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp())
        // A zone whose clocks skip midnight: the first instant of that day.
        .unwrap_or_else(|| tz.from_utc_datetime(&midnight).timestamp())
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
                label: date.format("%a %-d").to_string(),
                in_range: !month || date.month() == anchor.month(),
                entries: items,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        };
        let days = lay_out(tz, first, 7, first, false, &[entry]);
        assert_eq!(days[0].entries.len(), 1);
        assert_eq!(days[0].entries[0].0, "22:00");
        assert!(days[1].entries.is_empty());
    }
}
