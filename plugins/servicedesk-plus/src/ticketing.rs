//! Requests as normalised tickets, for the host's `tickets_*` tools.
//!
//! **Keys.** A ticket's key is the request's `id` (digits, such as
//! `7564000000307383`): every URL of the API takes it, while the
//! `display_id` people see (`#42`) addresses nothing. Its URL is
//! `https://{domain}/app/{portal}/ui/requests/{id}/details`.
//!
//! **Statuses.** Read by name (without case); a name in no row is `open`.
//! Written as the first name of the wanted row that the portal has
//! (`GET /statuses`, cached for [`crate::metadata::METADATA_CACHE`]); a
//! portal with none of them is told so, with the names it has. A search
//! for categories asks for the portal's status names that map to them.
//!
//! | category | ServiceDesk Plus status names (first: the default portal's) |
//! |---|---|
//! | `new` | New |
//! | `open` | Open, Assigned, Reopened (and any name not below) |
//! | `pending` | On Hold, Awaiting Requester, Pending, Waiting for Requester |
//! | `in_progress` | In Progress |
//! | `resolved` | Resolved, Completed |
//! | `closed` | Closed, Canceled, Cancelled, Rejected |
//!
//! The default portal has no `New`: asking for `new` there is refused.
//!
//! **Priorities.** Likewise, by name (`GET /priorities`):
//!
//! | priority | ServiceDesk Plus names |
//! |---|---|
//! | `critical` | Urgent, Critical, Highest |
//! | `high` | High |
//! | `medium` | Medium, Normal |
//! | `low` | Low |
//! | `planning` | Lowest, Planning |
//!
//! **The rest.** The assignee is the technician and is assigned by e-mail
//! address or user id (`{"technician": {"email_id": …}}`; unassigning
//! sends `null`); the requester likewise; the group is the support group,
//! which is also what `create` takes as the queue; labels are the category
//! and subcategory, and creating with labels is refused (requests have
//! none). Comments are notes: public ones `show_to_requester: true`,
//! internal ones `false`. Search sorts by `last_updated_time`, newest
//! first, with criteria for the filters ([`crate::criteria`]); its cursor
//! is the next `start_index`. Closing uses the close operation with the
//! note as closure comments; resolving sets the status and adds the note
//! as a public note; a note on any other change is a private note. The
//! status is checked (and one already in the wanted category left alone)
//! before anything changes.

use crate::client::Sdp;
use crate::criteria::Filters;
use crate::metadata::{self, Names};
use crate::people::{self, PersonView};
use crate::requests::{self, NoteView};
use crate::time;
use crate::tools::create::{self, CreateArgs};
use crate::tools::{list, update};
use berth_sdk::ToolError;
use berth_sdk::ticketing::{
    Assignment, Comment, NewComment, NewTicket, Person, Priority, SearchQuery, StatusCategory, Ticket, TicketDetails,
    TicketPage, TicketUpdate,
};
use serde_json::{Map, Value, json};

/// Our categories and the status names that mean them, the default
/// portal's first.
const STATUSES: &[(StatusCategory, &[&str])] = &[
    (StatusCategory::New, &["New"]),
    (StatusCategory::Open, &["Open", "Assigned", "Reopened"]),
    (StatusCategory::Pending, &["On Hold", "Awaiting Requester", "Pending", "Waiting for Requester"]),
    (StatusCategory::InProgress, &["In Progress"]),
    (StatusCategory::Resolved, &["Resolved", "Completed"]),
    (StatusCategory::Closed, &["Closed", "Canceled", "Cancelled", "Rejected"]),
];

/// The category of a status named in no row.
const UNKNOWN_STATUS: StatusCategory = StatusCategory::Open;

/// Our priorities and the names that mean them, the default portal's
/// first.
const PRIORITIES: &[(Priority, &[&str])] = &[
    (Priority::Critical, &["Urgent", "Critical", "Highest"]),
    (Priority::High, &["High"]),
    (Priority::Medium, &["Medium", "Normal"]),
    (Priority::Low, &["Low"]),
    (Priority::Planning, &["Lowest", "Planning"]),
];

/// Our category for status `name`.
pub fn category_of(name: &str) -> StatusCategory {
    let name = name.trim();
    STATUSES
        .iter()
        .find(|(_, names)| names.iter().any(|known| known.eq_ignore_ascii_case(name)))
        .map_or(UNKNOWN_STATUS, |(category, _)| *category)
}

