//! Incidents as normalised tickets, for the host's `tickets_*` tools.
//!
//! The mapping tables below are the whole vocabulary, both ways:
//!
//! | `state` | label       | category      | written for category |
//! |---------|-------------|---------------|----------------------|
//! | 1       | New         | `new`         | `new`                |
//! | 2       | In Progress | `in_progress` | `open`, `in_progress`|
//! | 3       | On Hold     | `pending`     | `pending` (hold reason "Awaiting Caller") |
//! | 6       | Resolved    | `resolved`    | `resolved`           |
//! | 7       | Closed      | `closed`      | `closed`             |
//! | 8       | Canceled    | `closed`      | —                    |
//!
//! | `priority` | label        | priority   | written as impact × urgency |
//! |------------|--------------|------------|-----------------------------|
//! | 1          | 1 - Critical | `critical` | 1 × 1                       |
//! | 2          | 2 - High     | `high`     | 1 × 2                       |
//! | 3          | 3 - Moderate | `medium`   | 2 × 2                       |
//! | 4          | 4 - Low      | `low`      | 2 × 3                       |
//! | 5          | 5 - Planning | `planning` | 3 × 3                       |
//!
//! ServiceNow derives priority from impact and urgency, so a priority is
//! written as the stock matrix's pair for it. Resolving or closing needs a
//! note (the close notes; the close code is `Solution provided`); a note on
//! any other change becomes a work note. The ticket key is the incident
//! number; the assignee and requester are `assigned_to` and `caller_id`;
//! the group is `assignment_group`. Incidents have no labels.

use crate::client::{Client, Listing};
use crate::codes::{PRIORITY, STATE};
use crate::incidents::{IncidentId, TABLE};
use crate::journal::{self, Kind};
use crate::lookup::{self, Target};
use crate::query::{EncodedQuery, is_sys_id, servicenow_datetime};
use crate::{records, settings};
use berth_sdk::ToolError;
use berth_sdk::ticketing::{
    Assignment, Comment, NewComment, NewTicket, Person, Priority, SearchQuery, StatusCategory, Ticket, TicketDetails,
    TicketPage, TicketUpdate,
};
use serde_json::{Map, Value};

/// `state` code → category.
const STATE_CATEGORY: &[(&str, StatusCategory)] = &[
    ("1", StatusCategory::New),
    ("2", StatusCategory::InProgress),
    ("3", StatusCategory::Pending),
    ("6", StatusCategory::Resolved),
    ("7", StatusCategory::Closed),
    ("8", StatusCategory::Closed),
];

/// Category → the `state` code written for it.
const CATEGORY_STATE: &[(StatusCategory, &str)] = &[
    (StatusCategory::New, "1"),
    (StatusCategory::Open, "2"),
    (StatusCategory::InProgress, "2"),
    (StatusCategory::Pending, "3"),
    (StatusCategory::Resolved, "6"),
    (StatusCategory::Closed, "7"),
];

/// `priority` code → priority, and the impact × urgency that yields it.
const PRIORITIES: &[(&str, Priority, &str, &str)] = &[
    ("1", Priority::Critical, "1", "1"),
    ("2", Priority::High, "1", "2"),
    ("3", Priority::Medium, "2", "2"),
    ("4", Priority::Low, "2", "3"),
    ("5", Priority::Planning, "3", "3"),
];

/// The on-hold reason written with state 3: the stock "Awaiting Caller".
const AWAITING_CALLER: &str = "1";
/// The close code written when resolving or closing.
const CLOSE_CODE: &str = "Solution provided";

/// What a ticket is read from.
const FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "priority",
    "assigned_to",
    "assigned_to.email",
    "caller_id",
    "caller_id.email",
    "assignment_group",
    "sys_created_on",
    "sys_updated_on",
];

fn category_of(state: &str) -> Option<StatusCategory> {
    STATE_CATEGORY.iter().find(|(code, _)| *code == state).map(|(_, category)| *category)
}

fn state_for(category: StatusCategory) -> &'static str {
    CATEGORY_STATE.iter().find(|(known, _)| *known == category).map_or("2", |(_, code)| code)
}

fn priority_of(code: &str) -> Option<Priority> {
    PRIORITIES.iter().find(|(known, ..)| *known == code).map(|(_, priority, ..)| *priority)
}

/// The priority code and the impact and urgency that give `priority`.
fn priority_row(priority: Priority) -> (&'static str, &'static str, &'static str) {
    PRIORITIES
        .iter()
        .find(|(_, known, ..)| *known == priority)
        .map_or(("3", "2", "2"), |(code, _, impact, urgency)| (code, impact, urgency))
}

