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
/// Longest cursor one plugin may hand back, in bytes: enough for any
/// system's page token, and small enough that every system's fits in one
/// cursor.
pub const MAX_PLUGIN_CURSOR_LEN: usize = 2 * 1024;

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
    /// Positions no search of this host writes: a system asked twice or
    /// not asked at all, a page size out of bounds, a skip past the page.
    #[error("the cursor is not one tickets_search returned")]
    Forged,
    /// Written for a search with other filters.
    #[error("the cursor belongs to a search with other filters; repeat the same filters, or start without a cursor")]
    OtherSearch,
}

impl SearchCursor {
    /// The cursor as clients carry it.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Checks that every position is one a search over `named` systems (or
    /// any, when none are named) with pages of at most `max_size` can have
    /// written: the cursor is the client's to send, so it bounds what one
    /// call may ask of whom.
    pub fn check(&self, named: Option<&[String]>, max_size: u32) -> Result<(), CursorError> {
        let mut seen = std::collections::BTreeSet::new();
        for position in &self.positions {
            let valid = seen.insert(position.system.as_str())
                && named.is_none_or(|named| named.contains(&position.system))
                && (1..=max_size).contains(&position.size)
                && position.skip < position.size
                && position.cursor.as_ref().is_none_or(|cursor| cursor.len() <= MAX_PLUGIN_CURSOR_LEN);
            if !valid {
                return Err(CursorError::Forged);
            }
        }
        Ok(())
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

    #[test]
    fn forged_positions_are_refused() {
        let named = ["jira".to_owned(), "zendesk".to_owned()];
        let systems = Some(named.as_slice());
        let at = |system: &str, size: u32, skip: u32| Position { system: system.into(), cursor: None, size, skip };
        let cursor = |positions: Vec<Position>| SearchCursor { search: "abc".into(), positions };
        assert_eq!(cursor(vec![at("jira", 20, 3), at("zendesk", 20, 0)]).check(systems, 100), Ok(()));
        for forged in [
            vec![at("jira", 20, 0), at("jira", 20, 0)],
            vec![at("servicenow", 20, 0)],
            vec![at("jira", 4_294_967_295, 0)],
            vec![at("jira", 0, 0)],
            vec![at("jira", 20, 20)],
        ] {
            assert_eq!(cursor(forged).check(systems, 100), Err(CursorError::Forged));
        }
    }
}
