//! Server errors and their HTTP answers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dauria_proto::ErrorBody;

/// What a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("this device's access was revoked; ask the survey lead for a new enrollment code")]
    Revoked,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UpgradeRequired(String),
    #[error("{0}")]
    NotFound(String),
    /// Enrollment would take over a device that is enrolled already.
    #[error("{0}")]
    DeviceExists(String),
    /// Too many failed attempts from one address; try again later.
    #[error("{0}")]
    TooManyRequests(String),
    /// The device's photos on the server would pass its quota.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The request took longer than the server allows.
    #[error("{0}")]
    Timeout(String),
    /// The database was written by a newer server; it was left as it was.
    #[error("this database was written by a newer version of dauria-server (server schema {found}; this version knows up to {known}); nothing in it was changed: run the newer server, or this one on a backup this version made")]
    NewerDatabase { found: i64, known: i64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServerError {
    fn status_code(&self) -> (StatusCode, &'static str) {
        match self {
            ServerError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ServerError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServerError::Revoked => (StatusCode::FORBIDDEN, "revoked"),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ServerError::UpgradeRequired(_) => (StatusCode::UPGRADE_REQUIRED, "upgrade_required"),
            ServerError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServerError::DeviceExists(_) => (StatusCode::CONFLICT, "device_exists"),
            ServerError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ServerError::QuotaExceeded(_) => (StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded"),
            ServerError::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            ServerError::Internal(_) | ServerError::NewerDatabase { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        ServerError::Internal(format!("sqlite: {e}"))
    }
}

impl From<postgres::Error> for ServerError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => {
                ServerError::Internal(format!("postgres: {}: {}", db.code().code(), db.message()))
            }
            None => ServerError::Internal(format!("postgres: {e}")),
        }
    }
}

impl From<r2d2::Error> for ServerError {
    fn from(e: r2d2::Error) -> Self {
        ServerError::Internal(format!("connection pool: {e}"))
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (
            status,
            Json(ErrorBody {
                code: code.to_string(),
                message: self.to_string(),
            }),
        )
            .into_response()
    }
}
