//! `/requests/{id}/notes`: a request's notes, and adding one. A note is
//! public (`show_to_requester: true`) or private to technicians; it is
//! written by the user the OAuth token acts as ([`super::ADMIN_EMAIL`]).
//! Notes may be added to closed requests, as in SDP.

use super::api::{self, entity, input, record_id, wrapped};
use super::error::SdpError;
use super::hooks::Event;
use super::list_info::ListInfo;
use super::model::Note;
use super::requests::stamp;
use super::{ADMIN_EMAIL, Portal, lock, render};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

/// `GET requests/{id}/notes`: `{"request_notes": […], …}`, oldest first
/// unless sorted otherwise.
pub async fn list(
    State(portal): State<Arc<Portal>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, SdpError> {
    let info = ListInfo::parse(input(query.as_deref(), b"")?.as_ref(), ("created_time", false))?;
    let records: Vec<Value> = {
        let store = lock(&portal.store);
        let id = record_id(&id)?;
        store.request(id).ok_or(SdpError::NotFound)?;
        store.notes_of(id).into_iter().map(|note| render::note(&store, note)).collect()
    };
    let (rows, list_info) = info.page(records)?;
    Ok(api::list("request_notes", rows, list_info))
}

/// `POST requests/{id}/notes` with `input_data={"request_note":{…}}`:
/// `description` is mandatory (4012). 201 `{"request_note": …}`.
pub async fn add(
    State(portal): State<Arc<Portal>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, SdpError> {
    let fields = wrapped(input(query.as_deref(), &body)?, "request_note")?;
    let description = fields.get("description").and_then(Value::as_str).map(str::trim).unwrap_or_default();
    if description.is_empty() {
        return Err(SdpError::MandatoryMissing(vec!["description".to_owned()]));
    }
    let flag = |key: &str| fields.get(key).and_then(Value::as_bool).unwrap_or(false);
    let (request, note) = {
        let mut store = lock(&portal.store);
        let request_id = record_id(&id)?;
        let previous = store.request(request_id).ok_or(SdpError::NotFound)?.updated;
        let author = store.person_by_email(ADMIN_EMAIL).map(|person| person.id).unwrap_or_default();
        let now = stamp(previous);
        let note = Note {
            id: store.next_id(),
            request: request_id,
            description: description.to_owned(),
            public: flag("show_to_requester"),
            notify_technician: flag("notify_technician"),
            mark_first_response: flag("mark_first_response"),
            author,
            created: now,
        };
        if let Some(request) = store.request_mut(request_id) {
            request.updated = now;
        }
        let rendered = render::note(&store, &note);
        store.notes.push(note);
        let request = store.request(request_id).map(|request| render::request(&store, request));
        (request.unwrap_or_default(), rendered)
    };
    portal.hooks.emit(Event::NoteAdded, &request, Some(&note));
    Ok(entity(StatusCode::CREATED, "request_note", note))
}
