//! `create_issue`: a new issue in a project, read back as Jira stored it.

use crate::client::{Jira, text, unexpected};
use crate::issues::{self, IssueView};
use crate::{adf, jql, people};
use berth_sdk::{Json, ToolError, cache};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The issue type taken when none is given, where the project has it.
const PREFERRED_TYPE: &str = "Task";
/// How long a project's default issue type is remembered.
const TYPE_CACHE: Duration = Duration::from_secs(600);
/// The most labels one issue is given.
const MAX_LABELS: usize = 50;

/// Arguments of `create_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The project key, such as `OPS`; the tenant's `default_project` when
    /// absent.
    #[schemars(length(max = 32))]
    pub project: Option<String>,
    /// The one-line summary.
    #[schemars(length(min = 1, max = 255))]
    pub summary: String,
    /// The description, plain text; blank lines separate paragraphs.
    #[schemars(length(max = 32768))]
    pub description: Option<String>,
    /// The issue type's name (`Task`, `Bug`, `Story`…); the project's
    /// `Task`, or its first type, when absent.
    #[schemars(length(max = 255))]
    pub issue_type: Option<String>,
    /// The priority's name, such as `High`.
    #[schemars(length(max = 255))]
    pub priority: Option<String>,
    /// Labels (no spaces).
    #[serde(default)]
    #[schemars(length(max = 50))]
    pub labels: Vec<String>,
    /// Who should work on it: an e-mail address or an Atlassian account id.
    #[schemars(length(max = 255))]
    pub assignee: Option<String>,
}

/// Runs `create_issue`.
pub fn create_issue(args: CreateArgs) -> Result<Json<IssueView>, ToolError> {
    let jira = Jira::new()?;
    let project = project_key(&jira, args.project.as_deref())?;
    let summary = args.summary.trim();
    if summary.is_empty() {
        return Err(ToolError::invalid("`summary` must say what the issue is about"));
    }
    let mut fields = Map::new();
    fields.insert("project".to_owned(), json!({"key": project}));
    let issue_type = match args.issue_type.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) => json!({"name": name}),
        None => json!({"id": default_issue_type(&jira, &project)?}),
    };
    fields.insert("issuetype".to_owned(), issue_type);
    fields.insert("summary".to_owned(), json!(summary));
    if let Some(description) = args.description.as_deref().filter(|text| !text.trim().is_empty()) {
        fields.insert("description".to_owned(), adf::from_text(description));
    }
    if let Some(priority) = args.priority.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        fields.insert("priority".to_owned(), json!({"name": priority}));
    }
    if !args.labels.is_empty() {
        fields.insert("labels".to_owned(), json!(labels(&args.labels)?));
    }
    if let Some(who) = args.assignee.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        fields.insert("assignee".to_owned(), json!({"id": people::account_id(&jira, who)?}));
    }
    let created = jira.post("/issue", &json!({"fields": fields}), &format!("a new issue in project `{project}`"))?;
    let key = text(&created, "/key").ok_or_else(|| unexpected("no key for the new issue"))?;
    let issue = issues::read(&jira, key, issues::FIELDS)?;
    Ok(Json(issues::view(&issue, &|key| jira.settings.browse(key), &[])))
}

/// The project `given`, else the tenant's default, checked.
fn project_key(jira: &Jira, given: Option<&str>) -> Result<String, ToolError> {
    let key = match given.map(str::trim).filter(|key| !key.is_empty()) {
        Some(key) => key.to_ascii_uppercase(),
        None => jira.settings.default_project.clone().ok_or_else(|| {
            ToolError::invalid("say which project (`project`, a key such as OPS); this tenant has no `default_project`")
        })?,
    };
    if !jql::is_project_key(&key) {
        return Err(ToolError::invalid(format!("`{key}` is not a project key such as OPS")));
    }
    Ok(key)
}

/// `labels` checked: Jira labels hold no spaces.
pub fn labels(labels: &[String]) -> Result<Vec<String>, ToolError> {
    if labels.len() > MAX_LABELS {
        return Err(ToolError::invalid(format!("give at most {MAX_LABELS} labels")));
    }
    labels
        .iter()
        .map(|label| label.trim())
        .filter(|label| !label.is_empty())
        .map(|label| {
            if label.chars().any(char::is_whitespace) || label.len() > 255 {
                Err(ToolError::invalid(format!("`{label}` is not a Jira label: labels hold no spaces")))
            } else {
                Ok(label.to_owned())
            }
        })
        .collect()
}

/// The id of the issue type new issues of `project` get when none is
/// named: `Task` where the project has it, else its first standard type
/// (Service Management projects have no `Task`).
pub fn default_issue_type(jira: &Jira, project: &str) -> Result<String, ToolError> {
    let cache_key = format!("jira:issuetype:{project}");
    if let Some(id) = cache::get_json::<String>(&cache_key) {
        return Ok(id);
    }
    let found = jira.get(
        "/project/search",
        &[("keys", project.to_owned()), ("expand", "issueTypes".to_owned())],
        &format!("project `{project}`"),
    )?;
    let projects = found.get("values").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let Some(found) =
        projects.iter().find(|held| text(held, "/key").is_some_and(|key| key.eq_ignore_ascii_case(project)))
    else {
        return Err(ToolError::not_found(format!(
            "Jira has no project `{project}`, or the credential's user may not see it"
        )));
    };
    let id = choose_issue_type(found.get("issueTypes").unwrap_or(&Value::Null))
        .ok_or_else(|| unexpected(&format!("project `{project}` lists no issue types")))?;
    // A cache that refuses only costs the next call a request.
    let _ = cache::set_json(&cache_key, &id, TYPE_CACHE);
    Ok(id)
}

/// From a project's `issueTypes`, `Task`, else the first that is neither a
/// sub-task nor above the standard level (an epic).
fn choose_issue_type(types: &Value) -> Option<String> {
    let standard: Vec<&Value> = types
        .as_array()
        .into_iter()
        .flatten()
        .filter(|kind| {
            kind.get("subtask").and_then(Value::as_bool) != Some(true)
                && kind.get("hierarchyLevel").and_then(Value::as_i64).unwrap_or(0) == 0
        })
        .collect();
    let task = standard.iter().find(|kind| text(kind, "/name") == Some(PREFERRED_TYPE));
    let chosen = task.or_else(|| standard.first())?;
    text(chosen, "/id").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_where_there_is_one_else_the_first_standard_type() {
        let software = json!([
            {"id": "10000", "name": "Epic", "hierarchyLevel": 1},
            {"id": "10002", "name": "Bug", "hierarchyLevel": 0},
            {"id": "10001", "name": "Task", "hierarchyLevel": 0},
            {"id": "10004", "name": "Sub-task", "subtask": true, "hierarchyLevel": -1},
        ]);
        assert_eq!(choose_issue_type(&software).as_deref(), Some("10001"));
        let service = json!([
            {"id": "10010", "name": "[System] Service request", "subtask": false, "hierarchyLevel": 0},
            {"id": "10011", "name": "[System] Incident", "subtask": false},
        ]);
        assert_eq!(choose_issue_type(&service).as_deref(), Some("10010"));
        assert_eq!(choose_issue_type(&json!([])), None);
    }

    #[test]
    fn labels_hold_no_spaces() {
        assert_eq!(labels(&[" vpn ".into(), "".into(), "net-ops".into()]).unwrap(), ["vpn", "net-ops"]);
        assert!(labels(&["two words".into()]).is_err());
        assert!(labels(&vec!["x".to_owned(); 51]).is_err());
    }
}
