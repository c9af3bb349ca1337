//! `assign_issue`: assigns an issue to someone (by e-mail address or
//! account id), or unassigns it.

use crate::client::Jira;
use crate::issues::{self, PersonView};
use crate::people;
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Arguments of `assign_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignArgs {
    /// The issue key, such as `OPS-12`.
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// Who should work on it: an e-mail address or an Atlassian account
    /// id; `null` unassigns it.
    #[schemars(required, schema_with = "nullable_person")]
    pub assignee: Option<String>,
}

/// A person's e-mail address or account id, or `null`: a value that must be
/// given, even if only as `null`.
fn nullable_person(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "null"], "maxLength": 255})
}

/// Who an issue is assigned to now.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Assigned {
    /// The issue key.
    pub key: String,
    /// The assignee; absent when unassigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<PersonView>,
}

/// Runs `assign_issue`.
pub fn assign_issue(args: AssignArgs) -> Result<Json<Assigned>, ToolError> {
    let key = issues::key(&args.key)?;
    let jira = Jira::new()?;
    let account_id = match args.assignee.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        Some(who) => Some(people::account_id(&jira, who)?),
        None => None,
    };
    assign(&jira, &key, account_id.as_deref())?;
    let issue = issues::read(&jira, &key, &["assignee"])?;
    let assignee = issue.pointer("/fields/assignee").and_then(issues::person);
    Ok(Json(Assigned { key, assignee }))
}

/// Assigns issue `key` to `account_id`, or unassigns it.
pub fn assign(jira: &Jira, key: &str, account_id: Option<&str>) -> Result<(), ToolError> {
    jira.put(&format!("/issue/{key}/assignee"), &json!({"accountId": account_id}), &format!("issue `{key}`"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_an_assignee_the_schema_takes() {
        let schema = serde_json::to_value(schemars::schema_for!(AssignArgs)).unwrap();
        assert_eq!(schema["required"], json!(["key", "assignee"]));
        assert_eq!(schema["properties"]["assignee"]["type"], json!(["string", "null"]));
        assert!(schema["properties"]["assignee"]["description"].as_str().unwrap().contains("`null` unassigns"));
    }
}
