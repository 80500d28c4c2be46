//! The posting schedule of a WordPress site: a list of daily local times or a 5-field cron expression, read
//! in the site's IANA time zone. Parsed once at the edge; holding a `Schedule` means it is valid and fires.
//!
//! Daylight-saving rules, the same for both kinds:
//! - a local time that does not exist on a day (spring-forward gap) runs at the instant the offset from before
//!   the gap gives, i.e. shifted forward by the gap: 02:30 in Europe/Berlin on 2026-03-29 runs at 03:30 CEST;
//! - a local time that occurs twice (fall-back overlap) runs once, at its first occurrence.
//!
//! Cron expressions are matched by croner against the local wall clock only (croner is handed the wall clock as
//! if it were UTC, which has no daylight saving); this module turns wall-clock times into instants. croner's own
//! zone handling is not used: in a gap it snaps fixed times to the end of the gap (03:00, not 03:30) and skips
//! interval times, and in an overlap it can return an instant earlier than the one it was asked to search after.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

use crate::server::error::ServerError;

const MAX_DAILY_TIMES: usize = 24;
/// Bound on local candidate times per `next_after`: an every-minute cron needs ~60 to cross a one-hour overlap.
const MAX_SCAN_STEPS: usize = 10_000;
const CRON_EXAMPLE: &str = "0 9 * * 1-5";

/// Which of the two ways of writing a schedule a site uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    Daily,
    Cron,
}

impl ScheduleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Daily => "daily",
            ScheduleKind::Cron => "cron",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "daily" => Some(ScheduleKind::Daily),
            "cron" => Some(ScheduleKind::Cron),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
enum Rule {
    /// 1 to 24 local times, sorted and distinct.
    Daily(Vec<NaiveTime>),
    Cron {
        text: String,
        // Boxed: a parsed cron is large and schedules are cloned per site.
        cron: Box<Cron>,
    },
}

/// When a site posts: a rule read in a time zone. See the module docs for daylight-saving behaviour.
#[derive(Debug, Clone)]
pub struct Schedule {
    rule: Rule,
    time_zone: Tz,
}

impl Schedule {
    /// kind: "daily" or "cron". times (daily only): local "HH:MM" times separated by commas and/or whitespace,
    /// e.g. "09:00, 15:30"; "9:00" is accepted; 1 to 24 distinct times, sorted and de-duplicated. cron (cron
    /// only): a standard 5-field expression (minute hour day-of-month month day-of-week); seconds and year
    /// fields are rejected, as are expressions that never match a date. time_zone: an IANA name such as
    /// "Europe/Berlin" or "UTC".
    pub fn parse(kind: &str, times: &str, cron: &str, time_zone: &str) -> Result<Schedule, ServerError> {
        let rule = match ScheduleKind::parse(kind) {
            Some(ScheduleKind::Daily) => Rule::Daily(parse_times(times)?),
            Some(ScheduleKind::Cron) => parse_cron(cron)?,
            None => {
                let kind = shorten(kind.trim());
                return Err(invalid(format!(
                    "Unknown schedule kind \"{kind}\". Choose daily or cron."
                )));
            }
        };
        Ok(Schedule {
            rule,
            time_zone: parse_time_zone(time_zone)?,
        })
    }

