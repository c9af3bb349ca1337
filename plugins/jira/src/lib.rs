//! `jira`: Jira Cloud issues (platform REST v3) and Jira Service
//! Management requests, desks and queues.
//!
//! The tenant sets `site` (the site's host, such as `acme.atlassian.net`)
//! and a `jira` credential: Basic with the account's e-mail address and an
//! API token, against the site; or, with `cloud_id` set, anything the API
//! gateway takes (`https://{api_gateway}/ex/jira/{cloud_id}`): a Bearer
//! OAuth 2.0 access token, or Basic with a scoped API token. Optional
//! settings: `default_project` (where tickets are filed when no project is
//! given), `service_desk_id` (the desk the Service Management tools use
//! by default) and `api_gateway` (a proxy standing in for
//! `api.atlassian.com`).
//!
//! Tools: `search_issues` (JQL, paged by `nextPageToken`), `get_issue`,
//! `create_issue`, `add_comment` (public or internal), `list_transitions`,
//! `transition_issue`, `assign_issue`; and for Service Management
//! `list_service_desks`, `list_request_types`, `create_request`,
//! `list_queues`, `queue_issues`. Issues are also tickets of the host's
//! desk (`tickets_*`), mapped as `ticketing` documents, and resources
//! (`jira://issues/{key}`) that the site's signed admin webhooks report
//! changes to (`events`).
//!
//! Layout: `settings` reads the tenant's config, `client` sends requests,
//! `errors` turns Jira's failures into tool errors, `adf` converts rich
//! text, `jql` writes queries safely, `time` converts instants, `issues`
//! and `people` read issues and find users, `tools` holds one module per
//! tool family, and `ticketing` the normalised ticket desk.

mod adf;
mod client;
mod errors;
mod events;
mod issues;
mod jql;
mod people;
mod settings;
mod ticketing;
mod time;
mod tools;

use berth_sdk::events::{EventHandler, EventOutcome, EventSource};
use berth_sdk::ticketing::{
    Comment, NewComment, NewTicket, SearchQuery, Ticket, TicketDetails, TicketPage, TicketSystem, TicketUpdate,
};
use berth_sdk::{Manifest, Plugin, ResourceContents, ResourceTemplate, Tool, ToolError};

/// The plugin.
pub struct JiraAdapter;

impl Plugin for JiraAdapter {
    fn manifest() -> Manifest {
        Manifest::new("jira", env!("CARGO_PKG_VERSION"), "Jira Cloud issues and Jira Service Management requests")
            .egress("https://{site}/rest/api/3/")
            .egress("https://{site}/rest/servicedeskapi/")
            .egress("https://{api_gateway}/ex/jira/{cloud_id}/rest/api/3/")
            .egress("https://{api_gateway}/ex/jira/{cloud_id}/rest/servicedeskapi/")
            .credential(
                errors::CREDENTIAL,
                "Basic auth with an Atlassian account's e-mail address (user name) and API token (password); or, \
                 with `cloud_id` set, a Bearer OAuth 2.0 access token or Basic with a scoped API token, through the \
                 API gateway",
            )
            .config_required(settings::SITE, "The Jira site's host, for example acme.atlassian.net")
            .config_optional(
                settings::CLOUD_ID,
                "The site's cloud id (https://<site>/_edge/tenant_info): set it to go through the API gateway, as \
                 OAuth 2.0 and scoped API tokens must; unset: straight to the site",
            )
            .config_default(
                settings::API_GATEWAY,
                "The API gateway's host, used with cloud_id",
                settings::DEFAULT_API_GATEWAY,
            )
            .config_optional(
                settings::DEFAULT_PROJECT,
                "Project key tickets are filed in when no project is given, for example OPS; unset: none",
            )
            .config_optional(
                settings::SERVICE_DESK_ID,
                "The service desk id the Service Management tools use when none is given; unset: the site's only \
                 one",
            )
    }

    fn tools() -> Vec<Tool> {
        tools::all()
    }

    fn resource_templates() -> Vec<ResourceTemplate> {
        events::templates()
    }

    fn read_resource(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
        events::read(uri)
    }
}

impl EventHandler for JiraAdapter {
    fn source() -> EventSource {
        events::source()
    }

    fn handle(_headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String> {
        events::handle(body)
    }
}

impl TicketSystem for JiraAdapter {
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

berth_sdk::export_ticket_plugin!(JiraAdapter, events);
