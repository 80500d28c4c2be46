//! `/api/v1/sites`: the workspace's WordPress sites.

use super::{ApiError, Caller, Page};
use crate::app::types::{SiteId, SiteSummary};
use crate::server::services::sites;
use crate::server::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;

/// Paging of `GET /sites`: sites come oldest first; the cursor is the id of
/// the last site of the previous page.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

pub async fn list(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Page<SiteSummary>>, ApiError> {
    let Query(q) = query.map_err(ApiError::bad_query)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 100);
    let mut all = sites::list(&ctx, &state).await?;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let start = match &q.cursor {
        Some(after) => all
            .iter()
            .position(|s| s.id.as_str() > after.as_str())
            .unwrap_or(all.len()),
        None => 0,
    };
    let data: Vec<SiteSummary> = all.into_iter().skip(start).take(limit + 1).collect();
    Ok(Json(page_of(data, limit, |s| s.id.to_string())))
}

/// Cuts `items` (fetched one past `limit`) to a page with its cursor.
fn page_of<T>(mut items: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = if more { items.last().map(cursor_of) } else { None };
    Page {
        data: items,
        next_cursor,
    }
}

pub async fn detail(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SiteSummary>, ApiError> {
    Ok(Json(sites::load(&ctx, &state, &SiteId::new(id)).await?.summary()))
}

pub async fn start(caller: Caller, state: State<AppState>, id: Path<String>) -> Result<StatusCode, ApiError> {
    set(caller, state, id, true).await
}

pub async fn stop(caller: Caller, state: State<AppState>, id: Path<String>) -> Result<StatusCode, ApiError> {
    set(caller, state, id, false).await
}

async fn set(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    on: bool,
) -> Result<StatusCode, ApiError> {
    sites::set_automation(&ctx, &state, &SiteId::new(id), on).await?;
    Ok(StatusCode::NO_CONTENT)
}
