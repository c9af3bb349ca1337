//! The error answers of the two APIs, each in its own envelope:
//!
//! - the platform (`/rest/api/3`) sends an `ErrorCollection`,
//!   `{"errorMessages":[…],"errors":{"field":"message"}}`;
//! - Service Management (`/rest/servicedeskapi`) sends
//!   `{"errorMessage":"…","i18nErrorMessage":{"i18nKey":"…","parameters":[]}}`;
//! - the API gateway (`/ex/jira/{cloudId}`) answers for an unknown site
//!   itself, `{"code":404,"message":"…"}`.
//!
//! Messages are the ones Jira sends (as the vendor's API description and
//! observed responses show them), so clients are tested against what they
//! will parse in production.

use super::limiter::Refusal;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::BTreeMap;

/// What an unauthenticated request is told, beside its 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The site the credentials are for (`https://host:port`).
    pub realm: String,
    /// Whether the request carried credentials (which were wrong).
    pub presented: bool,
}

impl Challenge {
    /// The message both APIs send.
    pub const MESSAGE: &'static str = "Client must be authenticated to access this resource.";

    /// `WWW-Authenticate: OAuth realm="<site, percent-encoded>"` and, for
    /// wrong credentials, `X-Seraph-LoginReason: AUTHENTICATED_FAILED`.
    fn apply(&self, headers: &mut HeaderMap) {
        let realm: String = url::form_urlencoded::byte_serialize(self.realm.as_bytes()).collect();
        if let Ok(value) = HeaderValue::try_from(format!("OAuth realm=\"{realm}\"")) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if self.presented {
            headers.insert(
                HeaderName::from_static("x-seraph-loginreason"),
                HeaderValue::from_static("AUTHENTICATED_FAILED"),
            );
        }
    }
}

/// Why the platform API refuses a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or wrong ones.
    #[error("{}", Challenge::MESSAGE)]
    NotAuthenticated(Challenge),
    /// What was asked for does not exist (or is hidden; the answer is the
    /// same).
    #[error("{0}")]
    NotFound(String),
    /// The request is invalid: general messages and messages per field.
    #[error("{}", describe(.messages, .errors))]
    Invalid {
        /// Messages about the request as a whole.
        messages: Vec<String>,
        /// Messages per field.
        errors: BTreeMap<String, String>,
    },
    /// The endpoint has been removed (the legacy search).
    #[error("{}", REMOVED)]
    Removed,
    /// The burst limit is exhausted.
    #[error("Rate limit exceeded.")]
    RateLimited(Refusal),
    /// A body that is not JSON.
    #[error("Unsupported Media Type")]
    UnsupportedMediaType,
}

/// What the legacy `/rest/api/3/search` answers, with 410 Gone.
const REMOVED: &str = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. \
                       A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046";

/// What a body Jira cannot read is told.
pub const INVALID_PAYLOAD: &str = "Invalid request payload. Refer to the REST API documentation and try again.";

/// What a missing or hidden issue is told.
pub const NO_ISSUE: &str = "Issue does not exist or you do not have permission to see it.";

fn describe(messages: &[String], errors: &BTreeMap<String, String>) -> String {
    messages
        .iter()
        .cloned()
        .chain(errors.iter().map(|(field, message)| format!("{field}: {message}")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ApiError {
    /// A request-level message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid { messages: vec![message.into()], errors: BTreeMap::new() }
    }

    /// A message about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid { messages: Vec::new(), errors: BTreeMap::from([(field.to_owned(), message.into())]) }
    }

    /// Messages about several fields.
    pub fn fields(errors: BTreeMap<String, String>) -> Self {
        Self::Invalid { messages: Vec::new(), errors }
    }

    /// The issue does not exist.
    pub fn no_issue() -> Self {
        Self::NotFound(NO_ISSUE.to_owned())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotAuthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::BAD_REQUEST,
            Self::Removed => StatusCode::GONE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (messages, errors) = match self {
            Self::Invalid { ref messages, ref errors } => (messages.clone(), errors.clone()),
            ref other => (vec![other.to_string()], BTreeMap::new()),
        };
        let mut response = (status, axum::Json(json!({"errorMessages": messages, "errors": errors}))).into_response();
        match &self {
            Self::NotAuthenticated(challenge) => challenge.apply(response.headers_mut()),
            Self::RateLimited(refusal) => refusal.apply(response.headers_mut()),
            _ => {}
        }
        response
    }
}

/// Why Service Management refuses a request.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No credentials, or wrong ones.
    #[error("{}", Challenge::MESSAGE)]
    NotAuthenticated(Challenge),
    /// What was asked for does not exist.
    #[error("{message}")]
    NotFound {
        /// The message.
        message: String,
        /// Its i18n key.
        key: &'static str,
    },
    /// The request is invalid.
    #[error("{message}")]
    Invalid {
        /// The message.
        message: String,
        /// Its i18n key.
        key: &'static str,
    },
    /// The burst limit is exhausted.
    #[error("Rate limit exceeded.")]
    RateLimited(Refusal),
    /// A body that is not JSON.
    #[error("Unsupported Media Type")]
    UnsupportedMediaType,
}

