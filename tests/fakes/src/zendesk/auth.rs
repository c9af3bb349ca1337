//! Who may call the account, as Zendesk authenticates API requests:
//!
//! - an **API token**: `Authorization: Basic base64("{email}/token:{api_token}")`.
//!   The token belongs to the account, so any user's email works with it
//!   and the request acts as that user;
//! - an **OAuth access token**: `Authorization: Bearer {token}`, acting as
//!   the user it was granted to ([`super::Options::email`]);
//! - a **password**: `Basic base64("{email}:{password}")`, accepted only
//!   when the account has password access turned on
//!   ([`super::Options::password_access`], off by default as on new
//!   accounts).
//!
//! Anything else is 401 `{"error":"Couldn't authenticate you"}`.

use super::Options;
use super::error::ApiError;
use super::store::Store;
use axum::http::{HeaderMap, header};
use base64::Engine;

/// The id of the user a request authenticates as.
pub fn authenticate(options: &Options, store: &Store, headers: &HeaderMap) -> Result<u64, ApiError> {
    let presented = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let email = match presented.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            (token.trim() == options.access_token).then(|| options.email.clone())
        }
        Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => basic(options, encoded),
        _ => None,
    };
    email.and_then(|email| store.user_by_email(&email)).map(|user| user.id).ok_or(ApiError::NotAuthenticated)
}

/// The email a Basic credential signs in as, if it is valid.
fn basic(options: &Options, encoded: &str) -> Option<String> {
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    if let Some((email, token)) = text.split_once("/token:") {
        return (token == options.api_token).then(|| email.to_owned());
    }
    let (email, password) = text.split_once(':')?;
    let accepted =
        options.password_access && email.eq_ignore_ascii_case(&options.email) && password == options.password;
    accepted.then(|| email.to_owned())
}
