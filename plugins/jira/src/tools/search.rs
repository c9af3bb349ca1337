//! `search_issues`: issues matching a JQL query, through the enhanced
//! search (`POST /rest/api/3/search/jql`; the old `/search` is gone), one
//! page at a time by `nextPageToken`.

use crate::client::{Jira, text};
use crate::issues::{self, IssueView, MAX_EXTRA_FIELDS};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The page size when none is given.
const DEFAULT_LIMIT: u32 = 20;
/// The largest page: Jira pages issues with fields at 100 at most, and
/// more would swamp a model's context.
const MAX_LIMIT: u32 = 100;

/// Arguments of `search_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// A JQL query with at least one restriction, such as `project = OPS AND
    /// statusCategory != Done ORDER BY updated DESC` or `text ~ "vpn" AND
    /// assignee = currentUser()`. Jira refuses queries without a restriction
    /// (`ORDER BY key` alone); quote values with spaces.
    #[schemars(length(min = 1, max = 4000))]
    pub jql: String,
    /// Further fields to return for each issue, by id (`customfield_10010`,
    /// `components`, `description`); rich text comes back as plain text.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub fields: Vec<String>,
    /// Most issues to return (1 to 100, default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_page_token` of the previous page of the same query.
    #[schemars(length(max = 2048))]
    pub next_page_token: Option<String>,
}

/// One page of issues.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchPage {
    /// The issues, in the query's order.
    pub issues: Vec<IssueView>,
    /// Pass it back as `next_page_token` for the next page; absent on the
    /// last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// Whether this is the last page.
    pub is_last: bool,
}

/// Runs `search_issues`.
pub fn search_issues(args: SearchArgs) -> Result<Json<SearchPage>, ToolError> {
    let jql = args.jql.trim();
    if jql.is_empty() {
        return Err(ToolError::invalid("`jql` is empty; give a JQL query such as `project = OPS`"));
    }
    let extra: Vec<String> =
        args.fields.iter().map(|field| field.trim().to_owned()).filter(|f| !f.is_empty()).collect();
    if extra.len() > MAX_EXTRA_FIELDS {
        return Err(ToolError::invalid(format!("ask for at most {MAX_EXTRA_FIELDS} further fields")));
    }
    if let Some(bad) = extra.iter().find(|field| !is_field_id(field)) {
        return Err(ToolError::invalid(format!("`{bad}` is not a Jira field id such as customfield_10010")));
    }
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut fields: Vec<&str> = issues::FIELDS.iter().copied().filter(|field| *field != "description").collect();
    for field in &extra {
        if !fields.contains(&field.as_str()) {
            fields.push(field);
        }
    }
    let mut body = json!({"jql": jql, "fields": fields, "maxResults": limit});
    if let Some(token) = args.next_page_token.as_deref().map(str::trim).filter(|token| !token.is_empty()) {
        body["nextPageToken"] = json!(token);
    }
    let jira = Jira::new()?;
    let answer = jira.post("/search/jql", &body, "the search")?;
    let browse = |key: &str| jira.settings.browse(key);
    let issues: Vec<IssueView> = answer
        .get("issues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(limit as usize)
        .map(|issue| issues::view(issue, &browse, &extra))
        .collect();
    let next_page_token = text(&answer, "/nextPageToken").map(str::to_owned);
    let is_last = answer.get("isLast").and_then(Value::as_bool).unwrap_or(next_page_token.is_none());
    Ok(Json(SearchPage { issues, next_page_token: next_page_token.filter(|_| !is_last), is_last }))
}

/// Whether `field` is shaped like a Jira field id or key.
pub fn is_field_id(field: &str) -> bool {
    !field.is_empty()
        && field.len() <= 64
        && field.starts_with(|c: char| c.is_ascii_alphabetic())
        && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids() {
        for field in ["customfield_10010", "components", "duedate"] {
            assert!(is_field_id(field), "{field}");
        }
        for field in ["", "*all", "-comment", "a,b", "x y"] {
            assert!(!is_field_id(field), "{field}");
        }
    }
}
