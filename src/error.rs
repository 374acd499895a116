//! The one application error type, and how it becomes the contract's JSON error body.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::validation::FieldErrors;

/// Every failure a request can end in. Each variant maps to one status and one `code`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// Not logged in, or wrong credentials.
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict {
        message: String,
        fields: FieldErrors,
    },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    Validation {
        message: String,
        fields: FieldErrors,
    },
    #[error("too many requests")]
    TooManyRequests { retry_after: Duration },
    /// The database cannot be reached right now; the client may retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A database failure: a 503 when the database cannot be reached, else a 500.
    /// Kept as `sqlx::Error` so that the writer can tell a retryable conflict.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything unexpected. The detail goes to the log, never to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The contract's error body.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a BTreeMap<String, String>>,
}

impl AppError {
    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} not found"))
    }

    /// A 422 with a single field error.
    pub fn invalid_field(field: &str, problem: impl Into<String>) -> Self {
        FieldErrors::single(field, problem).into_error()
    }

    /// A 409 naming the clashing field.
    pub fn conflict_on(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Conflict {
            fields: FieldErrors::single(field, message.clone()),
            message,
        }
    }

    /// A 409 about a state, not a field.
    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
            fields: FieldErrors::default(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(e) if crate::db::is_connection_error(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable `code` of the error body.
    pub fn code(&self) -> &'static str {
        code_for_status(self.status())
    }

    fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal server error".to_owned(),
            AppError::Database(_) | AppError::Unavailable(_)
                if self.status() == StatusCode::SERVICE_UNAVAILABLE =>
            {
                "the database is unavailable, retry shortly".to_owned()
            }
            AppError::Database(_) => "internal server error".to_owned(),
            other => other.to_string(),
        }
    }
}

/// The contract's `code` for a status; shared with the middleware that turns
/// bodiless framework errors (405, 413, …) into the JSON body.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "too_many_requests",
        503 => "unavailable",
        408 => "request_timeout",
        s if s < 500 => "bad_request",
        _ => "internal",
    }
}

/// A JSON error response for a bare status (used where no `AppError` exists).
pub fn status_error_response(status: StatusCode, message: &str) -> Response {
    let body = ErrorBody {
        error: message,
        code: code_for_status(status),
        fields: None,
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Database(e) => tracing::error!(error = %e, "database error"),
            AppError::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            _ => {}
        }
        let status = self.status();
        let fields = match &self {
            AppError::Conflict { fields, .. } | AppError::Validation { fields, .. }
                if !fields.is_empty() =>
            {
                Some(fields.as_map())
            }
            _ => None,
        };
        let message = self.public_message();
        let body = ErrorBody {
            error: &message,
            code: self.code(),
            fields,
        };
        let mut response = (status, axum::Json(body)).into_response();
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after } => Some(retry_after.as_secs().max(1)),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(1),
            _ => None,
        };
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot carry another request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
