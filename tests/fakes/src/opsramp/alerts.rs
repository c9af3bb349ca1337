//! Alerts: search, read, and the actions OpsRamp answers with an empty
//! 200.

use super::error::OpsRampError;
use super::model::Alert;
use super::search::{Search, order};
use super::{Tenant, clock, lock};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The `queryString` keys an alert search takes.
const KEYS: &[&str] =
    &["states", "priority", "actions", "startDate", "endDate", "alertTimeBase", "ticketId", "uniqueId"];

/// `GET alerts/search`: `startDate`/`endDate` bound the raise time, or the
/// last change with `alertTimeBase:updated`.
pub async fn search(State(tenant): State<Arc<Tenant>>, RawQuery(query): RawQuery) -> Result<Json<Value>, OpsRampError> {
    let search = Search::parse(query.as_deref(), KEYS)?;
    let sort = search.sort_by(&["ts", "updatedTime"], "ts")?;
    let (start, end) = (search.date("startDate")?, search.date("endDate")?);
    let by_update = search.values("alertTimeBase").is_some_and(|base| base.iter().any(|base| base == "updated"));
    let is = |key: &str, value: &str| {
        search.values(key).is_none_or(|wanted| wanted.iter().any(|each| each.eq_ignore_ascii_case(value)))
    };
    let store = lock(&tenant.store);
    let mut found: Vec<&Alert> = store
        .alerts
        .iter()
        .filter(|alert| {
            let at = if by_update { alert.updated } else { alert.raised };
            is("states", &alert.current_state)
                && is("priority", &alert.priority)
                && is("actions", alert.action())
                && is("ticketId", alert.incident.as_deref().unwrap_or_default())
                && is("uniqueId", &alert.id.to_string())
                && start.is_none_or(|start| at >= start)
                && end.is_none_or(|end| at < end)
        })
        .collect();
    match sort {
        "updatedTime" => order(&mut found, search.descending, |alert| (alert.updated, alert.id)),
        _ => order(&mut found, search.descending, |alert| (alert.raised, alert.id)),
    }
    let results = found.into_iter().map(|alert| alert.json(&tenant.options.tenant_id)).collect();
    Ok(Json(search.envelope(results, sort)))
}

/// The alert `{id}` of the path, or 404.
fn find<'a>(alerts: &'a mut [Alert], path: &HashMap<String, String>) -> Result<&'a mut Alert, OpsRampError> {
    let id = path.get("id").map_or("", String::as_str);
    alerts
        .iter_mut()
        .find(|alert| alert.id.to_string() == id)
        .ok_or_else(|| OpsRampError::NotFound(format!("Alert not found: {id}")))
}

/// `GET alerts/{id}`.
pub async fn show(
    State(tenant): State<Arc<Tenant>>,
    Path(path): Path<HashMap<String, String>>,
) -> Result<Json<Value>, OpsRampError> {
    let mut store = lock(&tenant.store);
    Ok(Json(find(&mut store.alerts, &path)?.json(&tenant.options.tenant_id)))
}

/// `POST alerts/{id}/actions/{action}`: `acknowledge`, `unAcknowledge`,
/// `suppress`, `unSuppress` or `close`; an empty 200.
pub async fn act(
    State(tenant): State<Arc<Tenant>>,
    Path(path): Path<HashMap<String, String>>,
) -> Result<StatusCode, OpsRampError> {
    let mut store = lock(&tenant.store);
    let alert = find(&mut store.alerts, &path)?;
    let action = path.get("action").map_or("", String::as_str);
    let flag = match action {
        "acknowledge" | "unAcknowledge" => &mut alert.acknowledged,
        "suppress" | "unSuppress" => &mut alert.suppressed,
        "close" => &mut alert.closed,
        other => {
            let message =
                format!("Invalid action {other}; use acknowledge, unAcknowledge, suppress, unSuppress or close");
            return Err(OpsRampError::invalid("INVALID_ACTION", message));
        }
    };
    *flag = !action.starts_with("un");
    alert.updated = clock::unix_seconds_now();
    Ok(StatusCode::OK)
}
