//! The job queue: enqueue (unique per site and slot), claim with a lease,
//! and write results only while the lease is still the writer's. Claims and
//! completions work in batches; that is what carries the queue past a few
//! thousand jobs a second on one SQLite file.
//!
//! The batched claim and completion live in `batch`; this file holds the
//! job types, enqueueing, the lease-checked writes and the back-off.

mod batch;

pub use batch::{claim, complete_many};

use crate::app::types::Step;
use crate::server::db::{now, Db};
use crate::server::error::{ServerError, ServerResult};
use std::time::Duration;

/// Now in unix milliseconds: the unit of every job timing column (`*_ms`).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A job as a worker holds it after claiming.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: String,
    pub tenant_id: String,
    pub site_id: Option<String>,
    pub kind: String,
    pub slot: i64,
    pub step: String,
    pub attempt: i64,
    pub max_attempts: i64,
}

/// Proof of ownership for writes: a write with a lease that has passed to
/// another worker changes nothing and reports `LeaseLost`.
#[derive(Debug, Clone)]
pub struct Lease {
    pub job_id: String,
    pub worker_id: String,
    pub duration: Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct ClaimLimits {
    pub batch: usize,
    pub workspace_cap: i64,
    pub lease: Duration,
}

/// A job to add; `slot` is unique per site.
pub struct NewJob<'a> {
    pub tenant_id: &'a str,
    pub site_id: Option<&'a str>,
    pub kind: &'a str,
    pub slot: i64,
    pub run_at_ms: i64,
    pub max_attempts: i64,
}

/// Adds a job unless one exists for its site and slot. Returns the new id,
/// or None when the slot was already taken (another scheduler got there).
pub async fn enqueue<'e, E>(executor: E, job: &NewJob<'_>, step: Step) -> ServerResult<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let id = crate::server::db::new_id();
    let state = if step == Step::Queued { "queued" } else { "done" };
    let at = now();
    let row: Option<(String,)> = sqlx::query_as(
        "insert into job (id, tenant_id, site_id, kind, slot, state, step, max_attempts, run_at_ms, created_at, \
         updated_at, finished_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) \
         on conflict (tenant_id, site_id, slot) do nothing returning id",
    )
    .bind(&id)
    .bind(job.tenant_id)
    .bind(job.site_id)
    .bind(job.kind)
    .bind(job.slot)
    .bind(state)
    .bind(step.as_str())
    .bind(job.max_attempts)
    .bind(job.run_at_ms)
    .bind(at)
    .bind((state == "done").then_some(at))
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|(id,)| id))
}

impl Lease {
    /// When the lease ends if it is renewed now.
    fn renewed_until(&self) -> i64 {
        now_ms() + self.duration.as_millis() as i64
    }
}

/// A lease-checked write changed its row only if the lease was still ours.
fn still_held(done: sqlx::any::AnyQueryResult) -> ServerResult<()> {
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(lease_lost())
    }
}

fn lease_lost() -> ServerError {
    ServerError::Conflict("the job's lease passed to another worker".into())
}

/// True when the error says the lease is gone (the job belongs to someone else now).
pub fn is_lease_lost(err: &ServerError) -> bool {
    matches!(err, ServerError::Conflict(m) if m.contains("lease passed"))
}

/// Moves a running job to its next step and renews the lease.
pub async fn set_step<'e, E>(executor: E, lease: &Lease, step: Step) -> ServerResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "update job set step = $1, locked_until_ms = $2, updated_at = $3 \
         where id = $4 and worker_id = $5 and state = 'running'",
    )
    .bind(step.as_str())
    .bind(lease.renewed_until())
    .bind(now())
    .bind(&lease.job_id)
    .bind(&lease.worker_id)
    .execute(executor)
    .await?;
    still_held(done)
}

/// Renews the lease without changing anything else.
pub async fn heartbeat(db: &Db, lease: &Lease) -> ServerResult<()> {
    let done =
        sqlx::query("update job set locked_until_ms = $1 where id = $2 and worker_id = $3 and state = 'running'")
            .bind(lease.renewed_until())
            .bind(&lease.job_id)
            .bind(&lease.worker_id)
            .execute(&db.pool)
            .await?;
    still_held(done)
}

/// Ends a running job: `state` is done, waiting (for review) or dead.
pub async fn finish<'e, E>(executor: E, lease: &Lease, state: &str, step: Step, error: Option<&str>) -> ServerResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let at = now();
    let done = sqlx::query(
        "update job set state = $1, step = $2, last_error = $3, worker_id = null, locked_until_ms = null, \
         updated_at = $4, finished_at = $5 where id = $6 and worker_id = $7 and state = 'running'",
    )
    .bind(state)
    .bind(step.as_str())
    .bind(error)
    .bind(at)
    .bind((state != "waiting").then_some(at))
    .bind(&lease.job_id)
    .bind(&lease.worker_id)
    .execute(executor)
    .await?;
    still_held(done)
}

/// Schedules another attempt after `delay`, keeping the step the user sees.
pub async fn retry_later(db: &Db, lease: &Lease, error: &str, delay: Duration) -> ServerResult<()> {
    let done = sqlx::query(
        "update job set state = 'queued', last_error = $1, run_at_ms = $2, worker_id = null, \
         locked_until_ms = null, updated_at = $3 where id = $4 and worker_id = $5 and state = 'running'",
    )
    .bind(error)
    .bind(now_ms() + delay.as_millis() as i64)
    .bind(now())
    .bind(&lease.job_id)
    .bind(&lease.worker_id)
    .execute(&db.pool)
    .await?;
    still_held(done)
}

/// At shutdown: hands this worker's unfinished jobs back to the queue, the
/// interrupted attempt not counted. They wait `settle` first, so a request
/// the aborted attempt already sent has landed (or failed) before the next
/// attempt looks for its result.
pub async fn release_worker(db: &Db, worker_id: &str, settle: Duration) -> ServerResult<u64> {
    let done = sqlx::query(
        "update job set state = 'queued', worker_id = null, locked_until_ms = null, run_at_ms = $1, \
         attempt = case when attempt > 0 then attempt - 1 else 0 end, updated_at = $2 \
         where worker_id = $3 and state = 'running'",
    )
    .bind(now_ms() + settle.as_millis() as i64)
    .bind(now())
    .bind(worker_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Capped exponential back-off with jitter: attempt 1 waits about `base`,
/// each further attempt twice as long, never more than `max`; the wait is
/// drawn from [half, full] so retries of many jobs spread out.
pub fn backoff(attempt: i64, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.clamp(1, 30) as u32 - 1;
    let full = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    let jitter: f64 = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..=1.0);
    full.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(60);
        for _ in 0..50 {
            let first = backoff(1, base, max);
            assert!(first >= Duration::from_secs(5) && first <= base);
            let third = backoff(3, base, max);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            assert!(backoff(12, base, max) <= max);
        }
    }
}
