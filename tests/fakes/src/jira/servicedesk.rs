//! Jira Service Management's routes, `/rest/servicedeskapi/…`:
//!
//! - `GET /servicedesk`, `/servicedesk/{id}` (an id, or the project's id
//!   or key), `/servicedesk/{id}/requesttype`, `/servicedesk/{id}/queue`
//!   and `/servicedesk/{id}/queue/{queueId}/issue`;
//! - `GET`/`POST /request` and `GET /request/{issueIdOrKey}`;
//! - `GET`/`POST /request/{issueIdOrKey}/comment`.
//!
//! Lists come in Service Management's paged envelope; dates as `DateDTO`s;
//! request fields and comments as plain text (the platform API shows the
//! same issues and comments as ADF). Errors are
//! `{"errorMessage","i18nErrorMessage"}`.
//!
//! As documented, `GET /request` returns the requests the caller reported
//! or participates in (`requestOwnership` defaults to `OWNED_REQUESTS`,
//! `PARTICIPATED_REQUESTS` and `ALL_ORGANIZATIONS`); an agent lists every
//! request with `requestOwnership=ALL_REQUESTS`.

use super::error::DeskError;
use super::model::{Comment, Issue, Project, Queue, RequestType, ServiceDesk, User};
use super::paging::DeskPage;
use super::params::{self, BodyError, Params};
use super::render::{self, Links, Selection};
use super::search::{self, Search};
use super::store::{Draft, NewComment};
use super::workflow::Category;
use super::{Site, adf, catalog, clock, jql, lock};
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Service Management's router (authentication and rate limiting are
/// added by the caller).
pub fn router() -> Router<Arc<Site>> {
    Router::new()
        .route("/rest/servicedeskapi/servicedesk", get(service_desks))
        .route("/rest/servicedeskapi/servicedesk/{desk}", get(service_desk))
        .route("/rest/servicedeskapi/servicedesk/{desk}/requesttype", get(request_types))
        .route("/rest/servicedeskapi/servicedesk/{desk}/queue", get(queues))
        .route("/rest/servicedeskapi/servicedesk/{desk}/queue/{queue}/issue", get(queue_issues))
        .route("/rest/servicedeskapi/request", get(requests).post(create_request))
        .route("/rest/servicedeskapi/request/{issue}", get(request))
        .route("/rest/servicedeskapi/request/{issue}/comment", get(comments).post(add_comment))
}

/// Path parameters (a gateway path also carries `cloud_id`).
#[derive(Debug, Deserialize)]
struct DeskPath {
    desk: String,
    queue: Option<String>,
}

/// The request a path names.
#[derive(Debug, Deserialize)]
struct RequestPath {
    issue: String,
}

fn bad(error: params::BadParam) -> DeskError {
    DeskError::invalid(error.to_string(), "sd.request.param.invalid")
}

/// The URL a list was asked at, without its query.
fn list_url(links: &Links, path: &str) -> String {
    links.api(&format!("/rest/servicedeskapi{path}"))
}

/// A list endpoint's answer: the page of `all` that `start` and `limit`
/// ask for, in Service Management's envelope, its links going to `path`
/// (under `/rest/servicedeskapi`) with the request's other parameters.
fn paged(params: &Params, links: &Links, path: &str, all: Vec<Value>) -> Result<Response, DeskError> {
    let page = DeskPage::new(params.number("start").map_err(bad)?, params.number("limit").map_err(bad)?);
    let envelope = page.envelope(all, &links.site, &list_url(links, path), &params.without(&["start", "limit"]));
    Ok(Json(envelope).into_response())
}

/// An expanded list inside a request (participants, status, comments): its
/// first page, linking to `path`.
fn first_page(links: &Links, path: &str, all: Vec<Value>) -> Value {
    DeskPage::new(None, None).envelope(all, &links.site, &list_url(links, path), &[])
}

fn desk(value: &str) -> Result<(&'static Project, &'static ServiceDesk), DeskError> {
    catalog::service_desk(value).ok_or_else(DeskError::no_service_desk)
}

