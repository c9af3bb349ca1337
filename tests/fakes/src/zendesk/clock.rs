//! Zendesk's timestamps: RFC 3339 in UTC with whole seconds,
//! `2026-11-27T10:15:00Z`, which is how every `*_at` attribute is written.
//! Times are kept as Unix seconds; this module formats them and reads the
//! forms a search query may name (a date, a full timestamp). The calendar
//! behind them is the crate's [`crate::clock`].

use crate::clock;
use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in an hour.
pub const HOUR: i64 = 3_600;
/// Seconds in a minute.
pub const MINUTE: i64 = 60;

/// Every `*_at` attribute.
const TIMESTAMP: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
/// A date in a search query.
const DATE: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    clock::unix_seconds_now()
}

/// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format(seconds: i64) -> String {
    clock::write(clock::at_unix_seconds(seconds), TIMESTAMP)
}

/// Midnight UTC of a `YYYY-MM-DD` date, or `None` if `text` is not one.
pub fn parse_date(text: &str) -> Option<i64> {
    Date::parse(text, DATE).ok().map(clock::unix_seconds_at)
}

/// A `YYYY-MM-DDTHH:MM:SSZ` timestamp (or one with a `+00:00` offset), or
/// `None` if `text` is not one.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T')?;
    let time = time.strip_suffix('Z').or_else(|| time.strip_suffix("+00:00"))?;
    let mut parts = time.split(':');
    let hours: i64 = digits(parts.next()?)?;
    let minutes: i64 = digits(parts.next()?)?;
    let seconds: i64 = digits(parts.next()?)?;
    if parts.next().is_some() || hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(parse_date(date)? + hours * HOUR + minutes * MINUTE + seconds)
}

/// A run of ASCII digits as a number.
fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_reads_rfc3339_utc() {
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(1_795_774_500), "2026-11-27T10:15:00Z");
        assert_eq!(parse_timestamp("2026-11-27T10:15:00Z"), Some(1_795_774_500));
        assert_eq!(parse_timestamp("2026-11-27T10:15:00+00:00"), Some(1_795_774_500));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400));
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "2026-02-30",
            "2026-13-01",
            "26-11-01",
            "2026-1-01",
            "yesterday",
            "2026-11-01T25:00:00Z",
            "",
            "2026-11-011",
            " 2026-11-01",
        ] {
            assert_eq!(parse_date(text).or_else(|| parse_timestamp(text)), None, "{text}");
        }
    }
}
