//! `/metrics` in Prometheus' text format. On the app's own address it
//! answers only with `Authorization: Bearer $METRICS_TOKEN` (404 otherwise,
//! as if it did not exist); with METRICS_ADDR it is served there instead
//! (an address only the scraper reaches), and not on the app's address.
//! Queue depth and the database pool are read at scrape time. sqlx's pool
//! does not count the tasks waiting for a connection, so "waiting" shows
//! as `db_pool_connections{state="in_use"}` reaching `db_pool_max_connections`.

use crate::server::services::admin::health::queue_depth;
use crate::server::state::AppState;
use crate::server::telemetry;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// On the app's address.
pub(super) async fn on_app(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let config = &state.config.metrics;
    let allowed = config.addr.is_none() && config.token.as_deref().is_some_and(|t| bearer_matches(&headers, t));
    if !allowed {
        return StatusCode::NOT_FOUND.into_response();
    }
    render(&state).await
}

/// On METRICS_ADDR: the token is asked for there too when one is set.
pub async fn on_own_address(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics.token {
        if !bearer_matches(&headers, token) {
            return StatusCode::NOT_FOUND.into_response();
        }
    }
    render(&state).await
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    use subtle_compare::equal;
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| equal(given.as_bytes(), token.as_bytes()))
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
mod subtle_compare {
    pub fn equal(a: &[u8], b: &[u8]) -> bool {
        use sha2::{Digest, Sha256};
        // Comparing digests makes the time independent of where they differ
        // and of the lengths.
        let (x, y) = (Sha256::digest(a), Sha256::digest(b));
        x.iter().zip(y.iter()).fold(0u8, |acc, (p, q)| acc | (p ^ q)) == 0
    }
}

async fn render(state: &AppState) -> Response {
    let handle = telemetry::metrics();
    match queue_depth(state).await {
        Ok(depth) => {
            for count in depth {
                metrics::gauge!("job_queue_depth", "state" => count.state).set(count.jobs as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read the queue depth for /metrics"),
    }
    let pool = &state.db.pool;
    let (size, idle) = (pool.size() as f64, pool.num_idle() as f64);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("db_pool_max_connections").set(pool.options().get_max_connections() as f64);
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], handle.render()).into_response()
}
