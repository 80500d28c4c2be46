//! The job queue: jobs are rows with a lease. Enqueue (unique per tenant,
//! kind, subject and slot), claim in batches with a fresh random token per
//! claim, write results only while that token still holds the row, back off
//! between attempts. The one place where SQLite and PostgreSQL claim work
//! differently is `claim`. The queue knows no business rule: what a job does
//! is its kind's (`JobKind`), registered by the module that owns the work.

mod backoff;
mod claim;
mod kind;
mod lease;
pub mod workers;

pub use backoff::backoff;
pub use claim::{claim, complete_many, release, ClaimLimits};
pub use kind::{job_dead, Done, Failure, JobKind, Kinds};
pub use lease::{is_lease_lost, Lease};

use crate::app::types::{JobId, Step, TenantId};
use crate::server::db::{new_id, now};
use crate::server::error::ServerResult;

/// A job as a worker holds it after claiming.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: JobId,
    pub tenant_id: TenantId,
    pub kind: String,
    /// The row the job works on (a site for a post job); "" for none.
    pub subject_id: String,
    pub slot: i64,
    pub step: String,
    /// When the job was due (unix ms): how late it starts is a metric.
    pub run_at_ms: i64,
    pub attempt: i64,
    pub max_attempts: i64,
    /// This claim's token: every write of the claim must match it.
    pub lease_token: String,
    /// When the lease runs out unless renewed (unix ms).
    pub locked_until_ms: i64,
}

impl ClaimedJob {
    /// This claim of this job, for completing or handing it back later.
    pub fn claim(&self) -> Claim {
        Claim {
            job_id: self.id.clone(),
            token: self.lease_token.clone(),
        }
    }
}

/// One claim of one job: a write that ends a claim names both, so the row
/// is found by its key and changed only while the claim still holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub job_id: JobId,
    pub token: String,
}

/// A job to add. `(tenant_id, kind, subject_id, slot)` names it: adding the
/// same one twice adds nothing, so two schedulers never fire a slot twice.
pub struct NewJob<'a> {
    pub tenant_id: &'a TenantId,
    pub kind: &'a str,
    pub subject_id: &'a str,
    pub slot: i64,
    pub run_at_ms: i64,
    pub max_attempts: i64,
}

/// How a new job starts: queued for a worker, or already ended (recorded so
/// the workspace sees why nothing ran, e.g. over quota).
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    Queued,
    Ended {
        step: Step,
        reason: &'a str,
    },
    /// A record that something happened (a posting time was served): done,
    /// with no reason, so it counts as no failure anywhere.
    Recorded,
}

/// Adds a job unless one with its name exists. Returns the new id, or None
/// when it was already there (another scheduler got there first).
pub async fn enqueue<'e, E>(executor: E, job: &NewJob<'_>, start: Start<'_>) -> ServerResult<Option<JobId>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let id = JobId::new(new_id());
    let at = now();
    let (state, step, reason, finished_at) = match start {
        Start::Queued => ("queued", Step::Queued, None, None),
        Start::Ended { step, reason } => ("done", step, Some(reason), Some(at)),
        Start::Recorded => ("done", Step::Done, None, Some(at)),
    };
    let row: Option<(JobId,)> = sqlx::query_as(
        "insert into job (id, tenant_id, kind, subject_id, slot, state, step, max_attempts, run_at_ms, last_error, \
         created_at, updated_at, finished_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) \
         on conflict (tenant_id, kind, subject_id, slot) do nothing returning id",
    )
    .bind(&id)
    .bind(job.tenant_id)
    .bind(job.kind)
    .bind(job.subject_id)
    .bind(job.slot)
    .bind(state)
    .bind(step.as_str())
    .bind(job.max_attempts)
    .bind(job.run_at_ms)
    .bind(reason)
    .bind(at)
    .bind(finished_at)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|(id,)| id))
}
