//! ServiceDesk Plus's instants, read and written.
//!
//! ServiceDesk Plus sends each instant as an object: `{"value":
//! "1478758440000", "display_value": "Nov 10, 2016 11:44 AM"}`, where
//! `value` is milliseconds since the Unix epoch (a string) and the display
//! value is in the credential user's time zone and format. The normalised
//! model wants RFC 3339, and the host merges systems' results by it, so
//! every instant is read from `value` and written in UTC with a `Z`.
//! Search criteria compare instants as the same millisecond strings.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

/// Milliseconds since the epoch of an instant object (or of a bare
/// millisecond string or number).
pub fn millis(field: &serde_json::Value) -> Option<i64> {
    let value = field.get("value").unwrap_or(field);
    value.as_i64().or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

/// An instant object as RFC 3339 in UTC; empty when absent.
pub fn rfc3339(field: &serde_json::Value) -> String {
    millis(field).map(format_utc).unwrap_or_default()
}

/// `at` (ms since the epoch) as RFC 3339 in UTC: `2026-11-27T10:15:00.000Z`.
pub fn format_utc(at: i64) -> String {
    let instant = OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(at);
    let shape = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    instant.format(shape).unwrap_or_default()
}

/// Milliseconds since the epoch of an RFC 3339 instant.
pub fn parse(text: &str) -> Option<i64> {
    let instant = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instant_objects_become_utc_rfc3339() {
        let created = json!({"display_value": "Nov 10, 2016 11:44 AM", "value": "1478758440000"});
        assert_eq!(rfc3339(&created), "2016-11-10T06:14:00.000Z");
        assert_eq!(millis(&json!({"value": 1_478_758_440_001_i64})), Some(1_478_758_440_001));
        assert_eq!(millis(&json!("1478758440000")), Some(1_478_758_440_000));
        assert_eq!(rfc3339(&serde_json::Value::Null), "", "absent is empty");
        assert_eq!(rfc3339(&json!({"value": "soon"})), "");
    }

    #[test]
    fn rfc3339_is_read_to_milliseconds() {
        assert_eq!(parse("2016-11-10T06:14:00Z"), Some(1_478_758_440_000));
        assert_eq!(parse("2016-11-10T11:44:00.5+05:30"), Some(1_478_758_440_500));
        for bad in ["", "yesterday", "2026-11-27T10:15:00", "1478758440000"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
