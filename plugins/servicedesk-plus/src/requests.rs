//! Requests and their notes as ServiceDesk Plus sends them, read into what
//! the tools and the ticket desk show: people, statuses, priorities, text
//! (HTML turned into plain text) and instants (RFC 3339 UTC); and the
//! reads and lists every tool shares.
//!
//! A request is addressed by its `id` (a long number, `7564000000307383`):
//! that is what every URL of the API takes. The `display_id` people see
//! (`#42`) is shown beside it but addresses nothing.

use crate::client::{Sdp, id_at, text, unexpected};
use crate::people::{self, PersonView};
use crate::{html, time};
use berth_sdk::ToolError;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

/// The most notes read for one request.
pub const MAX_NOTES: u32 = 100;
/// The most rows ServiceDesk Plus returns per page.
pub const MAX_ROWS: u32 = 100;

/// A request as the tools show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RequestView {
    /// The id every tool takes, such as `7564000000307383`.
    pub id: String,
    /// The number people see, such as `42`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
    /// Where a person opens it.
    pub url: String,
    /// The subject.
    pub subject: String,
    /// Its status's name: `Open`, `In Progress`, `On Hold`.
    pub status: String,
    /// Its priority's name: `High`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Who asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<PersonView>,
    /// The technician working on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technician: Option<PersonView>,
    /// The support group it is with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Its category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Its subcategory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subcategory: Option<String>,
    /// When it was created (RFC 3339, UTC).
    pub created: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated: String,
    /// When it is due (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_by: Option<String>,
    /// Whether it is past its due time.
    pub is_overdue: bool,
    /// Whether it has notes.
    pub has_notes: bool,
    /// Its description, as plain text (absent from lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The name of the object at `pointer` (`/status` → `status.name`).
fn name(request: &Value, pointer: &str) -> Option<String> {
    text(request, &format!("{pointer}/name")).map(str::to_owned)
}

/// An instant field as RFC 3339, when set.
fn instant(request: &Value, field: &str) -> Option<String> {
    Some(time::rfc3339(request.get(field)?)).filter(|at| !at.is_empty())
}

/// Reads a request object; `browse` makes its link.
pub fn view(request: &Value, browse: &dyn Fn(&str) -> String) -> RequestView {
    let id = id_at(request, "/id").unwrap_or_default();
    let created = instant(request, "created_time").unwrap_or_default();
    RequestView {
        url: browse(&id),
        display_id: id_at(request, "/display_id"),
        subject: text(request, "/subject").unwrap_or_default().to_owned(),
        status: name(request, "/status").unwrap_or_default(),
        priority: name(request, "/priority"),
        requester: request.get("requester").and_then(people::person),
        technician: request.get("technician").and_then(people::person),
        group: name(request, "/group"),
        category: name(request, "/category"),
        subcategory: name(request, "/subcategory"),
        updated: instant(request, "last_updated_time").unwrap_or_else(|| created.clone()),
        created,
        due_by: instant(request, "due_by_time"),
        is_overdue: request.get("is_overdue").and_then(Value::as_bool).unwrap_or(false),
        has_notes: request.get("has_notes").and_then(Value::as_bool).unwrap_or(false),
        description: text(request, "/description").map(html::to_text),
        id,
    }
}

/// Reads a request object of the tenant's portal.
pub fn show(sdp: &Sdp, request: &Value) -> RequestView {
    view(request, &|id| sdp.settings.browse(id))
}

/// A note on a request.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteView {
    /// The note's id.
    pub id: String,
    /// The text, plain.
    pub text: String,
    /// Whether the requester sees it (`show_to_requester`); otherwise a
    /// private note for technicians.
    pub public: bool,
    /// Who wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<PersonView>,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
}

/// Reads a note object (`request_note`).
pub fn note(note: &Value) -> NoteView {
    NoteView {
        id: id_at(note, "/id").unwrap_or_default(),
        text: text(note, "/description").map(html::to_text).unwrap_or_default(),
        public: note.get("show_to_requester").and_then(Value::as_bool).unwrap_or(false),
        author: note.get("created_by").and_then(people::person),
        created: note.get("created_time").map(time::rfc3339).unwrap_or_default(),
    }
}

/// `id` when it is a request id, else a refusal that says what one is.
pub fn id(id: &str) -> Result<String, ToolError> {
    let id = id.trim();
    if people::is_id(id) {
        Ok(id.to_owned())
    } else {
        Err(ToolError::invalid(format!(
            "`{}` is not a ServiceDesk Plus request id: give the request's `id` (digits, such as \
             7564000000307383) as the list and search tools return it",
            id.chars().take(64).collect::<String>()
        )))
    }
}

/// What a request is called in failures.
pub fn target(id: &str) -> String {
    format!("request `{id}`")
}

/// Reads request `id`.
pub fn read(sdp: &Sdp, id: &str) -> Result<Value, ToolError> {
    let answer = sdp.get(&format!("/requests/{id}"), None, &target(id))?;
    entity(answer, "request")
}

/// The entity under `key` of a single-entity answer.
pub fn entity(mut answer: Value, key: &str) -> Result<Value, ToolError> {
    match answer.get_mut(key).map(Value::take) {
        Some(entity @ Value::Object(_)) => Ok(entity),
        _ => Err(unexpected(&format!("the answer has no `{key}`"))),
    }
}

