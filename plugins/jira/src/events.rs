//! Jira's admin webhooks, and issues as resources (`jira://issues/{key}`)
//! that those webhooks report changes to.
//!
//! A webhook registered with a secret signs its body as WebSub does
//! (`X-Hub-Signature: sha256=<hex HMAC-SHA256>`); the host checks it with
//! the tenant's `webhook` secret and takes each
//! `X-Atlassian-Webhook-Identifier` in once (Jira retries with the same
//! one). The body names the event (`webhookEvent`, such as
//! `jira:issue_updated` or `comment_created`) and, for issue and comment
//! events, the issue.

use crate::tools::get::{GetArgs, get_issue};
use berth_sdk::events::{EventOutcome, EventSource, Signature};
use berth_sdk::{ResourceContents, ResourceTemplate, ToolError};
use serde_json::Value;

/// The URI template of an issue.
pub const ISSUE_TEMPLATE: &str = "jira://issues/{key}";
/// The prefix of an issue's URI.
const ISSUE_PREFIX: &str = "jira://issues/";
/// Events after which the issue list is not what it was.
const LIST_EVENTS: [&str; 2] = ["jira:issue_created", "jira:issue_deleted"];

/// How the host verifies Jira's deliveries.
pub fn source() -> EventSource {
    EventSource {
        signature: Signature::HubSignature,
        delivery_header: Some("x-atlassian-webhook-identifier".to_owned()),
        type_header: None,
    }
}

/// What a verified delivery changed.
pub fn handle(body: &[u8]) -> Result<EventOutcome, String> {
    let payload: Value = serde_json::from_slice(body).map_err(|error| format!("the delivery is not JSON: {error}"))?;
    let kind = payload["webhookEvent"].as_str().map(str::to_owned);
    let key = payload["issue"]["key"].as_str().filter(|key| crate::issues::key(key).is_ok());
    Ok(EventOutcome {
        lists_changed: kind.as_deref().is_some_and(|kind| LIST_EVENTS.contains(&kind)),
        invalidate_cache: key.is_some(),
        updated: key.map(|key| format!("{ISSUE_PREFIX}{key}")).into_iter().collect(),
        kind,
    })
}

/// The issue resource family.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(
            ISSUE_TEMPLATE,
            "issue",
            "One issue with its newest comments, as get_issue returns it; webhooks report changes",
        )
        .mime_type("application/json"),
    ]
}

/// Reads `jira://issues/{key}`.
pub fn read(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
    let key = uri
        .strip_prefix(ISSUE_PREFIX)
        .ok_or_else(|| ToolError::not_found(format!("no resource `{uri}`; issues are {ISSUE_TEMPLATE}")))?;
    let details = get_issue(GetArgs { key: key.to_owned(), comments: None })?;
    let text = serde_json::to_string(&details.0).map_err(|error| ToolError::internal(error.to_string()))?;
    Ok(vec![ResourceContents::text(uri, "application/json", text)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn delivery(payload: Value) -> EventOutcome {
        handle(&serde_json::to_vec(&payload).unwrap()).unwrap()
    }

    #[test]
    fn issue_events_name_their_issue() {
        let updated = delivery(json!({
            "timestamp": 1_700_000_000_000_u64,
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "issue": {"id": "10007", "key": "HELP-7", "fields": {}},
            "changelog": {"items": []}
        }));
        assert_eq!(updated.updated, ["jira://issues/HELP-7"]);
        assert_eq!(updated.kind.as_deref(), Some("jira:issue_updated"));
        assert!(!updated.lists_changed);
        assert!(updated.invalidate_cache);
        let created = delivery(json!({"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-31"}}));
        assert!(created.lists_changed, "a new issue changes the list");
        let comment = delivery(json!({"webhookEvent": "comment_created", "issue": {"key": "OPS-3"}, "comment": {}}));
        assert_eq!(comment.updated, ["jira://issues/OPS-3"]);
    }

    #[test]
    fn other_events_change_nothing_and_garbage_is_refused() {
        let sprint = delivery(json!({"webhookEvent": "sprint_started", "sprint": {"id": 5}}));
        assert!(sprint.updated.is_empty() && !sprint.invalidate_cache);
        let forged = delivery(json!({"webhookEvent": "jira:issue_updated", "issue": {"key": "../../admin"}}));
        assert!(forged.updated.is_empty(), "only well-formed keys make URIs");
        assert!(handle(b"<xml/>").is_err());
    }

    #[test]
    fn the_host_checks_x_hub_signature_and_deduplicates_by_webhook_identifier() {
        let source = source();
        assert!(matches!(source.signature, Signature::HubSignature));
        assert_eq!(source.delivery_header.as_deref(), Some("x-atlassian-webhook-identifier"));
    }
}
