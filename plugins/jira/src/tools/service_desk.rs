//! Jira Service Management: service desks, their request types and queues,
//! and customer requests raised through them (`/rest/servicedeskapi`).
//!
//! Tools that act on one service desk take its id (or its project key); the
//! tenant's `service_desk_id` when absent; and when neither is given and
//! the site has exactly one service desk, that one.

use crate::client::{Jira, text, unexpected};
use crate::issues::{self, IssueView, PersonView, StatusView};
use crate::settings::is_numeric_id;
use crate::{jql, people, time};
use berth_sdk::{Json, NoArgs, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The most entries one listing reads: Service Management pages by 50 by
/// default, and sites have a few desks, request types and queues.
const MAX_LISTED: u32 = 50;

/// The `values` of a paged answer, at most [`MAX_LISTED`].
fn values(answer: &Value) -> impl Iterator<Item = &Value> {
    answer.get("values").and_then(Value::as_array).into_iter().flatten().take(MAX_LISTED as usize)
}

fn is_last_page(answer: &Value) -> bool {
    answer.get("isLastPage").and_then(Value::as_bool).unwrap_or(true)
}

/// A service desk.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ServiceDeskView {
    /// Its id, what the other service desk tools take.
    pub id: String,
    /// Its project's key.
    pub project_key: String,
    /// Its project's name.
    pub project_name: String,
}

/// The site's service desks.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ServiceDesks {
    /// The service desks the credential's user may see.
    pub service_desks: Vec<ServiceDeskView>,
}

fn desks(jira: &Jira) -> Result<Vec<ServiceDeskView>, ToolError> {
    let answer = jira.desk_get("/servicedesk", &[("limit", MAX_LISTED.to_string())], "the service desks")?;
    Ok(values(&answer)
        .map(|desk| ServiceDeskView {
            id: text(desk, "/id").unwrap_or_default().to_owned(),
            project_key: text(desk, "/projectKey").unwrap_or_default().to_owned(),
            project_name: text(desk, "/projectName").unwrap_or_default().to_owned(),
        })
        .collect())
}

/// Runs `list_service_desks`.
pub fn list_service_desks(_: NoArgs) -> Result<Json<ServiceDesks>, ToolError> {
    Ok(Json(ServiceDesks { service_desks: desks(&Jira::new()?)? }))
}

/// The service desk a call is about: the one `given` (an id or a project
/// key), else the configured one, else the site's only one.
fn desk_id(jira: &Jira, given: Option<&str>) -> Result<String, ToolError> {
    if let Some(given) = given.map(str::trim).filter(|given| !given.is_empty()) {
        let upper = given.to_ascii_uppercase();
        if is_numeric_id(given) || jql::is_project_key(&upper) {
            return Ok(if is_numeric_id(given) { given.to_owned() } else { upper });
        }
        return Err(ToolError::invalid(format!("`{given}` is neither a service desk id such as 1 nor a project key")));
    }
    if let Some(id) = &jira.settings.service_desk_id {
        return Ok(id.clone());
    }
    let found = desks(jira)?;
    match found.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(ToolError::not_found("the credential's user sees no Jira Service Management service desk")),
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|desk| format!("{} ({}, {})", desk.id, desk.project_key, desk.project_name))
                .collect();
            Err(ToolError::invalid(format!(
                "say which service desk (`service_desk_id`); this site has: {}",
                listed.join("; ")
            )))
        }
    }
}

/// Arguments of `list_request_types`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestTypesArgs {
    /// The service desk's id (or its project key); the tenant's default, or
    /// the site's only one, when absent.
    #[schemars(length(max = 32))]
    pub service_desk_id: Option<String>,
    /// Only request types whose name matches these words.
    #[schemars(length(max = 255))]
    pub query: Option<String>,
}

/// A kind of request customers can raise.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestTypeView {
    /// Its id, what `create_request` takes.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The portal's help text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_text: Option<String>,
    /// The issue type its requests become.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type_id: Option<String>,
}

/// A service desk's request types.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestTypes {
    /// The service desk.
    pub service_desk_id: String,
    /// Its request types.
    pub request_types: Vec<RequestTypeView>,
    /// Whether more exist than were listed.
    pub has_more: bool,
}

