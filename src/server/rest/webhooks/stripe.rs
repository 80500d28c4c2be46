//! Stripe's deliveries, verified and applied by the billing service.

use crate::server::services::billing::webhook::{self, Outcome, WebhookError};
use crate::server::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::json;

/// Stripe's deliveries: 400 for anything not signed by Stripe (nothing is
/// changed), 2xx for every verified event, handled or not, so Stripe stops
/// resending it; 503 on a passing failure (Stripe or the database could not
/// be reached), so Stripe delivers it again later.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<serde_json::Value>) {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    match webhook::receive(&state, signature, &body).await {
        Ok(outcome) => {
            tracing::info!(?outcome, "Stripe event received");
            let handled = outcome == Outcome::Applied;
            (StatusCode::OK, Json(json!({ "received": true, "applied": handled })))
        }
        Err(e @ (WebhookError::NotConfigured | WebhookError::Signature(_) | WebhookError::Malformed)) => {
            tracing::warn!(error = %e, "Stripe webhook refused");
            (StatusCode::BAD_REQUEST, Json(json!({ "error": e.to_string() })))
        }
        Err(e) => {
            tracing::error!(error = %e, "Stripe webhook failed; Stripe will retry");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": "temporarily unavailable" })),
            )
        }
    }
}
