//! Issues as GitHub sends them, read into what the tools and the ticket
//! desk show, and the reads every issue tool shares.
//!
//! GitHub's issues endpoints serve pull requests too (each has a
//! `pull_request` key); [`IssueView::pull_request`] says which is which.

use crate::client::{GitHub, items, text};
use crate::repo::{IssueRef, Repo};
use berth_sdk::ToolError;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// The most comments read for one issue (three pages of 100).
pub const MAX_COMMENT_PAGES: usize = 3;
/// The most comments a call may ask for.
pub const MAX_COMMENTS: u32 = 100;
/// A description or comment is cut to this many characters.
pub const MAX_BODY: usize = 20_000;

/// An issue (or pull request) as the tools show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IssueView {
    /// `owner/repo#number`: the ticket key.
    pub key: String,
    /// Its repository, `owner/repo`.
    pub repo: String,
    /// Its number.
    pub number: u64,
    /// Where a person opens it.
    pub url: String,
    /// The title.
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// Why it was closed (`completed`, `not_planned`, `duplicate`) or
    /// reopened (`reopened`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// Whether it is a pull request.
    pub pull_request: bool,
    /// Who opened it (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Who it is assigned to (logins).
    pub assignees: Vec<String>,
    /// Its labels.
    pub labels: Vec<String>,
    /// How many comments it has.
    pub comments: u64,
    /// When it was opened (RFC 3339, UTC).
    pub created: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated: String,
    /// When it was closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    /// Its description (Markdown), cut to 20,000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommentView {
    /// GitHub's id for it.
    pub id: u64,
    /// Who wrote it (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The text (Markdown).
    pub body: String,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
    /// Where a person reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `text` cut to [`MAX_BODY`] characters.
