//! Records as GitHub's JSON: the REST API's `simple-user`, `public-user`,
//! `repository`, `label`, `issue`, `issue-comment`, `pull-request-simple`,
//! `pull-request`, `diff-entry`, `pull-request-review`, `workflow-run`,
//! `workflow` and `content-file`/`content-directory` shapes (the fields
//! clients read, with blank values `null`, never omitted). URLs point back
//! at the fake: API URLs at `https://{origin}/repos/…`, web URLs at
//! `https://{origin}/{owner}/{repo}/…`.

use super::clock::format;
use super::model::{Comment, Issue, Label, Pull, PullFile, Repo, Review, Run, State, User, sha};
use super::seed::{OWNER, OWNER_ID};
use super::store::Store;
use base64::Engine;
use serde_json::{Value, json};

/// Renders records for requests that reached the fake at `origin`.
pub struct Render<'a> {
    api: String,
    store: &'a Store,
}

/// A GraphQL-style global id: a type prefix and the record's id.
fn node_id(prefix: &str, id: u64) -> String {
    format!("{prefix}_kwDO{id:X}")
}

fn time(seconds: Option<i64>) -> Value {
    seconds.map_or(Value::Null, |seconds| json!(format(seconds)))
}

impl<'a> Render<'a> {
    /// A renderer for `origin` (`host:port`).
    pub fn new(origin: &str, store: &'a Store) -> Self {
        Self { api: format!("https://{origin}"), store }
    }

    /// `simple-user` for `login`.
    pub fn user(&self, login: &str) -> Value {
        let (id, kind) = match self.store.user(login) {
            Some(user) => (user.id, "User"),
            None if login == OWNER => (OWNER_ID, "Organization"),
            None => (0, "User"),
        };
        json!({
            "login": login,
            "id": id,
            "node_id": node_id(if kind == "User" { "U" } else { "O" }, id),
            "avatar_url": format!("{}/avatars/u/{id}?v=4", self.api),
            "gravatar_id": "",
            "url": format!("{}/users/{login}", self.api),
            "html_url": format!("{}/{login}", self.api),
            "type": kind,
            "user_view_type": "public",
            "site_admin": false,
        })
    }

    /// `public-user`: [`Self::user`] with the profile.
    pub fn profile(&self, user: &User, public_repos: usize) -> Value {
        let mut value = self.user(&user.login);
        let profile = json!({
            "name": user.name,
            "company": user.company,
            "blog": "",
            "location": user.location,
            "email": user.email,
            "hireable": null,
            "bio": null,
            "twitter_username": null,
            "public_repos": public_repos,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": format(user.created_at),
            "updated_at": format(user.created_at),
        });
        if let (Value::Object(value), Value::Object(profile)) = (&mut value, profile) {
            value.extend(profile);
        }
        value
    }

    fn repo_url(&self, repo: &Repo) -> String {
        format!("{}/repos/{}", self.api, repo.full_name())
    }

    fn repo_html(&self, repo: &Repo) -> String {
        format!("{}/{}", self.api, repo.full_name())
    }

    /// `repository`.
    pub fn repo(&self, repo: &Repo) -> Value {
        let url = self.repo_url(repo);
        let open = self.store.issues.iter().filter(|issue| issue.repo == repo.id && issue.state == State::Open).count();
        json!({
            "id": repo.id,
            "node_id": node_id("R", repo.id),
            "name": repo.name,
            "full_name": repo.full_name(),
            "private": repo.private,
            "owner": self.user(&repo.owner),
            "html_url": self.repo_html(repo),
            "description": repo.description,
            "fork": false,
            "url": url,
            "issues_url": format!("{url}/issues{{/number}}"),
            "pulls_url": format!("{url}/pulls{{/number}}"),
            "contents_url": format!("{url}/contents/{{+path}}"),
            "created_at": format(repo.created_at),
            "updated_at": format(repo.created_at),
            "pushed_at": format(repo.created_at),
            "homepage": null,
            "language": "TypeScript",
            "has_issues": true,
            "has_projects": true,
            "has_wiki": false,
            "archived": false,
            "disabled": false,
            "visibility": if repo.private { "private" } else { "public" },
            "license": null,
            "topics": [],
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "open_issues_count": open,
            "default_branch": repo.default_branch,
        })
    }

    /// `label`.
    pub fn label(&self, repo: &Repo, label: &Label) -> Value {
        json!({
            "id": label.id,
            "node_id": node_id("LA", label.id),
            "url": format!("{}/labels/{}", self.repo_url(repo), url::form_urlencoded::byte_serialize(label.name.as_bytes()).collect::<String>()),
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        })
    }

    /// `repository` for the repository with `id`.
    pub fn repository(&self, id: u64) -> Value {
        self.repo(self.repo_of(id))
    }

