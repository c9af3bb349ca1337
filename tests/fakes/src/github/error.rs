//! GitHub's error answers, in the shapes of its OpenAPI description, so a
//! client is tested against what it will parse in production:
//!
//! | status | body |
//! |---|---|
//! | 400 | `basic-error`: `Problems parsing JSON`, `Body should be a JSON object`, an unsupported `X-GitHub-Api-Version` |
//! | 401 | `basic-error`: `Bad credentials` (a token that is not valid), `Requires authentication` (an anonymous write) |
//! | 403 | `text/html` "Request forbidden by administrative rules…" without a `User-Agent` |
//! | 403 | `basic-error`: `API rate limit exceeded…` (primary), `You have exceeded a secondary rate limit…` (with `retry-after`), `This workflow is already running` |
//! | 404 | `basic-error`: `Not Found` (also for a private repository the caller cannot see), `No commit found for the ref …` |
//! | 422 | `validation-error`: `{"message":"Validation Failed","errors":[{"resource","field","code",…}],…}` |
//! | 422 | `basic-error`: `Invalid request.\n\n…` (a parameter of the wrong kind), `Only the first 1000 search results are available` |
//!
//! Every `basic-error` carries `message`, `documentation_url` and `status`
//! (the status code as a string), as api.github.com answers today.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Where most errors point.
pub const DOCS: &str = "https://docs.github.com/rest";
/// Where search errors point.
const SEARCH_DOCS: &str = "https://docs.github.com/v3/search/";
/// Where rate-limit errors point.
const RATE_LIMIT_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

/// The 403 page GitHub's edge answers for a request without `User-Agent`.
pub const NO_USER_AGENT: &str = "Request forbidden by administrative rules. Please make sure your request has a \
User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check \
https://developer.github.com for other possible causes.\n";

/// The secondary rate limit's message.
pub const SECONDARY_RATE_LIMITED: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

/// One entry of a `validation-error`'s `errors`: which field of which
/// resource is wrong, and how (`missing`, `missing_field`, `invalid`,
/// `already_exists`, `unprocessable`, `custom`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError(Map<String, Value>);

impl FieldError {
    /// `{"resource", "field", "code"}`.
    pub fn new(resource: &str, field: &str, code: &str) -> Self {
        let mut entry = Map::new();
        entry.insert("resource".to_owned(), json!(resource));
        entry.insert("field".to_owned(), json!(field));
        entry.insert("code".to_owned(), json!(code));
        Self(entry)
    }

    /// Adds the offending `value`.
    pub fn value(mut self, value: impl Into<Value>) -> Self {
        self.0.insert("value".to_owned(), value.into());
        self
    }

    /// Adds a human-readable `message`.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.0.insert("message".to_owned(), Value::String(message.into()));
        self
    }
}

/// Why the API refuses a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No `User-Agent` header: refused before the API sees the request.
    #[error("no User-Agent")]
    NoUserAgent,
    /// The token is not one the account issued.
    #[error("Bad credentials")]
    BadCredentials,
    /// An anonymous request to an endpoint that needs a token.
    #[error("Requires authentication")]
    RequiresAuthentication,
    /// `X-GitHub-Api-Version` names a version the API does not serve.
    #[error("unsupported API version {0:?}")]
    UnsupportedVersion(String),
    /// The resource does not exist, or the caller may not see it.
    #[error("Not Found")]
    NotFound,
    /// A `ref` that names no branch or commit.
    #[error("No commit found for the ref {0}")]
    NoCommit(String),
    /// A write whose body is not JSON.
    #[error("Problems parsing JSON")]
    ProblemsParsingJson,
    /// A write whose body is JSON but not an object.
    #[error("Body should be a JSON object")]
    BodyNotObject,
    /// A parameter of the wrong kind or out of its range.
    #[error("Invalid request.\n\n{0}")]
    InvalidRequest(String),
    /// A well-formed request that breaks a rule of the resource.
    #[error("Validation Failed")]
    Validation {
        /// The resource's documentation page.
        documentation_url: &'static str,
        /// What is wrong, per field.
        errors: Vec<FieldError>,
    },
    /// A search asked for a page past the first 1,000 results.
    #[error("Only the first 1000 search results are available")]
    SearchWindow,
    /// A workflow run that has not completed cannot be re-run.
    #[error("This workflow is already running")]
    AlreadyRunning,
    /// The primary rate limit is used up until `x-ratelimit-reset`.
    #[error("{0}")]
    RateLimited(String),
    /// The secondary rate limit: wait `retry_after` seconds.
    #[error("{SECONDARY_RATE_LIMITED}")]
    SecondaryRateLimited {
        /// Seconds until requests are admitted again.
        retry_after: u64,
    },
}

