//! Jira's date-times. Every instant is kept as milliseconds since the Unix
//! epoch (UTC) and written the ways Jira writes them:
//!
//! - issue and comment fields: `2026-11-27T10:15:00.000+0000`
//!   (millisecond precision, an offset without a colon);
//! - Service Management's `DateDTO`: the same as `jira`, an `iso8601` form
//!   without milliseconds, `epochMillis`, and a `friendly` form such as
//!   `Today 10:15 AM`;
//! - JQL date values: `yyyy-MM-dd HH:mm`, `yyyy/MM/dd HH:mm`, `yyyy-MM-dd`,
//!   `yyyy/MM/dd`, and periods relative to now such as `-7d` or `-4w 2d`.
//!
//! The fake's users all see UTC, so every offset is `+0000`. The calendar
//! behind these forms is the crate's [`crate::clock`].

use crate::clock;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// One minute, one hour, one day and one week in milliseconds.
pub const MINUTE: Millis = 60_000;
/// One hour in milliseconds.
pub const HOUR: Millis = 60 * MINUTE;
/// One day in milliseconds.
pub const DAY: Millis = 24 * HOUR;
/// One week in milliseconds.
pub const WEEK: Millis = 7 * DAY;

/// Issue and comment fields.
const JIRA: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000");
/// A `DateDTO`'s `iso8601`.
const ISO8601: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
/// `X-RateLimit-Reset`.
const ISO8601_UTC: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
/// `duedate`.
const DATE: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");
/// The time of day in a `friendly` form: `2:42 PM`.
const TWELVE_HOUR: &[BorrowedFormatItem<'_>] = format_description!("[hour repr:12 padding:none]:[minute] [period]");
/// A `friendly` day within the week: `Monday`.
const WEEKDAY: &[BorrowedFormatItem<'_>] = format_description!("[weekday]");
/// A `friendly` day further back: `27/Nov/26`.
const SHORT_DATE: &[BorrowedFormatItem<'_>] = format_description!("[day]/[month repr:short]/[year repr:last_two]");

/// Now.
pub fn now() -> Millis {
    clock::unix_millis_now()
}

/// `2026-11-27T10:15:00.000+0000`, as issue fields carry instants.
pub fn jira(at: Millis) -> String {
    clock::write(clock::at_unix_millis(at), JIRA)
}

/// `2026-11-27T10:15:00+0000`, the `iso8601` member of a `DateDTO`.
pub fn iso8601(at: Millis) -> String {
    clock::write(clock::at_unix_millis(at), ISO8601)
}

/// `2026-11-27T10:15:00Z`, as `X-RateLimit-Reset` carries instants.
pub fn iso8601_utc(at: Millis) -> String {
    clock::write(clock::at_unix_millis(at), ISO8601_UTC)
}

/// `2026-11-27`, as `duedate` is written.
pub fn date(at: Millis) -> String {
    clock::write(clock::at_unix_millis(at), DATE)
}

/// Service Management's `friendly` form of `at`, seen at `now`:
/// `Today 10:15 AM`, `Yesterday 4:05 PM`, `Monday 2:42 PM` within the
/// week, else `27/Nov/26 10:15 AM`.
pub fn friendly(at: Millis, now: Millis) -> String {
    let (at, now) = (clock::at_unix_millis(at), clock::at_unix_millis(now));
    let time = clock::write(at, TWELVE_HOUR);
    match clock::days_since_epoch(now.date()) - clock::days_since_epoch(at.date()) {
        0 => format!("Today {time}"),
        1 => format!("Yesterday {time}"),
        2..=6 => format!("{} {time}", clock::write(at, WEEKDAY)),
        _ => format!("{} {time}", clock::write(at, SHORT_DATE)),
    }
}

/// The start of the day (UTC) holding `at`.
pub fn start_of_day(at: Millis) -> Millis {
    at.div_euclid(DAY) * DAY
}

/// Reads a JQL date value: an absolute `yyyy-MM-dd[ HH:mm]` (or with `/`),
/// or a period such as `-7d`, `-4w 2d`, `-90m` or `1h` relative to `now`.
pub fn parse_jql_date(text: &str, now: Millis) -> Option<Millis> {
    let text = text.trim();
    absolute(text).or_else(|| period(text).map(|offset| now + offset))
}

fn absolute(text: &str) -> Option<Millis> {
    let (date, time) = match text.split_once(' ') {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    let separator = if date.contains('/') { '/' } else { '-' };
    let mut parts = date.split(separator);
    let year: i64 = number(parts.next()?, 4)?;
    let month: u32 = u32::try_from(number(parts.next()?, 2)?).ok()?;
    let day: u32 = u32::try_from(number(parts.next()?, 2)?).ok()?;
    if parts.next().is_some() {
        return None;
    }
    let mut at = clock::days_since_epoch(clock::calendar_date(year, month, day)?) * DAY;
    if let Some(time) = time {
        let (hour, minute) = time.split_once(':')?;
        let (hour, minute) = (number(hour, 2)?, number(minute, 2)?);
        if hour > 23 || minute > 59 {
            return None;
        }
        at += hour * HOUR + minute * MINUTE;
    }
    Some(at)
}

/// A run of one or two (or, for the year, four) ASCII digits.
fn number(text: &str, max_digits: usize) -> Option<i64> {
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `-4w 2d` as an offset: a sign, then one or more `<n><unit>` parts with
/// units `w`, `d`, `h` and `m`.
fn period(text: &str) -> Option<Millis> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut total: Millis = 0;
    let mut parts = 0;
    for part in rest.split_whitespace() {
        let unit = part.chars().last()?;
        let amount: i64 = part[..part.len() - unit.len_utf8()].parse().ok()?;
        let size = match unit {
            'w' => WEEK,
            'd' => DAY,
            'h' => HOUR,
            'm' => MINUTE,
            _ => return None,
        };
        total = total.checked_add(amount.checked_mul(size)?)?;
        parts += 1;
    }
    (parts > 0).then_some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2020-12-15T21:17:05.123Z.
    const SAMPLE: Millis = 1_608_067_025_123;

    #[test]
    fn writes_instants_the_ways_jira_does() {
        assert_eq!(jira(SAMPLE), "2020-12-15T21:17:05.123+0000");
        assert_eq!(iso8601(SAMPLE), "2020-12-15T21:17:05+0000");
        assert_eq!(iso8601_utc(SAMPLE), "2020-12-15T21:17:05Z");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(jira(0), "1970-01-01T00:00:00.000+0000");
    }

    #[test]
    fn friendly_dates_are_relative_to_now() {
        assert_eq!(friendly(SAMPLE, SAMPLE + HOUR), "Today 9:17 PM");
        assert_eq!(friendly(SAMPLE, SAMPLE + DAY), "Yesterday 9:17 PM");
        assert_eq!(friendly(SAMPLE, SAMPLE + 3 * DAY), "Tuesday 9:17 PM");
        assert_eq!(friendly(SAMPLE, SAMPLE + 30 * DAY), "15/Dec/20 9:17 PM");
        assert_eq!(friendly(start_of_day(SAMPLE), SAMPLE), "Today 12:00 AM");
    }

    #[test]
    fn reads_jql_dates() {
        let noon = 1_767_268_800_000;
        assert_eq!(parse_jql_date("2026-01-01 12:00", 0), Some(noon));
        assert_eq!(parse_jql_date("2026/01/01 12:00", 0), Some(noon));
        assert_eq!(parse_jql_date("2026-01-01", 0), Some(noon - 12 * HOUR));
        assert_eq!(parse_jql_date("-7d", noon), Some(noon - 7 * DAY));
        assert_eq!(parse_jql_date("-1w 2d", noon), Some(noon - 9 * DAY));
        assert_eq!(parse_jql_date("90m", noon), Some(noon + 90 * MINUTE));
        for bad in ["", "-", "7x", "2026-13-01", "2026-02-30", "2026-01-01 25:00", "yesterday", "2026-1-1x"] {
            assert_eq!(parse_jql_date(bad, noon), None, "{bad}");
        }
        assert_eq!(parse_jql_date("2024/2/29", 0), Some(1_709_164_800_000));
    }
}