impl DeskError {
    /// The service desk does not exist.
    pub fn no_service_desk() -> Self {
        Self::NotFound {
            message: "The Service Desk you are trying to view does not exist.".to_owned(),
            key: "sd.agent.servicedesk.error.servicedesk.missing",
        }
    }

    /// The customer request does not exist.
    pub fn no_request() -> Self {
        Self::NotFound {
            message:
                "The request could not be found. It may have been deleted or you may not have permission to view it."
                    .to_owned(),
            key: "sd.customer.request.not.found",
        }
    }

    /// An invalid request.
    pub fn invalid(message: impl Into<String>, key: &'static str) -> Self {
        Self::Invalid { message: message.into(), key }
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotAuthenticated(_) => (StatusCode::UNAUTHORIZED, "sd.admin.error.not.authenticated"),
            Self::NotFound { key, .. } => (StatusCode::NOT_FOUND, key),
            Self::Invalid { key, .. } => (StatusCode::BAD_REQUEST, key),
            Self::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "sd.rate.limit.exceeded"),
            Self::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "sd.unsupported.media.type"),
        }
    }
}

impl IntoResponse for DeskError {
    fn into_response(self) -> Response {
        let (status, key) = self.parts();
        let body = json!({
            "errorMessage": self.to_string(),
            "i18nErrorMessage": {"i18nKey": key, "parameters": []},
        });
        let mut response = (status, axum::Json(body)).into_response();
        match &self {
            Self::NotAuthenticated(challenge) => challenge.apply(response.headers_mut()),
            Self::RateLimited(refusal) => refusal.apply(response.headers_mut()),
            _ => {}
        }
        response
    }
}

/// The API gateway's answer for a `cloudId` it does not know.
pub fn unknown_site() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(json!({"code": 404, "message": "Not Found"}))).into_response()
}

/// The answer for a path neither API has.
pub fn no_resource(path: &str) -> Response {
    if path.starts_with("/rest/servicedeskapi") {
        DeskError::NotFound { message: format!("null for uri: {path}"), key: "sd.resource.not.found" }.into_response()
    } else {
        ApiError::NotFound(format!("null for uri: {path}")).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use serde_json::Value;

    async fn body(response: Response) -> Value {
        serde_json::from_slice(&to_bytes(response.into_body(), 1 << 16).await.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn envelopes() {
        let response = ApiError::no_issue().into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(body(response).await, json!({"errorMessages": [NO_ISSUE], "errors": {}}));

        let response = ApiError::field("summary", "You must specify a summary of the issue.").into_response();
        assert_eq!(
            body(response).await,
            json!({"errorMessages": [], "errors": {"summary": "You must specify a summary of the issue."}})
        );

        let challenge = Challenge { realm: "https://127.0.0.1:1".to_owned(), presented: true };
        let response = ApiError::NotAuthenticated(challenge.clone()).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "OAuth realm=\"https%3A%2F%2F127.0.0.1%3A1\"");
        assert_eq!(response.headers()["x-seraph-loginreason"], "AUTHENTICATED_FAILED");
        assert_eq!(body(response).await["errorMessages"][0], Challenge::MESSAGE);

        let response = DeskError::NotAuthenticated(challenge).into_response();
        let answer = body(response).await;
        assert_eq!(answer["errorMessage"], Challenge::MESSAGE);
        assert_eq!(answer["i18nErrorMessage"]["parameters"], json!([]));

        let response = ApiError::Removed.into_response();
        assert_eq!(response.status(), StatusCode::GONE);
    }
}
