//! `search_opportunities`: one page of the opportunities listing, as JSON or
//! as CSV for export.

use crate::csv;
use crate::marketplaces::Marketplace;
use crate::model::{SearchPage, Summary};
use crate::opportunities::{self, Arrangement, MAX_PAGE_SIZE, SearchInput, State, Status};
use crate::portal::Portal;
use crate::settings::Settings;
use berth_sdk::{Content, IntoToolResult, Json, ToolError, ToolResult};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// Results per page when the caller gives none.
const DEFAULT_PAGE_SIZE: u32 = 20;
/// Longest keyword or location accepted; longer ones are not searches.
const MAX_TEXT: usize = 200;

/// Arguments of `search_opportunities`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words to look for in the opportunity ID, title and buyer (agency).
    #[schemars(length(max = 200))]
    keyword: Option<String>,
    /// Only this marketplace (see `list_marketplaces`).
    marketplace: Option<Marketplace>,
    /// Page number, from 1 (default 1).
    #[schemars(range(min = 1))]
    page: Option<u32>,
    /// Results per page, 1 to 100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    page_size: Option<u32>,
    /// Narrow the search further (see `get_filters` for the choices).
    filters: Option<Filters>,
    /// `json` (default) for structured results, `csv` for a CSV export of
    /// this page with a header row.
    format: Option<Format>,
}

/// Filters of `search_opportunities`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// `open` (the default), `closed` or `all`.
    state: Option<State>,
    /// Who may respond: `open_to_all` or `invited_sellers`.
    status: Option<Status>,
    /// Text the location contains, e.g. `ACT` or `Canberra`.
    #[schemars(length(max = 200))]
    location: Option<String>,
    /// `onsite`, `hybrid` or `remote`.
    working_arrangement: Option<Arrangement>,
    /// Only opportunities closing on or after this date (YYYY-MM-DD).
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    closing_after: Option<String>,
    /// Only opportunities closing on or before this date (YYYY-MM-DD).
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    closing_before: Option<String>,
}

/// Output format.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Format {
    /// Structured JSON.
    #[default]
    Json,
    /// RFC 4180 CSV.
    Csv,
}

/// The CSV columns, in order.
const CSV_HEADERS: [&str; 13] = [
    "id",
    "title",
    "buyer",
    "marketplace",
    "module",
    "status",
    "state",
    "closing_date",
    "location",
    "working_arrangement",
    "table",
    "sys_id",
    "url",
];

/// Runs `search_opportunities`.
pub fn search_opportunities(args: SearchArgs) -> Result<ToolResult, ToolError> {
    let format = args.format.unwrap_or_default();
    let input = input(args)?;
    let page = opportunities::search(&Portal::new(Settings::load()?), &input)?;
    Ok(match format {
        Format::Json => Json(page).into_tool_result(),
        Format::Csv => csv_result(page),
    })
}

/// Checks the arguments and turns them into the listing widget's input.
fn input(args: SearchArgs) -> Result<SearchInput, ToolError> {
    let filters = args.filters.unwrap_or_default();
    let closing_after = date(filters.closing_after, "closing_after")?;
    let closing_before = date(filters.closing_before, "closing_before")?;
    if let (Some(after), Some(before)) = (&closing_after, &closing_before)
        && after > before
    {
        return Err(ToolError::invalid(format!("closing_after ({after}) is later than closing_before ({before})")));
    }
    let page_size = args.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ToolError::invalid(format!("page_size must be between 1 and {MAX_PAGE_SIZE}")));
    }
    Ok(SearchInput {
        keyword: text(args.keyword, "keyword")?,
        marketplace: args.marketplace,
        state: filters.state,
        status: filters.status,
        location: text(filters.location, "location")?,
        working_arrangement: filters.working_arrangement,
        closing_after,
        closing_before,
        page: args.page.unwrap_or(1).max(1),
        page_size,
    })
}

/// A trimmed, bounded search text; blank means none.
fn text(value: Option<String>, name: &str) -> Result<Option<String>, ToolError> {
    let Some(value) = value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_TEXT {
        return Err(ToolError::invalid(format!("{name} is longer than {MAX_TEXT} characters")));
    }
    Ok(Some(value))
}

/// A `YYYY-MM-DD` date with a plausible month and day.
fn date(value: Option<String>, name: &str) -> Result<Option<String>, ToolError> {
    let Some(value) = value.map(|value| value.trim().to_owned()) else { return Ok(None) };
    let parts: Vec<&str> = value.split('-').collect();
    let valid = match parts.as_slice() {
        [year, month, day] if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
            let number =
                |part: &str| part.chars().all(|c| c.is_ascii_digit()).then(|| part.parse::<u32>().ok()).flatten();
            number(year).is_some()
                && number(month).is_some_and(|month| (1..=12).contains(&month))
                && number(day).is_some_and(|day| (1..=31).contains(&day))
        }
        _ => false,
    };
    if !valid {
        return Err(ToolError::invalid(format!("{name} must be a date as YYYY-MM-DD, got `{value}`")));
    }
    Ok(Some(value))
}

/// The page as CSV text, with the paging in the structured result (the CSV
/// itself holds only opportunities).
fn csv_result(page: SearchPage) -> ToolResult {
    let paging = json!({
        "format": "csv",
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "total_pages": page.total_pages,
        "has_more": page.has_more,
        "returned": page.opportunities.len(),
    });
    let document = csv::document(CSV_HEADERS, page.opportunities.into_iter().map(csv_row));
    ToolResult { content: vec![Content::Text(document)], structured: Some(paging.to_string()), is_error: false }
}

fn csv_row(summary: Summary) -> [String; 13] {
    [
        summary.id,
        summary.title,
        summary.buyer,
        summary.marketplace,
        summary.module,
        summary.status,
        summary.state,
        summary.closing_date,
        summary.location,
        summary.working_arrangement,
        summary.table,
        summary.sys_id,
        summary.url,
    ]
}