    pub fn kind(&self) -> ScheduleKind {
        match self.rule {
            Rule::Daily(_) => ScheduleKind::Daily,
            Rule::Cron { .. } => ScheduleKind::Cron,
        }
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// Normalised daily times for storage, e.g. "09:00, 15:30"; "" for cron.
    pub fn times_text(&self) -> String {
        match &self.rule {
            Rule::Daily(times) => times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Rule::Cron { .. } => String::new(),
        }
    }

    /// The trimmed cron expression for storage; "" for daily.
    pub fn cron_text(&self) -> String {
        match &self.rule {
            Rule::Daily(_) => String::new(),
            Rule::Cron { text, .. } => text.clone(),
        }
    }

    /// How many runs a day the schedule has: the number of times for daily, None for cron.
    pub fn runs_per_day(&self) -> Option<usize> {
        match &self.rule {
            Rule::Daily(times) => Some(times.len()),
            Rule::Cron { .. } => None,
        }
    }

    /// The first run strictly after `after` (unix seconds), as unix seconds. None only if a cron expression never
    /// fires again (or `after` is outside chrono's range).
    ///
    /// Local candidate times are scanned in wall-clock order. A gap time shifted forward can land after `after`
    /// although its wall-clock time is before it, so the scan starts earlier by the size of any forward jump in
    /// the day before `after`. Shifting also makes wall-clock order and instant order disagree, so the scan keeps
    /// the earliest instant found and stops once the wall clock passes that instant's own local time.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let tz = self.time_zone;
        let after_utc = DateTime::<Utc>::from_timestamp(after, 0)?;
        let local_after = after_utc.with_timezone(&tz).naive_local();
        let mut cursor = local_after.checked_sub_signed(recent_forward_jump(tz, after_utc)?)?;
        let mut best: Option<(i64, NaiveDateTime)> = None;
        for _ in 0..MAX_SCAN_STEPS {
            let Some(candidate) = self.next_local(cursor) else {
                break;
            };
            if best.is_some_and(|(_, best_local)| candidate > best_local) {
                break;
            }
            if let Some(run) = resolve_local(tz, candidate) {
                if run > after && best.is_none_or(|(best_run, _)| run < best_run) {
                    best = Some((run, local_of(run, tz)?));
                }
            }
            cursor = candidate;
        }
        best.map(|(run, _)| run)
    }

    /// The next `n` runs strictly after `after`, earliest first (fewer only if the schedule stops firing).
    pub fn next_runs(&self, after: i64, n: usize) -> Vec<i64> {
        let mut runs = Vec::with_capacity(n.min(1024));
        let mut cursor = after;
        while runs.len() < n {
            let Some(run) = self.next_after(cursor) else { break };
            runs.push(run);
            cursor = run;
        }
        runs
    }

    /// The first wall-clock time the rule matches strictly after `cursor`.
    fn next_local(&self, cursor: NaiveDateTime) -> Option<NaiveDateTime> {
        match &self.rule {
            Rule::Daily(times) => next_daily_local(times, cursor),
            Rule::Cron { cron, .. } => next_cron_local(cron, cursor),
        }
    }
}

/// Parses an IANA time zone name such as "Europe/Berlin" or "UTC".
pub fn parse_time_zone(name: &str) -> Result<Tz, ServerError> {
    let name = name.trim();
    name.parse::<Tz>().map_err(|_| {
        let name = shorten(name);
        invalid(format!(
            "Unknown time zone \"{name}\". Use an IANA name such as Europe/Berlin."
        ))
    })
}

/// The instant shown in the zone with the zone's abbreviation, e.g. "Sun 29 Mar 2026, 09:00 CEST".
pub fn format_in_zone(unix: i64, tz: Tz) -> String {
    match DateTime::<Utc>::from_timestamp(unix, 0) {
        Some(at) => at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M %Z").to_string(),
        None => format!("{unix} (out of range)"),
    }
}

/// The first instant of `date` in `tz` (unix seconds).
pub fn local_midnight(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A zone whose clocks skip midnight (e.g. America/Santiago in spring)
    // starts its day at the first wall-clock minute that exists, which is
    // the instant of the jump.
    (0..24 * 60)
        .find_map(|minute| {
            tz.from_local_datetime(&(midnight + chrono::Duration::minutes(minute)))
                .earliest()
        })
        .map(|t| t.timestamp())
        .unwrap_or_else(|| tz.from_utc_datetime(&midnight).timestamp())
}

/// A day as billing mail and pages name it, e.g. "21 Dec 2026" (UTC).
pub fn format_day(unix: i64) -> String {
    match DateTime::<Utc>::from_timestamp(unix, 0) {
        Some(at) => at.format("%-d %b %Y").to_string(),
        None => format!("{unix} (out of range)"),
    }
}

fn invalid(message: String) -> ServerError {
    ServerError::Validation(message)
}

/// User input echoed in a message, cut to a readable length.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    if text.chars().count() <= MAX_CHARS {
        return text.to_string();
    }
    format!("{}…", text.chars().take(MAX_CHARS).collect::<String>())
}

