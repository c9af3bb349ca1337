//! The Tickets API: list (cursor or offset pages, sortable), show many
//! (with the ticket list's rate-limit headers), create (201 + `Location`,
//! with the audit), update (with the audit; the only way to add comments)
//! and the comments of a ticket. Showing one by id is
//! [`super::records`]'s.

use super::api::{Caller, TicketList, record_id};
use super::error::ApiError;
use super::model::{Priority, Status, Ticket, TicketType};
use super::paging::{Entry, Listing, Order, Params, SortKey, rank};
use super::records;
use super::render::Render;
use super::writes::{self, TicketWrite, Writer};
use super::{Account, clock, lock};
use crate::origin;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// Attributes tickets can be sorted by.
const SORTABLE: &[&str] = &["id", "created_at", "updated_at", "status", "priority", "subject", "type", "ticket_type"];

/// A ticket's value for sorting by `field` (one of [`SORTABLE`]).
pub fn sort_key(ticket: &Ticket, field: &str) -> SortKey {
    match field {
        "created_at" => SortKey::Int(ticket.created_at),
        "updated_at" => SortKey::Int(ticket.updated_at),
        "status" => SortKey::Int(rank(Status::ALL, Some(ticket.status))),
        "priority" => SortKey::Int(rank(Priority::ALL, ticket.priority)),
        "subject" => SortKey::Text(ticket.subject.to_lowercase()),
        "type" | "ticket_type" => SortKey::Int(rank(TicketType::ALL, ticket.kind)),
        _ => SortKey::Int(i64::try_from(ticket.id).unwrap_or(i64::MAX)),
    }
}

/// The listing order: cursor-style `sort=-updated_at`, else
/// `sort_by`/`sort_order`, else by id, ascending.
fn order(params: &Params) -> Result<(String, Order), ApiError> {
    let (field, descending) = match (params.get("sort"), params.get("sort_by")) {
        (Some(sort), _) => match sort.trim().strip_prefix('-') {
            Some(field) => (field.to_owned(), true),
            None => (sort.trim().to_owned(), false),
        },
        (None, Some(field)) => {
            (field.trim().to_owned(), params.get("sort_order").is_some_and(|order| order.eq_ignore_ascii_case("desc")))
        }
        (None, None) => ("id".to_owned(), false),
    };
    if !SORTABLE.contains(&field.as_str()) {
        return Err(ApiError::InvalidAttribute(format!(
            "You passed an invalid value for the sort attribute. {field} is not one of {}",
            SORTABLE.join(", ")
        )));
    }
    let name = if descending { format!("-{field}") } else { field.clone() };
    Ok((field, Order { name, descending }))
}

/// `GET /api/v2/tickets`.
pub async fn list(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let listing = Listing::parse(raw.as_deref())?;
    let (field, order) = order(&listing.params)?;
    let origin = origin(&uri, &headers);
    let store = lock(&account.store);
    let render = Render::new(&origin, &store);
    let mut entries: Vec<Entry> = store
        .tickets
        .iter()
        .map(|ticket| Entry { key: sort_key(ticket, &field), id: ticket.id, value: render.ticket(ticket) })
        .collect();
    order.sort(&mut entries);
    let mut response = listing.page("tickets", entries, &order, render.url("/api/v2/tickets.json"))?;
    response.extensions_mut().insert(TicketList);
    Ok(response)
}

/// `GET /api/v2/tickets/show_many?ids=…`: the tickets that exist, in the
/// order asked, answered as a ticket list (which has its own rate-limit
/// headers).
pub async fn show_many(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut response = records::many::<Ticket>(&account, &Params::parse(raw.as_deref()), &origin(&uri, &headers));
    response.extensions_mut().insert(TicketList);
    Ok(response)
}

/// `POST /api/v2/tickets`.
pub async fn create(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let write = TicketWrite::parse(&body)?;
    let origin = origin(&uri, &headers);
    let mut store = lock(&account.store);
    let writer = Writer { user_id: caller.id, now: clock::now(), client: caller.client };
    let (id, audit) = writes::create(&mut store, &write, &writer)?;
    let render = Render::new(&origin, &store);
    let ticket = store.ticket(id).ok_or(ApiError::RecordNotFound)?;
    let body = json!({"ticket": render.ticket(ticket), "audit": render.audit(&audit)});
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(location) = HeaderValue::try_from(render.url(&format!("/api/v2/tickets/{id}.json"))) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT /api/v2/tickets/{id}`.
pub async fn update(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = record_id(&id)?;
    let write = TicketWrite::parse(&body)?;
    let origin = origin(&uri, &headers);
    let mut store = lock(&account.store);
    let writer = Writer { user_id: caller.id, now: clock::now(), client: caller.client };
    let audit = writes::update(&mut store, id, &write, &writer)?;
    let render = Render::new(&origin, &store);
    let ticket = store.ticket(id).ok_or(ApiError::RecordNotFound)?;
    Ok(axum::Json(json!({"ticket": render.ticket(ticket), "audit": render.audit(&audit)})).into_response())
}

/// `GET /api/v2/tickets/{id}/comments`: oldest first, or newest first with
/// `sort_order=desc`.
pub async fn comments(
    State(account): State<Arc<Account>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = record_id(&id)?;
    let listing = Listing::parse(raw.as_deref())?;
    let descending = listing.params.get("sort_order").is_some_and(|order| order.eq_ignore_ascii_case("desc"));
    let order = Order { name: if descending { "-created_at" } else { "created_at" }.to_owned(), descending };
    let store = lock(&account.store);
    store.ticket(id).ok_or(ApiError::RecordNotFound)?;
    let render = Render::new(&origin(&uri, &headers), &store);
    let mut entries: Vec<Entry> = store
        .comments_of(id)
        .into_iter()
        .map(|comment| Entry { key: SortKey::Int(comment.created_at), id: comment.id, value: render.comment(comment) })
        .collect();
    order.sort(&mut entries);
    listing.page("comments", entries, &order, render.url(&format!("/api/v2/tickets/{id}/comments.json")))
}
