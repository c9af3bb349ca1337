//! Calendar dates, without a date crate: just enough arithmetic to place the
//! seeded opportunities' dates around the day the fake starts (so "open"
//! opportunities really close in the future whenever the tests run) and to
//! print them the two ways the portal does.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A day in the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// 1970-01-01 was a Thursday.
const WEEKDAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];

impl Date {
    /// Today, in UTC.
    pub fn today() -> Self {
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
        Self { days: i64::try_from(seconds / 86_400).unwrap_or(0) }
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
        let date = Self::from_civil(year, month, day);
        (date.civil() == (year, month, day)).then_some(date)
    }

    /// How the portal's detail pages print a date: `Friday, 23 May 2025`.
    pub fn long(self) -> String {
        let (year, month, day) = self.civil();
        let weekday = WEEKDAYS[self.days.rem_euclid(7) as usize];
        format!("{weekday}, {day} {} {year}", MONTHS[(month - 1) as usize])
    }

    /// Howard Hinnant's `days_from_civil`.
    fn from_civil(year: i64, month: u32, day: u32) -> Self {
        let (month, day) = (i64::from(month), i64::from(day));
        let year = if month <= 2 { year - 1 } else { year };
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        Self { days: era * 146_097 + day_of_era - 719_468 }
    }

    /// Howard Hinnant's `civil_from_days`: (year, month 1-12, day 1-31).
    fn civil(self) -> (i64, u32, u32) {
        let shifted = self.days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        (year, month as u32, day as u32)
    }
}

/// `YYYY-MM-DD`, the form filters take and ServiceNow date fields use.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.civil();
        write!(f, "{year:04}-{month:02}-{day:02}")
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