pub fn bounded(text: &str) -> String {
    if text.chars().count() > MAX_BODY {
        let cut: String = text.chars().take(MAX_BODY).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}

/// The login at `pointer` (`/user/login`).
pub fn login(value: &Value, pointer: &str) -> Option<String> {
    text(value, pointer).map(str::to_owned)
}

/// The logins of the users in the array at `pointer`.
pub fn logins(value: &Value, pointer: &str) -> Vec<String> {
    items(value, pointer).filter_map(|user| text(user, "/login")).map(str::to_owned).collect()
}

/// The names of an issue's labels.
pub fn labels(issue: &Value) -> Vec<String> {
    items(issue, "/labels")
        .filter_map(|label| label.as_str().or_else(|| text(label, "/name")))
        .map(str::to_owned)
        .collect()
}

/// Reads an issue object; `with_body` keeps its description. `fallback`
/// is its repository when the object does not name one.
pub fn view(issue: &Value, fallback: Option<&Repo>, with_body: bool) -> IssueView {
    let repo = text(issue, "/repository_url")
        .and_then(Repo::from_api_url)
        .or_else(|| fallback.cloned())
        .map(|repo| repo.full())
        .unwrap_or_default();
    let number = issue.get("number").and_then(Value::as_u64).unwrap_or_default();
    IssueView {
        key: format!("{repo}#{number}"),
        repo,
        number,
        url: text(issue, "/html_url").unwrap_or_default().to_owned(),
        title: text(issue, "/title").unwrap_or_default().to_owned(),
        state: text(issue, "/state").unwrap_or("open").to_owned(),
        state_reason: text(issue, "/state_reason").map(str::to_owned),
        pull_request: issue.get("pull_request").is_some_and(|pull| !pull.is_null()),
        author: login(issue, "/user/login"),
        assignees: logins(issue, "/assignees"),
        labels: labels(issue),
        comments: issue.get("comments").and_then(Value::as_u64).unwrap_or_default(),
        created: text(issue, "/created_at").unwrap_or_default().to_owned(),
        updated: text(issue, "/updated_at").unwrap_or_default().to_owned(),
        closed: text(issue, "/closed_at").map(str::to_owned),
        body: with_body.then(|| bounded(text(issue, "/body").unwrap_or_default())),
    }
}

/// Reads a comment object.
pub fn comment(comment: &Value) -> CommentView {
    CommentView {
        id: comment.get("id").and_then(Value::as_u64).unwrap_or_default(),
        author: login(comment, "/user/login"),
        body: bounded(text(comment, "/body").unwrap_or_default()),
        created: text(comment, "/created_at").unwrap_or_default().to_owned(),
        url: text(comment, "/html_url").map(str::to_owned),
    }
}

/// What an issue is called in messages.
pub fn target(issue: &IssueRef) -> String {
    format!("issue {}", issue.key())
}

/// Issue `issue` as GitHub sends it.
pub fn read(github: &GitHub, issue: &IssueRef) -> Result<Value, ToolError> {
    github.get(&issue.repo.path(&format!("/issues/{}", issue.number)), &[], &target(issue))
}

/// The newest `wanted` comments of `issue`, oldest first, reading at most
/// [`MAX_COMMENT_PAGES`] pages by their `next` links.
pub fn comments(github: &GitHub, issue: &IssueRef, wanted: u32) -> Result<Vec<CommentView>, ToolError> {
    if wanted == 0 {
        return Ok(Vec::new());
    }
    let target = target(issue);
    let mut page = github.page(
        &issue.repo.path(&format!("/issues/{}/comments", issue.number)),
        &[("per_page", "100".into())],
        &target,
    )?;
    let mut read: Vec<CommentView> = Vec::new();
    for pages in 1.. {
        read.extend(items(&page.body, "").map(comment));
        match page.next.take() {
            Some(next) if pages < MAX_COMMENT_PAGES => page = github.follow(&next, &target)?,
            _ => break,
        }
    }
    let skip = read.len().saturating_sub(wanted as usize);
    Ok(read.split_off(skip))
}

/// Posts `body` as a comment on `issue`.
pub fn add_comment(github: &GitHub, issue: &IssueRef, body: &str) -> Result<CommentView, ToolError> {
    if body.trim().is_empty() {
        return Err(ToolError::invalid("the comment is empty"));
    }
    let written = github.post(
        &issue.repo.path(&format!("/issues/{}/comments", issue.number)),
        &serde_json::json!({"body": body}),
        &target(issue),
    )?;
    Ok(comment(&written))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_issue_object_reads_as_a_view() {
        let issue = json!({
            "url": "https://api.github.com/repos/acme/ops-portal/issues/3",
            "repository_url": "https://api.github.com/repos/acme/ops-portal",
            "html_url": "https://github.com/acme/ops-portal/issues/3",
            "number": 3,
            "title": "VPN drops every 20 minutes from home",
            "user": {"login": "tomas-okafor", "id": 2},
            "labels": [{"name": "bug"}, {"name": "priority: high"}],
            "state": "closed",
            "state_reason": "completed",
            "assignee": {"login": "mia-krystof"},
            "assignees": [{"login": "mia-krystof"}],
            "comments": 3,
            "created_at": "2026-11-20T09:00:00Z",
            "updated_at": "2026-11-27T10:15:00Z",
            "closed_at": "2026-11-27T10:15:00Z",
            "body": null
        });
        let view = view(&issue, None, true);
        assert_eq!((view.key.as_str(), view.number, view.pull_request), ("acme/ops-portal#3", 3, false));
        assert_eq!((view.state.as_str(), view.state_reason.as_deref()), ("closed", Some("completed")));
        assert_eq!(view.labels, ["bug", "priority: high"]);
        assert_eq!(
            (view.author.as_deref(), view.assignees.as_slice()),
            (Some("tomas-okafor"), &["mia-krystof".to_owned()][..])
        );
        assert_eq!(view.body.as_deref(), Some(""), "a null body is empty");
        let pull = json!({"number": 5, "pull_request": {"url": "x"}, "title": "t"});
        let fallback = Repo::parse("acme/infra").unwrap();
        let pull = super::view(&pull, Some(&fallback), false);
        assert!(pull.pull_request && pull.body.is_none());
        assert_eq!(pull.key, "acme/infra#5");
    }

    #[test]
    fn long_bodies_are_cut() {
        assert_eq!(bounded(&"x".repeat(MAX_BODY + 5)).chars().count(), MAX_BODY + 1);
        assert_eq!(bounded("short"), "short");
    }
}
