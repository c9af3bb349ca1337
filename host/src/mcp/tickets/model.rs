//! The normalised ticket as agents read it: the `ticketing` export's
//! records in JSON, with the host's `system:key` ids, and the vocabulary
//! (status categories, priorities, instants) read from arguments.

use crate::runtime::bindings::ticketing::{Comment, Person, Priority, StatusCategory, Ticket, TicketDetails};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Longest description a search result carries, in characters: a listing
/// is for choosing; `tickets_get` reads the whole ticket.
const SEARCH_DESCRIPTION_CHARS: usize = 300;

/// Every status category, as arguments and results name them.
pub const CATEGORIES: [(&str, StatusCategory); 6] = [
    ("new", StatusCategory::New),
    ("open", StatusCategory::Open),
    ("pending", StatusCategory::Pending),
    ("in_progress", StatusCategory::InProgress),
    ("resolved", StatusCategory::Resolved),
    ("closed", StatusCategory::Closed),
];

/// The categories of work not yet done, which `unresolved` stands for.
pub const UNRESOLVED: [StatusCategory; 4] =
    [StatusCategory::New, StatusCategory::Open, StatusCategory::Pending, StatusCategory::InProgress];

/// Every priority, as arguments and results name them.
pub const PRIORITIES: [(&str, Priority); 5] = [
    ("critical", Priority::Critical),
    ("high", Priority::High),
    ("medium", Priority::Medium),
    ("low", Priority::Low),
    ("planning", Priority::Planning),
];

