//! A claim's hold on its job. Every write of a claim names the job and the
//! claim's token, so once the lease has passed to another claim (after it
//! ran out, whichever process claims it next, this one included) the old
//! claim's writes change nothing and report `LeaseLost`. Renewals only ever
//! lengthen a lease, so the holder's own view of it (`remaining`) is never
//! longer than the database's.

use super::ClaimedJob;
use crate::app::types::{JobId, Step};
use crate::server::db::{now, now_ms, Db};
use crate::server::error::{ServerError, ServerResult};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Lease {
    job_id: JobId,
    token: String,
    duration: Duration,
    /// Until when (unix ms, this process's clock) the lease is surely held:
    /// the end a renewal asked for, counted from before it was sent.
    held_until_ms: Arc<AtomicI64>,
}

/// A lease-checked write changed its row only if the claim still held it.
fn still_held(done: sqlx::any::AnyQueryResult) -> ServerResult<()> {
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(lease_lost())
    }
}

fn lease_lost() -> ServerError {
    ServerError::Conflict("the job's lease passed to another claim".into())
}

/// True when the error says the lease is gone (the job belongs to another claim now).
pub fn is_lease_lost(err: &ServerError) -> bool {
    matches!(err, ServerError::Conflict(m) if m.contains("lease passed"))
}

impl Lease {
    pub fn of(job: &ClaimedJob, duration: Duration) -> Lease {
        Lease {
            job_id: job.id.clone(),
            token: job.lease_token.clone(),
            duration,
            held_until_ms: Arc::new(AtomicI64::new(job.locked_until_ms)),
        }
    }

    pub fn job_id(&self) -> &JobId {
        &self.job_id
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// How long the lease surely lasts from now without another renewal.
    pub fn remaining(&self) -> Duration {
        let left = self.held_until_ms.load(Ordering::Relaxed) - now_ms();
        Duration::from_millis(left.max(0) as u64)
    }

    fn renewal(&self) -> i64 {
        now_ms() + self.duration.as_millis() as i64
    }

    /// Renews the lease (the heartbeat). Fails with `LeaseLost` once the
    /// lease has run out or passed to another claim.
    pub async fn renew(&self, db: &Db) -> ServerResult<()> {
        self.renew_for(db, self.duration).await
    }

    /// The last check before a remote create: proves the claim still holds
    /// the job and holds it for at least `call` (the longest the create may
    /// take) plus the usual lease, so the lease cannot run out mid-call and
    /// let another claim look for the post before this one's has landed.
    pub async fn confirm(&self, db: &Db, call: Duration) -> ServerResult<()> {
        self.renew_for(db, self.duration + call).await
    }

    async fn renew_for(&self, db: &Db, length: Duration) -> ServerResult<()> {
        let until = now_ms() + length.as_millis() as i64;
        let done = sqlx::query(
            "update job set locked_until_ms = case when locked_until_ms > $1 then locked_until_ms else $1 end \
             where id = $2 and lease_token = $3 and state = 'running' and locked_until_ms > $4",
        )
        .bind(until)
        .bind(&self.job_id)
        .bind(&self.token)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
        still_held(done)?;
        self.held_until_ms.fetch_max(until, Ordering::Relaxed);
        Ok(())
    }

    /// Moves a running job to its next step and renews the lease.
    pub async fn set_step<'e, E>(&self, executor: E, step: Step) -> ServerResult<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let done = sqlx::query(
            "update job set step = $1, updated_at = $3, \
             locked_until_ms = case when locked_until_ms > $2 then locked_until_ms else $2 end \
             where id = $4 and lease_token = $5 and state = 'running'",
        )
        .bind(step.as_str())
        .bind(self.renewal())
        .bind(now())
        .bind(&self.job_id)
        .bind(&self.token)
        .execute(executor)
        .await?;
        still_held(done)
    }

    /// Ends the claim: `state` is done, waiting (for a person) or dead.
    pub async fn finish<'e, E>(&self, executor: E, state: &str, step: Step, error: Option<&str>) -> ServerResult<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let at = now();
        let done = sqlx::query(
            "update job set state = $1, step = $2, last_error = $3, worker_id = null, lease_token = null, \
             locked_until_ms = null, updated_at = $4, finished_at = $5 \
             where id = $6 and lease_token = $7 and state = 'running'",
        )
        .bind(state)
        .bind(step.as_str())
        .bind(error)
        .bind(at)
        .bind((state != "waiting").then_some(at))
        .bind(&self.job_id)
        .bind(&self.token)
        .execute(executor)
        .await?;
        still_held(done)
    }

    /// Schedules the job again after `delay` with this attempt given back:
    /// the other side asked to wait, which is no failure.
    pub async fn wait(&self, db: &Db, reason: &str, delay: Duration) -> ServerResult<()> {
        self.requeue(db, reason, delay, true).await
    }

    /// Schedules another attempt after `delay`, keeping the step the user sees.
    pub async fn retry_later(&self, db: &Db, error: &str, delay: Duration) -> ServerResult<()> {
        self.requeue(db, error, delay, false).await
    }

    /// Hands the job back to the queue after `delay`, the attempt counted
    /// or (`give_back`) not.
    async fn requeue(&self, db: &Db, reason: &str, delay: Duration, give_back: bool) -> ServerResult<()> {
        let done = sqlx::query(
            "update job set state = 'queued', last_error = $1, run_at_ms = $2, worker_id = null, lease_token = null, \
             locked_until_ms = null, attempt = case when $6 = 1 and attempt > 0 then attempt - 1 else attempt end, \
             updated_at = $3 where id = $4 and lease_token = $5 and state = 'running'",
        )
        .bind(reason)
        .bind(now_ms() + delay.as_millis() as i64)
        .bind(now())
        .bind(&self.job_id)
        .bind(&self.token)
        .bind(i64::from(give_back))
        .execute(&db.pool)
        .await?;
        still_held(done)
    }
}
