//! The pull request tools: list, read, changed files and reviews, each
//! list paged by `Link`.

use super::issues::Direction;
use crate::client::{GitHub, items, text};
use crate::issues::{bounded, labels, login, logins};
use crate::repo::Repo;
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The page size when none is given.
const DEFAULT_LIMIT: u32 = 30;
/// A file's patch is cut to this many characters.
const MAX_PATCH: usize = 4_000;

/// Which pull requests to list.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullState {
    /// Open ones.
    Open,
    /// Closed or merged ones.
    Closed,
    /// Both.
    All,
}

/// What a list of pull requests is ordered by.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullSort {
    /// When they were opened.
    Created,
    /// When they last changed.
    Updated,
    /// How much discussion they have.
    Popularity,
    /// Open longest, among those active in the last month.
    LongRunning,
}

/// Arguments of `list_pull_requests`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// `open` (default), `closed` or `all`.
    pub state: Option<PullState>,
    /// Only those merging into this branch.
    #[schemars(length(max = 255))]
    pub base: Option<String>,
    /// Only those from this branch, as `user:branch` or `org:branch`.
    #[schemars(length(max = 255))]
    pub head: Option<String>,
    /// `created` (default), `updated`, `popularity` or `long_running`.
    pub sort: Option<PullSort>,
    /// `desc` or `asc`.
    pub direction: Option<Direction>,
    /// Most pull requests per page (1 to 100, default 30).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page of the same list.
    #[schemars(length(max = 2048))]
    pub cursor: Option<String>,
}

/// A pull request as the tools show it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PullView {
    /// `owner/repo#number`.
    pub key: String,
    /// Its number.
    pub number: u64,
    /// Where a person opens it.
    pub url: String,
    /// The title.
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// Whether it is a draft.
    pub draft: bool,
    /// Whether it was merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged: Option<bool>,
    /// Whether it can be merged: absent while GitHub is still working it
    /// out, and in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mergeable: Option<bool>,
    /// GitHub's word on merging: `clean`, `dirty`, `blocked`, `unstable`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mergeable_state: Option<String>,
    /// The branch it comes from.
    pub head: String,
    /// The commit at the tip of that branch.
    pub head_sha: String,
    /// The branch it merges into.
    pub base: String,
    /// Who opened it (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Who it is assigned to.
    pub assignees: Vec<String>,
    /// Whose review is requested.
    pub requested_reviewers: Vec<String>,
    /// Its labels.
    pub labels: Vec<String>,
    /// Commits, lines added and removed, files changed (in a read, not a
    /// list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<PullSize>,
    /// When it was opened.
    pub created: String,
    /// When it last changed.
    pub updated: String,
    /// When it was closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    /// When it was merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_at: Option<String>,
    /// Its description (Markdown), in a read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// How big a pull request is.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PullSize {
    /// Commits.
    pub commits: u64,
    /// Lines added.
    pub additions: u64,
    /// Lines removed.
    pub deletions: u64,
    /// Files changed.
    pub changed_files: u64,
}

fn number(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or_default()
}

/// Reads a pull request object; `full` for a read (size, mergeability,
/// description).
pub fn view(pull: &Value, repo: &Repo, full: bool) -> PullView {
    PullView {
        key: format!("{}#{}", repo.full(), number(pull, "number")),
        number: number(pull, "number"),
        url: text(pull, "/html_url").unwrap_or_default().to_owned(),
        title: text(pull, "/title").unwrap_or_default().to_owned(),
        state: text(pull, "/state").unwrap_or("open").to_owned(),
        draft: pull.get("draft").and_then(Value::as_bool).unwrap_or(false),
        merged: pull
            .get("merged")
            .and_then(Value::as_bool)
            .or_else(|| pull.get("merged_at").map(|merged_at| !merged_at.is_null()).filter(|_| !full)),
        mergeable: pull.get("mergeable").and_then(Value::as_bool),
        mergeable_state: text(pull, "/mergeable_state").map(str::to_owned),
        head: text(pull, "/head/ref").unwrap_or_default().to_owned(),
        head_sha: text(pull, "/head/sha").unwrap_or_default().to_owned(),
        base: text(pull, "/base/ref").unwrap_or_default().to_owned(),
        author: login(pull, "/user/login"),
        assignees: logins(pull, "/assignees"),
        requested_reviewers: logins(pull, "/requested_reviewers"),
        labels: labels(pull),
        size: full.then(|| PullSize {
            commits: number(pull, "commits"),
            additions: number(pull, "additions"),
            deletions: number(pull, "deletions"),
            changed_files: number(pull, "changed_files"),
        }),
        created: text(pull, "/created_at").unwrap_or_default().to_owned(),
        updated: text(pull, "/updated_at").unwrap_or_default().to_owned(),
        closed: text(pull, "/closed_at").map(str::to_owned),
        merged_at: text(pull, "/merged_at").map(str::to_owned),
        body: full.then(|| bounded(text(pull, "/body").unwrap_or_default())),
    }
}

/// One page of pull requests.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PullPage {
    /// The pull requests (without descriptions).
    pub pull_requests: Vec<PullView>,
    /// Pass it back as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `list_pull_requests`.
