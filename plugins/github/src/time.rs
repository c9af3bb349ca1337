//! GitHub's instants, read and written.
//!
//! GitHub writes instants as `2026-11-27T10:15:00Z` (RFC 3339, UTC,
//! whole seconds), which is what the normalised model wants, so they pass
//! through as they are; they are parsed only to compare them with a
//! search's `updated-since`, and the rate limit's reset (seconds since the
//! epoch) is written as a time of day for people.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Seconds since the Unix epoch of an RFC 3339 instant.
pub fn parse(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok().map(OffsetDateTime::unix_timestamp)
}

/// `at` (seconds since the epoch) as GitHub writes instants in search
/// qualifiers: `2026-11-27T10:15:00Z`.
pub fn format_utc(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|instant| instant.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).ok())
        .unwrap_or_default()
}

/// `at` (seconds since the epoch) as a time of day for a message:
/// `10:15:00 UTC`.
pub fn time_of_day(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|instant| instant.format(format_description!("[hour]:[minute]:[second] UTC")).ok())
        .unwrap_or_default()
}

/// Seconds since the epoch now, by the host's wall clock.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_in_githubs_shape() {
        let at = parse("2026-11-27T10:15:00Z").unwrap();
        assert_eq!(format_utc(at), "2026-11-27T10:15:00Z");
        assert_eq!(parse("2026-11-27T21:15:00+11:00"), Some(at));
        assert_eq!(time_of_day(at + 30), "10:15:30 UTC");
        for bad in ["", "yesterday", "2026-11-27", "2026-11-27T10:15:00"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(now() > at - 10 * 365 * 86_400);
    }
}
