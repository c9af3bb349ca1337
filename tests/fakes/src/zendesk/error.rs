//! Zendesk's error answers, with the bodies the real API sends, so a client
//! is tested against what it will parse in production:
//!
//! | status | body |
//! |---|---|
//! | 400 | `{"error":{"title":"Invalid attribute","message":…}}` (a parameter of the wrong kind, such as `page[size]` on `/search`) |
//! | 400 | `{"errors":[{"code":"InvalidPaginationDepth"|"InvalidPaginationParameter","title":…,"detail":…}]}` |
//! | 400 | `{"error":"InvalidJSON","description":…}` (a write whose body is not JSON) |
//! | 401 | `{"error":"Couldn't authenticate you"}` with `WWW-Authenticate` |
//! | 403 | `{"error":"Forbidden","description":"You do not have access to this page…"}` |
//! | 404 | `{"error":"RecordNotFound","description":"Not found"}`; an unknown path `{"error":"InvalidEndpoint","description":"Not found"}` |
//! | 409 | `{"error":"UpdateConflict","description":…}` (a safe update with a stale `updated_stamp`) |
//! | 422 | `{"error":"RecordInvalid","description":"Record validation errors","details":{field:[{"description","error"}]}}` |
//! | 422 | `{"error":"invalid","description":"Invalid search: Requested response size was greater than Search Response Limits"}` |
//! | 429 | `text/plain`, with `Retry-After` |

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The generic 429 body: the account's per-minute limit is used up.
pub const RATE_LIMITED: &str = "Number of allowed API requests per minute exceeded";
/// The 429 body for the Update Ticket endpoint's own limit.
pub const TICKET_UPDATES_RATE_LIMITED: &str =
    "Rate limit for ticket updates exceeded, please wait before updating this ticket again";

/// Why the API refuses a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No credentials, wrong ones, or a kind the account does not allow.
    #[error("Couldn't authenticate you")]
    NotAuthenticated,
    /// The caller is signed in but may not use this endpoint (an end user
    /// on an agent endpoint).
    #[error("Forbidden")]
    Forbidden,
    /// The record does not exist.
    #[error("RecordNotFound")]
    RecordNotFound,
    /// The path is not an endpoint of the API.
    #[error("InvalidEndpoint")]
    InvalidEndpoint,
    /// A parameter has a value of the wrong kind.
    #[error("Invalid attribute: {0}")]
    InvalidAttribute(String),
    /// Offset pagination past the first 10,000 records.
    #[error("InvalidPaginationDepth")]
    PaginationDepth,
    /// A cursor-pagination parameter is unusable (size out of range, a
    /// cursor that does not decode or belongs to another sort).
    #[error("InvalidPaginationParameter: {0}")]
    PaginationParameter(String),
    /// A search request past the 1,000-result limit.
    #[error("Invalid search: Requested response size was greater than Search Response Limits")]
    SearchLimit,
    /// A search request that cannot be run (no query).
    #[error("Invalid search: {0}")]
    InvalidSearch(String),
    /// A write's body is not a JSON object.
    #[error("InvalidJSON")]
    InvalidJson,
    /// The write breaks validation rules; the details per field.
    #[error("RecordInvalid")]
    RecordInvalid(Details),
    /// A safe update found the ticket changed since `updated_stamp`.
    #[error("UpdateConflict")]
    UpdateConflict,
    /// The rate limit is used up; retry after `retry_after` seconds.
    #[error("{body}")]
    RateLimited {
        /// The plain-text body.
        body: &'static str,
        /// Seconds until requests are admitted again.
        retry_after: u64,
    },
}

/// The `details` of a `RecordInvalid` answer: per attribute, what is wrong
/// with it, as `{"description":"Status: is not valid","error":"InvalidValue"}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details(Map<String, Value>);

impl Details {
    /// Records that `field` is invalid.
    pub fn add(&mut self, field: &str, description: impl Into<String>, error: &str) {
        let entry = json!({"description": description.into(), "error": error});
        if let Some(Value::Array(entries)) = self.0.get_mut(field) {
            entries.push(entry);
        } else {
            self.0.insert(field.to_owned(), Value::Array(vec![entry]));
        }
    }

