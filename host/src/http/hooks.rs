//! `POST /hooks/{tenant}/{plugin}`: where upstream systems deliver their
//! webhooks. No API key: the delivery's signature (or shared secret),
//! checked against the tenant's webhook secret, is its authentication.
//! The answer comes as soon as the delivery is verified and recorded
//! (`202`), so a slow plugin never makes the upstream time out and retry;
//! a retry of a delivery already taken in is answered `200` and not
//! processed again.

use super::body::{BodyBounds, read_whole};
use super::error::ApiError;
use crate::app::App;
use crate::events::{Delivery, Receipt};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The route, with its own body cap (`[events] max_body_kib`: deliveries
/// are larger than MCP messages) and the HTTP body deadline.
pub fn routes(app: Arc<App>, body_timeout: Duration) -> Router {
    let bounds = BodyBounds { limit: app.events.settings().max_body_bytes(), timeout: body_timeout };
    Router::new()
        .route("/hooks/{tenant}/{plugin}", post(receive))
        .layer(axum::middleware::from_fn_with_state(bounds, read_whole))
        .with_state(app)
}

async fn receive(
    State(app): State<Arc<App>>,
    Path((tenant, plugin)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let delivery = Delivery { tenant, plugin, headers, body };
    Ok(match app.events.receive(&app, delivery).await? {
        Receipt::Accepted => (StatusCode::ACCEPTED, Json(json!({ "status": "accepted" }))),
        Receipt::Duplicate(so_far) => {
            (StatusCode::OK, Json(json!({ "status": "duplicate", "first_delivery": so_far })))
        }
    })
}
