//! Every failure the fake answers, in OpsRamp's shapes: OAuth's `{"error",
//! "error_description"}` from the token and resource servers, and
//! `{"code", "message"}` for the API's own refusals.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What `X-RateLimit-Limit` says: the per-minute limit of a GET.
pub const LIMIT_PER_MINUTE: u32 = 500;

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpsRampError {
    /// No bearer token, or one the fake did not issue or that expired: 401.
    #[error("invalid token")]
    InvalidToken,
    /// A tenant the key may not reach: 403.
    #[error("access denied")]
    AccessDenied,
    /// A record or path that does not exist: 404.
    #[error("{0}")]
    NotFound(String),
    /// A request OpsRamp refuses: 400 with a code.
    #[error("{code}: {message}")]
    Invalid {
        /// OpsRamp's kind of failure.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// Throttled until the epoch second `reset`: 429.
    #[error("throttled until {reset}")]
    Throttled {
        /// When the limit lifts, in epoch seconds.
        reset: i64,
    },
}

impl OpsRampError {
    /// A 400 with `code` and `message`.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { code, message: message.into() }
    }
}

impl IntoResponse for OpsRampError {
    fn into_response(self) -> Response {
        match self {
            Self::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "invalid_token", "error_description": "Invalid access token"})),
            )
                .into_response(),
            Self::AccessDenied => (
                StatusCode::FORBIDDEN,
                Json(json!({"error": "access_denied", "error_description": "Access is denied"})),
            )
                .into_response(),
            Self::NotFound(message) => {
                (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND", "message": message}))).into_response()
            }
            Self::Invalid { code, message } => {
                (StatusCode::BAD_REQUEST, Json(json!({"code": code, "message": message}))).into_response()
            }
            Self::Throttled { reset } => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"error": "throttled", "error_description": "Too Many Requests"})),
                )
                    .into_response();
                let headers = response.headers_mut();
                headers.insert("x-ratelimit-limit", HeaderValue::from(LIMIT_PER_MINUTE));
                headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
                headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
                response
            }
        }
    }
}
