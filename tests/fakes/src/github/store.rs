//! The fake's records, in memory, with the lookups the handlers share and
//! the identifiers new records get.

use super::model::{Comment, Issue, Repo, Run, User};

/// Every record.
#[derive(Debug, Default)]
pub struct Store {
    /// Users, by id order.
    pub users: Vec<User>,
    /// Repositories.
    pub repos: Vec<Repo>,
    /// Issues and pull requests of every repository.
    pub issues: Vec<Issue>,
    /// Comments of every issue, in creation order.
    pub comments: Vec<Comment>,
    /// Workflow runs of every repository.
    pub runs: Vec<Run>,
    next_id: u64,
}

impl Store {
    /// A store whose new issues, comments and labels take ids from
    /// `first_id` on.
    pub fn new(first_id: u64) -> Self {
        Self { next_id: first_id, ..Self::default() }
    }

    /// A fresh id.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The user called `login` (case-insensitively).
    pub fn user(&self, login: &str) -> Option<&User> {
        self.users.iter().find(|user| user.login.eq_ignore_ascii_case(login))
    }

    /// The repository `owner/name` (case-insensitively).
    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos.iter().find(|repo| repo.owner.eq_ignore_ascii_case(owner) && repo.name.eq_ignore_ascii_case(name))
    }

    /// The repository with `id`.
    pub fn repo_by_id(&self, id: u64) -> Option<&Repo> {
        self.repos.iter().find(|repo| repo.id == id)
    }

    /// The repository with `id`, to change it.
    pub fn repo_by_id_mut(&mut self, id: u64) -> Option<&mut Repo> {
        self.repos.iter_mut().find(|repo| repo.id == id)
    }

    /// Issue (or pull request) `number` of repository `repo`.
    pub fn issue(&self, repo: u64, number: u64) -> Option<&Issue> {
        self.issues.iter().find(|issue| issue.repo == repo && issue.number == number)
    }

    /// Issue `number` of repository `repo`, to change it.
    pub fn issue_mut(&mut self, repo: u64, number: u64) -> Option<&mut Issue> {
        self.issues.iter_mut().find(|issue| issue.repo == repo && issue.number == number)
    }

    /// The number the next issue of `repo` gets.
    pub fn next_number(&self, repo: u64) -> u64 {
        self.issues.iter().filter(|issue| issue.repo == repo).map(|issue| issue.number).max().unwrap_or(0) + 1
    }

    /// The comments on issue `number` of `repo`, oldest first.
    pub fn comments_of(&self, repo: u64, number: u64) -> Vec<&Comment> {
        self.comments.iter().filter(|comment| comment.repo == repo && comment.number == number).collect()
    }

    /// Workflow run `id` of `repo`.
    pub fn run_mut(&mut self, repo: u64, id: u64) -> Option<&mut Run> {
        self.runs.iter_mut().find(|run| run.repo == repo && run.id == id)
    }
}