/// Our priority for priority `name`.
pub fn priority_of(name: &str) -> Option<Priority> {
    let name = name.trim();
    PRIORITIES
        .iter()
        .find(|(_, names)| names.iter().any(|known| known.eq_ignore_ascii_case(name)))
        .map(|(priority, _)| *priority)
}

/// The name to write for a row (`names`) on a portal that has `portal`:
/// the first of the row it has, as the portal spells it.
fn portal_name(names: &[&str], portal: &[String]) -> Option<String> {
    names.iter().find_map(|name| portal.iter().find(|held| held.eq_ignore_ascii_case(name))).cloned()
}

/// The status names of `wanted` categories on a portal that has `portal`.
fn statuses_for(wanted: &[StatusCategory], portal: &[String]) -> Vec<String> {
    portal.iter().filter(|name| wanted.contains(&category_of(name))).cloned().collect()
}

/// The priority names of `wanted` on a portal that has `portal`.
fn priorities_for(wanted: &[Priority], portal: &[String]) -> Vec<String> {
    portal.iter().filter(|name| priority_of(name).is_some_and(|priority| wanted.contains(&priority))).cloned().collect()
}

/// The names of our categories, as the desk spells them.
fn category_name(category: StatusCategory) -> &'static str {
    match category {
        StatusCategory::New => "new",
        StatusCategory::Open => "open",
        StatusCategory::Pending => "pending",
        StatusCategory::InProgress => "in_progress",
        StatusCategory::Resolved => "resolved",
        StatusCategory::Closed => "closed",
    }
}

/// The names of our priorities, as the desk spells them.
fn priority_label(priority: Priority) -> &'static str {
    match priority {
        Priority::Critical => "critical",
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
        Priority::Planning => "planning",
    }
}

/// The portal's status name for `category`, or a refusal listing the
/// portal's statuses.
fn status_name(sdp: &Sdp, category: StatusCategory) -> Result<String, ToolError> {
    let row = STATUSES.iter().find(|(known, _)| *known == category).map_or(&[][..], |(_, names)| names);
    let portal = metadata::names(sdp, Names::Statuses)?;
    portal_name(row, &portal).ok_or_else(|| {
        ToolError::invalid(format!(
            "this ServiceDesk Plus portal has no status for {} (one of {}); its statuses are: {}",
            category_name(category),
            row.join(", "),
            portal.join(", ")
        ))
    })
}

/// The portal's priority name for `priority`, or a refusal listing the
/// portal's priorities.
fn priority_name(sdp: &Sdp, priority: Priority) -> Result<String, ToolError> {
    let row = PRIORITIES.iter().find(|(known, _)| *known == priority).map_or(&[][..], |(_, names)| names);
    let portal = metadata::names(sdp, Names::Priorities)?;
    portal_name(row, &portal).ok_or_else(|| {
        ToolError::invalid(format!(
            "this ServiceDesk Plus portal has no priority for {} (one of {}); its priorities are: {}",
            priority_label(priority),
            row.join(", "),
            portal.join(", ")
        ))
    })
}

fn person(view: Option<PersonView>) -> Option<Person> {
    view.map(|person| Person { id: person.id, name: person.name, email: person.email })
}

/// A request object as a ticket.
fn ticket(sdp: &Sdp, request: &Value) -> Ticket {
    let view = requests::show(sdp, request);
    Ticket {
        status: category_of(&view.status),
        status_name: view.status,
        priority: view.priority.as_deref().and_then(priority_of),
        priority_name: view.priority,
        assignee: person(view.technician),
        requester: person(view.requester),
        group: view.group,
        created: view.created,
        updated: view.updated,
        labels: view.category.into_iter().chain(view.subcategory).collect(),
        url: Some(view.url),
        key: view.id,
        title: view.subject,
        description: view.description.unwrap_or_default(),
    }
}

fn comment(note: NoteView) -> Comment {
    Comment { id: note.id, author: person(note.author), body: note.text, public: note.public, created: note.created }
}

/// The criteria field and value of a person filter, when given.
fn who(given: &Option<String>) -> Result<Option<(&'static str, String)>, ToolError> {
    match given.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        Some(who) => Ok(Some((people::reference(who)?.1, who.to_owned()))),
        None => Ok(None),
    }
}

