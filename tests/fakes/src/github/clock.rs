//! GitHub's timestamps: ISO 8601 in UTC with whole seconds,
//! `2026-11-27T10:15:00Z`, as every `*_at` field is written. Times are kept
//! as Unix seconds; this module formats them and reads the forms a client
//! sends back (`since=` takes any RFC 3339 time; a search qualifier such as
//! `updated:>=2026-11-01` takes a date or a time). The calendar behind them
//! is the crate's [`crate::clock`].

use crate::clock;
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in an hour.
pub const HOUR: i64 = 3_600;
/// Seconds in a minute.
pub const MINUTE: i64 = 60;

const TIMESTAMP: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const DATE: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    clock::unix_seconds_now()
}

/// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format(seconds: i64) -> String {
    clock::write(clock::at_unix_seconds(seconds), TIMESTAMP)
}

/// An RFC 3339 time (`2026-11-27T10:15:00Z`, `…+01:00`) as Unix seconds.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339).ok().map(OffsetDateTime::unix_timestamp)
}

/// Midnight UTC of a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<i64> {
    Date::parse(text, DATE).ok().map(clock::unix_seconds_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_iso_8601_utc() {
        assert_eq!(format(1_795_774_500), "2026-11-27T10:15:00Z");
        assert_eq!(parse_timestamp("2026-11-27T10:15:00Z"), Some(1_795_774_500));
        assert_eq!(parse_timestamp("2026-11-27T11:15:00+01:00"), Some(1_795_774_500));
        assert_eq!(parse_date("2026-11-27"), Some(1_795_774_500 - 10 * HOUR - 15 * MINUTE));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_date("2026-02-30"), None);
    }
}