/// Runs `list_request_types`.
pub fn list_request_types(args: RequestTypesArgs) -> Result<Json<RequestTypes>, ToolError> {
    let jira = Jira::new()?;
    let desk = desk_id(&jira, args.service_desk_id.as_deref())?;
    let mut query = vec![("limit", MAX_LISTED.to_string())];
    if let Some(words) = args.query.as_deref().map(str::trim).filter(|words| !words.is_empty()) {
        query.push(("searchQuery", words.to_owned()));
    }
    let answer =
        jira.desk_get(&format!("/servicedesk/{desk}/requesttype"), &query, &format!("service desk `{desk}`"))?;
    let optional = |value: &Value, pointer: &str| text(value, pointer).map(str::to_owned);
    let request_types = values(&answer)
        .map(|kind| RequestTypeView {
            id: text(kind, "/id").unwrap_or_default().to_owned(),
            name: text(kind, "/name").unwrap_or_default().to_owned(),
            description: optional(kind, "/description"),
            help_text: optional(kind, "/helpText"),
            issue_type_id: optional(kind, "/issueTypeId"),
        })
        .collect();
    Ok(Json(RequestTypes { service_desk_id: desk, request_types, has_more: !is_last_page(&answer) }))
}

/// Arguments of `create_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequestArgs {
    /// The service desk's id (or its project key); the tenant's default, or
    /// the site's only one, when absent.
    #[schemars(length(max = 32))]
    pub service_desk_id: Option<String>,
    /// The request type's id, from `list_request_types`.
    #[schemars(length(min = 1, max = 32))]
    pub request_type_id: String,
    /// What the customer needs, in one line.
    #[schemars(length(min = 1, max = 255))]
    pub summary: String,
    /// The details, plain text.
    #[schemars(length(max = 32768))]
    pub description: Option<String>,
    /// The customer it is raised for: an e-mail address or an Atlassian
    /// account id; the credential's own user when absent.
    #[schemars(length(max = 255))]
    pub on_behalf_of: Option<String>,
    /// Further fields the request type asks for, by field id
    /// (`customfield_10042`), as Service Management takes them.
    pub fields: Option<Map<String, Value>>,
}

/// A customer request.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestView {
    /// The issue key, such as `HELP-12`.
    pub key: String,
    /// Its one-line summary.
    pub summary: String,
    /// Its request type's id.
    pub request_type_id: String,
    /// Its service desk's id.
    pub service_desk_id: String,
    /// Its status.
    pub status: StatusView,
    /// Who raised it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<PersonView>,
    /// When it was raised (RFC 3339, UTC).
    pub created: String,
    /// Where agents open it.
    pub url: String,
    /// Where the customer follows it on the portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal_url: Option<String>,
}

/// Runs `create_request`.
pub fn create_request(args: CreateRequestArgs) -> Result<Json<RequestView>, ToolError> {
    let jira = Jira::new()?;
    let desk = desk_id(&jira, args.service_desk_id.as_deref())?;
    let request_type = args.request_type_id.trim();
    if !is_numeric_id(request_type) {
        return Err(ToolError::invalid(format!("`{request_type}` is not a request type id such as 10")));
    }
    let summary = args.summary.trim();
    if summary.is_empty() {
        return Err(ToolError::invalid("`summary` must say what is needed"));
    }
    let mut fields = args.fields.unwrap_or_default();
    if fields.len() > 50 {
        return Err(ToolError::invalid("give at most 50 further fields"));
    }
    fields.insert("summary".to_owned(), json!(summary));
    if let Some(description) = args.description.as_deref().filter(|text| !text.trim().is_empty()) {
        fields.insert("description".to_owned(), json!(description));
    }
    let mut body = json!({
        "serviceDeskId": desk,
        "requestTypeId": request_type,
        "requestFieldValues": fields,
        "isAdfRequest": false,
    });
    if let Some(who) = args.on_behalf_of.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        body["raiseOnBehalfOf"] = json!(people::account_id(&jira, who)?);
    }
    let created = jira.desk_post("/request", &body, &format!("a request on service desk `{desk}`"))?;
    Ok(Json(request(&created, &jira)?))
}

