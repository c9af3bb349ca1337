//! Calendar dates: just enough to place the seeded opportunities' dates
//! around the day the fake starts (so "open" opportunities really close in
//! the future whenever the tests run) and to print them the two ways the
//! portal does. The calendar is the crate's [`crate::clock`].

use crate::clock;
use std::fmt;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// A day in the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

/// How the portal's detail pages print a date.
const LONG: &[BorrowedFormatItem<'_>] =
    format_description!("[weekday], [day padding:none] [month repr:long] [year padding:none]");
/// How filters take a date.
const ISO: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");

impl Date {
    /// Today, in UTC.
    pub fn today() -> Self {
        Self { days: clock::days_since_epoch(clock::now().date()) }
    }

    /// The day `days` after this one (before it when negative).
    pub fn plus(self, days: i64) -> Self {
        Self { days: self.days + days }
    }

    /// Parses `YYYY-MM-DD`; `None` for anything else, including days that do
    /// not exist such as `2025-02-30`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        clock::calendar_date(year, month, day).map(|date| Self { days: clock::days_since_epoch(date) })
    }

    /// How the portal's detail pages print a date: `Friday, 23 May 2025`.
    pub fn long(self) -> String {
        self.write(LONG)
    }

    fn write(self, format: &[BorrowedFormatItem<'_>]) -> String {
        clock::write(clock::date_from_days(self.days).midnight().as_utc(), format)
    }
}

/// `YYYY-MM-DD`, the form filters take and ServiceNow date fields use.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.write(ISO))
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn dates_round_trip_and_print_like_the_portal() {
        let date = Date::parse("2025-05-23").unwrap();
        assert_eq!(date.to_string(), "2025-05-23");
        assert_eq!(date.long(), "Friday, 23 May 2025");
        assert_eq!(date.plus(9).to_string(), "2025-06-01");
        assert_eq!(Date::parse("2024-02-29").unwrap().plus(1).to_string(), "2024-03-01");
        assert_eq!(Date::parse("1970-01-01").unwrap().long(), "Thursday, 1 January 1970");
        assert_eq!(Date::parse("2025-02-30"), None);
        assert_eq!(Date::parse("next week"), None);
    }
}
