//! The extractors that scope a request. `TenantContext` is the only way a
//! server function or handler obtains its workspace: it is built here from
//! the session's user and that user's membership of the session's workspace,
//! read afresh on every request.

use super::{keys, Origin, PlatformAdmin, TenantContext};
use crate::app::types::{Role, TenantId, UserId};
use crate::server::db::Db;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;
use tower_sessions::Session;

/// A signed-in user whose session is still valid (its epoch matches).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub is_platform_admin: bool,
    pub email_verified: bool,
    pub session: Session,
}

async fn session_of(parts: &mut Parts, state: &AppState) -> ServerResult<Session> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| ServerError::internal(format!("session layer missing: {msg}")))
}

async fn get<T: serde::de::DeserializeOwned>(session: &Session, key: &str) -> ServerResult<Option<T>> {
    session.get(key).await.map_err(ServerError::internal)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ServerResult<CurrentUser> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let user = load_user(parts, state).await?;
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    email: String,
    name: String,
    is_platform_admin: crate::server::db::Flag,
    email_verified_at: Option<i64>,
    session_epoch: i64,
    suspended_at: Option<i64>,
}

/// Resolved once per request: the page middleware's result is reused by the
/// server functions the page then calls (both cached in the extensions).
async fn load_user(parts: &mut Parts, state: &AppState) -> ServerResult<CurrentUser> {
    let session = session_of(parts, state).await?;
    let user_id: UserId = get(&session, keys::USER_ID).await?.ok_or(ServerError::Unauthorized)?;
    let epoch: i64 = get(&session, keys::EPOCH).await?.unwrap_or(-1);
    let row: Option<UserRow> = sqlx::query_as(
        "select email, name, is_platform_admin, email_verified_at, session_epoch, suspended_at from app_user \
         where id = $1",
    )
    .bind(&user_id)
    .fetch_optional(&state.db.pool)
    .await?;
    match row {
        Some(UserRow {
            suspended_at: Some(_), ..
        }) => {
            // Suspended since the session opened: it ends here.
            let _ = session.flush().await;
            Err(ServerError::Suspended)
        }
        Some(UserRow {
            email,
            name,
            is_platform_admin: admin,
            email_verified_at: verified_at,
            session_epoch: current_epoch,
            ..
        }) if current_epoch == epoch => Ok(CurrentUser {
            user_id,
            email,
            name,
            is_platform_admin: admin.0,
            email_verified: verified_at.is_some(),
            session,
        }),
        _ => {
            // The user is gone or signed out everywhere: drop this session too.
            let _ = session.flush().await;
            Err(ServerError::Unauthorized)
        }
    }
}

