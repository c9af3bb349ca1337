//! `list_marketplaces` and `get_filters`: what there is to search, so that
//! an agent can build a `search_opportunities` call without guessing.

use crate::marketplaces::{Marketplace, MarketplaceInfo, RFI_TABLE};
use crate::model::Filter;
use crate::opportunities;
use crate::portal::Portal;
use crate::settings::Settings;
use berth_sdk::{Json, NoArgs, ToolError};
use schemars::JsonSchema;
use serde::Serialize;

/// What `list_marketplaces` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MarketplaceList {
    /// Every marketplace with its code, name and table.
    pub marketplaces: Vec<MarketplaceInfo>,
    /// Table of requests for information (`RFI-` IDs) in any marketplace.
    pub rfi_table: &'static str,
}

/// What `get_filters` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FilterList {
    /// The filters, with their choices.
    pub filters: Vec<Filter>,
}

/// Runs `list_marketplaces`; needs no upstream call.
pub fn list_marketplaces(_: NoArgs) -> Result<Json<MarketplaceList>, ToolError> {
    let marketplaces = Marketplace::ALL.iter().map(|marketplace| marketplace.describe()).collect();
    Ok(Json(MarketplaceList { marketplaces, rfi_table: RFI_TABLE }))
}

/// Runs `get_filters`.
pub fn get_filters(_: NoArgs) -> Result<Json<FilterList>, ToolError> {
    let layout = opportunities::layout(&Portal::new(Settings::load()?))?;
    Ok(Json(FilterList { filters: layout.filters }))
}
