//! `/api/v1/admin`: the admin pages' user actions and system health, for
//! platform admins only (everyone else gets 404, as on the pages).

use super::{next_numbered, numbered_page, Admin, ApiError, Body, ErrorBody, Page, Params};
use crate::app::types::{AdminUser, AdminUserFilter, SystemHealth, TenantId, UserId};
use crate::server::services::{admin, billing};
use crate::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

/// `GET /admin/users`: newest first; `q` searches email and name, `status`
/// is active or suspended.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    /// Words of the email or name.
    #[serde(default)]
    q: Option<String>,
    /// active or suspended
    #[serde(default)]
    status: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
}

/// Every user, newest first, 25 a page.
#[utoipa::path(get, path = "/admin/users", operation_id = "list_users", tag = "admin", params(UsersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = Page<AdminUser>),
        (status = 403, description = "An API key: admin routes take a signed-in token", body = ErrorBody),
        (status = 404, description = "Not a platform admin", body = ErrorBody),
    ))]
pub async fn users(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Params(q): Params<UsersQuery>,
) -> Result<Json<Page<AdminUser>>, ApiError> {
    let status = q.status.unwrap_or_default();
    if !["", "active", "suspended"].contains(&status.as_str()) {
        return Err(ApiError::invalid("status must be active or suspended."));
    }
    let page = numbered_page(q.cursor.as_deref())?;
    let filter = AdminUserFilter {
        q: q.q.unwrap_or_default(),
        status,
        created_days: 0,
    };
    let found = admin::users(&admin, &state, &filter, page).await?;
    let next_cursor = next_numbered(found.page, found.page < found.pages);
    Ok(Json(Page {
        data: found.rows,
        next_cursor,
    }))
}

/// `{"suspended": true, "reason": "…"}` suspends (the reason goes to the
/// audit log); `{"suspended": false}` lifts it.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Suspension {
    suspended: bool,
    #[serde(default)]
    reason: Option<String>,
}

/// Suspends a user (ending every session and token of theirs) or lifts it.
#[utoipa::path(post, path = "/admin/users/{id}/suspend", operation_id = "suspend_user", tag = "admin", request_body = Suspension,
    params(("id" = String, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such user, or not a platform admin", body = ErrorBody),
        (status = 422, description = "No reason given", body = ErrorBody),
    ))]
pub async fn suspend_user(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Body(s): Body<Suspension>,
) -> Result<StatusCode, ApiError> {
    let reason = match (s.suspended, s.reason) {
        (true, reason) => Some(reason.unwrap_or_default()),
        (false, None) => None,
        (false, Some(_)) => return Err(ApiError::invalid("A reason is given only when suspending.")),
    };
    admin::suspend_user(&admin, &state, &UserId::new(id), reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"value": 50}` overrides the limit, `{"value": null}` returns it to the
/// plan's. Limits belong to workspaces: the one the user owns, or the one
/// named by `workspace_id` when they own several.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitChange {
    /// The new limit, or null for the plan's. Required: leaving it out
    /// changes nothing.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, required = true)]
    value: Option<Option<i64>>,
    #[serde(default)]
    workspace_id: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LimitSet {
    pub workspace_id: TenantId,
    pub limit: String,
    pub value: Option<i64>,
}

/// Overrides one limit of the workspace the user owns.
#[utoipa::path(post, path = "/admin/users/{id}/limits/{limit}", operation_id = "set_user_limit", tag = "admin", request_body = LimitChange,
    params(
        ("id" = String, Path, description = "The user's id"),
        ("limit" = String, Path, description = "posts, sites, members, social_accounts or stores"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The limit as set", body = LimitSet),
        (status = 404, description = "No such user, or not a platform admin", body = ErrorBody),
        (status = 422, description = "Not a limit, out of range, or no single workspace", body = ErrorBody),
    ))]
pub async fn set_limit(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path((id, limit)): Path<(String, String)>,
    Body(change): Body<LimitChange>,
) -> Result<Json<LimitSet>, ApiError> {
    let value = change
        .value
        .ok_or_else(|| ApiError::invalid("Give value: a whole number, or null for the plan's limit."))?;
    let owned = admin::owned_workspaces(&admin, &state, &UserId::new(id)).await?;
    let workspace_id = match (change.workspace_id, owned.as_slice()) {
        (Some(wanted), _) => owned
            .iter()
            .find(|t| t.as_str() == wanted)
            .cloned()
            .ok_or_else(|| ApiError::invalid("This user does not own that workspace."))?,
        (None, [only]) => only.clone(),
        (None, []) => {
            return Err(ApiError::invalid(
                "This user owns no workspace, so there is no limit to set.",
            ))
        }
        (None, _) => {
            return Err(ApiError::invalid(
                "This user owns several workspaces: name one with workspace_id.",
            ))
        }
    };
    billing::override_limit(&admin, &state, &workspace_id, &limit, value).await?;
    Ok(Json(LimitSet {
        workspace_id,
        limit,
        value,
    }))
}

/// A field that must be there but may be null: `Some(None)` for null,
/// `None` (by `default`) when it is left out.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    <Option<i64> as serde::Deserialize>::deserialize(d).map(Some)
}

/// Database, workers and queue, as the admin health page shows them.
#[utoipa::path(get, path = "/admin/health", operation_id = "get_health", tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The service's health", body = SystemHealth),
        (status = 404, description = "Not a platform admin", body = ErrorBody),
    ))]
pub async fn health(Admin(admin): Admin, State(state): State<AppState>) -> Result<Json<SystemHealth>, ApiError> {
    Ok(Json(admin::health::report(&admin, &state).await?))
}
