//! The portal's webhooks, and requests as resources
//! (`servicedesk-plus://requests/{id}`) that those webhooks report changes
//! to.
//!
//! ServiceDesk Plus signs nothing: an administrator's webhook (Admin →
//! Integrations → Webhooks, fired by a custom trigger) sends whatever
//! headers and payload it is given. The operator adds a header
//! [`TOKEN_HEADER`] holding the tenant's `webhook` secret, which the host
//! compares with the stored one, and a JSON payload naming the event and
//! the request:
//!
//! ```json
//! {"event": "request_updated", "request": {"id": "$id"}}
//! ```
//!
//! (`$id` is ServiceDesk Plus's variable for the request's id; any other
//! members are ignored.) Events whose name contains `created` or `deleted`
//! also say the request list changed. ServiceDesk Plus sends no delivery
//! id, so the host cannot de-duplicate retries; a repeated event only
//! repeats a notification.

use crate::client::id_at;
use crate::people::is_id;
use crate::tools::get::details;
use berth_sdk::events::{EventOutcome, EventSource, Signature};
use berth_sdk::{ResourceContents, ResourceTemplate, ToolError};
use serde_json::Value;

/// The header that carries the tenant's webhook secret.
pub const TOKEN_HEADER: &str = "x-sdp-webhook-token";
/// The URI template of a request.
pub const REQUEST_TEMPLATE: &str = "servicedesk-plus://requests/{id}";
/// The prefix of a request's URI.
const REQUEST_PREFIX: &str = "servicedesk-plus://requests/";

/// How the host verifies the portal's deliveries.
pub fn source() -> EventSource {
    EventSource { signature: Signature::Header(TOKEN_HEADER.to_owned()), delivery_header: None, type_header: None }
}

/// What a verified delivery changed.
pub fn handle(body: &[u8]) -> Result<EventOutcome, String> {
    let payload: Value = serde_json::from_slice(body).map_err(|error| format!("the delivery is not JSON: {error}"))?;
    let kind = payload.get("event").and_then(Value::as_str).map(str::to_owned);
    let id = id_at(&payload, "/request/id").filter(|id| is_id(id));
    Ok(EventOutcome {
        lists_changed: kind.as_deref().is_some_and(|kind| kind.contains("created") || kind.contains("deleted")),
        invalidate_cache: id.is_some(),
        updated: id.map(|id| format!("{REQUEST_PREFIX}{id}")).into_iter().collect(),
        kind,
    })
}

/// The request resource family.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(
            REQUEST_TEMPLATE,
            "request",
            "One request with its notes, as get_request returns it; the portal's webhooks report changes",
        )
        .mime_type("application/json"),
    ]
}

/// Reads `servicedesk-plus://requests/{id}`.
pub fn read(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
    let id = uri
        .strip_prefix(REQUEST_PREFIX)
        .ok_or_else(|| ToolError::not_found(format!("no resource `{uri}`; requests are {REQUEST_TEMPLATE}")))?;
    let id = crate::requests::id(id)?;
    let sdp = crate::client::Sdp::new()?;
    let text =
        serde_json::to_string(&details(&sdp, &id, true)?).map_err(|error| ToolError::internal(error.to_string()))?;
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
    fn request_events_name_their_request() {
        let updated =
            delivery(json!({"event": "request_updated", "request": {"id": "7564000000307383", "subject": "x"}}));
        assert_eq!(updated.updated, ["servicedesk-plus://requests/7564000000307383"]);
        assert_eq!(updated.kind.as_deref(), Some("request_updated"));
        assert!(updated.invalidate_cache && !updated.lists_changed);
        let created = delivery(json!({"event": "request_created", "request": {"id": 42}}));
        assert_eq!(created.updated, ["servicedesk-plus://requests/42"]);
        assert!(created.lists_changed, "a new request changes the list");
    }

    #[test]
    fn other_payloads_change_nothing_and_garbage_is_refused() {
        let forged = delivery(json!({"event": "request_updated", "request": {"id": "../../technicians"}}));
        assert!(forged.updated.is_empty() && !forged.invalidate_cache, "only well-formed ids make URIs");
        assert!(delivery(json!({"hello": "world"})).updated.is_empty());
        assert!(handle(b"<xml/>").is_err());
    }

    #[test]
    fn the_host_compares_the_token_header() {
        let source = source();
        assert!(matches!(&source.signature, Signature::Header(name) if name == "x-sdp-webhook-token"));
        assert_eq!(source.delivery_header, None);
    }
}
