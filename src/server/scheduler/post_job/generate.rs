//! The writing half of a post job: the quota check, the call to the writer,
//! and storing the post (with a slug derived from the job) before WordPress
//! hears of it.

use super::{Failure, PostRow};
use crate::app::types::Step;
use crate::server::clients::generator::Brief;
use crate::server::clients::llm::LlmError;
use crate::server::clients::sanitize::{plain_text, sanitize_html};
use crate::server::db::{new_id, now};
use crate::server::error::ServerError;
use crate::server::scheduler::tick::FUTURE_LEAD_SECONDS;
use crate::server::scheduler::Worker;
use crate::server::services::content::quota_message;
use crate::server::services::jobs::{self, ClaimedJob, Lease};
use crate::server::services::quota;
use crate::server::services::sites::SiteRow;
use sha2::{Digest, Sha256};

/// Writes the post and stores it. Returns None when the job stops here
/// (over quota, or waiting for review).
pub(super) async fn generate(
    worker: &Worker,
    job: &ClaimedJob,
    lease: &Lease,
    site: &SiteRow,
) -> Result<Option<PostRow>, Failure> {
    let db = &worker.db;
    let limit = quota::in_force(&db.pool, &worker.config, &job.tenant_id, now())
        .await?
        .limits
        .posts_per_month;
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
    let review = if site.settings.approval == "auto" {
        "auto"
    } else {
        "pending"
    };
    let post = PostRow {
        id: new_id(),
        slug: slug_for(&title, &job.id),
        title,
        body_html,
        excerpt,
        tags: draft.tags.iter().map(|t| plain_text(t)).collect::<Vec<_>>().join(", "),
        review: review.into(),
        wp_status: site.settings.wp_status.clone(),
        // Manual runs (negative slots) are scheduled a lead time ahead.
        publish_at: (site.settings.wp_status == "future").then(|| {
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
    let limit = quota::in_force(&mut *tx, &worker.config, &job.tenant_id, now())
        .await?
        .limits
        .posts_per_month;
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

fn brief(site: &SiteRow, job_id: &str) -> Brief {
    let site = &site.settings;
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
