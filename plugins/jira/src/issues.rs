//! Issues as Jira sends them (`IssueBean`), read into what the tools and
//! the ticket desk show: people, statuses, priorities and text, with ADF
//! turned into plain text and instants into RFC 3339 UTC.

use crate::client::{Jira, text};
use crate::{adf, jql, time};
use berth_sdk::ToolError;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// The fields every issue is read with.
pub const FIELDS: &[&str] = &[
    "summary",
    "status",
    "priority",
    "assignee",
    "reporter",
    "issuetype",
    "project",
    "labels",
    "created",
    "updated",
    "resolution",
    "duedate",
    "description",
];

/// The most extra fields a search may ask for.
pub const MAX_EXTRA_FIELDS: usize = 20;

/// Someone in Jira.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PersonView {
    /// Their Atlassian account id (what `assign_issue` takes).
    pub account_id: String,
    /// Their display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Their e-mail address, where their profile shares it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A person field (`assignee`, `author`…), when set.
pub fn person(value: &Value) -> Option<PersonView> {
    let account_id = text(value, "/accountId")?.to_owned();
    Some(PersonView {
        account_id,
        display_name: text(value, "/displayName").map(str::to_owned),
        email: text(value, "/emailAddress").map(str::to_owned),
    })
}

/// A status and its category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StatusView {
    /// The status's name: `In Progress`, `Waiting for customer`.
    pub name: String,
    /// Jira's category of it: `new` (To Do), `indeterminate` (In
    /// Progress) or `done`.
    pub category: String,
}

/// An issue as the tools show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IssueView {
    /// The key, such as `OPS-12`.
    pub key: String,
    /// Where a person opens it.
    pub url: String,
    /// The one-line summary.
    pub summary: String,
    /// Its status.
    pub status: StatusView,
    /// Its priority's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Its issue type's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    /// Its project's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Who works on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<PersonView>,
    /// Who reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<PersonView>,
    /// Its labels.
    pub labels: Vec<String>,
    /// How it was finished, once done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// When it was created (RFC 3339, UTC).
    pub created: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated: String,
    /// When it is due (`yyyy-mm-dd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Its description, as plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other fields the caller asked for, as Jira sends them (rich text as
    /// plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_fields: Option<Map<String, Value>>,
}

/// The name at `pointer`, if any.
fn name(fields: &Value, pointer: &str) -> Option<String> {
    text(fields, pointer).map(str::to_owned)
}

/// Reads an `IssueBean`; `extra` names further fields to pass on.
pub fn view(issue: &Value, browse: &dyn Fn(&str) -> String, extra: &[String]) -> IssueView {
    let fields = issue.get("fields").unwrap_or(&Value::Null);
    let key = text(issue, "/key").unwrap_or_default().to_owned();
    let instant = |pointer: &str| text(fields, pointer).map(time::rfc3339_utc).unwrap_or_default();
    let description = fields.get("description").map(adf::to_text).filter(|text| !text.is_empty());
    let other_fields: Map<String, Value> = extra
        .iter()
        .filter(|field| !FIELDS.contains(&field.as_str()))
        .filter_map(|field| {
            let value = fields.get(field)?;
            let readable = if value.get("type").and_then(Value::as_str) == Some("doc") {
                Value::String(adf::to_text(value))
            } else {
                value.clone()
            };
            Some((field.clone(), readable))
        })
        .collect();
    IssueView {
        url: browse(&key),
        key,
        summary: text(fields, "/summary").unwrap_or_default().to_owned(),
        status: status(fields),
        priority: name(fields, "/priority/name"),
        issue_type: name(fields, "/issuetype/name"),
        project: name(fields, "/project/key"),
        assignee: fields.get("assignee").and_then(person),
        reporter: fields.get("reporter").and_then(person),
        labels: labels(fields),
        resolution: name(fields, "/resolution/name"),
        created: instant("/created"),
        updated: instant("/updated"),
        due_date: name(fields, "/duedate"),
        description,
        other_fields: (!other_fields.is_empty()).then_some(other_fields),
    }
}

/// The `status` field's name and category key.
pub fn status(fields: &Value) -> StatusView {
    StatusView {
        name: text(fields, "/status/name").unwrap_or_default().to_owned(),
        category: text(fields, "/status/statusCategory/key").unwrap_or("undefined").to_owned(),
    }
}

