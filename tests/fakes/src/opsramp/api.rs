//! The routes, and what every API request passes first ([`guard`]): a
//! bearer token the fake issued, the one tenant the key may reach, then
//! the rate limit.

use super::error::OpsRampError;
use super::{Tenant, alerts, incidents, lock, oauth, users};
use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Instant;

/// The fake's router: the token endpoint and the tenant API.
pub fn router(tenant: Arc<Tenant>) -> Router {
    let api = Router::new()
        .route("/incidents", post(incidents::create))
        .route("/incidents/search", get(incidents::search))
        .route("/incidents/{id}", get(incidents::show).post(incidents::update))
        .route("/incidents/{id}/responses", post(incidents::respond))
        .route("/incidents/{id}/responses/search", get(incidents::responses))
        .route("/alerts/search", get(alerts::search))
        .route("/alerts/{id}", get(alerts::show))
        .route("/alerts/{id}/actions/{action}", post(alerts::act))
        .route("/users/search", get(users::search))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(tenant.clone(), guard));
    Router::new()
        .route("/auth/oauth/token", post(oauth::token))
        .route("/tenancy/auth/oauth/token", post(oauth::token))
        .nest("/api/v2/tenants/{tenant}", api)
        .fallback(not_found)
        .with_state(tenant)
}

/// Any path that is not an endpoint.
async fn not_found() -> OpsRampError {
    OpsRampError::NotFound("No such API endpoint".to_owned())
}

/// A valid bearer token (else 401), the key's own tenant (else 403), then
/// the rate limit (429).
async fn guard(
    State(tenant): State<Arc<Tenant>>,
    OriginalUri(uri): OriginalUri,
    request: Request,
    next: Next,
) -> Response {
    let authorised = oauth::presented(request.headers()).is_some_and(|token| lock(&tenant.tokens).valid(token));
    if !authorised {
        return OpsRampError::InvalidToken.into_response();
    }
    let asked = uri.path().strip_prefix("/api/v2/tenants/").and_then(|rest| rest.split('/').next());
    if asked != Some(tenant.options.tenant_id.as_str()) {
        return OpsRampError::AccessDenied.into_response();
    }
    if let Err(refusal) = lock(&tenant.limit).admit(Instant::now()) {
        let reset = (refusal.lifts_at_millis + 999).div_euclid(1000);
        return OpsRampError::Throttled { reset }.into_response();
    }
    next.run(request).await
}
