//! What a REST call brings: its credential (`Caller`, `Admin`), its JSON
//! body (`Body`) and its query (`Params`), each refused in the API's one
//! error shape. Session cookies are not accepted here, so a browser's
//! cookies can never ride on a cross-site call.

use super::ApiError;
use crate::server::auth::{api_key, jwt, platform_admin_of, Origin, PlatformAdmin, TenantContext};
use crate::server::error::ServerError;
use crate::server::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::Json;
use serde::de::DeserializeOwned;

/// The credential of `Authorization: Bearer …` (the scheme in any case).
pub(super) fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The scope of a credential: an API key (`ap_live_…`) or an access token
/// from `POST /auth/login`.
pub(super) async fn resolve(state: &AppState, credential: &str, origin: Origin) -> Result<TenantContext, ServerError> {
    if jwt::looks_like_jwt(credential) {
        jwt::context_for_token(state, credential, origin).await
    } else {
        api_key::context_for_key(state, credential, origin).await
    }
}

/// A credential the rate limiter has resolved already, so the route does
/// not read it twice. Only `limits` inserts it.
#[derive(Clone)]
pub(super) struct Resolved(pub TenantContext);

/// The scope of an API call.
pub struct Caller(pub TenantContext);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        if let Some(Resolved(ctx)) = parts.extensions.get::<Resolved>() {
            return Ok(Caller(ctx.clone()));
        }
        let token = bearer(parts).ok_or(ServerError::Unauthorized)?;
        let origin = Origin::from_request_parts(parts, state).await?;
        Ok(Caller(resolve(state, &token, origin).await?))
    }
}

/// A platform admin's call: their credential, and the admin flag on them.
pub struct Admin(pub PlatformAdmin);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        let Caller(ctx) = Caller::from_request_parts(parts, state).await?;
        Ok(Admin(platform_admin_of(state, &ctx).await?))
    }
}

/// A JSON body of `T`; unknown fields are refused where `T` says
/// `deny_unknown_fields`, as every request type of the API does.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Body<T>, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(ApiError::bad_body(rejection)),
        }
    }
}

/// The query string as `T`.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params<T>, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(ApiError::bad_query(rejection)),
        }
    }
}
