//! The webhook payloads API writes cause, as GitHub documents them
//! ("Webhook events and payloads"): `{action, <subject>…, repository,
//! organization, sender}`.
//!
//! - `issues`: `issue`, plus `changes` (`edited`), `assignee`
//!   (`assigned`/`unassigned`) or `label` (`labeled`/`unlabeled`);
//! - `pull_request`: the same actions with `number` and `pull_request`
//!   when the issue is a pull request;
//! - `issue_comment`: `issue` and `comment`;
//! - `workflow_run`: `workflow_run` and `workflow`.
//!
//! [`Payloads::issue_changes`] works out which `issues` events an update causes.

use super::model::{Issue, State};
use super::render::Render;
use super::seed::{OWNER, OWNER_ID};
use serde_json::{Map, Value, json};

/// One webhook to send: the event name and its payload.
pub type Event = (&'static str, Value);

/// `organization`, as webhooks name the owner.
fn organization(origin: &str) -> Value {
    let api = format!("https://{origin}");
    json!({
        "login": OWNER,
        "id": OWNER_ID,
        "node_id": format!("O_kwDO{OWNER_ID:X}"),
        "url": format!("{api}/orgs/{OWNER}"),
        "repos_url": format!("{api}/orgs/{OWNER}/repos"),
        "hooks_url": format!("{api}/orgs/{OWNER}/hooks"),
        "issues_url": format!("{api}/orgs/{OWNER}/issues"),
        "members_url": format!("{api}/orgs/{OWNER}/members{{/member}}"),
        "avatar_url": format!("{api}/avatars/u/{OWNER_ID}?v=4"),
        "description": "Acme Corporation",
    })
}

/// Builds payloads for requests that reached the fake at one origin.
pub struct Payloads<'a> {
    /// Renders the records.
    pub render: &'a Render<'a>,
    /// `host:port`.
    pub origin: &'a str,
    /// Who made the change.
    pub sender: &'a str,
}

impl Payloads<'_> {
    /// `{action, …subject, repository, organization, sender}`.
    fn payload(&self, action: &str, repo: u64, subject: Vec<(&str, Value)>) -> Value {
        let mut payload = Map::new();
        payload.insert("action".to_owned(), json!(action));
        for (key, value) in subject {
            payload.insert(key.to_owned(), value);
        }
        payload.insert("repository".to_owned(), self.render.repository(repo));
        payload.insert("organization".to_owned(), organization(self.origin));
        payload.insert("sender".to_owned(), self.render.user(self.sender));
        Value::Object(payload)
    }

    /// `issues` (or `pull_request`) with `action` about `issue`, plus
    /// `extra` fields.
    pub fn issue(&self, issue: &Issue, action: &str, extra: Vec<(&str, Value)>) -> Event {
        let mut subject = match &issue.pull {
            Some(pull) => vec![("number", json!(issue.number)), ("pull_request", self.render.pull(issue, pull, true))],
            None => vec![("issue", self.render.issue(issue))],
        };
        subject.extend(extra);
        let event = if issue.pull.is_some() { "pull_request" } else { "issues" };
        (event, self.payload(action, issue.repo, subject))
    }

    /// `issue_comment` `created`.
    pub fn comment(&self, issue: &Issue, comment: Value) -> Event {
        let subject = vec![("issue", self.render.issue(issue)), ("comment", comment)];
        ("issue_comment", self.payload("created", issue.repo, subject))
    }

    /// `workflow_run` `requested`, for a run that was just re-run.
    pub fn rerun(&self, run: &super::model::Run) -> Event {
        let subject = vec![("workflow_run", self.render.run(run)), ("workflow", self.render.workflow(run))];
        ("workflow_run", self.payload("requested", run.repo, subject))
    }

    /// Every event an update from `before` to `after` causes, in the order
    /// GitHub sends them: `edited`, `closed`/`reopened`, then
    /// `assigned`/`unassigned` and `labeled`/`unlabeled` per login or
    /// label.
    pub fn issue_changes(&self, before: &Issue, after: &Issue) -> Vec<Event> {
        let mut events = Vec::new();
        let mut changes = Map::new();
        if before.title != after.title {
            changes.insert("title".to_owned(), json!({"from": before.title}));
        }
        if before.body != after.body {
            changes.insert("body".to_owned(), json!({"from": before.body}));
        }
        if !changes.is_empty() {
            events.push(self.issue(after, "edited", vec![("changes", Value::Object(changes))]));
        }
        match (before.state, after.state) {
            (State::Open, State::Closed) => events.push(self.issue(after, "closed", vec![])),
            (State::Closed, State::Open) => events.push(self.issue(after, "reopened", vec![])),
            _ => {}
        }
        let (added, removed) = difference(&before.assignees, &after.assignees);
        for (action, logins) in [("assigned", added), ("unassigned", removed)] {
            for login in logins {
                events.push(self.issue(after, action, vec![("assignee", self.render.user(login))]));
            }
        }
        let (added, removed) = difference(&before.labels, &after.labels);
        for (action, names) in [("labeled", added), ("unlabeled", removed)] {
            for name in names {
                events.push(self.issue(after, action, vec![("label", self.render.label_named(after.repo, name))]));
            }
        }
        events
    }
}

/// What `after` adds to `before`, and what it drops (case-insensitively).
fn difference<'a>(before: &'a [String], after: &'a [String]) -> (Vec<&'a str>, Vec<&'a str>) {
    let missing = |from: &'a [String], to: &[String]| -> Vec<&'a str> {
        from.iter()
            .filter(|name| !to.iter().any(|other| other.eq_ignore_ascii_case(name)))
            .map(String::as_str)
            .collect()
    };
    (missing(after, before), missing(before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_is_what_was_added_and_what_was_dropped() {
        let before = vec!["bug".to_owned(), "network".to_owned()];
        let after = vec!["Bug".to_owned(), "priority: high".to_owned()];
        assert_eq!(difference(&before, &after), (vec!["priority: high"], vec!["network"]));
    }
}
