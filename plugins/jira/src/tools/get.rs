//! `get_issue`: one issue with its description and newest comments.

use crate::client::Jira;
use crate::issues::{self, CommentView, IssueView, MAX_COMMENTS};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Comments read when the call does not say.
const DEFAULT_COMMENTS: u32 = 20;

/// Arguments of `get_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    /// The issue key, such as `OPS-12`.
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// How many of the newest comments to include (0 to 100, default 20).
    #[schemars(range(min = 0, max = 100))]
    pub comments: Option<u32>,
}

/// An issue with its conversation.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueDetails {
    /// The issue, with its description.
    pub issue: IssueView,
    /// Its newest comments, oldest first; internal notes have `public:
    /// false`.
    pub comments: Vec<CommentView>,
    /// How many comments it has in all (absent when none were asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_count: Option<u64>,
}

/// Runs `get_issue`.
pub fn get_issue(args: GetArgs) -> Result<Json<IssueDetails>, ToolError> {
    let key = issues::key(&args.key)?;
    let jira = Jira::new()?;
    let issue = issues::read(&jira, &key, issues::FIELDS)?;
    let issue = issues::view(&issue, &|key| jira.settings.browse(key), &[]);
    let wanted = args.comments.unwrap_or(DEFAULT_COMMENTS).min(MAX_COMMENTS);
    let (comments, comment_count) = if wanted == 0 {
        (Vec::new(), None)
    } else {
        let (comments, total) = issues::comments(&jira, &key, wanted)?;
        (comments, Some(total))
    };
    Ok(Json(IssueDetails { issue, comments, comment_count }))
}
