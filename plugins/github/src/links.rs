//! GitHub's `Link` header: the only place the next page's URL comes from.
//!
//! Lists are paged by `link: <…?page=2>; rel="next", <…?page=5>;
//! rel="last"`; the URL's shape differs by endpoint (`page`,
//! `before`/`after`, `since`), so it is never built, only followed. A
//! tool returns it as an opaque `cursor`, and a cursor is accepted only
//! if it points into the configured API (see [`crate::client`]).

/// The URL of relation `rel` (`next`) in a `Link` header.
pub fn find(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let named = params.split(';').any(|param| {
            param.trim().split_once('=').is_some_and(|(key, value)| {
                key.trim().eq_ignore_ascii_case("rel")
                    && value.trim().trim_matches('"').split_whitespace().any(|name| name.eq_ignore_ascii_case(rel))
            })
        });
        named.then(|| url.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_is_read_from_the_documented_header() {
        let header = "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", \
                      <https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", \
                      <https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", \
                      <https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"";
        assert_eq!(find(header, "next").as_deref(), Some("https://api.github.com/repositories/1300192/issues?page=4"));
        assert_eq!(
            find(header, "last").as_deref(),
            Some("https://api.github.com/repositories/1300192/issues?page=515")
        );
        let last_page = "<https://api.github.com/search/issues?q=x&page=1>; rel=\"first\"";
        assert_eq!(find(last_page, "next"), None);
        assert_eq!(find("garbage", "next"), None);
        assert_eq!(
            find("<https://a.example/?after=Y3Vyc29y>; rel=next", "next").as_deref(),
            Some("https://a.example/?after=Y3Vyc29y")
        );
    }
}