/// ServiceNow's UTC `YYYY-MM-DD HH:MM:SS` as RFC 3339.
fn rfc3339(stored: &str) -> String {
    match stored.split_once(' ') {
        Some((date, time)) => format!("{date}T{time}Z"),
        None => stored.to_owned(),
    }
}

/// The person reference `field` names, with the e-mail dot-walked beside it.
fn person(record: &Value, field: &str) -> Option<Person> {
    let id = records::value(record, field)?;
    Some(Person { id, name: records::display(record, field), email: records::value(record, &format!("{field}.email")) })
}

/// An incident record as a ticket.
fn ticket(record: &Value, base_url: &str) -> Ticket {
    let text = |name: &str| records::display(record, name).unwrap_or_default();
    let state = records::value(record, "state").unwrap_or_default();
    let priority = records::value(record, "priority");
    let sys_id = records::value(record, "sys_id");
    Ticket {
        key: text("number"),
        title: text("short_description"),
        description: text("description"),
        status: category_of(&state).unwrap_or(StatusCategory::Open),
        status_name: STATE.label(&state).map_or_else(|| text("state"), str::to_owned),
        priority: priority.as_deref().and_then(priority_of),
        priority_name: priority.as_deref().and_then(|code| PRIORITY.label(code)).map(str::to_owned),
        assignee: person(record, "assigned_to"),
        requester: person(record, "caller_id"),
        group: records::display(record, "assignment_group"),
        created: rfc3339(&records::value(record, "sys_created_on").unwrap_or_default()),
        updated: rfc3339(&records::value(record, "sys_updated_on").unwrap_or_default()),
        labels: Vec::new(),
        url: sys_id.map(|sys_id| format!("{base_url}/{TABLE}.do?sys_id={sys_id}")),
    }
}

/// `value` as a query value: ServiceNow evaluates one that starts with
/// `javascript:` as a script, which a search for text must never run.
fn literal(value: &str) -> Result<&str, ToolError> {
    if value.trim_start().to_ascii_lowercase().starts_with("javascript:") {
        return Err(ToolError::invalid("a search value may not start with `javascript:`"));
    }
    Ok(value)
}

/// The encoded query for `query`, newest update first.
fn encoded(query: &SearchQuery) -> Result<String, ToolError> {
    let mut encoded = EncodedQuery::default();
    if let Some(text) = query.text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        let text = literal(text)?;
        encoded.and_any(&[("short_description", "LIKE", text), ("description", "LIKE", text)]);
    }
    if !query.statuses.is_empty() {
        let codes: Vec<&str> = STATE_CATEGORY
            .iter()
            .filter(|(_, category)| query.statuses.contains(category))
            .map(|(code, _)| *code)
            .collect();
        // A category no state maps to (`open`) matches nothing.
        let codes = if codes.is_empty() { "0".to_owned() } else { codes.join(",") };
        encoded.and("state", "IN", &codes);
    }
    if !query.priorities.is_empty() {
        let codes: Vec<&str> = query.priorities.iter().map(|priority| priority_row(*priority).0).collect();
        encoded.and("priority", "IN", &codes.join(","));
    }
    for (field, who) in [("assigned_to", &query.assignee), ("caller_id", &query.requester)] {
        if let Some(who) = who.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
            let who = literal(who)?;
            if is_sys_id(who) {
                encoded.and(field, "=", who);
            } else {
                let (email, user_name) = (format!("{field}.email"), format!("{field}.user_name"));
                encoded.and_any(&[(email.as_str(), "=", who), (user_name.as_str(), "=", who)]);
            }
        }
    }
    if let Some(since) = &query.updated_since {
        encoded.and("sys_updated_on", ">=", &servicenow_datetime(since)?);
    }
    encoded.order_by_desc("sys_updated_on").order_by_desc("number");
    Ok(encoded.build())
}

/// `search`: incidents by encoded query; the cursor is the next offset.
pub fn search(query: SearchQuery) -> Result<TicketPage, ToolError> {
    let offset = match &query.cursor {
        Some(cursor) => cursor.parse().map_err(|_| ToolError::invalid(format!("`{cursor}` is not a cursor")))?,
        None => 0,
    };
    let limit = query.limit.clamp(1, 100);
    let encoded = encoded(&query)?;
    let (client, base_url) = (Client::new()?, settings::base_url()?);
    let page = client.list(&Listing { table: TABLE, query: &encoded, fields: FIELDS, limit, offset })?;
    // The next page starts a whole page on: an instance whose access rules
    // hide rows returns fewer than asked without ending the list.
    Ok(TicketPage {
        tickets: page.records.iter().map(|record| ticket(record, &base_url)).collect(),
        cursor: page.has_more.then(|| offset.saturating_add(limit).to_string()),
    })
}