/// A `DateDTO`.
fn date(at: clock::Millis) -> Value {
    json!({
        "iso8601": clock::iso8601(at),
        "jira": clock::jira(at),
        "friendly": clock::friendly(at, clock::now()),
        "epochMillis": at,
    })
}

/// A user as Service Management shows them (`UserDTO`).
fn user(user: &User, links: &Links) -> Value {
    let url = links.api(&format!("/rest/api/3/user?accountId={}", user.account_id));
    let mut out = json!({
        "accountId": user.account_id,
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": user.time_zone,
        "_links": {"jiraRest": url, "avatarUrls": render::avatar_urls(user.avatar), "self": url},
    });
    if let Some(email) = user.email {
        out["emailAddress"] = json!(email);
    }
    out
}

fn service_desk_dto(project: &Project, desk: &ServiceDesk, links: &Links) -> Value {
    json!({
        "id": desk.id,
        "projectId": project.id,
        "projectName": project.name,
        "projectKey": project.key,
        "projectTypeKey": project.kind.key(),
        "_links": {"self": list_url(links, &format!("/servicedesk/{}", desk.id))},
    })
}

fn request_type_dto(desk: &ServiceDesk, request_type: &RequestType, links: &Links) -> Value {
    let icon = |size: &str| {
        links.site(&format!(
            "/rest/api/2/universal_avatar/view/type/SD_REQTYPE/avatar/{}?size={size}",
            request_type.icon_id
        ))
    };
    json!({
        "_expands": [],
        "id": request_type.id,
        "_links": {"self": list_url(links, &format!("/servicedesk/{}/requesttype/{}", desk.id, request_type.id))},
        "name": request_type.name,
        "helpText": request_type.help_text,
        "issueTypeId": request_type.issue_type,
        "serviceDeskId": desk.id,
        "portalId": desk.portal_id,
        "groupIds": request_type.group_ids,
        "canCreateRequest": true,
        "restrictionStatus": "OPEN",
        "icon": {
            "id": request_type.icon_id,
            "_links": {"iconUrls": {"48x48": icon("large"), "24x24": icon("small"), "16x16": icon("xsmall"), "32x32": icon("medium")}},
        },
    })
}

/// A comment as Service Management shows it (`CommentDTO`).
fn comment_dto(comment: &Comment, issue: &Issue, links: &Links, expand: &[String]) -> Value {
    let mut out = json!({
        "_expands": ["attachment", "renderedBody"],
        "id": comment.id.to_string(),
        "body": adf::plain_text(&comment.body),
        "public": !comment.internal,
        "author": user(comment.author, links),
        "created": date(comment.created),
        "_links": {"self": list_url(links, &format!("/request/{}/comment/{}", issue.id, comment.id))},
    });
    if expand.iter().any(|part| part == "renderedBody") {
        out["renderedBody"] = json!({"html": adf::html(&comment.body)});
    }
    out
}

