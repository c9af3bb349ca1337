//! Zendesk's two pagination methods, shared by every listing.
//!
//! - **Cursor**, chosen by `page[size]` (at most 100 on most endpoints,
//!   1000 on search export), walked with `page[after]` / `page[before]`:
//!   `{"…":[…],"meta":{"has_more","after_cursor","before_cursor"},
//!   "links":{"next","prev"}}`. A cursor names the boundary record by its
//!   sort value and id, so records written between pages neither repeat
//!   nor vanish. Cursors are opaque base64 JSON, as Zendesk's are.
//! - **Offset** otherwise: `page` (from 1) and `per_page` (default and
//!   maximum 100): `{"…":[…],"next_page","previous_page","count"}`.
//!   Listings refuse pages past the first 10,000 records (400
//!   `InvalidPaginationDepth`); search past 1,000 results (422).
//!
//! Mixing the two (`page=2&page[size]=5`) is a 400 `Invalid attribute`: on
//! the real API `page` cannot be both a number and a hash.

use super::error::ApiError;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::cmp::Ordering;

/// A request's query parameters, decoded, in order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self(url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Whether `name` is given.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether any `page[…]` parameter is given.
    pub fn has_cursor_params(&self) -> bool {
        self.0.iter().any(|(key, _)| key.starts_with("page["))
    }

    /// Every pair but the pagination ones, for links to other pages.
    fn kept(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter().filter(|(key, _)| key != "page" && key != "per_page" && !key.starts_with("page["))
    }
}

/// A value records are sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    /// A number, rank or time.
    Int(i64),
    /// Text, compared as given (callers lower-case it).
    Text(String),
}

impl SortKey {
    fn to_json(&self) -> Value {
        match self {
            Self::Int(number) => json!(number),
            Self::Text(text) => json!(text),
        }
    }

    fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::Number(number) => number.as_i64().map(Self::Int),
            Value::String(text) => Some(Self::Text(text.clone())),
            _ => None,
        }
    }
}

/// The position of `value` in `all` (an enumeration's rank, for sorting
/// by it), `-1` for none.
pub fn rank<T: PartialEq>(all: &[T], value: Option<T>) -> i64 {
    value.and_then(|value| all.iter().position(|candidate| *candidate == value)).map_or(-1, |index| index as i64)
}

/// One record of a listing: its sort value, its id and how it is written.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The value sorted by.
    pub key: SortKey,
    /// The record's id, which breaks ties.
    pub id: u64,
    /// The record as JSON.
    pub value: Value,
}

/// A listing's order: a name for cursors (`-updated_at`) and a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// What the order is called; a cursor only fits the order it came from.
    pub name: String,
    /// Largest first.
    pub descending: bool,
}

impl Order {
    fn compare(&self, a: (&SortKey, u64), b: (&SortKey, u64)) -> Ordering {
        let ordering = a.0.cmp(b.0).then(a.1.cmp(&b.1));
        if self.descending { ordering.reverse() } else { ordering }
    }

    /// Sorts `entries` in this order.
    pub fn sort(&self, entries: &mut [Entry]) {
        entries.sort_by(|a, b| self.compare((&a.key, a.id), (&b.key, b.id)));
    }
}

/// Where a cursor page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    /// The first page.
    Start,
    /// The page after the record a cursor names.
    After(Cursor),
    /// The page before the record a cursor names.
    Before(Cursor),
}

/// How a request pages.
#[derive(Debug, Clone, PartialEq)]
pub enum Paging {
    /// Cursor pagination.
    Cursor {
        /// Records per page.
        size: usize,
        /// Where the page starts.
        position: Position,
    },
    /// Offset pagination.
    Offset {
        /// The page, from 1.
        page: usize,
        /// Records per page.
        per_page: usize,
    },
}

/// A decoded cursor: the boundary record's sort value and id, and the order
/// it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    order: String,
    key: SortKey,
    id: u64,
}

