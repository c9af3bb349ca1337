//! `/.well-known/oauth-protected-resource`: this server described as an
//! OAuth 2.0 protected resource (RFC 9728), so that an MCP client told
//! `401` can find which identity providers issue tokens for it. The
//! document names the resource (`[auth] resource`), the trusted issuers as
//! its authorization servers, and the roles as the scopes a token may
//! carry. It is served at the well-known path itself and with the
//! resource's path after it (`/.well-known/oauth-protected-resource/mcp`),
//! where RFC 9728 §3.1 has clients look. Without `[auth] resource` it is
//! 404: the server takes API keys only.

use super::error::ApiError;
use crate::app::App;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

/// The metadata routes; public, as discovery must be.
pub fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/.well-known/oauth-protected-resource", get(metadata))
        .route("/.well-known/oauth-protected-resource/{*path}", get(metadata))
        .with_state(app)
}

async fn metadata(State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let Some(resource) = &app.auth.resource else {
        return Err(ApiError::NotFound("this server takes API keys only: no [auth] resource is set".into()));
    };
    let internal = |error: crate::snapshot::SnapshotError| ApiError::Internal(error.to_string());
    let generation = app.snapshot.current().await.map_err(internal)?;
    let issuers = app.snapshot.issuers(&generation).await.map_err(internal)?;
    let scopes = app.snapshot.role_names(&generation).await.map_err(internal)?;
    let servers: Vec<&str> = issuers.iter().map(|issuer| issuer.issuer.as_str()).collect();
    Ok(Json(json!({
        "resource": resource,
        "authorization_servers": servers,
        "scopes_supported": scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "Berth",
    })))
}