/// An issue as a customer request (`CustomerRequestDTO`); `None` for an
/// issue that is not one.
fn request_dto(issue: &Issue, links: &Links, expand: &[String]) -> Option<Value> {
    let request = issue.request.as_ref()?;
    let (project, desk) = (issue.project, issue.project.service_desk?);
    let description = issue.description.as_ref().map(adf::plain_text).unwrap_or_default();
    let mut description_field = json!({
        "fieldId": "description",
        "label": request.request_type.description_label,
        "value": description,
    });
    if let Some(document) = &issue.description {
        description_field["renderedValue"] = json!({"html": adf::html(document)});
    }
    let status = json!({
        "status": issue.status.name,
        "statusCategory": issue.status.category.service_desk_name(),
        "statusDate": date(issue.status_changed),
    });
    let mut out = json!({
        "_expands": ["participant", "status", "sla", "requestType", "serviceDesk", "attachment", "action", "comment"],
        "issueId": issue.id.to_string(),
        "issueKey": issue.key,
        "summary": issue.summary,
        "requestTypeId": request.request_type.id,
        "serviceDeskId": desk.id,
        "createdDate": date(issue.created),
        "reporter": user(issue.reporter, links),
        "requestFieldValues": [
            {"fieldId": "summary", "label": request.request_type.summary_label, "value": issue.summary},
            description_field,
        ],
        "currentStatus": status,
        "_links": {
            "jiraRest": links.api(&format!("/rest/api/2/issue/{}", issue.id)),
            "web": links.site(&format!("/servicedesk/customer/portal/{}/{}", desk.portal_id, issue.key)),
            "agent": links.site(&format!("/browse/{}", issue.key)),
            "self": list_url(links, &format!("/request/{}", issue.id)),
        },
    });
    let expanded = |name: &str| expand.iter().any(|part| part == name);
    if expanded("serviceDesk") {
        out["serviceDesk"] = service_desk_dto(project, desk, links);
    }
    if expanded("requestType") {
        out["requestType"] = request_type_dto(desk, request.request_type, links);
    }
    if expanded("participant") {
        let participants: Vec<Value> =
            request.participants.iter().map(|participant| user(participant, links)).collect();
        out["participants"] = first_page(links, &format!("/request/{}/participant", issue.id), participants);
    }
    if expanded("status") {
        out["status"] = first_page(links, &format!("/request/{}/status", issue.id), vec![status]);
    }
    if expanded("comment") {
        let comments: Vec<Value> =
            issue.comments.iter().map(|comment| comment_dto(comment, issue, links, &[])).collect();
        out["comments"] = first_page(links, &format!("/request/{}/comment", issue.id), comments);
    }
    Some(out)
}

async fn service_desks(Extension(links): Extension<Links>, RawQuery(raw): RawQuery) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let desks: Vec<Value> = catalog::PROJECTS
        .iter()
        .filter_map(|project| project.service_desk.map(|desk| service_desk_dto(project, desk, &links)))
        .collect();
    paged(&params, &links, "/servicedesk", desks)
}

async fn service_desk(Extension(links): Extension<Links>, Path(path): Path<DeskPath>) -> Result<Response, DeskError> {
    let (project, desk) = desk(&path.desk)?;
    Ok(Json(service_desk_dto(project, desk, &links)).into_response())
}

async fn request_types(
    Extension(links): Extension<Links>,
    Path(path): Path<DeskPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let (_, desk) = desk(&path.desk)?;
    let query = params.get("searchQuery").map(str::to_lowercase);
    let group = params.get("groupId");
    let types: Vec<Value> = desk
        .request_types
        .iter()
        .filter(|request_type| group.is_none_or(|group| request_type.group_ids.contains(&group)))
        .filter(|request_type| {
            query.as_ref().is_none_or(|query| {
                request_type.name.to_lowercase().contains(query)
                    || request_type.help_text.to_lowercase().contains(query)
            })
        })
        .map(|request_type| request_type_dto(desk, request_type, &links))
        .collect();
    paged(&params, &links, &format!("/servicedesk/{}/requesttype", path.desk), types)
}

/// The issues in `queue`, in its order, as seen by the caller.
fn queue_selection<'a>(site: &Site, queue: &Queue, issues: &'a [Issue]) -> Result<Vec<&'a Issue>, DeskError> {
    let broken = |message: String| DeskError::invalid(message, "sd.queue.jql.invalid");
    let query = jql::parse(queue.jql).map_err(|error| broken(error.to_string()))?;
    let context = search::Context { caller: site.caller().account_id, now: clock::now(), issues };
    let search = Search::compile(&query, &context).map_err(|problems| broken(problems.join(" ")))?;
    Ok(search.select(issues))
}

async fn queues(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<DeskPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let (_, desk) = desk(&path.desk)?;
    let count = params.flag("includeCount").map_err(bad)? == Some(true);
    let store = lock(&site.store);
    let mut queues = Vec::new();
    for queue in desk.queues {
        let mut dto = json!({
            "id": queue.id,
            "name": queue.name,
            "jql": queue.jql,
            "fields": queue.fields,
            "_links": {"self": list_url(&links, &format!("/servicedesk/{}/queue/{}", desk.id, queue.id))},
        });
        if count {
            dto["issueCount"] = json!(queue_selection(&site, queue, store.issues())?.len());
        }
        queues.push(dto);
    }
    paged(&params, &links, &format!("/servicedesk/{}/queue", path.desk), queues)
}

