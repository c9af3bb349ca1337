//! Users and groups: search users by email or name, the caller's own
//! profile (`/users/me`), and the groups. Showing one or many by id is
//! [`super::records`]'s.

use super::api::Caller;
use super::error::ApiError;
use super::model::User;
use super::paging::{Entry, Listing, Order, SortKey};
use super::records;
use super::render::Render;
use super::{Account, lock, text};
use crate::origin;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::sync::Arc;

fn by_id() -> Order {
    Order { name: "id".to_owned(), descending: false }
}

fn key(id: u64) -> SortKey {
    SortKey::Int(i64::try_from(id).unwrap_or(i64::MAX))
}

/// `GET /api/v2/users/me`: the authenticated user.
pub async fn me(
    State(account): State<Arc<Account>>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    records::one::<User>(&account, caller.id, &origin(&uri, &headers))
}

/// `GET /api/v2/users/search?query=…`: users whose email is the query, or
/// whose name has its words (as prefixes, in order). Without a query, none.
pub async fn search(
    State(account): State<Arc<Account>>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let listing = Listing::parse(raw.as_deref())?;
    let query = listing.params.get("query").unwrap_or_default().trim().to_owned();
    let words = text::words(&query);
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let entries: Vec<Entry> = store
        .users
        .iter()
        .filter(|user| !words.is_empty() && (user.email.eq_ignore_ascii_case(&query) || name_has(&user.name, &words)))
        .map(|user| Entry { key: key(user.id), id: user.id, value: render.user(user) })
        .collect();
    listing.page("users", entries, &by_id(), render.url("/api/v2/users/search.json"))
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
    let listing = Listing::parse(raw.as_deref())?;
    let store = lock(&account.store);
    let render = Render::new(&origin(&uri, &headers), &store);
    let entries: Vec<Entry> = store
        .groups
        .iter()
        .map(|group| Entry { key: key(group.id), id: group.id, value: render.group(group) })
        .collect();
    listing.page("groups", entries, &by_id(), render.url("/api/v2/groups.json"))
}
