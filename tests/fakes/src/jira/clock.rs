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
//! The fake's users all see UTC, so every offset is `+0000`.

use std::time::{SystemTime, UNIX_EPOCH};

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

/// Now.
pub fn now() -> Millis {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(0))
}

/// A calendar date and time of day, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
    /// Days since 1970-01-01.
    days: i64,
}

impl Civil {
    fn of(at: Millis) -> Self {
        let days = at.div_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        let of_day = at.rem_euclid(DAY);
        Self {
            year,
            month,
            day,
            hour: of_day / HOUR,
            minute: of_day / MINUTE % 60,
            second: of_day / 1000 % 60,
            millis: of_day % 1000,
            days,
        }
    }

    fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    fn time(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `2:42 PM`.
    fn twelve_hour(&self) -> String {
        let (hour, half) = match self.hour {
            0 => (12, "AM"),
            1..=11 => (self.hour, "AM"),
            12 => (12, "PM"),
            _ => (self.hour - 12, "PM"),
        };
        format!("{hour}:{:02} {half}", self.minute)
    }
}

/// `2026-11-27T10:15:00.000+0000`, as issue fields carry instants.
pub fn jira(at: Millis) -> String {
    let civil = Civil::of(at);
    format!("{}T{}.{:03}+0000", civil.date(), civil.time(), civil.millis)
}

/// `2026-11-27T10:15:00+0000`, the `iso8601` member of a `DateDTO`.
pub fn iso8601(at: Millis) -> String {
    let civil = Civil::of(at);
    format!("{}T{}+0000", civil.date(), civil.time())
}

/// `2026-11-27T10:15:00Z`, as `X-RateLimit-Reset` carries instants.
pub fn iso8601_utc(at: Millis) -> String {
    let civil = Civil::of(at);
    format!("{}T{}Z", civil.date(), civil.time())
}

/// `2026-11-27`, as `duedate` is written.
pub fn date(at: Millis) -> String {
    Civil::of(at).date()
}

/// Service Management's `friendly` form of `at`, seen at `now`:
/// `Today 10:15 AM`, `Yesterday 4:05 PM`, `Monday 2:42 PM` within the
/// week, else `27/Nov/26 10:15 AM`.
pub fn friendly(at: Millis, now: Millis) -> String {
    const WEEKDAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (civil, today) = (Civil::of(at), Civil::of(now).days);
    let time = civil.twelve_hour();
    match today - civil.days {
        0 => format!("Today {time}"),
        1 => format!("Yesterday {time}"),
        2..=6 => format!("{} {time}", WEEKDAYS[usize::try_from(civil.days.rem_euclid(7)).unwrap_or(0)]),
        _ => format!(
            "{:02}/{}/{:02} {time}",
            civil.day,
            MONTHS[usize::try_from(civil.month).unwrap_or(1).saturating_sub(1).min(11)],
            civil.year.rem_euclid(100)
        ),
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
    if parts.next().is_some() || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut at = days_from_civil(year, month, day) * DAY;
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

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * shifted_month + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 }).unwrap_or(1);
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
        let noon = days_from_civil(2026, 1, 1) * DAY + 12 * HOUR;
        assert_eq!(parse_jql_date("2026-01-01 12:00", 0), Some(noon));
        assert_eq!(parse_jql_date("2026/01/01 12:00", 0), Some(noon));
        assert_eq!(parse_jql_date("2026-01-01", 0), Some(noon - 12 * HOUR));
        assert_eq!(parse_jql_date("-7d", noon), Some(noon - 7 * DAY));
        assert_eq!(parse_jql_date("-1w 2d", noon), Some(noon - 9 * DAY));
        assert_eq!(parse_jql_date("90m", noon), Some(noon + 90 * MINUTE));
        for bad in ["", "-", "7x", "2026-13-01", "2026-02-30", "2026-01-01 25:00", "yesterday", "2026-1-1x"] {
            assert_eq!(parse_jql_date(bad, noon), None, "{bad}");
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }
}
