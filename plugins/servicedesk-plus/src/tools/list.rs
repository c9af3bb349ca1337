//! `list_requests`: requests matching filters, most recently updated
//! first, one page at a time (`list_info` paging behind an opaque cursor).

use crate::client::Sdp;
use crate::criteria::{self, Filters};
use crate::requests::{self, MAX_ROWS, RequestView};
use crate::{cursor, people, time};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The page size when none is given.
const DEFAULT_LIMIT: u32 = 20;
/// The most names one filter takes.
const MAX_NAMES: usize = 20;

/// Arguments of `list_requests`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Words to find in the subject or description.
    #[schemars(length(max = 255))]
    pub text: Option<String>,
    /// Only requests in one of these statuses, by the portal's names
    /// (`Open`, `In Progress`, `On Hold`, `Resolved`, `Closed`).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub status: Vec<String>,
    /// Only requests with one of these priorities, by name (`High`).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub priority: Vec<String>,
    /// Only requests assigned to this technician: e-mail address or user id.
    #[schemars(length(max = 254))]
    pub technician: Option<String>,
    /// Only requests raised by this requester: e-mail address or user id.
    #[schemars(length(max = 254))]
    pub requester: Option<String>,
    /// Only requests updated at or after this instant (RFC 3339).
    #[schemars(length(max = 64))]
    pub updated_since: Option<String>,
    /// Most requests to return (1 to 100, default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page of the same filters.
    #[schemars(length(max = 16))]
    pub cursor: Option<String>,
}

/// One page of requests.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestPage {
    /// The requests, most recently updated first.
    pub requests: Vec<RequestView>,
    /// Pass it back as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `list_requests`.
pub fn list_requests(args: ListArgs) -> Result<Json<RequestPage>, ToolError> {
    let names = |given: Vec<String>, what: &str| -> Result<Vec<String>, ToolError> {
        let names: Vec<String> =
            given.into_iter().map(|name| name.trim().to_owned()).filter(|name| !name.is_empty()).collect();
        if names.len() > MAX_NAMES {
            return Err(ToolError::invalid(format!("give at most {MAX_NAMES} {what} names")));
        }
        Ok(names)
    };
    let who = |given: Option<String>| -> Result<Option<(&'static str, String)>, ToolError> {
        match given.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
            Some(who) => Ok(Some((people::reference(who)?.1, who.to_owned()))),
            None => Ok(None),
        }
    };
    let updated_since = match args.updated_since.as_deref().map(str::trim).filter(|since| !since.is_empty()) {
        Some(since) => Some(
            time::parse(since).ok_or_else(|| ToolError::invalid(format!("`{since}` is not an RFC 3339 instant")))?,
        ),
        None => None,
    };
    let filters = Filters {
        text: args.text,
        statuses: names(args.status, "status")?,
        priorities: names(args.priority, "priority")?,
        technician: who(args.technician)?,
        requester: who(args.requester)?,
        updated_since,
    };
    let sdp = Sdp::new()?;
    let (rows, next_cursor) = page(&sdp, &filters, args.limit.unwrap_or(DEFAULT_LIMIT), args.cursor.as_deref())?;
    Ok(Json(RequestPage { requests: rows.iter().map(|row| requests::show(&sdp, row)).collect(), next_cursor }))
}

/// One page of requests matching `filters`, newest `last_updated_time`
/// first, from `cursor`; with the next page's cursor.
pub fn page(
    sdp: &Sdp,
    filters: &Filters,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), ToolError> {
    let limit = limit.clamp(1, MAX_ROWS);
    let start = cursor::start(cursor)?;
    let mut list_info = json!({
        "row_count": limit,
        "start_index": start,
        "sort_field": "last_updated_time",
        "sort_order": "desc",
        "get_total_count": false,
    });
    let criteria = criteria::build(filters);
    if !criteria.is_empty() {
        list_info["search_criteria"] = json!(criteria);
    }
    let page = requests::list(sdp, "/requests", &["requests"], list_info, "the request list")?;
    let mut rows = page.rows;
    rows.truncate(limit as usize);
    let next = cursor::next(start, rows.len(), page.has_more);
    Ok((rows, next))
}
