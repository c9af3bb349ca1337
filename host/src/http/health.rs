//! `/healthz` (the process is alive) and `/readyz` (plugins are loaded and
//! the database answers). Outside authentication and the Host guard, so
//! load balancers and orchestrators can probe them.

use crate::app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;

/// The health routes.
pub fn routes(app: Arc<App>) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).with_state(app)
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(app): State<Arc<App>>) -> (StatusCode, Json<Value>) {
    let plugins = app.plugins.snapshot().len();
    let database = app.db.schema_version().is_ok();
    let ready = database;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(
            json!({ "status": if ready { "ready" } else { "not ready" }, "plugins": plugins, "database": if database { "ok" } else { "unavailable" } }),
        ),
    )
}
