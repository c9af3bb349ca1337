//! The platform API's routes, `/rest/api/3/…`:
//!
//! - `GET`/`POST /search/jql`: the enhanced JQL search (the legacy
//!   `/search` answers 410 Gone);
//! - `POST /issue`; `GET`/`PUT /issue/{issueIdOrKey}`;
//! - `GET`/`POST /issue/{issueIdOrKey}/comment`;
//! - `GET`/`POST /issue/{issueIdOrKey}/transitions`;
//! - `PUT /issue/{issueIdOrKey}/assignee`;
//! - `GET /myself`, `/user/search`, `/user/assignable/search`,
//!   `/priority`, `/project/search`.

use super::error::{ApiError, INVALID_PAYLOAD};
use super::model::User;
use super::params::{self, BodyError, Params};
use super::render::{self, Links, Selection};
use super::search::{self, Search};
use super::store::Store;
use super::{Site, catalog, clock, input, jql, lock, paging};
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Arc, MutexGuard};

/// The platform API's router (authentication and rate limiting are added
/// by the caller).
pub fn router() -> Router<Arc<Site>> {
    Router::new()
        .route("/rest/api/3/search/jql", get(search_get).post(search_post))
        .route("/rest/api/3/search", get(removed).post(removed))
        .route("/rest/api/3/issue", axum::routing::post(create_issue))
        .route("/rest/api/3/issue/{issue}", get(read_issue).put(edit_issue))
        .route("/rest/api/3/issue/{issue}/comment", get(list_comments).post(add_comment))
        .route("/rest/api/3/issue/{issue}/transitions", get(list_transitions).post(transition))
        .route("/rest/api/3/issue/{issue}/assignee", put(assign))
        .route("/rest/api/3/myself", get(myself))
        .route("/rest/api/3/user/search", get(user_search))
        .route("/rest/api/3/user/assignable/search", get(assignable_search))
        .route("/rest/api/3/priority", get(priorities))
        .route("/rest/api/3/project/search", get(project_search))
}

/// The issue a path names (a gateway path also carries `cloud_id`).
#[derive(Debug, Deserialize)]
struct IssuePath {
    issue: String,
}

/// A request's JSON body, or Jira's answer to an unreadable one.
fn body(headers: &HeaderMap, bytes: &[u8]) -> Result<Value, ApiError> {
    params::json_body(headers, bytes).map_err(|error| match error {
        BodyError::NotJson => ApiError::UnsupportedMediaType,
        BodyError::Malformed => ApiError::invalid(INVALID_PAYLOAD),
    })
}

/// A write to the issue a path names: the request's JSON body, the locked
/// store, and where the issue is in it.
fn issue_write<'a>(
    site: &'a Site,
    issue: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<(Value, MutexGuard<'a, Store>, usize), ApiError> {
    let body = body(headers, bytes)?;
    let store = lock(&site.store);
    let index = store.position(issue).ok_or_else(ApiError::no_issue)?;
    Ok((body, store, index))
}

fn bad(error: params::BadParam) -> ApiError {
    ApiError::invalid(error.to_string())
}

/// `startAt` (a negative one is 0) and `maxResults` (`default` when not
/// given, `None` when negative) of a list paged by offset; each list bounds
/// the page its own way.
fn start_and_max(params: &Params, default: i64) -> Result<(usize, Option<usize>), ApiError> {
    let start = usize::try_from(params.number("startAt").map_err(bad)?.unwrap_or(0)).unwrap_or(0);
    let max = usize::try_from(params.number("maxResults").map_err(bad)?.unwrap_or(default)).ok();
    Ok((start, max))
}

/// `expand` as a list (a comma-separated string).
fn expansions(params: &Params) -> Vec<String> {
    params.list("expand")
}

/// A search, as either verb gives it.
#[derive(Debug, Default)]
struct SearchRequest {
    jql: String,
    next_page_token: Option<String>,
    max_results: Option<i64>,
    fields: Vec<String>,
    expand: Vec<String>,
}

