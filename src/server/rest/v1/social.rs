//! `/api/v1/social`: the workspace's social posts and how they performed.

use super::{next_numbered, numbered_page, ApiError, Caller, ErrorBody, Page, Params};
use crate::app::types::{MetricsFilter, PostMetrics, SocialPostSummary};
use crate::server::services::social::{metrics, posts};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

/// The lists `GET /social/posts` knows.
const LISTS: [&str; 7] = [
    "review",
    "scheduled",
    "published",
    "failed",
    "drafts",
    "rejected",
    "all",
];

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SocialPostsQuery {
    /// review, scheduled, published, failed, drafts, rejected or all (default).
    #[serde(default)]
    list: Option<String>,
    /// Only posts that go to this account.
    #[serde(default)]
    account_id: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

/// The workspace's social posts, each with how it went to each account,
/// 20 a page.
#[utoipa::path(get, path = "/social/posts", operation_id = "list_social_posts", tag = "social",
    params(SocialPostsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of posts", body = Page<SocialPostSummary>),
        (status = 422, description = "An unknown list or cursor", body = ErrorBody),
    ))]
pub async fn list_posts(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Params(q): Params<SocialPostsQuery>,
) -> Result<Json<Page<SocialPostSummary>>, ApiError> {
    let list = q.list.unwrap_or_else(|| "all".into());
    if !LISTS.contains(&list.as_str()) {
        return Err(ApiError::invalid(format!(
            "{list:?} is not a list: use one of {}.",
            LISTS.join(", ")
        )));
    }
    let filter = posts::PostFilter {
        list,
        account_id: q.account_id.unwrap_or_default(),
        page: numbered_page(q.cursor.as_deref())?,
    };
    let found = posts::list(&ctx, &state, &filter).await?;
    Ok(Json(Page {
        next_cursor: next_numbered(found.page, found.page < found.pages),
        data: found.posts,
    }))
}

/// One social post and how it went to each account.
#[utoipa::path(get, path = "/social/posts/{id}", operation_id = "get_social_post", tag = "social",
    params(("id" = String, Path, description = "The post's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The post", body = SocialPostSummary),
        (status = 404, description = "No such post in this workspace", body = ErrorBody),
    ))]
pub async fn post(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SocialPostSummary>, ApiError> {
    Ok(Json(posts::get(&ctx, &state, &id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// Posts published in the last 7, 30 (default) or 90 days.
    #[serde(default)]
    days: Option<i64>,
    /// Only this account's posts.
    #[serde(default)]
    account_id: Option<String>,
    /// An IANA time zone for the `when` texts (default UTC).
    #[serde(default)]
    zone: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

/// What the platforms last said of each published post on each account
/// (views, reach, likes, comments, shares, saves and the engagement rate),
/// newest first, 25 a page. Figures are read every six hours.
#[utoipa::path(get, path = "/social/metrics", operation_id = "list_social_metrics", tag = "social",
    params(MetricsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of per-post figures", body = Page<PostMetrics>),
        (status = 422, description = "An unknown period or cursor", body = ErrorBody),
    ))]
pub async fn metrics(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Params(q): Params<MetricsQuery>,
) -> Result<Json<Page<PostMetrics>>, ApiError> {
    let filter = MetricsFilter {
        days: q.days.unwrap_or(30),
        account_id: q.account_id.unwrap_or_default(),
        page: numbered_page(q.cursor.as_deref())?,
        zone: q.zone.unwrap_or_default(),
    };
    let found = metrics::list(&ctx, &state, &filter).await?;
    Ok(Json(Page {
        next_cursor: next_numbered(found.page, found.page < found.pages),
        data: found.posts,
    }))
}
