//! The three ways the APIs page:
//!
//! - the enhanced JQL search pages by token: `nextPageToken` (opaque; it
//!   names where the next page starts and which query it belongs to) is
//!   omitted on the last page, and `isLast` says so;
//! - the platform's older lists page by offset (`startAt`, `maxResults`,
//!   `total`, `isLast`, `nextPage`);
//! - Service Management pages by offset in its own envelope: `size`,
//!   `start`, `limit`, `isLastPage`, `_links` (`base`, `context`, `next`,
//!   `prev`) and `values`.

use base64::Engine;
use serde_json::{Value, json};

/// A fingerprint of a query, so a token is refused for another one.
pub fn fingerprint(text: &str) -> u64 {
    // FNV-1a: stable across runs and builds, unlike the std hasher.
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The token for the page starting at `offset` of the query `fingerprint`.
pub fn token(offset: usize, fingerprint: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{offset}:{fingerprint:x}"))
}

/// Where the page a `token` names starts, if it is one of ours for this
/// query.
pub fn offset(token: &str, fingerprint: u64) -> Option<usize> {
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let mut parts = text.split(':');
    let (version, offset, query) = (parts.next()?, parts.next()?, parts.next()?);
    if version != "v1" || parts.next().is_some() || query != format!("{fingerprint:x}") {
        return None;
    }
    offset.parse().ok()
}

/// Service Management's default and largest page sizes.
pub const DESK_DEFAULT_LIMIT: usize = 50;
/// The largest page Service Management returns.
pub const DESK_MAX_LIMIT: usize = 100;

/// A page request in Service Management's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskPage {
    /// The first item (from 0).
    pub start: usize,
    /// The page size.
    pub limit: usize,
}

impl DeskPage {
    /// From `start` and `limit` as given (negative start is 0; a limit
    /// below 1 or above the largest is clamped).
    pub fn new(start: Option<i64>, limit: Option<i64>) -> Self {
        let start = usize::try_from(start.unwrap_or(0)).unwrap_or(0);
        let limit =
            limit.map_or(DESK_DEFAULT_LIMIT, |limit| usize::try_from(limit).unwrap_or(1).clamp(1, DESK_MAX_LIMIT));
        Self { start, limit }
    }

    /// The envelope around this page of `all`. `base` is the site,
    /// `url` the request's URL without its query, `pairs` its other
    /// query parameters (kept on the `next` and `prev` links).
    pub fn envelope(&self, all: Vec<Value>, base: &str, url: &str, pairs: &[(String, String)]) -> Value {
        let total = all.len();
        let values: Vec<Value> = all.into_iter().skip(self.start).take(self.limit).collect();
        let last = self.start + values.len() >= total;
        let link = |start: usize| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.extend_pairs(pairs);
            query.append_pair("start", &start.to_string());
            query.append_pair("limit", &self.limit.to_string());
            format!("{url}?{}", query.finish())
        };
        let mut links = json!({"base": base, "context": ""});
        if !last {
            links["next"] = json!(link(self.start + self.limit));
        }
        if self.start > 0 {
            links["prev"] = json!(link(self.start.saturating_sub(self.limit)));
        }
        json!({
            "_expands": [],
            "size": values.len(),
            "start": self.start,
            "limit": self.limit,
            "isLastPage": last,
            "_links": links,
            "values": values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_an_offset_of_one_query() {
        let query = fingerprint("project = OPS");
        let token = token(50, query);
        assert_eq!(offset(&token, query), Some(50));
        assert_eq!(offset(&token, fingerprint("project = HELP")), None);
        assert_eq!(offset("CAEaAggD", query), None);
        assert_eq!(offset("", query), None);
    }

    #[test]
    fn desk_envelopes() {
        let all: Vec<Value> = (0..5).map(|n| json!(n)).collect();
        let page = DeskPage::new(Some(2), Some(2));
        let envelope = page.envelope(
            all.clone(),
            "https://h",
            "https://h/rest/servicedeskapi/request",
            &[("a".into(), "b".into())],
        );
        assert_eq!(envelope["values"], json!([2, 3]));
        assert_eq!((envelope["size"].as_u64(), envelope["isLastPage"].as_bool()), (Some(2), Some(false)));
        assert_eq!(envelope["_links"]["next"], "https://h/rest/servicedeskapi/request?a=b&start=4&limit=2");
        assert_eq!(envelope["_links"]["prev"], "https://h/rest/servicedeskapi/request?a=b&start=0&limit=2");
        let last = DeskPage::new(Some(4), Some(2)).envelope(all.clone(), "https://h", "https://h/x", &[]);
        assert_eq!((last["isLastPage"].as_bool(), last["_links"].get("next")), (Some(true), None));
        assert_eq!(DeskPage::new(None, Some(1000)).limit, DESK_MAX_LIMIT);
        assert_eq!(DeskPage::new(Some(-3), Some(0)), DeskPage { start: 0, limit: 1 });
    }
}