async fn search_get(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let request = SearchRequest {
        jql: params.get("jql").unwrap_or_default().to_owned(),
        next_page_token: params.get("nextPageToken").map(str::to_owned),
        max_results: params.number("maxResults").map_err(bad)?,
        fields: params.list("fields"),
        expand: expansions(&params),
    };
    run_search(&site, &links, request)
}

async fn search_post(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body(&headers, &bytes)?;
    let invalid = || ApiError::invalid(INVALID_PAYLOAD);
    let object = body.as_object().ok_or_else(invalid)?;
    let mut request = SearchRequest::default();
    for (name, value) in object {
        match (name.as_str(), value) {
            (_, Value::Null) => {}
            ("jql", Value::String(text)) => request.jql.clone_from(text),
            ("nextPageToken", Value::String(token)) => request.next_page_token = Some(token.clone()),
            ("maxResults", Value::Number(number)) => request.max_results = Some(number.as_i64().ok_or_else(invalid)?),
            ("fields", Value::Array(items)) => {
                request.fields = items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
                    .collect::<Result<_, _>>()?;
            }
            ("expand", Value::String(text)) => {
                request.expand =
                    text.split(',').map(str::trim).filter(|part| !part.is_empty()).map(str::to_owned).collect();
            }
            ("properties", Value::Array(_))
            | ("fieldsByKeys", Value::Bool(_))
            | ("reconcileIssues", Value::Array(_)) => {}
            _ => return Err(invalid()),
        }
    }
    run_search(&site, &links, request)
}

/// The largest page when only ids or keys are asked for, and otherwise.
const MAX_IDS_PAGE: usize = 5000;
const MAX_FIELDS_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 50;

fn run_search(site: &Site, links: &Links, request: SearchRequest) -> Result<Response, ApiError> {
    let query = jql::parse(&request.jql).map_err(|error| ApiError::invalid(error.to_string()))?;
    let store = lock(&site.store);
    let context = search::Context { caller: site.caller().account_id, now: clock::now(), issues: store.issues() };
    let search = Search::compile(&query, &context)
        .map_err(|problems| ApiError::Invalid { messages: problems, errors: Default::default() })?;
    if !search.is_bounded() {
        return Err(ApiError::invalid(search::UNBOUNDED));
    }
    let selection = Selection::parse(&request.fields, "id");
    let only_ids = !selection.wants_fields() || selection.fields().is_empty();
    let cap = if only_ids { MAX_IDS_PAGE } else { MAX_FIELDS_PAGE };
    let max =
        request.max_results.map_or(DEFAULT_PAGE, |max| usize::try_from(max).unwrap_or(DEFAULT_PAGE).clamp(1, cap));
    let fingerprint = paging::fingerprint(request.jql.trim());
    let offset = match request.next_page_token.as_deref().filter(|token| !token.is_empty()) {
        None => 0,
        Some(token) => {
            paging::offset(token, fingerprint).ok_or_else(|| ApiError::invalid("Invalid format of nextPageToken"))?
        }
    };
    let selected = search.select(store.issues());
    let page: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(max)
        .map(|issue| render::issue(issue, links, &selection, &request.expand))
        .collect();
    let next = offset + max;
    let mut answer = json!({"issues": page, "isLast": next >= selected.len()});
    if next < selected.len() {
        answer["nextPageToken"] = json!(paging::token(next, fingerprint));
    }
    if request.expand.iter().any(|part| part == "names")
        && let Some(first) = selected.first()
    {
        let names = render::issue(first, links, &selection, &["names".to_owned()]);
        answer["names"] = names.get("names").cloned().unwrap_or_else(|| json!({}));
    }
    Ok(Json(answer).into_response())
}

async fn removed() -> ApiError {
    ApiError::Removed
}

async fn read_issue(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<IssuePath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&site.store);
    let issue = store.find(&path.issue).ok_or_else(ApiError::no_issue)?;
    let selection = Selection::parse(&params.list("fields"), "*all");
    Ok(Json(render::issue(issue, &links, &selection, &expansions(&params))).into_response())
}

