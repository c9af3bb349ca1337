//! The lookups an adapter needs: `/technicians` (and one technician),
//! `/statuses` and `/priorities`, each a list with `list_info` paging and
//! criteria.

use super::api::{self, entity, input, record_id};
use super::error::SdpError;
use super::list_info::ListInfo;
use super::{Portal, lock, render};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

/// Pages `records` by the `list_info` of `query`.
fn page(key: &str, query: Option<&str>, default_sort: &str, records: Vec<Value>) -> Result<Response, SdpError> {
    let info = ListInfo::parse(input(query, b"")?.as_ref(), (default_sort, false))?;
    let (rows, list_info) = info.page(records)?;
    Ok(api::list(key, rows, list_info))
}

/// `GET technicians`: by name unless sorted otherwise.
pub async fn technicians(State(portal): State<Arc<Portal>>, RawQuery(query): RawQuery) -> Result<Response, SdpError> {
    let records = {
        let store = lock(&portal.store);
        store.people.iter().filter(|person| person.technician).map(render::technician).collect()
    };
    page("technicians", query.as_deref(), "name", records)
}

/// `GET technicians/{id}`.
pub async fn technician(State(portal): State<Arc<Portal>>, Path(id): Path<String>) -> Result<Response, SdpError> {
    let store = lock(&portal.store);
    let person = store.person(record_id(&id)?).filter(|person| person.technician).ok_or(SdpError::NotFound)?;
    Ok(entity(StatusCode::OK, "technician", render::technician(person)))
}

/// `GET statuses`, in the portal's order.
pub async fn statuses(State(portal): State<Arc<Portal>>, RawQuery(query): RawQuery) -> Result<Response, SdpError> {
    let records = lock(&portal.store).statuses.iter().map(render::status).collect();
    page("statuses", query.as_deref(), "id", records)
}

/// `GET priorities`, lowest first.
pub async fn priorities(State(portal): State<Arc<Portal>>, RawQuery(query): RawQuery) -> Result<Response, SdpError> {
    let records = lock(&portal.store).priorities.iter().map(|priority| render::named(Some(priority))).collect();
    page("priorities", query.as_deref(), "id", records)
}
