//! Creating and updating tickets: reading the `{"ticket":{…}}` body,
//! validating it the way Zendesk does (a 422 `RecordInvalid` naming every
//! bad attribute), applying the business rules, and recording the audit.
//!
//! Rules the fake applies, as a stock account does:
//!
//! - a new ticket needs a comment (its description): `Description: cannot
//!   be blank`;
//! - a ticket given an assignee while `new` becomes `open`; an assignee
//!   without a group brings their default group;
//! - a requester may be named by id or as `{name, email}` (an unknown
//!   email creates an end user); the submitter is whoever calls;
//! - comments are added only through a ticket write, public unless
//!   `"public": false`, by the caller unless `author_id` names someone
//!   else; an end user's reply to a pending or solved ticket reopens it;
//! - a closed ticket takes no update (`Status: closed prevents ticket
//!   update`), and no ticket goes back to `new`;
//! - `safe_update` with an `updated_stamp` other than the ticket's
//!   `updated_at` is a 409;
//! - every write moves `updated_at` forward (by at least a second).

use super::clock;
use super::error::{ApiError, Details};
use super::model::{Audit, Channel, Comment, Event, Priority, Role, Status, Ticket, TicketType, User};
use super::store::Store;
use super::text;
use serde_json::{Map, Value, json};

/// The id of the account's Description ticket field (named in the 422 for a
/// new ticket without a comment).
pub const DESCRIPTION_FIELD_ID: u64 = 360_000_098_611;

/// Who is writing, when, and with which client.
#[derive(Debug, Clone)]
pub struct Writer {
    /// The authenticated user.
    pub user_id: u64,
    /// The time of the write (Unix seconds).
    pub now: i64,
    /// The `User-Agent`, recorded in audits and comments.
    pub client: String,
}

/// Who a ticket is for.
#[derive(Debug, Clone, PartialEq)]
enum Requester {
    /// An existing user.
    Id(u64),
    /// A person named by email (created as an end user if unknown).
    Person { name: Option<String>, email: String },
}

/// A comment to add.
#[derive(Debug, Clone, PartialEq)]
struct NewComment {
    body: String,
    html_body: Option<String>,
    public: bool,
    author_id: Option<u64>,
}

impl NewComment {
    fn is_blank(&self) -> bool {
        self.body.trim().is_empty()
            && self.html_body.as_deref().is_none_or(|html| text::text_from_html(html).is_empty())
    }
}

/// The attributes a write sets; `None` leaves one as it is, `Some(None)`
/// clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketWrite {
    subject: Option<String>,
    comment: Option<NewComment>,
    status: Option<Status>,
    priority: Option<Option<Priority>>,
    kind: Option<Option<TicketType>>,
    requester: Option<Requester>,
    assignee_id: Option<Option<u64>>,
    group_id: Option<Option<u64>>,
    tags: Option<Vec<String>>,
    additional_tags: Vec<String>,
    remove_tags: Vec<String>,
    external_id: Option<Option<String>>,
    due_at: Option<Option<i64>>,
    safe_update: bool,
    updated_stamp: Option<String>,
}

/// An id given as a number or a numeric string; `Ok(None)` for `null`.
fn id(value: &Value) -> Result<Option<u64>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => number.as_u64().map(Some).ok_or(()),
        Value::String(text) => text.trim().parse().map(Some).map_err(|_| ()),
        _ => Err(()),
    }
}

/// An optional enumeration value: `null` or `""` clears it.
fn word<T>(value: &Value, parse: fn(&str) -> Option<T>) -> Result<Option<T>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => parse(text).map(Some).ok_or_else(|| text.clone()),
        other => Err(other.to_string()),
    }
}

/// Tags as Zendesk stores them: lower case, split on spaces, each once.
fn normalize_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut normalized: Vec<String> = Vec::new();
    for tag in tags.into_iter().flat_map(str::split_whitespace) {
        let tag = tag.to_lowercase();
        if !normalized.contains(&tag) {
            normalized.push(tag);
        }
    }
    normalized
}

/// A list of tags: an array of strings or one space-separated string.
fn tag_list(value: &Value) -> Result<Vec<String>, ()> {
    match value {
        Value::String(text) => Ok(normalize_tags([text.as_str()])),
        Value::Array(items) => {
            let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            texts.map(normalize_tags).ok_or(())
        }
        Value::Null => Ok(Vec::new()),
        _ => Err(()),
    }
}

fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !domain.starts_with('.')
        && domain.contains('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && !domain.contains('@')
}

impl TicketWrite {
    /// Reads a write's body. A body that is not a JSON object is a 400; a
    /// badly typed attribute is a 422 naming it.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(body) else {
            return Err(ApiError::InvalidJson);
        };
        let ticket = match root.get("ticket") {
            Some(Value::Object(ticket)) => ticket.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(ApiError::InvalidJson),
        };
        let mut write = Self::default();
        let mut details = Details::default();
        for (key, value) in &ticket {
            write.read(key, value, &mut details);
        }
        details.into_result().map(|()| write)
    }

    fn read(&mut self, key: &str, value: &Value, details: &mut Details) {
        match key {
            "subject" => match value {
                Value::String(subject) => self.subject = Some(subject.clone()),
                Value::Null => self.subject = Some(String::new()),
                _ => details.add("subject", "Subject: is invalid", "InvalidValue"),
            },
            "comment" => self.read_comment(value, details),
            "status" => match word(value, Status::parse) {
                Ok(Some(status)) => self.status = Some(status),
                Ok(None) => details.add("status", "Status: cannot be blank", "BlankValue"),
                Err(given) => details.add("status", format!("Status: {given} is not valid"), "InvalidValue"),
            },
            "priority" => match word(value, Priority::parse) {
                Ok(priority) => self.priority = Some(priority),
                Err(given) => details.add("priority", format!("Priority: {given} is not valid"), "InvalidValue"),
            },
            "type" => match word(value, TicketType::parse) {
                Ok(kind) => self.kind = Some(kind),
                Err(given) => details.add("type", format!("Type: {given} is not valid"), "InvalidValue"),
            },
            "requester_id" => match id(value) {
                Ok(Some(requester)) => self.requester = Some(Requester::Id(requester)),
                _ => details.add("requester", "Requester: is invalid", "InvalidValue"),
            },
            "requester" => self.read_requester(value, details),
            "assignee_id" => match id(value) {
                Ok(assignee) => self.assignee_id = Some(assignee),
                Err(()) => details.add("assignee", "Assignee: is invalid", "InvalidValue"),
            },
            "group_id" => match id(value) {
                Ok(group) => self.group_id = Some(group),
                Err(()) => details.add("group", "Group: is invalid", "InvalidValue"),
            },
            "tags" | "additional_tags" | "remove_tags" => match tag_list(value) {
                Ok(tags) if key == "tags" => self.tags = Some(tags),
                Ok(tags) if key == "additional_tags" => self.additional_tags = tags,
                Ok(tags) => self.remove_tags = tags,
                Err(()) => details.add("tags", "Tags: is invalid", "InvalidValue"),
            },
            "external_id" => match value {
                Value::Null => self.external_id = Some(None),
                Value::String(text) => self.external_id = Some(Some(text.clone())),
                Value::Number(number) => self.external_id = Some(Some(number.to_string())),
                _ => details.add("external_id", "External id: is invalid", "InvalidValue"),
            },
            "due_at" => match value {
                Value::Null => self.due_at = Some(None),
                Value::String(text) => match clock::parse_timestamp(text).or_else(|| clock::parse_date(text)) {
                    Some(due) => self.due_at = Some(Some(due)),
                    None => details.add("due_at", "Due date: is invalid", "InvalidValue"),
                },
                _ => details.add("due_at", "Due date: is invalid", "InvalidValue"),
            },
            "safe_update" => self.safe_update = value.as_bool().unwrap_or(false),
            "updated_stamp" => self.updated_stamp = value.as_str().map(str::to_owned),
            _ => {}
        }
    }

    fn read_comment(&mut self, value: &Value, details: &mut Details) {
        let comment = match value {
            Value::Null => return,
            Value::String(body) => NewComment { body: body.clone(), html_body: None, public: true, author_id: None },
            Value::Object(fields) => {
                let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
                let html_body = text("html_body").filter(|html| !html.trim().is_empty());
                let body = text("body")
                    .filter(|body| !body.trim().is_empty())
                    .or_else(|| html_body.as_deref().map(text::text_from_html))
                    .unwrap_or_default();
                let public = match fields.get("public") {
                    None | Some(Value::Null) => true,
                    Some(Value::Bool(public)) => *public,
                    Some(Value::String(public)) => public != "false",
                    Some(_) => {
                        details.add("comment", "Comment: public is invalid", "InvalidValue");
                        true
                    }
                };
                let author_id = match fields.get("author_id").map(id) {
                    None => None,
                    Some(Ok(author)) => author,
                    Some(Err(())) => {
                        details.add("author_id", "Author: is invalid", "InvalidValue");
                        None
                    }
                };
                NewComment { body, html_body, public, author_id }
            }
            _ => {
                details.add("comment", "Comment: is invalid", "InvalidValue");
                return;
            }
        };
        self.comment = Some(comment);
    }

    fn read_requester(&mut self, value: &Value, details: &mut Details) {
        let Value::Object(fields) = value else {
            details.add("requester", "Requester: is invalid", "InvalidValue");
            return;
        };
        let email = fields.get("email").and_then(Value::as_str).unwrap_or_default().trim();
        if is_email(email) {
            let name = fields.get("name").and_then(Value::as_str).map(str::to_owned);
            self.requester = Some(Requester::Person { name, email: email.to_owned() });
        } else {
            details.add("requester", "Requester: Email is invalid", "InvalidValue");
        }
    }

    /// Checks every user and group the write names exists and fits.
    fn check_references(&self, store: &Store, details: &mut Details) {
        if let Some(Some(assignee)) = self.assignee_id {
            match store.user(assignee) {
                None => details.add("assignee", "Assignee: is invalid", "InvalidValue"),
                Some(user) if !user.role.is_staff() => {
                    details.add("assignee", format!("Assignee: {} is not an agent", user.name), "InvalidValue");
                }
                Some(_) => {}
            }
        }
        if let Some(Some(group)) = self.group_id
            && store.group(group).is_none()
        {
            details.add("group", "Group: is invalid", "InvalidValue");
        }
        if let Some(Requester::Id(requester)) = self.requester
            && store.user(requester).is_none()
        {
            details.add("requester", "Requester: is invalid", "InvalidValue");
        }
        if let Some(author) = self.comment.as_ref().and_then(|comment| comment.author_id)
            && store.user(author).is_none()
        {
            details.add("author_id", "Author: is invalid", "InvalidValue");
        }
    }
}

