//! The five `tickets_*` tools as clients see them, and their arguments.

use crate::auth::roles::ToolKind;
use rmcp::model::{Tool, ToolAnnotations};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Tickets a search returns when the call does not say.
pub const DEFAULT_LIMIT: u32 = 20;
/// Most tickets one search page returns.
pub const MAX_LIMIT: u32 = 100;

/// One of the host's ticket tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketTool {
    /// `tickets_search`.
    Search,
    /// `tickets_get`.
    Get,
    /// `tickets_create`.
    Create,
    /// `tickets_comment`.
    Comment,
    /// `tickets_update`.
    Update,
}

impl TicketTool {
    /// Every tool, in the order they are listed.
    pub const ALL: [Self; 5] = [Self::Search, Self::Get, Self::Create, Self::Comment, Self::Update];

    /// The tool's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Search => "tickets_search",
            Self::Get => "tickets_get",
            Self::Create => "tickets_create",
            Self::Comment => "tickets_comment",
            Self::Update => "tickets_update",
        }
    }

    /// What the tool does, as its annotations say and permissions read
    /// them: searching and reading are read-only; an update can close a
    /// ticket, so it is destructive.
    pub fn kind(self) -> ToolKind {
        match self {
            Self::Search | Self::Get => ToolKind { read_only: true, destructive: false },
            Self::Create | Self::Comment => ToolKind { read_only: false, destructive: false },
            Self::Update => ToolKind { read_only: false, destructive: true },
        }
    }

    /// The tool called `name`, if it is one of these.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// The tool as `tools/list` shows it, with `systems` (the tenant's
    /// ticket systems) named in its description.
    pub fn describe(self, systems: &[String]) -> Tool {
        let systems = systems.join(", ");
        let (title, description, schema) = match self {
            Self::Search => (
                "Search tickets",
                format!(
                    "Searches every ticket system of this tenant at once ({systems}) and merges the results, most \
                     recently updated first. Tickets share one model: id `system:key`, status category, priority \
                     level, assignee, requester. Filters combine with AND. A system that fails is named in \
                     `failures` beside the others' results. Pass `next_cursor` back as `cursor` for more."
                ),
                search_schema(),
            ),
            Self::Get => (
                "Get ticket",
                format!(
                    "Reads one ticket by its id (`system:key`, such as `jira:OPS-12`; systems: {systems}) with its \
                     full description and its comments and internal notes, oldest first."
                ),
                json!({
                    "type": "object",
                    "properties": {"id": {"type": "string", "description": "The ticket's id, `system:key`."}},
                    "required": ["id"],
                    "additionalProperties": false,
                }),
            ),
            Self::Create => (
                "Create ticket",
                format!(
                    "Files a new ticket in one system ({systems}) and returns it with its id. People are named by \
                     e-mail or the system's user id."
                ),
                create_schema(),
            ),
            Self::Comment => (
                "Comment on ticket",
                "Adds a comment to a ticket: an internal note (the default), or, with public=true, a reply the \
                 requester sees."
                    .to_owned(),
                json!({
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "description": "The ticket's id, `system:key`."},
                        "body": {"type": "string", "minLength": 1, "description": "What to write, plain text."},
                        "public": {"type": "boolean", "default": false, "description": "true: visible to the requester; false: an internal note."},
                    },
                    "required": ["id", "body"],
                    "additionalProperties": false,
                }),
            ),
            Self::Update => (
                "Update ticket",
                "Changes a ticket: moves it to a status category (through the system's own workflow), with a \
                 note recorded as the resolution when resolving or closing (ServiceNow's close notes; in Jira a \
                 comment the requester of a Service Management request sees; in Zendesk an internal note) and as \
                 an internal note otherwise; assigns or unassigns it; changes its priority."
                    .to_owned(),
                update_schema(),
            ),
        };
        let Value::Object(schema) = schema else { unreachable!("every schema is an object") };
        let mut tool = Tool::new(self.name(), description, Arc::new(schema));
        tool.title = Some(title.to_owned());
        let kind = self.kind();
        let mut annotations = ToolAnnotations::new()
            .read_only(kind.read_only)
            .destructive(kind.destructive)
            .idempotent(kind.read_only)
            .open_world(true);
        annotations.title = Some(title.to_owned());
        tool.annotations = Some(annotations);
        tool
    }
}

