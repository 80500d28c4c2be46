//! The post job as the runner sees it: one kind, `post`. A due slot of a
//! site's schedule becomes a job (quota permitting); an attempt loads the
//! site, generates and stores the post unless an earlier attempt did, then
//! waits for review or publishes.

use super::generate::generate;
use super::publish::publish;
use super::{enqueue_slot, KIND};
use crate::app::types::{JobId, PostId, SiteId, Step};
use crate::server::auth::TenantContext;
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{ClaimedJob, Done, Failure, JobKind, Lease};
use crate::server::services::sites;
use crate::server::state::AppState;

/// A generated post as the job carries it from storing to publishing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct PostRow {
    pub id: PostId,
    pub title: String,
    pub body_html: String,
    pub excerpt: String,
    pub tags: String,
    pub slug: String,
    pub review: String,
    pub wp_status: String,
    pub publish_at: Option<i64>,
    pub remote_id: Option<i64>,
}

pub struct PostJob;

#[async_trait::async_trait]
impl JobKind for PostJob {
    fn name(&self) -> &'static str {
        KIND
    }

    async fn on_slot(&self, ctx: &TenantContext, state: &AppState, site_id: &str, slot: i64) -> ServerResult<bool> {
        enqueue_slot(ctx, state, &SiteId::new(site_id), slot).await
    }

    /// A post that will not be published: `post.failed`, then the
    /// runner's `job.dead` as for every kind.
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        let hook = serde_json::json!({ "job_id": job.id, "site_id": job.subject_id, "reason": reason });
        crate::server::services::webhooks::emit(state, &job.tenant_id, "post.failed", hook).await;
        crate::server::queue::job_dead(state, self.name(), job, reason).await;
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        lease: &Lease,
    ) -> Result<Done, Failure> {
        let site = match sites::load(ctx, state, &SiteId::new(job.subject_id.as_str())).await {
            Ok(site) => site,
            Err(ServerError::NotFound) => return Err(Failure::Stop("The site was deleted.".into())),
            Err(e) => return Err(e.into()),
        };
        let post = match stored_post(ctx, state, &job.id).await? {
            Some(post) => post,
            None => match generate(ctx, state, job, lease, &site).await? {
                Some(post) => post,
                None => return Ok(Done::Ended),
            },
        };
        match post.review.as_str() {
            "pending" => {
                lease
                    .finish(&state.db.pool, "waiting", Step::AwaitingReview, None)
                    .await?
            }
            "rejected" => lease.finish(&state.db.pool, "done", Step::Rejected, None).await?,
            _ => publish(ctx, state, lease, &site, &post).await?,
        }
        Ok(Done::Ended)
    }
}

/// The post an earlier attempt of this job stored, if any.
async fn stored_post(ctx: &TenantContext, state: &AppState, job_id: &JobId) -> ServerResult<Option<PostRow>> {
    Ok(sqlx::query_as(
        "select id, title, body_html, excerpt, tags, slug, review, wp_status, publish_at, remote_id \
         from post where job_id = $1 and tenant_id = $2",
    )
    .bind(job_id)
    .bind(ctx.tenant_id())
    .fetch_optional(&state.db.pool)
    .await?)
}
