//! What the scheduler's tick asks of the engine: the slots that are due
//! across every workspace, and moving a schedule on once its slot is dealt
//! with.

use super::ScheduleRow;
use crate::app::types::TenantId;
use crate::server::auth::TenantContext;
use crate::server::error::ServerResult;
use crate::server::state::AppState;

/// A slot missed by more than this (no scheduler ran) is skipped rather than
/// run late; the schedule moves on to its next slot after now.
const MISSED_SLOT_GRACE: i64 = 3_600;

/// Seconds until a slot that failed to become a job is tried again.
const RETRY_FAILED_SLOT: i64 = 60;

/// Due slots taken per tick; the rest wait for the next one.
const PER_TICK: i64 = 200;

/// One due slot of one schedule.
#[derive(Debug, Clone)]
pub struct DueSlot {
    pub tenant_id: TenantId,
    pub job_kind: String,
    pub subject_id: String,
    /// The slot (unix seconds).
    pub at: i64,
    /// Missed while no scheduler ran: to be skipped, not run late.
    pub missed: bool,
    following: Option<i64>,
}

/// The due slots of active schedules of the given kinds, soonest first
/// (a schedule's slot is due `lead_seconds` before it). A suspended
/// workspace's schedules are passed over: its slots wait, and once the
/// suspension is lifted the missed ones are skipped like any missed slot. A schedule whose
/// rule no longer parses is stopped here and left out.
pub async fn due(state: &AppState, now: i64, kinds: &[&str]) -> ServerResult<Vec<DueSlot>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "select tenant_id, job_kind, subject_id, rule_kind, times, cron, time_zone, next_run_at from schedule \
         where active = 1 and next_run_at is not null and next_run_at <= $1 + lead_seconds \
         and (retry_at is null or retry_at <= $1) and job_kind in ({}) \
         and tenant_id not in (select id from tenant where suspended_at is not null) \
         order by next_run_at limit $2",
        names.join(", ")
    );
    let mut query = sqlx::query_as::<_, ScheduleRow>(&sql).bind(now).bind(PER_TICK);
    for kind in kinds {
        query = query.bind(*kind);
    }
    let rows = query.fetch_all(&state.db.pool).await?;
    let mut slots = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(at) = row.next_run_at else { continue };
        match row.rule() {
            Ok(rule) => {
                let missed = at < now - MISSED_SLOT_GRACE;
                slots.push(DueSlot {
                    following: rule.next_after(if missed { now } else { at }),
                    tenant_id: row.tenant_id,
                    job_kind: row.job_kind,
                    subject_id: row.subject_id,
                    at,
                    missed,
                });
            }
            Err(e) => {
                tracing::warn!(subject = %row.subject_id, error = %e, "a schedule no longer parses; stopping it");
                stop(state, &row).await?;
            }
        }
    }
    Ok(slots)
}

async fn stop(state: &AppState, row: &ScheduleRow) -> ServerResult<()> {
    sqlx::query(
        "update schedule set active = 0, next_run_at = null where tenant_id = $1 and job_kind = $2 and subject_id = $3",
    )
    .bind(&row.tenant_id)
    .bind(&row.job_kind)
    .bind(&row.subject_id)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Moves the schedule from `slot` to its next slot, unless another
/// scheduler (or a change of the schedule) has moved it already.
pub async fn advance(ctx: &TenantContext, state: &AppState, slot: &DueSlot) -> ServerResult<()> {
    sqlx::query(
        "update schedule set next_run_at = $1, retry_at = null \
         where tenant_id = $2 and job_kind = $3 and subject_id = $4 and next_run_at = $5",
    )
    .bind(slot.following)
    .bind(ctx.tenant_id())
    .bind(&slot.job_kind)
    .bind(&slot.subject_id)
    .bind(slot.at)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Tries a slot that could not be turned into a job again a minute later
/// (the slot itself stays what it is), so a few failing schedules cannot
/// keep the head of the due list and starve the rest tick after tick.
pub async fn postpone(ctx: &TenantContext, state: &AppState, slot: &DueSlot) -> ServerResult<()> {
    sqlx::query(
        "update schedule set retry_at = $1 \
         where tenant_id = $2 and job_kind = $3 and subject_id = $4 and next_run_at = $5",
    )
    .bind(crate::server::db::now() + RETRY_FAILED_SLOT)
    .bind(ctx.tenant_id())
    .bind(&slot.job_kind)
    .bind(&slot.subject_id)
    .bind(slot.at)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}
