//! `servicedesk-plus`: ManageEngine ServiceDesk Plus Cloud requests (API
//! v3), through Zoho OAuth.
//!
//! The tenant sets `domain` (the portal's host for its data centre, such
//! as `sdpondemand.manageengine.com`), `portal` (the portal's name in its
//! URLs, such as `itdesk`) and, outside the US data centre,
//! `accounts_server` (`accounts.zoho.eu`…); and a `servicedesk-plus`
//! credential of scheme `oauth2-refresh-token` against
//! `https://{accounts_server}/oauth/v2/token`, sent as `Zoho-oauthtoken
//! {token}`. The host refreshes the access token itself. Optional:
//! `default_requester`, who requests are filed for when none is named.
//!
//! Tools: `list_requests` (filters, paged by an opaque cursor),
//! `get_request` (with notes), `create_request`, `update_request`,
//! `assign_request`, `close_request`, `add_note` (public or private) and
//! `list_technicians`. Requests are also tickets of the host's desk
//! (`tickets_*`), mapped as `ticketing` documents, and resources
//! (`servicedesk-plus://requests/{id}`) that the portal's webhooks report
//! changes to (`events`).
//!
//! Layout: `settings` reads the tenant's config, `client` sends requests,
//! `errors` turns ServiceDesk Plus's failures into tool errors, `html`
//! converts rich text, `time` converts instants, `criteria` writes search
//! criteria, `cursor` pages, `people` names requesters and technicians,
//! `requests` reads requests and notes, `metadata` the portal's status and
//! priority names, `tools` holds one module per tool family, `ticketing`
//! the normalised ticket desk and `events` the webhooks.

mod client;
mod criteria;
mod cursor;
mod errors;
mod events;
mod html;
mod metadata;
mod people;
mod requests;
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
pub struct ServiceDeskPlus;

impl Plugin for ServiceDeskPlus {
    fn manifest() -> Manifest {
        Manifest::new("servicedesk-plus", env!("CARGO_PKG_VERSION"), "ManageEngine ServiceDesk Plus Cloud requests")
            .egress("https://{domain}/app/{portal}/api/v3/")
            .egress("https://{accounts_server}/oauth/v2/token")
            .credential(
                errors::CREDENTIAL,
                "Zoho OAuth 2.0: scheme oauth2-refresh-token with the Self Client's client id, token URL \
                 https://<accounts_server>/oauth/v2/token and header format `Zoho-oauthtoken {token}`; \
                 refresh_token and client_secret on stdin. Scopes: SDPOnDemand.requests.ALL, \
                 SDPOnDemand.setup.READ, SDPOnDemand.users.READ",
            )
            .config_required(
                settings::DOMAIN,
                "The portal's host in its data centre, for example sdpondemand.manageengine.com (US), \
                 sdpondemand.manageengine.eu (EU), sdpondemand.manageengine.in (IN), servicedeskplus.net.au (AU), \
                 servicedeskplus.cn (CN), or a custom domain",
            )
            .config_required(settings::PORTAL, "The portal's name in its URLs (…/app/<portal>/), for example itdesk")
            .config_default(
                settings::ACCOUNTS_SERVER,
                "The Zoho accounts server of the portal's data centre (issues access tokens): accounts.zoho.com, \
                 accounts.zoho.eu, accounts.zoho.in, accounts.zoho.com.au, accounts.zoho.com.cn, \
                 accounts.zoho.jp, accounts.zoho.uk or accounts.zohocloud.ca",
                settings::DEFAULT_ACCOUNTS_SERVER,
            )
            .config_optional(
                settings::DEFAULT_REQUESTER,
                "The e-mail address requests are filed for when no requester is named; unset: the credential's \
                 user",
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

impl EventHandler for ServiceDeskPlus {
    fn source() -> EventSource {
        events::source()
    }

    fn handle(_headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String> {
        events::handle(body)
    }
}

impl TicketSystem for ServiceDeskPlus {
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

berth_sdk::export_ticket_plugin!(ServiceDeskPlus, events);
