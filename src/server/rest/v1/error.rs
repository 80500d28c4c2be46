//! The one error shape of the REST API:
//! `{"error": {"code": "not_found", "message": "…"}}`. Codes are stable
//! (programs branch on them); messages are plain words for people.

use crate::app::error::AppError;
use crate::server::error::ServerError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// A query string with unknown or malformed parameters.
    pub fn bad_query(rejection: axum::extract::rejection::QueryRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", rejection.body_text())
    }

    pub fn not_found_route() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "There is no such API route.")
    }
}

/// The machine code of each kind of refusal.
fn code(error: &AppError) -> &'static str {
    match error {
        AppError::BadRequest(_) => "bad_request",
        AppError::Validation(_) => "invalid_input",
        AppError::Unauthorized => "unauthorized",
        AppError::Forbidden => "forbidden",
        AppError::NotFound => "not_found",
        AppError::Conflict(_) => "conflict",
        AppError::TooManyRequests(_) => "rate_limited",
        AppError::Network => "unavailable",
        AppError::Internal => "internal",
    }
}

impl From<ServerError> for ApiError {
    fn from(error: ServerError) -> ApiError {
        let app = error.to_app_error();
        let message = match &app {
            AppError::Unauthorized => "Send a valid API key or token as \"Authorization: Bearer …\".".to_string(),
            AppError::Forbidden => "This credential's role or scopes do not allow that.".to_string(),
            AppError::NotFound => "Nothing with that id exists in this workspace.".to_string(),
            other => other.to_string(),
        };
        ApiError {
            status: StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code(&app),
            message,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
