//! Lists that page: `tools/list` hands a client at most `[mcp] page_size`
//! items at a time, with a cursor for the rest, so a tenant with many
//! plugins never gets one answer of unbounded size.
//!
//! Items are ordered by name, and a cursor names the last item of its page
//! (base64url, so that clients treat it as the opaque token MCP says it
//! is). The next page starts after that name in the list as it is *then*,
//! so a plugin loaded or unloaded between pages neither repeats an item nor
//! skips one that was there all along.

use crate::settings::{InvalidSetting, in_range};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// `[mcp]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct McpSettings {
    /// Most items in one page of a list (1 to 10,000).
    pub page_size: u32,
}

impl Default for McpSettings {
    fn default() -> Self {
        Self { page_size: 200 }
    }
}

impl McpSettings {
    /// Refuses a page size the host cannot serve with.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("mcp", "page_size", self.page_size, 1..=10_000)
    }
}

/// A cursor that does not decode to a name (any name is a place to resume
/// from: the tenant's own list is what is paged).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid cursor: pass back the `nextCursor` of the previous page, unchanged")]
pub struct InvalidCursor;

/// The page of `items` that follows `cursor` (the first without one), at
/// most `size` long, and the cursor of the page after it, if any remain.
/// `name` gives each item's unique name.
pub fn page<T>(
    mut items: Vec<T>,
    name: impl Fn(&T) -> &str,
    cursor: Option<&str>,
    size: u32,
) -> Result<(Vec<T>, Option<String>), InvalidCursor> {
    items.sort_by(|a, b| name(a).cmp(name(b)));
    let start = match cursor {
        None => 0,
        Some(cursor) => {
            let after = URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|bytes| String::from_utf8(bytes).ok());
            let after = after.ok_or(InvalidCursor)?;
            items.partition_point(|item| name(item) <= after.as_str())
        }
    };
    let mut page: Vec<T> = items.into_iter().skip(start).collect();
    let next = match page.len() > size as usize {
        true => {
            page.truncate(size as usize);
            page.last().map(|last| URL_SAFE_NO_PAD.encode(name(last)))
        }
        false => None,
    };
    Ok((page, next))
}

/// [`page`] for a list request: its cursor, and an invalid one refused as
/// invalid params.
pub fn respond<T>(
    items: Vec<T>,
    name: impl Fn(&T) -> &str,
    request: Option<&rmcp::model::PaginatedRequestParams>,
    size: u32,
) -> Result<(Vec<T>, Option<String>), rmcp::ErrorData> {
    let cursor = request.and_then(|request| request.cursor.as_deref());
    page(items, name, cursor, size).map_err(|error| rmcp::ErrorData::invalid_params(error.to_string(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    /// Every page of `items`, following the cursors.
    fn all_pages(items: &[&str], size: u32) -> Vec<Vec<String>> {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = page(names(items), String::as_str, cursor.as_deref(), size).unwrap();
            pages.push(page);
            match next {
                Some(next) => cursor = Some(next),
                None => return pages,
            }
        }
    }

    #[test]
    fn pages_cover_the_list_in_order_once() {
        let items = ["d", "a", "c", "b", "e"];
        assert_eq!(all_pages(&items, 2), [names(&["a", "b"]), names(&["c", "d"]), names(&["e"])]);
        assert_eq!(all_pages(&items, 5), [names(&["a", "b", "c", "d", "e"])]);
        assert_eq!(all_pages(&[], 3), [Vec::<String>::new()]);
    }

    #[test]
    fn a_change_between_pages_repeats_nothing_and_skips_nothing_that_stayed() {
        let (first, cursor) = page(names(&["a", "b", "c", "d"]), String::as_str, None, 2).unwrap();
        assert_eq!(first, names(&["a", "b"]));
        // `b` is unloaded and `aa` and `bb` are loaded before the next page.
        let (second, _) = page(names(&["a", "aa", "bb", "c", "d"]), String::as_str, cursor.as_deref(), 2).unwrap();
        assert_eq!(second, names(&["bb", "c"]));
    }

    #[test]
    fn a_cursor_the_host_did_not_hand_out_is_refused() {
        for cursor in ["%%%", "//8"] {
            assert_eq!(page(names(&["a"]), String::as_str, Some(cursor), 2), Err(InvalidCursor), "{cursor}");
        }
    }
}
