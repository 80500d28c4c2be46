//! The Stores page's Salla connections: a plain form starts Salla's
//! sign-in (custom mode) or an install from Salla's app store (easy mode),
//! and Salla's sign-in sends the merchant back to the callback. Refusals go
//! back to the Stores page with the error in the address, as the other
//! plain forms do.

use super::new_key::back_with;
use crate::server::auth::TenantContext;
use crate::server::services::sign_ins;
use crate::server::services::stores::{install, salla};
use crate::server::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

pub const CONNECT: &str = "/app/stores/connect/salla";
pub const CALLBACK: &str = "/app/stores/callback/salla";
pub const INSTALL: &str = "/app/stores/install/salla";
const BACK: &str = "/app/stores";

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

pub(super) async fn connect(ctx: TenantContext, session: Session, State(state): State<AppState>) -> Response {
    match salla::begin(&ctx, &state, &session).await {
        Ok(url) => see_other(&url),
        Err(e) => back_with(CONNECT, BACK, e.to_app_error()),
    }
}

pub(super) async fn callback(
    ctx: TenantContext,
    session: Session,
    State(state): State<AppState>,
    Query(answer): Query<sign_ins::Callback>,
) -> Response {
    match salla::finish(&ctx, &state, &session, answer).await {
        Ok(_) => see_other("/app/stores?notice=connected"),
        Err(e) => back_with(CALLBACK, BACK, e.to_app_error()),
    }
}

pub(super) async fn start_install(ctx: TenantContext, State(state): State<AppState>) -> Response {
    match install::start(&ctx, &state).await {
        Ok(_) => see_other(BACK),
        Err(e) => back_with(INSTALL, BACK, e.to_app_error()),
    }
}
