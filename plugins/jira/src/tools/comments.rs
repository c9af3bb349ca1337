//! `add_comment`: a comment on an issue, public or, in Service Management
//! projects, an internal note (the `sd.public.comment` property).

use crate::adf;
use crate::client::Jira;
use crate::issues::{self, CommentView};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Arguments of `add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentArgs {
    /// The issue key, such as `HELP-7`.
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// The comment, plain text; blank lines separate paragraphs.
    #[schemars(length(min = 1, max = 32768))]
    pub body: String,
    /// An internal note that Service Management customers do not see
    /// (default: a public comment).
    #[serde(default)]
    pub internal: bool,
}

/// Runs `add_comment`.
pub fn add_comment(args: CommentArgs) -> Result<Json<CommentView>, ToolError> {
    let key = issues::key(&args.key)?;
    let jira = Jira::new()?;
    Ok(Json(post(&jira, &key, &args.body, args.internal)?))
}

/// Adds `body` to issue `key`, as an internal note when `internal` (which
/// only Service Management projects have).
pub fn post(jira: &Jira, key: &str, body: &str, internal: bool) -> Result<CommentView, ToolError> {
    if body.trim().is_empty() {
        return Err(ToolError::invalid("the comment is empty"));
    }
    if internal {
        issues::check_internal_allowed(&issues::read(jira, key, &["project"])?, key)?;
    }
    write(jira, key, body, internal)
}

/// [`post`], for a caller that has checked that an internal note is
/// possible.
pub fn write(jira: &Jira, key: &str, body: &str, internal: bool) -> Result<CommentView, ToolError> {
    let request = json!({"body": adf::from_text(body), "properties": issues::visibility_properties(internal)});
    let written = jira.post(&format!("/issue/{key}/comment?expand=properties"), &request, &format!("issue `{key}`"))?;
    let mut view = issues::comment(&written);
    // What was asked for is what Jira stored; an answer without
    // `properties` or `jsdPublic` does not say otherwise.
    if written.get("jsdPublic").is_none() && written.get("properties").is_none() {
        view.public = !internal;
    }
    Ok(view)
}
