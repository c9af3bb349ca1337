//! The Table API's query parameters, and the paging headers they lead to.
//!
//! `sysparm_query` (or, without it, plain `name=value` pairs) selects;
//! `sysparm_limit` (default 10000) and `sysparm_offset` page; the total
//! goes in `X-Total-Count` (unless `sysparm_no_count`), and the pages in a
//! `Link` header with `first`, `prev`, `next` and `last` (unless
//! `sysparm_suppress_pagination_header`), omitted when everything fits on
//! one page.

use super::query::Query;
use super::render::{DisplayMode, Render};

/// `sysparm_limit` when the request gives none.
pub const DEFAULT_LIMIT: usize = 10_000;

/// One request's parameters.
#[derive(Debug, Clone)]
pub struct Params {
    /// What to select.
    pub query: Query,
    /// Page size.
    pub limit: usize,
    /// First row of the page.
    pub offset: usize,
    /// How to render.
    pub render: Render,
    /// `sysparm_no_count`: no `X-Total-Count`.
    pub no_count: bool,
    /// `sysparm_suppress_pagination_header`: no `Link`.
    pub suppress_pagination: bool,
    /// Every pair as given, for the `Link` URLs.
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Reads the raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
        let get = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let flag = |name: &str| get(name).is_some_and(|value| value.eq_ignore_ascii_case("true"));
        let number = |name: &str, default: usize| get(name).and_then(|value| value.parse().ok()).unwrap_or(default);
        let query = match get("sysparm_query") {
            Some(text) => Query::parse(text),
            None => Query::from_pairs(
                pairs.iter().filter(|(key, _)| !key.starts_with("sysparm_")).map(|(k, v)| (k.as_str(), v.as_str())),
            ),
        };
        let fields = get("sysparm_fields").map(|fields| {
            fields.split(',').map(str::trim).filter(|field| !field.is_empty()).map(str::to_owned).collect()
        });
        Self {
            query,
            limit: number("sysparm_limit", DEFAULT_LIMIT),
            offset: number("sysparm_offset", 0),
            render: Render {
                mode: get("sysparm_display_value").map(DisplayMode::parse).unwrap_or_default(),
                exclude_reference_link: flag("sysparm_exclude_reference_link"),
                fields,
            },
            no_count: flag("sysparm_no_count"),
            suppress_pagination: flag("sysparm_suppress_pagination_header"),
            pairs,
        }
    }

    /// The `Link` header for a listing of `total` rows at `url` (scheme,
    /// host and path), or `None` when it fits on one page or is suppressed.
    pub fn link(&self, url: &str, total: usize) -> Option<String> {
        if self.suppress_pagination || self.limit == 0 || (self.offset == 0 && total <= self.limit) {
            return None;
        }
        let last = total.saturating_sub(1) / self.limit * self.limit;
        let mut links = vec![(0, "first")];
        if self.offset > 0 {
            links.push((self.offset.saturating_sub(self.limit), "prev"));
        }
        if self.offset + self.limit < total {
            links.push((self.offset + self.limit, "next"));
        }
        links.push((last, "last"));
        let links: Vec<String> =
            links.into_iter().map(|(offset, rel)| format!("<{}>;rel=\"{rel}\"", self.page_url(url, offset))).collect();
        Some(links.join(","))
    }

    fn page_url(&self, url: &str, offset: usize) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("sysparm_offset", &offset.to_string()).append_pair("sysparm_limit", &self.limit.to_string());
        for (key, value) in self.pairs.iter().filter(|(key, _)| key != "sysparm_offset" && key != "sysparm_limit") {
            query.append_pair(key, value);
        }
        format!("{url}?{}", query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels(link: &str) -> Vec<(usize, &str)> {
        link.split(',')
            .map(|part| {
                let offset = part.split("sysparm_offset=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
                let rel = part.split("rel=\"").nth(1).unwrap().trim_end_matches('"');
                (offset, rel)
            })
            .collect()
    }

    #[test]
    fn defaults() {
        let params = Params::parse(None);
        assert_eq!((params.limit, params.offset, params.no_count), (DEFAULT_LIMIT, 0, false));
        assert_eq!(params.render.mode, DisplayMode::Value);
        assert_eq!(params.link("https://h/api/now/table/incident", 12), None);
    }

    #[test]
    fn links_for_first_middle_and_last_pages() {
        let url = "https://h/api/now/table/incident";
        let first = Params::parse(Some("sysparm_limit=5&sysparm_query=active%3Dtrue"));
        let link = first.link(url, 12).unwrap();
        assert_eq!(rels(&link), [(0, "first"), (5, "next"), (10, "last")]);
        assert!(link.starts_with(
            "<https://h/api/now/table/incident?sysparm_offset=0&sysparm_limit=5&sysparm_query=active%3Dtrue>"
        ));
        let middle = Params::parse(Some("sysparm_limit=5&sysparm_offset=5"));
        assert_eq!(rels(&middle.link(url, 12).unwrap()), [(0, "first"), (0, "prev"), (10, "next"), (10, "last")]);
        let last = Params::parse(Some("sysparm_limit=5&sysparm_offset=10"));
        assert_eq!(rels(&last.link(url, 12).unwrap()), [(0, "first"), (5, "prev"), (10, "last")]);
        let exact = Params::parse(Some("sysparm_limit=6&sysparm_offset=6"));
        assert_eq!(rels(&exact.link(url, 12).unwrap()), [(0, "first"), (0, "prev"), (6, "last")]);
        let suppressed = Params::parse(Some("sysparm_limit=5&sysparm_suppress_pagination_header=true"));
        assert_eq!(suppressed.link(url, 12), None);
    }

    #[test]
    fn plain_pairs_filter_when_there_is_no_encoded_query() {
        assert_eq!(Params::parse(Some("state=1&sysparm_limit=2")).query, Query::parse("state=1"));
        assert_eq!(Params::parse(Some("state=1&sysparm_query=state=2")).query, Query::parse("state=2"));
    }
}
