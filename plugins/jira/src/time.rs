//! Jira's instants, read and written.
//!
//! Jira writes instants as `2026-11-27T10:15:00.000+1100`: milliseconds and
//! an offset without a colon, which is not RFC 3339. The normalised model
//! wants RFC 3339, and the host merges systems' results by it, so every
//! instant is turned into UTC with a `Z` ([`rfc3339_utc`]). Service
//! Management writes `DateDTO`s whose `iso8601` member is the same shape
//! without milliseconds, and an `epochMillis` beside it.
//!
//! JQL takes instants as `"yyyy-MM-dd HH:mm"`, read in the time zone of the
//! profile of the user the credential belongs to ([`jql_lower_bound`]).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

/// The furthest west a time zone lies (UTC-12:00): JQL reads a date in the
/// credential user's zone, so a bound written in UTC is moved back this far
/// to be at or before the wanted instant whatever that zone is.
pub const WESTMOST_OFFSET_MS: i64 = 12 * 3_600_000;

/// Milliseconds since the Unix epoch of an RFC 3339 or Jira instant (Jira's
/// offset has no colon: `+1100`).
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let instant = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        let split = text.len().checked_sub(5)?;
        let (head, zone) = (text.get(..split)?, text.get(split..)?);
        if !zone.starts_with(['+', '-']) || !zone[1..].bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        OffsetDateTime::parse(&format!("{head}{}:{}", &zone[..3], &zone[3..]), &Rfc3339).ok()
    })?;
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).ok()
}

fn instant(at: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(at)
}

/// `at` (ms since the epoch) as RFC 3339 in UTC: `2026-11-27T10:15:00.000Z`.
pub fn format_utc(at: i64) -> String {
    let shape = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    instant(at).format(shape).unwrap_or_default()
}

/// A Jira instant as RFC 3339 in UTC; text that is no instant is passed on
/// as it is (the host sorts it last), and an absent one is empty.
pub fn rfc3339_utc(jira: &str) -> String {
    parse(jira).map_or_else(|| jira.to_owned(), format_utc)
}

/// `at` as a JQL date-time, `yyyy-MM-dd HH:mm` (UTC), rounded down to the
/// minute.
pub fn jql(at: i64) -> String {
    instant(at).format(format_description!("[year]-[month]-[day] [hour]:[minute]")).unwrap_or_default()
}

/// The JQL date-time to compare `updated >=` with so that no issue updated
/// at or after `since` is missed, whichever time zone Jira reads it in: the
/// instant moved back by the westmost offset. Issues between the bound and
/// `since` come back too, and are dropped by the caller.
pub fn jql_lower_bound(since: i64) -> String {
    jql(since - WESTMOST_OFFSET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_instants_become_utc_rfc3339() {
        assert_eq!(rfc3339_utc("2026-11-27T10:15:00.000+0000"), "2026-11-27T10:15:00.000Z");
        assert_eq!(rfc3339_utc("2026-11-27T10:15:00.123+1100"), "2026-11-26T23:15:00.123Z");
        assert_eq!(rfc3339_utc("2026-01-01T01:30:00-0230"), "2026-01-01T04:00:00.000Z");
        assert_eq!(rfc3339_utc("2024-02-29T23:59:59.5+05:30"), "2024-02-29T18:29:59.500Z");
        assert_eq!(rfc3339_utc("2026-11-27T10:15:00Z"), "2026-11-27T10:15:00.000Z");
        assert_eq!(rfc3339_utc("1969-12-31T23:59:59.999Z"), "1969-12-31T23:59:59.999Z");
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-27T10:15:00",
            "2026-11-27T25:00:00Z",
            "2026-11-27T10:15:00+1x00",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(rfc3339_utc("soon"), "soon", "what is no instant is passed on");
    }

    #[test]
    fn jql_bounds_are_minutes_moved_west() {
        let since = parse("2026-11-27T10:15:30Z").unwrap();
        assert_eq!(jql(since), "2026-11-27 10:15");
        assert_eq!(jql_lower_bound(since), "2026-11-26 22:15");
        assert_eq!(jql(parse("2026-03-01T00:00:00Z").unwrap() - 1), "2026-02-28 23:59");
    }
}
