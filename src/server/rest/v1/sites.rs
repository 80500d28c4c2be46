//! `/api/v1/sites`: the workspace's WordPress sites.

use super::{ApiError, Body, Caller, ErrorBody, Page, Params};
use crate::app::types::{ConnectionCheck, SiteId, SiteSummary};
use crate::server::services::sites::{self, SiteInput};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

/// Paging of `GET /sites`: sites come oldest first; the cursor is the id of
/// the last site of the previous page.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    /// Sites per page, 1–100 (default 50).
    #[serde(default)]
    limit: Option<usize>,
}

/// The workspace's sites, oldest first.
#[utoipa::path(get, path = "/sites", operation_id = "list_sites", tag = "sites", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of sites", body = Page<SiteSummary>),
        (status = 400, description = "Unknown query fields", body = ErrorBody),
        (status = 401, description = "No valid credential", body = ErrorBody),
    ))]
pub async fn list(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Params(q): Params<ListQuery>,
) -> Result<Json<Page<SiteSummary>>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 100);
    // A workspace has a handful of sites (the plan caps them), so they are
    // read whole and cut here.
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
    Ok(Json(Page::cut(data, limit, |s| s.id.to_string())))
}

/// One site.
#[utoipa::path(get, path = "/sites/{id}", operation_id = "get_site", tag = "sites",
    params(("id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The site", body = SiteSummary),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
    ))]
pub async fn detail(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SiteSummary>, ApiError> {
    Ok(Json(sites::load(&ctx, &state, &SiteId::new(id)).await?.summary()))
}

/// A new site's credentials: all four are needed. (No Debug: it holds
/// the password.)
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    name: String,
    url: String,
    username: String,
    /// A WordPress application password; stored sealed, never shown again.
    password: String,
}

/// Adds a WordPress site (within the plan's site limit).
#[utoipa::path(post, path = "/sites", operation_id = "create_site", tag = "sites", request_body = NewSite,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new site", body = SiteSummary),
        (status = 403, description = "The credential may not manage sites", body = ErrorBody),
        (status = 409, description = "The plan's site limit is reached", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid", body = ErrorBody),
    ))]
pub async fn create(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Body(site): Body<NewSite>,
) -> Result<(StatusCode, Json<SiteSummary>), ApiError> {
    let input = SiteInput::parse(&site.name, &site.url, &site.username, &site.password)?;
    let id = sites::create(&ctx, &state, input).await?;
    let created = sites::load(&ctx, &state, &id).await?.summary();
    Ok((StatusCode::CREATED, Json(created)))
}

/// A change to a site: the fields given replace the stored ones.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteChange {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// Changes the fields given; the others are kept.
#[utoipa::path(patch, path = "/sites/{id}", operation_id = "update_site", tag = "sites", request_body = SiteChange,
    params(("id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The site as changed", body = SiteSummary),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
        (status = 422, description = "A field is unknown or invalid", body = ErrorBody),
    ))]
pub async fn update(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Body(change): Body<SiteChange>,
) -> Result<Json<SiteSummary>, ApiError> {
    let id = SiteId::new(id);
    let current = sites::load(&ctx, &state, &id).await?;
    if change.password.as_deref().is_some_and(|p| p.trim().is_empty()) {
        return Err(ApiError::invalid(
            "password cannot be empty; leave it out to keep the stored one.",
        ));
    }
    let input = SiteInput::parse(
        change.name.as_deref().unwrap_or(&current.name),
        change.url.as_deref().unwrap_or(&current.url),
        change.username.as_deref().unwrap_or(&current.username),
        change.password.as_deref().unwrap_or(""),
    )?;
    sites::update(&ctx, &state, &id, input).await?;
    Ok(Json(sites::load(&ctx, &state, &id).await?.summary()))
}

/// Deletes the site with its schedule, jobs and posts.
#[utoipa::path(delete, path = "/sites/{id}", operation_id = "delete_site", tag = "sites",
    params(("id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
    ))]
pub async fn delete(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sites::delete(&ctx, &state, &SiteId::new(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tests the connection to WordPress and names the outcome.
#[utoipa::path(post, path = "/sites/{id}/test", operation_id = "test_site", tag = "sites",
    params(("id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The outcome, connected or not", body = ConnectionCheck),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
        (status = 429, description = "Tested too often just now", body = ErrorBody),
    ))]
pub async fn test(
    Caller(ctx): Caller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConnectionCheck>, ApiError> {
    Ok(Json(sites::test_connection(&ctx, &state, &SiteId::new(id)).await?))
}

/// Turns the site's automation on.
#[utoipa::path(post, path = "/sites/{id}/start", operation_id = "start_site", tag = "sites",
    params(("id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Automation is on"),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
        (status = 422, description = "The site's settings are incomplete", body = ErrorBody),
    ))]
pub async fn start(caller: Caller, state: State<AppState>, id: Path<String>) -> Result<StatusCode, ApiError> {
    set(caller, state, id, true).await
}

/// Turns the site's automation off.
#[utoipa::path(post, path = "/sites/{id}/stop", operation_id = "stop_site", tag = "sites",
    params(("id" = String, Path, description = "The site's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Automation is off"),
        (status = 404, description = "No such site in this workspace", body = ErrorBody),
    ))]
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
