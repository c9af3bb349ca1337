//! The issue tools: search (GitHub's search syntax, paged by `Link`), read
//! with comments, create, comment and close.

use crate::client::{GitHub, items};
use crate::issues::{self, CommentView, IssueView, MAX_COMMENTS};
use crate::repo::IssueRef;
use crate::{people, query};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The page size when none is given.
const DEFAULT_LIMIT: u32 = 20;
/// Comments read when the call does not say.
const DEFAULT_COMMENTS: u32 = 30;

/// Arguments of `search_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// GitHub search syntax, such as `vpn is:open label:bug` or `is:pr
    /// author:@me`. Without `repo:`, `org:` or `user:`, the search covers
    /// `repo` (or the configured default repository).
    #[schemars(length(min = 1, max = 256))]
    pub query: String,
    /// `owner/repo` to search when the query names no scope.
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// Order by `created`, `updated` or `comments` (default: best match).
    pub sort: Option<SearchSort>,
    /// `desc` (default) or `asc`.
    pub order: Option<Direction>,
    /// Most results per page (1 to 100, default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page of the same search.
    #[schemars(length(max = 2048))]
    pub cursor: Option<String>,
}

/// What search results are ordered by.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// When they were opened.
    Created,
    /// When they last changed.
    Updated,
    /// How many comments they have.
    Comments,
}

/// An order.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Largest or newest first.
    Desc,
    /// Smallest or oldest first.
    Asc,
}

impl Direction {
    /// As GitHub spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desc => "desc",
            Self::Asc => "asc",
        }
    }
}

/// One page of search results.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchPage {
    /// How many issues and pull requests match in all.
    pub total_count: u64,
    /// Whether GitHub ran out of time and the results may be incomplete.
    pub incomplete_results: bool,
    /// The results (without descriptions).
    pub issues: Vec<IssueView>,
    /// Pass it back as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `search_issues`.
pub fn search_issues(args: SearchArgs) -> Result<Json<SearchPage>, ToolError> {
    let github = GitHub::new()?;
    let mut q = args.query.trim().to_owned();
    if q.is_empty() {
        return Err(ToolError::invalid("`query` is empty; give search terms such as `vpn is:open`"));
    }
    if !query::is_scoped(&q) {
        let repo = match args.repo.as_deref() {
            Some(given) => Some(github.settings.repo(Some(given))?),
            None => github.settings.default_repo.clone(),
        };
        if let Some(repo) = repo {
            q = format!("{q} repo:{}", repo.full());
        }
    }
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100);
    let mut params = vec![("q", q), ("per_page", limit.to_string())];
    if let Some(sort) = args.sort {
        let sort = match sort {
            SearchSort::Created => "created",
            SearchSort::Updated => "updated",
            SearchSort::Comments => "comments",
        };
        params.push(("sort", sort.to_owned()));
    }
    if let Some(order) = args.order {
        params.push(("order", order.as_str().to_owned()));
    }
    let page = github.list("/search/issues", &params, args.cursor.as_deref(), "the issue search")?;
    Ok(Json(SearchPage {
        total_count: page.body.get("total_count").and_then(Value::as_u64).unwrap_or_default(),
        incomplete_results: page.body.get("incomplete_results").and_then(Value::as_bool).unwrap_or(false),
        issues: items(&page.body, "/items").map(|issue| issues::view(issue, None, false)).collect(),
        next_cursor: page.next,
    }))
}

/// Issue `number` of `repo` (or of the default repository).
pub fn issue_ref(github: &GitHub, repo: Option<&str>, number: u64) -> Result<IssueRef, ToolError> {
    if number == 0 {
        return Err(ToolError::invalid("issue numbers start at 1"));
    }
    Ok(IssueRef { repo: github.settings.repo(repo)?, number })
}

/// Arguments of `get_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The issue's number.
    #[schemars(range(min = 1))]
    pub number: u64,
    /// How many of the newest comments to include (0 to 100, default 30).
    #[schemars(range(min = 0, max = 100))]
    pub comments: Option<u32>,
}

/// An issue with its conversation.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueDetails {
    /// The issue, with its description.
    pub issue: IssueView,
    /// Its newest comments, oldest first.
    pub comments: Vec<CommentView>,
}

