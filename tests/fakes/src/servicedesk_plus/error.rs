//! ServiceDesk Plus's failure answers. Every one is the v3 envelope
//! `{"response_status":{"status_code":4000,"status":"failed","messages":[{"status_code":<code>,"type":"failed","message":…}]}}`
//! (the outer 4000 is SDP's generic wrapper; the message's code says what
//! went wrong, and names the `field` or `fields` it is about):
//!
//! | code | HTTP | when |
//! |---|---|---|
//! | 4000 | 400 | `input_data` that is not a JSON object, a missing `Accept` media type |
//! | 4001 | 400 | a name, id or e-mail that names nothing, a bad `list_info` value or criterion |
//! | 4002 | 403 | a closed request edited or closed again |
//! | 4007 | 404 | a path that is not an endpoint (wrong portal, singular `/request`), an unknown id |
//! | 4012 | 400 | mandatory fields missing (`"fields":[…]`) |
//! | 4015 | 429 | the rate limit is used up (with `Retry-After`) |
//! | 4022 | 401 | no `Zoho-oauthtoken`, or one that is unknown or expired |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Why the API refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// A malformed request (4000).
    #[error("{0}")]
    Failed(String),
    /// `field` names something that does not exist or has a bad value
    /// (4001).
    #[error("{field}: {message}")]
    InvalidValue {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The business rules forbid it (4002), such as editing a closed
    /// request.
    #[error("{0}")]
    Forbidden(String),
    /// The path is not an endpoint (4007).
    #[error("Invalid URL")]
    InvalidUrl,
    /// The record the path names does not exist (4007).
    #[error("Resource not found")]
    NotFound,
    /// Mandatory fields are missing (4012).
    #[error("mandatory fields missing: {0:?}")]
    MandatoryMissing(Vec<String>),
    /// The rate limit is used up (4015); retry after so many seconds.
    #[error("API rate limit reached")]
    RateLimited(u64),
    /// No valid access token (4022).
    #[error("Invalid API Key")]
    InvalidToken,
}

impl SdpError {
    /// A 4001 about `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidValue { field: field.to_owned(), message: message.into() }
    }

    /// The SDP code and HTTP status.
    fn codes(&self) -> (u16, StatusCode) {
        match self {
            Self::Failed(_) => (4000, StatusCode::BAD_REQUEST),
            Self::InvalidValue { .. } => (4001, StatusCode::BAD_REQUEST),
            Self::Forbidden(_) => (4002, StatusCode::FORBIDDEN),
            Self::InvalidUrl | Self::NotFound => (4007, StatusCode::NOT_FOUND),
            Self::MandatoryMissing(_) => (4012, StatusCode::BAD_REQUEST),
            Self::RateLimited(_) => (4015, StatusCode::TOO_MANY_REQUESTS),
            Self::InvalidToken => (4022, StatusCode::UNAUTHORIZED),
        }
    }

    /// The `messages[0]` entry.
    fn message(&self) -> Value {
        let (code, _) = self.codes();
        let mut message = json!({"status_code": code, "type": "failed", "message": self.to_string()});
        match self {
            Self::InvalidValue { field, message: text } => {
                message["field"] = json!(field);
                message["message"] = json!(text);
            }
            Self::MandatoryMissing(fields) => {
                message["fields"] = json!(fields);
                message["message"] = json!("Value for mandatory-field is not provided.");
            }
            _ => {}
        }
        message
    }
}

impl IntoResponse for SdpError {
    fn into_response(self) -> Response {
        let (_, status) = self.codes();
        let body = json!({"response_status": {"status_code": 4000, "status": "failed", "messages": [self.message()]}});
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::RateLimited(retry_after) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_code_and_status() {
        let cases = [
            (SdpError::Failed("x".into()), 4000, 400),
            (SdpError::invalid("status", "no such status"), 4001, 400),
            (SdpError::Forbidden("closed".into()), 4002, 403),
            (SdpError::InvalidUrl, 4007, 404),
            (SdpError::MandatoryMissing(vec!["requester".into()]), 4012, 400),
            (SdpError::RateLimited(3), 4015, 429),
            (SdpError::InvalidToken, 4022, 401),
        ];
        for (error, code, status) in cases {
            assert_eq!(error.codes(), (code, StatusCode::from_u16(status).unwrap()), "{error}");
            assert_eq!(error.message()["status_code"], code);
        }
        let missing = SdpError::MandatoryMissing(vec!["subject".into(), "requester".into()]).message();
        assert_eq!(missing["fields"], json!(["subject", "requester"]));
        assert_eq!(SdpError::invalid("priority", "bad").message()["field"], "priority");
    }
}
