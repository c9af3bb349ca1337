//! Users and groups: show a user, show many, search users by email or
//! name, the caller's own profile (`/users/me`), and the groups.

use super::api::{Caller, origin, record_id};
use super::error::ApiError;
use super::paging::{self, Entry, Link, OFFSET_DEPTH, Order, Params, SortKey};
use super::render::Render;
use super::tickets::ids;
use super::{Account, lock, text};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn by_id() -> Order {
    Order { name: "id".to_owned(), descending: false }
}

fn key(id: u64) -> SortKey {
    SortKey::Int(i64::try_from(id).unwrap_or(i64::MAX))
}

/// `GET /api/v2/users/{id}`.
pub async fn user(
    State(account): State<Arc<Account>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = record_id(&id)?;
    let store = lock(&account.store);
    let user = store.user(id).ok_or(ApiError::RecordNotFound)?;
    Ok(axum::Json(json!({"user": Render::new(&origin(&uri, &headers), &store).user(user)})).into_response())
}

/// `GET /api/v2/users/me`: the authenticated user.
pub async fn me(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = lock(&account.store);
    let user = store.user(caller.id).ok_or(ApiError::RecordNotFound)?;
    Ok(axum::Json(json!({"user": Render::new(&origin(&uri, &headers), &store).user(user)})).into_response())
}

/// `GET /api/v2/users/show_many?ids=…`.
pub async fn show_many(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let users: Vec<Value> =
        ids(&params).into_iter().filter_map(|id| store.user(id)).map(|user| render.user(user)).collect();
    let count = users.len();
    Ok(axum::Json(json!({"users": users, "next_page": null, "previous_page": null, "count": count})).into_response())
}

/// `GET /api/v2/users/search?query=…`: users whose email is the query, or
/// whose name has its words (as prefixes, in order). Without a query, none.
pub async fn search(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let paging = paging::paging(&params, 100, 100)?;
    let query = params.get("query").unwrap_or_default().trim().to_owned();
    let words = text::words(&query);
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let entries: Vec<Entry> = store
        .users
        .iter()
        .filter(|user| !words.is_empty() && (user.email.eq_ignore_ascii_case(&query) || name_has(&user.name, &words)))
        .map(|user| Entry { key: key(user.id), id: user.id, value: render.user(user) })
        .collect();
    let link = Link { url: render.url("/api/v2/users/search.json"), params: &params };
    let envelope = paging::page("users", entries, &paging, &by_id(), &link, (OFFSET_DEPTH, ApiError::PaginationDepth))?;
    Ok(axum::Json(envelope).into_response())
}

/// Whether `words` occur in `name`, in order, each a prefix of a name word.
fn name_has(name: &str, words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    let name = text::words(name);
    name.windows(words.len()).any(|window| window.iter().zip(words).all(|(have, want)| have.starts_with(want.as_str())))
}

/// `GET /api/v2/groups`.
pub async fn groups(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let paging = paging::paging(&params, 100, 100)?;
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let entries: Vec<Entry> = store
        .groups
        .iter()
        .map(|group| Entry { key: key(group.id), id: group.id, value: render.group(group) })
        .collect();
    let link = Link { url: render.url("/api/v2/groups.json"), params: &params };
    let envelope =
        paging::page("groups", entries, &paging, &by_id(), &link, (OFFSET_DEPTH, ApiError::PaginationDepth))?;
    Ok(axum::Json(envelope).into_response())
}

/// `GET /api/v2/groups/{id}`.
pub async fn group(
    State(account): State<Arc<Account>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = record_id(&id)?;
    let store = lock(&account.store);
    let group = store.group(id).ok_or(ApiError::RecordNotFound)?;
    Ok(axum::Json(json!({"group": Render::new(&origin(&uri, &headers), &store).group(group)})).into_response())
}
