//! ServiceNow's date-times: `YYYY-MM-DD HH:MM:SS` in UTC, which is how the
//! Table API stores and returns `glide_date_time` values (and why they can
//! be compared as text). The calendar is the crate's [`crate::clock`].

use crate::clock;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// A `glide_date_time` value.
const GLIDE_DATE_TIME: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    u64::try_from(clock::unix_seconds_now()).unwrap_or(0)
}

/// The current time as ServiceNow writes it.
pub fn now() -> String {
    format_unix(unix_now())
}

/// `seconds` since the epoch as `YYYY-MM-DD HH:MM:SS`.
pub fn format_unix(seconds: u64) -> String {
    clock::write(clock::at_unix_seconds(i64::try_from(seconds).unwrap_or(i64::MAX)), GLIDE_DATE_TIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_servicenow() {
        assert_eq!(format_unix(0), "1970-01-01 00:00:00");
        assert_eq!(format_unix(1_608_067_025), "2020-12-15 21:17:05");
        assert_eq!(format_unix(951_782_400), "2000-02-29 00:00:00");
    }
}
