//! Issues and their comments: list, read, create, update, comment. Writes
//! send their webhooks (`events.rs`). Pull requests are issues here too,
//! as on GitHub: they are listed with a `pull_request` key and can be
//! updated and commented on through these endpoints.

use super::api::{Ctx, Page, created, number, object};
use super::clock::{now, parse_timestamp};
use super::error::{ApiError, FieldError};
use super::events::{Event, Payloads};
use super::model::{Comment, Issue, Label, State as IssueState};
use super::paging::Params;
use super::render::Render;
use super::store::Store;
use super::{Account, lock};
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::Arc;

/// `(owner, repo)` from the path.
type RepoPath = Path<(String, String)>;
/// `(owner, repo, number)` from the path.
type IssuePath = Path<(String, String, String)>;

/// `GET /repos/{owner}/{repo}/issues`.
pub async fn list(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name)): RepoPath,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let state = params.one_of("state", &["open", "closed", "all"], "open")?;
    let sort = params.one_of("sort", &["created", "updated", "comments"], "created")?;
    let direction = params.one_of("direction", &["asc", "desc"], "desc")?;
    let since = match params.get("since") {
        Some(text) => Some(
            parse_timestamp(text)
                .ok_or_else(|| ApiError::InvalidRequest(format!("\"{text}\" is not a valid date-time.")))?,
        ),
        None => None,
    };
    let labels: Vec<&str> =
        params.get("labels").map(|labels| labels.split(',').map(str::trim).collect()).unwrap_or_default();
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?;
    let mut found: Vec<&Issue> = store
        .issues
        .iter()
        .filter(|issue| issue.repo == repo.id)
        .filter(|issue| state == "all" || issue.state.as_str() == state)
        .filter(|issue| labels.iter().all(|label| issue.labels.iter().any(|has| has.eq_ignore_ascii_case(label))))
        .filter(|issue| match params.get("assignee") {
            None => true,
            Some("none") => issue.assignees.is_empty(),
            Some("*") => !issue.assignees.is_empty(),
            Some(login) => issue.assignees.iter().any(|has| has.eq_ignore_ascii_case(login)),
        })
        .filter(|issue| params.get("creator").is_none_or(|login| issue.author.eq_ignore_ascii_case(login)))
        .filter(|issue| since.is_none_or(|since| issue.updated_at >= since))
        .collect();
    found.sort_by_key(|issue| match sort {
        "updated" => (issue.updated_at, issue.number),
        "comments" => (store.comments_of(issue.repo, issue.number).len() as i64, issue.number),
        _ => (issue.created_at, issue.number),
    });
    if direction == "desc" {
        found.reverse();
    }
    let render = Render::new(&ctx.origin, &store);
    let records = found.into_iter().map(|issue| render.issue(issue)).collect();
    Ok(Page { params: &params, origin: &ctx.origin, path: uri.path() }.array(records))
}

/// `GET /repos/{owner}/{repo}/issues/{number}`.
pub async fn show(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number_text)): IssuePath,
) -> Result<Response, ApiError> {
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?;
    let issue = store.issue(repo.id, number(&number_text)?).ok_or(ApiError::NotFound)?;
    Ok(axum::Json(Render::new(&ctx.origin, &store).issue(issue)).into_response())
}

/// `POST /repos/{owner}/{repo}/issues`: 201 with `Location`, and an
/// `issues` `opened` webhook.
pub async fn create(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name)): RepoPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?.id;
    let login = ctx.require_login()?.to_owned();
    let fields = object(&body)?;
    let title = match fields.get("title") {
        Some(Value::String(title)) if !title.trim().is_empty() => title.clone(),
        Some(Value::Number(title)) => title.to_string(),
        _ => return Err(ApiError::field(vec![FieldError::new("Issue", "title", "missing_field")])),
    };
    let mut assignees = strings(&fields, "assignees")?.unwrap_or_default();
    if let Some(Value::String(assignee)) = fields.get("assignee") {
        assignees.insert(0, assignee.clone());
    }
    let assignees = known_assignees(&store, assignees)?;
    let labels = strings(&fields, "labels")?.unwrap_or_default();
    let labels = ensure_labels(&mut store, repo, &labels);
    let at = now();
    let issue = Issue {
        repo,
        id: store.next_id(),
        number: store.next_number(repo),
        title,
        body: text(&fields, "body")?.flatten(),
        author: login.clone(),
        labels,
        assignees,
        state: IssueState::Open,
        state_reason: None,
        created_at: at,
        updated_at: at,
        closed_at: None,
        closed_by: None,
        pull: None,
    };
    store.issues.push(issue.clone());
    let render = Render::new(&ctx.origin, &store);
    let payloads = Payloads { render: &render, origin: &ctx.origin, sender: &login };
    let event = payloads.issue(&issue, "opened", vec![]);
    let answer = render.issue(&issue);
    drop(store);
    announce(&account, vec![event]);
    Ok(created(answer))
}

