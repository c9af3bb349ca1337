//! The account's records as typed values: users, groups, tickets and their
//! comments, and the enumerations Zendesk restricts attributes to. How they
//! are written as JSON is [`super::render`]'s business.

use std::fmt;

/// Declares an enumeration written as fixed lower-case words, in its order.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value `word` names (case-insensitively).
            pub fn parse(word: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str().eq_ignore_ascii_case(word.trim()))
            }

            /// How the API writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

words! {
    /// A ticket's status, in Zendesk's order (`status<solved` means new,
    /// open, pending or on hold).
    Status {
        /// Not yet assigned or touched.
        New = "new",
        /// Being worked on.
        Open = "open",
        /// Waiting for the requester.
        Pending = "pending",
        /// Waiting for a third party ("on-hold" in the agent interface).
        Hold = "hold",
        /// Solved; the requester may still reopen it by replying.
        Solved = "solved",
        /// Closed for good: no further update is accepted.
        Closed = "closed",
    }
}

words! {
    /// A ticket's priority, lowest first.
    Priority {
        /// Low.
        Low = "low",
        /// Normal.
        Normal = "normal",
        /// High.
        High = "high",
        /// Urgent.
        Urgent = "urgent",
    }
}

words! {
    /// A ticket's type.
    TicketType {
        /// A problem other incidents are linked to.
        Problem = "problem",
        /// An incident.
        Incident = "incident",
        /// A question.
        Question = "question",
        /// A task, possibly with a due date.
        Task = "task",
    }
}

words! {
    /// What a user may do.
    Role {
        /// A customer: may sign in to raise and follow their own requests.
        EndUser = "end-user",
        /// An agent: works tickets.
        Agent = "agent",
        /// An administrator: an agent who also configures the account.
        Admin = "admin",
    }
}

/// How a ticket or comment came in (`via.channel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The agent interface or the help center.
    Web,
    /// An email to the support address.
    Email,
    /// The REST API.
    Api,
    /// A phone call logged by an agent.
    Voice,
}

impl Channel {
    /// How the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Email => "email",
            Self::Api => "api",
            Self::Voice => "voice",
        }
    }
}

impl Role {
    /// Agents and administrators, who may use the agent API.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Agent | Self::Admin)
    }
}

/// A person the account knows.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The user's id.
    pub id: u64,
    /// Full name.
    pub name: String,
    /// Primary email address (unique, compared case-insensitively).
    pub email: String,
    /// What the user may do.
    pub role: Role,
    /// The user's time zone, as Zendesk names it (`"Sydney"`).
    pub time_zone: &'static str,
    /// The IANA name of that time zone.
    pub iana_time_zone: &'static str,
    /// The group new tickets an agent takes land in.
    pub default_group_id: Option<u64>,
    /// The user's organization.
    pub organization_id: Option<u64>,
    /// Tags on the user.
    pub tags: Vec<String>,
    /// When the user was created (Unix seconds).
    pub created_at: i64,
    /// When the user was last changed.
    pub updated_at: i64,
    /// When the user last signed in, if ever.
    pub last_login_at: Option<i64>,
}

/// A group of agents tickets are assigned to.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// What it handles.
    pub description: String,
    /// Whether new tickets land here by default.
    pub default: bool,
    /// When it was created.
    pub created_at: i64,
    /// When it was last changed.
    pub updated_at: i64,
}

/// A support ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// The ticket's number, which is also its id.
    pub id: u64,
    /// Subject line.
    pub subject: String,
    /// The first comment's text.
    pub description: String,
    /// Status.
    pub status: Status,
    /// Priority, if set.
    pub priority: Option<Priority>,
    /// Type, if set.
    pub kind: Option<TicketType>,
    /// Who asked.
    pub requester_id: u64,
    /// Who filed it (the requester, or an agent acting for them).
    pub submitter_id: u64,
    /// The agent working it.
    pub assignee_id: Option<u64>,
    /// The group working it.
    pub group_id: Option<u64>,
    /// The requester's organization.
    pub organization_id: Option<u64>,
    /// Tags, lower case, in the order given.
    pub tags: Vec<String>,
    /// How it came in.
    pub channel: Channel,
    /// An id in another system.
    pub external_id: Option<String>,
    /// When a task is due.
    pub due_at: Option<i64>,
    /// Whether its first comment is public.
    pub is_public: bool,
    /// When it was created.
    pub created_at: i64,
    /// When it was last written.
    pub updated_at: i64,
}

/// A comment on a ticket: public (the requester sees it) or an internal
/// note.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment's id.
    pub id: u64,
    /// The ticket it is on.
    pub ticket_id: u64,
    /// The audit (the write) that added it.
    pub audit_id: u64,
    /// Who wrote it.
    pub author_id: u64,
    /// Its text.
    pub body: String,
    /// Its HTML, as given or made from the text.
    pub html_body: String,
    /// Whether the requester sees it.
    pub public: bool,
    /// How it came in.
    pub channel: Channel,
    /// The client that wrote it (the `User-Agent`), for `metadata.system`.
    pub client: String,
    /// When it was written.
    pub created_at: i64,
}

/// What one write did to a ticket, as the audit Zendesk returns with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    /// The audit's id (also every comment it added points at it).
    pub id: u64,
    /// The ticket written.
    pub ticket_id: u64,
    /// Who wrote.
    pub author_id: u64,
    /// The client that wrote (the `User-Agent`).
    pub client: String,
    /// When.
    pub created_at: i64,
    /// What changed, in order.
    pub events: Vec<Event>,
}

/// One change an audit records.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A comment was added (a copy of it).
    Comment {
        /// The event's id.
        id: u64,
        /// The comment.
        comment: Comment,
    },
    /// A new ticket's attribute was set.
    Create {
        /// The event's id.
        id: u64,
        /// The attribute (`status`, `assignee_id`, `tags`…).
        field_name: &'static str,
        /// Its value.
        value: serde_json::Value,
    },
    /// An attribute changed.
    Change {
        /// The event's id.
        id: u64,
        /// The attribute.
        field_name: &'static str,
        /// The new value.
        value: serde_json::Value,
        /// The value before.
        previous_value: serde_json::Value,
    },
}
