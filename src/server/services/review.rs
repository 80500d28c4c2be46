//! Review: edit a post waiting for review, approve (one or many; their
//! jobs go on to publishing) or reject it.

use super::content::exists;
use crate::app::types::{Permission, PostId};
use crate::server::auth::TenantContext;
use crate::server::db::{now, now_ms};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use crate::server::writing::sanitize::{plain_text, sanitize_html};

/// Edits a post still waiting for review. The body is sanitised like a generated one.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn edit_post(
    ctx: &TenantContext,
    state: &AppState,
    post_id: &PostId,
    title: &str,
    body: &str,
) -> ServerResult<()> {
    ctx.require(Permission::ReviewContent)?;
    let title = plain_text(title);
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ServerError::Validation("The title must be 1 to 200 characters.".into()));
    }
    let body = sanitize_html(body);
    if plain_text(&body).is_empty() {
        return Err(ServerError::Validation("The post needs some text.".into()));
    }
    let done = sqlx::query(
        "update post set title = $1, body_html = $2, updated_at = $3 where id = $4 and tenant_id = $5 and review = 'pending'",
    )
    .bind(&title)
    .bind(&body)
    .bind(now())
    .bind(post_id)
    .bind(ctx.tenant_id())
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        exists(ctx, state, "post", post_id.as_str()).await?;
        return Err(not_pending());
    }
    Ok(())
}

fn not_pending() -> ServerError {
    ServerError::Conflict("That post is no longer waiting for review.".into())
}

/// Records the reviewer's verdict on a post still waiting for review;
/// false when it was not waiting (handled already, or not this workspace's).
async fn decide(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &TenantContext,
    post_id: &PostId,
    verdict: &str,
) -> ServerResult<bool> {
    let done = sqlx::query(
        "update post set review = $1, reviewed_by = $2, updated_at = $3 \
         where id = $4 and tenant_id = $5 and review = 'pending'",
    )
    .bind(verdict)
    .bind(ctx.member()?)
    .bind(now())
    .bind(post_id)
    .bind(ctx.tenant_id())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Approves posts waiting for review; their jobs go on to publishing.
/// Returns how many were approved (others had been handled already).
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn approve(ctx: &TenantContext, state: &AppState, post_ids: &[PostId]) -> ServerResult<usize> {
    ctx.require(Permission::ReviewContent)?;
    if post_ids.is_empty() || post_ids.len() > 100 {
        return Err(ServerError::Validation("Choose between 1 and 100 posts.".into()));
    }
    let mut approved = 0;
    let mut tx = state.db.begin_write().await?;
    for post_id in post_ids {
        if decide(&mut tx, ctx, post_id, "approved").await? {
            sqlx::query(
                "update job set state = 'queued', step = 'publishing', attempt = 0, run_at_ms = $1, last_error = null, \
                 updated_at = $2 where id = (select job_id from post where id = $3) and tenant_id = $4 and state = 'waiting'",
            )
            .bind(now_ms())
            .bind(now())
            .bind(post_id)
            .bind(ctx.tenant_id())
            .execute(&mut *tx)
            .await?;
            approved += 1;
        }
    }
    tx.commit().await?;
    state.wake.notify_one();
    Ok(approved)
}

/// Approves one post, or says why not: another workspace's or no such post
/// is not found; a post decided already is a conflict.
pub async fn approve_one(ctx: &TenantContext, state: &AppState, post_id: &PostId) -> ServerResult<()> {
    if approve(ctx, state, std::slice::from_ref(post_id)).await? == 1 {
        return Ok(());
    }
    exists(ctx, state, "post", post_id.as_str()).await?;
    Err(not_pending())
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn reject(ctx: &TenantContext, state: &AppState, post_id: &PostId) -> ServerResult<()> {
    ctx.require(Permission::ReviewContent)?;
    let mut tx = state.db.begin_write().await?;
    if !decide(&mut tx, ctx, post_id, "rejected").await? {
        drop(tx);
        exists(ctx, state, "post", post_id.as_str()).await?;
        return Err(not_pending());
    }
    sqlx::query(
        "update job set state = 'done', step = 'rejected', updated_at = $1, finished_at = $1 \
         where id = (select job_id from post where id = $2) and tenant_id = $3 and state = 'waiting'",
    )
    .bind(now())
    .bind(post_id)
    .bind(ctx.tenant_id())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
