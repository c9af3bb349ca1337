//! GitHub's webhooks, and issues, pull requests and workflow runs as
//! resources that those webhooks report changes to:
//!
//! | resource | URI |
//! |---|---|
//! | issue | `github://repos/{owner}/{repo}/issues/{number}` |
//! | pull request | `github://repos/{owner}/{repo}/pulls/{number}` |
//! | workflow run | `github://repos/{owner}/{repo}/actions/runs/{run_id}` |
//!
//! GitHub signs each delivery with the hook's secret
//! (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`), names the event in
//! `X-GitHub-Event` and the delivery in `X-GitHub-Delivery` (the same on a
//! redelivery); the host checks the signature with the tenant's `webhook`
//! secret and takes each delivery in once. Then [`handle`] reads the
//! event:
//!
//! | `X-GitHub-Event` | updated | lists changed |
//! |---|---|---|
//! | `issues` | the issue | `opened`, `deleted`, `transferred` |
//! | `issue_comment` | the issue (the pull request, for a comment on one) | no |
//! | `pull_request` | the pull request | `opened`, `deleted`, `transferred` |
//! | `pull_request_review` | the pull request | no |
//! | `workflow_run` | the run | no |
//! | `ping` and anything else | nothing | no |
//!
//! The event's kind is `{event}.{action}` (`issues.opened`), or the
//! event's name when it has no action (`ping`, `push`).

use crate::client::GitHub;
use crate::repo::{IssueRef, Repo};
use crate::tools::{issues, pulls, runs};
use berth_sdk::events::{EventOutcome, EventSource, Signature, header};
use berth_sdk::{ResourceContents, ResourceTemplate, ToolError};
use serde::Serialize;
use serde_json::Value;

/// The URI template of an issue.
pub const ISSUE_TEMPLATE: &str = "github://repos/{owner}/{repo}/issues/{number}";
/// The URI template of a pull request.
pub const PULL_TEMPLATE: &str = "github://repos/{owner}/{repo}/pulls/{number}";
/// The URI template of a workflow run.
pub const RUN_TEMPLATE: &str = "github://repos/{owner}/{repo}/actions/runs/{run_id}";
/// What every resource URI starts with.
const PREFIX: &str = "github://repos/";
/// Actions after which a repository's issue or pull request list is not
/// what it was.
const LIST_ACTIONS: [&str; 3] = ["opened", "deleted", "transferred"];
/// Comments a resource read includes.
const RESOURCE_COMMENTS: u32 = 30;

/// How the host verifies GitHub's deliveries.
pub fn source() -> EventSource {
    EventSource {
        signature: Signature::HubSignature256,
        delivery_header: Some("x-github-delivery".to_owned()),
        type_header: Some("x-github-event".to_owned()),
    }
}

/// A resource of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource {
    /// An issue.
    Issue(Repo, u64),
    /// A pull request.
    Pull(Repo, u64),
    /// A workflow run.
    Run(Repo, u64),
}

impl Resource {
    fn uri(&self) -> String {
        match self {
            Self::Issue(repo, number) => format!("{PREFIX}{}/issues/{number}", repo.full()),
            Self::Pull(repo, number) => format!("{PREFIX}{}/pulls/{number}", repo.full()),
            Self::Run(repo, id) => format!("{PREFIX}{}/actions/runs/{id}", repo.full()),
        }
    }

    fn parse(uri: &str) -> Option<Self> {
        let rest = uri.strip_prefix(PREFIX)?;
        let mut parts = rest.splitn(3, '/');
        let repo = Repo::parse(&format!("{}/{}", parts.next()?, parts.next()?)).ok()?;
        let tail = parts.next()?;
        let id = |text: &str| text.parse::<u64>().ok().filter(|id| *id > 0);
        if let Some(number) = tail.strip_prefix("issues/") {
            return Some(Self::Issue(repo, id(number)?));
        }
        if let Some(number) = tail.strip_prefix("pulls/") {
            return Some(Self::Pull(repo, id(number)?));
        }
        Some(Self::Run(repo, id(tail.strip_prefix("actions/runs/")?)?))
    }
}

