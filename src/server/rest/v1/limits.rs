//! Request rates of the REST API (`auth::rate_limit`). A call with a valid
//! credential counts against that credential (an API key, or one person's
//! token in one workspace) at its workspace plan's rate, and against the
//! workspace as a whole at `WORKSPACE_FACTOR` times that, so making more
//! keys cannot multiply the plan's rate without end. Any other call counts
//! against its client address, which is what guards sign-in and
//! credential guessing. Every answer says where the caller stands in
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (the IETF
//! httpapi draft's fields); a refusal is 429 with `Retry-After`.
//!
//! The liveness probe and the API's own reference are not counted. When
//! the database cannot count, calls go through uncounted: a limiter that
//! fails closed would turn a database hiccup into a full outage.

use super::extract::{bearer, resolve, Resolved};
use super::ApiError;
use crate::server::auth::rate_limit::{self, Verdict};
use crate::server::auth::{throttle, Origin};
use crate::server::db::now_ms;
use crate::server::error::ServerError;
use crate::server::services::quota;
use crate::server::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A workspace's keys and tokens together get at most this many times the
/// rate of one.
pub const WORKSPACE_FACTOR: i64 = 3;

/// Paths under /api/v1 that are not counted.
const UNCOUNTED: [&str; 3] = ["/healthz", "/openapi.json", "/docs"];

pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The whole path: `/sites/docs` is a site id, and counted.
    let path = request.uri().path();
    if UNCOUNTED.contains(&path.strip_prefix(super::BASE).unwrap_or(path)) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let verdict = match judge(&state, &mut parts).await {
        Ok(verdict) => verdict,
        Err(Refusal::Over(verdict, message)) => {
            return refused(verdict, state.config.api_rate.window_seconds, &message)
        }
        Err(Refusal::Uncounted(e)) => {
            tracing::warn!(error = %e, "the API rate limiter could not count; the call goes through");
            None
        }
    };
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(verdict) = verdict {
        stamp(&mut response, verdict, state.config.api_rate.window_seconds);
    }
    response
}

enum Refusal {
    Over(Verdict, String),
    Uncounted(ServerError),
}

impl From<ServerError> for Refusal {
    fn from(e: ServerError) -> Refusal {
        Refusal::Uncounted(e)
    }
}

/// Counts the call and judges it; the verdict to show on the answer.
async fn judge(state: &AppState, parts: &mut axum::http::request::Parts) -> Result<Option<Verdict>, Refusal> {
    let rate = state.config.api_rate;
    let origin = Origin::from_request_parts(parts, state).await?;
    let at = now_ms();
    let resolved = match bearer(parts) {
        // A credential that does not resolve is the route's to refuse; the
        // attempt counts against the address.
        Some(credential) => resolve(state, &credential, origin.clone()).await.ok(),
        None => None,
    };
    let Some(ctx) = resolved else {
        let bucket = format!("api-address:{}", throttle::client_key(&origin.ip));
        let verdict = take(state, &bucket, rate.per_address, at).await?;
        if !verdict.allowed {
            return Err(Refusal::Over(
                verdict,
                "Too many requests came from your address.".into(),
            ));
        }
        return Ok(Some(verdict));
    };
    let plan = quota::in_force(&ctx, state).await?.plan;
    let own = match (ctx.api_key_id(), ctx.user_id()) {
        (Some(key), _) => format!("api-key:{key}"),
        (None, Some(user)) => format!("api-user:{user}:{}", ctx.tenant_id()),
        (None, None) => format!("api-workspace-system:{}", ctx.tenant_id()),
    };
    let per_credential = rate.for_plan(plan);
    let mine = take(state, &own, per_credential, at).await?;
    if !mine.allowed {
        let message = format!(
            "This credential made more requests than the {} plan allows.",
            plan.name()
        );
        return Err(Refusal::Over(mine, message));
    }
    // Counted only for calls their own credential allows, so one runaway
    // key cannot use up the workspace's share with refused calls.
    let workspace = format!("api-workspace:{}", ctx.tenant_id());
    let ours = take(state, &workspace, per_credential * WORKSPACE_FACTOR, at).await?;
    if !ours.allowed {
        let message = format!(
            "This workspace's keys made more requests together than the {} plan allows.",
            plan.name()
        );
        return Err(Refusal::Over(ours, message));
    }
    parts.extensions.insert(Resolved(ctx));
    // The tighter of the two is what the caller can count on.
    Ok(Some(if ours.remaining < mine.remaining { ours } else { mine }))
}

async fn take(state: &AppState, bucket: &str, limit: i64, at: i64) -> Result<Verdict, Refusal> {
    Ok(rate_limit::take(&state.db, bucket, limit, state.config.api_rate.window_seconds, at).await?)
}

fn refused(verdict: Verdict, window: i64, what: &str) -> Response {
    let message = format!("{what} Try again in {} s.", verdict.reset);
    let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response();
    stamp(&mut response, verdict, window);
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(verdict.reset));
    response
}

fn stamp(response: &mut Response, verdict: Verdict, window: i64) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", verdict.limit.to_string()),
        ("ratelimit-remaining", verdict.remaining.to_string()),
        ("ratelimit-reset", verdict.reset.to_string()),
        ("ratelimit-policy", format!("{};w={window}", verdict.limit)),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}