impl Cursor {
    fn encode(&self) -> String {
        let json = json!({"o": self.order, "v": self.key.to_json(), "i": self.id});
        base64::engine::general_purpose::STANDARD.encode(json.to_string())
    }

    fn decode(text: &str, parameter: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::PaginationParameter(format!("{parameter} is not a valid cursor"));
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|_| invalid())?;
        let json: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let order = json.get("o").and_then(Value::as_str).ok_or_else(invalid)?.to_owned();
        let key = json.get("v").and_then(SortKey::from_json).ok_or_else(invalid)?;
        let id = json.get("i").and_then(Value::as_u64).ok_or_else(invalid)?;
        Ok(Self { order, key, id })
    }
}

/// The most records offset pagination reaches on a listing.
pub const OFFSET_DEPTH: usize = 10_000;
/// `per_page` when a request gives none, and its maximum.
pub const PER_PAGE: usize = 100;

/// How a request pages, for an endpoint whose `page[size]` may be at most
/// `max_size`. `default_size` is the size when only a cursor is given.
pub fn paging(params: &Params, max_size: usize, default_size: usize) -> Result<Paging, ApiError> {
    let offset = params.has("page") || params.has("per_page");
    if params.has_cursor_params() {
        if offset {
            return Err(ApiError::InvalidAttribute(
                "You passed an invalid value for the page attribute. Invalid parameter: page must be a hash \
                 (page[size], page[after], page[before]) when cursor pagination is used"
                    .to_owned(),
            ));
        }
        let size = match params.get("page[size]") {
            None => default_size,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(size) if (1..=max_size).contains(&size) => size,
                _ => {
                    return Err(ApiError::PaginationParameter(format!(
                        "page[size] must be an integer between 1 and {max_size}"
                    )));
                }
            },
        };
        let position = match (params.get("page[after]"), params.get("page[before]")) {
            (Some(_), Some(_)) => {
                return Err(ApiError::PaginationParameter(
                    "page[after] and page[before] cannot be used together".to_owned(),
                ));
            }
            (Some(after), None) if !after.is_empty() => Position::After(Cursor::decode(after, "page[after]")?),
            (None, Some(before)) if !before.is_empty() => Position::Before(Cursor::decode(before, "page[before]")?),
            _ => Position::Start,
        };
        return Ok(Paging::Cursor { size, position });
    }
    let page = match params.get("page") {
        None => 1,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(page) if page >= 1 => page,
            _ => {
                return Err(ApiError::InvalidAttribute(
                    "You passed an invalid value for the page attribute. Invalid parameter: page must be an integer"
                        .to_owned(),
                ));
            }
        },
    };
    let per_page = params.get("per_page").and_then(|text| text.trim().parse::<usize>().ok()).filter(|n| *n > 0);
    Ok(Paging::Offset { page, per_page: per_page.unwrap_or(PER_PAGE).min(PER_PAGE) })
}

/// `page[size]` of a listing (not search's): at most 100, and 100 when only
/// a cursor is given.
const LISTING_SIZE: usize = 100;

/// A request for a listing (not search's): its parameters and how it pages.
#[derive(Debug)]
pub struct Listing {
    /// The request's parameters.
    pub params: Params,
    /// How it pages.
    pub paging: Paging,
}

impl Listing {
    /// Reads a listing request's raw query string.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let params = Params::parse(raw);
        let paging = paging(&params, LISTING_SIZE, LISTING_SIZE)?;
        Ok(Self { params, paging })
    }

    /// The page of `entries` (already in `order`) under `key`, its links
    /// going to `url` (`https://host/api/v2/tickets.json`); offset pages
    /// reach at most [`OFFSET_DEPTH`] records.
    pub fn page(&self, key: &str, entries: Vec<Entry>, order: &Order, url: String) -> Result<Response, ApiError> {
        let link = Link { url, params: &self.params };
        let envelope = page(key, entries, &self.paging, order, &link, (OFFSET_DEPTH, ApiError::PaginationDepth))?;
        Ok(axum::Json(envelope).into_response())
    }
}

