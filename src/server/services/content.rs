//! What a workspace sees of its post jobs: the lists it follows them in, a
//! post, usage. Queueing and retrying live in `publishing`, reviewing in
//! `review`, the calendar in `calendar`.

use crate::app::types::{JobId, JobPage, JobSummary, Permission, PostDetail, PostId, SiteId, Step, Usage};
use crate::server::auth::TenantContext;
use crate::server::db::Where;
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::{publishing, quota};
use crate::server::state::AppState;

pub const PER_PAGE: i64 = 20;

/// Which jobs a list shows. `step` "failed" also covers dead-lettered jobs.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub steps: Vec<Step>,
    pub site_id: Option<SiteId>,
    pub page: i64,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: JobId,
    site_id: Option<SiteId>,
    site_name: Option<String>,
    slot: i64,
    state: String,
    step: String,
    attempt: i64,
    max_attempts: i64,
    last_error: Option<String>,
    run_at_ms: i64,
    updated_at: i64,
    post_id: Option<PostId>,
    post_title: Option<String>,
    remote_url: Option<String>,
    site_url: Option<String>,
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
            remote_url: shown_link(self.site_url.as_deref(), self.remote_url),
        }
    }
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn list_jobs(ctx: &TenantContext, state: &AppState, filter: &JobFilter) -> ServerResult<JobPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let mut conditions = String::from("j.tenant_id = $1 and j.kind = 'post'");
    let mut next = 2;
    if !filter.steps.is_empty() {
        let list: Vec<String> = (0..filter.steps.len()).map(|i| format!("${}", next + i)).collect();
        conditions.push_str(&format!(" and j.step in ({})", list.join(", ")));
        next += filter.steps.len();
    }
    if filter.site_id.is_some() {
        conditions.push_str(&format!(" and j.subject_id = ${next}"));
    }
    let page = filter.page.clamp(1, 10_000);
    let sql = format!(
        "select j.id, s.id as site_id, s.name as site_name, j.slot, j.state, j.step, j.attempt, j.max_attempts, \
         j.last_error, j.run_at_ms, j.updated_at, p.id as post_id, p.title as post_title, p.remote_url, s.url as site_url \
         from job j left join site s on s.id = j.subject_id and s.tenant_id = j.tenant_id \
         left join post p on p.job_id = j.id \
         where {conditions} order by j.updated_at desc, j.id desc limit {PER_PAGE} offset {}",
        (page - 1) * PER_PAGE
    );
    let count_sql = format!("select count(*) from job j where {conditions}");
    let mut rows = sqlx::query_as::<_, JobRow>(&sql).bind(ctx.tenant_id());
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql).bind(ctx.tenant_id());
    for step in &filter.steps {
        rows = rows.bind(step.as_str());
        count = count.bind(step.as_str());
    }
    if let Some(site) = &filter.site_id {
        rows = rows.bind(site);
        count = count.bind(site);
    }
    let jobs = rows.fetch_all(&state.db.pool).await?;
    let (total,) = count.fetch_one(&state.db.pool).await?;
    Ok(JobPage {
        jobs: jobs.into_iter().map(JobRow::into_summary).collect(),
        total,
        page,
        per_page: PER_PAGE,
    })
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: PostId,
    job_id: JobId,
    site_id: SiteId,
    site_name: String,
    title: String,
    body_html: String,
    excerpt: String,
    tags: String,
    review: String,
    step: String,
    remote_url: Option<String>,
    site_url: String,
    created_at: i64,
}

/// A post with its site and job, as `PostRow` reads it; queries add `where`.
const POST_SELECT: &str = "select p.id, p.job_id, p.site_id, s.name as site_name, p.title, p.body_html, p.excerpt, \
     p.tags, p.review, j.step, p.remote_url, s.url as site_url, p.created_at \
     from post p join site s on s.id = p.site_id join job j on j.id = p.job_id";

