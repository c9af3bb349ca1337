//! The token endpoint (`POST /auth/oauth/token`) for an API integration's
//! client credentials, and the bearer tokens it issues.
//!
//! The parameters come form-encoded (`grant_type=client_credentials&
//! client_id=…&client_secret=…`); the client may send its id and secret as
//! HTTP Basic instead. The answer's `expires_in` is a string (`"7199"`), as
//! OpsRamp's is. Tokens live two hours ([`TOKEN_LIFETIME`]).

use super::Tenant;
use crate::lock;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use crate::tokens::Tokens;

/// How long an access token lives: OpsRamp says 7199 s.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(7199);

/// A new token, a UUID as OpsRamp's are, valid for [`TOKEN_LIFETIME`].
fn issue(tokens: &mut Tokens) -> String {
    tokens.issue(|hex| format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

/// `POST /auth/oauth/token`.
pub async fn token(State(tenant): State<Arc<Tenant>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut params: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if let Some((id, secret)) = crate::basic_credentials(&headers) {
        params.entry("client_id".to_owned()).or_insert(id);
        params.entry("client_secret".to_owned()).or_insert(secret);
    }
    let param = |key: &str| params.get(key).map(String::as_str).unwrap_or_default();
    if param("grant_type") != "client_credentials" {
        let grant = param("grant_type");
        let body =
            json!({"error": "unsupported_grant_type", "error_description": format!("Unsupported grant type: {grant}")});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let options = &tenant.options;
    if param("client_id") != options.client_id || param("client_secret") != options.client_secret {
        let body = json!({"error": "unauthorized", "error_description": "Bad API credentials"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    Json(json!({
        "access_token": issue(&mut lock(&tenant.tokens)),
        "token_type": "bearer",
        "expires_in": TOKEN_LIFETIME.as_secs().to_string(),
        "scope": "global:manage",
    }))
    .into_response()
}

/// The token of an API request: `Authorization: Bearer <token>`.
pub fn presented(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_uuids() {
        let token = issue(&mut Tokens::new(TOKEN_LIFETIME));
        assert_eq!(token.len(), 36, "{token}");
        assert_eq!(token.matches('-').count(), 4, "{token}");
    }
}
