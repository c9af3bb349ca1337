//! The portal's records, as the fake keeps them: plain data, rendered to
//! ServiceDesk Plus's JSON by `render.rs`. Ids are the long numbers SDP
//! Cloud uses (`7564000000307383`); times are milliseconds since the Unix
//! epoch, which is what every `*_time.value` carries.

/// A user of the portal: a technician or a requester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The user's id.
    pub id: u64,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `email_id`, by which API writes may name the user.
    pub email: String,
    /// Whether the user is a technician (may be assigned requests).
    pub technician: bool,
    /// Job title, if any.
    pub job_title: Option<String>,
    /// Department, if any.
    pub department: Option<String>,
}

impl Person {
    /// The display name, `First Last`.
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A request status (`/statuses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The status's id.
    pub id: u64,
    /// Its name, by which writes and criteria name it.
    pub name: String,
    /// The colour the UI shows it in.
    pub color: String,
    /// Whether a request in it is being worked on (the SLA timer runs).
    pub in_progress: bool,
    /// Whether it stops the SLA timer.
    pub stop_timer: bool,
    /// The built-in name behind it (`Open`, `Resolved`, `Closed`, …).
    pub internal_name: String,
}

/// A priority (`/priorities`), a group, a category or a closure code:
/// something with an id and a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The id.
    pub id: u64,
    /// The name.
    pub name: String,
    /// The UI colour (priorities only).
    pub color: Option<String>,
}

/// How a closed request was closed (`closure_info`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Closure {
    /// The closure code's id.
    pub code: Option<u64>,
    /// Free-text closure comments.
    pub comments: String,
    /// Whether the requester acknowledged the resolution.
    pub requester_ack_resolution: bool,
    /// What the requester said.
    pub requester_ack_comments: String,
}

/// A request (a ticket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request's id, which the API addresses it by.
    pub id: u64,
    /// The short number the UI shows (`display_id`).
    pub display_id: u64,
    /// The subject (at most 250 characters).
    pub subject: String,
    /// The description, HTML.
    pub description: String,
    /// The status's id.
    pub status: u64,
    /// The priority's id.
    pub priority: Option<u64>,
    /// The requester's id.
    pub requester: u64,
    /// The technician's id.
    pub technician: Option<u64>,
    /// The group's id.
    pub group: Option<u64>,
    /// The category's id.
    pub category: Option<u64>,
    /// When it was created.
    pub created: i64,
    /// When it last changed.
    pub updated: i64,
    /// When it was resolved.
    pub resolved: Option<i64>,
    /// When it was closed.
    pub completed: Option<i64>,
    /// When it is due.
    pub due_by: Option<i64>,
    /// How it was closed.
    pub closure: Option<Closure>,
}

/// A note on a request (`request_note`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The note's id.
    pub id: u64,
    /// The request it is on.
    pub request: u64,
    /// The text, HTML.
    pub description: String,
    /// `show_to_requester`: a public note, else private to technicians.
    pub public: bool,
    /// Whether the technician was notified.
    pub notify_technician: bool,
    /// Whether it counted as the first response.
    pub mark_first_response: bool,
    /// Who wrote it.
    pub author: u64,
    /// When.
    pub created: i64,
}
