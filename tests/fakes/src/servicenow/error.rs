//! ServiceNow's REST error answers: a status and the envelope
//! `{"error":{"message":…,"detail":…},"status":"failure"}`, with the
//! messages the real instance uses, so clients are tested against what they
//! will parse in production.

use super::limiter::RuleHeaders;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why the instance refuses a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or wrong ones.
    #[error("User Not Authenticated")]
    NotAuthenticated,
    /// The record does not exist (or ACLs hide it; the answer is the same).
    #[error("No Record found")]
    NoRecord,
    /// The path names a table the instance does not have.
    #[error("Invalid table {0}")]
    InvalidTable(String),
    /// The path is not an API the instance serves.
    #[error("Requested URI does not represent any resource")]
    NoResource,
    /// The body of a write is not a JSON object.
    #[error("Exception while reading request")]
    UnreadableBody,
    /// A data policy makes these fields (by label) mandatory for the write.
    #[error("Operation Failed")]
    DataPolicy(Vec<&'static str>),
    /// The inbound rate-limit rule is exhausted; try again in
    /// `retry_after` seconds.
    #[error("Rate limit exceeded")]
    RateLimited {
        /// The rule that refused.
        rule: RuleHeaders,
        /// Seconds until the rule admits requests again.
        retry_after: u64,
    },
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotAuthenticated => StatusCode::UNAUTHORIZED,
            Self::NoRecord => StatusCode::NOT_FOUND,
            Self::InvalidTable(_) | Self::NoResource | Self::UnreadableBody => StatusCode::BAD_REQUEST,
            Self::DataPolicy(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::NotAuthenticated => Some("Required to provide Auth information".to_owned()),
            Self::NoRecord => Some("Record doesn't exist or ACL restricts the record retrieval".to_owned()),
            Self::UnreadableBody => Some("The payload is not valid JSON.".to_owned()),
            Self::DataPolicy(fields) => {
                Some(format!("Data Policy Exception: \n\tThe following fields are mandatory: {}\n", fields.join(", ")))
            }
            Self::RateLimited { rule, .. } => {
                Some(format!("Rate limit of {} requests per hour for Table API exceeded", rule.limit))
            }
            Self::InvalidTable(_) | Self::NoResource => None,
        }
    }
}

/// An error answer: `status` and the envelope, as every ServiceNow API
/// (the Table API, the Service Portal's) writes it.
pub fn envelope(status: StatusCode, message: &str, detail: Option<&str>) -> Response {
    let body = json!({"error": {"message": message, "detail": detail}, "status": "failure"});
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = envelope(self.status(), &self.to_string(), self.detail().as_deref());
        let headers = response.headers_mut();
        match &self {
            Self::NotAuthenticated => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("BASIC realm=\"Service-now\""));
            }
            Self::RateLimited { rule, retry_after } => {
                rule.apply(headers);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}