impl PostRow {
    fn into_detail(self) -> PostDetail {
        PostDetail {
            step: Step::parse(&self.step).unwrap_or(Step::Failed),
            id: self.id,
            job_id: self.job_id,
            site_id: self.site_id,
            site_name: self.site_name,
            title: self.title,
            body_html: self.body_html,
            excerpt: self.excerpt,
            tags: self.tags,
            review: self.review,
            remote_url: shown_link(Some(&self.site_url), self.remote_url),
            created_at: self.created_at,
        }
    }
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn post(ctx: &TenantContext, state: &AppState, post_id: &PostId) -> ServerResult<PostDetail> {
    ctx.require(Permission::ViewWorkspace)?;
    let row: PostRow = sqlx::query_as(&format!("{POST_SELECT} where p.id = $1 and p.tenant_id = $2"))
        .bind(post_id)
        .bind(ctx.tenant_id())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ServerError::NotFound)?;
    Ok(row.into_detail())
}

/// The review states a post can be in.
pub const REVIEW_STATES: [&str; 4] = ["pending", "approved", "rejected", "auto"];

/// Which posts a list shows, newest first. `after` is the (created_at, id)
/// of the last post of the previous page: paging by position in that order
/// neither skips nor repeats posts while new ones arrive.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub site_id: Option<SiteId>,
    pub review: Option<String>,
    pub after: Option<(i64, PostId)>,
    pub limit: i64,
}

/// Up to `filter.limit` posts, and whether more follow.
#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn list_posts(
    ctx: &TenantContext,
    state: &AppState,
    filter: &PostFilter,
) -> ServerResult<(Vec<PostDetail>, bool)> {
    ctx.require(Permission::ViewWorkspace)?;
    let mut clause = Where::new_text("p.tenant_id = ", ctx.tenant_id().as_str());
    if let Some(site) = &filter.site_id {
        clause.text("p.site_id = ", site.as_str());
    }
    if let Some(review) = &filter.review {
        if !REVIEW_STATES.contains(&review.as_str()) {
            return Err(ServerError::Validation(format!(
                "review must be one of {}.",
                REVIEW_STATES.join(", ")
            )));
        }
        clause.text("p.review = ", review.as_str());
    }
    if let Some((at, id)) = &filter.after {
        clause.before(("p.created_at", "p.id"), *at, id.as_str());
    }
    let limit = filter.limit.clamp(1, 100);
    let sql = format!(
        "{POST_SELECT} where {} order by p.created_at desc, p.id desc limit {}",
        clause.sql(),
        limit + 1
    );
    let mut rows: Vec<PostRow> = clause.bind(sqlx::query_as(&sql)).fetch_all(&state.db.pool).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows.into_iter().map(PostRow::into_detail).collect(), more))
}

#[tracing::instrument(skip_all, fields(tenant_id = %ctx.tenant_id()), err(level = "debug"))]
pub async fn usage(ctx: &TenantContext, state: &AppState) -> ServerResult<Usage> {
    ctx.require(Permission::ViewWorkspace)?;
    let limits = quota::in_force(ctx, state).await?.limits;
    quota::usage(ctx, state, &limits).await
}

/// A post's link as pages show it: only when it leads to the post's own
/// site (see `publishing::own_link`).
pub(super) fn shown_link(site_url: Option<&str>, link: Option<String>) -> Option<String> {
    publishing::own_link(site_url?, &link?)
}

/// NotFound unless the workspace has this row: an action refused for its
/// state must not tell another workspace that the id exists.
pub(super) async fn exists(ctx: &TenantContext, state: &AppState, table: &str, id: &str) -> ServerResult<()> {
    let (found,): (i64,) = sqlx::query_as(&format!(
        "select count(*) from {table} where id = $1 and tenant_id = $2"
    ))
    .bind(id)
    .bind(ctx.tenant_id())
    .fetch_one(&state.db.pool)
    .await?;
    if found == 0 {
        return Err(ServerError::NotFound);
    }
    Ok(())
}