/// `PATCH /repos/{owner}/{repo}/issues/{number}`: `title`, `body`,
/// `state`, `state_reason`, and `labels`/`assignees` (which replace).
pub async fn update(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number_text)): IssuePath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?.id;
    let number = number(&number_text)?;
    let before = store.issue(repo, number).ok_or(ApiError::NotFound)?.clone();
    let login = ctx.require_login()?.to_owned();
    let fields = object(&body)?;
    let mut after = before.clone();
    match fields.get("title") {
        None => {}
        Some(Value::String(title)) if !title.trim().is_empty() => after.title = title.clone(),
        Some(_) => return Err(ApiError::field(vec![FieldError::new("Issue", "title", "missing_field")])),
    }
    if let Some(body) = text(&fields, "body")? {
        after.body = body;
    }
    if let Some(assignees) = strings(&fields, "assignees")? {
        after.assignees = known_assignees(&store, assignees)?;
    } else if let Some(assignee) = fields.get("assignee") {
        after.assignees = known_assignees(&store, assignee.as_str().map(str::to_owned).into_iter().collect())?;
    }
    if let Some(labels) = strings(&fields, "labels")? {
        after.labels = ensure_labels(&mut store, repo, &labels);
    }
    let reason = match fields.get("state_reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(reason))
            if ["completed", "not_planned", "duplicate", "reopened"].contains(&reason.as_str()) =>
        {
            Some(reason.clone())
        }
        Some(other) => return Err(invalid("state_reason", other)),
    };
    let at = now();
    match fields.get("state") {
        None => {}
        Some(Value::String(state)) if state == "closed" => {
            if before.state == IssueState::Open {
                after.closed_at = Some(at);
                after.closed_by = Some(login.clone());
            }
            after.state = IssueState::Closed;
            after.state_reason = Some(reason.clone().unwrap_or_else(|| "completed".to_owned()));
        }
        Some(Value::String(state)) if state == "open" => {
            if before.state == IssueState::Closed {
                after.state_reason = Some("reopened".to_owned());
            }
            after.state = IssueState::Open;
            after.closed_at = None;
            after.closed_by = None;
        }
        Some(other) => return Err(invalid("state", other)),
    }
    if fields.get("state").is_none() && after.state == IssueState::Closed && reason.is_some() {
        after.state_reason = reason;
    }
    after.updated_at = at;
    *store.issue_mut(repo, number).ok_or(ApiError::NotFound)? = after.clone();
    let render = Render::new(&ctx.origin, &store);
    let events = Payloads { render: &render, origin: &ctx.origin, sender: &login }.issue_changes(&before, &after);
    let answer = render.issue(&after);
    drop(store);
    announce(&account, events);
    Ok(axum::Json(answer).into_response())
}

/// `GET /repos/{owner}/{repo}/issues/{number}/comments`: oldest first,
/// `since` filters on `updated_at`.
pub async fn comments(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number_text)): IssuePath,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let since = params.get("since").and_then(parse_timestamp);
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?;
    let issue = store.issue(repo.id, number(&number_text)?).ok_or(ApiError::NotFound)?;
    let render = Render::new(&ctx.origin, &store);
    let records = store
        .comments_of(repo.id, issue.number)
        .into_iter()
        .filter(|comment| since.is_none_or(|since| comment.updated_at >= since))
        .map(|comment| render.comment(comment))
        .collect();
    Ok(Page { params: &params, origin: &ctx.origin, path: uri.path() }.array(records))
}

/// `POST /repos/{owner}/{repo}/issues/{number}/comments`: 201 with
/// `Location`, and an `issue_comment` `created` webhook.
pub async fn comment(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number_text)): IssuePath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?.id;
    let number = number(&number_text)?;
    store.issue(repo, number).ok_or(ApiError::NotFound)?;
    let login = ctx.require_login()?.to_owned();
    let fields = object(&body)?;
    let Some(Value::String(text)) =
        fields.get("body").filter(|body| body.as_str().is_some_and(|body| !body.trim().is_empty()))
    else {
        return Err(ApiError::field(vec![FieldError::new("IssueComment", "body", "missing_field")]));
    };
    let at = now();
    let comment = Comment {
        id: store.next_id(),
        repo,
        number,
        author: login.clone(),
        body: text.clone(),
        created_at: at,
        updated_at: at,
    };
    store.comments.push(comment.clone());
    let issue = store.issue_mut(repo, number).ok_or(ApiError::NotFound)?;
    issue.updated_at = at;
    let issue = issue.clone();
    let render = Render::new(&ctx.origin, &store);
    let answer = render.comment(&comment);
    let event = Payloads { render: &render, origin: &ctx.origin, sender: &login }.comment(&issue, answer.clone());
    drop(store);
    announce(&account, vec![event]);
    Ok(created(answer))
}

