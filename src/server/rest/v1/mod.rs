//! The versioned REST API under `/api/v1`: JSON in and out, one error
//! shape with a stable machine code (`error::ApiError`), and the scope of
//! every call from its credential (`Caller`). Handlers are thin adapters
//! over the same services the pages call.

mod error;
mod extract;
mod sites;

pub use error::ApiError;
pub use extract::Caller;

use crate::server::state::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    let v1 = Router::new()
        .route("/healthz", get(healthz))
        .route("/sites", get(sites::list))
        .route("/sites/{id}", get(sites::detail))
        .route("/sites/{id}/start", post(sites::start))
        .route("/sites/{id}/stop", post(sites::stop))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method);
    Router::new().nest("/api/v1", v1)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn unknown_route() -> ApiError {
    ApiError::not_found_route()
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not take that method.",
    )
}

/// One page of a list: its items and, when there are more, the cursor
/// that fetches the next page (`?cursor=`).
#[derive(Debug, serde::Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}
