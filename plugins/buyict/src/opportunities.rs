//! The portal operations the tools are made of, each answered from the
//! tenant cache when it can be:
//!
//! - [`layout`]: the opportunities page, read once per cache lifetime for
//!   the listing widget's `sys_id` and the filters it offers;
//! - [`search`]: one page of the listing, through a POST to that widget;
//! - [`find`]: an opportunity's listing card by its ID;
//! - [`details`]: the details page of one record.

use crate::cache::remember;
use crate::errors::PortalError;
use crate::marketplaces::Marketplace;
use crate::model::{Details, Filter, SearchPage, Summary};
use crate::portal::Portal;
use crate::widgets;
use berth_sdk::ToolError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The listing page's id.
const LISTING_PAGE: &str = "opportunities";
/// The details page's id.
const DETAILS_PAGE: &str = "opportunity_details";
/// Largest page the listing serves; also how widely [`find`] looks.
pub const MAX_PAGE_SIZE: u32 = 100;

/// What the opportunities page holds that does not change between searches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Layout {
    /// `sys_id` of the listing widget, which searches are posted to.
    pub listing_widget: String,
    /// The filters the listing offers.
    pub filters: Vec<Filter>,
}

/// Opportunity state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Still accepting responses.
    Open,
    /// No longer accepting responses.
    Closed,
    /// Open and closed.
    All,
}

/// Who may respond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Any seller on the marketplace.
    OpenToAll,
    /// Only sellers the buyer invited.
    InvitedSellers,
}

/// Working arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Arrangement {
    /// At the buyer's premises.
    Onsite,
    /// Partly on site.
    Hybrid,
    /// Remote.
    Remote,
}

/// A search, as the listing widget takes it. Unset fields are left out, so
/// the portal applies its own defaults (for `state`, open opportunities).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct SearchInput {
    /// Words to find in the ID, title or buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Marketplace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<Marketplace>,
    /// Open, closed or all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// Who may respond.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Text the location contains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Working arrangement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_arrangement: Option<Arrangement>,
    /// Closing on or after this `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_after: Option<String>,
    /// Closing on or before this `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_before: Option<String>,
    /// Page number, from 1.
    pub page: u32,
    /// Results per page.
    pub page_size: u32,
}

/// The listing widget and filters of the opportunities page.
pub fn layout(portal: &Portal) -> Result<Layout, ToolError> {
    remember(portal.settings().cache_ttl, "layout", &describe(portal, LISTING_PAGE), || {
        let result = portal.page(LISTING_PAGE, &[])?;
        let listing =
            widgets::find(&result, widgets::LISTING).filter(|widget| !widget.sys_id.is_empty()).ok_or_else(|| {
                PortalError::Unexpected(format!(
                    "the `{LISTING_PAGE}` page has no `{}` widget; check the `portal_id` setting (empty selects the \
                 portal's default)",
                    widgets::LISTING
                ))
            })?;
        let filters = widgets::find(&result, widgets::FILTERS).map(|widget| widgets::filters(&widget.data));
        Ok(Layout { listing_widget: listing.sys_id, filters: filters.unwrap_or_default() })
    })
}

/// One page of opportunities matching `input`.
pub fn search(portal: &Portal, input: &SearchInput) -> Result<SearchPage, ToolError> {
    let request = serde_json::to_string(input).map_err(|error| ToolError::internal(error.to_string()))?;
    remember(portal.settings().cache_ttl, "search", &describe(portal, &request), || {
        let layout = layout(portal)?;
        let data = portal.widget(&layout.listing_widget, LISTING_PAGE, input)?;
        Ok(widgets::search_page(&data, &portal.settings().origin()))
    })
}

/// The listing card of opportunity `id` (e.g. `PCS-03324`), open or closed.
pub fn find(portal: &Portal, id: &str) -> Result<Summary, ToolError> {
    let input = SearchInput {
        keyword: Some(id.to_owned()),
        state: Some(State::All),
        page: 1,
        page_size: MAX_PAGE_SIZE,
        ..SearchInput::default()
    };
    search(portal, &input)?
        .opportunities
        .into_iter()
        .find(|card| card.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| ToolError::not_found(format!("BuyICT lists no opportunity with ID `{id}`, open or closed")))
}

/// The details of record `sys_id` in `table`.
pub fn details(portal: &Portal, table: &str, sys_id: &str) -> Result<Details, ToolError> {
    remember(portal.settings().cache_ttl, "details", &describe(portal, &format!("{table}/{sys_id}")), || {
        let result = portal.page(DETAILS_PAGE, &[("table", table), ("sys_id", sys_id)])?;
        let widget = widgets::find(&result, widgets::DETAILS).ok_or_else(|| {
            PortalError::Unexpected(format!("the `{DETAILS_PAGE}` page has no `{}` widget", widgets::DETAILS))
        })?;
        widgets::details(&widget.data, &portal.settings().origin()).ok_or_else(|| {
            ToolError::not_found(format!("BuyICT has no opportunity with sys_id `{sys_id}` in table `{table}`"))
        })
    })
}

/// A cache description of `request` against this tenant's portal, so that
/// another portal's (or another configuration's) answers never match.
fn describe(portal: &Portal, request: &str) -> String {
    let settings = portal.settings();
    format!("{}|{}|{request}", settings.base_url, settings.portal_id.as_deref().unwrap_or_default())
}
