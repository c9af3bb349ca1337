//! What the fakes' authorization servers (GitHub's OAuth apps, the
//! identity provider) share: RFC 7636's S256 challenge, and the redirect
//! back to a client with a code or an error (RFC 6749 §4.1.2).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use url::Url;

/// The S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 302 to `to` with `pairs` and `state` (if any) added to its query.
pub(crate) fn redirect(mut to: Url, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    to.query_pairs_mut().extend_pairs(pairs).extend_pairs(state.map(|state| ("state", state)));
    let location = HeaderValue::from_str(to.as_str()).expect("a serialized URL is a valid header value");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}
