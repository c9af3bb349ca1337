//! The records of the fake: users, repositories with their labels and
//! files, issues (a pull request is an issue with [`Pull`] details, as on
//! GitHub, where both share one number sequence), comments and workflow
//! runs. Times are Unix seconds; rendering them is `render.rs`'s job.

use sha2::{Digest, Sha256};

/// A GitHub user.
#[derive(Debug, Clone)]
pub struct User {
    /// The numeric id.
    pub id: u64,
    /// The handle, as in `@mia-krystof`.
    pub login: String,
    /// The display name.
    pub name: String,
    /// The public e-mail (what adapters map e-mails to logins with).
    pub email: Option<String>,
    /// The company on the profile.
    pub company: Option<String>,
    /// The location on the profile.
    pub location: Option<String>,
    /// When the account was created.
    pub created_at: i64,
}

/// A label of a repository.
#[derive(Debug, Clone)]
pub struct Label {
    /// The numeric id.
    pub id: u64,
    /// The name, unique per repository (case-insensitively).
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    /// What it is for.
    pub description: Option<String>,
    /// Whether GitHub created it with the repository.
    pub default: bool,
}

/// A file at a path on a branch.
#[derive(Debug, Clone)]
pub struct File {
    /// The branch it is on.
    pub branch: String,
    /// The path from the repository root, `/`-separated.
    pub path: String,
    /// The text.
    pub content: String,
}

/// A repository of the `acme` organisation.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The numeric id.
    pub id: u64,
    /// The owner's login.
    pub owner: String,
    /// The name.
    pub name: String,
    /// Private repositories are invisible (404) without a token.
    pub private: bool,
    /// The description.
    pub description: String,
    /// The branch `ref` defaults to.
    pub default_branch: String,
    /// When it was created.
    pub created_at: i64,
    /// The labels issues may carry.
    pub labels: Vec<Label>,
    /// Every branch's files; a branch other than the default has the
    /// default's files with its own on top.
    pub files: Vec<File>,
}

impl Repo {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The label called `name` (case-insensitively).
    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels.iter().find(|label| label.name.eq_ignore_ascii_case(name))
    }

    /// Whether `branch` exists.
    pub fn has_branch(&self, branch: &str) -> bool {
        branch == self.default_branch || self.files.iter().any(|file| file.branch == branch)
    }

    /// The files of `branch`, by path: the default branch's, overlaid with
    /// the branch's own.
    pub fn tree(&self, branch: &str) -> std::collections::BTreeMap<&str, &str> {
        let mut tree = std::collections::BTreeMap::new();
        for wanted in [self.default_branch.as_str(), branch] {
            for file in self.files.iter().filter(|file| file.branch == wanted) {
                tree.insert(file.path.as_str(), file.content.as_str());
            }
        }
        tree
    }
}

/// Open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Open.
    Open,
    /// Closed (for a pull request, also when merged).
    Closed,
}

impl State {
    /// `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// An issue or, with [`Issue::pull`], a pull request.
#[derive(Debug, Clone)]
pub struct Issue {
    /// The repository's id.
    pub repo: u64,
    /// The issue id (not the number).
    pub id: u64,
    /// The number, shared with pull requests.
    pub number: u64,
    /// The title.
    pub title: String,
    /// The Markdown body, if any.
    pub body: Option<String>,
    /// Who opened it.
    pub author: String,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// Open or closed.
    pub state: State,
    /// `completed`, `not_planned`, `duplicate` or `reopened`, if any.
    pub state_reason: Option<String>,
    /// When it was opened.
    pub created_at: i64,
    /// When anything about it last changed (comments included).
    pub updated_at: i64,
    /// When it was closed, while closed.
    pub closed_at: Option<i64>,
    /// Who closed it, while closed.
    pub closed_by: Option<String>,
    /// The pull request details of a pull request.
    pub pull: Option<Pull>,
}

/// What makes an issue a pull request.
#[derive(Debug, Clone)]
pub struct Pull {
    /// The pull request id (not the issue id).
    pub id: u64,
    /// The branch with the changes.
    pub head_ref: String,
    /// Its tip.
    pub head_sha: String,
    /// The branch it merges into.
    pub base_ref: String,
    /// The base branch's tip when the request was opened.
    pub base_sha: String,
    /// A draft cannot be merged.
    pub draft: bool,
    /// When it was merged.
    pub merged_at: Option<i64>,
    /// Who merged it.
    pub merged_by: Option<String>,
    /// Logins asked for a review.
    pub requested_reviewers: Vec<String>,
    /// Commits on the branch.
    pub commits: u32,
    /// The changed files.
    pub files: Vec<PullFile>,
    /// Reviews, oldest first.
    pub reviews: Vec<Review>,
}

/// A file a pull request changes.
#[derive(Debug, Clone)]
pub struct PullFile {
    /// The path after the change.
    pub filename: String,
    /// `added`, `removed`, `modified` or `renamed`.
    pub status: &'static str,
    /// Lines added.
    pub additions: u32,
    /// Lines removed.
    pub deletions: u32,
    /// The unified diff hunk.
    pub patch: String,
    /// The path before a rename.
    pub previous_filename: Option<String>,
}

/// A pull request review.
#[derive(Debug, Clone)]
pub struct Review {
    /// The numeric id.
    pub id: u64,
    /// The reviewer's login.
    pub user: String,
    /// `APPROVED`, `CHANGES_REQUESTED` or `COMMENTED`.
    pub state: &'static str,
    /// What the reviewer wrote.
    pub body: String,
    /// When it was submitted.
    pub submitted_at: i64,
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone)]
pub struct Comment {
    /// The numeric id.
    pub id: u64,
    /// The repository's id.
    pub repo: u64,
    /// The issue's number.
    pub number: u64,
    /// Who wrote it.
    pub author: String,
    /// The Markdown text.
    pub body: String,
    /// When it was written.
    pub created_at: i64,
    /// When it was last edited.
    pub updated_at: i64,
}

/// A GitHub Actions workflow run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The numeric id.
    pub id: u64,
    /// The repository's id.
    pub repo: u64,
    /// The workflow's id.
    pub workflow_id: u64,
    /// The workflow's name (`CI`).
    pub name: String,
    /// The workflow file (`.github/workflows/ci.yml`).
    pub path: String,
    /// The title shown for the run (a commit message or pull request title).
    pub display_title: String,
    /// The workflow's run counter.
    pub run_number: u64,
    /// 1, then one more per re-run.
    pub run_attempt: u64,
    /// What triggered it: `push`, `pull_request`, `workflow_dispatch`, ….
    pub event: String,
    /// `queued`, `in_progress`, `completed`, ….
    pub status: String,
    /// Once completed: `success`, `failure`, `cancelled`, ….
    pub conclusion: Option<String>,
    /// The branch it ran on.
    pub head_branch: String,
    /// The commit it ran on.
    pub head_sha: String,
    /// Who triggered it.
    pub actor: String,
    /// Pull request numbers it ran for.
    pub pull_requests: Vec<u64>,
    /// When it was created.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// When its current attempt started.
    pub run_started_at: i64,
}

/// A stable, commit-like 40-hex-digit id derived from `seed` (the fake has
/// no git objects behind its SHAs).
pub fn sha(seed: &str) -> String {
    Sha256::digest(seed.as_bytes()).iter().take(20).map(|byte| format!("{byte:02x}")).collect()
}
