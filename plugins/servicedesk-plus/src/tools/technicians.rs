//! `list_technicians`: the portal's technicians, to assign requests to,
//! one page at a time.

use crate::client::Sdp;
use crate::cursor;
use crate::people::{self, PersonView};
use crate::requests::{self, MAX_ROWS};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The page size when none is given.
const DEFAULT_LIMIT: u32 = 50;

/// Arguments of `list_technicians`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TechniciansArgs {
    /// Part of a technician's name or e-mail address.
    #[schemars(length(max = 100))]
    pub text: Option<String>,
    /// Most technicians to return (1 to 100, default 50).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[schemars(length(max = 16))]
    pub cursor: Option<String>,
}

/// One page of technicians.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TechnicianPage {
    /// The technicians: id, name and e-mail address (what the assigning
    /// tools take).
    pub technicians: Vec<PersonView>,
    /// Pass it back as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `list_technicians`.
pub fn list_technicians(args: TechniciansArgs) -> Result<Json<TechnicianPage>, ToolError> {
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_ROWS);
    let start = cursor::start(args.cursor.as_deref())?;
    let mut list_info = json!({"row_count": limit, "start_index": start, "sort_field": "name", "sort_order": "asc"});
    if let Some(text) = args.text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        list_info["search_criteria"] = json!([{
            "field": "name", "condition": "contains", "value": text,
            "children": [{"field": "email_id", "condition": "contains", "value": text, "logical_operator": "OR"}],
        }]);
    }
    let sdp = Sdp::new()?;
    let page = requests::list(&sdp, "/technicians", &["technicians"], list_info, "the technician list")?;
    let technicians: Vec<PersonView> = page.rows.iter().take(limit as usize).filter_map(people::person).collect();
    let next_cursor = cursor::next(start, page.rows.len().min(limit as usize), page.has_more);
    Ok(Json(TechnicianPage { technicians, next_cursor }))
}
