//! The error every server function returns: plain words a person can act on.
//! Causes never travel in it; the server logs them (see `server::error`).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
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

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => AppError::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Validation("Some fields were missing or malformed.".into())
            }
            _ => AppError::Internal,
        }
    }
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
    fn missing_arguments_read_as_validation() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("email".into()));
        assert!(matches!(err, AppError::Validation(_)));
    }
}