impl ApiError {
    /// A `validation-error` for one field of a write.
    pub fn field(errors: Vec<FieldError>) -> Self {
        Self::Validation { documentation_url: DOCS, errors }
    }

    /// A `validation-error` about a search's `q`.
    pub fn search(message: &str) -> Self {
        let error = FieldError::new("Search", "q", "invalid").message(message);
        Self::Validation { documentation_url: SEARCH_DOCS, errors: vec![error] }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadCredentials | Self::RequiresAuthentication => StatusCode::UNAUTHORIZED,
            Self::UnsupportedVersion(_) | Self::ProblemsParsingJson | Self::BodyNotObject => StatusCode::BAD_REQUEST,
            Self::NotFound | Self::NoCommit(_) => StatusCode::NOT_FOUND,
            Self::InvalidRequest(_) | Self::Validation { .. } | Self::SearchWindow => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NoUserAgent | Self::AlreadyRunning | Self::RateLimited(_) | Self::SecondaryRateLimited { .. } => {
                StatusCode::FORBIDDEN
            }
        }
    }

    fn documentation_url(&self) -> &'static str {
        match self {
            Self::Validation { documentation_url, .. } => documentation_url,
            Self::SearchWindow => SEARCH_DOCS,
            Self::UnsupportedVersion(_) => "https://docs.github.com/rest/overview/api-versions",
            Self::RateLimited(_) => RATE_LIMIT_DOCS,
            Self::SecondaryRateLimited { .. } => {
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
            }
            _ => DOCS,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::UnsupportedVersion(version) => format!(
                "The version you specified in the \"X-GitHub-API-Version\" request header, \"{version}\", is not a \
                 supported version. The following versions are currently supported: \"2026-03-10\" (most recent), \
                 \"2022-11-28\"."
            ),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if self == Self::NoUserAgent {
            let mut response = (status, NO_USER_AGENT).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return response;
        }
        let mut body = json!({"message": self.message(), "documentation_url": self.documentation_url()});
        if let Self::Validation { errors, .. } = &self {
            body["errors"] = Value::Array(errors.iter().map(|error| Value::Object(error.0.clone())).collect());
        }
        body["status"] = json!(status.as_str());
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::SecondaryRateLimited { retry_after } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body(error: ApiError) -> (StatusCode, Value) {
        let response = error.into_response();
        let status = response.status();
        (status, serde_json::from_slice(&to_bytes(response.into_body(), 1 << 16).await.unwrap()).unwrap())
    }

    #[tokio::test]
    async fn basic_and_validation_errors_have_githubs_shapes() {
        let (status, answer) = body(ApiError::BadCredentials).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer, json!({"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}));

        let missing = FieldError::new("Issue", "title", "missing_field");
        let (status, answer) = body(ApiError::field(vec![missing])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer["message"], "Validation Failed");
        assert_eq!(answer["errors"], json!([{"resource": "Issue", "field": "title", "code": "missing_field"}]));

        let (_, answer) = body(ApiError::UnsupportedVersion("v3".to_owned())).await;
        assert!(answer["message"].as_str().unwrap().contains("\"v3\", is not a supported version"));

        let response = ApiError::SecondaryRateLimited { retry_after: 7 }.into_response();
        assert_eq!(
            (response.status(), &response.headers()["retry-after"]),
            (StatusCode::FORBIDDEN, &"7".parse::<HeaderValue>().unwrap())
        );
    }
}
