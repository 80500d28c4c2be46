//! The publishing half of a post job: look the post's slug up on WordPress,
//! create it only when nothing is there (and the claim still holds the
//! job), and store the remote id the moment it is known.

use super::job::PostRow;
use super::own_link;
use crate::app::types::Step;
use crate::server::auth::TenantContext;
use crate::server::clients::wordpress::{NewRemotePost, RemotePost, Taxonomy, WordPress, WpError};
use crate::server::db::now;
use crate::server::domain::split_names;
use crate::server::error::ServerError;
use crate::server::queue::{Failure, Lease};
use crate::server::services::sites::{self, SiteRow};
use crate::server::state::AppState;

pub(super) async fn publish(
    ctx: &TenantContext,
    state: &AppState,
    lease: &Lease,
    site: &SiteRow,
    post: &PostRow,
) -> Result<(), Failure> {
    if post.remote_id.is_none() {
        lease.set_step(&state.db.pool, Step::Publishing).await?;
        let wp = site.wordpress(
            &state.sealer,
            state.config.outbound_allow_private,
            state.config.wordpress_timeout,
        )?;
        match find_or_create(state, lease, &wp, site, post).await {
            Ok(remote) => store_remote(ctx, state, site, post, &remote).await?,
            Err(Publish::Wp(e)) => return Err(wp_failure(ctx, state, site, e).await),
            Err(Publish::Stopped(failure)) => return Err(failure),
        }
    }
    // The job ends and its webhooks are queued in one transaction: either
    // both happen or neither, so no published post goes unannounced.
    let mut tx = state.db.begin_write().await.map_err(Failure::from)?;
    let url: Option<(Option<String>,)> = sqlx::query_as("select remote_url from post where id = $1 and tenant_id = $2")
        .bind(&post.id)
        .bind(ctx.tenant_id())
        .fetch_optional(&mut *tx)
        .await
        .map_err(ServerError::from)?;
    lease.finish(&mut *tx, "done", Step::Published, None).await?;
    let hook = serde_json::json!({
        "post_id": post.id,
        "job_id": lease.job_id(),
        "site_id": site.id,
        "title": post.title,
        // Stored through `own_link` already.
        "url": url.and_then(|(u,)| u),
    });
    let queued = crate::server::services::webhooks::emit_in(&mut tx, ctx.tenant_id(), "post.published", hook).await?;
    tx.commit().await.map_err(ServerError::from)?;
    if queued > 0 {
        state.wake.notify_one();
    }
    Ok(())
}

enum Publish {
    Wp(WpError),
    Stopped(Failure),
}

impl From<WpError> for Publish {
    fn from(e: WpError) -> Publish {
        Publish::Wp(e)
    }
}

/// The lookup that makes a retry safe, then the create when nothing is
/// there, right after confirming that this claim still holds the job.
async fn find_or_create(
    state: &AppState,
    lease: &Lease,
    wp: &WordPress,
    site: &SiteRow,
    post: &PostRow,
) -> Result<RemotePost, Publish> {
    if let Some(found) = wp.find_post_by_slug(&post.slug).await? {
        return Ok(found);
    }
    let mut categories = Vec::new();
    for name in split_names(&site.settings.categories) {
        categories.push(wp.term_id(Taxonomy::Category, &name).await?);
    }
    let mut tags = Vec::new();
    for name in split_names(&format!("{}, {}", site.settings.tags, post.tags))
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
    lease
        .confirm(&state.db, state.config.wordpress_timeout)
        .await
        .map_err(|e| Publish::Stopped(e.into()))?;
    Ok(wp
        .create_post(&NewRemotePost {
            title: &post.title,
            content: &post.body_html,
            excerpt: &post.excerpt,
            slug: &post.slug,
            status: &post.wp_status,
            date_gmt,
            categories,
            tags,
        })
        .await?)
}

/// Written whether or not the lease is still ours: the post exists on
/// WordPress either way, and this is what keeps a retry from posting again.
async fn store_remote(
    ctx: &TenantContext,
    state: &AppState,
    site: &SiteRow,
    post: &PostRow,
    remote: &RemotePost,
) -> Result<(), Failure> {
    let link = own_link(&site.url, &remote.link);
    if link.is_none() {
        tracing::warn!(site_id = %site.id, "WordPress sent a post link off the site; it is not shown");
    }
    sqlx::query(
        "update post set remote_id = $1, remote_url = $2, published_at = $3, updated_at = $3 \
         where id = $4 and tenant_id = $5",
    )
    .bind(remote.id)
    .bind(link)
    .bind(now())
    .bind(&post.id)
    .bind(ctx.tenant_id())
    .execute(&state.db.pool)
    .await
    .map_err(ServerError::from)?;
    Ok(())
}

/// Refused credentials stop the job and flag the site at once; passing
/// trouble is retried (after a lookup); anything else stops.
async fn wp_failure(ctx: &TenantContext, state: &AppState, site: &SiteRow, e: WpError) -> Failure {
    let message = format!("WordPress: {e}.");
    if e.needs_attention() {
        if let Err(err) = sites::flag_attention(ctx, state, &site.id, &message).await {
            tracing::warn!(error = %err, "could not flag a site");
        }
        Failure::Stop(message)
    } else if e.retryable() {
        Failure::Retry(message)
    } else {
        Failure::Stop(message)
    }
}
