//! `buyict`: BuyICT (www.buyict.gov.au), the Australian Government's ICT
//! procurement portal, for agents.
//!
//! BuyICT is a ServiceNow Service Portal with no public API, so this plugin
//! speaks the portal's own JSON APIs (`/api/now/sp/page` and
//! `/api/now/sp/widget/{sys_id}`) with the session of a signed-in user: the
//! tenant's `buyict` credential, scheme `headers`, carrying the
//! `JSESSIONID` cookie and the `X-UserToken` (`g_ck`) header. The host
//! attaches them; the plugin only names the credential.
//!
//! Tools: `search_opportunities` (JSON or CSV), `get_opportunity_details`,
//! `list_marketplaces` and `get_filters`. An opportunity is also a resource,
//! `buyict://opportunity/{id}`. Listings and details are cached
//! per tenant for `cache_ttl_seconds`.
//!
//! Modules: [`settings`] (config), [`portal`] (the HTTP client) and
//! [`errors`] (failure → tool error, with session refresh instructions),
//! [`widgets`] (reading widget data), [`model`] (what tools return),
//! [`opportunities`] (the operations, cached through [`cache`]),
//! [`marketplaces`], [`csv`] and [`tools`].

pub mod cache;
pub mod csv;
pub mod errors;
pub mod marketplaces;
pub mod model;
pub mod opportunities;
pub mod portal;
pub mod settings;
pub mod tools;
pub mod widgets;

use berth_sdk::{Manifest, Plugin, ResourceContents, ResourceTemplate, Tool, ToolError};

/// The plugin.
struct BuyIct;

impl Plugin for BuyIct {
    fn manifest() -> Manifest {
        let manifest = Manifest::new(
            "buyict",
            env!("CARGO_PKG_VERSION"),
            "BuyICT (Australian Government ICT procurement) opportunities: search, details, filters, CSV export",
        )
        // `{base_url}` is the config key `settings::BASE_URL`; `/api/now/sp/`
        // is `portal::API_PATH`, the only place the plugin goes.
        .egress("https://{base_url}/api/now/sp/")
        .credential(
            portal::CREDENTIAL,
            "The session of a user signed in to BuyICT: scheme `headers` with \
             `Cookie=JSESSIONID={session_id}` and `X-UserToken={user_token}` (the page's g_ck).",
        );
        settings::declare(manifest)
    }

    fn tools() -> Vec<Tool> {
        tools::all()
    }

    fn resource_templates() -> Vec<ResourceTemplate> {
        vec![tools::details::template()]
    }

    fn read_resource(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
        tools::details::read(uri)
    }
}

berth_sdk::export_plugin!(BuyIct);