fn parse_times(raw: &str) -> Result<Vec<NaiveTime>, ServerError> {
    let mut times = raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|token| !token.is_empty())
        .map(parse_time)
        .collect::<Result<Vec<_>, _>>()?;
    times.sort();
    times.dedup();
    if times.is_empty() {
        return Err(invalid("Add at least one posting time, such as 09:00.".to_string()));
    }
    if times.len() > MAX_DAILY_TIMES {
        let count = times.len();
        return Err(invalid(format!(
            "A daily schedule can have at most {MAX_DAILY_TIMES} posting times; this one has {count}."
        )));
    }
    Ok(times)
}

/// "H:MM" or "HH:MM", 24-hour clock.
fn parse_time(token: &str) -> Result<NaiveTime, ServerError> {
    let digits = |s: &str, min_len: usize| (min_len..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let time = token
        .split_once(':')
        .filter(|&(hour, minute)| digits(hour, 1) && digits(minute, 2))
        .and_then(|(hour, minute)| NaiveTime::from_hms_opt(hour.parse().ok()?, minute.parse().ok()?, 0));
    time.ok_or_else(|| {
        let token = shorten(token);
        invalid(format!(
            "\"{token}\" is not a time. Use the 24-hour HH:MM form, such as 09:00 or 15:30."
        ))
    })
}

fn parse_cron(raw: &str) -> Result<Rule, ServerError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(format!(
            "Enter a cron expression, such as {CRON_EXAMPLE} (09:00 on weekdays)."
        )));
    }
    if text.split_whitespace().count() != 5 {
        return Err(invalid(format!(
            "A cron expression needs exactly 5 fields: minute, hour, day of month, month and day of week, \
             such as {CRON_EXAMPLE}. Seconds and years are not supported."
        )));
    }
    let parser = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build();
    let cron = parser.parse(text).map_err(|e| {
        let shown = shorten(text);
        invalid(format!(
            "\"{shown}\" is not a valid cron expression ({e}). An example: {CRON_EXAMPLE}."
        ))
    })?;
    // Without a year field the calendar repeats every 400 years, so one that never fires from 2000 never fires.
    let reference = NaiveDate::from_ymd_opt(2000, 1, 1).and_then(|date| date.and_hms_opt(0, 0, 0));
    if reference.and_then(|start| next_cron_local(&cron, start)).is_none() {
        let shown = shorten(text);
        return Err(invalid(format!(
            "The cron expression \"{shown}\" never matches a real date. Check the day-of-month and month fields."
        )));
    }
    Ok(Rule::Cron {
        text: text.to_string(),
        cron: Box::new(cron),
    })
}

/// Walks local calendar dates: the next listed time later today, else the first time tomorrow.
fn next_daily_local(times: &[NaiveTime], cursor: NaiveDateTime) -> Option<NaiveDateTime> {
    match times.iter().find(|time| **time > cursor.time()) {
        Some(time) => Some(cursor.date().and_time(*time)),
        None => Some(cursor.date().succ_opt()?.and_time(*times.first()?)),
    }
}

/// croner on the bare wall clock: UTC stands in for "no zone". None once croner's search limit (year 5000) is hit.
fn next_cron_local(cron: &Cron, cursor: NaiveDateTime) -> Option<NaiveDateTime> {
    cron.find_next_occurrence(&cursor.and_utc(), false)
        .ok()
        .map(|found| found.naive_utc())
}

/// The instant a local wall-clock time runs at: the only instant, the first of two, or, in a gap, the instant
/// the offset in force just before the gap gives.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<i64> {
    if let Some(first) = tz.from_local_datetime(&local).earliest() {
        return Some(first.timestamp());
    }
    let (_, offset_before) = GapInfo::new(&local, &tz)?.begin?;
    Some(local.and_utc().timestamp() - i64::from(offset_before.fix().local_minus_utc()))
}

fn local_of(unix: i64, tz: Tz) -> Option<NaiveDateTime> {
    DateTime::<Utc>::from_timestamp(unix, 0).map(|at| at.with_timezone(&tz).naive_local())
}

