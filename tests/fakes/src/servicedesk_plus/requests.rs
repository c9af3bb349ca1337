//! `/requests`: list, read, create, update and close. Every write stamps
//! `last_updated_time` and sends the portal's webhooks.

use super::api::{self, entity, input, record_id, wrapped};
use super::error::SdpError;
use super::hooks::Event;
use super::list_info::ListInfo;
use super::model::Request;
use super::store::Store;
use super::{Portal, lock, render, writes};
use crate::clock;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// A write's time: now, but always after `previous` so every change is
/// visible in `last_updated_time`.
pub fn stamp(previous: i64) -> i64 {
    clock::unix_millis_now().max(previous + 1)
}

/// `GET requests?input_data={"list_info":…}`: newest first unless
/// sorted otherwise; rows without `description` (they carry
/// `short_description`).
pub async fn list(State(portal): State<Arc<Portal>>, RawQuery(query): RawQuery) -> Result<Response, SdpError> {
    let info = ListInfo::parse(input(query.as_deref(), b"")?.as_ref(), ("created_time", true))?;
    let records: Vec<Value> = {
        let store = lock(&portal.store);
        store.requests.iter().map(|request| render::request(&store, request)).collect()
    };
    let (rows, list_info) = info.page(records)?;
    let rows = rows.into_iter().map(|row| render::list_row(row, info.fields_required.as_deref())).collect();
    Ok(api::list("requests", rows, list_info))
}

/// `GET requests/{id}`.
pub async fn show(State(portal): State<Arc<Portal>>, Path(id): Path<String>) -> Result<Response, SdpError> {
    let id = record_id(&id)?;
    let store = lock(&portal.store);
    let request = store.request(id).ok_or(SdpError::NotFound)?;
    Ok(entity(StatusCode::OK, "request", render::request(&store, request)))
}

/// `POST requests` with `input_data={"request":{…}}`: `subject` and
/// `requester` are mandatory (4012); the status defaults to Open. 201.
pub async fn create(
    State(portal): State<Arc<Portal>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, SdpError> {
    let fields = wrapped(input(query.as_deref(), &body)?, "request")?;
    let missing = writes::missing(&fields);
    if !missing.is_empty() {
        return Err(SdpError::MandatoryMissing(missing));
    }
    let rendered = {
        let mut store = lock(&portal.store);
        let now = clock::unix_millis_now();
        let open = store.status_named("Open").map(|status| status.id).unwrap_or_default();
        let mut request = Request {
            id: 0,
            display_id: store.next_display_id(),
            subject: String::new(),
            description: String::new(),
            status: open,
            priority: None,
            requester: 0,
            technician: None,
            group: None,
            category: None,
            created: now,
            updated: now,
            resolved: None,
            completed: None,
            due_by: None,
            closure: None,
        };
        writes::apply(&store, &mut request, &fields, now)?;
        request.id = store.next_id();
        let rendered = render::request(&store, &request);
        store.requests.push(request);
        rendered
    };
    portal.hooks.emit(Event::RequestCreated, &rendered, None);
    Ok(entity(StatusCode::CREATED, "request", rendered))
}

/// Request `id` to change: 4007 if there is none, 4002 if it is closed.
fn editable(store: &Store, id: &str) -> Result<Request, SdpError> {
    let request = store.request(record_id(id)?).ok_or(SdpError::NotFound)?;
    if store.is_closed(request) {
        return Err(SdpError::Forbidden("The request is closed and cannot be edited".to_owned()));
    }
    Ok(request.clone())
}

/// Puts `after` in place of the request it is, and renders it.
fn replace(store: &mut Store, after: Request) -> Value {
    let rendered = render::request(store, &after);
    if let Some(request) = store.request_mut(after.id) {
        *request = after;
    }
    rendered
}

/// `PUT requests/{id}` with `input_data={"request":{…}}`.
pub async fn update(
    State(portal): State<Arc<Portal>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, SdpError> {
    let fields = wrapped(input(query.as_deref(), &body)?, "request")?;
    let (rendered, closed) = {
        let mut store = lock(&portal.store);
        let mut after = editable(&store, &id)?;
        let now = stamp(after.updated);
        after.updated = now;
        writes::apply(&store, &mut after, &fields, now)?;
        let closed = after.completed.is_some();
        (replace(&mut store, after), closed)
    };
    portal.hooks.emit(if closed { Event::RequestClosed } else { Event::RequestUpdated }, &rendered, None);
    Ok(entity(StatusCode::OK, "request", rendered))
}

/// `PUT requests/{id}/close`, optionally with
/// `input_data={"request":{"closure_info":{…}}}`. Answers only a status.
pub async fn close(
    State(portal): State<Arc<Portal>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, SdpError> {
    let closure_info = input(query.as_deref(), &body)?
        .and_then(|mut input| input.pointer_mut("/request/closure_info").map(Value::take));
    let rendered = {
        let mut store = lock(&portal.store);
        let mut after = editable(&store, &id)?;
        let now = stamp(after.updated);
        after.updated = now;
        writes::close(&store, &mut after, closure_info.as_ref(), now)?;
        replace(&mut store, after)
    };
    portal.hooks.emit(Event::RequestClosed, &rendered, None);
    let done = json!({"status_code": 2000, "type": "success", "message": "Request(s) closed successfully."});
    Ok(axum::Json(json!({"response_status": {"status_code": 2000, "messages": [done], "status": "success"}}))
        .into_response())
}
