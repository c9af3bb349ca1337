//! Bearer-key authentication. Every request to the MCP routes must carry
//! `Authorization: Bearer <key>`; it runs as that key's tenant. With
//! `--anonymous-tenant` (loopback only), a request without a key runs as
//! the named tenant; a request *with* a key is still checked.

use super::error::ApiError;
use crate::app::App;
use crate::tenants::{Principal, Tenants};
use axum::extract::{Request, State};
use axum::http::header;
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

/// Middleware: resolves the caller's tenant and stores a [`Principal`] in
/// the request's extensions, or answers 401.
pub async fn authenticate(
    State(state): State<AuthState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let tenant: Arc<str> = match request.headers().get(header::AUTHORIZATION) {
        Some(value) => {
            let key = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
                .ok_or(ApiError::Unauthorized)?;
            let app = state.app.clone();
            let key = key.trim().to_owned();
            let tenant = tokio::task::spawn_blocking(move || Tenants::new(&app.db).authenticate(&key))
                .await
                .map_err(|error| ApiError::Internal(error.to_string()))?
                .map_err(|error| ApiError::Internal(error.to_string()))?;
            tenant.ok_or(ApiError::Unauthorized)?.into()
        }
        None => state.anonymous.clone().ok_or(ApiError::Unauthorized)?,
    };
    request.extensions_mut().insert(Principal { tenant });
    Ok(next.run(request).await)
}
