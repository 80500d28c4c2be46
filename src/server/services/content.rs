//! What a workspace does with its jobs: follow them, read a post, retry
//! failures, run a site now, see usage. Reviewing lives in `review`, the
//! calendar in `calendar`. The scheduler enqueues through `enqueue_post` too.

use crate::app::types::{JobPage, JobSummary, Permission, PostDetail, Step, Usage};
use crate::server::auth::TenantContext;
use crate::server::config::Config;
use crate::server::db::{now, Db};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::jobs::{self, now_ms, NewJob};
use crate::server::services::{quota, sites};
use crate::server::state::AppState;

pub const PER_PAGE: i64 = 20;

#[derive(Debug, PartialEq, Eq)]
pub enum Enqueued {
    Queued(String),
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
pub async fn enqueue_post(
    db: &Db,
    config: &Config,
    tenant_id: &str,
    site_id: &str,
    slot: i64,
) -> ServerResult<Enqueued> {
    let mut tx = db.begin_write().await?;
    quota::lock(&mut tx, db.backend, tenant_id).await?;
    let limits = quota::in_force(&mut *tx, config, tenant_id, now()).await?.limits;
    if !quota::site_within_limit(&mut *tx, tenant_id, site_id, limits.sites).await? {
        return Ok(Enqueued::SitePaused {
            sites_limit: limits.sites,
        });
    }
    let limit = limits.posts_per_month;
    let committed = quota::posts_committed(&mut *tx, tenant_id, now()).await?;
    let step = if committed >= limit { Step::Quota } else { Step::Queued };
    let job = NewJob {
        tenant_id,
        site_id: Some(site_id),
        kind: "post",
        slot,
        run_at_ms: now_ms(),
        max_attempts: config.worker.max_attempts,
    };
    let id = jobs::enqueue(&mut *tx, &job, step).await?;
    if let (Some(id), Step::Quota) = (&id, step) {
        sqlx::query("update job set last_error = $1 where id = $2")
            .bind(quota_message(limit))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(match id {
        _ if step == Step::Quota => Enqueued::QuotaReached,
        Some(id) => Enqueued::Queued(id),
        None => Enqueued::AlreadyThere,
    })
}

pub fn quota_message(limit: i64) -> String {
    format!("Quota reached: your plan includes {limit} posts a month. Upgrade or wait for next month.")
}

/// "Run now": a job for this instant, whether or not automation is on.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn run_now(ctx: &TenantContext, state: &AppState, site_id: &str) -> ServerResult<String> {
    ctx.require(Permission::CreateContent)?;
    sites::load(&state.db, &ctx.tenant_id, site_id).await?;
    // Manual runs take the negated click time (ms) as their slot, so they
    // never collide with a scheduled slot (positive unix seconds).
    let outcome = enqueue_post(&state.db, &state.config, &ctx.tenant_id, site_id, -now_ms()).await?;
    state.wake.notify_one();
    match outcome {
        Enqueued::Queued(id) => Ok(id),
        Enqueued::QuotaReached => {
            let limits = quota::in_force(&state.db.pool, &state.config, &ctx.tenant_id, now())
                .await?
                .limits;
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

/// Which jobs a list shows. `step` "failed" also covers dead-lettered jobs.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub steps: Vec<Step>,
    pub site_id: Option<String>,
    pub page: i64,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    site_id: Option<String>,
    site_name: Option<String>,
    slot: i64,
    state: String,
    step: String,
    attempt: i64,
    max_attempts: i64,
    last_error: Option<String>,
    run_at_ms: i64,
    updated_at: i64,
    post_id: Option<String>,
    post_title: Option<String>,
    remote_url: Option<String>,
}

impl JobRow {
    fn into_summary(self) -> JobSummary {
        let step = Step::parse(&self.step).unwrap_or(Step::Failed);
        JobSummary {
            next_attempt_at: (self.state == "queued").then_some(self.run_at_ms / 1000),
            id: self.id,
            site_id: self.site_id,
            site_name: self.site_name.unwrap_or_default(),
            slot: self.slot,
            step,
            attempt: self.attempt,
            max_attempts: self.max_attempts,
            last_error: self.last_error,
            updated_at: self.updated_at,
            post_id: self.post_id,
            post_title: self.post_title,
            remote_url: self.remote_url,
        }
    }
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn list_jobs(ctx: &TenantContext, db: &Db, filter: &JobFilter) -> ServerResult<JobPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let mut conditions = String::from("j.tenant_id = $1 and j.kind = 'post'");
    let mut next = 2;
    if !filter.steps.is_empty() {
        let list: Vec<String> = (0..filter.steps.len()).map(|i| format!("${}", next + i)).collect();
        conditions.push_str(&format!(" and j.step in ({})", list.join(", ")));
        next += filter.steps.len();
    }
    if filter.site_id.is_some() {
        conditions.push_str(&format!(" and j.site_id = ${next}"));
    }
    let page = filter.page.clamp(1, 10_000);
    let sql = format!(
        "select j.id, j.site_id, s.name as site_name, j.slot, j.state, j.step, j.attempt, j.max_attempts, \
         j.last_error, j.run_at_ms, j.updated_at, p.id as post_id, p.title as post_title, p.remote_url \
         from job j left join site s on s.id = j.site_id left join post p on p.job_id = j.id \
         where {conditions} order by j.updated_at desc, j.id desc limit {PER_PAGE} offset {}",
        (page - 1) * PER_PAGE
    );
    let count_sql = format!("select count(*) from job j where {conditions}");
    let mut rows = sqlx::query_as::<_, JobRow>(&sql).bind(&ctx.tenant_id);
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql).bind(&ctx.tenant_id);
    for step in &filter.steps {
        rows = rows.bind(step.as_str());
        count = count.bind(step.as_str());
    }
    if let Some(site) = &filter.site_id {
        rows = rows.bind(site);
        count = count.bind(site);
    }
    let jobs = rows.fetch_all(&db.pool).await?;
    let (total,) = count.fetch_one(&db.pool).await?;
    Ok(JobPage {
        jobs: jobs.into_iter().map(JobRow::into_summary).collect(),
        total,
        page,
        per_page: PER_PAGE,
    })
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: String,
    job_id: String,
    site_id: String,
    site_name: String,
    title: String,
    body_html: String,
    excerpt: String,
    tags: String,
    review: String,
    step: String,
    remote_url: Option<String>,
    created_at: i64,
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn post(ctx: &TenantContext, db: &Db, post_id: &str) -> ServerResult<PostDetail> {
    ctx.require(Permission::ViewWorkspace)?;
    let row: PostRow = sqlx::query_as(
        "select p.id, p.job_id, p.site_id, s.name as site_name, p.title, p.body_html, p.excerpt, p.tags, p.review, \
         j.step, p.remote_url, p.created_at from post p join site s on s.id = p.site_id join job j on j.id = p.job_id \
         where p.id = $1 and p.tenant_id = $2",
    )
    .bind(post_id)
    .bind(&ctx.tenant_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(ServerError::NotFound)?;
    Ok(PostDetail {
        step: Step::parse(&row.step).unwrap_or(Step::Failed),
        id: row.id,
        job_id: row.job_id,
        site_id: row.site_id,
        site_name: row.site_name,
        title: row.title,
        body_html: row.body_html,
        excerpt: row.excerpt,
        tags: row.tags,
        review: row.review,
        remote_url: row.remote_url,
        created_at: row.created_at,
    })
}

/// Puts a failed (dead) job back in the queue with fresh attempts. A job
/// whose post exists resumes at publishing; the lookup by slug then keeps
/// it from posting twice.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id), err)]
pub async fn retry(ctx: &TenantContext, state: &AppState, job_id: &str) -> ServerResult<()> {
    ctx.require(Permission::CreateContent)?;
    let done = sqlx::query(
        "update job set state = 'queued', attempt = 0, run_at_ms = $1, updated_at = $2, finished_at = null, \
         step = case when exists (select 1 from post p where p.job_id = job.id and p.review in ('approved', 'auto')) \
         then 'publishing' else 'queued' end \
         where id = $3 and tenant_id = $4 and state = 'dead'",
    )
    .bind(now_ms())
    .bind(now())
    .bind(job_id)
    .bind(&ctx.tenant_id)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        exists(&state.db, "job", &ctx.tenant_id, job_id).await?;
        return Err(ServerError::Conflict("Only failed jobs can be retried.".into()));
    }
    state.wake.notify_one();
    Ok(())
}

pub async fn usage(ctx: &TenantContext, state: &AppState) -> ServerResult<Usage> {
    ctx.require(Permission::ViewWorkspace)?;
    let limits = quota::in_force(&state.db.pool, &state.config, &ctx.tenant_id, now())
        .await?
        .limits;
    quota::usage(&state.db, &ctx.tenant_id, &limits, now()).await
}

/// NotFound unless the workspace has this row: an action refused for its
/// state must not tell another workspace that the id exists.
pub(super) async fn exists(db: &Db, table: &str, tenant_id: &str, id: &str) -> ServerResult<()> {
    let (found,): (i64,) = sqlx::query_as(&format!(
        "select count(*) from {table} where id = $1 and tenant_id = $2"
    ))
    .bind(id)
    .bind(tenant_id)
    .fetch_one(&db.pool)
    .await?;
    if found == 0 {
        return Err(ServerError::NotFound);
    }
    Ok(())
}
