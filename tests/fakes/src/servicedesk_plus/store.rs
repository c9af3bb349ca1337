//! The portal's records in memory, the lookups the handlers need, and the
//! ids new records get (one long counter, as SDP Cloud's ids are).

use super::model::{Named, Note, Person, Request, Status};

/// Every record of the portal.
#[derive(Debug, Default)]
pub struct Store {
    /// Technicians and requesters.
    pub people: Vec<Person>,
    /// Request statuses, in the order `/statuses` lists them.
    pub statuses: Vec<Status>,
    /// Priorities, lowest first.
    pub priorities: Vec<Named>,
    /// Support groups.
    pub groups: Vec<Named>,
    /// Request categories.
    pub categories: Vec<Named>,
    /// Closure codes.
    pub closure_codes: Vec<Named>,
    /// Requests, in creation order.
    pub requests: Vec<Request>,
    /// Notes of every request, in creation order.
    pub notes: Vec<Note>,
    next_record_id: u64,
}

/// Finds the record whose name is `name`, ignoring case, as SDP matches
/// names in writes and criteria.
pub fn by_name<'a, T>(records: &'a [T], name: &str, name_of: impl Fn(&T) -> &str) -> Option<&'a T> {
    records.iter().find(|record| name_of(record).eq_ignore_ascii_case(name.trim()))
}

impl Store {
    /// An empty store whose new records are numbered from `first_id`.
    pub fn new(first_id: u64) -> Self {
        Self { next_record_id: first_id, ..Self::default() }
    }

    /// A fresh id for a request or note.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_record_id;
        self.next_record_id += 1;
        id
    }

    /// The `display_id` the next request gets.
    pub fn next_display_id(&self) -> u64 {
        self.requests.iter().map(|request| request.display_id).max().unwrap_or(0) + 1
    }

    /// The person with `id`.
    pub fn person(&self, id: u64) -> Option<&Person> {
        self.people.iter().find(|person| person.id == id)
    }

    /// The person whose `email_id` is `email` (ignoring case).
    pub fn person_by_email(&self, email: &str) -> Option<&Person> {
        by_name(&self.people, email, |person| &person.email)
    }

    /// The status with `id`.
    pub fn status(&self, id: u64) -> Option<&Status> {
        self.statuses.iter().find(|status| status.id == id)
    }

    /// The status named `name`.
    pub fn status_named(&self, name: &str) -> Option<&Status> {
        by_name(&self.statuses, name, |status| &status.name)
    }

    /// The request with `id`.
    pub fn request(&self, id: u64) -> Option<&Request> {
        self.requests.iter().find(|request| request.id == id)
    }

    /// The request with `id`, to change it.
    pub fn request_mut(&mut self, id: u64) -> Option<&mut Request> {
        self.requests.iter_mut().find(|request| request.id == id)
    }

    /// Whether `request` is closed (SDP refuses to edit it).
    pub fn is_closed(&self, request: &Request) -> bool {
        self.status(request.status).is_some_and(|status| status.internal_name == "Closed")
    }

    /// The notes on request `id`, oldest first.
    pub fn notes_of(&self, id: u64) -> Vec<&Note> {
        let mut notes: Vec<&Note> = self.notes.iter().filter(|note| note.request == id).collect();
        notes.sort_by_key(|note| (note.created, note.id));
        notes
    }
}

/// The record with `id` among `records`.
pub fn by_id(records: &[Named], id: u64) -> Option<&Named> {
    records.iter().find(|record| record.id == id)
}
