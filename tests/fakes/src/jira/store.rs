//! The site's issues, in memory, and the writes requests make: creating
//! issues (numbered per project, ids growing across the site), editing
//! them, commenting, assigning and transitioning. Every write stamps
//! `updated`; a transition into a `done` status sets the resolution and
//! `resolutiondate`, and one out of it clears them.

use super::clock::Millis;
use super::model::{Comment, Issue, IssueType, Priority, Project, Request, Resolution, User};
use super::workflow::{Category, Transition};
use serde_json::Value;
use std::collections::BTreeMap;

/// Every issue, oldest first.
#[derive(Debug, Default)]
pub struct Store {
    issues: Vec<Issue>,
    /// The last issue id given.
    last_issue_id: u64,
    /// The last comment id given.
    last_comment_id: u64,
    /// The last number given per project key.
    last_number: BTreeMap<&'static str, u64>,
}

/// What a new issue is made of.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Its project.
    pub project: &'static Project,
    /// Its type.
    pub issue_type: &'static IssueType,
    /// Its summary.
    pub summary: String,
    /// Its description (ADF).
    pub description: Option<Value>,
    /// Its priority.
    pub priority: &'static Priority,
    /// Who works on it.
    pub assignee: Option<&'static User>,
    /// Who reports it.
    pub reporter: &'static User,
    /// Who creates it.
    pub creator: &'static User,
    /// Its labels.
    pub labels: Vec<String>,
    /// When it is due.
    pub duedate: Option<String>,
    /// The customer request it is, if raised through Service Management.
    pub request: Option<Request>,
}

/// An edit to an issue's fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// A new summary.
    pub summary: Option<String>,
    /// A new description (or none).
    pub description: Option<Option<Value>>,
    /// A new priority.
    pub priority: Option<&'static Priority>,
    /// A new assignee (or none).
    pub assignee: Option<Option<&'static User>>,
    /// A new reporter.
    pub reporter: Option<&'static User>,
    /// New labels replacing the old ones.
    pub labels: Option<Vec<String>>,
    /// Labels to add.
    pub add_labels: Vec<String>,
    /// Labels to remove.
    pub remove_labels: Vec<String>,
    /// A new due date (or none).
    pub duedate: Option<Option<String>>,
}

/// A new comment.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// Its body (ADF).
    pub body: Value,
    /// Whether it is internal.
    pub internal: bool,
    /// Its visibility restriction, as given.
    pub visibility: Option<Value>,
    /// Its properties, as given.
    pub properties: Vec<Value>,
}

impl NewComment {
    /// A public comment with `body`.
    pub fn public(body: Value) -> Self {
        Self { body, internal: false, visibility: None, properties: Vec::new() }
    }
}

impl Store {
    /// Every issue, oldest first.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The position of the issue `id_or_key` names (its id, or its key in
    /// any case).
    pub fn position(&self, id_or_key: &str) -> Option<usize> {
        let id: Option<u64> = id_or_key.parse().ok();
        self.issues.iter().position(|issue| Some(issue.id) == id || issue.key.eq_ignore_ascii_case(id_or_key))
    }

    /// The issue `id_or_key` names.
    pub fn find(&self, id_or_key: &str) -> Option<&Issue> {
        self.position(id_or_key).map(|index| &self.issues[index])
    }

    /// The issue at `index`.
    pub fn at(&self, index: usize) -> &Issue {
        &self.issues[index]
    }

    /// Creates an issue in its project's initial status.
    pub fn create(&mut self, draft: Draft, now: Millis) -> &Issue {
        let number = self.last_number.entry(draft.project.key).or_default();
        *number += 1;
        let key = format!("{}-{number}", draft.project.key);
        self.last_issue_id += 1;
        let issue = Issue {
            id: self.last_issue_id,
            key,
            project: draft.project,
            issue_type: draft.issue_type,
            summary: draft.summary,
            description: draft.description,
            status: draft.project.workflow.initial,
            status_changed: now,
            priority: draft.priority,
            assignee: draft.assignee,
            reporter: draft.reporter,
            creator: draft.creator,
            labels: dedup(draft.labels),
            duedate: draft.duedate,
            created: now,
            updated: now,
            resolution: None,
            resolved: None,
            comments: Vec::new(),
            request: draft.request,
        };
        self.issues.push(issue);
        let last = self.issues.len() - 1;
        &self.issues[last]
    }

    /// Loads a seeded issue as given, keeping the id and number counters
    /// ahead of it.
    pub fn load(&mut self, issue: Issue) {
        self.last_issue_id = self.last_issue_id.max(issue.id);
        let number = self.last_number.entry(issue.project.key).or_default();
        *number = (*number).max(issue.number());
        for comment in &issue.comments {
            self.last_comment_id = self.last_comment_id.max(comment.id);
        }
        self.issues.push(issue);
    }

