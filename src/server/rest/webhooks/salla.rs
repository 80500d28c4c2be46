//! Salla's deliveries (app and product events), verified and applied by
//! the stores module.

use crate::server::services::stores::install::{self, WebhookError};
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::json;

/// 401 for anything not signed with the app's webhook secret (nothing is
/// changed), 400 for a signed body that is not an event, 200 for every
/// event read, handled or not, and 503 on a passing failure, so Salla
/// delivers it again.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<serde_json::Value>) {
    let signature = headers.get("x-salla-signature").and_then(|v| v.to_str().ok());
    match install::receive(&state, signature, &body).await {
        Ok(outcome) => (
            StatusCode::OK,
            Json(json!({ "received": true, "outcome": format!("{outcome:?}").to_lowercase() })),
        ),
        Err(e @ (WebhookError::NotConfigured | WebhookError::Signature)) => {
            tracing::warn!(error = %e, "Salla webhook refused");
            (StatusCode::UNAUTHORIZED, Json(json!({ "error": "unauthorized" })))
        }
        Err(e @ WebhookError::Malformed) => {
            tracing::warn!(error = %e, "Salla webhook unreadable");
            (StatusCode::BAD_REQUEST, Json(json!({ "error": e.to_string() })))
        }
        Err(WebhookError::Server(e)) => {
            tracing::error!(error = %e, "Salla webhook failed; Salla will retry");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": "temporarily unavailable" })),
            )
        }
    }
}
