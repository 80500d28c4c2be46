//! Publishing to WordPress: a post job generates a post, stores it, waits
//! for review when the site asks for it, and publishes it exactly once.
//!
//! Exactly once, as users see it: the post is stored before WordPress hears
//! of it, with a slug derived from the job; every publish attempt first
//! looks that slug up (any status) and only creates when nothing is there,
//! right after confirming its claim still holds the job; the remote id and
//! link are stored the moment they are known. An attempt whose outcome is
//! unknown (timeout, 5xx, crash) is therefore resolved by the next
//! attempt's lookup, never by a blind second create.
//!
//! This file queues post jobs (by schedule, by "run now", by retry); `job`
//! is the kind the runner dispatches, `generate` writes and stores the post,
//! `publish` sends it, `slug` names it.

mod generate;
mod job;
mod publish;
mod slug;

pub use job::PostJob;
pub use slug::slug_for;

use crate::app::types::{JobId, Permission, SiteId, Step};
use crate::server::auth::throttle::{self, Action};
use crate::server::auth::TenantContext;
use crate::server::db::{now, now_ms};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{self, NewJob, Start};
use crate::server::services::{content, quota, sites};
use crate::server::state::AppState;
use sqlx::AnyConnection;

/// The job kind, as `job.kind` and `schedule.job_kind` hold it.
pub const KIND: &str = "post";

/// Posts sent to WordPress as scheduled (status `future`) are written a day
/// ahead of their slot, so there is time to review them before they go live.
pub const FUTURE_LEAD_SECONDS: i64 = 86_400;

#[derive(Debug, PartialEq, Eq)]
pub enum Enqueued {
    Queued(JobId),
    /// Recorded as a job in the quota state (unless the slot was taken).
    QuotaReached,
    AlreadyThere,
    /// The workspace has more sites than its plan allows and this is not
    /// one of the oldest: nothing is queued.
    SitePaused {
        sites_limit: i64,
    },
}

/// Adds the job for one slot of a site, or records it as over quota when the
/// month's posts (made and in the making) already fill the plan.
async fn enqueue(ctx: &TenantContext, state: &AppState, site_id: &SiteId, slot: i64) -> ServerResult<Enqueued> {
    let mut tx = state.db.begin_write().await?;
    quota::lock(ctx, &mut tx, state.db.backend).await?;
    // Read under the same lock as the insert: a site deleted meanwhile gets no job.
    if !sites::exists(ctx, &mut tx, site_id).await? {
        return Err(ServerError::NotFound);
    }
    let limits = quota::in_force_in(ctx, &state.config, &mut tx).await?.limits;
    if !quota::site_within_limit(ctx, &mut tx, site_id, limits.sites).await? {
        return Ok(Enqueued::SitePaused {
            sites_limit: limits.sites,
        });
    }
    let over = quota::posts_committed(ctx, &mut tx, now()).await? >= limits.posts_per_month;
    let message = quota_message(limits.posts_per_month);
    let start = if over {
        Start::Ended {
            step: Step::Quota,
            reason: &message,
        }
    } else {
        Start::Queued
    };
    let job = NewJob {
        tenant_id: ctx.tenant_id(),
        kind: KIND,
        subject_id: site_id.as_str(),
        slot,
        run_at_ms: now_ms(),
        max_attempts: state.config.worker.max_attempts,
    };
    let id = queue::enqueue(&mut *tx, &job, start).await?;
    tx.commit().await?;
    Ok(match id {
        _ if over => Enqueued::QuotaReached,
        Some(id) => Enqueued::Queued(id),
        None => Enqueued::AlreadyThere,
    })
}

