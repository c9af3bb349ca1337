//! [`ApiError`]: every failure the HTTP layer reports, converted to a JSON
//! response in exactly one place. The client gets a clear message; details
//! that help only an operator go to the log.

use crate::admission::Refusal;
use crate::events::Refusal as EventRefusal;
use crate::lifecycle::LifecycleError;
use crate::mcp::inbound::Unreadable;
use crate::policy::echo::clip;
use crate::tenants::TenantError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A failed HTTP request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or ones that prove nothing: no API key or token, a
    /// key that matches no tenant, a token that does not verify.
    #[error("{}", .0.message("missing or invalid credentials; send `Authorization: Bearer <API key or token>`"))]
    Unauthorized(Challenge),
    /// A valid token without a role that lets it do anything here.
    #[error("{}", .0.message("the token carries no role this server grants"))]
    InsufficientScope(Challenge),
    /// A request this server cannot read unambiguously (two `Host`
    /// headers, say).
    #[error("{0}")]
    Malformed(String),
    /// The body is larger than the cap (bytes).
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body did not arrive in time.
    #[error("the request body did not arrive within {0:?}")]
    BodyTimeout(std::time::Duration),
    /// `Host` or `Origin` is not one this server answers to.
    #[error("{0}")]
    Forbidden(String),
    /// No such session on `/sse` or `/mcp`, or one that has ended, or another
    /// tenant's: all look the same, so a session's existence does not leak.
    #[error("unknown or expired session `{}`", clip(.0))]
    UnknownSession(String),
    /// The body is not a JSON-RPC message; answered with the JSON-RPC
    /// error for it.
    #[error("{}", .0.message)]
    BadMessage(Unreadable),
    /// A gate is full.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The admin API needs the admin token.
    #[error("missing or invalid admin token; send `Authorization: Bearer <admin token>`")]
    AdminUnauthorized,
    /// No such plugin or tenant.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The uploaded component is not a valid plugin.
    #[error("{0}")]
    Unprocessable(String),
    /// A webhook delivery was refused.
    #[error(transparent)]
    Event(#[from] crate::events::Refusal),
    /// Something broke on our side.
    #[error("internal error")]
    Internal(String),
}

impl From<LifecycleError> for ApiError {
    fn from(error: LifecycleError) -> Self {
        match error {
            LifecycleError::Invalid(_) => Self::Unprocessable(error.to_string()),
            LifecycleError::NotLoaded(_) => Self::NotFound(error.to_string()),
            LifecycleError::NoPrevious(_) | LifecycleError::Conflict { .. } => Self::Conflict(error.to_string()),
            LifecycleError::Tenants(TenantError::Unknown(_)) => Self::NotFound(error.to_string()),
            LifecycleError::Store(_) | LifecycleError::Db(_) | LifecycleError::Tenants(_) => {
                Self::Internal(error.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Unauthorized(_) | Self::AdminUnauthorized => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::UnknownSession(_) => StatusCode::NOT_FOUND,
            Self::BadMessage(_) | Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Refused(Refusal::Tenant(_)) => StatusCode::TOO_MANY_REQUESTS,
            Self::Refused(Refusal::Host(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Event(refusal) => match refusal {
                EventRefusal::Unknown => StatusCode::NOT_FOUND,
                EventRefusal::Unverified(_) => StatusCode::UNAUTHORIZED,
                EventRefusal::DeliveryId => StatusCode::BAD_REQUEST,
                EventRefusal::Busy => StatusCode::SERVICE_UNAVAILABLE,
                EventRefusal::Store(detail) => {
                    tracing::error!("cannot take a webhook in: {detail}");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            },
            Self::Internal(detail) => {
                tracing::error!("internal error serving HTTP: {detail}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = match &self {
            Self::BadMessage(refusal) => refusal.to_json(),
            _ => json!({ "error": self.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized(challenge) | Self::InsufficientScope(challenge) => {
                headers.insert(header::WWW_AUTHENTICATE, challenge.header());
            }
            Self::AdminUnauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"berth-admin\""));
            }
            Self::Refused(_) | Self::Event(EventRefusal::Busy) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

/// What a 401 or 403 tells a client about how to authenticate: the
/// `WWW-Authenticate: Bearer` challenge of RFC 6750 §3, with RFC 9728's
/// pointer to this server's protected resource metadata when it accepts
/// identity providers' tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    /// The protected resource metadata's URL, when tokens are accepted.
    pub metadata: Option<String>,
    /// The error code (`invalid_token`, `insufficient_scope`) and its
    /// description, when credentials were presented.
    pub error: Option<(&'static str, String)>,
    /// The scope that would do, for `insufficient_scope`.
    pub scope: Option<String>,
}

impl Challenge {
    /// `fallback`, or the error's description after it.
    fn message(&self, fallback: &str) -> String {
        match &self.error {
            Some((_, description)) => format!("{fallback}: {description}"),
            None => fallback.to_owned(),
        }
    }

    /// The header's value. Descriptions are reduced to characters a
    /// quoted string can carry.
    fn header(&self) -> HeaderValue {
        let quoted = |text: &str| -> String {
            text.chars().filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\').take(200).collect()
        };
        let mut parts = vec!["Bearer realm=\"berth\"".to_owned()];
        if let Some(metadata) = &self.metadata {
            parts.push(format!("resource_metadata=\"{}\"", quoted(metadata)));
        }
        if let Some((code, description)) = &self.error {
            parts.push(format!("error=\"{code}\""));
            parts.push(format!("error_description=\"{}\"", quoted(description)));
        }
        if let Some(scope) = &self.scope {
            parts.push(format!("scope=\"{}\"", quoted(scope)));
        }
        HeaderValue::from_str(&parts.join(", ")).unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"berth\""))
    }
}
