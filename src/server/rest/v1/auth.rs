//! `/api/v1/auth`: a password for an access token and a refresh token
//! (`services::tokens`), the refresh that rotates it, and revocation.

use super::{ApiError, Body, ErrorBody, NoStore, NO_STORE};
use crate::app::types::TenantId;
use crate::server::auth::Origin;
use crate::server::domain::{Email, Password, PersonName, WorkspaceName};
use crate::server::error::ServerError;
use crate::server::services::accounts::NewAccount;
use crate::server::services::tokens::{self as service, Issued};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

type Tokens = (NoStore, Json<Issued>);

fn tokens(issued: Issued) -> Tokens {
    (NO_STORE, Json(issued))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    name: String,
    email: String,
    password: String,
    workspace: String,
}

/// Creates an account with its first workspace, and signs in to it.
#[utoipa::path(post, path = "/auth/register", operation_id = "register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Signed up and in", body = Issued),
        (status = 409, description = "The address has an account", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    origin: Origin,
    Body(r): Body<RegisterRequest>,
) -> Result<(StatusCode, Tokens), ApiError> {
    let input = NewAccount {
        name: PersonName::parse(&r.name)?,
        email: Email::parse(&r.email)?,
        password: Password::parse(r.password)?,
        workspace: WorkspaceName::parse(&r.workspace)?,
    };
    Ok((
        StatusCode::CREATED,
        tokens(service::register(&state, &origin, input).await?),
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
    /// The workspace to act in; the user's first when left out.
    #[serde(default)]
    workspace_id: Option<String>,
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/auth/login", operation_id = "login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = Issued),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 404, description = "Not a member of that workspace", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    origin: Origin,
    Body(r): Body<LoginRequest>,
) -> Result<Tokens, ApiError> {
    let workspace = r.workspace_id.map(TenantId::new);
    match service::login(&state, &origin, &r.email, &r.password, workspace.as_ref()).await {
        Ok(issued) => Ok(tokens(issued)),
        // Wrong credentials (or a suspended account) are the caller's to fix.
        Err(ServerError::Validation(message)) => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Spends a refresh token for a new pair; a spent one ends the sign-in.
#[utoipa::path(post, path = "/auth/refresh", operation_id = "refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = Issued),
        (status = 401, description = "Unknown, expired, revoked or spent", body = ErrorBody),
    ))]
pub async fn refresh(State(state): State<AppState>, Body(r): Body<RefreshRequest>) -> Result<Tokens, ApiError> {
    match service::refresh(&state, &r.refresh_token).await {
        Ok(issued) => Ok(tokens(issued)),
        Err(ServerError::Unauthorized) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_refresh_token",
            "This refresh token is unknown, expired, revoked or already used. Sign in again.",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Ends the sign-in a refresh token belongs to.
#[utoipa::path(post, path = "/auth/revoke", operation_id = "revoke", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Revoked (also for unknown tokens)")))]
pub async fn revoke(State(state): State<AppState>, Body(r): Body<RefreshRequest>) -> Result<StatusCode, ApiError> {
    service::revoke(&state, &r.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}