/// A due slot of a site's schedule: a job, unless WordPress has refused the
/// site's credentials (the site waits for them to be fixed). Whether a job
/// was added.
async fn enqueue_slot(ctx: &TenantContext, state: &AppState, site_id: &SiteId, slot: i64) -> ServerResult<bool> {
    let site = match sites::load(ctx, state, site_id).await {
        Ok(site) => site,
        Err(ServerError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    if site.connection == "attention" {
        return Ok(false);
    }
    match enqueue(ctx, state, site_id, slot).await {
        Ok(outcome) => Ok(matches!(outcome, Enqueued::Queued(_) | Enqueued::QuotaReached)),
        Err(ServerError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The longest post link kept; WordPress permalinks are far shorter.
const MAX_LINK: usize = 2048;

/// The post's link as WordPress reported it, kept only when it is http(s)
/// on the site's own host: pages link to it, so it must not lead elsewhere
/// (a `javascript:` link, another site). Checked when the link is stored
/// and again whenever it is shown, so links stored before the rule obey it.
pub fn own_link(site_url: &str, link: &str) -> Option<String> {
    if link.len() > MAX_LINK {
        return None;
    }
    let site = url::Url::parse(site_url).ok()?;
    let link = url::Url::parse(link).ok()?;
    let same_host = link.host_str().is_some() && link.host_str() == site.host_str();
    (matches!(link.scheme(), "http" | "https") && same_host).then(|| link.to_string())
}

pub fn quota_message(limit: i64) -> String {
    format!("Quota reached: your plan includes {limit} posts a month. Upgrade or wait for next month.")
}

/// "Run now": a job for this instant, whether or not automation is on.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn run_now(ctx: &TenantContext, state: &AppState, site_id: &SiteId) -> ServerResult<JobId> {
    ctx.require(Permission::CreateContent)?;
    sites::load(ctx, state, site_id).await?;
    throttle::action(&state.db, ctx, Action::RunNow).await?;
    // Manual runs take the negated click time (ms) as their slot, so they
    // never collide with a scheduled slot (positive unix seconds).
    let outcome = enqueue(ctx, state, site_id, -now_ms()).await?;
    state.wake.notify_one();
    match outcome {
        Enqueued::Queued(id) => Ok(id),
        Enqueued::QuotaReached => {
            let limits = quota::in_force(ctx, state).await?.limits;
            Err(ServerError::Conflict(quota_message(limits.posts_per_month)))
        }
        Enqueued::SitePaused { sites_limit } => Err(ServerError::Conflict(format!(
            "Your plan allows {sites_limit} site{}, so automation for this one is paused. Upgrade or remove a site.",
            if sites_limit == 1 { "" } else { "s" }
        ))),
        Enqueued::AlreadyThere => Err(ServerError::Conflict(
            "A run for this site started a moment ago.".into(),
        )),
    }
}

/// Puts a failed (dead) post job back in the queue with fresh attempts. A
/// job whose post exists resumes at publishing; the lookup by slug then
/// keeps it from posting twice.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn retry(ctx: &TenantContext, state: &AppState, job_id: &JobId) -> ServerResult<()> {
    ctx.require(Permission::CreateContent)?;
    let done = sqlx::query(
        "update job set state = 'queued', attempt = 0, run_at_ms = $1, updated_at = $2, finished_at = null, \
         step = case when exists (select 1 from post p where p.job_id = job.id and p.review in ('approved', 'auto')) \
         then 'publishing' else 'queued' end \
         where id = $3 and tenant_id = $4 and kind = $5 and state = 'dead'",
    )
    .bind(now_ms())
    .bind(now())
    .bind(job_id)
    .bind(ctx.tenant_id())
    .bind(KIND)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        content::exists(ctx, state, "job", job_id.as_str()).await?;
        return Err(ServerError::Conflict("Only failed jobs can be retried.".into()));
    }
    state.wake.notify_one();
    Ok(())
}

/// Forgets a deleted site's jobs (its posts go with the site), inside the
/// transaction that deletes it.
pub async fn forget_site(ctx: &TenantContext, conn: &mut AnyConnection, site_id: &SiteId) -> ServerResult<()> {
    sqlx::query("delete from job where tenant_id = $1 and kind = $2 and subject_id = $3")
        .bind(ctx.tenant_id())
        .bind(KIND)
        .bind(site_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::own_link;

    #[test]
    fn only_http_links_on_the_site_s_host_are_kept() {
        let site = "https://blog.example.com";
        assert_eq!(
            own_link(site, "https://blog.example.com/2026/12/roses/").as_deref(),
            Some("https://blog.example.com/2026/12/roses/")
        );
        assert!(own_link(site, "http://blog.example.com/?p=7").is_some());
        assert!(own_link(site, "javascript:alert(1)").is_none());
        assert!(own_link(site, "https://evil.example/phish").is_none());
        assert!(own_link(site, "https://blog.example.com.evil.example/").is_none());
        assert!(own_link(site, "data:text/html,hi").is_none());
        assert!(own_link(site, "not a url").is_none());
        let long = format!("https://blog.example.com/{}", "a".repeat(3000));
        assert!(own_link(site, &long).is_none());
    }
}
