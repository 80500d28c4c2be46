//! The publishing half of a post job: look the post's slug up on WordPress,
//! create it only when nothing is there, and store the remote id at once.

use super::{Failure, PostRow, REQUEST_TIMEOUT};
use crate::app::types::Step;
use crate::server::clients::wordpress::{NewRemotePost, RemotePost, Taxonomy, WordPress, WpError};
use crate::server::db::now;
use crate::server::domain::split_names;
use crate::server::error::ServerError;
use crate::server::scheduler::Worker;
use crate::server::services::jobs::{self, Lease};
use crate::server::services::sites::{self, SiteRow};

pub(super) async fn publish(worker: &Worker, lease: &Lease, site: &SiteRow, post: &PostRow) -> Result<(), Failure> {
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
