//! Every way the portal's APIs refuse a request, answered in the ServiceNow
//! error envelope `{"error": {"message", "detail"}, "status": "failure"}`
//! with the status and headers ServiceNow uses.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No live session, or an `X-UserToken` that is not the session's.
    NotAuthenticated,
    /// The rate-limit rule is exhausted until `reset` (UNIX seconds).
    RateLimited {
        /// Requests per hour the rule allows.
        limit: u32,
        /// When the window resets, UNIX seconds.
        reset: u64,
        /// Seconds until then.
        retry_after: u64,
    },
    /// The widget does not exist on this portal.
    NoWidget(String),
    /// The body of a widget POST is not JSON.
    BadJson,
}

/// `sys_id` of the fake's rate-limit rule (`X-RateLimit-Rule`).
pub const RATE_LIMIT_RULE: &str = "3e5a7c911b8e2a50f421db96b04bcb63";

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let (status, message, detail) = match &self {
            Self::NotAuthenticated => (
                StatusCode::UNAUTHORIZED,
                "User Not Authenticated".to_owned(),
                "Required to provide Auth information".to_owned(),
            ),
            Self::RateLimited { limit, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit exceeded".to_owned(),
                format!("Rate limit of {limit} requests per hour for Service Portal API exceeded"),
            ),
            Self::NoWidget(sys_id) => (
                StatusCode::NOT_FOUND,
                "No Record found".to_owned(),
                format!("Widget {sys_id} doesn't exist or ACL restricts the record retrieval"),
            ),
            Self::BadJson => (
                StatusCode::BAD_REQUEST,
                "Exception while reading request".to_owned(),
                "The payload is not valid JSON.".to_owned(),
            ),
        };
        let mut response = crate::servicenow::error_envelope(status, &message, Some(&detail));
        let headers = response.headers_mut();
        match self {
            // The portal's client reads this header to decide to show the
            // login page.
            Self::NotAuthenticated => {
                headers.insert("x-is-logged-in", HeaderValue::from_static("false"));
            }
            Self::RateLimited { limit, reset, retry_after } => {
                headers.insert("retry-after", HeaderValue::from(retry_after));
                crate::servicenow::apply_rule_headers(headers, limit, reset, RATE_LIMIT_RULE);
            }
            Self::NoWidget(_) | Self::BadJson => {}
        }
        response
    }
}
