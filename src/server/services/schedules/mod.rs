//! The schedule engine: recurring slots attached to a module's own rows
//! (a site today; a social account or a store next). A schedule is a rule
//! (times of day or a cron expression in an IANA zone, DST-correct, see
//! `domain::Schedule`), the job kind its slots become, and the subject row
//! it belongs to; one per (workspace, kind, subject). The engine keeps each
//! schedule's next slot; `due` and `advance` are what the scheduler's tick
//! calls, and the kind decides what a slot becomes.

mod due;

pub use due::{advance, due, postpone, DueSlot};

use crate::app::types::TenantId;
use crate::server::auth::TenantContext;
use crate::server::db::{now, Flag};
use crate::server::domain::Schedule;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use sqlx::AnyConnection;

/// A schedule as a module attaches it to one of its rows.
pub struct Attachment<'a> {
    pub job_kind: &'static str,
    pub subject_id: &'a str,
    pub schedule: &'a Schedule,
    /// Slots become jobs this many seconds before they are due (posts that
    /// WordPress schedules itself are written a day ahead, for review).
    pub lead_seconds: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct ScheduleRow {
    pub tenant_id: TenantId,
    pub job_kind: String,
    pub subject_id: String,
    pub rule_kind: String,
    pub times: String,
    pub cron: String,
    pub time_zone: String,
    pub next_run_at: Option<i64>,
}

impl ScheduleRow {
    pub fn rule(&self) -> ServerResult<Schedule> {
        Schedule::parse(&self.rule_kind, &self.times, &self.cron, &self.time_zone)
    }
}

/// Saves a subject's schedule, replacing its rule, inside the caller's
/// transaction. Whether it runs is left as it was (a new one starts
/// stopped); a running one moves to its rule's first slot after now.
pub async fn save(ctx: &TenantContext, conn: &mut AnyConnection, attachment: &Attachment<'_>) -> ServerResult<()> {
    let schedule = attachment.schedule;
    sqlx::query(
        "insert into schedule (tenant_id, job_kind, subject_id, rule_kind, times, cron, time_zone, lead_seconds, \
         active, next_run_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, 0, null, $10, $10) \
         on conflict (tenant_id, job_kind, subject_id) do update set rule_kind = excluded.rule_kind, \
         times = excluded.times, cron = excluded.cron, time_zone = excluded.time_zone, \
         lead_seconds = excluded.lead_seconds, updated_at = excluded.updated_at, retry_at = null, \
         active = case when schedule.active = 1 and $9 is not null then 1 else 0 end, \
         next_run_at = case when schedule.active = 1 then $9 else null end",
    )
    .bind(ctx.tenant_id())
    .bind(attachment.job_kind)
    .bind(attachment.subject_id)
    .bind(schedule.kind().as_str())
    .bind(schedule.times_text())
    .bind(schedule.cron_text())
    .bind(schedule.time_zone().name())
    .bind(attachment.lead_seconds)
    .bind(schedule.next_after(now()))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts or stops a subject's schedule. Starting plans its first slot after now.
pub async fn set_active(
    ctx: &TenantContext,
    conn: &mut AnyConnection,
    job_kind: &str,
    subject_id: &str,
    active: bool,
) -> ServerResult<()> {
    let row: ScheduleRow = sqlx::query_as(
        "select tenant_id, job_kind, subject_id, rule_kind, times, cron, time_zone, next_run_at from schedule \
         where tenant_id = $1 and job_kind = $2 and subject_id = $3",
    )
    .bind(ctx.tenant_id())
    .bind(job_kind)
    .bind(subject_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServerError::NotFound)?;
    let next = if active { row.rule()?.next_after(now()) } else { None };
    sqlx::query(
        "update schedule set active = $1, next_run_at = $2, updated_at = $3, retry_at = null \
         where tenant_id = $4 and job_kind = $5 and subject_id = $6",
    )
    .bind(Flag(next.is_some()))
    .bind(next)
    .bind(now())
    .bind(ctx.tenant_id())
    .bind(job_kind)
    .bind(subject_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Detaches a subject's schedule (the subject is being deleted).
pub async fn remove(
    ctx: &TenantContext,
    conn: &mut AnyConnection,
    job_kind: &str,
    subject_id: &str,
) -> ServerResult<()> {
    sqlx::query("delete from schedule where tenant_id = $1 and job_kind = $2 and subject_id = $3")
        .bind(ctx.tenant_id())
        .bind(job_kind)
        .bind(subject_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Attaches an active schedule unless the subject has one already: for
/// schedules the platform keeps for itself (housekeeping), set up at start.
pub async fn ensure(ctx: &TenantContext, state: &AppState, attachment: &Attachment<'_>) -> ServerResult<()> {
    let mut conn = state.db.pool.acquire().await?;
    ensure_in(ctx, &mut conn, attachment).await
}

/// `ensure` inside the caller's transaction: a module attaching a schedule
/// of its own to a row it is writing (a social account's metrics).
pub async fn ensure_in(ctx: &TenantContext, conn: &mut AnyConnection, attachment: &Attachment<'_>) -> ServerResult<()> {
    let schedule = attachment.schedule;
    sqlx::query(
        "insert into schedule (tenant_id, job_kind, subject_id, rule_kind, times, cron, time_zone, lead_seconds, \
         active, next_run_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $10) \
         on conflict (tenant_id, job_kind, subject_id) do nothing",
    )
    .bind(ctx.tenant_id())
    .bind(attachment.job_kind)
    .bind(attachment.subject_id)
    .bind(schedule.kind().as_str())
    .bind(schedule.times_text())
    .bind(schedule.cron_text())
    .bind(schedule.time_zone().name())
    .bind(attachment.lead_seconds)
    .bind(schedule.next_after(now()))
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}
