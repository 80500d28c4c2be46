//! One post job: generate (after the quota check), wait for review when the
//! site asks for it, publish exactly once.
//!
//! Exactly once, as users see it: the post is stored before WordPress hears
//! of it, with a slug derived from the job; every publish attempt first
//! looks that slug up (any status) and only creates when nothing is there;
//! the remote id and link are stored the moment they are known. An attempt
//! whose outcome is unknown (timeout, 5xx, crash) is therefore resolved by
//! the next attempt's lookup, never by a blind second create.
//!
//! This file runs a job's steps and keeps its lease; `generate` writes and
//! stores the post, `publish` sends it to WordPress.

mod generate;
mod publish;

use super::Worker;
use crate::app::types::Step;
use crate::server::error::ServerError;
use crate::server::services::jobs::{self, backoff, is_lease_lost, ClaimedJob, Lease};
use crate::server::services::sites;
use generate::generate;
use publish::publish;
use std::time::Duration;

/// The longest a WordPress request may take; a job handed back at shutdown
/// waits this long before its next attempt looks for the result.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a job stopped short of its goal this time.
#[derive(Debug)]
enum Failure {
    /// Another worker holds the job now: write nothing more.
    LeaseLost,
    /// Passing trouble: try again after a back-off, unless attempts are used up.
    Retry(String),
    /// Trying again will not help (bad credentials, site deleted).
    Stop(String),
}

impl From<ServerError> for Failure {
    fn from(e: ServerError) -> Failure {
        if is_lease_lost(&e) {
            Failure::LeaseLost
        } else {
            tracing::warn!(error = %e, "job step failed");
            Failure::Retry("An internal error interrupted this job.".into())
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct PostRow {
    id: String,
    title: String,
    body_html: String,
    excerpt: String,
    tags: String,
    slug: String,
    review: String,
    wp_status: String,
    publish_at: Option<i64>,
    remote_id: Option<i64>,
}

pub async fn run(worker: &Worker, job: ClaimedJob) {
    let lease = Lease {
        job_id: job.id.clone(),
        worker_id: worker.id.clone(),
        duration: worker.config.worker.lease,
    };
    let outcome = tokio::select! {
        outcome = steps(worker, &job, &lease) => outcome,
        lost = keep_lease(worker, &lease) => Err(lost),
    };
    let written = match outcome {
        Ok(()) | Err(Failure::LeaseLost) => Ok(()),
        Err(Failure::Stop(reason)) => jobs::finish(&worker.db.pool, &lease, "dead", Step::Failed, Some(&reason)).await,
        Err(Failure::Retry(reason)) if job.attempt >= job.max_attempts => {
            let reason = format!("{reason} Gave up after {} attempts.", job.attempt);
            jobs::finish(&worker.db.pool, &lease, "dead", Step::Failed, Some(&reason)).await
        }
        Err(Failure::Retry(reason)) => {
            let cfg = &worker.config.worker;
            let delay = backoff(job.attempt, cfg.retry_base, cfg.retry_max);
            jobs::retry_later(&worker.db, &lease, &reason, delay).await
        }
    };
    if let Err(e) = written {
        tracing::info!(job_id = %job.id, error = %e, "job result not written");
    }
}

/// Renews the lease every third of its length; returns only when it is lost.
async fn keep_lease(worker: &Worker, lease: &Lease) -> Failure {
    let mut every = tokio::time::interval(lease.duration / 3);
    every.tick().await;
    loop {
        every.tick().await;
        match jobs::heartbeat(&worker.db, lease).await {
            Ok(()) => {}
            Err(e) if is_lease_lost(&e) => return Failure::LeaseLost,
            Err(e) => tracing::warn!(error = %e, "could not renew a lease"),
        }
    }
}

async fn steps(worker: &Worker, job: &ClaimedJob, lease: &Lease) -> Result<(), Failure> {
    if job.attempt > job.max_attempts {
        return Err(Failure::Stop("The job was interrupted too many times.".into()));
    }
    let site_id = job.site_id.as_deref().unwrap_or_default();
    let site = match sites::load(&worker.db, &job.tenant_id, site_id).await {
        Ok(site) => site,
        Err(ServerError::NotFound) => return Err(Failure::Stop("The site was deleted.".into())),
        Err(e) => return Err(e.into()),
    };
    let existing: Option<PostRow> = sqlx::query_as(
        "select id, title, body_html, excerpt, tags, slug, review, wp_status, publish_at, remote_id \
         from post where job_id = $1",
    )
    .bind(&job.id)
    .fetch_optional(&worker.db.pool)
    .await
    .map_err(ServerError::from)?;
    let post = match existing {
        Some(post) => post,
        None => match generate(worker, job, lease, &site).await? {
            Some(post) => post,
            None => return Ok(()),
        },
    };
    match post.review.as_str() {
        "pending" => Ok(jobs::finish(&worker.db.pool, lease, "waiting", Step::AwaitingReview, None).await?),
        "rejected" => Ok(jobs::finish(&worker.db.pool, lease, "done", Step::Rejected, None).await?),
        _ => publish(worker, lease, &site, &post).await,
    }
}
