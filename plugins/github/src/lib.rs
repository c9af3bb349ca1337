//! `github`: GitHub issues, pull requests, Actions workflow runs and
//! repository files, through the REST API (version 2022-11-28).
//!
//! The tenant stores a `github` credential (a fine-grained or classic
//! personal access token, sent as a Bearer token) and may set `api_url`
//! (the API's host, `api.github.com` by default) and `default_repo`
//! (`owner/repo`: where issues are filed, and what searches and repository
//! tools cover when no repository is given). GitHub App installation
//! tokens are not supported yet.
//!
//! Tools: `search_issues` (GitHub's search syntax), `get_issue`,
//! `create_issue`, `add_comment`, `close_issue`, `list_pull_requests`,
//! `get_pull_request`, `list_pull_request_files`,
//! `list_pull_request_reviews`, `list_workflow_runs`, `get_workflow_run`,
//! `rerun_workflow_run` and `get_file_contents`; lists are paged by the
//! `Link` header's `next` URL, returned as an opaque cursor. Issues are
//! also tickets of the host's desk (`tickets_*`, mapped as `ticketing`
//! documents), and issues, pull requests and workflow runs are resources
//! that the repository's or organisation's signed webhooks report
//! changes to (`events`).
//!
//! Layout: `settings` reads the tenant's config, `repo` checks
//! repositories and issue keys, `client` sends requests (and sits out
//! short rate-limit waits), `links` reads `Link` headers, `errors` turns
//! GitHub's failures into tool errors, `time` reads instants, `query`
//! writes search queries safely, `issues` and `people` read issues and
//! find users, `tools` holds one module per tool family, `ticketing` the
//! normalised ticket desk and `events` the webhooks and resources.

mod client;
mod errors;
mod events;
mod issues;
mod links;
mod people;
mod query;
mod repo;
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
pub struct GitHubAdapter;

impl Plugin for GitHubAdapter {
    fn manifest() -> Manifest {
        Manifest::new("github", env!("CARGO_PKG_VERSION"), "GitHub issues, pull requests, Actions runs and files")
            .egress("https://{api_url}/")
            .credential(
                errors::CREDENTIAL,
                "A GitHub personal access token (fine-grained, or classic with the `repo` scope), stored with \
                 `--scheme bearer`. GitHub App installation tokens are not supported yet",
            )
            .config_default(
                settings::API_URL,
                "The REST API's host (no scheme or path): api.github.com, or a proxy's host",
                settings::DEFAULT_API_URL,
            )
            .config_optional(
                settings::DEFAULT_REPO,
                "owner/repo where issues are filed and what searches and repository tools cover when no \
                 repository is given, for example acme/ops-portal; unset: every call names its repository",
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

impl EventHandler for GitHubAdapter {
    fn source() -> EventSource {
        events::source()
    }

    fn handle(headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String> {
        events::handle(headers, body)
    }
}

impl TicketSystem for GitHubAdapter {
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

berth_sdk::export_ticket_plugin!(GitHubAdapter, events);
