//! The tenant's records in memory, and how OpsRamp writes each of them in
//! JSON (dates as `2016-02-24T01:15:00+0000`).

use crate::clock;
use serde_json::{Value, json};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// OpsRamp's date format in answers.
const STAMP: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");

/// `seconds` since the Unix epoch as OpsRamp writes it.
pub fn stamp(seconds: i64) -> String {
    clock::write(clock::at_unix_seconds(seconds), STAMP)
}

/// A user of the tenant.
#[derive(Debug, Clone)]
pub struct User {
    /// `USR0000002146`.
    pub id: String,
    /// The login name.
    pub login_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
}

impl User {
    /// The user as incidents and responses embed one.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "loginName": self.login_name,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
        })
    }
}

/// An incident (OpsRamp's ticket).
#[derive(Debug, Clone)]
pub struct Incident {
    /// `INC0000001101`.
    pub id: String,
    /// One-line summary.
    pub subject: String,
    /// Plain text.
    pub description: String,
    /// `New`, `Open`, `Pending`, `On Hold`, `Resolved` or `Closed`.
    pub status: String,
    /// The status before the last change.
    pub old_status: Option<String>,
    /// `Urgent`, `High`, `Normal`, `Low` or `Very Low`.
    pub priority: String,
    /// The requester's user id.
    pub requester: Option<String>,
    /// The assigned user's id.
    pub assigned_user: Option<String>,
    /// The assignee group's name.
    pub group: Option<String>,
    /// The alerts attached.
    pub alert_ids: Vec<u64>,
    /// The last status change's reason.
    pub reason: Option<String>,
    /// What the resolving change's `notes` said.
    pub resolution_summary: Option<String>,
    /// Created, in epoch seconds.
    pub created: i64,
    /// Last changed, in epoch seconds.
    pub updated: i64,
}

/// A response: a public reply or an internal note on an incident.
#[derive(Debug, Clone)]
pub struct Response {
    /// A number, unique in the tenant.
    pub id: u64,
    /// The incident it answers.
    pub incident: String,
    /// Who wrote it (a user id).
    pub creator: String,
    /// The text.
    pub description: String,
    /// Whether only agents see it.
    pub internal: bool,
    /// When, in epoch seconds.
    pub created: i64,
}

/// An alert raised on a resource.
#[derive(Debug, Clone)]
pub struct Alert {
    /// A number (`uniqueId`).
    pub id: u64,
    /// One-line summary.
    pub subject: String,
    /// Plain text.
    pub description: String,
    /// `Critical`, `Warning`, `Ok` or `Info`.
    pub current_state: String,
    /// The state before.
    pub old_state: String,
    /// The monitored metric.
    pub metric: String,
    /// `P0` to `P5`.
    pub priority: String,
    /// The resource's name (and IP address).
    pub resource: String,
    /// Workflow flags.
    pub acknowledged: bool,
    /// Suppressed: it stops notifying.
    pub suppressed: bool,
    /// Closed.
    pub closed: bool,
    /// The incident it is attached to.
    pub incident: Option<String>,
    /// How often it repeated.
    pub repeat_count: u32,
    /// Raised, in epoch seconds.
    pub raised: i64,
    /// Last changed, in epoch seconds.
    pub updated: i64,
}

impl Alert {
    /// The workflow state `actions:` searches by: what was last done.
    pub fn action(&self) -> &'static str {
        if self.closed {
            "CLOSED"
        } else if self.suppressed {
            "SUPPRESSED"
        } else if self.acknowledged {
            "ACKNOWLEDGED"
        } else if self.incident.is_some() {
            "TICKETED"
        } else {
            "OPEN"
        }
    }

    /// The alert as OpsRamp answers it.
    pub fn json(&self, tenant_id: &str) -> Value {
        let status = match self.action() {
            "OPEN" => "New",
            "ACKNOWLEDGED" => "Acknowledged",
            "SUPPRESSED" => "Suppressed",
            "CLOSED" => "Closed",
            _ => "Ticketed",
        };
        let resource = json!({
            "id": format!("018e9cc1-{:04x}-7000-8000-{:012x}", self.id % 0x10000, self.id),
            "name": self.resource,
            "resourceName": self.resource,
            "type": "DEVICE",
            "resourceType": "Linux",
        });
        json!({
            "uniqueId": self.id.to_string(),
            "subject": self.subject,
            "description": self.description,
            "currentState": self.current_state,
            "oldState": self.old_state,
            "serviceName": self.metric,
            "metric": self.metric,
            "acknowledged": self.acknowledged,
            "suppressed": self.suppressed,
            "permanentlySuppressed": false,
            "closed": self.closed,
            "ticketed": self.incident.is_some(),
            "incidentId": self.incident,
            "clientUniqueId": tenant_id,
            "alertType": "Monitoring",
            "app": "OPSRAMP",
            "eventType": "ALERT",
            "status": status,
            "priority": self.priority,
            "device": resource,
            "resource": resource,
            "repeatCount": self.repeat_count.to_string(),
            "alertTime": stamp(self.raised),
            "createdDate": stamp(self.raised),
            "updatedTime": stamp(self.updated),
        })
    }
}