/// Where the listing is (`https://host/api/v2/tickets.json`) and with
/// which other parameters, for links to other pages.
pub struct Link<'a> {
    /// Scheme, host and path.
    pub url: String,
    /// The request's parameters.
    pub params: &'a Params,
}

impl Link<'_> {
    fn with(&self, paging: &[(&str, String)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.params.kept() {
            query.append_pair(key, value);
        }
        for (key, value) in paging {
            query.append_pair(key, value);
        }
        format!("{}?{}", self.url, query.finish())
    }
}

/// One page of `entries` (already in `order`) under `key`, with the
/// envelope of the request's pagination method. `depth` is how many records
/// offset pagination may reach, and the error past it.
pub fn page(
    key: &str,
    entries: Vec<Entry>,
    paging: &Paging,
    order: &Order,
    link: &Link<'_>,
    depth: (usize, ApiError),
) -> Result<Map<String, Value>, ApiError> {
    let mut envelope = Map::new();
    match paging {
        Paging::Offset { page, per_page } => {
            if page.saturating_mul(*per_page) > depth.0 {
                return Err(depth.1);
            }
            let count = entries.len();
            let start = (page - 1) * per_page;
            let items: Vec<Value> = entries.into_iter().skip(start).take(*per_page).map(|entry| entry.value).collect();
            let page_link = |page: usize| link.with(&[("page", page.to_string()), ("per_page", per_page.to_string())]);
            envelope.insert(key.to_owned(), Value::Array(items));
            envelope.insert("next_page".to_owned(), json!((start + per_page < count).then(|| page_link(page + 1))));
            envelope.insert("previous_page".to_owned(), json!((*page > 1).then(|| page_link(page - 1))));
            envelope.insert("count".to_owned(), json!(count));
        }
        Paging::Cursor { size, position } => {
            let boundary = |cursor: &Cursor| -> Result<(SortKey, u64), ApiError> {
                if cursor.order == order.name {
                    Ok((cursor.key.clone(), cursor.id))
                } else {
                    Err(ApiError::PaginationParameter("the cursor belongs to another sort order".to_owned()))
                }
            };
            let (range, has_more) = match position {
                Position::Start => (0..(*size).min(entries.len()), entries.len() > *size),
                Position::After(cursor) => {
                    let (key, id) = boundary(cursor)?;
                    let start =
                        entries.partition_point(|entry| order.compare((&entry.key, entry.id), (&key, id)).is_le());
                    let end = (start + size).min(entries.len());
                    (start..end, end < entries.len())
                }
                Position::Before(cursor) => {
                    let (key, id) = boundary(cursor)?;
                    let end =
                        entries.partition_point(|entry| order.compare((&entry.key, entry.id), (&key, id)).is_lt());
                    (end.saturating_sub(*size)..end, end > *size)
                }
            };
            let cursor_of =
                |entry: &Entry| Cursor { order: order.name.clone(), key: entry.key.clone(), id: entry.id }.encode();
            let slice = &entries[range];
            let after = slice.last().map(cursor_of);
            let before = slice.first().map(cursor_of);
            let size = size.to_string();
            let next = after
                .as_ref()
                .map(|cursor| link.with(&[("page[size]", size.clone()), ("page[after]", cursor.clone())]));
            let prev = before
                .as_ref()
                .map(|cursor| link.with(&[("page[size]", size.clone()), ("page[before]", cursor.clone())]));
            let items: Vec<Value> = slice.iter().map(|entry| entry.value.clone()).collect();
            envelope.insert(key.to_owned(), Value::Array(items));
            envelope.insert(
                "meta".to_owned(),
                json!({"has_more": has_more, "after_cursor": after, "before_cursor": before}),
            );
            envelope.insert("links".to_owned(), json!({"next": next, "prev": prev}));
        }
    }
    Ok(envelope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: u64) -> Vec<Entry> {
        (1..=n).map(|id| Entry { key: SortKey::Int(i64::try_from(id % 3).unwrap()), id, value: json!(id) }).collect()
    }

    fn ids(envelope: &Map<String, Value>) -> Vec<u64> {
        envelope["items"].as_array().unwrap().iter().map(|value| value.as_u64().unwrap()).collect()
    }

    fn depth() -> (usize, ApiError) {
        (OFFSET_DEPTH, ApiError::PaginationDepth)
    }

    #[test]
    fn cursors_walk_both_ways_without_repeats() {
        let order = Order { name: "-k".to_owned(), descending: true };
        let mut all = entries(7);
        order.sort(&mut all);
        let params = Params::default();
        let link = Link { url: "https://h/api/v2/x.json".to_owned(), params: &params };
        let first =
            page("items", all.clone(), &Paging::Cursor { size: 3, position: Position::Start }, &order, &link, depth());
        let first = first.unwrap();
        assert_eq!(ids(&first), [5, 2, 7]);
        assert_eq!(first["meta"]["has_more"], true);
        let after = Cursor::decode(first["meta"]["after_cursor"].as_str().unwrap(), "page[after]").unwrap();
        let second = page(
            "items",
            all.clone(),
            &Paging::Cursor { size: 3, position: Position::After(after) },
            &order,
            &link,
            depth(),
        );
        let second = second.unwrap();
        assert_eq!(ids(&second), [4, 1, 6]);
        let before = Cursor::decode(second["meta"]["before_cursor"].as_str().unwrap(), "page[before]").unwrap();
        let back =
            page("items", all, &Paging::Cursor { size: 3, position: Position::Before(before) }, &order, &link, depth());
        assert_eq!(ids(&back.unwrap()), [5, 2, 7]);
        assert!(
            second["links"]["next"]
                .as_str()
                .unwrap()
                .starts_with("https://h/api/v2/x.json?page%5Bsize%5D=3&page%5Bafter%5D=")
        );
    }

    #[test]
    fn offset_pages_count_and_stop_at_the_depth_limit() {
        let order = Order { name: "id".to_owned(), descending: false };
        let params = Params::parse(Some("sort_by=id&page=2&per_page=3"));
        let link = Link { url: "https://h/api/v2/x.json".to_owned(), params: &params };
        let paging = paging(&params, 100, 100).unwrap();
        let envelope = page("items", entries(7), &paging, &order, &link, depth()).unwrap();
        assert_eq!(ids(&envelope), [4, 5, 6]);
        assert_eq!(envelope["count"], 7);
        assert_eq!(envelope["next_page"], "https://h/api/v2/x.json?sort_by=id&page=3&per_page=3");
        assert_eq!(envelope["previous_page"], "https://h/api/v2/x.json?sort_by=id&page=1&per_page=3");
        let deep = Paging::Offset { page: 101, per_page: 100 };
        assert_eq!(page("items", entries(1), &deep, &order, &link, depth()).unwrap_err(), ApiError::PaginationDepth);
    }

    #[test]
    fn parameters_choose_the_method_and_refuse_mixtures() {
        let parse = |raw: &str| paging(&Params::parse(Some(raw)), 100, 100);
        assert_eq!(parse("").unwrap(), Paging::Offset { page: 1, per_page: 100 });
        assert_eq!(parse("per_page=500").unwrap(), Paging::Offset { page: 1, per_page: 100 });
        assert_eq!(parse("page%5Bsize%5D=5").unwrap(), Paging::Cursor { size: 5, position: Position::Start });
        assert!(matches!(parse("page=2&page[size]=5"), Err(ApiError::InvalidAttribute(_))));
        assert!(matches!(parse("per_page=2&page[size]=5"), Err(ApiError::InvalidAttribute(_))));
        assert!(matches!(parse("page[size]=101"), Err(ApiError::PaginationParameter(_))));
        assert!(matches!(parse("page[size]=0"), Err(ApiError::PaginationParameter(_))));
        assert!(matches!(parse("page[size]=5&page[after]=garbage!"), Err(ApiError::PaginationParameter(_))));
        assert!(matches!(parse("page=two"), Err(ApiError::InvalidAttribute(_))));
    }
}