/// The `labels` field.
pub fn labels(fields: &Value) -> Vec<String> {
    fields
        .get("labels")
        .and_then(Value::as_array)
        .map(|labels| labels.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A comment as the tools show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommentView {
    /// The comment's id.
    pub id: String,
    /// Who wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<PersonView>,
    /// Its text, plain.
    pub body: String,
    /// Whether Service Management customers see it (`false`: an internal
    /// note).
    pub public: bool,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
}

/// The property that makes a comment a Service Management internal note.
pub const INTERNAL_PROPERTY: &str = "sd.public.comment";

/// The `properties` that mark a new comment internal (or not).
pub fn visibility_properties(internal: bool) -> Value {
    serde_json::json!([{"key": INTERNAL_PROPERTY, "value": {"internal": internal}}])
}

/// Reads a `Comment`. Whether customers see it is what Jira says
/// (`jsdPublic`); where it does not say, the `sd.public.comment` property
/// does.
pub fn comment(comment: &Value) -> CommentView {
    let marked_internal = comment
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|property| text(property, "/key") == Some(INTERNAL_PROPERTY))
        .and_then(|property| property.pointer("/value/internal"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let public = comment.get("jsdPublic").and_then(Value::as_bool).unwrap_or(!marked_internal);
    CommentView {
        id: text(comment, "/id").map(str::to_owned).unwrap_or_else(|| comment["id"].to_string()),
        author: comment.get("author").and_then(person),
        body: comment.get("body").map(adf::to_text).unwrap_or_default(),
        public,
        created: text(comment, "/created").map(time::rfc3339_utc).unwrap_or_default(),
    }
}

/// The most comments read with an issue: the newest ones.
pub const MAX_COMMENTS: u32 = 100;

/// The newest `limit` comments of issue `key`, oldest first, and how many
/// it has in all.
pub fn comments(jira: &Jira, key: &str, limit: u32) -> Result<(Vec<CommentView>, u64), ToolError> {
    let limit = limit.clamp(1, MAX_COMMENTS);
    let answer = jira.get(
        &format!("/issue/{key}/comment"),
        &[("orderBy", "-created".to_owned()), ("maxResults", limit.to_string()), ("expand", "properties".to_owned())],
        &format!("issue `{key}`"),
    )?;
    let listed = answer.get("comments").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let total = answer.get("total").and_then(Value::as_u64).unwrap_or(listed.len() as u64);
    let mut read: Vec<CommentView> = listed.iter().take(limit as usize).map(comment).collect();
    // Newest first as asked; oldest first as shown. Jira sorts ties by id.
    read.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| numeric(&a.id).cmp(&numeric(&b.id))));
    Ok((read, total))
}

fn numeric(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

/// Issue `key` checked and written as Jira's keys are (`ops-12` →
/// `OPS-12`), or a refusal naming it.
pub fn key(given: &str) -> Result<String, ToolError> {
    let key = given.trim().to_ascii_uppercase();
    if !jql::is_issue_key(&key) {
        return Err(ToolError::invalid(format!(
            "`{}` is not an issue key such as OPS-12",
            given.chars().take(64).collect::<String>()
        )));
    }
    Ok(key)
}

/// What Jira calls a Service Management project (`projectTypeKey`).
const SERVICE_PROJECT: &str = "service_desk";

/// Refuses an internal note on `issue` (read with its `project` field)
/// unless it is in a Service Management project: elsewhere every comment is
/// seen by everyone who sees the issue, so "internal" would be a lie.
pub fn check_internal_allowed(issue: &Value, key: &str) -> Result<(), ToolError> {
    let project = issue.pointer("/fields/project");
    let kind = project.and_then(|project| text(project, "/projectTypeKey"));
    if kind == Some(SERVICE_PROJECT) {
        return Ok(());
    }
    let name = project.and_then(|project| text(project, "/key")).unwrap_or("its project");
    Err(ToolError::invalid(format!(
        "internal notes exist only in Jira Service Management projects, and {key} is in {name}, a {} project,          where everyone who sees the issue sees every comment; add it as a public comment if that is fine",
        kind.unwrap_or("non-service")
    )))
}

/// Reads issue `key` with `fields` (and `expand`, if any).
pub fn read(jira: &Jira, key: &str, fields: &[&str]) -> Result<Value, ToolError> {
    jira.get(&format!("/issue/{key}"), &[("fields", fields.join(","))], &format!("issue `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn browse(key: &str) -> String {
        format!("https://acme.atlassian.net/browse/{key}")
    }

    #[test]
    fn an_issue_bean_reads_as_a_view() {
        let bean = json!({
            "id": "10002", "key": "OPS-3",
            "fields": {
                "summary": "VPN drops every hour",
                "status": {"name": "In Review", "statusCategory": {"key": "indeterminate", "name": "In Progress"}},
                "priority": {"name": "High", "id": "2"},
                "assignee": {"accountId": "5b10", "displayName": "Mia Krystof", "emailAddress": "mia@example.com"},
                "reporter": {"accountId": "5e8a", "displayName": "Jonas Lindqvist"},
                "issuetype": {"name": "Bug"}, "project": {"key": "OPS"},
                "labels": ["network", "vpn"],
                "created": "2026-11-20T09:00:00.000+1100", "updated": "2026-11-27T10:15:00.000+0000",
                "resolution": null, "duedate": "2026-12-01",
                "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Since Monday."}]}]},
                "customfield_10010": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "env"}]}]},
                "customfield_10020": 5,
            }
        });
        let view = view(&bean, &browse, &["customfield_10010".into(), "customfield_10020".into(), "summary".into()]);
        assert_eq!(view.url, "https://acme.atlassian.net/browse/OPS-3");
        assert_eq!(view.status, StatusView { name: "In Review".into(), category: "indeterminate".into() });
        assert_eq!(view.created, "2026-11-19T22:00:00.000Z");
        assert_eq!(view.updated, "2026-11-27T10:15:00.000Z");
        assert_eq!(view.assignee.unwrap().email.as_deref(), Some("mia@example.com"));
        assert_eq!(view.reporter.unwrap().email, None, "a hidden e-mail stays hidden");
        assert_eq!(view.description.as_deref(), Some("Since Monday."));
        assert_eq!((view.resolution, view.due_date.as_deref()), (None, Some("2026-12-01")));
        let other = view.other_fields.unwrap();
        assert_eq!(other["customfield_10010"], "env");
        assert_eq!(other["customfield_10020"], 5);
        assert!(!other.contains_key("summary"));
    }

    #[test]
    fn comments_are_internal_by_jsd_public_else_their_property() {
        let public =
            comment(&json!({"id": "1", "body": "hi", "jsdPublic": true, "created": "2026-11-27T10:15:00.000+0000"}));
        assert!(public.public);
        assert_eq!((public.body.as_str(), public.created.as_str()), ("hi", "2026-11-27T10:15:00.000Z"));
        assert!(!comment(&json!({"id": "2", "jsdPublic": false})).public);
        let marked = json!({"id": "3", "properties": [{"key": "sd.public.comment", "value": {"internal": true}}]});
        assert!(!comment(&marked).public);
        let software = json!({"id": "5", "jsdPublic": true, "properties": [{"key": "sd.public.comment", "value": {"internal": true}}]});
        assert!(comment(&software).public, "Jira's word wins: outside Service Management everyone sees it");
        let unmarked = json!({"id": "4", "properties": [{"key": "sd.public.comment", "value": {"internal": false}}]});
        assert!(comment(&unmarked).public);
        assert_eq!(visibility_properties(true), json!([{"key": "sd.public.comment", "value": {"internal": true}}]));
    }

    #[test]
    fn internal_notes_only_where_service_management_has_them() {
        let help = json!({"fields": {"project": {"key": "HELP", "projectTypeKey": "service_desk"}}});
        assert!(check_internal_allowed(&help, "HELP-1").is_ok());
        let ops = json!({"fields": {"project": {"key": "OPS", "projectTypeKey": "software"}}});
        let Err(ToolError::InvalidArguments(message)) = check_internal_allowed(&ops, "OPS-1") else { panic!() };
        assert!(message.contains("OPS-1 is in OPS, a software project"), "{message}");
    }

    #[test]
    fn keys_are_checked_and_upper_cased() {
        assert_eq!(key(" ops-12 ").unwrap(), "OPS-12");
        assert!(matches!(key("OPS-1/../../x"), Err(ToolError::InvalidArguments(_))));
    }
}
