//! The cursor of a merged search: where each system stands, so the next
//! page resumes every one of them where it left off.
//!
//! A system's position is the cursor of the page the host last fetched
//! from it, the size it asked for, and how many tickets of that page it has
//! already returned: the host fetches that page again and skips those, so
//! no ticket is lost or repeated when another system's tickets were newer.
//! A system that has nothing more is absent. The cursor also carries a
//! digest of the search it belongs to, so it cannot be replayed with other
//! filters. It is opaque to clients (base64url JSON) but not secret: it
//! holds only the plugins' own cursors, which they treat as input.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// Longest cursor accepted, in bytes.
pub const MAX_CURSOR_LEN: usize = 16 * 1024;

/// Where one system stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The plugin.
    pub system: String,
    /// The plugin's cursor for the page to fetch; none for its first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The page size it was asked for.
    pub size: u32,
    /// Tickets of that page already returned.
    #[serde(default)]
    pub skip: u32,
}

/// A merged search's cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchCursor {
    /// The digest of the search it continues.
    pub search: String,
    /// The systems that have more, in the order they are asked.
    pub positions: Vec<Position>,
}

/// Why a cursor was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CursorError {
    /// Longer than [`MAX_CURSOR_LEN`].
    #[error("the cursor is longer than {MAX_CURSOR_LEN} bytes")]
    TooLong,
    /// Not one this host wrote.
    #[error("the cursor is not one tickets_search returned")]
    Malformed,
    /// Written for a search with other filters.
    #[error("the cursor belongs to a search with other filters; repeat the same filters, or start without a cursor")]
    OtherSearch,
}

impl SearchCursor {
    /// The cursor as clients carry it.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads `text`, which must continue the search with digest `search`.
    pub fn decode(text: &str, search: &str) -> Result<Self, CursorError> {
        if text.len() > MAX_CURSOR_LEN {
            return Err(CursorError::TooLong);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| CursorError::Malformed)?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        if cursor.search != search {
            return Err(CursorError::OtherSearch);
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_stays_with_its_search() {
        let cursor = SearchCursor {
            search: "abc".into(),
            positions: vec![Position { system: "jira".into(), cursor: Some("CAEaAggD".into()), size: 20, skip: 7 }],
        };
        let text = cursor.encode();
        assert_eq!(SearchCursor::decode(&text, "abc").unwrap(), cursor);
        assert_eq!(SearchCursor::decode(&text, "abd").unwrap_err(), CursorError::OtherSearch);
        assert_eq!(SearchCursor::decode("!!", "abc").unwrap_err(), CursorError::Malformed);
        assert_eq!(SearchCursor::decode(&"A".repeat(MAX_CURSOR_LEN + 1), "abc").unwrap_err(), CursorError::TooLong);
    }
}
