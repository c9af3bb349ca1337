//! The parameters every `/search` endpoint takes, and the envelope each
//! answers with.
//!
//! `queryString` is `key:value` pairs joined by `+`, several values of one
//! key by `,`: `status:New,Open+priority:High`. The client percent-encodes
//! it as one parameter, so a `+` meant as a separator arrives as `%2B`; an
//! unencoded `+` decodes to a space, as in any form-encoded query, and the
//! pairs run together into one value that matches nothing. Dates are `yyyy-MM-ddTHH:mm:ss 0000` (the `+0000` offset
//! with its `+` decoded to a space; `+0000` itself is accepted too).

use super::error::OpsRampError;
use serde_json::{Value, json};
use std::collections::HashMap;
use time::PrimitiveDateTime;
use time::macros::format_description;

/// The most results one page holds.
pub const MAX_PAGE_SIZE: usize = 500;

/// One search's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// `queryString`, parsed: each key with its values.
    pub filters: Vec<(String, Vec<String>)>,
    /// `pageNo`, from 1.
    pub page: usize,
    /// `pageSize`.
    pub size: usize,
    /// `sortName`, or the endpoint's default.
    pub sort: Option<String>,
    /// `isDescendingOrder`.
    pub descending: bool,
}

impl Search {
    /// Reads the parameters from the raw query string; `keys` are the
    /// `queryString` keys the endpoint knows.
    pub fn parse(query: Option<&str>, keys: &[&str]) -> Result<Self, OpsRampError> {
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
        let number = |name: &str, default: usize| match params.get(name).map(|value| value.trim()) {
            None | Some("") => Ok(default),
            Some(value) => value
                .parse::<usize>()
                .map_err(|_| OpsRampError::invalid("INVALID_PARAMETER", format!("{name} must be a number: {value}"))),
        };
        let page = number("pageNo", 1)?;
        let size = number("pageSize", 100)?;
        if page == 0 {
            return Err(OpsRampError::invalid("INVALID_PARAMETER", "pageNo starts at 1"));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(OpsRampError::invalid("INVALID_PARAMETER", format!("pageSize must be 1 to {MAX_PAGE_SIZE}")));
        }
        let descending = match params.get("isDescendingOrder").map(|value| value.trim()) {
            None | Some("") | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(OpsRampError::invalid("INVALID_PARAMETER", format!("isDescendingOrder: {other}")));
            }
        };
        let sort = params.get("sortName").map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        let filters = match params.get("queryString").map(|value| value.trim()) {
            None | Some("") => Vec::new(),
            Some(text) => query_string(text, keys)?,
        };
        Ok(Self { filters, page, size, sort, descending })
    }

    /// The values of `key`, if the query names it.
    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.filters.iter().find(|(known, _)| known == key).map(|(_, values)| values.as_slice())
    }

    /// The one date `key` names, in epoch seconds.
    pub fn date(&self, key: &str) -> Result<Option<i64>, OpsRampError> {
        self.values(key).and_then(|values| values.first()).map(|text| date(key, text)).transpose()
    }

    /// The sort `sortName` asks for, if it is one of `known`; `default`
    /// without one.
    pub fn sort_by<'a>(&self, known: &[&'a str], default: &'a str) -> Result<&'a str, OpsRampError> {
        let Some(asked) = &self.sort else { return Ok(default) };
        known
            .iter()
            .find(|name| *name == asked)
            .copied()
            .ok_or_else(|| OpsRampError::invalid("INVALID_PARAMETER", format!("Invalid sortName: {asked}")))
    }

    /// One page of `results` (already filtered and sorted) in OpsRamp's
    /// envelope.
    pub fn envelope(&self, results: Vec<Value>, order_by: &str) -> Value {
        let total = results.len();
        let pages = total.div_ceil(self.size);
        let page: Vec<Value> = results.into_iter().skip((self.page - 1) * self.size).take(self.size).collect();
        let next = self.page < pages;
        let mut envelope = json!({
            "results": page,
            "totalResults": total,
            "orderBy": order_by,
            "pageNo": self.page,
            "pageSize": self.size,
            "totalPages": pages,
            "nextPage": next,
            "previousPageNo": self.page - 1,
            "descendingOrder": self.descending,
        });
        if next {
            envelope["nextPageNo"] = json!(self.page + 1);
        }
        envelope
    }
}

