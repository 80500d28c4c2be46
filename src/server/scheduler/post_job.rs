//! One post job: generate (after the quota check), wait for review when the
//! site asks for it, publish exactly once.
//!
//! Exactly once, as users see it: the post is stored before WordPress hears
//! of it, with a slug derived from the job; every publish attempt first
//! looks that slug up (any status) and only creates when nothing is there;
//! the remote id and link are stored the moment they are known. An attempt
//! whose outcome is unknown (timeout, 5xx, crash) is therefore resolved by
//! the next attempt's lookup, never by a blind second create.

use super::tick::FUTURE_LEAD_SECONDS;
use super::Worker;
use crate::app::types::Step;
use crate::server::clients::generator::Brief;
use crate::server::clients::llm::LlmError;
use crate::server::clients::sanitize::{plain_text, sanitize_html};
use crate::server::clients::wordpress::{NewRemotePost, RemotePost, Taxonomy, WordPress, WpError};
use crate::server::db::{new_id, now};
use crate::server::domain::split_names;
use crate::server::error::ServerError;
use crate::server::services::content::quota_message;
use crate::server::services::jobs::{self, backoff, is_lease_lost, ClaimedJob, Lease};
use crate::server::services::sites::SiteRow;
use crate::server::services::{quota, sites};
use sha2::{Digest, Sha256};
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

/// Writes the post and stores it. Returns None when the job stops here
/// (over quota, or waiting for review).
async fn generate(
    worker: &Worker,
    job: &ClaimedJob,
    lease: &Lease,
    site: &SiteRow,
) -> Result<Option<PostRow>, Failure> {
    let db = &worker.db;
    let plan = quota::plan_of(&db.pool, &job.tenant_id).await?;
    let limit = worker.config.plan_limits(plan).posts_per_month;
    if quota::posts_used(&db.pool, &job.tenant_id, now()).await? >= limit {
        jobs::finish(&db.pool, lease, "done", Step::Quota, Some(&quota_message(limit))).await?;
        return Ok(None);
    }
    jobs::set_step(&db.pool, lease, Step::Generating).await?;
    let draft = worker.writer.write(&brief(site, &job.id)).await.map_err(|e| match e {
        LlmError::Unavailable(_) => Failure::Retry(format!("Writing failed: {e}.")),
        LlmError::Refused(_) => Failure::Stop(format!("Writing failed: {e}.")),
    })?;
    let body_html = sanitize_html(&draft.html);
    let title: String = plain_text(&draft.title).chars().take(200).collect();
    let excerpt = match plain_text(&draft.excerpt) {
        e if e.is_empty() => plain_text(&body_html)
            .split_whitespace()
            .take(30)
            .collect::<Vec<_>>()
            .join(" "),
        e => e,
    };
    let review = if site.approval == "auto" { "auto" } else { "pending" };
    let post = PostRow {
        id: new_id(),
        slug: slug_for(&title, &job.id),
        title,
        body_html,
        excerpt,
        tags: draft.tags.iter().map(|t| plain_text(t)).collect::<Vec<_>>().join(", "),
        review: review.into(),
        wp_status: site.wp_status.clone(),
        // Manual runs (negative slots) are scheduled a lead time ahead.
        publish_at: (site.wp_status == "future").then(|| {
            if job.slot > 0 {
                job.slot
            } else {
                now() + FUTURE_LEAD_SECONDS
            }
        }),
        remote_id: None,
    };
    let stored = store_post(worker, job, lease, site, &post).await?;
    Ok((stored && review == "auto").then_some(post))
}

/// Stores the post and moves the job on, in one transaction that holds only
/// while the lease is still ours. False when the quota filled meanwhile.
async fn store_post(
    worker: &Worker,
    job: &ClaimedJob,
    lease: &Lease,
    site: &SiteRow,
    post: &PostRow,
) -> Result<bool, Failure> {
    let mut tx = worker.db.begin_write().await?;
    // Checked again under the workspace's lock: two jobs generating at once
    // must not both take the month's last post.
    quota::lock(&mut tx, worker.db.backend, &job.tenant_id).await?;
    let plan = quota::plan_of(&mut *tx, &job.tenant_id).await?;
    let limit = worker.config.plan_limits(plan).posts_per_month;
    if quota::posts_used(&mut *tx, &job.tenant_id, now()).await? >= limit {
        jobs::finish(&mut *tx, lease, "done", Step::Quota, Some(&quota_message(limit))).await?;
        tx.commit().await.map_err(ServerError::from)?;
        return Ok(false);
    }
    if post.review == "pending" {
        jobs::finish(&mut *tx, lease, "waiting", Step::AwaitingReview, None).await?;
    } else {
        jobs::set_step(&mut *tx, lease, Step::Publishing).await?;
    }
    let at = now();
    sqlx::query(
        "insert into post (id, tenant_id, site_id, job_id, title, body_html, excerpt, tags, slug, review, wp_status, \
         publish_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
    )
    .bind(&post.id)
    .bind(&job.tenant_id)
    .bind(&site.id)
    .bind(&job.id)
    .bind(&post.title)
    .bind(&post.body_html)
    .bind(&post.excerpt)
    .bind(&post.tags)
    .bind(&post.slug)
    .bind(&post.review)
    .bind(&post.wp_status)
    .bind(post.publish_at)
    .bind(at)
    .execute(&mut *tx)
    .await
    .map_err(ServerError::from)?;
    tx.commit().await.map_err(ServerError::from)?;
    Ok(true)
}