/// Runs `get_issue`.
pub fn get_issue(args: GetArgs) -> Result<Json<IssueDetails>, ToolError> {
    let github = GitHub::new()?;
    let issue = issue_ref(&github, args.repo.as_deref(), args.number)?;
    Ok(Json(details(&github, &issue, args.comments.unwrap_or(DEFAULT_COMMENTS))?))
}

/// Issue `issue` with its newest `comments` comments.
pub fn details(github: &GitHub, issue: &IssueRef, comments: u32) -> Result<IssueDetails, ToolError> {
    let read = issues::read(github, issue)?;
    let view = issues::view(&read, Some(&issue.repo), true);
    let wanted = if view.comments == 0 { 0 } else { comments.min(MAX_COMMENTS) };
    Ok(IssueDetails { issue: view, comments: issues::comments(github, issue, wanted)? })
}

/// Arguments of `create_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The title.
    #[schemars(length(min = 1, max = 256))]
    pub title: String,
    /// The description (Markdown).
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
    /// Labels (created in the repository if missing).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub labels: Vec<String>,
    /// Who to assign it to: logins, or public e-mail addresses.
    #[serde(default)]
    #[schemars(length(max = 10))]
    pub assignees: Vec<String>,
}

/// Runs `create_issue`.
pub fn create_issue(args: CreateArgs) -> Result<Json<IssueView>, ToolError> {
    let github = GitHub::new()?;
    let repo = github.settings.repo(args.repo.as_deref())?;
    let title = args.title.trim();
    if title.is_empty() {
        return Err(ToolError::invalid("the title is empty"));
    }
    let assignees = people::logins(&github, &args.assignees)?;
    let mut body = json!({"title": title, "body": args.body.unwrap_or_default()});
    if !args.labels.is_empty() {
        body["labels"] = json!(args.labels);
    }
    if !assignees.is_empty() {
        body["assignees"] = json!(assignees);
    }
    let created = github.post(&repo.path("/issues"), &body, &format!("a new issue in {}", repo.full()))?;
    Ok(Json(issues::view(&created, Some(&repo), true)))
}

/// Arguments of `add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The issue's or pull request's number.
    #[schemars(range(min = 1))]
    pub number: u64,
    /// The comment (Markdown). Everyone who can see the issue reads it.
    #[schemars(length(min = 1, max = 65536))]
    pub body: String,
}

/// Runs `add_comment`.
pub fn add_comment(args: CommentArgs) -> Result<Json<CommentView>, ToolError> {
    let github = GitHub::new()?;
    let issue = issue_ref(&github, args.repo.as_deref(), args.number)?;
    Ok(Json(issues::add_comment(&github, &issue, &args.body)?))
}

/// Why an issue is closed.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Done, fixed or answered.
    #[default]
    Completed,
    /// Will not be done.
    NotPlanned,
    /// Another issue covers it.
    Duplicate,
}

impl CloseReason {
    /// As GitHub's `state_reason` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::NotPlanned => "not_planned",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Arguments of `close_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The issue's number.
    #[schemars(range(min = 1))]
    pub number: u64,
    /// Why: `completed` (default), `not_planned` or `duplicate`.
    #[serde(default)]
    pub reason: CloseReason,
    /// A comment to post before closing it.
    #[schemars(length(max = 65536))]
    pub comment: Option<String>,
}

/// Runs `close_issue`.
pub fn close_issue(args: CloseArgs) -> Result<Json<IssueView>, ToolError> {
    let github = GitHub::new()?;
    let issue = issue_ref(&github, args.repo.as_deref(), args.number)?;
    if let Some(comment) = args.comment.as_deref().filter(|comment| !comment.trim().is_empty()) {
        issues::add_comment(&github, &issue, comment)?;
    }
    Ok(Json(set_state(&github, &issue, "closed", Some(args.reason.as_str()))?))
}

/// Sets `issue`'s state (and the reason), as GitHub then has it.
pub fn set_state(github: &GitHub, issue: &IssueRef, state: &str, reason: Option<&str>) -> Result<IssueView, ToolError> {
    let mut body = json!({"state": state});
    if let Some(reason) = reason {
        body["state_reason"] = json!(reason);
    }
    let written =
        github.patch(&issue.repo.path(&format!("/issues/{}", issue.number)), &body, &issues::target(issue))?;
    Ok(issues::view(&written, Some(&issue.repo), true))
}