fn name_of<T: PartialEq + Copy>(table: &[(&'static str, T)], value: T) -> &'static str {
    table.iter().find(|(_, known)| *known == value).map_or("", |(name, _)| name)
}

fn named<T: Copy>(table: &[(&'static str, T)], given: &str, what: &str) -> Result<T, String> {
    table.iter().find(|(name, _)| *name == given).map(|(_, value)| *value).ok_or_else(|| {
        let known: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
        format!("`{given}` is not a {what}; use one of {}", known.join(", "))
    })
}

/// The categories `given` names: category names, or `unresolved`.
pub fn categories(given: &[String]) -> Result<Vec<StatusCategory>, String> {
    let mut wanted = Vec::new();
    for name in given {
        let more = match name.as_str() {
            "unresolved" => UNRESOLVED.to_vec(),
            name => vec![named(&CATEGORIES, name, "status category (or `unresolved`)")?],
        };
        for category in more {
            if !wanted.contains(&category) {
                wanted.push(category);
            }
        }
    }
    Ok(wanted)
}

/// The category named `given`.
pub fn category(given: &str) -> Result<StatusCategory, String> {
    named(&CATEGORIES, given, "status category")
}

/// The priority named `given`.
pub fn priority(given: &str) -> Result<Priority, String> {
    named(&PRIORITIES, given, "priority")
}

/// An instant as RFC 3339 or a date (`2026-11-01`, midnight UTC), in UTC
/// with `Z`: how plugins receive it.
pub fn utc_instant(given: &str) -> Result<String, String> {
    let given = given.trim();
    let parsed = OffsetDateTime::parse(given, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{given}T00:00:00Z"), &Rfc3339))
        .map_err(|_| format!("`{given}` is not an RFC 3339 date-time such as 2026-11-01T08:00:00Z, or a date"))?;
    Ok(utc(parsed))
}

fn utc(instant: OffsetDateTime) -> String {
    instant.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

/// When a ticket last changed, for merging; a time the plugin wrote wrong
/// sorts last.
pub fn updated_at(ticket: &Ticket) -> OffsetDateTime {
    OffsetDateTime::parse(&ticket.updated, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A person, as results show them.
#[derive(Debug, Serialize)]
pub struct PersonView {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

impl From<Person> for PersonView {
    fn from(person: Person) -> Self {
        Self { id: person.id, name: person.name, email: person.email }
    }
}

/// A status: the category and the system's own name.
#[derive(Debug, Serialize)]
pub struct StatusView {
    category: &'static str,
    name: String,
}

/// A priority: the level and the system's own name.
#[derive(Debug, Serialize)]
pub struct PriorityView {
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

/// A ticket, as results show it.
#[derive(Debug, Serialize)]
pub struct TicketView {
    /// `system:key`.
    pub id: String,
    system: String,
    key: String,
    title: String,
    description: String,
    status: StatusView,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<PriorityView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<PersonView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requester: Option<PersonView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    created: String,
    updated: String,
    labels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

impl TicketView {
    /// `ticket` of plugin `system`, in full.
    pub fn full(system: &str, ticket: Ticket) -> Self {
        let normalised =
            |instant: &str| OffsetDateTime::parse(instant, &Rfc3339).map_or_else(|_| instant.to_owned(), utc);
        let priority = (ticket.priority.is_some() || ticket.priority_name.is_some()).then(|| PriorityView {
            level: ticket.priority.map(|level| name_of(&PRIORITIES, level)),
            name: ticket.priority_name,
        });
        Self {
            id: format!("{system}:{}", ticket.key),
            system: system.to_owned(),
            created: normalised(&ticket.created),
            updated: normalised(&ticket.updated),
            key: ticket.key,
            title: ticket.title,
            description: ticket.description,
            status: StatusView { category: name_of(&CATEGORIES, ticket.status), name: ticket.status_name },
            priority,
            assignee: ticket.assignee.map(Into::into),
            requester: ticket.requester.map(Into::into),
            group: ticket.group,
            labels: ticket.labels,
            url: ticket.url,
        }
    }

    /// `ticket` of plugin `system` in a listing: its description cut short.
    pub fn listed(system: &str, ticket: Ticket) -> Self {
        let mut view = Self::full(system, ticket);
        if let Some((cut, _)) = view.description.char_indices().nth(SEARCH_DESCRIPTION_CHARS) {
            view.description.truncate(cut);
            view.description.push('…');
        }
        view
    }
}

/// A comment, as results show it.
#[derive(Debug, Serialize)]
pub struct CommentView {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<PersonView>,
    body: String,
    public: bool,
    created: String,
}

impl From<Comment> for CommentView {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id,
            author: comment.author.map(Into::into),
            body: comment.body,
            public: comment.public,
            created: comment.created,
        }
    }
}

/// A ticket with its conversation, as `tickets_get` shows it.
#[derive(Debug, Serialize)]
pub struct DetailsView {
    #[serde(flatten)]
    ticket: TicketView,
    comments: Vec<CommentView>,
}

impl DetailsView {
    /// `details` of plugin `system`.
    pub fn of(system: &str, details: TicketDetails) -> Self {
        Self {
            ticket: TicketView::full(system, details.ticket),
            comments: details.comments.into_iter().map(Into::into).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_become_utc() {
        assert_eq!(utc_instant("2026-11-27T20:15:00+10:00").unwrap(), "2026-11-27T10:15:00Z");
        assert_eq!(utc_instant("2026-11-01").unwrap(), "2026-11-01T00:00:00Z");
        assert!(utc_instant("last tuesday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn unresolved_stands_for_the_open_categories() {
        let given = ["unresolved".to_owned(), "new".to_owned()];
        assert_eq!(categories(&given).unwrap(), UNRESOLVED.to_vec());
        assert!(categories(&["done".to_owned()]).unwrap_err().contains("in_progress"));
        assert_eq!(priority("high").unwrap(), Priority::High);
    }

    #[test]
    fn a_listing_cuts_long_descriptions() {
        let ticket = Ticket {
            key: "OPS-1".into(),
            title: "t".into(),
            description: "é".repeat(1000),
            status: StatusCategory::Open,
            status_name: "To Do".into(),
            priority: None,
            priority_name: None,
            assignee: None,
            requester: None,
            group: None,
            created: "2026-11-27T20:15:00+10:00".into(),
            updated: "not a time".into(),
            labels: vec![],
            url: None,
        };
        let view = TicketView::listed("jira", ticket);
        assert_eq!(view.id, "jira:OPS-1");
        assert_eq!(view.description.chars().count(), SEARCH_DESCRIPTION_CHARS + 1);
        assert_eq!((view.created.as_str(), view.updated.as_str()), ("2026-11-27T10:15:00Z", "not a time"));
    }
}
