//! The Table API's routes: `/api/now/table/{table}[/{sys_id}]`, also under
//! `/api/now/v1/` and `/api/now/v2/`. Every route needs authentication and
//! passes the rate-limit rule first ([`guard`]).
//!
//! - `GET` a table: `{"result":[…]}` with `X-Total-Count` and `Link`
//!   (v1 answers an empty selection with 404, v2 and the default with
//!   an empty list);
//! - `GET` a record: `{"result":{…}}`, or 404 "No Record found";
//! - `POST`: 201, `Location` and the new record;
//! - `PATCH` / `PUT`: the updated record;
//! - `DELETE`: 204.

use super::error::ApiError;
use super::params::Params;
use super::schema::Table;
use super::store::{Store, View};
use super::{Instance, auth, clock, lock};
use crate::origin;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The Table API's router.
pub fn router(instance: Arc<Instance>) -> Router {
    let collection = get(list).post(create);
    let member = get(read).patch(update).put(update).delete(remove);
    Router::new()
        .route("/api/now/table/{table}", collection.clone())
        .route("/api/now/table/{table}/{sys_id}", member.clone())
        .route("/api/now/{version}/table/{table}", collection)
        .route("/api/now/{version}/table/{table}/{sys_id}", member)
        .route_layer(middleware::from_fn_with_state(instance.clone(), guard))
        .with_state(instance)
}

/// The authenticated user, for handlers.
#[derive(Debug, Clone)]
struct User(String);

/// Authentication first, then the rate-limit rule (rules count per user).
async fn guard(State(instance): State<Arc<Instance>>, mut request: Request, next: Next) -> Response {
    let user = match auth::authenticate(&instance, request.headers()) {
        Ok(user) => user,
        Err(refusal) => return refusal.into_response(),
    };
    let rule = match lock(&instance.limiter).admit() {
        Ok(rule) => rule,
        Err(refusal) => return refusal.into_response(),
    };
    request.extensions_mut().insert(User(user));
    let mut response = next.run(request).await;
    if let Some(rule) = rule {
        rule.apply(response.headers_mut());
    }
    response
}

/// Path parameters of every route.
#[derive(Debug, Deserialize)]
struct Target {
    version: Option<String>,
    table: String,
    sys_id: Option<String>,
}

impl Target {
    /// Whether the path is the v1 API; an unknown version is no API at all.
    fn is_v1(&self) -> Result<bool, ApiError> {
        match self.version.as_deref() {
            None | Some("v2") => Ok(false),
            Some("v1") => Ok(true),
            Some(_) => Err(ApiError::NoResource),
        }
    }

    /// The table the path names, on an API version the instance serves.
    fn table(&self) -> Result<&'static Table, ApiError> {
        self.is_v1()?;
        Store::table(&self.table)
    }

    fn sys_id(&self) -> &str {
        self.sys_id.as_deref().unwrap_or_default()
    }
}

/// What a write names and sends: the table, the body's fields and the
/// query's parameters (checked in that order).
fn write_request(
    target: &Target,
    raw: Option<&str>,
    body: &[u8],
) -> Result<(&'static Table, Map<String, Value>, Params), ApiError> {
    let table = target.table()?;
    Ok((table, object(body)?, Params::parse(raw)))
}

/// `{"result": {…}}`: one record, written as the request's parameters ask.
fn one_record(params: &Params, view: View<'_>, origin: &str) -> axum::Json<Value> {
    axum::Json(json!({ "result": params.render.record(view, origin) }))
}

async fn list(
    State(instance): State<Arc<Instance>>,
    Path(target): Path<Target>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let v1 = target.is_v1()?;
    let table = Store::table(&target.table)?;
    let params = Params::parse(raw.as_deref());
    let origin = origin(&uri, &headers);
    let store = lock(&instance.store);
    let selected = store.select(table, &params.query);
    if v1 && selected.is_empty() {
        return Err(ApiError::NoRecord);
    }
    let page: Vec<Value> = selected
        .iter()
        .skip(params.offset)
        .take(params.limit)
        .map(|view| params.render.record(*view, &origin))
        .collect();
    let mut response = axum::Json(json!({ "result": page })).into_response();
    let answer = response.headers_mut();
    if !params.no_count {
        answer.insert("x-total-count", HeaderValue::from(selected.len()));
    }
    let url = format!("https://{origin}{}", uri.path());
    if let Some(link) = params.link(&url, selected.len()).and_then(|link| HeaderValue::try_from(link).ok()) {
        answer.insert(header::LINK, link);
    }
    Ok(response)
}

async fn read(
    State(instance): State<Arc<Instance>>,
    Path(target): Path<Target>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let table = target.table()?;
    let params = Params::parse(raw.as_deref());
    let store = lock(&instance.store);
    let view = store.find(table, target.sys_id())?;
    Ok(one_record(&params, view, &origin(&uri, &headers)).into_response())
}

async fn create(
    State(instance): State<Arc<Instance>>,
    Path(target): Path<Target>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
    axum::Extension(User(user)): axum::Extension<User>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (table, fields, params) = write_request(&target, raw.as_deref(), &body)?;
    let origin = origin(&uri, &headers);
    let mut store = lock(&instance.store);
    let actor = store.actor(&user);
    let row = store.insert(table, &fields, &actor, &clock::now())?;
    let sys_id = row.get("sys_id").cloned().unwrap_or_default();
    let view = store.find(table, &sys_id)?;
    let mut response = (StatusCode::CREATED, one_record(&params, view, &origin)).into_response();
    let location = format!("https://{origin}/api/now/table/{}/{sys_id}", table.name);
    if let Ok(location) = HeaderValue::try_from(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

async fn update(
    State(instance): State<Arc<Instance>>,
    Path(target): Path<Target>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
    axum::Extension(User(user)): axum::Extension<User>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (table, fields, params) = write_request(&target, raw.as_deref(), &body)?;
    let mut store = lock(&instance.store);
    let actor = store.actor(&user);
    store.update(table, target.sys_id(), &fields, &actor, &clock::now())?;
    let view = store.find(table, target.sys_id())?;
    Ok(one_record(&params, view, &origin(&uri, &headers)).into_response())
}

async fn remove(State(instance): State<Arc<Instance>>, Path(target): Path<Target>) -> Result<StatusCode, ApiError> {
    let table = target.table()?;
    lock(&instance.store).delete(table, target.sys_id())?;
    Ok(StatusCode::NO_CONTENT)
}

/// A write's body: a JSON object.
fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(ApiError::UnreadableBody),
    }
}
