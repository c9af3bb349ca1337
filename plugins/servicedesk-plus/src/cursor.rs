//! The opaque cursor of a paged list: where the next page starts
//! (`list_info.start_index`, 1-based), written as its decimal number.
//! Callers pass it back unchanged; it is checked before it is sent.

use berth_sdk::ToolError;

/// The furthest a list is paged: ServiceDesk Plus lists hold at most some
/// tens of thousands of rows a caller can page through.
const MAX_START: u32 = 1_000_000;

/// The `start_index` `cursor` stands for (none: the first row).
pub fn start(cursor: Option<&str>) -> Result<u32, ToolError> {
    match cursor.map(str::trim).filter(|cursor| !cursor.is_empty()) {
        None => Ok(1),
        Some(cursor) => cursor.parse::<u32>().ok().filter(|start| (1..=MAX_START).contains(start)).ok_or_else(|| {
            ToolError::invalid(format!(
                "`{}` is not a cursor this tool returned; pass `next_cursor` back unchanged",
                cursor.chars().take(64).collect::<String>()
            ))
        }),
    }
}

/// The cursor of the page after one that started at `start` and held
/// `rows` rows; none when ServiceDesk Plus has no more.
pub fn next(start: u32, rows: usize, has_more: bool) -> Option<String> {
    let rows = u32::try_from(rows).ok().filter(|rows| *rows > 0)?;
    has_more.then(|| (start + rows).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_start_indexes() {
        assert_eq!(start(None).unwrap(), 1);
        assert_eq!(start(Some("21")).unwrap(), 21);
        for bad in ["0", "-1", "x", "99999999999"] {
            assert!(start(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(next(1, 20, true).as_deref(), Some("21"));
        assert_eq!(next(21, 20, false), None, "the last page has no cursor");
        assert_eq!(next(21, 0, true), None, "an empty page ends the walk");
    }
}
