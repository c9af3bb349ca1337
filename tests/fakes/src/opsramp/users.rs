//! `GET users/search`: the tenant's users, found by e-mail address, login
//! name or name (exact, any case).

use super::error::OpsRampError;
use super::search::Search;
use super::{Tenant, lock};
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;
use std::sync::Arc;

/// The `queryString` keys a user search takes.
const KEYS: &[&str] = &["email", "loginName", "firstName", "lastName"];

/// `GET users/search`.
pub async fn search(State(tenant): State<Arc<Tenant>>, RawQuery(query): RawQuery) -> Result<Json<Value>, OpsRampError> {
    let search = Search::parse(query.as_deref(), KEYS)?;
    let store = lock(&tenant.store);
    let matches = |key: &str, value: &str| {
        search.values(key).is_none_or(|wanted| wanted.iter().any(|each| each.eq_ignore_ascii_case(value)))
    };
    let found: Vec<Value> = store
        .users
        .iter()
        .filter(|user| {
            matches("email", &user.email)
                && matches("loginName", &user.login_name)
                && matches("firstName", &user.first_name)
                && matches("lastName", &user.last_name)
        })
        .map(|user| user.json())
        .collect();
    Ok(Json(search.envelope(found, search.sort_by(&["loginName"], "loginName")?)))
}