/// What a verified delivery changed.
pub fn handle(headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String> {
    let event = header(headers, "x-github-event")
        .map(str::trim)
        .filter(|event| !event.is_empty())
        .ok_or("the delivery has no X-GitHub-Event header")?;
    let payload: Value = serde_json::from_slice(body).map_err(|error| {
        format!("the delivery is not JSON ({error}): set the webhook's content type to application/json")
    })?;
    let action = payload.get("action").and_then(Value::as_str).filter(|action| !action.is_empty());
    let kind = match action {
        Some(action) => format!("{event}.{action}"),
        None => event.to_owned(),
    };
    let repo = payload.pointer("/repository/full_name").and_then(Value::as_str).and_then(|name| Repo::parse(name).ok());
    let number = |pointer: &str| payload.pointer(pointer).and_then(Value::as_u64).filter(|number| *number > 0);
    let resource = repo.and_then(|repo| match event {
        "issues" => Some(Resource::Issue(repo, number("/issue/number")?)),
        "issue_comment" if payload.pointer("/issue/pull_request").is_some_and(|pull| !pull.is_null()) => {
            Some(Resource::Pull(repo, number("/issue/number")?))
        }
        "issue_comment" => Some(Resource::Issue(repo, number("/issue/number")?)),
        "pull_request" | "pull_request_review" => {
            Some(Resource::Pull(repo, number("/pull_request/number").or_else(|| number("/number"))?))
        }
        "workflow_run" => Some(Resource::Run(repo, number("/workflow_run/id")?)),
        _ => None,
    });
    let lists_changed = matches!(event, "issues" | "pull_request")
        && action.is_some_and(|action| LIST_ACTIONS.contains(&action))
        && resource.is_some();
    Ok(EventOutcome {
        kind: Some(kind),
        invalidate_cache: resource.is_some(),
        updated: resource.map(|resource| resource.uri()).into_iter().collect(),
        lists_changed,
    })
}

/// The resource families.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(
            ISSUE_TEMPLATE,
            "issue",
            "One issue with its newest comments, as get_issue returns it; webhooks report changes",
        )
        .mime_type("application/json"),
        ResourceTemplate::new(
            PULL_TEMPLATE,
            "pull request",
            "One pull request, as get_pull_request returns it; webhooks report changes, reviews and comments",
        )
        .mime_type("application/json"),
        ResourceTemplate::new(
            RUN_TEMPLATE,
            "workflow run",
            "One GitHub Actions workflow run, as get_workflow_run returns it; webhooks report changes",
        )
        .mime_type("application/json"),
    ]
}

/// Reads a resource.
pub fn read(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
    let resource = Resource::parse(uri).ok_or_else(|| {
        ToolError::not_found(format!(
            "no resource `{uri}`; resources are {ISSUE_TEMPLATE}, {PULL_TEMPLATE} and {RUN_TEMPLATE}"
        ))
    })?;
    let github = GitHub::new()?;
    let text = match resource {
        Resource::Issue(repo, number) => {
            json(&issues::details(&github, &IssueRef { repo, number }, RESOURCE_COMMENTS)?)
        }
        Resource::Pull(repo, number) => json(&pulls::read(&github, Some(&repo.full()), number)?),
        Resource::Run(repo, id) => json(&runs::read(&github, &repo, id)?),
    }?;
    Ok(vec![ResourceContents::text(uri, "application/json", text)])
}