pub fn list_pull_requests(args: ListArgs) -> Result<Json<PullPage>, ToolError> {
    let github = GitHub::new()?;
    let repo = github.settings.repo(args.repo.as_deref())?;
    let mut params = vec![("per_page", args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100).to_string())];
    if let Some(state) = args.state {
        let state = match state {
            PullState::Open => "open",
            PullState::Closed => "closed",
            PullState::All => "all",
        };
        params.push(("state", state.to_owned()));
    }
    for (name, value) in [("base", &args.base), ("head", &args.head)] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
            params.push((name, value.to_owned()));
        }
    }
    if let Some(sort) = args.sort {
        let sort = match sort {
            PullSort::Created => "created",
            PullSort::Updated => "updated",
            PullSort::Popularity => "popularity",
            PullSort::LongRunning => "long-running",
        };
        params.push(("sort", sort.to_owned()));
    }
    if let Some(direction) = args.direction {
        params.push(("direction", direction.as_str().to_owned()));
    }
    let target = format!("the pull requests of {}", repo.full());
    let page = github.list(&repo.path("/pulls"), &params, args.cursor.as_deref(), &target)?;
    Ok(Json(PullPage {
        pull_requests: items(&page.body, "").map(|pull| view(pull, &repo, false)).collect(),
        next_cursor: page.next,
    }))
}

/// Arguments naming one pull request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PullArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The pull request's number.
    #[schemars(range(min = 1))]
    pub number: u64,
}

/// The repository and API path of pull request `args` (`rest` after its
/// number), and what to call it in messages.
fn pull_path(
    github: &GitHub,
    repo: Option<&str>,
    number: u64,
    rest: &str,
) -> Result<(Repo, String, String), ToolError> {
    if number == 0 {
        return Err(ToolError::invalid("pull request numbers start at 1"));
    }
    let repo = github.settings.repo(repo)?;
    let path = repo.path(&format!("/pulls/{number}{rest}"));
    let target = format!("pull request {}#{number}", repo.full());
    Ok((repo, path, target))
}

/// Runs `get_pull_request`.
pub fn get_pull_request(args: PullArgs) -> Result<Json<PullView>, ToolError> {
    let github = GitHub::new()?;
    Ok(Json(read(&github, args.repo.as_deref(), args.number)?))
}

/// Pull request `number` of `repo`.
pub fn read(github: &GitHub, repo: Option<&str>, number: u64) -> Result<PullView, ToolError> {
    let (repo, path, target) = pull_path(github, repo, number, "")?;
    Ok(view(&github.get(&path, &[], &target)?, &repo, true))
}

/// Arguments of the paged pull request reads (files, reviews).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PullListArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The pull request's number.
    #[schemars(range(min = 1))]
    pub number: u64,
    /// Most entries per page (1 to 100, default 30).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[schemars(length(max = 2048))]
    pub cursor: Option<String>,
}

/// A file a pull request changes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FileView {
    /// Its path.
    pub filename: String,
    /// `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or
    /// `unchanged`.
    pub status: String,
    /// Lines added.
    pub additions: u64,
    /// Lines removed.
    pub deletions: u64,
    /// Its path before a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_filename: Option<String>,
    /// The unified diff, cut to 4,000 characters (absent for binary files
    /// and very large diffs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

/// One page of changed files.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FilePage {
    /// The files.
    pub files: Vec<FileView>,
    /// Pass it back as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `list_pull_request_files`.
pub fn list_pull_request_files(args: PullListArgs) -> Result<Json<FilePage>, ToolError> {
    let github = GitHub::new()?;
    let (_, path, target) = pull_path(&github, args.repo.as_deref(), args.number, "/files")?;
    let per_page = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100).to_string();
    let page = github.list(&path, &[("per_page", per_page)], args.cursor.as_deref(), &target)?;
    let files = items(&page.body, "")
        .map(|file| FileView {
            filename: text(file, "/filename").unwrap_or_default().to_owned(),
            status: text(file, "/status").unwrap_or_default().to_owned(),
            additions: number(file, "additions"),
            deletions: number(file, "deletions"),
            previous_filename: text(file, "/previous_filename").map(str::to_owned),
            patch: text(file, "/patch").map(|patch| {
                if patch.chars().count() > MAX_PATCH {
                    format!("{}…", patch.chars().take(MAX_PATCH).collect::<String>())
                } else {
                    patch.to_owned()
                }
            }),
        })
        .collect();
    Ok(Json(FilePage { files, next_cursor: page.next }))
}

/// A review of a pull request.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReviewView {
    /// GitHub's id for it.
    pub id: u64,
    /// Who reviewed (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or
    /// `PENDING`.
    pub state: String,
    /// What they wrote (Markdown).
    pub body: String,
    /// The commit they reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
    /// When they submitted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted: Option<String>,
}

/// One page of reviews, oldest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReviewPage {
    /// The reviews, in the order they were submitted.
    pub reviews: Vec<ReviewView>,
    /// Pass it back as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `list_pull_request_reviews`.
pub fn list_pull_request_reviews(args: PullListArgs) -> Result<Json<ReviewPage>, ToolError> {
    let github = GitHub::new()?;
    let (_, path, target) = pull_path(&github, args.repo.as_deref(), args.number, "/reviews")?;
    let per_page = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100).to_string();
    let page = github.list(&path, &[("per_page", per_page)], args.cursor.as_deref(), &target)?;
    let reviews = items(&page.body, "")
        .map(|review| ReviewView {
            id: number(review, "id"),
            author: login(review, "/user/login"),
            state: text(review, "/state").unwrap_or_default().to_owned(),
            body: bounded(text(review, "/body").unwrap_or_default()),
            commit_id: text(review, "/commit_id").map(str::to_owned),
            submitted: text(review, "/submitted_at").map(str::to_owned),
        })
        .collect();
    Ok(Json(ReviewPage { reviews, next_cursor: page.next }))
}
