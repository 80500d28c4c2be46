//! Admin endpoints outside the pages: health as JSON for monitors and
//! scripts (`GET /admin/health`), answering 404 to anyone but a platform
//! admin.

use crate::app::types::SystemHealth;
use crate::server::auth::PlatformAdmin;
use crate::server::error::ServerResult;
use crate::server::services::admin;
use crate::server::state::AppState;
use axum::extract::State;
use axum::Json;

pub(super) async fn health(admin: PlatformAdmin, State(state): State<AppState>) -> ServerResult<Json<SystemHealth>> {
    Ok(Json(admin::health::report(&admin, &state).await?))
}
