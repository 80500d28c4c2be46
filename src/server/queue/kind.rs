//! The contract between the job runner and the modules that own the work.
//! A module registers one `JobKind` per kind of job (see
//! `services::job_kinds`); the runner claims, leases, retries and
//! dispatches, and the kind does the work in the workspace's scope.

use super::{enqueue, ClaimedJob, Lease, NewJob, Start};
use crate::app::types::Step;
use crate::server::auth::TenantContext;
use crate::server::db::now_ms;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use std::sync::Arc;

/// How an attempt went well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// The runner marks the job done with this step (batched with others).
    Complete(Step),
    /// The kind has already written how the job stands (e.g. waiting for a
    /// review, in the same transaction as its result).
    Ended,
}

/// Why an attempt stopped short of its goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Another claim holds the job now, or the lease may have run out:
    /// write nothing more.
    LeaseLost,
    /// Passing trouble: try again after a back-off, unless attempts are used
    /// up. The reason is shown to the workspace: plain words, no causes.
    Retry(String),
    /// Trying again will not help (bad credentials, the subject deleted).
    Stop(String),
    /// The other side asked to wait (a daily publishing limit): try again
    /// after the delay without counting an attempt, so waiting cannot use
    /// up the attempts and fail a job that was never refused.
    Wait(String, std::time::Duration),
}

impl From<ServerError> for Failure {
    fn from(e: ServerError) -> Failure {
        if super::is_lease_lost(&e) {
            Failure::LeaseLost
        } else {
            tracing::warn!(error = %e, "job step failed");
            Failure::Retry("An internal error interrupted this job.".into())
        }
    }
}

/// One kind of work. `name` is what `job.kind` and `schedule.job_kind` hold.
#[async_trait::async_trait]
pub trait JobKind: Send + Sync + 'static {
    fn name(&self) -> &'static str;

    /// A due slot of a schedule attached with this kind. By default it
    /// becomes one job for (subject, slot); a kind may check its own rules
    /// first. Returns whether a job was added.
    async fn on_slot(&self, ctx: &TenantContext, state: &AppState, subject_id: &str, slot: i64) -> ServerResult<bool> {
        let job = NewJob {
            tenant_id: ctx.tenant_id(),
            kind: self.name(),
            subject_id,
            slot,
            run_at_ms: now_ms(),
            max_attempts: state.config.worker.max_attempts,
        };
        Ok(enqueue(&state.db.pool, &job, Start::Queued).await?.is_some())
    }

    /// One attempt at a claimed job. Writes to the job go through `lease`.
    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        lease: &Lease,
    ) -> Result<Done, Failure>;

    /// The runner has failed the job for good (`reason` in words). By
    /// default the workspace's `job.dead` webhooks hear of it; a kind may
    /// say more, or nothing (webhook deliveries must not beget webhooks).
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        job_dead(state, self.name(), job, reason).await;
    }
}

/// The `job.dead` webhook, one shape for every kind.
pub async fn job_dead(state: &AppState, kind: &str, job: &ClaimedJob, reason: &str) {
    let hook = serde_json::json!({
        "job_id": job.id,
        "kind": kind,
        "subject_id": job.subject_id,
        "reason": reason,
    });
    crate::server::services::webhooks::emit(state, &job.tenant_id, "job.dead", hook).await;
}

/// The kinds a worker runs, found by name.
#[derive(Clone, Default)]
pub struct Kinds {
    kinds: Vec<Arc<dyn JobKind>>,
}

impl Kinds {
    pub fn new(kinds: Vec<Arc<dyn JobKind>>) -> Kinds {
        Kinds { kinds }
    }

    /// Adds a kind (tests and benchmarks bring their own).
    pub fn with(mut self, kind: impl JobKind) -> Kinds {
        self.kinds.push(Arc::new(kind));
        self
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn JobKind>> {
        self.kinds.iter().find(|k| k.name() == name)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.kinds.iter().map(|k| k.name()).collect()
    }
}
