//! The portal's records as ServiceDesk Plus v3 JSON. Ids are strings of
//! digits; references are `{"id","name"}` objects (people add
//! `email_id`), or `null` when unset; times are `{"value": "<epoch ms>",
//! "display_value": "Nov 10, 2016 11:44 AM"}` (the portal's time zone is
//! UTC) or `null`.

use super::model::{Named, Note, Person, Request, Status};
use super::store::{Store, by_id};
use crate::clock;
use serde_json::{Value, json};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// How SDP shows a time to people.
const DISPLAY: &[BorrowedFormatItem<'_>] = format_description!(
    "[month repr:short] [day padding:none], [year] [hour repr:12 padding:none]:[minute] [period case:upper]"
);

/// The longest `short_description` a list row carries.
const SHORT_DESCRIPTION_CHARS: usize = 100;

/// `{"value": "<ms>", "display_value": "…"}`.
pub fn time_value(millis: i64) -> Value {
    json!({"value": millis.to_string(), "display_value": clock::write(clock::at_unix_millis(millis), DISPLAY)})
}

/// [`time_value`], or `null`.
fn optional_time(millis: Option<i64>) -> Value {
    millis.map_or(Value::Null, time_value)
}

/// A person as a reference: `{"id","name","email_id","is_vipuser"}`.
pub fn person_ref(person: Option<&Person>) -> Value {
    person.map_or(Value::Null, |person| {
        json!({"id": person.id.to_string(), "name": person.name(), "email_id": person.email, "is_vipuser": false})
    })
}

/// A named record as a reference: `{"id","name"}` (with `color` when it
/// has one).
pub fn named(record: Option<&Named>) -> Value {
    record.map_or(Value::Null, |record| {
        let mut value = json!({"id": record.id.to_string(), "name": record.name});
        if let Some(color) = &record.color {
            value["color"] = json!(color);
        }
        value
    })
}

/// A status as a request carries it: `{"id","name","color"}`.
pub fn status_ref(status: Option<&Status>) -> Value {
    status
        .map_or(Value::Null, |status| json!({"id": status.id.to_string(), "name": status.name, "color": status.color}))
}

/// A status as `/statuses` lists it.
pub fn status(status: &Status) -> Value {
    json!({
        "id": status.id.to_string(), "name": status.name, "color": status.color,
        "in_progress": status.in_progress, "stop_timer": status.stop_timer,
        "internal_name": status.internal_name, "description": null,
    })
}

/// A technician as `/technicians` lists it.
pub fn technician(person: &Person) -> Value {
    json!({
        "id": person.id.to_string(), "name": person.name(), "first_name": person.first_name,
        "last_name": person.last_name, "email_id": person.email, "is_technician": person.technician,
        "job_title": person.job_title, "phone": null, "mobile": null,
        "department": person.department.as_ref().map(|name| json!({"name": name})),
        "status": "ACTIVE",
    })
}

/// Text without HTML tags (and the few entities SDP writes), for
/// `short_description` and the `contains` criteria. Block tags and `<br>`
/// separate words; inline tags (`<b>`, `<i>`, …) do not.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for character in html.chars() {
        match (&mut tag, character) {
            (None, '<') => tag = Some(String::new()),
            (Some(name), '>') => {
                let name = name.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default().to_lowercase();
                if matches!(name.as_str(), "br" | "p" | "div" | "li" | "tr" | "td" | "h1" | "h2" | "h3" | "ul" | "ol") {
                    text.push(' ');
                }
                tag = None;
            }
            (Some(name), _) => name.push(character),
            (None, _) => text.push(character),
        }
    }
    let text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Request `request` in full, as `GET requests/{id}` returns it.
pub fn request(store: &Store, request: &Request) -> Value {
    let closure = request.closure.as_ref().map_or(Value::Null, |closure| {
        json!({
            "closure_code": named(closure.code.and_then(|code| by_id(&store.closure_codes, code))),
            "closure_comments": closure.comments,
            "requester_ack_resolution": closure.requester_ack_resolution,
            "requester_ack_comments": closure.requester_ack_comments,
        })
    });
    let short: String = plain_text(&request.description).chars().take(SHORT_DESCRIPTION_CHARS).collect();
    json!({
        "id": request.id.to_string(),
        "display_id": request.display_id.to_string(),
        "subject": request.subject,
        "description": request.description,
        "short_description": short,
        "status": status_ref(store.status(request.status)),
        "priority": named(request.priority.and_then(|id| by_id(&store.priorities, id))),
        "requester": person_ref(store.person(request.requester)),
        "technician": person_ref(request.technician.and_then(|id| store.person(id))),
        "group": named(request.group.and_then(|id| by_id(&store.groups, id))),
        "category": named(request.category.and_then(|id| by_id(&store.categories, id))),
        "subcategory": null,
        "item": null,
        "urgency": null,
        "impact": null,
        "level": null,
        "site": null,
        "mode": {"id": "7564000000000101", "name": "Web Form"},
        "request_type": {"id": "7564000000000201", "name": "Incident"},
        "template": {"id": "7564000000278687", "name": "Default Request"},
        "created_time": time_value(request.created),
        "last_updated_time": time_value(request.updated),
        "resolved_time": optional_time(request.resolved),
        "completed_time": optional_time(request.completed),
        "due_by_time": optional_time(request.due_by),
        "first_response_due_by_time": null,
        "is_overdue": request.due_by.is_some_and(|due| due < clock::unix_millis_now()) && request.completed.is_none(),
        "is_escalated": false,
        "has_notes": store.notes.iter().any(|note| note.request == request.id),
        "closure_info": closure,
        "resolution": {"content": null},
        "udf_fields": {},
        "email_ids_to_notify": [],
    })
}

/// A list row: `full` without `description` (lists carry
/// `short_description`), or only the `fields_required` (and `id`).
pub fn list_row(mut full: Value, fields_required: Option<&[String]>) -> Value {
    let Value::Object(fields) = &mut full else { return full };
    match fields_required {
        Some(wanted) => fields.retain(|key, _| key == "id" || wanted.iter().any(|field| field == key)),
        None => {
            fields.remove("description");
        }
    }
    full
}

/// A note, as the notes endpoints return it.
pub fn note(store: &Store, note: &Note) -> Value {
    let request = store.request(note.request);
    json!({
        "id": note.id.to_string(),
        "description": note.description,
        "show_to_requester": note.public,
        "notify_technician": note.notify_technician,
        "mark_first_response": note.mark_first_response,
        "add_to_linked_requests": false,
        "created_time": time_value(note.created),
        "last_updated_time": time_value(note.created),
        "created_by": person_ref(store.person(note.author)),
        "request": request.map(|request| json!({
            "id": request.id.to_string(), "display_id": request.display_id.to_string(), "subject": request.subject,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_epoch_millis_and_a_display_value() {
        assert_eq!(
            time_value(1_478_758_440_000),
            json!({"value": "1478758440000", "display_value": "Nov 10, 2016 6:14 AM"})
        );
        assert_eq!(time_value(1_478_802_000_000)["display_value"], "Nov 10, 2016 6:20 PM");
    }

    #[test]
    fn html_reads_as_text() {
        assert_eq!(plain_text("<div>Drops every <b>10</b>&nbsp;<i>minutes</i>.</div><br>"), "Drops every 10 minutes.");
        assert_eq!(plain_text("<p>One</p><p>Two<br/>Three</p>"), "One Two Three");
    }
}