/// How far the clocks jumped forward in the day before `at` (zero if they did not, or went back). Assumes clocks
/// change at most once a day.
fn recent_forward_jump(tz: Tz, at: DateTime<Utc>) -> Option<TimeDelta> {
    let offset_at = |instant: NaiveDateTime| tz.offset_from_utc_datetime(&instant).fix().local_minus_utc();
    let day_before = at.naive_utc().checked_sub_signed(TimeDelta::days(1))?;
    let jump = offset_at(at.naive_utc()) - offset_at(day_before);
    Some(TimeDelta::seconds(i64::from(jump.max(0))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn at(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp()
    }

    fn runs(schedule: &Schedule, after: &str, n: usize) -> Vec<String> {
        let show = |t: i64| {
            DateTime::<Utc>::from_timestamp(t, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        schedule.next_runs(at(after), n).into_iter().map(show).collect()
    }

    fn daily(times: &str, tz: &str) -> Schedule {
        Schedule::parse("daily", times, "", tz).unwrap()
    }

    fn cron(expression: &str, tz: &str) -> Schedule {
        Schedule::parse("cron", "", expression, tz).unwrap()
    }

    fn error(kind: &str, times: &str, cron: &str, tz: &str) -> String {
        match Schedule::parse(kind, times, cron, tz) {
            Err(ServerError::Validation(message)) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn daily_times_are_sorted_deduplicated_and_normalised() {
        let schedule = daily("15:30 9:00,09:00 ,\n 12:05", "Europe/Berlin");
        assert_eq!(schedule.kind(), ScheduleKind::Daily);
        assert_eq!(schedule.times_text(), "09:00, 12:05, 15:30");
        assert_eq!(schedule.cron_text(), "");
        assert_eq!(schedule.runs_per_day(), Some(3));
        assert_eq!(schedule.time_zone(), chrono_tz::Europe::Berlin);
        assert_eq!(daily("23:59,0:00", "UTC").times_text(), "00:00, 23:59");
        assert_eq!(daily(&"09:00 ".repeat(100), "UTC").runs_per_day(), Some(1));
    }

    #[test]
    fn rejects_bad_daily_times() {
        for bad in [
            "25:00",
            "9",
            "",
            " , ",
            "12:60",
            "9:5",
            "123:00",
            "+9:00",
            "09:00:00",
            "9h30",
            "09:00, noon",
        ] {
            assert!(
                Schedule::parse("daily", bad, "", "UTC").is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(
            error("daily", "08:00, 25:00", "", "UTC"),
            "\"25:00\" is not a time. Use the 24-hour HH:MM form, such as 09:00 or 15:30."
        );
        let every_hour = (0..24).map(|h| format!("{h:02}:00")).collect::<Vec<_>>().join(", ");
        assert_eq!(daily(&every_hour, "UTC").runs_per_day(), Some(24));
        assert!(error("daily", &format!("{every_hour}, 12:30"), "", "UTC").contains("at most 24"));
    }

    #[test]
    fn rejects_unknown_kinds_and_time_zones() {
        assert_eq!(ScheduleKind::parse("daily"), Some(ScheduleKind::Daily));
        assert_eq!(ScheduleKind::parse("cron").map(ScheduleKind::as_str), Some("cron"));
        assert_eq!(ScheduleKind::parse("weekly"), None);
        assert!(error("weekly", "09:00", "", "UTC").contains("Choose daily or cron"));
        assert_eq!(
            error("daily", "09:00", "", "Mars/Olympus"),
            "Unknown time zone \"Mars/Olympus\". Use an IANA name such as Europe/Berlin."
        );
        assert!(parse_time_zone("").is_err());
        assert_eq!(
            parse_time_zone(" America/New_York ").unwrap(),
            chrono_tz::America::New_York
        );
        assert_eq!(parse_time_zone("UTC").unwrap(), chrono_tz::UTC);
    }

    #[test]
    fn rejects_bad_cron_expressions() {
        let bad = [
            "",
            "every day",
            "0 9 * *",
            "61 * * * *",
            "0 25 * * *",
            "0 9 * * 1-5 2026",
            "0 0 9 * * *",
            "@daily",
        ];
        for expression in bad {
            assert!(
                Schedule::parse("cron", "", expression, "UTC").is_err(),
                "{expression:?} should be rejected"
            );
        }
        assert!(error("cron", "", "0 0 9 * * *", "UTC").contains("exactly 5 fields"));
        assert!(error("cron", "", "0 0 31 2 *", "UTC").contains("never matches"));
        let schedule = cron("  0 9 * * 1-5 ", "UTC");
        assert_eq!(schedule.kind(), ScheduleKind::Cron);
        assert_eq!(schedule.cron_text(), "0 9 * * 1-5");
        assert_eq!(schedule.times_text(), "");
        assert_eq!(schedule.runs_per_day(), None);
        assert!(Schedule::parse("cron", "", "0 0 29 2 *", "UTC").is_ok());
    }

    #[test]
    fn next_after_is_strictly_after() {
        for schedule in [daily("09:00", "UTC"), cron("0 9 * * *", "UTC")] {
            assert_eq!(
                schedule.next_after(at("2026-01-05T08:59:59Z")),
                Some(at("2026-01-05T09:00:00Z"))
            );
            assert_eq!(
                schedule.next_after(at("2026-01-05T09:00:00Z")),
                Some(at("2026-01-06T09:00:00Z"))
            );
            assert_eq!(
                runs(&schedule, "2026-01-05T09:00:00Z", 2),
                ["2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z"]
            );
            assert!(schedule.next_runs(at("2026-01-05T09:00:00Z"), 0).is_empty());
        }
    }

    #[test]
    fn daily_time_in_the_berlin_spring_forward_gap_shifts_forward_by_the_gap() {
        let schedule = daily("02:30, 09:00", "Europe/Berlin");
        let expected = [
            "2026-03-28T01:30:00Z", // 02:30 CET
            "2026-03-28T08:00:00Z", // 09:00 CET
            "2026-03-29T01:30:00Z", // 02:30 does not exist: 03:30 CEST
            "2026-03-29T07:00:00Z", // 09:00 CEST
            "2026-03-30T00:30:00Z", // 02:30 CEST
            "2026-03-30T07:00:00Z", // 09:00 CEST
        ];
        assert_eq!(runs(&schedule, "2026-03-28T00:00:00Z", 6), expected);
        // At 03:10 CEST the shifted 02:30 (03:30 CEST) is still ahead.
        assert_eq!(
            schedule.next_after(at("2026-03-29T01:10:00Z")),
            Some(at("2026-03-29T01:30:00Z"))
        );
        // 02:30 shifts onto 03:30: one run, not two.
        let both = daily("02:30, 03:30", "Europe/Berlin");
        let expected = ["2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-30T01:30:00Z"];
        assert_eq!(runs(&both, "2026-03-29T00:00:00Z", 3), expected);
    }

    #[test]
    fn daily_time_in_the_berlin_fall_back_overlap_runs_once_at_the_first() {
        let schedule = daily("02:30, 09:00", "Europe/Berlin");
        let expected = [
            "2026-10-24T00:30:00Z", // 02:30 CEST
            "2026-10-24T07:00:00Z", // 09:00 CEST
            "2026-10-25T00:30:00Z", // the first 02:30 (CEST); the second (CET, 01:30Z) is skipped
            "2026-10-25T08:00:00Z", // 09:00 CET
            "2026-10-26T01:30:00Z", // 02:30 CET
            "2026-10-26T08:00:00Z", // 09:00 CET
        ];
        assert_eq!(runs(&schedule, "2026-10-24T00:00:00Z", 6), expected);
        assert_eq!(
            schedule.next_after(at("2026-10-25T00:45:00Z")),
            Some(at("2026-10-25T08:00:00Z"))
        );
        assert_eq!(
            schedule.next_after(at("2026-10-25T01:10:00Z")),
            Some(at("2026-10-25T08:00:00Z"))
        );
    }

    #[test]
    fn daily_times_in_new_york_across_both_changes() {
        let gap = daily("02:30", "America/New_York");
        let expected = [
            "2026-03-07T07:30:00Z", // 02:30 EST
            "2026-03-08T07:30:00Z", // 02:30 does not exist: 03:30 EDT
            "2026-03-09T06:30:00Z", // 02:30 EDT
        ];
        assert_eq!(runs(&gap, "2026-03-07T00:00:00Z", 3), expected);
        let overlap = daily("01:30", "America/New_York");
        let expected = [
            "2026-10-31T05:30:00Z", // 01:30 EDT
            "2026-11-01T05:30:00Z", // the first 01:30 (EDT); not 06:30Z (EST)
            "2026-11-02T06:30:00Z", // 01:30 EST
        ];
        assert_eq!(runs(&overlap, "2026-10-31T00:00:00Z", 3), expected);
    }

    #[test]
    fn weekday_cron_keeps_local_time_across_daylight_saving_changes() {
        let berlin = cron("0 9 * * 1-5", "Europe/Berlin");
        let expected = ["2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"];
        assert_eq!(runs(&berlin, "2026-03-26T12:00:00Z", 3), expected);
        let new_york = cron("0 9 * * MON-FRI", "America/New_York");
        let expected = ["2026-10-29T13:00:00Z", "2026-10-30T13:00:00Z", "2026-11-02T14:00:00Z"];
        assert_eq!(runs(&new_york, "2026-10-29T00:00:00Z", 3), expected);
    }

    #[test]
    fn cron_follows_the_same_daylight_saving_rules() {
        let fixed = cron("30 2 * * *", "Europe/Berlin");
        let expected = ["2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"];
        assert_eq!(runs(&fixed, "2026-03-28T12:00:00Z", 2), expected);
        // Gap: 02:00 and 02:30 become 03:00 and 03:30 CEST, which are not run a second time.
        let half_hourly = cron("*/30 * * * *", "Europe/Berlin");
        let expected = [
            "2026-03-29T01:00:00Z",
            "2026-03-29T01:30:00Z",
            "2026-03-29T02:00:00Z",
            "2026-03-29T02:30:00Z",
        ];
        assert_eq!(runs(&half_hourly, "2026-03-29T00:40:00Z", 4), expected);
        // Overlap: 02:30 runs in CEST only; 02:00 and 02:30 CET are skipped.
        let expected = ["2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:30:00Z"];
        assert_eq!(runs(&half_hourly, "2026-10-25T00:10:00Z", 3), expected);
        // From 02:10 CET (the second pass) the next run is 03:00 CET, never an instant in the past.
        let ten_minutes = cron("*/10 * * * *", "Europe/Berlin");
        assert_eq!(
            ten_minutes.next_after(at("2026-10-25T01:10:00Z")),
            Some(at("2026-10-25T02:00:00Z"))
        );
    }

    /// Pins why croner's own zone handling is bypassed; if croner changes, the workaround may be removable.
    #[test]
    fn croner_with_a_zone_snaps_gap_times_and_can_go_back_in_the_overlap() {
        let berlin = chrono_tz::Europe::Berlin;
        let in_berlin = |rfc3339: &str| {
            DateTime::<Utc>::from_timestamp(at(rfc3339), 0)
                .unwrap()
                .with_timezone(&berlin)
        };
        let fixed = Cron::from_str("30 2 * * *").unwrap();
        let found = fixed
            .find_next_occurrence(&in_berlin("2026-03-28T11:00:00Z"), false)
            .unwrap();
        assert_eq!(found.timestamp(), at("2026-03-29T01:00:00Z")); // 03:00 CEST, not 03:30
        let ten_minutes = Cron::from_str("*/10 * * * *").unwrap();
        let found = ten_minutes
            .find_next_occurrence(&in_berlin("2026-10-25T01:10:00Z"), false)
            .unwrap();
        assert_eq!(found.timestamp(), at("2026-10-25T00:20:00Z")); // 02:20 CEST: before the start
    }

    #[test]
    fn formats_instants_in_the_zone_with_its_abbreviation() {
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            format_in_zone(at("2026-03-29T07:00:00Z"), berlin),
            "Sun 29 Mar 2026, 09:00 CEST"
        );
        assert_eq!(
            format_in_zone(at("2026-10-25T00:30:00Z"), berlin),
            "Sun 25 Oct 2026, 02:30 CEST"
        );
        assert_eq!(
            format_in_zone(at("2026-10-25T01:30:00Z"), berlin),
            "Sun 25 Oct 2026, 02:30 CET"
        );
        let new_york = chrono_tz::America::New_York;
        assert_eq!(
            format_in_zone(at("2026-01-05T14:00:00Z"), new_york),
            "Mon 5 Jan 2026, 09:00 EST"
        );
        assert_eq!(format_in_zone(0, chrono_tz::UTC), "Thu 1 Jan 1970, 00:00 UTC");
    }
}