/// `key:value,value+key:value`, each key one the endpoint knows.
fn query_string(text: &str, keys: &[&str]) -> Result<Vec<(String, Vec<String>)>, OpsRampError> {
    text.split('+')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (key, values) = pair
                .split_once(':')
                .ok_or_else(|| OpsRampError::invalid("INVALID_QUERY", format!("Invalid queryString term: {pair}")))?;
            let key = key.trim();
            if !keys.contains(&key) {
                let known = keys.join(", ");
                return Err(OpsRampError::invalid(
                    "INVALID_QUERY",
                    format!("Unknown queryString key {key}; use {known}"),
                ));
            }
            let values: Vec<String> =
                values.split(',').map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned).collect();
            Ok((key.to_owned(), values))
        })
        .collect()
}

/// A query date, `2026-11-27T10:15:00 0000` (or `+0000`), in epoch
/// seconds.
fn date(key: &str, text: &str) -> Result<i64, OpsRampError> {
    let invalid = || {
        OpsRampError::invalid("INVALID_QUERY", format!("{key} must be yyyy-MM-ddTHH:mm:ss 0000 (UTC); it is {text}"))
    };
    let local = text.trim().strip_suffix("0000").map(str::trim_end).ok_or_else(invalid)?;
    let local = local.strip_suffix('+').unwrap_or(local);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let moment = PrimitiveDateTime::parse(local, format).map_err(|_| invalid())?;
    Ok(moment.assume_utc().unix_timestamp())
}

/// Orders `records` by `key`, newest (largest) first when `descending`;
/// ties keep the order `records` had, so paging is stable.
pub fn order<T, K: Ord>(records: &mut [T], descending: bool, key: impl Fn(&T) -> K) {
    if descending {
        records.sort_by_key(|record| std::cmp::Reverse(key(record)));
    } else {
        records.sort_by_key(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["status", "priority", "startUpdationDate"];

    #[test]
    fn query_strings_split_on_plus_and_comma() {
        let query = "queryString=status%3ANew%2COpen%2Bpriority%3AHigh&pageNo=2&pageSize=3&isDescendingOrder=false";
        let search = Search::parse(Some(query), KEYS).unwrap();
        assert_eq!(search.values("status").unwrap(), ["New", "Open"]);
        assert_eq!(search.values("priority").unwrap(), ["High"]);
        assert_eq!((search.page, search.size, search.descending), (2, 3, false));
    }

    #[test]
    fn an_unencoded_plus_runs_the_pairs_together_and_an_unknown_key_is_refused() {
        let unencoded = Search::parse(Some("queryString=status:New+priority:High"), KEYS).unwrap();
        assert_eq!(unencoded.filters, [("status".to_owned(), vec!["New priority:High".to_owned()])]);
        let unknown = Search::parse(Some("queryString=owner%3Ame"), KEYS).unwrap_err();
        assert!(matches!(unknown, OpsRampError::Invalid { code: "INVALID_QUERY", .. }), "{unknown}");
        assert!(Search::parse(Some("queryString=status"), KEYS).is_err());
        assert!(Search::parse(Some("pageNo=0"), KEYS).is_err());
        assert!(Search::parse(Some("pageSize=501"), KEYS).is_err());
    }

    #[test]
    fn dates_come_with_a_space_or_a_plus_before_the_offset() {
        let spaced = Search::parse(Some("queryString=startUpdationDate%3A2016-02-24T01%3A15%3A00%200000"), KEYS);
        assert_eq!(spaced.unwrap().date("startUpdationDate").unwrap(), Some(1_456_276_500));
        let plus = Search::parse(Some("queryString=startUpdationDate%3A2016-02-24T01%3A15%3A00%2B0000"), KEYS);
        assert!(plus.is_err(), "a `+` inside a value splits it, as OpsRamp's own parsing does");
        assert_eq!(date("d", "2016-02-24T01:15:00+0000").unwrap(), 1_456_276_500);
        assert!(date("d", "2016-02-24").is_err());
    }

    #[test]
    fn the_envelope_pages() {
        let search = Search::parse(Some("pageNo=2&pageSize=2"), KEYS).unwrap();
        let envelope = search.envelope((0..5).map(|n| json!(n)).collect(), "id");
        assert_eq!(envelope["results"], json!([2, 3]));
        assert_eq!(envelope["totalResults"], 5);
        assert_eq!(envelope["totalPages"], 3);
        assert_eq!(envelope["nextPage"], true);
        assert_eq!(envelope["nextPageNo"], 3);
        assert_eq!(envelope["previousPageNo"], 1);
    }
}