/// `search`: the request list with criteria for the filters.
pub fn search(query: SearchQuery) -> Result<TicketPage, ToolError> {
    let sdp = Sdp::new()?;
    let mut filters = Filters {
        text: query.text.clone(),
        technician: who(&query.assignee)?,
        requester: who(&query.requester)?,
        ..Filters::default()
    };
    if let Some(given) = &query.updated_since {
        let since =
            time::parse(given).ok_or_else(|| ToolError::invalid(format!("`{given}` is not an RFC 3339 instant")))?;
        filters.updated_since = Some(since);
    }
    let nothing = || Ok(TicketPage { tickets: Vec::new(), cursor: None });
    if !query.statuses.is_empty() {
        filters.statuses = statuses_for(&query.statuses, &metadata::names(&sdp, Names::Statuses)?);
        if filters.statuses.is_empty() {
            return nothing();
        }
    }
    if !query.priorities.is_empty() {
        filters.priorities = priorities_for(&query.priorities, &metadata::names(&sdp, Names::Priorities)?);
        if filters.priorities.is_empty() {
            return nothing();
        }
    }
    let (rows, cursor) = list::page(&sdp, &filters, query.limit, query.cursor.as_deref())?;
    Ok(TicketPage { tickets: rows.iter().map(|row| ticket(&sdp, row)).collect(), cursor })
}

/// `get`: the request with its notes.
pub fn get(key: &str) -> Result<TicketDetails, ToolError> {
    let sdp = Sdp::new()?;
    let id = requests::id(key)?;
    let request = requests::read(&sdp, &id)?;
    let notes = requests::notes(&sdp, &id)?;
    Ok(TicketDetails { ticket: ticket(&sdp, &request), comments: notes.into_iter().map(comment).collect() })
}

/// `create`: a request in the queue's group (if any).
pub fn create(new: NewTicket) -> Result<Ticket, ToolError> {
    if !new.labels.is_empty() {
        return Err(ToolError::invalid(
            "ServiceDesk Plus requests have no labels; file it without them (servicedesk-plus_create_request \
             sets a category and subcategory)",
        ));
    }
    let sdp = Sdp::new()?;
    let priority = new.priority.map(|priority| priority_name(&sdp, priority)).transpose()?;
    let created = create::create(
        &sdp,
        CreateArgs {
            subject: new.title,
            description: Some(new.description),
            requester: new.requester,
            technician: new.assignee,
            priority,
            group: new.queue,
            ..CreateArgs::default()
        },
    )?;
    Ok(ticket(&sdp, &created))
}

/// `comment`: a note, public or private.
pub fn add_comment(key: &str, new: NewComment) -> Result<Comment, ToolError> {
    let sdp = Sdp::new()?;
    let id = requests::id(key)?;
    Ok(comment(requests::add_note(&sdp, &id, &new.body, new.public)?))
}

