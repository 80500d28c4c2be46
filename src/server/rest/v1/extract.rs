//! Who is calling the REST API: the bearer credential becomes the
//! `TenantContext` every service takes. Session cookies are not accepted
//! here, so a browser's cookies can never ride on a cross-site call.

use super::ApiError;
use crate::server::auth::{api_key, Origin, TenantContext};
use crate::server::error::ServerError;
use crate::server::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The credential of `Authorization: Bearer …` (the scheme in any case).
fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The scope of an API call.
pub struct Caller(pub TenantContext);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = bearer(parts).ok_or(ServerError::Unauthorized)?;
        let origin = Origin::from_request_parts(parts, state).await?;
        Ok(Caller(api_key::context_for_key(state, &token, origin).await?))
    }
}
