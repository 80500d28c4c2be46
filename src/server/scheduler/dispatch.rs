//! One claimed job: find its kind, run it in the workspace's scope while
//! the lease is kept, and write the outcome by the runner's rules (retry
//! with back-off, dead after the last attempt), the same for every kind.

use super::{Ended, Worker};
use crate::app::types::Step;
use crate::server::auth::TenantContext;
use crate::server::db::now_ms;
use crate::server::queue::{backoff, is_lease_lost, ClaimedJob, Done, Failure, Lease};
use crate::server::state::AppState;
use crate::server::telemetry;
use std::time::Duration;

/// How long a job handed back at shutdown waits before its next attempt,
/// so a request its aborted attempt sent has landed or failed before the
/// retry looks for it: the longest outbound call a job makes
/// (WORDPRESS_TIMEOUT_SECONDS, the longest of today's kinds).
pub(super) fn settle(state: &AppState) -> Duration {
    state.config.wordpress_timeout
}

pub(super) async fn run(worker: &Worker, job: ClaimedJob) -> Ended {
    let started = std::time::Instant::now();
    telemetry::job_started(&job.kind, now_ms() - job.run_at_ms);
    let (kind, ended) = (job.kind.clone(), attempt(worker, job).await);
    telemetry::job_finished(&kind, ended.1, started.elapsed());
    ended.0
}

/// Runs the attempt and names its outcome for the metrics.
async fn attempt(worker: &Worker, job: ClaimedJob) -> (Ended, &'static str) {
    let state = &worker.state;
    let lease = Lease::of(&job, state.config.worker.lease);
    let outcome = match worker.kinds.get(&job.kind) {
        // Claims name only the kinds this worker has; a kind unknown here
        // would mean the registry changed under a running claim.
        None => Err(Failure::Stop("No worker here can run this kind of job.".into())),
        Some(_) if job.attempt > job.max_attempts => {
            Err(Failure::Stop("The job was interrupted too many times.".into()))
        }
        Some(kind) => {
            let ctx = TenantContext::for_system_job(job.tenant_id.clone());
            tokio::select! {
                outcome = kind.run(&ctx, state, &job, &lease) => outcome,
                lost = keep(state, &lease) => Err(lost),
            }
        }
    };
    let dead = match outcome {
        Ok(Done::Complete(step)) => return (Ended::Complete(step), "done"),
        Ok(Done::Ended) => return (Ended::Written, "ended"),
        Err(Failure::LeaseLost) => return (Ended::Written, "lease_lost"),
        Err(Failure::Stop(reason)) => reason,
        Err(Failure::Wait(reason, delay)) => {
            if let Err(e) = lease.wait(&state.db, &reason, delay).await {
                tracing::info!(job_id = %job.id, error = %e, "job result not written");
            }
            return (Ended::Written, "wait");
        }
        Err(Failure::Retry(reason)) if job.attempt >= job.max_attempts => {
            format!("{reason} Gave up after {} attempts.", job.attempt)
        }
        Err(Failure::Retry(reason)) => {
            let config = &state.config.worker;
            let delay = backoff(job.attempt, config.retry_base, config.retry_max);
            if let Err(e) = lease.retry_later(&state.db, &reason, delay).await {
                tracing::info!(job_id = %job.id, error = %e, "job result not written");
            }
            return (Ended::Written, "retry");
        }
    };
    match lease.finish(&state.db.pool, "dead", Step::Failed, Some(&dead)).await {
        // Only the claim that wrote the death tells anyone about it.
        Ok(()) => {
            if let Some(kind) = worker.kinds.get(&job.kind) {
                kind.on_dead(state, &job, &dead).await;
            }
        }
        Err(e) => tracing::info!(job_id = %job.id, error = %e, "job result not written"),
    }
    (Ended::Written, "dead")
}

/// Renews the lease every third of its length and returns only when the
/// job must stop: the lease passed to another claim, or it could not be
/// renewed (the database out of reach) before it may have run out. Stopping
/// drops the attempt mid-step, so it cannot act on a job someone else holds.
async fn keep(state: &AppState, lease: &Lease) -> Failure {
    let every = lease.duration() / 3;
    // Clocks of other processes may run a little ahead of ours.
    let margin = lease.duration() / 10;
    loop {
        tokio::time::sleep(every).await;
        loop {
            let left = lease.remaining().saturating_sub(margin);
            if left.is_zero() {
                tracing::warn!(job_id = %lease.job_id(), "lease may have run out; stopping the job");
                return Failure::LeaseLost;
            }
            match tokio::time::timeout(left, lease.renew(&state.db)).await {
                Ok(Ok(())) => break,
                Ok(Err(e)) if is_lease_lost(&e) => return Failure::LeaseLost,
                Ok(Err(e)) => {
                    tracing::warn!(job_id = %lease.job_id(), error = %e, "could not renew a lease; trying again");
                    tokio::time::sleep((every / 4).min(left)).await;
                }
                Err(_) => {
                    tracing::warn!(job_id = %lease.job_id(), "lease not renewed in time; stopping the job");
                    return Failure::LeaseLost;
                }
            }
        }
    }
}