fn json<T: Serialize>(value: &T) -> Result<String, ToolError> {
    serde_json::to_string(value).map_err(|error| ToolError::internal(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn delivery(event: &str, payload: Value) -> EventOutcome {
        let headers = vec![
            ("x-github-event".to_owned(), event.to_owned()),
            ("x-github-delivery".to_owned(), "72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned()),
        ];
        handle(&headers, &serde_json::to_vec(&payload).unwrap()).unwrap()
    }

    fn repository() -> Value {
        json!({"id": 612000101, "name": "ops-portal", "full_name": "acme/ops-portal", "private": true, "owner": {"login": "acme"}})
    }

    #[test]
    fn issue_events_name_their_issue_and_new_ones_change_the_list() {
        let opened = delivery(
            "issues",
            json!({"action": "opened", "issue": {"number": 13, "title": "Printer offline", "state": "open"}, "repository": repository(), "sender": {"login": "mia-krystof"}}),
        );
        assert_eq!(opened.kind.as_deref(), Some("issues.opened"));
        assert_eq!(opened.updated, ["github://repos/acme/ops-portal/issues/13"]);
        assert!(opened.lists_changed && opened.invalidate_cache);
        let closed =
            delivery("issues", json!({"action": "closed", "issue": {"number": 3}, "repository": repository()}));
        assert_eq!(closed.updated, ["github://repos/acme/ops-portal/issues/3"]);
        assert!(!closed.lists_changed);
        let transferred = delivery(
            "issues",
            json!({"action": "transferred", "issue": {"number": 3}, "repository": repository(), "changes": {}}),
        );
        assert!(transferred.lists_changed);
    }

    #[test]
    fn comments_reviews_and_runs_name_what_they_belong_to() {
        let comment = delivery(
            "issue_comment",
            json!({"action": "created", "issue": {"number": 3, "pull_request": null}, "comment": {"id": 1, "body": "Closing: fixed by #5."}, "repository": repository()}),
        );
        assert_eq!(
            (comment.kind.as_deref(), comment.updated.as_slice()),
            (Some("issue_comment.created"), &["github://repos/acme/ops-portal/issues/3".to_owned()][..])
        );
        let on_pull = delivery(
            "issue_comment",
            json!({"action": "created", "issue": {"number": 5, "pull_request": {"url": "https://api.github.com/repos/acme/ops-portal/pulls/5"}}, "repository": repository()}),
        );
        assert_eq!(on_pull.updated, ["github://repos/acme/ops-portal/pulls/5"]);
        let pull = delivery(
            "pull_request",
            json!({"action": "opened", "number": 14, "pull_request": {"number": 14}, "repository": repository()}),
        );
        assert_eq!(
            (pull.updated.as_slice(), pull.lists_changed),
            (&["github://repos/acme/ops-portal/pulls/14".to_owned()][..], true)
        );
        let edited = delivery(
            "pull_request",
            json!({"action": "edited", "number": 5, "pull_request": {"number": 5}, "changes": {"title": {"from": "x"}}, "repository": repository()}),
        );
        assert!(!edited.lists_changed);
        let review = delivery(
            "pull_request_review",
            json!({"action": "submitted", "review": {"state": "approved"}, "pull_request": {"number": 5}, "repository": repository()}),
        );
        assert_eq!(
            (review.kind.as_deref(), review.updated.as_slice()),
            (Some("pull_request_review.submitted"), &["github://repos/acme/ops-portal/pulls/5".to_owned()][..])
        );
        let run = delivery(
            "workflow_run",
            json!({"action": "requested", "workflow_run": {"id": 9100000042_u64, "status": "queued"}, "workflow": {"name": "CI"}, "repository": repository()}),
        );
        assert_eq!(run.updated, ["github://repos/acme/ops-portal/actions/runs/9100000042"]);
        assert!(!run.lists_changed);
    }

    #[test]
    fn ping_and_unknown_events_change_nothing_and_garbage_is_refused() {
        let ping = delivery(
            "ping",
            json!({"zen": "Keep it logically awesome.", "hook_id": 1, "hook": {"type": "Organization"}}),
        );
        assert_eq!(ping.kind.as_deref(), Some("ping"));
        assert!(ping.updated.is_empty() && !ping.lists_changed && !ping.invalidate_cache);
        let push = delivery("push", json!({"ref": "refs/heads/main", "repository": repository()}));
        assert_eq!(push.kind.as_deref(), Some("push"));
        assert!(push.updated.is_empty());
        let star = delivery("star", json!({"action": "created", "repository": repository()}));
        assert_eq!((star.kind.as_deref(), star.updated.len()), (Some("star.created"), 0));
        let forged = delivery(
            "issues",
            json!({"action": "opened", "issue": {"number": 1}, "repository": {"full_name": "acme/../../x"}}),
        );
        assert!(forged.updated.is_empty() && !forged.lists_changed, "only well-formed repositories make URIs");
        assert!(
            handle(&[("x-github-event".into(), "issues".into())], b"payload=%7B%7D")
                .unwrap_err()
                .contains("application/json")
        );
        assert!(handle(&[], b"{}").unwrap_err().contains("X-GitHub-Event"));
    }

    #[test]
    fn uris_round_trip_and_others_are_not_ours() {
        for uri in [
            "github://repos/acme/ops-portal/issues/3",
            "github://repos/acme/ops-portal/pulls/5",
            "github://repos/acme/infra/actions/runs/9100000007",
        ] {
            assert_eq!(Resource::parse(uri).map(|resource| resource.uri()).as_deref(), Some(uri));
        }
        for other in [
            "github://repos/acme/ops-portal/issues/0",
            "github://repos/acme/issues/3",
            "jira://issues/OPS-1",
            "github://repos/acme/x/commits/abc",
        ] {
            assert_eq!(Resource::parse(other), None, "{other}");
        }
    }

    #[test]
    fn the_host_checks_x_hub_signature_256_and_deduplicates_by_delivery() {
        let source = source();
        assert!(matches!(source.signature, Signature::HubSignature256));
        assert_eq!(source.delivery_header.as_deref(), Some("x-github-delivery"));
        assert_eq!(source.type_header.as_deref(), Some("x-github-event"));
    }
}
