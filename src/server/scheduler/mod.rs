//! The scheduler: one loop per process (spawned by `serve`, or alone as
//! `autopilot worker`); several processes may share a PostgreSQL database.
//! It turns due schedules into work (`tick`) and runs claimed jobs by kind
//! (`dispatch`). It knows no business rule and runs no SQL of its own: the
//! queue claims and leases, the schedule engine says what is due, and each
//! job kind, registered by the module that owns it, does the work.
//!
//! Each pass: hand finished jobs back in one batch, claim as many jobs as
//! there is room for, and wait for a job to finish, a wake-up (a job queued
//! by this process), the next poll (which also ticks), or shutdown.

mod dispatch;
mod tick;

pub use tick::enqueue_due;

use crate::app::types::Step;
use crate::server::db::new_id;
use crate::server::queue::{self, Claim, ClaimLimits, Kinds};
use crate::server::state::AppState;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::task::{Id, JoinSet};

/// How often a worker says it is alive (at most; it says so on a poll).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// How long running jobs get to finish at shutdown before they are handed back.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// One process's runner; cheap to clone into each job.
#[derive(Clone)]
pub struct Worker {
    state: AppState,
    kinds: Kinds,
    id: String,
}

/// How one job's attempt ended, for the loop.
enum Ended {
    /// Complete the task's claim with this step, batched with others.
    Complete(Step),
    /// The attempt wrote its own outcome (or had nothing to write).
    Written,
}

/// The running jobs: tasks and the claim each holds.
#[derive(Default)]
struct Running {
    tasks: JoinSet<Ended>,
    claims: HashMap<Id, Claim>,
}

impl Worker {
    pub fn new(state: AppState, kinds: Kinds) -> Worker {
        Worker {
            state,
            kinds,
            id: format!("w-{}-{}", std::process::id(), &new_id()[24..]),
        }
    }

    /// Runs until `shutdown` resolves; then lets running jobs finish for a
    /// short grace period and hands the rest back to the queue.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let config = &self.state.config.worker;
        tracing::info!(worker = %self.id, poll = ?config.poll, kinds = ?self.kinds.names(), "worker started");
        tokio::pin!(shutdown);
        let mut running = Running::default();
        let mut done: Vec<(Claim, Step)> = Vec::new();
        let mut poll = tokio::time::interval(config.poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let started_at = crate::server::db::now();
        let mut last_beat: Option<std::time::Instant> = None;
        loop {
            if last_beat.is_none_or(|at| at.elapsed() >= HEARTBEAT_EVERY) {
                if let Err(e) = queue::workers::beat(&self.state.db, &self.id, started_at).await {
                    tracing::warn!(error = %e, "could not record the worker's heartbeat");
                }
                last_beat = Some(std::time::Instant::now());
            }
            self.flush(&mut done).await;
            self.fill(&mut running).await;
            tokio::select! {
                Some(ended) = running.tasks.join_next_with_id(), if !running.tasks.is_empty() => {
                    collect(ended, &mut running, &mut done);
                    while let Some(ended) = running.tasks.try_join_next_with_id() {
                        collect(ended, &mut running, &mut done);
                    }
                }
                _ = poll.tick() => {
                    if let Err(e) = enqueue_due(&self.state, &self.kinds).await {
                        tracing::warn!(error = %e, "could not enqueue due schedules");
                    }
                }
                _ = self.state.wake.notified() => {}
                _ = &mut shutdown => break,
            }
        }
        self.stop(running, done).await;
    }

    async fn flush(&self, done: &mut Vec<(Claim, Step)>) {
        if done.is_empty() {
            return;
        }
        if let Err(e) = queue::complete_many(&self.state.db, done).await {
            tracing::warn!(error = %e, "could not complete finished jobs; their leases will expire");
        }
        done.clear();
    }

    /// Claims as many jobs as there is room for and starts them.
    async fn fill(&self, running: &mut Running) {
        let config = &self.state.config.worker;
        let room = config.concurrency.saturating_sub(running.tasks.len());
        if room == 0 {
            return;
        }
        let kinds = self.kinds.names();
        let limits = ClaimLimits {
            batch: room,
            workspace_cap: config.workspace_concurrency,
            lease: config.lease,
            kinds: &kinds,
        };
        match queue::claim(&self.state.db, &self.id, limits).await {
            Ok(claimed) => {
                for job in claimed {
                    let claim = job.claim();
                    let worker = self.clone();
                    let task = running.tasks.spawn(async move { dispatch::run(&worker, job).await });
                    running.claims.insert(task.id(), claim);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not claim jobs"),
        }
    }

    async fn stop(self, mut running: Running, mut done: Vec<(Claim, Step)>) {
        let drain = async {
            while let Some(ended) = running.tasks.join_next_with_id().await {
                collect(ended, &mut running, &mut done);
            }
        };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
        running.tasks.abort_all();
        // A task may have finished between the grace and the abort: its
        // outcome is kept; only the cancelled ones are handed back.
        while let Some(ended) = running.tasks.join_next_with_id().await {
            match ended {
                Err(e) if e.is_cancelled() => {}
                other => collect(other, &mut running, &mut done),
            }
        }
        self.flush(&mut done).await;
        let unfinished: Vec<Claim> = running.claims.into_values().collect();
        if !unfinished.is_empty() {
            match queue::release(&self.state.db, &unfinished, dispatch::settle(&self.state)).await {
                Ok(n) => tracing::info!(released = n, "handed unfinished jobs back to the queue"),
                Err(e) => tracing::warn!(error = %e, "could not release jobs; their leases will expire"),
            }
        }
        if let Err(e) = queue::workers::gone(&self.state.db, &self.id).await {
            tracing::debug!(error = %e, "could not take the worker off the list");
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }
}

fn collect(ended: Result<(Id, Ended), tokio::task::JoinError>, running: &mut Running, done: &mut Vec<(Claim, Step)>) {
    match ended {
        Ok((id, Ended::Complete(step))) => {
            if let Some(claim) = running.claims.remove(&id) {
                done.push((claim, step));
            }
        }
        Ok((id, Ended::Written)) => {
            running.claims.remove(&id);
        }
        Err(e) => {
            running.claims.remove(&e.id());
            tracing::error!(error = %e, "a job task panicked; its lease will expire and it will run again");
        }
    }
}