async fn queue_issues(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<DeskPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let (_, desk) = desk(&path.desk)?;
    let wanted = path.queue.unwrap_or_default();
    let queue = desk.queues.iter().find(|queue| queue.id == wanted).ok_or_else(|| DeskError::NotFound {
        message: format!("The queue with id {wanted} does not exist."),
        key: "sd.queue.not.found",
    })?;
    let store = lock(&site.store);
    let fields: Vec<String> = queue.fields.iter().map(|field| (*field).to_owned()).collect();
    let selection = Selection::parse(&fields, "*navigable");
    let issues: Vec<Value> = queue_selection(&site, queue, store.issues())?
        .into_iter()
        .map(|issue| render::issue(issue, &links, &selection, &[]))
        .collect();
    paged(&params, &links, &format!("/servicedesk/{}/queue/{}/issue", path.desk, queue.id), issues)
}

/// Which requests `requestOwnership` lets through for the caller.
fn owned_by(ownership: &[String], caller: &str, issue: &Issue) -> bool {
    let Some(request) = &issue.request else { return false };
    ownership.iter().any(|kind| match kind.as_str() {
        "ALL_REQUESTS" => true,
        "OWNED_REQUESTS" => issue.reporter.account_id == caller,
        "PARTICIPATED_REQUESTS" => request.participants.iter().any(|user| user.account_id == caller),
        // The site has no organizations and no approvals.
        _ => false,
    })
}

async fn requests(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let mut ownership = params.list("requestOwnership");
    const KINDS: [&str; 6] =
        ["OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ORGANIZATION", "ALL_ORGANIZATIONS", "APPROVER", "ALL_REQUESTS"];
    if let Some(unknown) = ownership.iter().find(|kind| !KINDS.contains(&kind.as_str())) {
        return Err(DeskError::invalid(
            format!("'{unknown}' is not a valid requestOwnership value."),
            "sd.request.ownership.invalid",
        ));
    }
    if ownership.is_empty() {
        ownership = ["OWNED_REQUESTS", "PARTICIPATED_REQUESTS", "ALL_ORGANIZATIONS"].map(str::to_owned).to_vec();
    }
    // Whether the requests wanted are closed (finished), open, or either.
    let closed: Option<bool> = match params.get("requestStatus") {
        None | Some("ALL_REQUESTS") => None,
        Some("OPEN_REQUESTS") => Some(false),
        Some("CLOSED_REQUESTS") => Some(true),
        Some(other) => {
            return Err(DeskError::invalid(
                format!("'{other}' is not a valid requestStatus value."),
                "sd.request.status.invalid",
            ));
        }
    };
    let desk_filter = match params.get("serviceDeskId") {
        Some(value) => Some(desk(value)?.1),
        None => None,
    };
    let type_filter = params.get("requestTypeId");
    if type_filter.is_some() && desk_filter.is_none() {
        return Err(DeskError::invalid(
            "The serviceDeskId must be given with the requestTypeId.",
            "sd.request.requesttype.servicedesk.required",
        ));
    }
    let search_term: Vec<String> = params
        .get("searchTerm")
        .map(|term| term.split_whitespace().map(|word| word.trim_end_matches('*').to_lowercase()).collect())
        .unwrap_or_default();
    let caller = site.caller().account_id;
    let expand = params.list("expand");
    let store = lock(&site.store);
    let mut matching: Vec<&Issue> = store
        .issues()
        .iter()
        .filter(|issue| owned_by(&ownership, caller, issue))
        .filter(|issue| closed.is_none_or(|closed| closed == (issue.status.category == Category::Done)))
        .filter(|issue| desk_filter.is_none_or(|desk| issue.project.service_desk.is_some_and(|own| own.id == desk.id)))
        .filter(|issue| {
            type_filter.is_none_or(|id| issue.request.as_ref().is_some_and(|request| request.request_type.id == id))
        })
        .filter(|issue| {
            let summary = issue.summary.to_lowercase();
            search_term.iter().all(|word| summary.contains(word.as_str()))
        })
        .collect();
    matching.sort_by(|a, b| b.updated.cmp(&a.updated).then(b.id.cmp(&a.id)));
    let values: Vec<Value> = matching.iter().filter_map(|issue| request_dto(issue, &links, &expand)).collect();
    paged(&params, &links, "/request", values)
}

