//! The tools, each in its own module, and how they are announced.

mod catalogue;
pub mod details;
mod search;

use berth_sdk::Tool;

/// Every tool the plugin offers. All of them only read from BuyICT.
pub fn all() -> Vec<Tool> {
    vec![
        Tool::new(
            "search_opportunities",
            "Searches BuyICT (Australian Government ICT procurement) opportunities. Matches `keyword` in the \
             opportunity ID, title and buyer; narrows by `marketplace` and `filters` (state open/closed/all, \
             who may respond, location, working arrangement, closing date window). Returns one page of \
             summaries with the total number of matches and paging (`page`, `page_size` up to 100, \
             `has_more`). Open opportunities only unless `filters.state` says otherwise. `format: csv` \
             returns the page as CSV for export instead of JSON.",
            search::search_opportunities,
        )
        .title("Search BuyICT opportunities")
        .read_only()
        .idempotent(),
        Tool::new(
            "get_opportunity_details",
            "Gets everything BuyICT shows about one opportunity: RFQ ID and type, published and closing dates, \
             deadline for questions, buyer and contact, estimated start, contract duration and extensions, \
             working arrangement, industry briefing, location, requirements, evaluation criteria and \
             attachments. Takes the opportunity ID (e.g. PCS-03324; the table follows from the prefix) or a \
             record sys_id with its table.",
            details::get_opportunity_details,
        )
        .title("Get BuyICT opportunity details")
        .read_only()
        .idempotent(),
        Tool::new(
            "list_marketplaces",
            "Lists BuyICT's marketplaces: the code `search_opportunities` takes (also the prefix of opportunity \
             IDs), the name and the ServiceNow table of each. Answers without contacting BuyICT.",
            catalogue::list_marketplaces,
        )
        .title("List BuyICT marketplaces")
        .read_only()
        .idempotent()
        .closed_world(),
        Tool::new(
            "get_filters",
            "Lists the filters the BuyICT opportunities listing offers, with their choices and how many \
             opportunities each choice matches; use the names and values in `search_opportunities`.",
            catalogue::get_filters,
        )
        .title("Get BuyICT search filters")
        .read_only()
        .idempotent(),
    ]
}
