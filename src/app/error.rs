//! The error every server function returns: plain words a person can act on.
//! Causes never travel in it; the server logs them (see `server::error`).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// A request that could not be read (malformed, or a value out of any
    /// sensible range): the page sent something it should not have.
    #[error("{0}")]
    BadRequest(String),
    /// Input that cannot be accepted; the message says what to change.
    #[error("{0}")]
    Validation(String),
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("We could not find that.")]
    NotFound,
    /// The request clashes with what exists (an email already registered).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("Could not reach Autopilot. Check your connection and try again.")]
    Network,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

impl AppError {
    /// The HTTP status the server answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Validation(_) => 422,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Network => 503,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Errors of the server-function machinery itself. On the server these
    /// are requests whose arguments could not be read: a 400 with plain
    /// words (the parser's own message goes to the log). In the browser
    /// they are network trouble or an unreadable answer.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Request(_) => AppError::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => malformed(),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => malformed(),
            _ => AppError::Internal,
        };
        #[cfg(feature = "ssr")]
        {
            if error != AppError::Internal {
                tracing::info!(cause = %value, "server function request refused");
            }
            // The function never ran, so nothing else sets the status.
            set_error_status(&error);
        }
        error
    }
}

/// Sets the HTTP status of a server function's error answer, except for a
/// form the browser posted itself (no wasm): that one is sent back to its
/// page with the error in the address, and a 4xx status would stop the
/// browser from following.
#[cfg(feature = "ssr")]
pub fn set_error_status(error: &AppError) {
    use leptos::prelude::use_context;
    let posted_by_browser = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.headers.get(axum::http::header::ACCEPT).cloned())
        .and_then(|v| v.to_str().ok().map(|v| v.contains("text/html")))
        .unwrap_or(false);
    if posted_by_browser {
        return;
    }
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        let status = axum::http::StatusCode::from_u16(error.status());
        res.set_status(status.unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR));
    }
}

fn malformed() -> AppError {
    AppError::BadRequest("The request was malformed. Reload the page and try again.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_failures_read_as_network_errors() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Request("refused".into()));
        assert_eq!(err, AppError::Network);
        assert_eq!(err.status(), 503);
    }

    #[test]
    fn unreadable_arguments_read_as_bad_requests() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("email".into()));
        assert!(matches!(err, AppError::BadRequest(_)));
        assert_eq!(err.status(), 400);
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("page: number too large".into()));
        assert!(
            !err.to_string().contains("number too large"),
            "the parser's words stay in the log"
        );
    }
}
