//! The scheduler: turns due site schedules into jobs and runs jobs. One
//! loop per process (spawned by `serve`, or alone as `autopilot worker`);
//! several processes may share a PostgreSQL database.
//!
//! Each pass: enqueue due slots, hand finished no-op jobs back in one batch,
//! claim as many jobs as there is room for, and wait for a job to finish,
//! a wake-up (a job queued by this process), the next poll, or shutdown.

mod post_job;
mod tick;

use crate::app::types::Step;
use crate::server::clients::llm::Writer;
use crate::server::config::Config;
use crate::server::db::{new_id, Db};
use crate::server::secrets::Sealer;
use crate::server::services::jobs::{self, ClaimLimits, ClaimedJob};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

pub use tick::enqueue_due;

/// Everything a worker needs; cheap to clone into each job.
#[derive(Clone)]
pub struct Worker {
    pub db: Db,
    pub config: Arc<Config>,
    pub sealer: Sealer,
    pub writer: Writer,
    pub wake: Arc<Notify>,
    pub id: String,
}

/// How one job ended, for the loop: no-op successes are completed in batches.
enum Ended {
    Batched(String),
    Written,
}

/// How long running jobs get to finish at shutdown before they are handed back.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Worker {
    pub fn new(db: Db, config: Arc<Config>, sealer: Sealer, writer: Writer, wake: Arc<Notify>) -> Worker {
        Worker {
            db,
            config,
            sealer,
            writer,
            wake,
            id: format!("w-{}-{}", std::process::id(), &new_id()[24..]),
        }
    }

    fn limits(&self, room: usize) -> ClaimLimits {
        ClaimLimits {
            batch: room,
            workspace_cap: self.config.worker.workspace_concurrency,
            lease: self.config.worker.lease,
        }
    }

    /// Runs until `shutdown` resolves; then lets running jobs finish for a
    /// short grace period and hands the rest back to the queue.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tracing::info!(worker = %self.id, poll = ?self.config.worker.poll, "worker started");
        tokio::pin!(shutdown);
        let mut running: JoinSet<Ended> = JoinSet::new();
        let mut done: Vec<String> = Vec::new();
        let mut poll = tokio::time::interval(self.config.worker.poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.flush(&mut done).await;
            self.fill(&mut running).await;
            tokio::select! {
                Some(ended) = running.join_next(), if !running.is_empty() => {
                    self.collect(ended, &mut done);
                    while let Some(ended) = running.try_join_next() {
                        self.collect(ended, &mut done);
                    }
                }
                _ = poll.tick() => {
                    if let Err(e) = enqueue_due(&self.db, &self.config).await {
                        tracing::warn!(error = %e, "could not enqueue due schedules");
                    }
                }
                _ = self.wake.notified() => {}
                _ = &mut shutdown => break,
            }
        }
        self.stop(running, done).await;
    }

    fn collect(&self, ended: Result<Ended, tokio::task::JoinError>, done: &mut Vec<String>) {
        match ended {
            Ok(Ended::Batched(id)) => done.push(id),
            Ok(Ended::Written) => {}
            Err(e) => tracing::error!(error = %e, "a job task panicked; its lease will expire and it will run again"),
        }
    }

    async fn flush(&self, done: &mut Vec<String>) {
        if done.is_empty() {
            return;
        }
        if let Err(e) = jobs::complete_many(&self.db, &self.id, done, Step::Published).await {
            tracing::warn!(error = %e, "could not complete finished jobs; their leases will expire");
        }
        done.clear();
    }

    /// Claims as many jobs as there is room for and starts them.
    async fn fill(&self, running: &mut JoinSet<Ended>) {
        let room = self.config.worker.concurrency.saturating_sub(running.len());
        if room == 0 {
            return;
        }
        match jobs::claim(&self.db, &self.id, self.limits(room)).await {
            Ok(claimed) => {
                for job in claimed {
                    let worker = self.clone();
                    running.spawn(async move { worker.run_job(job).await });
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not claim jobs"),
        }
    }

    async fn run_job(self, job: ClaimedJob) -> Ended {
        match job.kind.as_str() {
            "noop" => Ended::Batched(job.id),
            _ => {
                post_job::run(&self, job).await;
                Ended::Written
            }
        }
    }

    async fn stop(self, mut running: JoinSet<Ended>, mut done: Vec<String>) {
        let drain = async {
            while let Some(ended) = running.join_next().await {
                self.collect(ended, &mut done);
            }
        };
        let finished = tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_ok();
        running.abort_all();
        self.flush(&mut done).await;
        if !finished {
            match jobs::release_worker(&self.db, &self.id, post_job::REQUEST_TIMEOUT).await {
                Ok(n) => tracing::info!(released = n, "handed unfinished jobs back to the queue"),
                Err(e) => tracing::warn!(error = %e, "could not release jobs; their leases will expire"),
            }
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }
}
