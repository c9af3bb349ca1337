//! Who may call the instance: HTTP Basic with the user's password, or a
//! Bearer token from the OAuth endpoint `POST /oauth_token.do`.
//!
//! The token endpoint takes only `application/x-www-form-urlencoded`
//! bodies, as ServiceNow documents (a JSON body gets the same vague refusal
//! as wrong credentials: 401 `{"error_description":"access_denied",
//! "error":"server_error"}`). It grants `password`, `refresh_token` and
//! `client_credentials`; the client may authenticate in the form or with
//! HTTP Basic. Answers look like ServiceNow's:
//! `{"access_token","refresh_token","scope":"useraccount","token_type":"Bearer","expires_in":1799}`,
//! without `refresh_token` for client credentials.

use super::Instance;
use super::error::ApiError;
use super::ids;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Issued access tokens.
#[derive(Debug, Default)]
pub struct Tokens {
    live: Vec<(String, Instant)>,
    issued: usize,
}

impl Tokens {
    /// How many tokens the endpoint has issued.
    pub fn issued(&self) -> usize {
        self.issued
    }

    fn issue(&mut self, lifetime: Duration) -> String {
        let token = ids::token();
        let now = Instant::now();
        self.live.retain(|(_, expires)| *expires > now);
        self.live.push((token.clone(), now + lifetime));
        self.issued += 1;
        token
    }

    fn is_live(&self, token: &str) -> bool {
        self.live.iter().any(|(live, expires)| live == token && *expires > Instant::now())
    }
}

/// The user a request authenticates as (their `user_name`).
pub fn authenticate(instance: &Instance, headers: &HeaderMap) -> Result<String, ApiError> {
    let options = &instance.options;
    let presented = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let accepted = match presented.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => super::lock(&instance.tokens).is_live(token),
        Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => {
            basic(encoded).is_some_and(|(user, password)| user == options.username && password == options.password)
        }
        _ => false,
    };
    if accepted { Ok(options.username.clone()) } else { Err(ApiError::NotAuthenticated) }
}

/// `user:password` from a Basic credential.
fn basic(encoded: &str) -> Option<(String, String)> {
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// What a grant request earns.
enum Grant {
    /// An access token and a refresh token.
    WithRefresh,
    /// An access token only.
    AccessOnly,
}

/// `POST /oauth_token.do`.
pub async fn token(State(instance): State<Arc<Instance>>, headers: HeaderMap, body: Bytes) -> Response {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let form: HashMap<String, String> =
        if form_encoded { url::form_urlencoded::parse(&body).into_owned().collect() } else { HashMap::new() };
    let Some(grant) = grant(&instance, &headers, &form) else {
        let refusal = json!({"error_description": "access_denied", "error": "server_error"});
        return (StatusCode::UNAUTHORIZED, axum::Json(refusal)).into_response();
    };
    let options = &instance.options;
    let access = super::lock(&instance.tokens).issue(options.token_lifetime);
    let mut answer = json!({
        "access_token": access,
        "scope": "useraccount",
        "token_type": "Bearer",
        "expires_in": options.token_lifetime.as_secs(),
    });
    if matches!(grant, Grant::WithRefresh) {
        answer["refresh_token"] = json!(options.refresh_token);
    }
    axum::Json(answer).into_response()
}

/// Checks the client and the grant; `None` refuses.
fn grant(instance: &Instance, headers: &HeaderMap, form: &HashMap<String, String>) -> Option<Grant> {
    let options = &instance.options;
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(basic);
    let (client_id, client_secret) = match from_header {
        Some(client) if field("client_id").is_empty() => client,
        _ => (field("client_id").to_owned(), field("client_secret").to_owned()),
    };
    if client_id != options.client_id || client_secret != options.client_secret {
        return None;
    }
    match field("grant_type") {
        "password" if field("username") == options.username && field("password") == options.password => {
            Some(Grant::WithRefresh)
        }
        "refresh_token" if field("refresh_token") == options.refresh_token => Some(Grant::WithRefresh),
        "client_credentials" => Some(Grant::AccessOnly),
        _ => None,
    }
}
