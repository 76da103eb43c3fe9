//! Errors as users and API clients see them.
//!
//! Handlers return `AppError`. It carries a status and a stable message key; the
//! `render_errors` middleware (core::web) turns it — and any other error response such as a
//! 405 from the router, a 413 from the body limit or a 500 from a panic — into a translated
//! HTML page or a JSON body `{ "error": key, "message": text }` for `/api/…`. Internal details
//! are logged once, never shown. Capabilities map their own error enums into `AppError`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Attached to an error response so the renderer knows which message to show.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub key: &'static str,
    /// Query parameter or field the message is about, for API clients.
    pub field: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {key}")]
    BadRequest {
        key: &'static str,
        field: Option<&'static str>,
    },
    #[error("sign-in required")]
    Unauthorized,
    #[error("forbidden: {key}")]
    Forbidden { key: &'static str },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(key: &'static str, field: &'static str) -> AppError {
        AppError::BadRequest {
            key,
            field: Some(field),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> AppError {
        AppError::Internal(error.to_string())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::database(&error)
    }
}

impl AppError {
    /// The answer to a database failure, for every capability's error type: a database
    /// that cannot be reached (pool exhausted or closed, connection lost) is unavailable
    /// for a moment (503 with `Retry-After`), anything else is an internal error.
    pub fn database(error: &sqlx::Error) -> AppError {
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                AppError::Unavailable(error.to_string())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, info) = match &self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorInfo {
                    key: "error-not-found",
                    field: None,
                },
            ),
            AppError::BadRequest { key, field } => {
                (StatusCode::BAD_REQUEST, ErrorInfo { key, field: *field })
            }
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                ErrorInfo {
                    key: "error-unauthorized",
                    field: None,
                },
            ),
            AppError::Forbidden { key } => (StatusCode::FORBIDDEN, ErrorInfo { key, field: None }),
            AppError::Unavailable(detail) => {
                tracing::error!(detail, "service unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorInfo {
                        key: "error-unavailable",
                        field: None,
                    },
                )
            }
            AppError::Internal(detail) => {
                tracing::error!(detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorInfo {
                        key: "error-internal",
                        field: None,
                    },
                )
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(info);
        if status == StatusCode::SERVICE_UNAVAILABLE
            && let Ok(value) = "5".parse()
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}

/// The message key for an error status that carries no `ErrorInfo`.
pub fn key_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error-bad-request",
        401 => "error-unauthorized",
        403 => "error-forbidden",
        404 => "error-not-found",
        405 => "error-method-not-allowed",
        408 => "error-timeout",
        413 => "error-too-large",
        414 | 431 => "error-too-large",
        415 => "error-bad-request",
        422 => "error-bad-request",
        429 => "error-too-many-requests",
        503 => "error-unavailable",
        s if s >= 500 => "error-internal",
        _ => "error-bad-request",
    }
}