    /// Applies `changes` to the issue at `index`.
    pub fn edit(&mut self, index: usize, changes: Changes, now: Millis) {
        let issue = &mut self.issues[index];
        if let Some(summary) = changes.summary {
            issue.summary = summary;
        }
        if let Some(description) = changes.description {
            issue.description = description;
        }
        if let Some(priority) = changes.priority {
            issue.priority = priority;
        }
        if let Some(assignee) = changes.assignee {
            issue.assignee = assignee;
        }
        if let Some(reporter) = changes.reporter {
            issue.reporter = reporter;
        }
        if let Some(labels) = changes.labels {
            issue.labels = dedup(labels);
        }
        issue.labels.extend(changes.add_labels);
        issue.labels.retain(|label| !changes.remove_labels.contains(label));
        issue.labels = dedup(std::mem::take(&mut issue.labels));
        if let Some(duedate) = changes.duedate {
            issue.duedate = duedate;
        }
        issue.updated = now;
    }

    /// Adds a comment by `author` to the issue at `index`.
    pub fn comment(&mut self, index: usize, author: &'static User, comment: NewComment, now: Millis) -> Comment {
        self.last_comment_id += 1;
        let comment = Comment {
            id: self.last_comment_id,
            author,
            body: comment.body,
            created: now,
            updated: now,
            internal: comment.internal,
            visibility: comment.visibility,
            properties: comment.properties,
        };
        let issue = &mut self.issues[index];
        issue.comments.push(comment.clone());
        issue.updated = now;
        comment
    }

    /// Moves the issue at `index` along `transition`. Reaching a `done`
    /// status from an unfinished one resolves it (with `resolution`, else
    /// the transition's own); leaving `done` clears the resolution.
    pub fn transition(
        &mut self,
        index: usize,
        transition: &'static Transition,
        resolution: Option<&'static Resolution>,
        now: Millis,
    ) {
        let issue = &mut self.issues[index];
        let was_done = issue.status.category == Category::Done;
        let to = transition.to;
        if to.category != issue.status.category {
            issue.status_changed = now;
        }
        issue.status = to;
        match (was_done, to.category == Category::Done) {
            (false, true) => {
                issue.resolution = resolution.or_else(|| transition.resolution.and_then(super::catalog::resolution));
                issue.resolved = Some(now);
            }
            (true, false) => {
                issue.resolution = None;
                issue.resolved = None;
            }
            (true, true) => {
                if resolution.is_some() {
                    issue.resolution = resolution;
                }
            }
            (false, false) => {}
        }
        issue.updated = now;
    }
}

/// `labels` without repeats, in first-seen order.
fn dedup(labels: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(labels.len());
    for label in labels {
        if !seen.contains(&label) {
            seen.push(label);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::super::{catalog, seed, workflow};
    use super::*;

    #[test]
    fn creates_numbered_issues_and_stamps_writes() {
        let mut store = seed::store(1_000_000_000_000);
        let ops = catalog::project("OPS").unwrap();
        let before = store.issues().len();
        let mia = catalog::user(catalog::MIA).unwrap();
        let draft = Draft {
            project: ops,
            issue_type: ops.issue_type("Task").unwrap(),
            summary: "x".to_owned(),
            description: None,
            priority: catalog::priority("High").unwrap(),
            assignee: None,
            reporter: mia,
            creator: mia,
            labels: vec!["a".into(), "a".into()],
            duedate: None,
            request: None,
        };
        let issue = store.create(draft, 2_000_000_000_000);
        assert_eq!((issue.key.as_str(), issue.id, issue.labels.len()), ("OPS-9", 10_017, 1));
        assert_eq!(issue.status.name, "To Do");
        let index = store.position("ops-9").unwrap();
        assert_eq!(store.position("10017"), Some(index));
        assert_eq!(store.issues().len(), before + 1);

        let changes = Changes { add_labels: vec!["b".into()], remove_labels: vec!["a".into()], ..Changes::default() };
        store.edit(index, changes, 2_000_000_000_001);
        assert_eq!(
            (store.at(index).labels.clone(), store.at(index).updated),
            (vec!["b".to_owned()], 2_000_000_000_001)
        );

        let done = ops.workflow.transitions.iter().find(|transition| transition.id == "41").unwrap();
        store.transition(index, done, None, 2_000_000_000_002);
        let issue = store.at(index);
        assert_eq!((issue.status.category, issue.resolution.map(|r| r.name)), (workflow::Category::Done, Some("Done")));
        assert_eq!(issue.resolved, Some(2_000_000_000_002));
        let reopen = ops.workflow.transitions.iter().find(|transition| transition.id == "61").unwrap();
        store.transition(index, reopen, None, 2_000_000_000_003);
        assert_eq!((store.at(index).resolution.is_none(), store.at(index).resolved), (true, None));

        let comment = store.comment(index, mia, NewComment::public(super::super::adf::doc(vec![])), 2_000_000_000_004);
        assert!(comment.id > 10_100);
        assert_eq!(store.at(index).updated, 2_000_000_000_004);
    }
}