/// The requester's user id, creating an end user for an unknown email.
fn resolve_requester(store: &mut Store, requester: &Requester, now: i64) -> u64 {
    match requester {
        Requester::Id(id) => *id,
        Requester::Person { name, email } => {
            if let Some(user) = store.user_by_email(email) {
                return user.id;
            }
            let id = store.next_id();
            let name = name.clone().filter(|name| !name.trim().is_empty());
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
            store.users.push(User {
                id,
                name,
                email: email.to_lowercase(),
                role: Role::EndUser,
                time_zone: "Sydney",
                iana_time_zone: "Australia/Sydney",
                default_group_id: None,
                organization_id: None,
                tags: Vec::new(),
                created_at: now,
                updated_at: now,
                last_login_at: None,
            });
            id
        }
    }
}

/// Event values: ids as strings, enumerations as words, `null` for none.
fn id_value(id: Option<u64>) -> Value {
    id.map_or(Value::Null, |id| Value::String(id.to_string()))
}

/// The audited attributes of a ticket, as event values.
fn audited(ticket: &Ticket) -> [(&'static str, Value); 8] {
    [
        ("subject", json!(ticket.subject)),
        ("status", json!(ticket.status.as_str())),
        ("priority", json!(ticket.priority.map(Priority::as_str))),
        ("type", json!(ticket.kind.map(TicketType::as_str))),
        ("requester_id", id_value(Some(ticket.requester_id))),
        ("assignee_id", id_value(ticket.assignee_id)),
        ("group_id", id_value(ticket.group_id)),
        ("tags", json!(ticket.tags)),
    ]
}

/// Adds `comment` to ticket `ticket_id` in `audit_id`, returning the event.
fn add_comment(store: &mut Store, ticket_id: u64, audit_id: u64, comment: &NewComment, writer: &Writer) -> Event {
    let html_body = comment.html_body.clone().unwrap_or_else(|| text::html_from_text(&comment.body));
    let stored = Comment {
        id: store.next_id(),
        ticket_id,
        audit_id,
        author_id: comment.author_id.unwrap_or(writer.user_id),
        body: comment.body.clone(),
        html_body,
        public: comment.public,
        channel: Channel::Api,
        client: writer.client.clone(),
        created_at: writer.now,
    };
    store.comments.push(stored.clone());
    Event::Comment { id: store.next_id(), comment: stored }
}

/// Creates a ticket; returns its number and the audit.
pub fn create(store: &mut Store, write: &TicketWrite, writer: &Writer) -> Result<(u64, Audit), ApiError> {
    let mut details = Details::default();
    write.check_references(store, &mut details);
    let Some(comment) = write.comment.as_ref().filter(|comment| !comment.is_blank()) else {
        details.add_field(
            "base",
            "Description: cannot be blank",
            "BlankValue",
            DESCRIPTION_FIELD_ID,
            "FieldDescription",
        );
        return Err(ApiError::RecordInvalid(details));
    };
    details.into_result()?;

    let requester_id = match &write.requester {
        Some(requester) => resolve_requester(store, requester, writer.now),
        None => writer.user_id,
    };
    let assignee_id = write.assignee_id.flatten();
    let group_id = write
        .group_id
        .flatten()
        .or_else(|| assignee_id.and_then(|assignee| store.user(assignee)).and_then(|user| user.default_group_id));
    let status = match write.status {
        None | Some(Status::New) if assignee_id.is_some() => Status::Open,
        None => Status::New,
        Some(status) => status,
    };
    let id = store.next_ticket_id();
    let ticket = Ticket {
        id,
        subject: write.subject.clone().filter(|subject| !subject.trim().is_empty()).unwrap_or_else(|| {
            let first_line = comment.body.lines().next().unwrap_or_default();
            first_line.chars().take(80).collect()
        }),
        description: comment.body.clone(),
        status,
        priority: write.priority.flatten(),
        kind: write.kind.flatten(),
        requester_id,
        submitter_id: writer.user_id,
        assignee_id,
        group_id,
        organization_id: store.user(requester_id).and_then(|user| user.organization_id),
        tags: normalize_tags(write.tags.iter().flatten().chain(&write.additional_tags).map(String::as_str)),
        channel: Channel::Api,
        external_id: write.external_id.clone().flatten(),
        due_at: write.due_at.flatten(),
        is_public: comment.public,
        created_at: writer.now,
        updated_at: writer.now,
    };
    let audit_id = store.next_id();
    let mut events = vec![add_comment(store, id, audit_id, comment, writer)];
    for (field_name, value) in audited(&ticket) {
        if !value.is_null() && value != json!([]) {
            events.push(Event::Create { id: store.next_id(), field_name, value });
        }
    }
    store.tickets.push(ticket);
    let audit = Audit {
        id: audit_id,
        ticket_id: id,
        author_id: writer.user_id,
        client: writer.client.clone(),
        created_at: writer.now,
        events,
    };
    Ok((id, audit))
}

/// Updates ticket `id`; returns the audit.
pub fn update(store: &mut Store, id: u64, write: &TicketWrite, writer: &Writer) -> Result<Audit, ApiError> {
    let before = store.ticket(id).ok_or(ApiError::RecordNotFound)?.clone();
    let mut details = Details::default();
    if before.status == Status::Closed {
        details.add("status", "Status: closed prevents ticket update", "ClosedPreventsUpdate");
        return Err(ApiError::RecordInvalid(details));
    }
    if write.safe_update
        && let Some(stamp) = &write.updated_stamp
        && clock::parse_timestamp(stamp) != Some(before.updated_at)
    {
        return Err(ApiError::UpdateConflict);
    }
    write.check_references(store, &mut details);
    if write.status == Some(Status::New) && before.status != Status::New {
        details.add("status", "Status: cannot be set to New", "InvalidValue");
    }
    details.into_result()?;

    let mut after = before.clone();
    if let Some(requester) = &write.requester {
        after.requester_id = resolve_requester(store, requester, writer.now);
        after.organization_id = store.user(after.requester_id).and_then(|user| user.organization_id);
    }
    if let Some(subject) = write.subject.clone().filter(|subject| !subject.trim().is_empty()) {
        after.subject = subject;
    }
    if let Some(priority) = write.priority {
        after.priority = priority;
    }
    if let Some(kind) = write.kind {
        after.kind = kind;
    }
    if let Some(assignee) = write.assignee_id {
        after.assignee_id = assignee;
        if write.group_id.is_none()
            && let Some(group) =
                assignee.and_then(|assignee| store.user(assignee)).and_then(|user| user.default_group_id)
            && after.group_id.is_none()
        {
            after.group_id = Some(group);
        }
    }
    if let Some(group) = write.group_id {
        after.group_id = group;
    }
    if let Some(tags) = &write.tags {
        after.tags = tags.clone();
    }
    after.tags = normalize_tags(after.tags.iter().chain(&write.additional_tags).map(String::as_str));
    after.tags.retain(|tag| !write.remove_tags.contains(tag));
    if let Some(external_id) = &write.external_id {
        after.external_id = external_id.clone();
    }
    if let Some(due_at) = write.due_at {
        after.due_at = due_at;
    }
    let comment = write.comment.as_ref().filter(|comment| !comment.is_blank());
    after.status = match write.status {
        Some(status) => status,
        None if after.status == Status::New && after.assignee_id.is_some() => Status::Open,
        None if comment.is_some_and(|comment| replies_as_requester(store, &after, comment, writer))
            && matches!(after.status, Status::Pending | Status::Solved) =>
        {
            Status::Open
        }
        None => after.status,
    };
    after.updated_at = writer.now.max(before.updated_at + 1);

    let written = Writer { now: after.updated_at, ..writer.clone() };
    let audit_id = store.next_id();
    let mut events = Vec::new();
    if let Some(comment) = comment {
        events.push(add_comment(store, id, audit_id, comment, &written));
    }
    for ((field_name, value), (_, previous_value)) in audited(&after).into_iter().zip(audited(&before)) {
        if value != previous_value {
            events.push(Event::Change { id: store.next_id(), field_name, value, previous_value });
        }
    }
    if let Some(ticket) = store.ticket_mut(id) {
        *ticket = after;
    }
    Ok(Audit {
        id: audit_id,
        ticket_id: id,
        author_id: writer.user_id,
        client: writer.client.clone(),
        created_at: written.now,
        events,
    })
}

/// Whether `comment` is the requester (an end user) replying.
fn replies_as_requester(store: &Store, ticket: &Ticket, comment: &NewComment, writer: &Writer) -> bool {
    let author = comment.author_id.unwrap_or(writer.user_id);
    author == ticket.requester_id && store.user(author).is_some_and(|user| user.role == Role::EndUser)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<TicketWrite, ApiError> {
        TicketWrite::parse(body.to_string().as_bytes())
    }

    #[test]
    fn reads_attributes_and_clears_with_null() {
        let write = parse(json!({"ticket": {
            "subject": "VPN", "status": "Pending", "priority": null, "type": "incident",
            "assignee_id": "42", "tags": ["VPN", "remote access"], "comment": {"html_body": "<p>Hi<!-- x --></p>", "public": false},
        }}))
        .unwrap();
        assert_eq!(write.status, Some(Status::Pending));
        assert_eq!(write.priority, Some(None));
        assert_eq!(write.assignee_id, Some(Some(42)));
        assert_eq!(write.tags.as_deref(), Some(&["vpn".to_owned(), "remote".to_owned(), "access".to_owned()][..]));
        let comment = write.comment.unwrap();
        assert_eq!((comment.body.as_str(), comment.public), ("Hi", false));
    }

    #[test]
    fn bad_values_are_422_per_attribute_and_bad_json_400() {
        let Err(ApiError::RecordInvalid(details)) =
            parse(json!({"ticket": {"status": "on-hold", "priority": "meh", "requester": {"email": "nope"}}}))
        else {
            panic!("refused")
        };
        let text = format!("{details:?}");
        assert!(text.contains("Status: on-hold is not valid") && text.contains("Priority: meh is not valid"), "{text}");
        assert!(text.contains("Requester: Email is invalid"), "{text}");
        assert_eq!(TicketWrite::parse(b"not json"), Err(ApiError::InvalidJson));
        assert_eq!(TicketWrite::parse(b"[1]"), Err(ApiError::InvalidJson));
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_email("li.wei@example.com"));
        for bad in ["", "li.wei", "@example.com", "li@example", "li@.com", "li wei@example.com", "a@b@c.com"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
