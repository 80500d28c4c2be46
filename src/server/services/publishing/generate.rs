//! The writing half of a post job: the quota check, the call to the writer,
//! and storing the post (with a slug derived from the job) before WordPress
//! hears of it.

use super::job::PostRow;
use super::{quota_message, slug_for, FUTURE_LEAD_SECONDS};
use crate::app::types::{JobId, PostId, Step};
use crate::server::auth::TenantContext;
use crate::server::clients::llm::LlmError;
use crate::server::db::{new_id, now};
use crate::server::error::ServerError;
use crate::server::queue::{ClaimedJob, Failure, Lease};
use crate::server::services::quota;
use crate::server::services::sites::SiteRow;
use crate::server::state::AppState;
use crate::server::writing::{plain_text, sanitize_html, Brief};
use sha2::{Digest, Sha256};

/// Writes the post and stores it. Returns None when the job stops here
/// (over quota, or waiting for review).
pub(super) async fn generate(
    ctx: &TenantContext,
    state: &AppState,
    job: &ClaimedJob,
    lease: &Lease,
    site: &SiteRow,
) -> Result<Option<PostRow>, Failure> {
    if over_quota(
        ctx,
        state,
        lease,
        &mut *state.db.pool.acquire().await.map_err(ServerError::from)?,
    )
    .await?
    {
        return Ok(None);
    }
    lease.set_step(&state.db.pool, Step::Generating).await?;
    let draft = state.writer.write(&brief(site, &job.id)).await.map_err(|e| {
        // The provider's words stay in the log: they may quote keys, prompts
        // or account details the workspace should not see.
        tracing::warn!(job_id = %job.id, error = %e, "the writer failed");
        match e {
            LlmError::Unavailable(_) => Failure::Retry("The writing model is unavailable right now.".into()),
            LlmError::Refused(_) => {
                Failure::Stop("The writing model refused the request. Ask the operator to check its settings.".into())
            }
            LlmError::TooLarge => Failure::Stop("The writing model's answer was too large to use.".into()),
        }
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
        id: PostId::new(new_id()),
        slug: slug_for(&title, job.id.as_str()),
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
    let stored = store_post(ctx, state, job, lease, site, &post).await?;
    Ok((stored && review == "auto").then_some(post))
}

/// Ends the job as "Quota reached" when the month's posts are used up.
async fn over_quota(
    ctx: &TenantContext,
    state: &AppState,
    lease: &Lease,
    conn: &mut sqlx::AnyConnection,
) -> Result<bool, Failure> {
    let limit = quota::in_force_in(ctx, &state.config, conn)
        .await?
        .limits
        .posts_per_month;
    if quota::posts_used(ctx, conn, now()).await? < limit {
        return Ok(false);
    }
    lease
        .finish(conn, "done", Step::Quota, Some(&quota_message(limit)))
        .await?;
    Ok(true)
}

/// Stores the post and moves the job on, in one transaction that holds only
/// while the lease is still ours. False when the quota filled meanwhile.
async fn store_post(
    ctx: &TenantContext,
    state: &AppState,
    job: &ClaimedJob,
    lease: &Lease,
    site: &SiteRow,
    post: &PostRow,
) -> Result<bool, Failure> {
    let mut tx = state.db.begin_write().await?;
    // Checked again under the workspace's lock: two jobs generating at once
    // must not both take the month's last post.
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    if over_quota(ctx, state, lease, &mut tx).await? {
        tx.commit().await.map_err(ServerError::from)?;
        return Ok(false);
    }
    if post.review == "pending" {
        lease.finish(&mut *tx, "waiting", Step::AwaitingReview, None).await?;
    } else {
        lease.set_step(&mut *tx, Step::Publishing).await?;
    }
    let at = now();
    sqlx::query(
        "insert into post (id, tenant_id, site_id, job_id, title, body_html, excerpt, tags, slug, review, wp_status, \
         publish_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
    )
    .bind(&post.id)
    .bind(ctx.tenant_id())
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

fn brief(site: &SiteRow, job_id: &JobId) -> Brief {
    let site = &site.settings;
    let seed = Sha256::digest(job_id.as_str().as_bytes());
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
        seed: u64::from_be_bytes(seed[..8].try_into().unwrap_or_default()),
    }
}
