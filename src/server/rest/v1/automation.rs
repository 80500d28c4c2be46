//! `/api/v1/automation`: runs, jobs and the posts they wrote, with review.

use super::{next_numbered, numbered_page, ApiError, Caller, ErrorBody, Page, Params};
use crate::app::types::{JobId, JobSummary, PostDetail, PostId, SiteId, Step};
use crate::server::services::content::{self, JobFilter, PostFilter};
use crate::server::services::{publishing, review};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub job_id: JobId,
}

/// Queues a run for the site now, outside its schedule.
#[utoipa::path(post, path = "/automation/{site_id}/run-now", operation_id = "run_now", tag = "automation",
    params(("site_id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = Queued),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
        (status = 409, description = "The plan's posts are used up, or a run just started", body = ErrorBody),
        (status = 429, description = "Runs were started too often just now", body = ErrorBody),
    ))]
pub async fn run_now(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(site_id): Path<String>,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    let job_id = publishing::run_now(&ctx, &state, &SiteId::new(site_id)).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { job_id })))
}

/// `GET /automation/jobs`: most recently changed first. `step` takes one
/// or more steps, comma-separated; the cursor is opaque.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobsQuery {
    /// Steps to show, comma-separated: queued, generating, awaiting_review,
    /// publishing, published, rejected, failed, quota.
    #[serde(default)]
    step: Option<String>,
    /// Only this site's jobs.
    #[serde(default)]
    site_id: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

/// The workspace's post jobs, most recently changed first, 20 a page.
#[utoipa::path(get, path = "/automation/jobs", operation_id = "list_jobs", tag = "automation", params(JobsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of jobs", body = Page<JobSummary>),
        (status = 422, description = "An unknown step or cursor", body = ErrorBody),
    ))]
pub async fn jobs(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Params(q): Params<JobsQuery>,
) -> Result<Json<Page<JobSummary>>, ApiError> {
    let mut steps = Vec::new();
    for name in q
        .step
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        steps.push(Step::parse(name).ok_or_else(|| ApiError::invalid(format!("{name:?} is not a job step.")))?);
    }
    // Jobs move as they run, so no position in their order is stable: the
    // cursor is the next page's number, kept opaque to callers.
    let page = numbered_page(q.cursor.as_deref())?;
    let filter = JobFilter {
        steps,
        site_id: q.site_id.map(SiteId::new),
        page,
    };
    let found = content::list_jobs(&ctx, &state, &filter).await?;
    let more = found.page * found.per_page < found.total;
    Ok(Json(Page {
        data: found.jobs,
        next_cursor: next_numbered(found.page, more),
    }))
}

/// `GET /automation/posts`: newest first, by site and review state.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PostsQuery {
    /// Only this site's posts.
    #[serde(default)]
    site_id: Option<String>,
    /// pending, approved, rejected or auto
    #[serde(default)]
    review: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    /// Posts per page, 1–100 (default 20).
    #[serde(default)]
    limit: Option<i64>,
}

/// The workspace's posts, newest first.
#[utoipa::path(get, path = "/automation/posts", operation_id = "list_posts", tag = "automation", params(PostsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of posts", body = Page<PostDetail>),
        (status = 422, description = "An unknown review state or cursor", body = ErrorBody),
    ))]
pub async fn posts(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Params(q): Params<PostsQuery>,
) -> Result<Json<Page<PostDetail>>, ApiError> {
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.split_once('_')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, PostId::new(id.to_owned()))))
                .ok_or_else(|| ApiError::invalid("That cursor is not one this API gave."))?,
        ),
    };
    let filter = PostFilter {
        site_id: q.site_id.map(SiteId::new),
        review: q.review,
        after,
        limit: q.limit.unwrap_or(20),
    };
    let (posts, more) = content::list_posts(&ctx, &state, &filter).await?;
    let next_cursor = more
        .then(|| posts.last().map(|p| format!("{}_{}", p.created_at, p.id)))
        .flatten();
    Ok(Json(Page {
        data: posts,
        next_cursor,
    }))
}

/// Approves a post waiting for review; it goes on to publishing.
#[utoipa::path(post, path = "/automation/posts/{id}/approve", operation_id = "approve_post", tag = "automation",
    params(("id" = String, Path, description = "The post's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The post, approved", body = PostDetail),
        (status = 404, description = "No such post in this workspace", body = ErrorBody),
        (status = 409, description = "The post is not waiting for review", body = ErrorBody),
    ))]
pub async fn approve(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PostDetail>, ApiError> {
    let id = PostId::new(id);
    review::approve_one(&ctx, &state, &id).await?;
    Ok(Json(content::post(&ctx, &state, &id).await?))
}

/// Rejects a post waiting for review; it is not published.
#[utoipa::path(post, path = "/automation/posts/{id}/reject", operation_id = "reject_post", tag = "automation",
    params(("id" = String, Path, description = "The post's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The post, rejected", body = PostDetail),
        (status = 404, description = "No such post in this workspace", body = ErrorBody),
        (status = 409, description = "The post is not waiting for review", body = ErrorBody),
    ))]
pub async fn reject(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PostDetail>, ApiError> {
    let id = PostId::new(id);
    review::reject(&ctx, &state, &id).await?;
    Ok(Json(content::post(&ctx, &state, &id).await?))
}
