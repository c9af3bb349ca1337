//! The fakes' one clock: the current instant, and the calendar behind every
//! date a fake writes or reads, from the `time` crate. Each fake keeps only
//! its own wire formats, as thin functions over this module: ServiceNow's
//! `YYYY-MM-DD HH:MM:SS` (`servicenow::clock`), Jira's
//! `2026-11-27T10:15:00.000+0000` and friends (`jira::clock`), Zendesk's
//! RFC 3339 `…Z` (`zendesk::clock`) and the BuyICT portal's dates
//! ([`crate::buyict::Date`]).
//!
//! Everything is UTC. The calendar covers the years -9999 to 9999; an
//! instant outside them is clamped to the nearest end.

use time::format_description::BorrowedFormatItem;
use time::{Date, Month, UtcDateTime};

/// The Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// Now.
pub fn now() -> UtcDateTime {
    UtcDateTime::now()
}

/// Milliseconds since the Unix epoch, now.
pub fn unix_millis_now() -> i64 {
    i64::try_from(now().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Seconds since the Unix epoch, now.
pub fn unix_seconds_now() -> i64 {
    now().unix_timestamp()
}

/// The instant `millis` milliseconds after the Unix epoch (before it when
/// negative).
pub fn at_unix_millis(millis: i64) -> UtcDateTime {
    UtcDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap_or(clamped(millis))
}

/// The instant `seconds` seconds after the Unix epoch.
pub fn at_unix_seconds(seconds: i64) -> UtcDateTime {
    UtcDateTime::from_unix_timestamp(seconds).unwrap_or(clamped(seconds))
}

/// The end of the calendar a count on the side of `sign` runs off.
fn clamped(sign: i64) -> UtcDateTime {
    if sign < 0 { UtcDateTime::MIN } else { UtcDateTime::MAX }
}

/// The day `days` after 1970-01-01 (before it when negative).
pub fn date_from_days(days: i64) -> Date {
    let julian_day = days.saturating_add(EPOCH_JULIAN_DAY);
    i32::try_from(julian_day)
        .ok()
        .and_then(|julian_day| Date::from_julian_day(julian_day).ok())
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

/// Days from 1970-01-01 to `date`.
pub fn days_since_epoch(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - EPOCH_JULIAN_DAY
}

/// Midnight at the start of `date`, as seconds since the Unix epoch.
pub fn unix_seconds_at(date: Date) -> i64 {
    date.midnight().as_utc().unix_timestamp()
}

/// The proleptic Gregorian date `year`-`month`-`day`; `None` for one that
/// does not exist, such as 2026-02-30 or month 13.
pub fn calendar_date(year: i64, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// `at` written in `format` (one of `time::macros::format_description!`).
pub fn write(at: UtcDateTime, format: &[BorrowedFormatItem<'_>]) -> String {
    at.format(format).expect("a UTC instant has every component a date-time format names")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::format_description;

    const STAMP: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]");

    #[test]
    fn counts_from_the_unix_epoch() {
        assert_eq!(write(at_unix_millis(0), STAMP), "1970-01-01T00:00:00.000");
        assert_eq!(write(at_unix_millis(1_608_067_025_123), STAMP), "2020-12-15T21:17:05.123");
        assert_eq!(write(at_unix_millis(-1), STAMP), "1969-12-31T23:59:59.999");
        assert_eq!(write(at_unix_seconds(951_782_400), STAMP), "2000-02-29T00:00:00.000");
        assert_eq!(at_unix_seconds(i64::MAX), UtcDateTime::MAX);
        assert_eq!(at_unix_millis(i64::MIN), UtcDateTime::MIN);
        assert!((unix_millis_now() / 1000 - unix_seconds_now()).abs() <= 1);
    }

    #[test]
    fn days_and_calendar_dates() {
        let leap_day = calendar_date(2000, 2, 29).unwrap();
        assert_eq!(days_since_epoch(leap_day), 11_016);
        assert_eq!(date_from_days(11_016), leap_day);
        assert_eq!(unix_seconds_at(leap_day), 951_782_400);
        assert_eq!(date_from_days(0), calendar_date(1970, 1, 1).unwrap());
        assert_eq!(date_from_days(-1), calendar_date(1969, 12, 31).unwrap());
        assert_eq!(date_from_days(i64::MAX), Date::MAX);
        for (year, month, day) in
            [(2026, 2, 29), (2026, 2, 30), (2026, 13, 1), (2026, 0, 1), (2026, 1, 0), (2026, 4, 31)]
        {
            assert_eq!(calendar_date(year, month, day), None, "{year}-{month}-{day}");
        }
    }
}
