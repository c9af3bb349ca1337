//! Zoho Accounts' token endpoint (`POST /oauth/v2/token`) for a Self
//! Client, and the access tokens it issues, which the portal's API
//! accepts as `Authorization: Zoho-oauthtoken <token>`.
//!
//! The endpoint takes its parameters as a form body or in the query string
//! (Zoho documents both; the client may also send its id and secret as
//! HTTP Basic). `grant_type=refresh_token` with the right client and
//! refresh token answers `{"access_token":"1000.<hex>","expires_in":3600,
//! "api_domain":"https://<host>","token_type":"Bearer"}`, without a new
//! refresh token. Failures are answered **200** with an error body, as
//! Zoho does: `{"error":"invalid_client"}` (wrong client id or secret),
//! `{"error":"invalid_code"}` (unknown refresh token),
//! `{"error":"unsupported_grant_type"}`, `{"error":"invalid_request"}`
//! (parameters missing). Access tokens live an hour
//! ([`TOKEN_LIFETIME`]).

use super::Portal;
use crate::lock;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use crate::tokens::Tokens;

/// How long an access token lives, as Zoho's do.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// A new Zoho access token (`1000.<hex>.<hex>`), valid for
/// [`TOKEN_LIFETIME`].
fn issue(tokens: &mut Tokens) -> String {
    tokens.issue(|hex| format!("1000.{hex}.{}", &hex[..16]))
}

/// `POST /oauth/v2/token`.
pub async fn token(
    State(portal): State<Arc<Portal>>,
    RawQuery(query): RawQuery,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params: HashMap<String, String> = HashMap::new();
    for source in [query.unwrap_or_default().as_bytes(), &body[..]] {
        params.extend(url::form_urlencoded::parse(source).into_owned());
    }
    if let Some((id, secret)) = crate::basic_credentials(&headers) {
        params.entry("client_id".to_owned()).or_insert(id);
        params.entry("client_secret".to_owned()).or_insert(secret);
    }
    let param = |key: &str| params.get(key).map(String::as_str).unwrap_or_default();
    let options = &portal.options;
    let error = if param("grant_type") != "refresh_token" {
        Some(if param("grant_type").is_empty() { "invalid_request" } else { "unsupported_grant_type" })
    } else if param("client_id").is_empty() || param("refresh_token").is_empty() {
        Some("invalid_request")
    } else if param("client_id") != options.client_id || param("client_secret") != options.client_secret {
        Some("invalid_client")
    } else if param("refresh_token") != options.refresh_token {
        Some("invalid_code")
    } else {
        None
    };
    let origin = crate::origin(&uri, &headers);
    let body = match error {
        Some(error) => json!({"error": error}),
        None => json!({
            "access_token": issue(&mut lock(&portal.tokens)),
            "expires_in": TOKEN_LIFETIME.as_secs(),
            "api_domain": format!("https://{origin}"),
            "token_type": "Bearer",
        }),
    };
    axum::Json(body).into_response()
}

/// The access token of an API request: `Authorization: Zoho-oauthtoken
/// <token>`, exactly that scheme (SDP refuses `Bearer`).
pub fn presented(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("Zoho-oauthtoken").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoho_tokens_have_zohos_shape() {
        let token = issue(&mut Tokens::new(TOKEN_LIFETIME));
        assert!(token.starts_with("1000.") && token.matches('.').count() == 2, "{token}");
    }

    #[test]
    fn only_the_zoho_scheme_presents_a_token() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Zoho-oauthtoken 1000.abc".parse().unwrap());
        assert_eq!(presented(&headers), Some("1000.abc"));
        headers.insert(header::AUTHORIZATION, "Bearer 1000.abc".parse().unwrap());
        assert_eq!(presented(&headers), None);
    }
}