fn categories() -> Value {
    json!(["new", "open", "pending", "in_progress", "resolved", "closed"])
}

fn priorities() -> Value {
    json!(["critical", "high", "medium", "low", "planning"])
}

fn search_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "Words to find in titles, descriptions or comments."},
            "status": {
                "type": "array",
                "items": {"enum": ["unresolved", "new", "open", "pending", "in_progress", "resolved", "closed"]},
                "description": "Only these status categories; `unresolved` means new, open, pending and in_progress.",
            },
            "priority": {"type": "array", "items": {"enum": priorities()}, "description": "Only these priorities."},
            "assignee": {"type": "string", "description": "Only tickets assigned to this person: e-mail or the system's user id."},
            "requester": {"type": "string", "description": "Only tickets this person asked for: e-mail or the system's user id."},
            "updated_since": {"type": "string", "description": "Only tickets updated at or after this time: RFC 3339 (2026-11-01T08:00:00Z) or a date."},
            "systems": {"type": "array", "items": {"type": "string"}, "description": "Search only these systems (all by default)."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT, "description": "Most tickets to return."},
            "cursor": {"type": "string", "description": "`next_cursor` of the previous page, with the same filters."},
        },
        "additionalProperties": false,
    })
}

fn create_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "system": {"type": "string", "description": "Which system to file it in."},
            "title": {"type": "string", "minLength": 1, "description": "One line saying what is wrong or wanted."},
            "description": {"type": "string", "description": "The details, plain text."},
            "priority": {"enum": priorities()},
            "assignee": {"type": "string", "description": "Who should work on it: e-mail or user id."},
            "requester": {"type": "string", "description": "On whose behalf: e-mail or user id."},
            "queue": {"type": "string", "description": "Where to file it in the system's terms: a Jira project key, a ServiceNow assignment group, a Zendesk group. The system's default when absent."},
            "labels": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["system", "title"],
        "additionalProperties": false,
    })
}

fn update_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "The ticket's id, `system:key`."},
            "status": {"enum": categories(), "description": "The status category to move it to."},
            "note": {"type": "string", "description": "Why: the resolution when resolving or closing, an internal note otherwise."},
            "assignee": {"type": ["string", "null"], "description": "Assign it to this person (e-mail or user id); null unassigns it."},
            "priority": {"enum": priorities()},
        },
        "required": ["id"],
        "additionalProperties": false,
    })
}

/// Arguments of `tickets_search`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    pub text: Option<String>,
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub priority: Vec<String>,
    pub assignee: Option<String>,
    pub requester: Option<String>,
    pub updated_since: Option<String>,
    pub systems: Option<Vec<String>>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Arguments of `tickets_get`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    pub id: String,
}

/// Arguments of `tickets_create`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    pub system: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub priority: Option<String>,
    pub assignee: Option<String>,
    pub requester: Option<String>,
    pub queue: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Arguments of `tickets_comment`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentArgs {
    pub id: String,
    pub body: String,
    #[serde(default)]
    pub public: bool,
}

/// Arguments of `tickets_update`: `assignee` absent leaves it, `null`
/// unassigns.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    pub id: String,
    pub status: Option<String>,
    pub note: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub assignee: Option<Option<String>>,
    pub priority: Option<String>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_annotations_tell_the_truth() {
        for tool in TicketTool::ALL {
            assert_eq!(TicketTool::named(tool.name()), Some(tool));
        }
        let systems = ["jira".to_owned()];
        let annotations = |tool: TicketTool| tool.describe(&systems).annotations.unwrap();
        assert_eq!(annotations(TicketTool::Search).read_only_hint, Some(true));
        assert_eq!(annotations(TicketTool::Get).read_only_hint, Some(true));
        assert_eq!(annotations(TicketTool::Update).destructive_hint, Some(true));
        assert_eq!(annotations(TicketTool::Create).read_only_hint, Some(false));
        assert!(TicketTool::Search.describe(&systems).description.unwrap().contains("(jira)"));
    }

    #[test]
    fn an_explicit_null_assignee_unassigns() {
        let args: UpdateArgs = serde_json::from_value(json!({"id": "jira:OPS-1", "assignee": null})).unwrap();
        assert_eq!(args.assignee, Some(None));
        let args: UpdateArgs = serde_json::from_value(json!({"id": "jira:OPS-1"})).unwrap();
        assert_eq!(args.assignee, None);
    }
}