    /// Records that `field` is invalid, with Zendesk's extra ticket-field
    /// keys (as for the description a new ticket lacks).
    pub fn add_field(&mut self, field: &str, description: &str, error: &str, field_id: u64, field_type: &str) {
        self.add(field, description, error);
        if let Some(Value::Array(entries)) = self.0.get_mut(field)
            && let Some(Value::Object(last)) = entries.last_mut()
        {
            last.insert("ticket_field_id".to_owned(), json!(field_id));
            last.insert("ticket_field_type".to_owned(), json!(field_type));
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the 422.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() { Ok(()) } else { Err(ApiError::RecordInvalid(self)) }
    }
}

/// The detail of the 400 for deep offset pagination, as Zendesk words it.
const DEPTH_DETAIL: &str = "There are limits to the page depth in Offset Pagination. Offset Pagination will be \
deprecated fully in the near future.\nPlease switch to Cursor Pagination at the earliest. Cursor Pagination does \
not have any limits.\nSee https://developer.zendesk.com/documentation/api-basics/pagination/\
comparing-cursor-pagination-and-offset-pagination\n";

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotAuthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::RecordNotFound | Self::InvalidEndpoint => StatusCode::NOT_FOUND,
            Self::InvalidAttribute(_)
            | Self::PaginationDepth
            | Self::PaginationParameter(_)
            | Self::InvalidSearch(_)
            | Self::InvalidJson => StatusCode::BAD_REQUEST,
            Self::UpdateConflict => StatusCode::CONFLICT,
            Self::RecordInvalid(_) | Self::SearchLimit => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The JSON body (every answer but 429 has one).
    fn body(&self) -> Value {
        match self {
            Self::NotAuthenticated => json!({"error": "Couldn't authenticate you"}),
            Self::Forbidden => json!({
                "error": "Forbidden",
                "description": "You do not have access to this page. Please contact the account owner of this help desk for further help.",
            }),
            Self::RecordNotFound => json!({"error": "RecordNotFound", "description": "Not found"}),
            Self::InvalidEndpoint => json!({"error": "InvalidEndpoint", "description": "Not found"}),
            Self::InvalidAttribute(message) => json!({"error": {"title": "Invalid attribute", "message": message}}),
            Self::PaginationDepth => json!({"errors": [{
                "code": "InvalidPaginationDepth",
                "title": "Pagination requests using Offset Pagination are limited to page 100 or up to 10000 records (page * per_page)",
                "detail": DEPTH_DETAIL,
            }]}),
            Self::PaginationParameter(detail) => json!({"errors": [{
                "code": "InvalidPaginationParameter",
                "title": "Invalid Pagination Parameter",
                "detail": detail,
            }]}),
            Self::SearchLimit | Self::InvalidSearch(_) => json!({"error": "invalid", "description": self.to_string()}),
            Self::InvalidJson => {
                json!({"error": "InvalidJSON", "description": "The request body is not a valid JSON object"})
            }
            Self::RecordInvalid(details) => json!({
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": details.0,
            }),
            Self::UpdateConflict => json!({
                "error": "UpdateConflict",
                "description": "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.",
            }),
            Self::RateLimited { body, .. } => Value::String((*body).to_owned()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::RateLimited { body, retry_after } = self {
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return response;
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Web Password\""));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_collect_per_field() {
        let mut details = Details::default();
        assert!(details.clone().into_result().is_ok());
        details.add("status", "Status: is not valid", "InvalidValue");
        details.add_field("base", "Description: cannot be blank", "BlankValue", 7, "FieldDescription");
        let Err(ApiError::RecordInvalid(details)) = details.into_result() else { panic!("refused") };
        assert_eq!(details.0["base"][0]["ticket_field_type"], "FieldDescription");
        assert_eq!(details.0["status"][0]["error"], "InvalidValue");
    }
}
