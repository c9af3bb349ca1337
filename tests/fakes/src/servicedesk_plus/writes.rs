//! The fields of a request write (`input_data.request` of a create or an
//! update), read onto a copy of the request, so a write that names
//! something unknown changes nothing.
//!
//! References are objects naming the record by `id` or `name` (people
//! also by `email_id`), or `null` to clear one that may be cleared
//! (technician, priority, group, category). Names match ignoring case. A
//! reference that names nothing is 4001 with the field; the technician
//! must be a technician. `subject` is at most 250 characters. Fields the
//! fake does not model (`udf_fields`, `mode`, `update_reason`, …) are
//! accepted and ignored.

use super::error::SdpError;
use super::model::{Closure, Named, Request};
use super::store::{Store, by_name};
use serde_json::{Map, Value};

/// The longest subject SDP stores.
pub const MAX_SUBJECT_CHARS: usize = 250;

/// What a reference names: an id, or a name (or e-mail) to look up.
enum Key<'a> {
    Id(u64),
    Name(&'a str),
    Email(&'a str),
}

/// Reads a reference, `None` for `null`.
fn key<'a>(field: &str, value: &'a Value) -> Result<Option<Key<'a>>, SdpError> {
    let bad = || SdpError::invalid(field, format!("Invalid value given for {field}"));
    match value {
        Value::Null => Ok(None),
        Value::String(name) => Ok(Some(Key::Name(name))),
        Value::Object(fields) => {
            if let Some(id) = fields.get("id").filter(|id| !id.is_null()) {
                let id = match id {
                    Value::String(id) => id.trim().parse().ok(),
                    Value::Number(id) => id.as_u64(),
                    _ => None,
                };
                return id.map(|id| Some(Key::Id(id))).ok_or_else(bad);
            }
            if let Some(email) = fields.get("email_id").and_then(Value::as_str) {
                return Ok(Some(Key::Email(email)));
            }
            fields.get("name").and_then(Value::as_str).map(|name| Some(Key::Name(name))).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// The id of the record among `records` that `value` names.
fn named(field: &str, records: &[Named], value: &Value) -> Result<Option<u64>, SdpError> {
    let unknown = || SdpError::invalid(field, format!("The given {field} does not exist"));
    Ok(match key(field, value)? {
        None => None,
        Some(Key::Id(id)) => Some(records.iter().find(|record| record.id == id).ok_or_else(unknown)?.id),
        Some(Key::Name(name) | Key::Email(name)) => {
            Some(by_name(records, name, |record| &record.name).ok_or_else(unknown)?.id)
        }
    })
}

/// The id of the person `value` names; a technician when `technician`.
pub fn person(store: &Store, field: &str, value: &Value, technician: bool) -> Result<Option<u64>, SdpError> {
    let unknown = || SdpError::invalid(field, format!("The given {field} does not exist"));
    let found = match key(field, value)? {
        None => return Ok(None),
        Some(Key::Id(id)) => store.person(id),
        Some(Key::Email(email)) => store.person_by_email(email),
        Some(Key::Name(name)) => store.people.iter().find(|person| person.name().eq_ignore_ascii_case(name.trim())),
    }
    .ok_or_else(unknown)?;
    if technician && !found.technician {
        return Err(SdpError::invalid(field, format!("{} is not a technician", found.name())));
    }
    Ok(Some(found.id))
}

/// The status `value` names (a status cannot be cleared).
fn status(store: &Store, value: &Value) -> Result<u64, SdpError> {
    let unknown = || SdpError::invalid("status", "The given status does not exist");
    match key("status", value)? {
        None => Err(unknown()),
        Some(Key::Id(id)) => store.status(id).map(|status| status.id).ok_or_else(unknown),
        Some(Key::Name(name) | Key::Email(name)) => {
            store.status_named(name).map(|status| status.id).ok_or_else(unknown)
        }
    }
}

/// Reads `fields` onto `request`, at `now` (ms). Moving to a resolved or
/// closed status stamps `resolved_time` / `completed_time`.
pub fn apply(store: &Store, request: &mut Request, fields: &Map<String, Value>, now: i64) -> Result<(), SdpError> {
    for (field, value) in fields {
        match field.as_str() {
            "subject" => {
                let subject = value.as_str().map(str::trim).filter(|subject| !subject.is_empty());
                let subject = subject.ok_or_else(|| SdpError::invalid("subject", "The subject cannot be empty"))?;
                if subject.chars().count() > MAX_SUBJECT_CHARS {
                    return Err(SdpError::invalid("subject", "The subject is longer than 250 characters"));
                }
                request.subject = subject.to_owned();
            }
            "description" => {
                request.description = match value {
                    Value::Null => String::new(),
                    Value::String(html) => html.clone(),
                    _ => return Err(SdpError::invalid("description", "The description must be text")),
                };
            }
            "status" => request.status = status(store, value)?,
            "priority" => request.priority = named("priority", &store.priorities, value)?,
            "group" => request.group = named("group", &store.groups, value)?,
            "category" => request.category = named("category", &store.categories, value)?,
            "technician" => request.technician = person(store, "technician", value, true)?,
            "requester" => {
                request.requester = person(store, "requester", value, false)?
                    .ok_or_else(|| SdpError::invalid("requester", "A request needs a requester"))?;
            }
            _ => {}
        }
    }
    match store.status(request.status).map(|status| status.internal_name.as_str()) {
        Some("Resolved") => request.resolved = request.resolved.or(Some(now)),
        Some("Closed") => {
            request.resolved = request.resolved.or(Some(now));
            request.completed = request.completed.or(Some(now));
        }
        _ => {
            request.resolved = None;
            request.completed = None;
        }
    }
    Ok(())
}

/// Closes `request` at `now` with `closure_info` (`closure_code` by name
/// or id, `closure_comments`, `requester_ack_resolution`,
/// `requester_ack_comments`; all optional).
pub fn close(store: &Store, request: &mut Request, closure_info: Option<&Value>, now: i64) -> Result<(), SdpError> {
    let empty = Map::new();
    let info = match closure_info {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(info)) => info,
        Some(_) => return Err(SdpError::invalid("closure_info", "closure_info must be an object")),
    };
    let text = |key: &str| info.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let code = match info.get("closure_code") {
        None => None,
        Some(code) => named("closure_code", &store.closure_codes, code)?,
    };
    let closed = store.statuses.iter().find(|status| status.internal_name == "Closed");
    request.status = closed.ok_or_else(|| SdpError::Failed("the portal has no Closed status".to_owned()))?.id;
    request.closure = Some(Closure {
        code,
        comments: text("closure_comments"),
        requester_ack_resolution: info.get("requester_ack_resolution").and_then(Value::as_bool).unwrap_or(false),
        requester_ack_comments: text("requester_ack_comments"),
    });
    apply(store, request, &Map::new(), now)
}

/// The mandatory fields a new request lacks (`subject`, `requester`).
pub fn missing(fields: &Map<String, Value>) -> Vec<String> {
    let present = |key: &str| match fields.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::String(text)) => !text.trim().is_empty(),
        Some(Value::Object(reference)) => !reference.is_empty(),
        Some(_) => true,
    };
    ["subject", "requester"].into_iter().filter(|key| !present(key)).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicedesk_plus::seed;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn references_resolve_by_name_id_or_email() {
        let store = seed::store(1_700_000_000_000);
        let mut request = store.requests[0].clone();
        let change = fields(json!({
            "status": {"name": "in progress"}, "priority": {"name": "Urgent"},
            "technician": {"email_id": seed::CHARLES_EMAIL}, "group": null,
        }));
        apply(&store, &mut request, &change, 5).unwrap();
        assert_eq!(store.status(request.status).unwrap().name, "In Progress");
        assert_eq!(store.person(request.technician.unwrap()).unwrap().email, seed::CHARLES_EMAIL);
        assert_eq!(request.group, None);
        let closed = fields(json!({"status": {"id": store.status_named("Closed").unwrap().id.to_string()}}));
        apply(&store, &mut request, &closed, 9).unwrap();
        assert_eq!(request.completed, Some(9));
    }

    #[test]
    fn unknown_names_and_requesters_as_technicians_are_4001() {
        let store = seed::store(1_700_000_000_000);
        for (change, field) in [
            (json!({"status": {"name": "Teleported"}}), "status"),
            (json!({"priority": {"name": "Whenever"}}), "priority"),
            (json!({"technician": {"email_id": "nobody@example.com"}}), "technician"),
            (json!({"technician": {"email_id": seed::BRUCE_EMAIL}}), "technician"),
            (json!({"subject": ""}), "subject"),
            (json!({"status": null}), "status"),
        ] {
            let mut request = store.requests[0].clone();
            let outcome = apply(&store, &mut request, &fields(change.clone()), 1);
            assert!(matches!(&outcome, Err(SdpError::InvalidValue { field: named, .. }) if named == field), "{change}");
        }
        assert_eq!(missing(&fields(json!({"subject": " ", "requester": {}}))), ["subject", "requester"]);
        assert!(missing(&fields(json!({"subject": "x", "requester": {"email_id": "a@b.c"}}))).is_empty());
    }
}