async fn create_issue(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body(&headers, &bytes)?;
    let draft = input::create(&body, site.caller())?;
    let mut store = lock(&site.store);
    let issue = store.create(draft, clock::now());
    let created = json!({
        "id": issue.id.to_string(),
        "key": issue.key,
        "self": links.api(&format!("/rest/api/3/issue/{}", issue.id)),
    });
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn edit_issue(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<IssuePath>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let (body, mut store, index) = issue_write(&site, &path.issue, &headers, &bytes)?;
    let edit = input::edit(&body, store.at(index))?;
    let now = clock::now();
    store.edit(index, edit.changes, now);
    for comment in edit.comments {
        store.comment(index, site.caller(), comment, now);
    }
    if params.flag("returnIssue").map_err(bad)? == Some(true) {
        let selection = Selection::parse(&[], "*all");
        return Ok(Json(render::issue(store.at(index), &links, &selection, &expansions(&params))).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_comments(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<IssuePath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let (start, max) = start_and_max(&params, 100)?;
    let max = max.unwrap_or(0).min(5000);
    let newest_first = match params.get("orderBy") {
        None | Some("created" | "+created") => false,
        Some("-created") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!("The value '{other}' is not valid for the parameter 'orderBy'.")));
        }
    };
    let store = lock(&site.store);
    let issue = store.find(&path.issue).ok_or_else(ApiError::no_issue)?;
    let mut comments: Vec<_> = issue.comments.iter().collect();
    if newest_first {
        comments.reverse();
    }
    let expand = expansions(&params);
    let page: Vec<Value> =
        comments.iter().skip(start).take(max).map(|comment| render::comment(comment, issue, &links, &expand)).collect();
    Ok(Json(json!({"startAt": start, "maxResults": max, "total": comments.len(), "comments": page})).into_response())
}

async fn add_comment(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<IssuePath>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let (body, mut store, index) = issue_write(&site, &path.issue, &headers, &bytes)?;
    let comment = input::comment(&body, store.at(index).project)?;
    let comment = store.comment(index, site.caller(), comment, clock::now());
    let answer = render::comment(&comment, store.at(index), &links, &expansions(&params));
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

async fn list_transitions(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<IssuePath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&site.store);
    let issue = store.find(&path.issue).ok_or_else(ApiError::no_issue)?;
    let only = params.get("transitionId");
    let transitions: Vec<Value> = issue
        .project
        .workflow
        .available(issue.status)
        .filter(|transition| only.is_none_or(|id| id == transition.id))
        .map(|transition| render::transition(transition, &links))
        .collect();
    Ok(Json(json!({"expand": "transitions", "transitions": transitions})).into_response())
}

async fn transition(
    State(site): State<Arc<Site>>,
    Path(path): Path<IssuePath>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (body, mut store, index) = issue_write(&site, &path.issue, &headers, &bytes)?;
    let request = input::transition(&body, store.at(index))?;
    let now = clock::now();
    store.transition(index, request.transition, request.resolution, now);
    for comment in request.comments {
        store.comment(index, site.caller(), comment, now);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn assign(
    State(site): State<Arc<Site>>,
    Path(path): Path<IssuePath>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let (body, mut store, index) = issue_write(&site, &path.issue, &headers, &bytes)?;
    let assignee = input::assignment(&body, store.at(index).project)?;
    let changes = super::store::Changes { assignee: Some(assignee), ..Default::default() };
    store.edit(index, changes, clock::now());
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn myself(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    Json(render::user(site.caller(), &links, params.get("expand").unwrap_or_default())).into_response()
}

/// Whether `user` matches a user-search `query`: a prefix of any word of
/// the display name or of the email address (any case).
fn user_matches(user: &User, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return true;
    }
    let name = user.display_name.to_lowercase();
    name.starts_with(&query)
        || name.split_whitespace().any(|word| word.starts_with(&query))
        || user.email.is_some_and(|email| email.to_lowercase().starts_with(&query))
}

/// `startAt` and `maxResults` (default 50) of a user search.
fn user_page(params: &Params) -> Result<(usize, usize), ApiError> {
    let (start, max) = start_and_max(params, 50)?;
    Ok((start, max.unwrap_or(0).min(1000)))
}

/// A user search's answer: the page (`start`, `max`) of the `candidates`
/// with the `accountId` and matching the `query` given.
fn found_users<'a>(
    candidates: impl Iterator<Item = &'a User>,
    params: &Params,
    (start, max): (usize, usize),
    links: &Links,
) -> Response {
    let (query, account) = (params.get("query"), params.get("accountId"));
    let users: Vec<Value> = candidates
        .filter(|user| account.is_none_or(|id| id == user.account_id))
        .filter(|user| query.is_none_or(|query| user_matches(user, query)))
        .skip(start)
        .take(max)
        .map(|user| render::user(user, links, ""))
        .collect();
    Json(users).into_response()
}

async fn user_search(Extension(links): Extension<Links>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page = user_page(&params)?;
    if params.get("query").is_none() && params.get("accountId").is_none() {
        return Err(ApiError::invalid("The query parameter or the accountId parameter must be provided."));
    }
    Ok(found_users(catalog::USERS.iter(), &params, page, &links))
}

async fn assignable_search(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let page = user_page(&params)?;
    let project = if let Some(key) = params.get("issueKey").or(params.get("issueId")) {
        let store = lock(&site.store);
        store.find(key).map(|issue| issue.project).ok_or_else(ApiError::no_issue)?
    } else if let Some(project) = params.get("project") {
        catalog::PROJECTS
            .iter()
            .find(|candidate| candidate.key == project || candidate.id == project)
            .ok_or_else(|| ApiError::NotFound(format!("No project could be found with key '{project}'.")))?
    } else {
        return Err(ApiError::invalid("A project, issue key or issue ID is required."));
    };
    let assignable = catalog::USERS.iter().filter(|user| user.active && project.can_assign(user.account_id));
    Ok(found_users(assignable, &params, page, &links))
}

async fn priorities(Extension(links): Extension<Links>) -> Response {
    let listed: Vec<Value> =
        catalog::PRIORITIES.iter().map(|priority| render::priority_listed(priority, &links)).collect();
    Json(listed).into_response()
}

async fn project_search(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let (start, max) = start_and_max(&params, 50)?;
    let max = max.unwrap_or(50).clamp(1, 100);
    let keys = params.list("keys");
    let types = params.list("typeKey");
    let query = params.get("query").map(str::to_lowercase);
    let mut projects: Vec<_> = catalog::PROJECTS
        .iter()
        .filter(|project| keys.is_empty() || keys.iter().any(|key| key.eq_ignore_ascii_case(project.key)))
        .filter(|project| types.is_empty() || types.iter().any(|kind| kind == project.kind.key()))
        .filter(|project| {
            query.as_ref().is_none_or(|query| {
                project.key.to_lowercase().contains(query) || project.name.to_lowercase().contains(query)
            })
        })
        .collect();
    let order = params.get("orderBy").unwrap_or("key");
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.trim_start_matches('+')),
    };
    match field {
        "key" => projects.sort_by_key(|project| project.key),
        "name" => projects.sort_by_key(|project| project.name),
        "category" | "owner" | "issueCount" | "lastIssueUpdatedDate" | "archivedDate" | "deletedDate" => {}
        _ => return Err(ApiError::invalid(format!("The value '{order}' is not valid for the parameter 'orderBy'."))),
    }
    if descending {
        projects.reverse();
    }
    let total = projects.len();
    let expand = expansions(&params);
    let store = lock(&site.store);
    let values: Vec<Value> = projects
        .iter()
        .skip(start)
        .take(max)
        .map(|project| render::project(project, &links, &expand, store.issues()))
        .collect();
    let page_url = |start: usize| links.api(&format!("/rest/api/3/project/search?startAt={start}&maxResults={max}"));
    let mut answer = json!({
        "self": page_url(start),
        "maxResults": max,
        "startAt": start,
        "total": total,
        "isLast": start + max >= total,
        "values": values,
    });
    if start + max < total {
        answer["nextPage"] = json!(page_url(start + max));
    }
    Ok(Json(answer).into_response())
}
