//! The portal's own status and priority names (`GET /statuses`,
//! `GET /priorities`, which need the `SDPOnDemand.setup.READ` scope),
//! remembered for [`METADATA_CACHE`]: statuses and priorities are set by
//! name, and each portal's administrators choose the names.

use crate::client::{Sdp, text};
use crate::requests::{self, MAX_ROWS};
use berth_sdk::{ToolError, cache};
use serde_json::json;
use std::time::Duration;

/// How long a portal's names are remembered: they change when an
/// administrator edits them, which is rare.
pub const METADATA_CACHE: Duration = Duration::from_secs(600);

/// A list of names the portal defines.
#[derive(Debug, Clone, Copy)]
pub enum Names {
    /// Request statuses.
    Statuses,
    /// Priorities.
    Priorities,
}

impl Names {
    /// The list's path and the key its entities are under.
    fn key(self) -> &'static str {
        match self {
            Self::Statuses => "statuses",
            Self::Priorities => "priorities",
        }
    }
}

/// The portal's names of `kind`, from the cache or ServiceDesk Plus.
pub fn names(sdp: &Sdp, kind: Names) -> Result<Vec<String>, ToolError> {
    let key = kind.key();
    let cache_key = format!("servicedesk-plus:{key}");
    if let Some(names) = cache::get_json::<Vec<String>>(&cache_key) {
        return Ok(names);
    }
    let list_info = json!({"row_count": MAX_ROWS, "start_index": 1});
    let page = requests::list(sdp, &format!("/{key}"), &[key], list_info, &format!("the portal's {key}"))?;
    let names: Vec<String> = page.rows.iter().filter_map(|row| text(row, "/name")).map(str::to_owned).collect();
    // A cache that refuses only costs the next call a request.
    let _ = cache::set_json(&cache_key, &names, METADATA_CACHE);
    Ok(names)
}