/// `update`: priority, technician and status in one change (closing by
/// the close operation), then the note.
pub fn update(key: &str, change: TicketUpdate) -> Result<Ticket, ToolError> {
    let id = requests::id(key)?;
    let note = change.note.as_deref().map(str::trim).filter(|note| !note.is_empty());
    if change.status.is_none() && note.is_none() && change.assignee.is_none() && change.priority.is_none() {
        return Err(ToolError::invalid("nothing to update: give a status, note, assignee or priority"));
    }
    let sdp = Sdp::new()?;
    // Everything is resolved to the portal's names before anything is
    // written, so a refusal changes nothing.
    let current = requests::show(&sdp, &requests::read(&sdp, &id)?);
    let wanted = change.status.filter(|wanted| *wanted != category_of(&current.status));
    let mut changes = Map::new();
    if let Some(priority) = change.priority {
        changes.insert("priority".to_owned(), json!({"name": priority_name(&sdp, priority)?}));
    }
    match &change.assignee {
        Some(Assignment::To(who)) => {
            changes.insert("technician".to_owned(), people::reference(who)?.0);
        }
        Some(Assignment::Unassigned) => {
            changes.insert("technician".to_owned(), Value::Null);
        }
        None => {}
    }
    let closing = wanted == Some(StatusCategory::Closed);
    if let Some(category) = wanted.filter(|_| !closing) {
        changes.insert("status".to_owned(), json!({"name": status_name(&sdp, category)?}));
    }
    if !changes.is_empty() {
        update::update(&sdp, &id, changes)?;
    }
    if closing {
        update::close(&sdp, &id, note, None)?;
    } else if let Some(note) = note {
        // A resolution note is for the requester; another is internal.
        let public = matches!(change.status, Some(StatusCategory::Resolved | StatusCategory::Closed));
        requests::add_note(&sdp, &id, note, public)?;
    }
    Ok(ticket(&sdp, &requests::read(&sdp, &id)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_sdk::ticketing::{PRIORITIES as ALL_PRIORITIES, STATUS_CATEGORIES};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn every_category_and_priority_has_a_row_that_reads_back() {
        for category in STATUS_CATEGORIES {
            let (_, row) = STATUSES.iter().find(|(known, _)| *known == category).expect("a row per category");
            assert!(!row.is_empty());
            for name in *row {
                assert_eq!(category_of(name), category, "{name}");
                assert_eq!(category_of(&name.to_uppercase()), category, "{name}");
            }
        }
        for priority in ALL_PRIORITIES {
            let (_, row) = PRIORITIES.iter().find(|(known, _)| *known == priority).expect("a row per priority");
            for name in *row {
                assert_eq!(priority_of(name), Some(priority), "{name}");
            }
        }
        assert_eq!(category_of("Awaiting Vendor Quote"), StatusCategory::Open, "unknown names are open");
        assert_eq!(priority_of("P1"), None);
    }

    #[test]
    fn names_are_written_as_the_portal_spells_them() {
        let portal = names(&["Open", "in progress", "On Hold", "Resolved", "Closed", "Canceled"]);
        assert_eq!(portal_name(&["In Progress"], &portal).as_deref(), Some("in progress"));
        assert_eq!(portal_name(&["Closed", "Canceled"], &portal).as_deref(), Some("Closed"));
        assert_eq!(portal_name(&["New"], &portal), None, "the default portal has no New");
        let priorities = names(&["Low", "Medium", "High", "Urgent"]);
        assert_eq!(portal_name(&["Urgent", "Critical"], &priorities).as_deref(), Some("Urgent"));
    }

    #[test]
    fn searches_ask_for_the_portals_names_of_each_category() {
        let portal = names(&["Open", "In Progress", "On Hold", "Awaiting Vendor", "Resolved", "Closed", "Canceled"]);
        let unresolved =
            [StatusCategory::New, StatusCategory::Open, StatusCategory::Pending, StatusCategory::InProgress];
        assert_eq!(statuses_for(&unresolved, &portal), ["Open", "In Progress", "On Hold", "Awaiting Vendor"]);
        assert_eq!(statuses_for(&[StatusCategory::Closed], &portal), ["Closed", "Canceled"]);
        assert!(statuses_for(&[StatusCategory::New], &portal).is_empty());
        let priorities = names(&["Low", "Medium", "High", "Urgent"]);
        assert_eq!(priorities_for(&[Priority::Critical, Priority::High], &priorities), ["High", "Urgent"]);
        assert!(priorities_for(&[Priority::Planning], &priorities).is_empty());
    }

    #[test]
    fn a_request_object_reads_as_a_ticket() {
        let sdp = Sdp {
            settings: crate::settings::Settings {
                portal_url: "https://sdp.example/app/itdesk".into(),
                default_requester: None,
            },
        };
        let request = json!({
            "id": "7564000000307383", "display_id": "12", "subject": "VPN connection drops after 10 minutes",
            "description": "<div>Since Monday.</div>",
            "status": {"name": "On Hold"}, "priority": {"name": "Urgent"},
            "technician": {"id": "10", "name": "Heather Graham", "email_id": "heather.graham@example.com"},
            "requester": {"id": "9", "name": "Bruce Williams"},
            "group": {"name": "Network"}, "category": {"name": "Network"}, "subcategory": {"name": "VPN"},
            "created_time": {"value": "1478758440000"}, "last_updated_time": {"value": "1478758500000"},
        });
        let ticket = ticket(&sdp, &request);
        assert_eq!(
            (ticket.key.as_str(), ticket.title.as_str()),
            ("7564000000307383", "VPN connection drops after 10 minutes")
        );
        assert_eq!((ticket.status, ticket.status_name.as_str()), (StatusCategory::Pending, "On Hold"));
        assert_eq!((ticket.priority, ticket.priority_name.as_deref()), (Some(Priority::Critical), Some("Urgent")));
        assert_eq!(ticket.assignee.unwrap().email.as_deref(), Some("heather.graham@example.com"));
        assert_eq!(ticket.labels, ["Network", "VPN"]);
        assert_eq!(
            (ticket.description.as_str(), ticket.updated.as_str()),
            ("Since Monday.", "2016-11-10T06:15:00.000Z")
        );
        assert_eq!(ticket.url.as_deref(), Some("https://sdp.example/app/itdesk/ui/requests/7564000000307383/details"));
    }
}
