//! Bearer-key authentication. Every request to the MCP routes must carry
//! `Authorization: Bearer <key>`; it runs as that key's tenant. With
//! `--anonymous-tenant` (loopback only), a request without a key runs as
//! the named tenant; a request *with* a key is still checked. Keys are
//! checked against the in-memory snapshot, so a rotated key stops working
//! on the next request, and a known key costs one counter read rather than
//! a query on the blocking pool.
//!
//! [`bearer_token`] is the one parser of the header, for tenant keys here
//! and for the admin and metrics tokens in [`admin`](super::admin).

use super::error::ApiError;
use crate::app::App;
use crate::snapshot::SnapshotError;
use crate::tenants::Principal;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// What the middleware needs.
#[derive(Clone)]
pub struct AuthState {
    /// The host.
    pub app: Arc<App>,
    /// Tenant for requests without a key, if allowed.
    pub anonymous: Option<Arc<str>>,
}

/// An `Authorization` header that is not one bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotBearer;

/// The token of `Authorization: Bearer <token>`: `Ok(None)` without the
/// header, `Err` when it is there but is not exactly one bearer token. The
/// scheme is case-insensitive and may be followed by any number of spaces
/// (RFC 9110 §11.1, §11.4); two `Authorization` headers are refused rather
/// than guessing which one counts.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, NotBearer> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(NotBearer);
    }
    let value = value.to_str().map_err(|_| NotBearer)?;
    let (scheme, token) = value.split_once(' ').ok_or(NotBearer)?;
    let token = token.trim_matches(' ');
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(NotBearer);
    }
    Ok(Some(token))
}

/// Middleware: resolves the caller's tenant and stores a [`Principal`] in
/// the request's extensions, or answers 401.
pub async fn authenticate(
    State(state): State<AuthState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let tenant: Arc<str> = match bearer_token(request.headers()).map_err(|NotBearer| ApiError::Unauthorized)? {
        Some(key) => {
            let snapshot = &state.app.snapshot;
            let internal = |error: SnapshotError| ApiError::Internal(error.to_string());
            let generation = snapshot.current().await.map_err(internal)?;
            snapshot.authenticate(&generation, key).await.map_err(internal)?.ok_or(ApiError::Unauthorized)?
        }
        None => state.anonymous.clone().ok_or(ApiError::Unauthorized)?,
    };
    request.extensions_mut().insert(Principal { tenant });
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn parse(values: &[&str]) -> Result<Option<String>, NotBearer> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        bearer_token(&headers).map(|token| token.map(str::to_owned))
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_anything_else_is_refused() {
        for value in ["Bearer k1", "bearer k1", "BEARER k1", "bEaReR   k1 "] {
            assert_eq!(parse(&[value]), Ok(Some("k1".to_owned())), "{value}");
        }
        assert_eq!(parse(&[]), Ok(None));
        for value in ["Basic k1", "Bearer", "Bearer ", "Bearerk1", "Bearer a b", "Token k1"] {
            assert_eq!(parse(&[value]), Err(NotBearer), "{value}");
        }
        assert_eq!(parse(&["Bearer k1", "Bearer k2"]), Err(NotBearer), "two headers");
    }
}
