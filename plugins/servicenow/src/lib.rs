//! `servicenow`: incidents and read-only table access on a ServiceNow
//! instance, through its Table API.
//!
//! The tenant sets `instance` (the host, such as `acme.service-now.com`) and
//! a `servicenow` credential: Basic auth, or OAuth2 (refresh token or client
//! credentials against the instance's `/oauth_token.do`, which the host
//! performs). Optional settings: `allowed_tables` for the generic read tools
//! and `page_size`.
//!
//! Tools:
//! - `list_incidents`, `get_incident`: find and read incidents, with state
//!   and priority names and the journal;
//! - `create_incident`, `update_incident`, `add_comment`,
//!   `resolve_incident`: change them;
//! - `query_table`, `get_record`: read any allowed table;
//! - `list_users`: find people to assign or name as callers.
//!
//! `resolve_incident` on a priority 1 incident first asks the human to
//! confirm, when the client can ask. Incidents are also resources,
//! `servicenow://incident/{number}`, and the `triage` prompt asks the model
//! to triage one; both complete incident numbers.
//!
//! It is also a ticket system: incidents are served through the host's
//! `tickets_*` tools, mapped as `ticketing` documents. And it takes the
//! instance's incident changes as webhooks (`events`), which tell
//! subscribers of an incident's resource.
//!
//! Layout: `client` sends requests and maps ServiceNow's failures,
//! `records` and `journal` shape what comes back, `query` builds encoded
//! queries, `codes` maps choice codes, `lookup` resolves people and groups,
//! `settings` reads the tenant's config, `incidents` and `tables` hold
//! the tools, `resources` the resources, the prompt and completion,
//! `ticketing` the normalised ticket desk, and `events` the webhooks.

mod client;
mod codes;
mod events;
mod incidents;
mod journal;
mod lookup;
mod query;
mod records;
mod resources;
mod settings;
mod tables;
mod ticketing;

use berth_sdk::events::{EventHandler, EventOutcome, EventSource};
use berth_sdk::ticketing::{
    Comment, NewComment, NewTicket, SearchQuery, Ticket, TicketDetails, TicketPage, TicketSystem, TicketUpdate,
};
use berth_sdk::{
    Completion, CompletionRequest, Manifest, Plugin, Prompt, ResourceContents, ResourceTemplate, Tool, ToolError,
};

/// The plugin.
pub struct ServiceNow;

impl Plugin for ServiceNow {
    fn manifest() -> Manifest {
        Manifest::new("servicenow", env!("CARGO_PKG_VERSION"), "ServiceNow incidents and read-only table access")
            .egress("https://{instance}/api/now/")
            .egress("https://{instance}/oauth_token.do")
            .credential(
                client::CREDENTIAL,
                "Basic auth (user name and password) for a ServiceNow user with the itil role, or OAuth2 (refresh \
                 token or client credentials) against https://{instance}/oauth_token.do",
            )
            .config_required(settings::INSTANCE, "The instance host, for example acme.service-now.com")
            .config_default(
                settings::ALLOWED_TABLES,
                "Comma-separated tables query_table and get_record may read",
                settings::DEFAULT_ALLOWED_TABLES,
            )
            .config_default(
                settings::PAGE_SIZE,
                "Records per page when a call gives no limit (at most 100)",
                settings::DEFAULT_PAGE_SIZE,
            )
    }

    fn tools() -> Vec<Tool> {
        vec![
            Tool::new(
                "list_incidents",
                "Lists incidents, most recently updated first, filtered by state, priority, assignment group, \
                 assignee, free text and last update. Returns compact summaries, the total number of matches and \
                 the offset of the next page.",
                incidents::list_incidents,
            )
            .title("List incidents")
            .read_only(),
            Tool::new(
                "get_incident",
                "Reads one incident, by number (INC0010001) or sys_id: every non-empty field with display values, \
                 and its comments and work notes, newest first.",
                incidents::get_incident,
            )
            .title("Get incident")
            .read_only(),
            Tool::new(
                "create_incident",
                "Opens a new incident. Priority follows from impact and urgency. Returns the incident as stored, \
                 with its number.",
                incidents::create_incident,
            )
            .title("Create incident")
            .additive(),
            Tool::new(
                "update_incident",
                "Changes fields of an incident (state, impact, urgency, assignment, descriptions, category, \
                 resolution fields). Use add_comment for comments and work notes, and resolve_incident to resolve.",
                incidents::update_incident,
            )
            .title("Update incident")
            .destructive()
            .idempotent(),
            Tool::new(
                "add_comment",
                "Adds an entry to an incident's journal: an additional comment the caller sees, or, with \
                 work_note=true, an internal work note.",
                incidents::add_comment,
            )
            .title("Comment on incident")
            .additive(),
            Tool::new(
                "resolve_incident",
                "Resolves an incident (state Resolved) with a resolution code and notes.",
                incidents::resolve_incident,
            )
            .title("Resolve incident")
            .destructive()
            .idempotent(),
            Tool::new(
                "query_table",
                "Reads records from an allowed table with a ServiceNow encoded query, for example problems, \
                 changes, request items, knowledge articles or groups. Read-only.",
                tables::query_table,
            )
            .title("Query table")
            .read_only(),
            Tool::new("get_record", "Reads one record of an allowed table by sys_id. Read-only.", tables::get_record)
                .title("Get record")
                .read_only(),
            Tool::new(
                "list_users",
                "Finds users by user name, full name or e-mail, to name callers and assignees.",
                tables::list_users,
            )
            .title("List users")
            .read_only(),
        ]
    }

    fn resource_templates() -> Vec<ResourceTemplate> {
        resources::templates()
    }

    fn read_resource(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
        resources::read(uri)
    }

    fn prompts() -> Vec<Prompt> {
        resources::prompts()
    }

    fn complete(request: &CompletionRequest) -> Result<Completion, ToolError> {
        resources::complete(request)
    }
}

impl TicketSystem for ServiceNow {
    fn search(query: SearchQuery) -> Result<TicketPage, ToolError> {
        ticketing::search(query)
    }

    fn get(key: &str) -> Result<TicketDetails, ToolError> {
        ticketing::get(key)
    }

    fn create(ticket: NewTicket) -> Result<Ticket, ToolError> {
        ticketing::create(ticket)
    }

    fn comment(key: &str, comment: NewComment) -> Result<Comment, ToolError> {
        ticketing::add_comment(key, comment)
    }

    fn update(key: &str, update: TicketUpdate) -> Result<Ticket, ToolError> {
        ticketing::update(key, update)
    }
}

impl EventHandler for ServiceNow {
    fn source() -> EventSource {
        events::source()
    }

    fn handle(_headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String> {
        events::handle(body)
    }
}

berth_sdk::export_ticket_plugin!(ServiceNow, events);
