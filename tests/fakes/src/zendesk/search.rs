//! The Search API: `/search` (offset pages only, at most 1,000 results),
//! `/search/count` and `/search/export` (cursor pages, one record type).
//! Queries are [`super::query`]'s language; results are the records with
//! `"result_type"` added.

use super::api::Caller;
use super::error::ApiError;
use super::model::{Priority, Status, TicketType};
use super::paging::{self, Entry, Link, Order, Paging, Params, Position, SortKey, rank};
use super::query::{Kind, Query, Record};
use super::render::Render;
use super::store::Store;
use super::{Account, clock, lock};
use crate::origin;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// The most results a search reaches.
pub const RESULT_LIMIT: usize = 1_000;
/// `page[size]` of an export when none is given, and its maximum.
const EXPORT_SIZE: (usize, usize) = (100, 1_000);

/// The query text, which every search needs.
fn query_text(params: &Params) -> Result<&str, ApiError> {
    params
        .get("query")
        .filter(|query| !query.trim().is_empty())
        .ok_or_else(|| ApiError::InvalidSearch("query parameter is required".to_owned()))
}

/// The records `query` finds (restricted to `kinds` when given).
fn run<'a>(store: &'a Store, query: &Query, caller: u64, only: Option<Kind>) -> Vec<Record<'a>> {
    let kinds: Vec<Kind> = query.kinds().into_iter().filter(|kind| only.is_none_or(|only| only == *kind)).collect();
    let mut records: Vec<Record<'a>> = Vec::new();
    if kinds.contains(&Kind::Ticket) {
        records.extend(store.tickets.iter().map(Record::Ticket));
    }
    if kinds.contains(&Kind::User) {
        records.extend(store.users.iter().map(Record::User));
    }
    if kinds.contains(&Kind::Group) {
        records.extend(store.groups.iter().map(Record::Group));
    }
    records.retain(|record| query.matches(record, store, caller));
    records
}

/// A record's id and its value for sorting by `field`.
fn sort_key(record: &Record<'_>, field: &str) -> (u64, SortKey) {
    let (id, created, updated) = match record {
        Record::Ticket(ticket) => (ticket.id, ticket.created_at, ticket.updated_at),
        Record::User(user) => (user.id, user.created_at, user.updated_at),
        Record::Group(group) => (group.id, group.created_at, group.updated_at),
    };
    let ticket = match record {
        Record::Ticket(ticket) => Some(*ticket),
        _ => None,
    };
    let key = match field {
        "created" | "created_at" => created,
        "priority" => rank(Priority::ALL, ticket.and_then(|ticket| ticket.priority)),
        "status" => rank(Status::ALL, ticket.map(|ticket| ticket.status)),
        "ticket_type" | "type" => rank(TicketType::ALL, ticket.and_then(|ticket| ticket.kind)),
        "id" => i64::try_from(id).unwrap_or(i64::MAX),
        _ => updated,
    };
    (id, SortKey::Int(key))
}

/// The record as a search result.
fn result(render: &Render<'_>, record: &Record<'_>) -> Value {
    let mut value = match record {
        Record::Ticket(ticket) => render.ticket(ticket),
        Record::User(user) => render.user(user),
        Record::Group(group) => render.group(group),
    };
    if let Value::Object(fields) = &mut value {
        fields.insert("result_type".to_owned(), json!(record.kind().as_str()));
    }
    value
}

/// `records` as search results, sorted by `field` in `order`.
fn results(render: &Render<'_>, records: &[Record<'_>], field: &str, order: &Order) -> Vec<Entry> {
    let mut entries: Vec<Entry> = records
        .iter()
        .map(|record| {
            let (id, key) = sort_key(record, field);
            Entry { key, id, value: result(render, record) }
        })
        .collect();
    order.sort(&mut entries);
    entries
}

/// One page of `results` (in `order`) under `"results"`, with
/// `"facets": null`, its links going to `link`; pages reach at most `reach`
/// results.
fn results_page(
    results: Vec<Entry>,
    paging: &Paging,
    order: &Order,
    link: &Link<'_>,
    reach: usize,
) -> Result<Response, ApiError> {
    let mut envelope = paging::page("results", results, paging, order, link, (reach, ApiError::SearchLimit))?;
    envelope.insert("facets".to_owned(), Value::Null);
    Ok(axum::Json(envelope).into_response())
}

/// `GET /api/v2/search?query=…`: offset pages (`page`, `per_page` up to
/// 100), sorted by `sort_by` (`updated_at`, `created_at`, `priority`,
/// `status`, `ticket_type`) and `sort_order` (default `desc`), or inline
/// `order_by:`/`sort:`; without either, most recently updated first (the
/// fake's stand-in for relevance).
pub async fn search(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    if params.has_cursor_params() {
        return Err(ApiError::InvalidAttribute(
            "You passed an invalid value for the page attribute. Invalid parameter: page must be an integer from \
             api/v2/search/index"
                .to_owned(),
        ));
    }
    let paging = paging::paging(&params, 100, 100)?;
    let query = Query::parse(query_text(&params)?, clock::now());
    let field = params.get("sort_by").map(str::to_owned).or_else(|| query.order_by.clone()).unwrap_or_default();
    let descending =
        params.get("sort_order").map(|order| !order.eq_ignore_ascii_case("asc")).or(query.descending).unwrap_or(true);
    let order = Order { name: format!("{}{field}", if descending { "-" } else { "" }), descending };
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let results = results(&render, &run(&store, &query, caller.id, None), &field, &order);
    let link = Link { url: render.url("/api/v2/search.json"), params: &params };
    results_page(results, &paging, &order, &link, RESULT_LIMIT)
}

/// `GET /api/v2/search/count?query=…`: `{"count": N}`.
pub async fn count(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let query = Query::parse(query_text(&params)?, clock::now());
    let store = lock(&account.store);
    Ok(axum::Json(json!({"count": run(&store, &query, caller.id, None).len()})).into_response())
}

/// `GET /api/v2/search/export?query=…&filter[type]=ticket`: every result
/// of one type, by id, in cursor pages (`page[size]` up to 1000,
/// `page[after]`).
pub async fn export(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let Some(kind) = params.get("filter[type]").and_then(Kind::parse) else {
        return Err(ApiError::InvalidAttribute(
            "You passed an invalid value for the filter[type] attribute. It must be one of ticket, user, \
             organization, group"
                .to_owned(),
        ));
    };
    if params.has("page") || params.has("per_page") {
        return Err(ApiError::InvalidAttribute(
            "You passed an invalid value for the page attribute. Search export supports only cursor pagination \
             (page[size], page[after])"
                .to_owned(),
        ));
    }
    let paging = match paging::paging(&params, EXPORT_SIZE.1, EXPORT_SIZE.0)? {
        Paging::Offset { .. } => Paging::Cursor { size: EXPORT_SIZE.0, position: Position::Start },
        cursor => cursor,
    };
    let query = Query::parse(query_text(&params)?, clock::now());
    let order = Order { name: "id".to_owned(), descending: false };
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let results = results(&render, &run(&store, &query, caller.id, Some(kind)), "id", &order);
    let link = Link { url: render.url("/api/v2/search/export.json"), params: &params };
    results_page(results, &paging, &order, &link, usize::MAX)
}