async fn request(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<RequestPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&site.store);
    let issue = store.find(&path.issue).ok_or_else(DeskError::no_request)?;
    let dto = request_dto(issue, &links, &params.list("expand")).ok_or_else(DeskError::no_request)?;
    Ok(Json(dto).into_response())
}

fn body(headers: &HeaderMap, bytes: &[u8]) -> Result<Value, DeskError> {
    params::json_body(headers, bytes).map_err(|error| match error {
        BodyError::NotJson => DeskError::UnsupportedMediaType,
        BodyError::Malformed => {
            DeskError::invalid("The request body could not be read as JSON.", "sd.request.body.invalid")
        }
    })
}

/// A string or number id in a body (`"10"` or `10`).
fn id_value(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn field_problem(message: String) -> DeskError {
    DeskError::invalid(message, "sd.validation.request.field.invalid")
}

async fn create_request(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, DeskError> {
    let body = body(&headers, &bytes)?;
    let Some(body) = body.as_object() else {
        return Err(DeskError::invalid("The request body must be a JSON object.", "sd.request.body.invalid"));
    };
    let desk_id = id_value(body.get("serviceDeskId")).ok_or_else(|| {
        DeskError::invalid("The serviceDeskId is required.", "sd.request.create.servicedesk.required")
    })?;
    let (project, desk) = catalog::service_desk(&desk_id).ok_or_else(|| DeskError::Invalid {
        message: "The Service Desk you are trying to view does not exist.".to_owned(),
        key: "sd.agent.servicedesk.error.servicedesk.missing",
    })?;
    let type_id = id_value(body.get("requestTypeId")).ok_or_else(|| {
        DeskError::invalid("The requestTypeId is required.", "sd.request.create.requesttype.required")
    })?;
    let request_type = desk.request_type(&type_id).ok_or_else(|| {
        DeskError::invalid(
            "The request type you are trying to use does not exist.",
            "sd.request.create.requesttype.invalid",
        )
    })?;
    let adf_request = body.get("isAdfRequest").and_then(Value::as_bool).unwrap_or(false);
    let empty = serde_json::Map::new();
    let values = match body.get("requestFieldValues") {
        Some(Value::Object(values)) => values,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(field_problem("The requestFieldValues must be an object.".to_owned())),
    };
    let mut summary = None;
    let mut description = None;
    let mut priority = catalog::priority(catalog::DEFAULT_PRIORITY);
    for (field, value) in values {
        match field.as_str() {
            "summary" => summary = value.as_str().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned),
            "description" if adf_request => {
                adf::check(value)
                    .map_err(|_| field_problem("The description must be an Atlassian Document.".to_owned()))?;
                description = Some(value.clone());
            }
            "description" => match value {
                Value::String(text) if !text.trim().is_empty() => description = Some(adf::from_plain_text(text)),
                Value::String(_) | Value::Null => {}
                _ => return Err(field_problem("The description must be text.".to_owned())),
            },
            "priority" => {
                let named = value.get("id").or_else(|| value.get("name")).and_then(Value::as_str).unwrap_or_default();
                priority = Some(
                    catalog::priority(named)
                        .ok_or_else(|| field_problem(format!("The priority '{named}' does not exist.")))?,
                );
            }
            other => {
                return Err(field_problem(format!(
                    "The field '{other}' is not valid for request type '{}'.",
                    request_type.name
                )));
            }
        }
    }
    let Some(summary) = summary else {
        return Err(DeskError::invalid(
            format!(
                "Your request could not be created. Please check the fields have been correctly filled in. {} is required.",
                request_type.summary_label
            ),
            "sd.validation.request.field.required",
        ));
    };
    let caller = site.caller();
    let reporter = match body.get("raiseOnBehalfOf") {
        None | Some(Value::Null) => caller,
        Some(Value::String(named)) => catalog::user_named(named).ok_or_else(|| {
            DeskError::invalid(format!("The user '{named}' does not exist."), "sd.request.create.onbehalf.invalid")
        })?,
        Some(_) => {
            return Err(DeskError::invalid(
                "The raiseOnBehalfOf must be an account id.",
                "sd.request.create.onbehalf.invalid",
            ));
        }
    };
    let mut participants = Vec::new();
    if let Some(given) = body.get("requestParticipants").and_then(Value::as_array) {
        for named in given {
            let named = named.as_str().unwrap_or_default();
            let participant = catalog::user_named(named).ok_or_else(|| {
                DeskError::invalid(format!("The user '{named}' does not exist."), "sd.request.participants.invalid")
            })?;
            participants.push(participant);
        }
    }
    let issue_type = project.issue_type(request_type.issue_type).ok_or_else(|| {
        DeskError::invalid("The request type's issue type is not available.", "sd.request.create.issuetype.invalid")
    })?;
    let draft = Draft {
        project,
        issue_type,
        summary,
        description,
        priority: priority.unwrap_or(&catalog::PRIORITIES[2]),
        assignee: None,
        reporter,
        creator: caller,
        labels: Vec::new(),
        duedate: None,
        request: Some(super::model::Request { request_type, participants }),
    };
    let mut store = lock(&site.store);
    let issue = store.create(draft, clock::now());
    let dto = request_dto(issue, &links, &[]).unwrap_or_default();
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

async fn comments(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<RequestPath>,
    RawQuery(raw): RawQuery,
) -> Result<Response, DeskError> {
    let params = Params::parse(raw.as_deref());
    let public = params.flag("public").map_err(bad)?.unwrap_or(true);
    let internal = params.flag("internal").map_err(bad)?.unwrap_or(true);
    let expand = params.list("expand");
    let store = lock(&site.store);
    let issue = store.find(&path.issue).filter(|issue| issue.request.is_some()).ok_or_else(DeskError::no_request)?;
    let comments: Vec<Value> = issue
        .comments
        .iter()
        .filter(|comment| if comment.internal { internal } else { public })
        .map(|comment| comment_dto(comment, issue, &links, &expand))
        .collect();
    paged(&params, &links, &format!("/request/{}/comment", path.issue), comments)
}

async fn add_comment(
    State(site): State<Arc<Site>>,
    Extension(links): Extension<Links>,
    Path(path): Path<RequestPath>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, DeskError> {
    let body = body(&headers, &bytes)?;
    let text = match body.get("body") {
        Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
        _ => return Err(DeskError::invalid("The comment body must not be empty.", "sd.comment.body.required")),
    };
    let public = match body.get("public") {
        Some(Value::Bool(public)) => *public,
        Some(_) => {
            return Err(DeskError::invalid("The public field must be true or false.", "sd.comment.public.invalid"));
        }
        None => return Err(DeskError::invalid("The public field is required.", "sd.comment.public.required")),
    };
    let mut store = lock(&site.store);
    let index = store
        .position(&path.issue)
        .filter(|index| store.at(*index).request.is_some())
        .ok_or_else(DeskError::no_request)?;
    let properties =
        if public { Vec::new() } else { vec![json!({"key": "sd.public.comment", "value": {"internal": true}})] };
    let comment = NewComment { body: adf::from_plain_text(&text), internal: !public, visibility: None, properties };
    let comment = store.comment(index, site.caller(), comment, clock::now());
    let dto = comment_dto(&comment, store.at(index), &links, &[]);
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}
