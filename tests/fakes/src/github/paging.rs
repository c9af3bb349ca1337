//! Query parameters and GitHub's page-number pagination: `per_page`
//! (default 30, at most 100) and `page` (from 1), with the `link` header
//!
//! `link: <…?page=3>; rel="prev", <…?page=5>; rel="next", <…?page=9>; rel="last", <…?page=1>; rel="first"`
//!
//! whose URLs repeat the request's own query with `page` replaced. A
//! result that fits one page has no `link`; page 1 has no `prev` or
//! `first`, the last page no `next` or `last`.

use super::error::ApiError;
use axum::http::HeaderValue;

/// Records per page when `per_page` is not given.
pub const DEFAULT_PER_PAGE: usize = 30;
/// The most records a page holds.
pub const MAX_PER_PAGE: usize = 100;

/// A request's query parameters, in order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self(url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    /// The first value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).filter(|value| !value.is_empty())
    }

    /// The value of `name`, which must be one of `allowed`; `default` when
    /// it is not given, 422 `Invalid request` when it is something else.
    pub fn one_of<'a>(&'a self, name: &str, allowed: &[&'a str], default: &'a str) -> Result<&'a str, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) if allowed.contains(&value) => Ok(value),
            Some(value) => Err(ApiError::InvalidRequest(format!(
                "For '{name}', \"{value}\" is not one of [{}].",
                allowed.iter().map(|choice| format!("\"{choice}\"")).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// The page the request asks for. Values that are not numbers fall
    /// back to the defaults, as on GitHub.
    pub fn paging(&self) -> Paging {
        let number = |name| self.get(name).and_then(|value: &str| value.parse::<usize>().ok()).filter(|n| *n > 0);
        Paging {
            page: number("page").unwrap_or(1),
            per_page: number("per_page").unwrap_or(DEFAULT_PER_PAGE).min(MAX_PER_PAGE),
        }
    }

    /// The query with `page` set to `page`.
    fn with_page(&self, page: usize) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.0.iter().filter(|(key, _)| key != "page") {
            query.append_pair(key, value);
        }
        query.append_pair("page", &page.to_string());
        query.finish()
    }
}

/// Which slice of a result a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: usize,
    /// 1 to 100.
    pub per_page: usize,
}

impl Paging {
    /// The records of this page.
    pub fn slice<T>(&self, records: Vec<T>) -> Vec<T> {
        let start = (self.page - 1).saturating_mul(self.per_page);
        records.into_iter().skip(start).take(self.per_page).collect()
    }

    /// The `link` header for a result of `total` records at
    /// `https://{origin}{path}`, or `None` when it fits one page.
    pub fn link(&self, origin: &str, path: &str, params: &Params, total: usize) -> Option<HeaderValue> {
        let last = total.div_ceil(self.per_page).max(1);
        if last == 1 {
            return None;
        }
        let url = |page| format!("<https://{origin}{path}?{}>", params.with_page(page));
        let mut links = Vec::new();
        if self.page > 1 {
            links.push(format!("{}; rel=\"prev\"", url(self.page.min(last + 1) - 1)));
        }
        if self.page < last {
            links.push(format!("{}; rel=\"next\"", url(self.page + 1)));
            links.push(format!("{}; rel=\"last\"", url(last)));
        }
        if self.page > 1 {
            links.push(format!("{}; rel=\"first\"", url(1)));
        }
        HeaderValue::try_from(links.join(", ")).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_page_defaults_and_caps() {
        assert_eq!(Params::parse(None).paging(), Paging { page: 1, per_page: 30 });
        assert_eq!(Params::parse(Some("per_page=500&page=2")).paging(), Paging { page: 2, per_page: 100 });
        assert_eq!(Params::parse(Some("per_page=x&page=0")).paging(), Paging { page: 1, per_page: 30 });
        let params = Params::parse(Some("state=all&sort=size"));
        assert_eq!(params.one_of("state", &["open", "closed", "all"], "open"), Ok("all"));
        assert_eq!(params.one_of("direction", &["asc", "desc"], "desc"), Ok("desc"));
        assert!(matches!(params.one_of("sort", &["created"], "created"), Err(ApiError::InvalidRequest(_))));
    }

    #[test]
    fn link_names_prev_next_last_first_and_keeps_the_query() {
        let params = Params::parse(Some("state=all&per_page=2&page=2"));
        let link = params.paging().link("h:1", "/repos/acme/x/issues", &params, 5).unwrap();
        assert_eq!(
            link.to_str().unwrap(),
            "<https://h:1/repos/acme/x/issues?state=all&per_page=2&page=1>; rel=\"prev\", \
             <https://h:1/repos/acme/x/issues?state=all&per_page=2&page=3>; rel=\"next\", \
             <https://h:1/repos/acme/x/issues?state=all&per_page=2&page=3>; rel=\"last\", \
             <https://h:1/repos/acme/x/issues?state=all&per_page=2&page=1>; rel=\"first\""
        );
        let first = Params::parse(Some("per_page=2"));
        let link = first.paging().link("h:1", "/p", &first, 5).unwrap();
        assert!(!link.to_str().unwrap().contains("prev") && link.to_str().unwrap().contains("page=2>; rel=\"next\""));
        assert_eq!(first.paging().link("h:1", "/p", &first, 2), None, "one page, no link");
        assert_eq!(first.paging().slice(vec![1, 2, 3, 4, 5]), vec![1, 2]);
    }
}
