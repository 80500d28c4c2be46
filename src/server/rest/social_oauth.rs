//! The channels page's sign-ins: a plain form starts one (a POST, so no
//! other site can start a sign-in in someone's name), the platform sends
//! the person back to the callback, and a Facebook sign-in ends on the
//! picking page, whose form posts here too. Refusals go back with the
//! error in the address, as the other plain forms do.

use super::new_key::back_with;
use crate::app::types::Platform;
use crate::server::auth::TenantContext;
use crate::server::services::sign_ins::Callback;
use crate::server::services::social::oauth::{self, Finished};
use crate::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

pub const CONNECT: &str = "/app/channels/connect/{platform}";
pub const CALLBACK: &str = "/app/channels/callback/{platform}";
pub use crate::app::types::{PICKED_PATH as PICKED, PICK_PATH as PICK};
const BACK: &str = "/app/channels";

/// "meta" signs in to Facebook (Pages and their Instagram accounts).
fn platform_of(name: &str) -> Option<Platform> {
    match name {
        "meta" => Some(Platform::Facebook),
        "tiktok" => Some(Platform::Tiktok),
        _ => None,
    }
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

fn unknown() -> crate::app::error::AppError {
    crate::app::error::AppError::NotFound
}

pub(super) async fn connect(
    ctx: TenantContext,
    session: Session,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Response {
    let path = format!("/app/channels/connect/{name}");
    let Some(platform) = platform_of(&name) else {
        return back_with(&path, BACK, unknown());
    };
    match oauth::begin(&ctx, &state, &session, platform).await {
        Ok(url) => see_other(&url),
        Err(e) => back_with(&path, BACK, e.to_app_error()),
    }
}

pub(super) async fn callback(
    ctx: TenantContext,
    session: Session,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(answer): Query<Callback>,
) -> Response {
    let path = format!("/app/channels/callback/{name}");
    let Some(platform) = platform_of(&name) else {
        return back_with(&path, BACK, unknown());
    };
    match oauth::finish(&ctx, &state, &session, platform, answer).await {
        Ok(Finished::Connected(_)) => see_other("/app/channels?notice=connected"),
        Ok(Finished::Pick) => see_other(PICK),
        Err(e) => back_with(&path, BACK, e.to_app_error()),
    }
}

/// Every ticked box arrives as its own `account` field.
pub(super) async fn pick(
    ctx: TenantContext,
    session: Session,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Response {
    let keys: Vec<String> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "account")
        .map(|(_, v)| v.into_owned())
        .collect();
    match oauth::pick(&ctx, &state, &session, &keys).await {
        Ok(_) => see_other("/app/channels?notice=connected"),
        Err(e) => back_with(PICKED, PICK, e.to_app_error()),
    }
}