impl FromRequestParts<AppState> for TenantContext {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ServerResult<TenantContext> {
        if let Some(ctx) = parts.extensions.get::<TenantContext>() {
            return Ok(ctx.clone());
        }
        let ctx = load_context(parts, state).await?;
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// A platform admin's support view, kept in their session while it lasts
/// (SUPPORT_VIEW_SECONDS at most).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SupportView {
    pub tenant_id: TenantId,
    pub reason: String,
    pub opened_at: i64,
}

/// How long a support view lasts before it closes by itself.
pub const SUPPORT_VIEW_SECONDS: i64 = 4 * 3600;

async fn support_view_holds(state: &AppState, view: &SupportView) -> ServerResult<bool> {
    if view.opened_at + SUPPORT_VIEW_SECONDS < crate::server::db::now() {
        return Ok(false);
    }
    let (n,): (i64,) = sqlx::query_as("select count(*) from tenant where id = $1 and id <> $2")
        .bind(&view.tenant_id)
        .bind(crate::server::services::housekeeping::PLATFORM_TENANT)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(n == 1)
}

async fn load_context(parts: &mut Parts, state: &AppState) -> ServerResult<TenantContext> {
    let user = CurrentUser::from_request_parts(parts, state).await?;
    let origin = Origin::from_request_parts(parts, state).await?;
    if user.is_platform_admin {
        if let Some(view) = get::<SupportView>(&user.session, keys::SUPPORT).await? {
            if support_view_holds(state, &view).await? {
                return Ok(TenantContext::for_support(view.tenant_id, user.user_id).with_origin(origin));
            }
            // Expired, or the workspace is gone: back to the admin's own.
            let _ = user.session.remove::<SupportView>(keys::SUPPORT).await;
        }
    }
    let wanted: Option<TenantId> = get(&user.session, keys::TENANT_ID).await?;
    if let Some(tenant_id) = wanted {
        if let Some(ctx) = membership(&state.db, &user.user_id, Some(&tenant_id)).await? {
            return Ok(ctx.with_origin(origin));
        }
    }
    // No workspace chosen, or the user left it: fall back to their first.
    let first = membership(&state.db, &user.user_id, None)
        .await?
        .ok_or(ServerError::Forbidden)?;
    user.session
        .insert(keys::TENANT_ID, first.tenant_id())
        .await
        .map_err(ServerError::internal)?;
    Ok(first.with_origin(origin))
}

/// The user's membership of `tenant_id`, or of their oldest workspace when
/// None. This is where a member's `TenantContext` is made.
pub async fn membership(
    db: &Db,
    user_id: &UserId,
    tenant_id: Option<&TenantId>,
) -> ServerResult<Option<TenantContext>> {
    let row: Option<(TenantId, String, Option<i64>)> = sqlx::query_as(
        "select m.tenant_id, m.role, t.suspended_at from membership m join tenant t on t.id = m.tenant_id \
         where m.user_id = $1 and ($2 is null or m.tenant_id = $2) order by m.created_at, m.tenant_id limit 1",
    )
    .bind(user_id)
    .bind(tenant_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|(tenant_id, role, suspended_at)| {
        let role = Role::parse(&role).ok_or_else(|| ServerError::internal(format!("unknown role {role:?}")))?;
        Ok(TenantContext::of_member(tenant_id, user_id.clone(), role).suspended(suspended_at.is_some()))
    })
    .transpose()
}

/// Admin pages and functions: anyone who is not a platform admin (signed
/// out included) gets the same 404 as for something that does not exist.
impl FromRequestParts<AppState> for PlatformAdmin {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ServerResult<PlatformAdmin> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(user) if user.is_platform_admin => {
                let origin = Origin::from_request_parts(parts, state).await?;
                Ok(PlatformAdmin::of_user(user.user_id, origin))
            }
            Ok(_) | Err(ServerError::Unauthorized | ServerError::Suspended) => Err(ServerError::NotFound),
            Err(e) => Err(e),
        }
    }
}

/// A platform admin calling the REST API with an access token from
/// signing in. API keys are refused on admin routes, whoever made them: a
/// key's scopes speak for one workspace, never for the whole service.
/// Anyone else gets the 404 of the admin pages; an admin's key gets 403.
pub async fn platform_admin_of(state: &AppState, ctx: &TenantContext) -> ServerResult<PlatformAdmin> {
    let user_id = ctx.member().map_err(|_| ServerError::NotFound)?;
    let row: Option<(crate::server::db::Flag, Option<i64>)> =
        sqlx::query_as("select is_platform_admin, suspended_at from app_user where id = $1")
            .bind(user_id)
            .fetch_optional(&state.db.pool)
            .await?;
    match row {
        Some((crate::server::db::Flag(true), None)) if ctx.api_key_id().is_none() => {
            Ok(PlatformAdmin::of_user(user_id.clone(), ctx.origin().clone()))
        }
        Some((crate::server::db::Flag(true), None)) => Err(ServerError::Forbidden),
        _ => Err(ServerError::NotFound),
    }
}

/// The client's address, for throttling. X-Forwarded-For is believed only
/// when the operator says a proxy of theirs appends to it
/// (TRUST_X_FORWARDED_FOR), and then only its last entry.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ServerResult<ClientIp> {
        if state.config.trust_forwarded_for {
            // The last header line too: a proxy may add its own line rather
            // than append to the client's.
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                // The rightmost entry is the one our proxy appended; anything
                // left of it came from the client and can be forged.
                .and_then(|v| v.rsplit(',').next())
                .map(|v| v.trim().to_owned());
            if let Some(ip) = forwarded.filter(|ip| !ip.is_empty()) {
                return Ok(ClientIp(ip));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip().to_string());
        Ok(ClientIp(peer.unwrap_or_else(|| "unknown".into())))
    }
}

/// The client's address and the request's id, for the audit log.
impl FromRequestParts<AppState> for Origin {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ServerResult<Origin> {
        let ip = ClientIp::from_request_parts(parts, state).await?.0;
        let request_id = parts
            .extensions
            .get::<crate::server::telemetry::RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        Ok(Origin { ip, request_id })
    }
}
