//! Plain HTTP endpoints beside the pages: health probes and the webhooks
//! other services call, and the versioned REST API (`v1`). Handlers are
//! thin adapters over services, like server functions.

mod admin;
mod exports;
mod health;
pub mod metrics;
mod new_key;
mod social_oauth;
mod store_oauth;
pub mod v1;
mod webhook_forms;

/// The plain forms whose refused fields come back (`server::drafts`).
pub use new_key::PATH as NEW_KEY;
/// Where the channels page's sign-in forms post.
pub use social_oauth::PICKED as PICKED_CHANNELS;
pub use webhook_forms::NEW as NEW_WEBHOOK;
mod webhooks;

use crate::server::services::social::media;
use crate::server::state::AppState;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/webhooks/stripe", post(webhooks::stripe::receive))
        .route("/webhooks/salla", post(webhooks::salla::receive))
        .route("/admin/health", get(admin::health))
        .route("/metrics", get(metrics::on_app))
        .route("/app/audit/export.csv", get(exports::audit_csv))
        .route("/app/stores/decisions.csv", get(exports::decisions_csv))
        .route(new_key::PATH, post(new_key::create))
        .route(webhook_forms::NEW, post(webhook_forms::create))
        .route(webhook_forms::ROLL, post(webhook_forms::roll))
        .route(social_oauth::CONNECT, post(social_oauth::connect))
        .route(social_oauth::CALLBACK, get(social_oauth::callback))
        .route(social_oauth::PICKED, post(social_oauth::pick))
        .route(store_oauth::CONNECT, post(store_oauth::connect))
        .route(store_oauth::CALLBACK, get(store_oauth::callback))
        .route(store_oauth::INSTALL, post(store_oauth::start_install))
        .route(media::PUBLIC_PATH, get(public_media))
        .route(crate::app::types::UPLOAD_MEDIA_PATH, post(composer_upload))
        .merge(v1::routes(state))
}

/// The composer's upload: the session's workspace, the REST API's rules
/// and answer (`POST /api/v1/media`).
async fn composer_upload(
    ctx: Result<crate::server::auth::TenantContext, crate::server::error::ServerError>,
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    use axum::response::IntoResponse;
    // Refusals in the API's shape too, which the composer reads.
    let ctx = match ctx {
        Ok(ctx) => ctx,
        Err(e) => return v1::ApiError::from(e).into_response(),
    };
    let name = q.get("name").map(String::as_str).unwrap_or_default();
    v1::media::receive(&ctx, &state, name, &headers, body)
        .await
        .into_response()
}

/// A post's photo or video at its public address (the platforms fetch it).
async fn public_media(
    State(state): State<AppState>,
    Path((tenant_id, token)): Path<(String, String)>,
    request: Request,
) -> Response {
    media::serve(&state, &tenant_id, &token, request).await
}