    /// `label` for label `name` of repository `id`.
    pub fn label_named(&self, id: u64, name: &str) -> Value {
        let repo = self.repo_of(id);
        repo.label(name).map_or(Value::Null, |label| self.label(repo, label))
    }

    fn repo_of(&self, id: u64) -> &'a Repo {
        self.store.repo_by_id(id).expect("every record belongs to a seeded repository")
    }

    /// `issue`: an issue, or a pull request as the issues API shows it
    /// (with `pull_request` and `draft`).
    pub fn issue(&self, issue: &Issue) -> Value {
        let repo = self.repo_of(issue.repo);
        let url = format!("{}/issues/{}", self.repo_url(repo), issue.number);
        let comments = self.store.comments_of(issue.repo, issue.number).len();
        let mut value = json!({
            "url": url,
            "repository_url": self.repo_url(repo),
            "labels_url": format!("{url}/labels{{/name}}"),
            "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"),
            "html_url": format!("{}/{}/{}", self.repo_html(repo), if issue.pull.is_some() { "pull" } else { "issues" }, issue.number),
            "id": issue.id,
            "node_id": node_id("I", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(&issue.author),
            "labels": self.labels(repo, &issue.labels),
            "state": issue.state.as_str(),
            "locked": false,
            "assignee": issue.assignees.first().map(|login| self.user(login)),
            "assignees": issue.assignees.iter().map(|login| self.user(login)).collect::<Vec<_>>(),
            "milestone": null,
            "comments": comments,
            "created_at": format(issue.created_at),
            "updated_at": format(issue.updated_at),
            "closed_at": time(issue.closed_at),
            "author_association": "MEMBER",
            "type": null,
            "active_lock_reason": null,
            "body": issue.body,
            "closed_by": issue.closed_by.as_deref().map(|login| self.user(login)),
            "reactions": reactions(&url),
            "timeline_url": format!("{url}/timeline"),
            "performed_via_github_app": null,
            "state_reason": issue.state_reason,
        });
        if let Some(pull) = &issue.pull {
            let pull_url = format!("{}/pulls/{}", self.repo_url(repo), issue.number);
            let html = format!("{}/pull/{}", self.repo_html(repo), issue.number);
            value["draft"] = json!(pull.draft);
            value["pull_request"] = json!({
                "url": pull_url,
                "html_url": html,
                "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"),
                "merged_at": time(pull.merged_at),
            });
        }
        value
    }

    fn labels(&self, repo: &Repo, names: &[String]) -> Vec<Value> {
        names.iter().filter_map(|name| repo.label(name)).map(|label| self.label(repo, label)).collect()
    }

    /// `issue-comment`.
    pub fn comment(&self, comment: &Comment) -> Value {
        let repo = self.repo_of(comment.repo);
        let url = format!("{}/issues/comments/{}", self.repo_url(repo), comment.id);
        json!({
            "id": comment.id,
            "node_id": node_id("IC", comment.id),
            "url": url,
            "html_url": format!("{}/issues/{}#issuecomment-{}", self.repo_html(repo), comment.number, comment.id),
            "issue_url": format!("{}/issues/{}", self.repo_url(repo), comment.number),
            "user": self.user(&comment.author),
            "created_at": format(comment.created_at),
            "updated_at": format(comment.updated_at),
            "author_association": "MEMBER",
            "body": comment.body,
            "reactions": reactions(&url),
            "performed_via_github_app": null,
        })
    }

    fn branch(&self, repo: &Repo, name: &str, sha: &str) -> Value {
        json!({
            "label": format!("{}:{name}", repo.owner),
            "ref": name,
            "sha": sha,
            "user": self.user(&repo.owner),
            "repo": self.repo(repo),
        })
    }

    /// `pull-request-simple`, what the list shows; `full` adds the
    /// `pull-request` fields of a single pull request.
    pub fn pull(&self, issue: &Issue, pull: &Pull, full: bool) -> Value {
        let repo = self.repo_of(issue.repo);
        let url = format!("{}/pulls/{}", self.repo_url(repo), issue.number);
        let html = format!("{}/pull/{}", self.repo_html(repo), issue.number);
        let issue_url = format!("{}/issues/{}", self.repo_url(repo), issue.number);
        let mut value = json!({
            "url": url,
            "id": pull.id,
            "node_id": node_id("PR", pull.id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": issue_url,
            "commits_url": format!("{url}/commits"),
            "review_comments_url": format!("{url}/comments"),
            "comments_url": format!("{issue_url}/comments"),
            "statuses_url": format!("{}/statuses/{}", self.repo_url(repo), pull.head_sha),
            "number": issue.number,
            "state": issue.state.as_str(),
            "locked": false,
            "title": issue.title,
            "user": self.user(&issue.author),
            "body": issue.body,
            "labels": self.labels(repo, &issue.labels),
            "milestone": null,
            "active_lock_reason": null,
            "created_at": format(issue.created_at),
            "updated_at": format(issue.updated_at),
            "closed_at": time(issue.closed_at),
            "merged_at": time(pull.merged_at),
            "merge_commit_sha": sha(&format!("{} merge {}", repo.full_name(), issue.number)),
            "assignee": issue.assignees.first().map(|login| self.user(login)),
            "assignees": issue.assignees.iter().map(|login| self.user(login)).collect::<Vec<_>>(),
            "requested_reviewers": pull.requested_reviewers.iter().map(|login| self.user(login)).collect::<Vec<_>>(),
            "requested_teams": [],
            "head": self.branch(repo, &pull.head_ref, &pull.head_sha),
            "base": self.branch(repo, &pull.base_ref, &pull.base_sha),
            "author_association": "MEMBER",
            "auto_merge": null,
            "draft": pull.draft,
        });
        if full {
            let mergeable_state = match (issue.state, pull.draft) {
                (State::Closed, _) => "unknown",
                (State::Open, true) => "draft",
                (State::Open, false) => "clean",
            };
            value["merged"] = json!(pull.merged_at.is_some());
            value["mergeable"] = if issue.state == State::Open { json!(true) } else { Value::Null };
            value["rebaseable"] = value["mergeable"].clone();
            value["mergeable_state"] = json!(mergeable_state);
            value["merged_by"] = pull.merged_by.as_deref().map_or(Value::Null, |login| self.user(login));
            value["comments"] = json!(self.store.comments_of(issue.repo, issue.number).len());
            value["review_comments"] = json!(0);
            value["maintainer_can_modify"] = json!(false);
            value["commits"] = json!(pull.commits);
            value["additions"] = json!(pull.files.iter().map(|file| file.additions).sum::<u32>());
            value["deletions"] = json!(pull.files.iter().map(|file| file.deletions).sum::<u32>());
            value["changed_files"] = json!(pull.files.len());
        }
        value
    }

    /// `diff-entry`: a file a pull request changes (`previous_filename`
    /// only on a rename, as on GitHub).
    pub fn pull_file(&self, repo: &Repo, pull: &Pull, file: &PullFile) -> Value {
        let path = &file.filename;
        let mut value = json!({
            "sha": sha(&format!("{} {} {path}", repo.full_name(), pull.head_sha)),
            "filename": path,
            "status": file.status,
            "additions": file.additions,
            "deletions": file.deletions,
            "changes": file.additions + file.deletions,
            "blob_url": format!("{}/blob/{}/{path}", self.repo_html(repo), pull.head_sha),
            "raw_url": format!("{}/raw/{}/{path}", self.repo_html(repo), pull.head_sha),
            "contents_url": format!("{}/contents/{path}?ref={}", self.repo_url(repo), pull.head_sha),
            "patch": file.patch,
        });
        if let Some(previous) = &file.previous_filename {
            value["previous_filename"] = json!(previous);
        }
        value
    }

    /// `pull-request-review`.
    pub fn review(&self, repo: &Repo, issue: &Issue, pull: &Pull, review: &Review) -> Value {
        let html = format!("{}/pull/{}", self.repo_html(repo), issue.number);
        let pull_url = format!("{}/pulls/{}", self.repo_url(repo), issue.number);
        json!({
            "id": review.id,
            "node_id": node_id("PRR", review.id),
            "user": self.user(&review.user),
            "body": review.body,
            "state": review.state,
            "html_url": format!("{html}#pullrequestreview-{}", review.id),
            "pull_request_url": pull_url,
            "author_association": "MEMBER",
            "_links": {"html": {"href": format!("{html}#pullrequestreview-{}", review.id)}, "pull_request": {"href": pull_url}},
            "submitted_at": format(review.submitted_at),
            "commit_id": pull.head_sha,
        })
    }

    /// `workflow-run`.
    pub fn run(&self, run: &Run) -> Value {
        let repo = self.repo_of(run.repo);
        let url = format!("{}/actions/runs/{}", self.repo_url(repo), run.id);
        let actor = self.user(&run.actor);
        let committer = self.store.user(&run.actor).map_or_else(
            || json!({"name": run.actor, "email": null}),
            |user| json!({"name": user.name, "email": user.email}),
        );
        let pull_requests: Vec<Value> = run
            .pull_requests
            .iter()
            .filter_map(|number| self.store.issue(run.repo, *number))
            .filter_map(|issue| issue.pull.as_ref().map(|pull| (issue, pull)))
            .map(|(issue, pull)| {
                let minimal = json!({"id": repo.id, "url": self.repo_url(repo), "name": repo.name});
                json!({
                    "url": format!("{}/pulls/{}", self.repo_url(repo), issue.number),
                    "id": pull.id,
                    "number": issue.number,
                    "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": minimal},
                    "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": minimal},
                })
            })
            .collect();
        let previous = (run.run_attempt > 1).then(|| format!("{url}/attempts/{}", run.run_attempt - 1));
        json!({
            "id": run.id,
            "name": run.name,
            "node_id": node_id("WFR", run.id),
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
            "path": run.path,
            "display_title": run.display_title,
            "run_number": run.run_number,
            "event": run.event,
            "status": run.status,
            "conclusion": run.conclusion,
            "workflow_id": run.workflow_id,
            "check_suite_id": run.id + 1_000_000_000,
            "check_suite_node_id": node_id("CS", run.id + 1_000_000_000),
            "url": url,
            "html_url": format!("{}/actions/runs/{}", self.repo_html(repo), run.id),
            "pull_requests": pull_requests,
            "created_at": format(run.created_at),
            "updated_at": format(run.updated_at),
            "actor": actor,
            "run_attempt": run.run_attempt,
            "referenced_workflows": [],
            "run_started_at": format(run.run_started_at),
            "triggering_actor": actor,
            "jobs_url": format!("{url}/jobs"),
            "logs_url": format!("{url}/logs"),
            "check_suite_url": format!("{}/check-suites/{}", self.repo_url(repo), run.id + 1_000_000_000),
            "artifacts_url": format!("{url}/artifacts"),
            "cancel_url": format!("{url}/cancel"),
            "rerun_url": format!("{url}/rerun"),
            "previous_attempt_url": previous,
            "workflow_url": format!("{}/actions/workflows/{}", self.repo_url(repo), run.workflow_id),
            "head_commit": {
                "id": run.head_sha,
                "tree_id": sha(&format!("tree {}", run.head_sha)),
                "message": run.display_title,
                "timestamp": format(run.created_at),
                "author": committer,
                "committer": committer,
            },
            "repository": self.repo(repo),
            "head_repository": self.repo(repo),
        })
    }

    /// `workflow`: the workflow a run belongs to.
    pub fn workflow(&self, run: &Run) -> Value {
        let repo = self.repo_of(run.repo);
        json!({
            "id": run.workflow_id,
            "node_id": node_id("W", run.workflow_id),
            "name": run.name,
            "path": run.path,
            "state": "active",
            "created_at": format(repo.created_at),
            "updated_at": format(repo.created_at),
            "url": format!("{}/actions/workflows/{}", self.repo_url(repo), run.workflow_id),
            "html_url": format!("{}/blob/{}/{}", self.repo_html(repo), repo.default_branch, run.path),
            "badge_url": format!("{}/workflows/{}/badge.svg", self.repo_html(repo), run.name),
        })
    }

    /// An entry of `content-directory`, or with `content` a
    /// `content-file` (base64 in lines of 60 characters, as GitHub sends it).
    pub fn content(&self, repo: &Repo, reference: &str, path: &str, content: Option<&str>) -> Value {
        let name = path.rsplit('/').next().unwrap_or(path);
        let kind = if content.is_some() { "file" } else { "dir" };
        let blob = sha(&format!("{} {reference} {path} {}", repo.full_name(), content.unwrap_or_default()));
        let url = format!("{}/contents/{path}?ref={reference}", self.repo_url(repo));
        let git_url =
            format!("{}/git/{}/{blob}", self.repo_url(repo), if content.is_some() { "blobs" } else { "trees" });
        let html_url =
            format!("{}/{}/{reference}/{path}", self.repo_html(repo), if content.is_some() { "blob" } else { "tree" });
        let mut value = json!({
            "type": kind,
            "size": content.map_or(0, str::len),
            "name": name,
            "path": path,
            "sha": blob,
            "url": url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": content.map(|_| format!("{}/raw/{reference}/{path}", self.repo_html(repo))),
            "_links": {"self": url, "git": git_url, "html": html_url},
        });
        if let Some(content) = content {
            let encoded = base64::engine::general_purpose::STANDARD.encode(content);
            let lines: Vec<&str> =
                encoded.as_bytes().chunks(60).map(|line| std::str::from_utf8(line).unwrap_or_default()).collect();
            value["content"] = json!(format!("{}\n", lines.join("\n")));
            value["encoding"] = json!("base64");
        }
        value
    }
}

/// An empty `reaction-rollup`.
fn reactions(url: &str) -> Value {
    json!({
        "url": format!("{url}/reactions"),
        "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0,
    })
}