/// A `CustomerRequest` as a [`RequestView`].
fn request(created: &Value, jira: &Jira) -> Result<RequestView, ToolError> {
    let key = text(created, "/issueKey").ok_or_else(|| unexpected("no issue key for the new request"))?;
    let category = text(created, "/currentStatus/statusCategory").unwrap_or("undefined").to_ascii_lowercase();
    Ok(RequestView {
        key: key.to_owned(),
        summary: text(created, "/summary").unwrap_or_default().to_owned(),
        request_type_id: text(created, "/requestTypeId").unwrap_or_default().to_owned(),
        service_desk_id: text(created, "/serviceDeskId").unwrap_or_default().to_owned(),
        status: StatusView { name: text(created, "/currentStatus/status").unwrap_or_default().to_owned(), category },
        reporter: created.get("reporter").and_then(issues::person),
        created: text(created, "/createdDate/iso8601").map(time::rfc3339_utc).unwrap_or_default(),
        url: jira.settings.browse(key),
        portal_url: text(created, "/_links/web").map(str::to_owned),
    })
}

/// Arguments of `list_queues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueuesArgs {
    /// The service desk's id (or its project key); the tenant's default, or
    /// the site's only one, when absent.
    #[schemars(length(max = 32))]
    pub service_desk_id: Option<String>,
}

/// An agents' queue.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QueueView {
    /// Its id, what `queue_issues` takes.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The JQL that selects its issues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jql: Option<String>,
    /// How many issues it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_count: Option<u64>,
}

/// A service desk's queues.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Queues {
    /// The service desk.
    pub service_desk_id: String,
    /// Its queues.
    pub queues: Vec<QueueView>,
    /// Whether more exist than were listed.
    pub has_more: bool,
}

/// Runs `list_queues`.
pub fn list_queues(args: QueuesArgs) -> Result<Json<Queues>, ToolError> {
    let jira = Jira::new()?;
    let desk = desk_id(&jira, args.service_desk_id.as_deref())?;
    let answer = jira.desk_get(
        &format!("/servicedesk/{desk}/queue"),
        &[("includeCount", "true".to_owned()), ("limit", MAX_LISTED.to_string())],
        &format!("service desk `{desk}`"),
    )?;
    let queues = values(&answer)
        .map(|queue| QueueView {
            id: text(queue, "/id").map(str::to_owned).unwrap_or_else(|| queue["id"].to_string()),
            name: text(queue, "/name").unwrap_or_default().to_owned(),
            jql: text(queue, "/jql").map(str::to_owned),
            issue_count: queue.get("issueCount").and_then(Value::as_u64),
        })
        .collect();
    Ok(Json(Queues { service_desk_id: desk, queues, has_more: !is_last_page(&answer) }))
}

/// Arguments of `queue_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueIssuesArgs {
    /// The service desk's id (or its project key); the tenant's default, or
    /// the site's only one, when absent.
    #[schemars(length(max = 32))]
    pub service_desk_id: Option<String>,
    /// The queue's id, from `list_queues`.
    #[schemars(length(min = 1, max = 32))]
    pub queue_id: String,
    /// Most issues to return (1 to 50, default 20).
    #[schemars(range(min = 1, max = 50))]
    pub limit: Option<u32>,
    /// Issues to skip: the `next_start` of the previous page.
    pub start: Option<u32>,
}

/// A page of a queue.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QueueIssues {
    /// The queue.
    pub queue_id: String,
    /// Its issues, in the queue's order, with the fields its columns show.
    pub issues: Vec<IssueView>,
    /// Pass as `start` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start: Option<u32>,
}

/// Runs `queue_issues`.
pub fn queue_issues(args: QueueIssuesArgs) -> Result<Json<QueueIssues>, ToolError> {
    let queue = args.queue_id.trim().to_owned();
    if !is_numeric_id(&queue) {
        return Err(ToolError::invalid(format!("`{queue}` is not a queue id such as 1")));
    }
    let jira = Jira::new()?;
    let desk = desk_id(&jira, args.service_desk_id.as_deref())?;
    let limit = args.limit.unwrap_or(20).clamp(1, MAX_LISTED);
    let start = args.start.unwrap_or(0);
    let answer = jira.desk_get(
        &format!("/servicedesk/{desk}/queue/{queue}/issue"),
        &[("start", start.to_string()), ("limit", limit.to_string())],
        &format!("queue `{queue}` of service desk `{desk}`"),
    )?;
    let browse = |key: &str| jira.settings.browse(key);
    let issues: Vec<IssueView> =
        values(&answer).take(limit as usize).map(|issue| issues::view(issue, &browse, &[])).collect();
    let returned = u32::try_from(issues.len()).unwrap_or(limit);
    let next_start = (!is_last_page(&answer) && returned > 0).then(|| start.saturating_add(returned));
    Ok(Json(QueueIssues { queue_id: queue, issues, next_start }))
}