/// One page of a list: its entities and whether more follow.
pub struct Page {
    /// The entities of the page.
    pub rows: Vec<Value>,
    /// `list_info.has_more_rows`.
    pub has_more: bool,
}

/// GETs list `path` (whose entities are under the first of `keys` the
/// answer has) with `list_info`.
pub fn list(sdp: &Sdp, path: &str, keys: &[&str], list_info: Value, target: &str) -> Result<Page, ToolError> {
    let answer = sdp.get(path, Some(&json!({"list_info": list_info})), target)?;
    let rows = match keys.iter().find_map(|key| answer.get(*key)) {
        Some(Value::Array(rows)) => rows.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(unexpected(&format!("`{}` is not a list", keys.join("` or `")))),
    };
    let has_more = answer.pointer("/list_info/has_more_rows").and_then(Value::as_bool).unwrap_or(false);
    Ok(Page { rows, has_more })
}

/// The notes of request `id`, oldest first, at most [`MAX_NOTES`].
pub fn notes(sdp: &Sdp, id: &str) -> Result<Vec<NoteView>, ToolError> {
    let list_info =
        json!({"row_count": MAX_NOTES, "start_index": 1, "sort_field": "created_time", "sort_order": "asc"});
    // The Cloud API lists them as `request_notes`; older answers as `notes`.
    let page = list(sdp, &format!("/requests/{id}/notes"), &["request_notes", "notes"], list_info, &target(id))?;
    let mut notes: Vec<NoteView> = page.rows.iter().map(note).collect();
    notes.sort_by(|a, b| a.created.cmp(&b.created));
    Ok(notes)
}

/// Adds a note to request `id`: public (the requester sees it) or private.
pub fn add_note(sdp: &Sdp, id: &str, text: &str, public: bool) -> Result<NoteView, ToolError> {
    if text.trim().is_empty() {
        return Err(ToolError::invalid("the note is empty"));
    }
    let input = json!({"request_note": {
        "description": html::from_text(text),
        "show_to_requester": public,
        "notify_technician": false,
        "mark_first_response": false,
        "add_to_linked_requests": false,
    }});
    let answer = sdp.post(&format!("/requests/{id}/notes"), &input, &target(id))?;
    let stored = entity(answer, "request_note")?;
    let mut written = note(&stored);
    // What was asked for is what ServiceDesk Plus stored; an answer that
    // leaves the text or the flag out does not say otherwise.
    if written.text.is_empty() {
        written.text = text.trim().to_owned();
    }
    if stored.get("show_to_requester").is_none() {
        written.public = public;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_object_reads_as_a_view() {
        let request = json!({
            "id": "7564000000307383", "display_id": "1", "subject": "URGENT - VPN Connection Issue",
            "description": "<div>Drops every <b>10</b> minutes.</div>",
            "status": {"name": "In Progress", "id": "2", "color": "#00ff00"},
            "priority": {"name": "High", "id": "3"},
            "requester": {"name": "Bruce Williams", "email_id": "bruce.williams@example.com", "id": "9"},
            "technician": {"name": "Heather Graham", "id": 10},
            "group": {"name": "Network", "id": "5"},
            "created_time": {"display_value": "Nov 10, 2016 11:44 AM", "value": "1478758440000"},
            "last_updated_time": {"display_value": "Nov 10, 2016 11:45 AM", "value": "1478758500000"},
            "due_by_time": null, "is_overdue": false, "has_notes": true,
        });
        let view = view(&request, &|id| format!("https://sdp.example/app/itdesk/ui/requests/{id}/details"));
        assert_eq!((view.id.as_str(), view.display_id.as_deref()), ("7564000000307383", Some("1")));
        assert_eq!(view.url, "https://sdp.example/app/itdesk/ui/requests/7564000000307383/details");
        assert_eq!((view.status.as_str(), view.priority.as_deref()), ("In Progress", Some("High")));
        assert_eq!(view.technician.unwrap().id, "10", "numeric ids read as strings");
        assert_eq!(view.requester.unwrap().email.as_deref(), Some("bruce.williams@example.com"));
        assert_eq!(view.group.as_deref(), Some("Network"));
        assert_eq!(
            (view.created.as_str(), view.updated.as_str()),
            ("2016-11-10T06:14:00.000Z", "2016-11-10T06:15:00.000Z")
        );
        assert_eq!((view.due_by, view.has_notes), (None, true));
        assert_eq!(view.description.as_deref(), Some("Drops every 10 minutes."));
    }

    #[test]
    fn notes_say_who_sees_them() {
        let private = note(&json!({
            "id": "77", "description": "Checked the <i>firewall</i>.", "show_to_requester": false,
            "created_by": {"id": "10", "name": "Heather Graham"},
            "created_time": {"value": "1478758440000"},
        }));
        assert_eq!((private.text.as_str(), private.public), ("Checked the firewall.", false));
        assert_eq!(private.author.unwrap().name.as_deref(), Some("Heather Graham"));
        assert!(note(&json!({"id": 1, "show_to_requester": true})).public);
    }

    #[test]
    fn request_ids_are_digits() {
        assert_eq!(id(" 7564000000307383 ").unwrap(), "7564000000307383");
        for bad in ["", "#42", "REQ-1", "1/../../technicians", "123456789012345678901"] {
            assert!(matches!(id(bad), Err(ToolError::InvalidArguments(_))), "{bad}");
        }
    }
}
