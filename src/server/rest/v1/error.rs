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

    /// Input the route cannot use, said in words.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
    }

    /// A body that is not JSON, not of the route's shape, or has unknown fields.
    pub fn bad_body(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
        let status = rejection.status();
        let code = match status {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            _ => "bad_request",
        };
        ApiError::new(status, code, rejection.body_text())
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

/// Every refusal's body, as the OpenAPI document describes it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable: programs branch on it (`not_found`, `invalid_input`, …).
    pub code: String,
    /// Plain words for a person.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
