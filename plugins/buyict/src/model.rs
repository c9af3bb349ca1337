//! What the tools return: opportunities, pages of them, and the filters the
//! listing offers. These are also what the tenant cache stores, so they
//! round-trip through JSON.

use berth_sdk::http::percent_encode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One opportunity as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Opportunity ID, e.g. `PCS-03324`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Publishing agency.
    pub buyer: String,
    /// Marketplace code, e.g. `PCS`.
    pub marketplace: String,
    /// Marketplace ("module") name.
    pub module: String,
    /// Who may respond: `Open to all` or `Invited sellers`.
    pub status: String,
    /// `Open` or `Closed`.
    pub state: String,
    /// Closing date and time (Canberra time), as the portal gives it.
    pub closing_date: String,
    /// Location.
    pub location: String,
    /// `Onsite`, `Hybrid` or `Remote`.
    pub working_arrangement: String,
    /// ServiceNow table of the record.
    pub table: String,
    /// The record's `sys_id`.
    pub sys_id: String,
    /// The opportunity's page on the portal.
    pub url: String,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SearchPage {
    /// The opportunities on this page.
    pub opportunities: Vec<Summary>,
    /// How many opportunities match, over all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// Results per page.
    pub page_size: u32,
    /// How many pages the matches fill.
    pub total_pages: u64,
    /// Whether a later page has more.
    pub has_more: bool,
}

/// Everything the details page shows about one opportunity. Labelled
/// fields the portal does not show are absent; labels this plugin does not
/// know are kept in `other_fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Details {
    /// Opportunity ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// Marketplace code.
    pub marketplace: String,
    /// Marketplace name.
    pub module: String,
    /// Who may respond.
    pub status: String,
    /// `Open` or `Closed`.
    pub state: String,
    /// ServiceNow table.
    pub table: String,
    /// The record's `sys_id`.
    pub sys_id: String,
    /// The opportunity's page on the portal.
    pub url: String,
    /// RFQ ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rfq_id: Option<String>,
    /// RFQ type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rfq_type: Option<String>,
    /// RFQ published date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_date: Option<String>,
    /// RFQ closing date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
    /// Deadline for asking questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_deadline: Option<String>,
    /// Buyer (agency).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    /// Buyer contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_contact: Option<String>,
    /// Estimated start date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_start_date: Option<String>,
    /// Initial contract duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_contract_duration: Option<String>,
    /// Extension term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_term: Option<String>,
    /// Extension term details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_term_details: Option<String>,
    /// Number of extensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_extensions: Option<String>,
    /// Working arrangement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_arrangement: Option<String>,
    /// Industry briefing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry_briefing: Option<String>,
    /// Location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What the buyer needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements: Option<String>,
    /// Evaluation criteria.
    #[serde(default)]
    pub criteria: Vec<String>,
    /// Attached documents.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Labelled fields without a place above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_fields: Vec<Field>,
}

/// A document attached to an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Attachment {
    /// File name.
    pub file_name: String,
    /// Size, when the portal gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
}

/// A labelled value from the details page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Field {
    /// Label as printed.
    pub label: String,
    /// Value as printed.
    pub value: String,
}

/// A filter the listing offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Filter {
    /// Name, as `search_opportunities` takes it (`marketplace`, or a key of
    /// its `filters`).
    pub name: String,
    /// Label as printed.
    pub label: String,
    /// `choice`, `text` or `date`.
    pub kind: String,
    /// The value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The choices, for `choice` filters (suggestions for `text` ones).
    pub options: Vec<FilterOption>,
}

/// One choice of a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FilterOption {
    /// Value to pass.
    pub value: String,
    /// Label as printed.
    pub label: String,
    /// How many opportunities (open or closed) have it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// The portal page of the record `sys_id` in `table`, under `origin`.
pub fn details_url(origin: &str, table: &str, sys_id: &str) -> String {
    format!("{origin}/sp?id=opportunity_details&table={}&sys_id={}", percent_encode(table), percent_encode(sys_id))
}