async fn publish(worker: &Worker, lease: &Lease, site: &SiteRow, post: &PostRow) -> Result<(), Failure> {
    let db = &worker.db;
    if post.remote_id.is_none() {
        jobs::set_step(&db.pool, lease, Step::Publishing).await?;
        let wp = site.wordpress(&worker.sealer, worker.config.outbound_allow_private, REQUEST_TIMEOUT)?;
        match find_or_create(&wp, site, post).await {
            Ok(remote) => store_remote(worker, post, &remote).await?,
            Err(e) => return Err(wp_failure(worker, site, e).await),
        }
    }
    Ok(jobs::finish(&db.pool, lease, "done", Step::Published, None).await?)
}

/// The lookup that makes a retry safe, then the create when nothing is there.
async fn find_or_create(wp: &WordPress, site: &SiteRow, post: &PostRow) -> Result<RemotePost, WpError> {
    if let Some(found) = wp.find_post_by_slug(&post.slug).await? {
        return Ok(found);
    }
    let mut categories = Vec::new();
    for name in split_names(&site.categories) {
        categories.push(wp.term_id(Taxonomy::Category, &name).await?);
    }
    let mut tags = Vec::new();
    for name in split_names(&format!("{}, {}", site.tags, post.tags))
        .into_iter()
        .take(10)
    {
        tags.push(wp.term_id(Taxonomy::Tag, &name).await?);
    }
    let date_gmt = post
        .publish_at
        .filter(|_| post.wp_status == "future")
        .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string());
    wp.create_post(&NewRemotePost {
        title: &post.title,
        content: &post.body_html,
        excerpt: &post.excerpt,
        slug: &post.slug,
        status: &post.wp_status,
        date_gmt,
        categories,
        tags,
    })
    .await
}

/// Written whether or not the lease is still ours: the post exists on
/// WordPress either way, and this is what keeps a retry from posting again.
async fn store_remote(worker: &Worker, post: &PostRow, remote: &RemotePost) -> Result<(), Failure> {
    sqlx::query("update post set remote_id = $1, remote_url = $2, published_at = $3, updated_at = $3 where id = $4")
        .bind(remote.id)
        .bind(&remote.link)
        .bind(now())
        .bind(&post.id)
        .execute(&worker.db.pool)
        .await
        .map_err(ServerError::from)?;
    Ok(())
}

/// Refused credentials stop the job and flag the site at once; passing
/// trouble is retried (after a lookup); anything else stops.
async fn wp_failure(worker: &Worker, site: &SiteRow, e: WpError) -> Failure {
    let message = format!("WordPress: {e}.");
    if e.needs_attention() {
        if let Err(err) = sites::flag_attention(&worker.db, &site.tenant_id, &site.id, &message).await {
            tracing::warn!(error = %err, "could not flag a site");
        }
        Failure::Stop(message)
    } else if e.retryable() {
        Failure::Retry(message)
    } else {
        Failure::Stop(message)
    }
}

fn brief(site: &SiteRow, job_id: &str) -> Brief {
    Brief {
        niche: site.niche.clone(),
        topics: site
            .topics
            .lines()
            .map(str::to_owned)
            .filter(|t| !t.is_empty())
            .collect(),
        tone: site.tone.clone(),
        language: site.language.clone(),
        target_words: site.target_words.clamp(150, 3000) as u32,
        seed: u64::from_be_bytes(digest(job_id)[..8].try_into().unwrap_or_default()),
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The title as WordPress would slug it (lowercase ASCII words joined by
/// hyphens, at most 60 characters) plus a marker from the job id, so each
/// job's post has a slug no other post has.
pub fn slug_for(title: &str, job_id: &str) -> String {
    let mut words = String::new();
    for word in title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if words.len() + word.len() + 1 > 60 {
            break;
        }
        if !words.is_empty() {
            words.push('-');
        }
        words.push_str(word);
    }
    let marker = hex::encode(&digest(job_id)[..4]);
    if words.is_empty() {
        format!("post-{marker}")
    } else {
        format!("{words}-{marker}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_wordpress_shaped_and_unique_per_job() {
        let a = slug_for("Ten Mistakes to Avoid with Roses — Really!", "job-1");
        assert!(a.starts_with("ten-mistakes-to-avoid-with-roses-really-"), "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert_eq!(a, slug_for("Ten Mistakes to Avoid with Roses — Really!", "job-1"));
        assert_ne!(a, slug_for("Ten Mistakes to Avoid with Roses — Really!", "job-2"));
        assert!(slug_for(&"word ".repeat(40), "j").len() <= 70);
        assert!(slug_for("¿¡!", "j").starts_with("post-"));
    }
}