/// Every record of the tenant.
#[derive(Debug, Default)]
pub struct Store {
    /// Users, the API integration's first.
    pub users: Vec<User>,
    /// Incidents, in creation order.
    pub incidents: Vec<Incident>,
    /// Responses of every incident, in creation order.
    pub responses: Vec<Response>,
    /// Alerts.
    pub alerts: Vec<Alert>,
    /// The next incident's number.
    pub next_incident: u64,
    /// The next response's id.
    pub next_response: u64,
}

/// The statuses an incident in `status` may move to next, and whether
/// moving to each needs a reason (OpsRamp's `allowedStatus`).
pub fn allowed_statuses(status: &str) -> &'static [&'static str] {
    match status {
        "New" => &["Open", "Pending", "On Hold", "Resolved", "Closed"],
        "Open" => &["Pending", "On Hold", "Resolved", "Closed"],
        "Pending" | "On Hold" => &["Open", "Resolved", "Closed"],
        "Resolved" => &["Open", "Closed"],
        _ => &[],
    }
}

/// Whether moving to `status` needs a reason.
pub fn needs_reason(status: &str) -> bool {
    status == "On Hold"
}

impl Store {
    /// The incident `id`.
    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|incident| incident.id == id)
    }

    /// The user `id`.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|user| user.id == id)
    }

    /// The user `id` as embedded, or `null`.
    fn user_json(&self, id: Option<&String>) -> Value {
        id.and_then(|id| self.user(id)).map_or(Value::Null, User::json)
    }

    /// An incident as OpsRamp answers it, with its `allowedStatus`.
    pub fn incident_json(&self, incident: &Incident, tenant_id: &str) -> Value {
        let allowed: Vec<Value> = allowed_statuses(&incident.status)
            .iter()
            .enumerate()
            .map(|(index, name)| {
                json!({"id": index + 1, "name": name, "reasonsDefined": needs_reason(name), "reasonsEnabled": needs_reason(name)})
            })
            .collect();
        let mut body = json!({
            "id": incident.id,
            "subject": incident.subject,
            "description": incident.description,
            "status": incident.status,
            "oldStatus": incident.old_status,
            "priority": incident.priority,
            "requester": self.user_json(incident.requester.as_ref()),
            "assigneeGroup": incident.group.as_ref().map(|name| json!({"name": name})),
            "alertIds": incident.alert_ids.iter().map(u64::to_string).collect::<Vec<_>>(),
            "client": {"uniqueId": tenant_id, "name": "Acme Corp"},
            "createdDate": stamp(incident.created),
            "updatedDate": stamp(incident.updated),
            "resolutionSummary": incident.resolution_summary,
            "allowedStatus": allowed,
        });
        // OpsRamp leaves `assignedUser` out of an unassigned incident.
        if let Some(user) = incident.assigned_user.as_ref().and_then(|id| self.user(id)) {
            body["assignedUser"] = user.json();
        }
        body
    }

    /// A response as OpsRamp answers it.
    pub fn response_json(&self, response: &Response) -> Value {
        json!({
            "id": response.id,
            "creator": self.user_json(Some(&response.creator)),
            "description": response.description,
            "internal": response.internal,
            "createdDate": stamp(response.created),
            "attachments": [],
            "hasAttachments": false,
            "tags": "",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_with_a_plus_zero_offset() {
        assert_eq!(stamp(1_456_276_500), "2016-02-24T01:15:00+0000");
    }

    #[test]
    fn a_closed_incident_goes_nowhere_and_on_hold_needs_a_reason() {
        assert!(allowed_statuses("Closed").is_empty());
        assert!(allowed_statuses("Open").contains(&"Resolved"));
        assert!(!allowed_statuses("Open").contains(&"New"));
        assert!(needs_reason("On Hold") && !needs_reason("Resolved"));
    }
}