/// The incident `key` names, with every field `ticket` reads and the
/// journal.
fn read(client: &Client, key: &str) -> Result<Value, ToolError> {
    let mut fields = FIELDS.to_vec();
    fields.extend(journal::FIELDS);
    IncidentId::parse(key)?.record(client, &fields)
}

/// The journal as comments, oldest first; an entry's id is its position.
fn comments(record: &Value) -> Vec<Comment> {
    let mut entries = journal::entries(record);
    entries.reverse();
    entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| Comment {
            id: (index + 1).to_string(),
            author: (!entry.author.is_empty()).then(|| Person {
                id: entry.author.clone(),
                name: Some(entry.author),
                email: None,
            }),
            body: entry.text,
            public: entry.kind == Kind::Comment,
            created: rfc3339(&entry.at),
        })
        .collect()
}

/// `get`.
pub fn get(key: &str) -> Result<TicketDetails, ToolError> {
    let client = Client::new()?;
    let record = read(&client, key)?;
    Ok(TicketDetails { ticket: ticket(&record, &settings::base_url()?), comments: comments(&record) })
}

/// Sets impact and urgency so that ServiceNow derives `priority`.
fn set_priority(body: &mut Map<String, Value>, priority: Priority) {
    let (_, impact, urgency) = priority_row(priority);
    body.insert("impact".to_owned(), impact.into());
    body.insert("urgency".to_owned(), urgency.into());
}

/// `create`: a new incident.
pub fn create(new: NewTicket) -> Result<Ticket, ToolError> {
    if new.title.trim().is_empty() {
        return Err(ToolError::invalid("the title must say what is wrong"));
    }
    if !new.labels.is_empty() {
        return Err(ToolError::invalid("ServiceNow incidents have no labels; leave `labels` out"));
    }
    let client = Client::new()?;
    let mut body = Map::new();
    body.insert("short_description".to_owned(), new.title.into());
    body.insert("description".to_owned(), new.description.into());
    if let Some(priority) = new.priority {
        set_priority(&mut body, priority);
    }
    for (field, target, given) in [
        ("assigned_to", Target::User, new.assignee),
        ("caller_id", Target::User, new.requester),
        ("assignment_group", Target::Group, new.queue),
    ] {
        if let Some(given) = given {
            body.insert(field.to_owned(), lookup::sys_id(&client, target, &given)?.into());
        }
    }
    let created = client.create(TABLE, &Value::Object(body))?;
    let number = records::value(&created, "number")
        .ok_or_else(|| ToolError::upstream(None, "ServiceNow created the incident but sent no number"))?;
    Ok(ticket(&read(&client, &number)?, &settings::base_url()?))
}

/// `add-comment`: an additional comment (public) or a work note.
pub fn add_comment(key: &str, comment: NewComment) -> Result<Comment, ToolError> {
    if comment.body.trim().is_empty() {
        return Err(ToolError::invalid("the comment is empty"));
    }
    let client = Client::new()?;
    let sys_id = IncidentId::parse(key)?.sys_id(&client)?;
    let field = if comment.public { "comments" } else { "work_notes" };
    let mut body = Map::new();
    body.insert(field.to_owned(), comment.body.into());
    client.update(TABLE, &sys_id, &Value::Object(body))?;
    comments(&read(&client, key)?)
        .into_iter()
        .rev()
        .find(|written| written.public == comment.public)
        .ok_or_else(|| ToolError::upstream(None, "ServiceNow accepted the comment but does not show it"))
}

