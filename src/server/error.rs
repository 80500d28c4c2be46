//! The server's error: a status per variant, causes logged, and only plain
//! words handed to clients (as `AppError`).

use crate::app::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A request that could not be read or names values out of any range.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid input: {0}")]
    Validation(String),
    #[error("not signed in")]
    Unauthorized,
    /// The user was suspended: their session has ended.
    #[error("account suspended")]
    Suspended,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("throttled: {0}")]
    Throttled(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServerResult<T> = Result<T, ServerError>;

impl ServerError {
    pub fn internal(cause: impl std::fmt::Display) -> ServerError {
        ServerError::Internal(cause.to_string())
    }

    /// The caller's mistake or lack of right, not a fault of the service.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, ServerError::Database(_) | ServerError::Internal(_))
    }

    /// What the client may see. Internal causes are logged here, once, at
    /// ERROR; what the client did wrong (a wrong password, a missing page)
    /// is logged below it, so an alert on ERROR means something broke.
    pub fn to_app_error(&self) -> AppError {
        if self.is_client_error() {
            tracing::info!(error = %self, "request refused");
        }
        match self {
            ServerError::BadRequest(m) => AppError::BadRequest(m.clone()),
            ServerError::Validation(m) => AppError::Validation(m.clone()),
            ServerError::Unauthorized | ServerError::Suspended => AppError::Unauthorized,
            ServerError::Forbidden => AppError::Forbidden,
            ServerError::NotFound => AppError::NotFound,
            ServerError::Conflict(m) => AppError::Conflict(m.clone()),
            ServerError::Throttled(m) => AppError::TooManyRequests(m.clone()),
            ServerError::Database(e) => {
                tracing::error!(error = %e, source = ?std::error::Error::source(e), "database error");
                AppError::Internal
            }
            ServerError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                AppError::Internal
            }
        }
    }
}

/// Used by every server function through `?`: logs, sets the HTTP status of
/// the server-function response, and returns the client-safe error.
impl From<ServerError> for AppError {
    fn from(err: ServerError) -> AppError {
        let app = err.to_app_error();
        crate::app::error::set_error_status(&app);
        app
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let app = self.to_app_error();
        let status = StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(serde_json::json!({ "error": app.to_string() }))).into_response()
    }
}
