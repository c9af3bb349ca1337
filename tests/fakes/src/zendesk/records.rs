//! Answers that show records by id: one record (`/tickets/{id}`,
//! `/users/{id}`, `/users/me`, `/groups/{id}`) as `{"ticket": {…}}` and the
//! like, or several (`show_many?ids=1,2,3`) as an offset page that has no
//! other pages.

use super::api::record_id;
use super::error::ApiError;
use super::model::{Group, Ticket, User};
use super::paging::Params;
use super::render::Render;
use super::store::Store;
use super::{Account, lock};
use crate::origin;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// A kind of record the API shows by id.
pub trait Shown {
    /// What an answer calls one of them (`ticket`); several are this with
    /// an `s`.
    const KEY: &'static str;

    /// The record `id`, if there is one.
    fn find(store: &Store, id: u64) -> Option<&Self>;

    /// The record as the API writes it.
    fn write(&self, render: &Render<'_>) -> Value;
}

impl Shown for Ticket {
    const KEY: &'static str = "ticket";

    fn find(store: &Store, id: u64) -> Option<&Self> {
        store.ticket(id)
    }

    fn write(&self, render: &Render<'_>) -> Value {
        render.ticket(self)
    }
}

impl Shown for User {
    const KEY: &'static str = "user";

    fn find(store: &Store, id: u64) -> Option<&Self> {
        store.user(id)
    }

    fn write(&self, render: &Render<'_>) -> Value {
        render.user(self)
    }
}

impl Shown for Group {
    const KEY: &'static str = "group";

    fn find(store: &Store, id: u64) -> Option<&Self> {
        store.group(id)
    }

    fn write(&self, render: &Render<'_>) -> Value {
        render.group(self)
    }
}

/// `GET /api/v2/tickets/{id}`, `/users/{id}` or `/groups/{id}`.
pub async fn show<R: Shown>(
    State(account): State<Arc<Account>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = record_id(&id)?;
    one::<R>(&account, id, &origin(&uri, &headers))
}

/// `GET /api/v2/tickets/show_many?ids=…` or `/users/show_many?ids=…`: the
/// records that exist, in the order asked.
pub async fn show_many<R: Shown>(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    many::<R>(&account, &Params::parse(raw.as_deref()), &origin(&uri, &headers))
}

/// Record `id` for a client at `origin`, as `{"ticket": {…}}` and the like;
/// 404 when there is none.
pub fn one<R: Shown>(account: &Account, id: u64, origin: &str) -> Result<Response, ApiError> {
    let store = lock(&account.store);
    let record = R::find(&store, id).ok_or(ApiError::RecordNotFound)?;
    Ok(Json(json!({ R::KEY: record.write(&Render::new(origin, &store)) })).into_response())
}

/// The records the `ids` parameter names, those that exist, in the order
/// asked, for a client at `origin`.
pub fn many<R: Shown>(account: &Account, params: &Params, origin: &str) -> Response {
    let store = lock(&account.store);
    let render = Render::new(origin, &store);
    let records: Vec<Value> =
        ids(params).into_iter().filter_map(|id| R::find(&store, id)).map(|record| record.write(&render)).collect();
    let count = records.len();
    let key = format!("{}s", R::KEY);
    Json(json!({ key: records, "next_page": null, "previous_page": null, "count": count })).into_response()
}

/// The ids in an `ids=1,2,3` parameter (at most 100; others ignored).
fn ids(params: &Params) -> Vec<u64> {
    params.get("ids").unwrap_or_default().split(',').filter_map(|id| id.trim().parse().ok()).take(100).collect()
}