/// `update`: state (with its note), assignment and priority.
pub fn update(key: &str, update: TicketUpdate) -> Result<Ticket, ToolError> {
    let client = Client::new()?;
    let mut body = Map::new();
    let note = update.note.filter(|note| !note.trim().is_empty());
    let mut note_written = false;
    if let Some(category) = update.status {
        let state = state_for(category);
        body.insert("state".to_owned(), state.into());
        match category {
            StatusCategory::Resolved | StatusCategory::Closed => {
                let Some(note) = &note else {
                    return Err(ToolError::invalid(
                        "resolving or closing a ServiceNow incident needs a note saying how it was resolved",
                    ));
                };
                body.insert("close_code".to_owned(), CLOSE_CODE.into());
                body.insert("close_notes".to_owned(), note.clone().into());
                note_written = true;
            }
            StatusCategory::Pending => {
                body.insert("hold_reason".to_owned(), AWAITING_CALLER.into());
            }
            _ => {}
        }
    }
    if let Some(note) = note.filter(|_| !note_written) {
        body.insert("work_notes".to_owned(), note.into());
    }
    match update.assignee {
        Some(Assignment::Unassigned) => {
            body.insert("assigned_to".to_owned(), "".into());
        }
        Some(Assignment::To(who)) => {
            body.insert("assigned_to".to_owned(), lookup::sys_id(&client, Target::User, &who)?.into());
        }
        None => {}
    }
    if let Some(priority) = update.priority {
        set_priority(&mut body, priority);
    }
    if body.is_empty() {
        return Err(ToolError::invalid("nothing to update: give a status, note, assignee or priority"));
    }
    let sys_id = IncidentId::parse(key)?.sys_id(&client)?;
    client.update(TABLE, &sys_id, &Value::Object(body))?;
    Ok(ticket(&read(&client, key)?, &settings::base_url()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_sdk::ticketing::STATUS_CATEGORIES;
    use serde_json::json;

    #[test]
    fn every_stock_state_has_a_category_and_every_category_a_state() {
        for (code, _) in STATE_CATEGORY {
            assert!(STATE.label(code).is_some(), "{code} is a stock state");
        }
        for category in STATUS_CATEGORIES {
            let state = state_for(category);
            let back = category_of(state).unwrap();
            // Writing a category and reading it back lands on it, except
            // `open`, which ServiceNow has no state for.
            if category != StatusCategory::Open {
                assert_eq!(back, category);
            }
        }
        assert_eq!(category_of("8"), Some(StatusCategory::Closed));
    }

    #[test]
    fn priorities_round_trip_through_the_matrix() {
        for (code, priority, ..) in PRIORITIES {
            assert_eq!(priority_row(*priority).0, *code);
            assert_eq!(priority_of(code), Some(*priority));
            assert!(PRIORITY.label(code).is_some());
        }
    }

    #[test]
    fn a_record_reads_as_a_ticket() {
        let record = json!({
            "sys_id": {"value": "a".repeat(32), "display_value": "a".repeat(32)},
            "number": {"value": "INC0010003", "display_value": "INC0010003"},
            "short_description": {"value": "VPN down", "display_value": "VPN down"},
            "state": {"value": "3", "display_value": "On Hold"},
            "priority": {"value": "1", "display_value": "1 - Critical"},
            "assigned_to": {"value": "b".repeat(32), "display_value": "Beth Anglin", "link": "x"},
            "assigned_to.email": {"value": "beth.anglin@example.com", "display_value": "beth.anglin@example.com"},
            "sys_updated_on": {"value": "2026-11-27 09:00:00", "display_value": "2026-11-27 09:00:00"},
        });
        let ticket = ticket(&record, "https://acme.example");
        assert_eq!(
            (ticket.key.as_str(), ticket.status, ticket.priority),
            ("INC0010003", StatusCategory::Pending, Some(Priority::Critical))
        );
        assert_eq!(ticket.status_name, "On Hold");
        assert_eq!(ticket.updated, "2026-11-27T09:00:00Z");
        let assignee = ticket.assignee.unwrap();
        assert_eq!(
            (assignee.name.as_deref(), assignee.email.as_deref()),
            (Some("Beth Anglin"), Some("beth.anglin@example.com"))
        );
        assert_eq!(ticket.url.unwrap(), format!("https://acme.example/incident.do?sys_id={}", "a".repeat(32)));
    }

    #[test]
    fn queries_filter_by_category_priority_and_people() {
        let query = SearchQuery {
            text: Some("vpn".into()),
            statuses: vec![StatusCategory::New, StatusCategory::Closed],
            priorities: vec![Priority::Critical, Priority::High],
            assignee: Some("beth.anglin@example.com".into()),
            requester: None,
            updated_since: Some("2026-11-01T00:00:00Z".into()),
            limit: 10,
            cursor: None,
        };
        assert_eq!(
            encoded(&query).unwrap(),
            "short_descriptionLIKEvpn^ORdescriptionLIKEvpn^stateIN1,7,8^priorityIN1,2\
             ^assigned_to.email=beth.anglin@example.com^ORassigned_to.user_name=beth.anglin@example.com\
             ^sys_updated_on>=2026-11-01 00:00:00^ORDERBYDESCsys_updated_on^ORDERBYDESCnumber"
        );
        let open_only = SearchQuery {
            statuses: vec![StatusCategory::Open],
            text: None,
            priorities: vec![],
            assignee: None,
            updated_since: None,
            ..query
        };
        assert!(encoded(&open_only).unwrap().starts_with("stateIN0^"));
        let script = SearchQuery { assignee: Some("javascript:gs.getUserID()".into()), ..open_only };
        assert!(encoded(&script).is_err(), "no script runs on the instance");
    }
}
