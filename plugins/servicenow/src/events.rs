//! Incident changes pushed by the instance.
//!
//! ServiceNow has no standard webhook signature, so the instance sends a
//! shared secret: an after-business rule on `incident` posts through
//! `sn_ws.RESTMessageV2` with `Authorization: Bearer <secret>` (the
//! tenant's `webhook` secret, which the host checks), an
//! `X-ServiceNow-Delivery` header of `sys_id:sys_mod_count` (one id per
//! version of a record, so a resent version is taken in once) and the body
//! `{"table": "incident", "number": "...", "operation": "insert|update|delete"}`.
//! README shows the rule.

use crate::resources::incident_uri;
use berth_sdk::events::{EventOutcome, EventSource, Signature};
use serde::Deserialize;

/// The header holding `sys_id:sys_mod_count`.
const DELIVERY_HEADER: &str = "x-servicenow-delivery";

/// How the host verifies the instance's deliveries.
pub fn source() -> EventSource {
    EventSource { signature: Signature::Bearer, delivery_header: Some(DELIVERY_HEADER.to_owned()), type_header: None }
}

/// The body the business rule sends.
#[derive(Debug, Deserialize)]
struct Change {
    table: String,
    number: Option<String>,
    operation: Option<String>,
}

/// What a verified delivery changed: an incident, by number.
pub fn handle(body: &[u8]) -> Result<EventOutcome, String> {
    let change: Change =
        serde_json::from_slice(body).map_err(|error| format!("the delivery is not the documented JSON: {error}"))?;
    let operation = change.operation.as_deref().unwrap_or("update");
    let number = change
        .number
        .filter(|number| change.table == "incident" && is_number(number))
        .map(|number| incident_uri(&number));
    Ok(EventOutcome {
        kind: Some(format!("{}.{operation}", change.table)),
        lists_changed: number.is_some() && operation != "update",
        invalidate_cache: number.is_some(),
        updated: number.into_iter().collect(),
    })
}

/// An incident number as ServiceNow writes them (`INC0010001`).
fn is_number(number: &str) -> bool {
    (4..=40).contains(&number.len()) && number.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incident_change_names_its_resource() {
        let changed = handle(br#"{"table": "incident", "number": "INC0010001", "operation": "update"}"#).unwrap();
        assert_eq!(changed.updated, ["servicenow://incident/INC0010001"]);
        assert_eq!(changed.kind.as_deref(), Some("incident.update"));
        assert!(!changed.lists_changed && changed.invalidate_cache);
        let created = handle(br#"{"table": "incident", "number": "INC0010099", "operation": "insert"}"#).unwrap();
        assert!(created.lists_changed, "a new incident changes the list");
    }

    #[test]
    fn other_tables_and_odd_numbers_change_nothing() {
        let problem = handle(br#"{"table": "problem", "number": "PRB0000001"}"#).unwrap();
        assert!(problem.updated.is_empty());
        let odd = handle(br#"{"table": "incident", "number": "INC/../x"}"#).unwrap();
        assert!(odd.updated.is_empty());
        assert!(handle(b"number=INC0010001").is_err());
    }

    #[test]
    fn the_instance_sends_a_bearer_secret_and_a_per_version_delivery_id() {
        let source = source();
        assert!(matches!(source.signature, Signature::Bearer));
        assert_eq!(source.delivery_header.as_deref(), Some(DELIVERY_HEADER));
    }
}
