//! What the site holds: users, projects with their issue types and
//! workflow, priorities, resolutions, the service desk with its request
//! types and queues (all fixed, see [`super::catalog`]), and the issues and
//! their comments, which requests change.

use super::clock::Millis;
use super::workflow::{Status, Workflow};
use serde_json::Value;

/// What kind of Atlassian account a user has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    /// A licensed Jira user (agents, developers).
    Atlassian,
    /// A Service Management customer, who uses the portal only.
    Customer,
}

impl AccountType {
    /// `atlassian` or `customer`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Atlassian => "atlassian",
            Self::Customer => "customer",
        }
    }
}

/// A user of the site.
#[derive(Debug)]
pub struct User {
    /// The Atlassian account id.
    pub account_id: &'static str,
    /// The name shown for them.
    pub display_name: &'static str,
    /// Their email address, `None` when their profile hides it.
    pub email: Option<&'static str>,
    /// Their time zone.
    pub time_zone: &'static str,
    /// Their locale.
    pub locale: &'static str,
    /// What kind of account.
    pub account_type: AccountType,
    /// Whether the account is active.
    pub active: bool,
    /// The initials on their generated avatar (`MK-5`).
    pub avatar: &'static str,
}

/// The kind of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectKind {
    /// A Jira Software project.
    Software,
    /// A Jira Service Management project.
    ServiceDesk,
}

impl ProjectKind {
    /// `projectTypeKey`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Software => "software",
            Self::ServiceDesk => "service_desk",
        }
    }
}

/// An issue type.
#[derive(Debug)]
pub struct IssueType {
    /// Its id.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// The avatar id of its icon.
    pub avatar_id: u32,
}

/// A service desk (a service project's portal side).
#[derive(Debug)]
pub struct ServiceDesk {
    /// The service desk id (not the project id).
    pub id: &'static str,
    /// Its customer portal's id.
    pub portal_id: &'static str,
    /// What customers can ask for.
    pub request_types: &'static [RequestType],
    /// The agents' queues.
    pub queues: &'static [Queue],
}

impl ServiceDesk {
    /// The request type with `id`.
    pub fn request_type(&self, id: &str) -> Option<&'static RequestType> {
        self.request_types.iter().find(|request_type| request_type.id == id)
    }
}

/// A customer request type.
#[derive(Debug)]
pub struct RequestType {
    /// Its id.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The help text the portal shows.
    pub help_text: &'static str,
    /// The issue type (id) its requests are.
    pub issue_type: &'static str,
    /// The portal groups it is listed in.
    pub group_ids: &'static [&'static str],
    /// Its icon's id.
    pub icon_id: &'static str,
    /// The portal's label for the summary field.
    pub summary_label: &'static str,
    /// The portal's label for the description field.
    pub description_label: &'static str,
}

/// An agents' queue: a named JQL query.
#[derive(Debug)]
pub struct Queue {
    /// Its id.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The JQL selecting its issues.
    pub jql: &'static str,
    /// The columns it shows (issue fields).
    pub fields: &'static [&'static str],
}

/// A project.
#[derive(Debug)]
pub struct Project {
    /// Its id.
    pub id: &'static str,
    /// Its key, the prefix of its issue keys.
    pub key: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// Software or service desk.
    pub kind: ProjectKind,
    /// The lead's account id.
    pub lead: &'static str,
    /// Its workflow (one for all its issue types).
    pub workflow: &'static Workflow,
    /// Its issue types; the first is the default.
    pub issue_types: &'static [IssueType],
    /// Who its issues can be assigned to (account ids).
    pub assignable: &'static [&'static str],
    /// Its service desk, for a service project.
    pub service_desk: Option<&'static ServiceDesk>,
    /// Its avatar's id.
    pub avatar_id: u32,
}

impl Project {
    /// The issue type `value` names (by id or name, any case).
    pub fn issue_type(&self, value: &str) -> Option<&'static IssueType> {
        self.issue_types.iter().find(|kind| kind.id == value || kind.name.eq_ignore_ascii_case(value))
    }

    /// Whether issues of this project can be assigned to `account_id`.
    pub fn can_assign(&self, account_id: &str) -> bool {
        self.assignable.contains(&account_id)
    }
}

/// An issue priority.
#[derive(Debug)]
pub struct Priority {
    /// Its id; lower is more urgent.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it means.
    pub description: &'static str,
    /// Its colour.
    pub color: &'static str,
    /// Its icon file under `/images/icons/priorities/`.
    pub icon: &'static str,
}

impl Priority {
    /// Its rank: 1 for the most urgent.
    pub fn rank(&self) -> u32 {
        self.id.parse().unwrap_or(u32::MAX)
    }
}

/// A resolution: how a finished issue ended.
#[derive(Debug)]
pub struct Resolution {
    /// Its id.
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it means.
    pub description: &'static str,
}

/// A comment on an issue.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Its id (unique across the site).
    pub id: u64,
    /// Who wrote it.
    pub author: &'static User,
    /// Its body, an Atlassian Document Format document.
    pub body: Value,
    /// When it was written.
    pub created: Millis,
    /// When it was last edited.
    pub updated: Millis,
    /// An internal note: agents see it, customers do not (`jsdPublic: false`).
    pub internal: bool,
    /// Who it is restricted to, as the request gave it.
    pub visibility: Option<Value>,
    /// Its entity properties, as the request gave them.
    pub properties: Vec<Value>,
}

/// What makes an issue of a service project a customer request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Its request type.
    pub request_type: &'static RequestType,
    /// Who else follows it.
    pub participants: Vec<&'static User>,
}

/// An issue.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Its id (unique across the site, growing with creation).
    pub id: u64,
    /// Its key, `PROJECT-n`.
    pub key: String,
    /// Its project.
    pub project: &'static Project,
    /// Its type.
    pub issue_type: &'static IssueType,
    /// Its one-line summary.
    pub summary: String,
    /// Its description, an ADF document.
    pub description: Option<Value>,
    /// Its status.
    pub status: &'static Status,
    /// When its status category last changed.
    pub status_changed: Millis,
    /// Its priority.
    pub priority: &'static Priority,
    /// Who works on it.
    pub assignee: Option<&'static User>,
    /// Who reported it.
    pub reporter: &'static User,
    /// Who created it (differs from the reporter when raised on behalf).
    pub creator: &'static User,
    /// Its labels.
    pub labels: Vec<String>,
    /// When it is due (`yyyy-MM-dd`).
    pub duedate: Option<String>,
    /// When it was created.
    pub created: Millis,
    /// When it last changed.
    pub updated: Millis,
    /// How it was finished.
    pub resolution: Option<&'static Resolution>,
    /// When it was finished.
    pub resolved: Option<Millis>,
    /// Its comments, oldest first.
    pub comments: Vec<Comment>,
    /// The customer request it is, in a service project.
    pub request: Option<Request>,
}

impl Issue {
    /// The number in its key.
    pub fn number(&self) -> u64 {
        self.key.rsplit_once('-').and_then(|(_, number)| number.parse().ok()).unwrap_or(0)
    }
}
