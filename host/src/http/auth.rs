//! Bearer authentication. Every request to the MCP routes must carry
//! `Authorization: Bearer <credential>`: a tenant's API key, which runs as
//! that tenant with the roles its policy gives keys, or (with `[auth]
//! resource` set) a JWT from a trusted issuer, which runs as the tenant and
//! roles its claims name (see [`crate::auth`]). With `--anonymous-tenant`
//! (loopback only), a request without credentials runs as the named
//! tenant, as its operator; one *with* credentials is still checked. Keys,
//! issuers, roles and policies are read through the in-memory snapshot, so
//! a rotated key or a removed issuer stops working on the next request.
//! Every refusal carries the `WWW-Authenticate` challenge of RFC 6750 and,
//! when tokens are accepted, RFC 9728's pointer to the resource metadata.
//!
//! [`bearer_token`] is the one parser of the header, for tenant keys here
//! and for the admin and metrics tokens in [`admin`](super::admin).

use super::error::{ApiError, Challenge};
use crate::app::App;
use crate::auth::Principal;
use crate::auth::jwt::{self, TokenError, Verified};
use crate::snapshot::{Generation, SnapshotError};
use crate::tenants::{ApiKey, PluginAccess};
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

/// Middleware: resolves who is calling and stores the [`Principal`] in the
/// request's extensions, or answers 401 (or 403 for a valid token that
/// may do nothing here).
pub async fn authenticate(
    State(state): State<AuthState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let challenge = || Challenge { metadata: state.app.auth.metadata_url(), ..Challenge::default() };
    let principal = match bearer_token(request.headers()) {
        Err(NotBearer) => return Err(ApiError::Unauthorized(invalid(challenge(), "not one bearer token"))),
        Ok(Some(presented)) if ApiKey::parse(presented).is_some() => key_principal(&state.app, presented)
            .await?
            .ok_or_else(|| ApiError::Unauthorized(invalid(challenge(), "the API key is not valid")))?,
        Ok(Some(token)) => token_principal(&state.app, token).await?,
        Ok(None) => match &state.anonymous {
            Some(tenant) => Principal::operator(tenant.clone(), "anonymous"),
            None => return Err(ApiError::Unauthorized(challenge())),
        },
    };
    request.extensions_mut().insert(principal);
    Ok(next.run(request).await)
}

/// The principal of a tenant's API key, a service account with the roles
/// of its tenant's policy; `None` for a key that matches no tenant.
async fn key_principal(app: &App, key: &str) -> Result<Option<Principal>, ApiError> {
    let snapshot = &app.snapshot;
    let generation = snapshot.current().await.map_err(internal)?;
    let Some(tenant) = snapshot.authenticate(&generation, key).await.map_err(internal)? else { return Ok(None) };
    let policy = snapshot.policy(&generation, &tenant).await.map_err(internal)?;
    let permissions = snapshot.permissions(&generation, &policy.key_roles).await.map_err(internal)?;
    let key_id = ApiKey::parse(key).map(|(id, _)| id).unwrap_or_default();
    Ok(Some(Principal {
        tenant,
        subject: format!("key:{key_id}").into(),
        issuer: None,
        permissions: Arc::new(permissions),
    }))
}

/// The principal of a bearer JWT from a trusted issuer, for a registered
/// tenant, with at least one role this server knows.
async fn token_principal(app: &App, token: &str) -> Result<Principal, ApiError> {
    let snapshot = &app.snapshot;
    let generation = snapshot.current().await.map_err(internal)?;
    let verified = verify_token(app, &generation, token).await?;
    let tenant: Arc<str> = verified.tenant.as_str().into();
    let metadata = app.auth.metadata_url();
    let registered =
        matches!(*snapshot.access(&generation, &tenant).await.map_err(internal)?, PluginAccess::Enabled(_));
    if !registered {
        let challenge = Challenge { metadata, ..Challenge::default() };
        return Err(ApiError::Unauthorized(invalid(challenge, "the token names a tenant this server does not have")));
    }
    let permissions = snapshot.permissions(&generation, &verified.roles).await.map_err(internal)?;
    if permissions.roles().is_empty() {
        let scope = snapshot.role_names(&generation).await.map_err(internal)?.join(" ");
        let description = "the token carries none of the roles in `scope`".to_owned();
        let challenge = Challenge { metadata, error: Some(("insufficient_scope", description)), scope: Some(scope) };
        return Err(ApiError::InsufficientScope(challenge));
    }
    Ok(Principal {
        tenant,
        subject: verified.subject.into(),
        issuer: Some(verified.issuer.issuer.into()),
        permissions: Arc::new(permissions),
    })
}

/// Validates a bearer JWT against the issuers trusted in `generation`:
/// what it proves, or a 401 saying why not. Also how the admin API checks
/// an admin's token.
pub async fn verify_token(app: &App, generation: &Generation, token: &str) -> Result<Verified, ApiError> {
    let challenge = || Challenge { metadata: app.auth.metadata_url(), ..Challenge::default() };
    let Some(resource) = app.auth.resource.as_deref() else {
        return Err(ApiError::Unauthorized(invalid(challenge(), "this server takes API keys only")));
    };
    let issuers = app.snapshot.issuers(generation).await.map_err(internal)?;
    jwt::verify(token, &issuers, &app.keys, resource, app.auth.leeway_secs).await.map_err(|error| match error {
        TokenError::Unreachable(reason) => ApiError::Internal(format!("cannot check a token: {reason}")),
        refused => {
            tracing::info!("refused a bearer token: {refused}");
            ApiError::Unauthorized(invalid(challenge(), &refused.to_string()))
        }
    })
}

/// `challenge` with `invalid_token` and why.
fn invalid(challenge: Challenge, why: &str) -> Challenge {
    Challenge { error: Some(("invalid_token", why.to_owned())), ..challenge }
}

fn internal(error: SnapshotError) -> ApiError {
    ApiError::Internal(error.to_string())
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
