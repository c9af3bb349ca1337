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

/// Ready when the database answers a query and at least one plugin is
/// loaded; otherwise 503, with the reasons. A host without plugins serves
/// no tools, so it should get no traffic; but it is a snapshot and never
/// waits, so a host started on an empty plugins directory starts and stays
/// alive (`/healthz` is 200) and turns ready as soon as a plugin is loaded,
/// How long the readiness probe waits for the store.
const READY_QUERY: std::time::Duration = std::time::Duration::from_secs(2);

/// through the watched directory or the admin API, which stay reachable.
async fn readyz(State(app): State<Arc<App>>) -> (StatusCode, Json<Value>) {
    let plugins = app.plugins.snapshot().len();
    // One small query, bounded: a store that does not answer makes the
    // host unready rather than hang the probe.
    let database = match tokio::time::timeout(READY_QUERY, app.db.change_counter()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("the database did not answer within {} s", READY_QUERY.as_secs())),
    };
    let (status, body) = readiness(plugins, database);
    (status, Json(body))
}

/// The `/readyz` answer for `plugins` loaded and the database's state.
fn readiness(plugins: usize, database: Result<(), String>) -> (StatusCode, Value) {
    let mut reasons = Vec::new();
    if let Err(error) = &database {
        tracing::warn!("not ready: the database does not answer: {error}");
        reasons.push(format!("database unavailable: {error}"));
    }
    if plugins == 0 {
        reasons.push("no plugins loaded".to_owned());
    }
    let database = if database.is_ok() { "ok" } else { "unavailable" };
    if reasons.is_empty() {
        (StatusCode::OK, json!({ "status": "ready", "plugins": plugins, "database": database }))
    } else {
        let body =
            json!({ "status": "not ready", "plugins": plugins, "database": database, "reason": reasons.join("; ") });
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_with_plugins_and_a_database() {
        assert_eq!(
            readiness(2, Ok(())),
            (StatusCode::OK, json!({ "status": "ready", "plugins": 2, "database": "ok" }))
        );
        let (status, body) = readiness(3, Err("disk I/O error".to_owned()));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body,
            json!({ "status": "not ready", "plugins": 3, "database": "unavailable", "reason": "database unavailable: disk I/O error" })
        );
        let (status, body) = readiness(0, Err("locked".to_owned()));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["reason"], "database unavailable: locked; no plugins loaded");
    }
}