/// Sends `events` to the webhooks, in order.
pub fn announce(account: &Account, events: Vec<Event>) {
    for (event, payload) in events {
        account.hooks.emit(event, &payload);
    }
}

/// A 422 `invalid` for `field` of an issue.
fn invalid(field: &str, value: &Value) -> ApiError {
    ApiError::field(vec![FieldError::new("Issue", field, "invalid").value(value.clone())])
}

/// An optional string field: absent is `None`, `null` is `Some(None)`.
fn text(fields: &Map<String, Value>, name: &str) -> Result<Option<Option<String>>, ApiError> {
    match fields.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
        Some(other) => Err(ApiError::InvalidRequest(format!("For '{name}', {other} is not a string or null."))),
    }
}

/// An array of names (`labels` may also hold `{"name": …}` objects).
fn strings(fields: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = fields.get(name) else { return Ok(None) };
    let wrong = || ApiError::InvalidRequest(format!("For '{name}', {value} is not an array of strings."));
    let Value::Array(items) = value else { return Err(wrong()) };
    items
        .iter()
        .map(|item| match item {
            Value::String(text) => Ok(text.clone()),
            Value::Object(object) if name == "labels" => {
                object.get("name").and_then(Value::as_str).map(str::to_owned).ok_or_else(wrong)
            }
            _ => Err(wrong()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `logins` as the users' own spelling, or 422 `invalid` naming the first
/// one who cannot be assigned (every seeded user can).
fn known_assignees(store: &Store, logins: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut known: Vec<String> = Vec::new();
    for login in logins {
        let user = store.user(&login).ok_or_else(|| {
            ApiError::field(vec![FieldError::new("Issue", "assignees", "invalid").value(login.clone())])
        })?;
        if !known.contains(&user.login) {
            known.push(user.login.clone());
        }
    }
    Ok(known)
}

/// The labels `names` in the repository's spelling, creating the ones it
/// does not have yet (as GitHub does when an issue is labelled).
fn ensure_labels(store: &mut Store, repo: u64, names: &[String]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for name in names.iter().map(|name| name.trim()).filter(|name| !name.is_empty()) {
        let id = store.next_id();
        let Some(repo) = store.repo_by_id_mut(repo) else { break };
        let label = match repo.label(name) {
            Some(label) => label.name.clone(),
            None => {
                repo.labels.push(Label {
                    id,
                    name: name.to_owned(),
                    color: "ededed".to_owned(),
                    description: None,
                    default: false,
                });
                name.to_owned()
            }
        };
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    fn numbers(body: &Value) -> Vec<u64> {
        body.as_array().unwrap().iter().map(|issue| issue["number"].as_u64().unwrap()).collect()
    }

    #[tokio::test]
    async fn lists_include_pull_requests_filter_and_page_with_link() {
        let gh = Harness::start().await;
        let open = gh.get("/repos/acme/ops-portal/issues").await;
        assert_eq!(numbers(&open.body), vec![12, 11, 5, 10, 4, 3, 8, 2], "open, newest first");
        let pull = open.body.as_array().unwrap().iter().find(|issue| issue["number"] == 5).unwrap();
        assert!(pull["pull_request"]["url"].as_str().unwrap().ends_with("/repos/acme/ops-portal/pulls/5"));
        assert!(open.body[1].get("pull_request").is_none());
        assert_eq!(open.header("link"), "", "one page");

        let high = gh.get("/repos/acme/ops-portal/issues?state=all&labels=bug,priority:%20high&direction=asc").await;
        assert_eq!(numbers(&high.body), vec![1, 3]);
        let unassigned = gh.get("/repos/acme/ops-portal/issues?assignee=none&sort=updated").await;
        assert_eq!(numbers(&unassigned.body), vec![12, 10, 2]);
        assert_eq!(
            numbers(&gh.get("/repos/acme/ops-portal/issues?assignee=tomas-okafor&state=all").await.body),
            vec![11, 4, 9]
        );
        assert_eq!(gh.get("/repos/acme/ops-portal/issues?state=bogus").await.status, StatusCode::UNPROCESSABLE_ENTITY);

        let first = gh.get("/repos/acme/ops-portal/issues?state=all&per_page=5").await;
        assert_eq!(first.body.as_array().unwrap().len(), 5);
        let link = first.header("link");
        assert!(
            link.contains("state=all&per_page=5&page=2>; rel=\"next\"") && link.contains("page=3>; rel=\"last\""),
            "{link}"
        );
        let next = link.split(", ").find(|part| part.ends_with("rel=\"next\"")).unwrap();
        let next = next.trim_start_matches('<').split('>').next().unwrap();
        let path = &next[next.find("/repos").unwrap()..];
        let second = gh.get(path).await;
        assert_eq!(second.body.as_array().unwrap().len(), 5);
        assert!(second.header("link").contains("rel=\"prev\""));
    }

    #[tokio::test]
    async fn the_vpn_issue_reads_with_its_comments() {
        let gh = Harness::start().await;
        let issue = gh.get("/repos/acme/ops-portal/issues/3").await.body;
        assert_eq!(issue["title"], "VPN drops every 20 minutes from home");
        assert_eq!((issue["state"].as_str(), issue["comments"].as_u64()), (Some("open"), Some(3)));
        assert!(issue["labels"].as_array().unwrap().iter().any(|label| label["name"] == "priority: high"));
        assert_eq!(issue["assignee"]["login"], "mia-krystof");
        assert_eq!((&issue["closed_at"], &issue["milestone"]), (&Value::Null, &Value::Null));
        let stamp = issue["created_at"].as_str().unwrap();
        assert!(stamp.len() == 20 && stamp.ends_with('Z'), "{stamp}");
        let comments = gh.get("/repos/acme/ops-portal/issues/3/comments").await.body;
        assert_eq!(comments.as_array().unwrap().len(), 3);
        assert_eq!(comments[0]["user"]["login"], "mia-krystof");
        assert_eq!(gh.get("/repos/acme/ops-portal/issues/99").await.status, StatusCode::NOT_FOUND);
        assert_eq!(gh.get("/repos/acme/nothing/issues/1").await.body["message"], "Not Found");
    }

    #[tokio::test]
    async fn create_update_and_comment_write_and_validate() {
        let gh = Harness::start().await;
        let missing = gh.send("POST", "/repos/acme/ops-portal/issues", json!({"body": "no title"})).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(missing.body["errors"], json!([{"resource": "Issue", "field": "title", "code": "missing_field"}]));
        let bad_json =
            gh.call("POST", "/repos/acme/ops-portal/issues", Some(super::super::TOKEN), Some(json!([1]))).await;
        assert_eq!(
            (bad_json.status, bad_json.body["message"].as_str()),
            (StatusCode::BAD_REQUEST, Some("Body should be a JSON object"))
        );
        let stranger =
            gh.send("POST", "/repos/acme/ops-portal/issues", json!({"title": "x", "assignees": ["nobody"]})).await;
        assert_eq!(stranger.body["errors"][0]["field"], "assignees");

        let made = gh
            .send(
                "POST",
                "/repos/acme/ops-portal/issues",
                json!({"title": "Wi-Fi slow on floor 3", "labels": ["bug", "wifi"], "assignees": ["priya-natarajan"]}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED);
        assert_eq!(made.body["number"], 13);
        assert!(made.header("location").ends_with("/repos/acme/ops-portal/issues/13"));
        assert_eq!(made.body["labels"][1]["name"], "wifi", "an unknown label is created");
        assert_eq!(made.body["user"]["login"], "mia-krystof");

        let closed = gh
            .send(
                "PATCH",
                "/repos/acme/ops-portal/issues/3",
                json!({"state": "closed", "state_reason": "not_planned", "labels": ["network"], "assignees": []}),
            )
            .await;
        assert_eq!(closed.status, StatusCode::OK);
        assert_eq!(
            (closed.body["state"].as_str(), closed.body["state_reason"].as_str()),
            (Some("closed"), Some("not_planned"))
        );
        assert_eq!(closed.body["closed_by"]["login"], "mia-krystof");
        assert_eq!(
            (closed.body["labels"].as_array().unwrap().len(), closed.body["assignees"].as_array().unwrap().len()),
            (1, 0)
        );
        let reopened =
            gh.send("PATCH", "/repos/acme/ops-portal/issues/3", json!({"state": "open", "title": "VPN drops"})).await;
        assert_eq!(
            (reopened.body["state_reason"].as_str(), &reopened.body["closed_at"]),
            (Some("reopened"), &Value::Null)
        );
        assert_eq!(
            gh.send("PATCH", "/repos/acme/ops-portal/issues/3", json!({"state": "done"})).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        let empty = gh.send("POST", "/repos/acme/ops-portal/issues/3/comments", json!({"body": ""})).await;
        assert_eq!(empty.body["errors"][0]["code"], "missing_field");
        let said = gh
            .send("POST", "/repos/acme/ops-portal/issues/3/comments", json!({"body": "Keepalive fix is in #5."}))
            .await;
        assert_eq!((said.status, said.body["body"].as_str()), (StatusCode::CREATED, Some("Keepalive fix is in #5.")));
        assert_eq!(gh.fake.comments("acme/ops-portal", 3).len(), 4);
        assert_eq!(gh.fake.issue("acme/ops-portal", 3).unwrap()["title"], "VPN drops");
    }
}
