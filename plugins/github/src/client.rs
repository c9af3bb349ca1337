//! Requests to GitHub's REST API, with the headers GitHub asks every
//! client for (`Accept: application/vnd.github+json`,
//! `X-GitHub-Api-Version: 2022-11-28` and a `User-Agent`), the `github`
//! credential (the host attaches it as `Authorization: Bearer …`; the
//! plugin never sees it), `Link` paging, and GitHub's rate limits.
//!
//! The host has already retried 429s whose `Retry-After` fits its bound,
//! and 502 to 504 for reads. GitHub also refuses with **403** for its
//! rate limits, which the host cannot tell from a permission error; so
//! when GitHub asks for a wait ([`errors::rate_limit`]) that fits in a call
//! ([`MAX_WAIT_SECS`]), the client sleeps and sends the request again, at
//! most [`MAX_WAITS`] times. A longer wait becomes an error that says when
//! to try again.

use crate::errors::{self, CREDENTIAL, Failure};
use crate::settings::Settings;
use crate::{links, time};
use berth_sdk::ToolError;
use berth_sdk::http::{Request, Response};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// The media type GitHub recommends for its REST API.
const ACCEPT: &str = "application/vnd.github+json";
/// The API version this adapter is written against.
pub const API_VERSION: &str = "2022-11-28";
/// Who is calling: GitHub refuses requests without a `User-Agent`.
const USER_AGENT: &str = concat!("berth-github/", env!("CARGO_PKG_VERSION"));
/// The longest rate-limit wait the client sits out: a call has about ten
/// seconds in all.
pub const MAX_WAIT_SECS: u64 = 5;
/// How many rate-limit waits one request may sit out.
const MAX_WAITS: u32 = 2;

/// One page of a list, and where the next one is.
pub struct Page {
    /// The answer's body.
    pub body: Value,
    /// The `rel="next"` URL, when there is a next page.
    pub next: Option<String>,
}

/// A client for the calling tenant's GitHub.
pub struct GitHub {
    /// The tenant's settings.
    pub settings: Settings,
}

impl GitHub {
    /// A client for the API the tenant configured.
    pub fn new() -> Result<Self, ToolError> {
        Ok(Self { settings: Settings::load()? })
    }

    /// GET `path` with `query`; `target` names what it is about in failures.
    pub fn get(&self, path: &str, query: &[(&str, String)], target: &str) -> Result<Value, ToolError> {
        Ok(self.page(path, query, target)?.body)
    }

    /// GET one page of the list at `path`, or, given a `cursor` (a `next`
    /// URL this client returned), the page it names.
    pub fn list(
        &self,
        path: &str,
        query: &[(&str, String)],
        cursor: Option<&str>,
        target: &str,
    ) -> Result<Page, ToolError> {
        match cursor.map(str::trim).filter(|cursor| !cursor.is_empty()) {
            Some(cursor) => self.follow(cursor, target),
            None => self.page(path, query, target),
        }
    }

    /// GET `path` with `query`, with its `next` link.
    pub fn page(&self, path: &str, query: &[(&str, String)], target: &str) -> Result<Page, ToolError> {
        let mut request = Request::get(self.settings.url(path));
        for (name, value) in query {
            request = request.query(name, value.clone());
        }
        self.json(request, target)
    }

    /// GET the page at `cursor`, a `next` URL GitHub sent: only one that
    /// points into the configured API is followed.
    pub fn follow(&self, cursor: &str, target: &str) -> Result<Page, ToolError> {
        let inside = cursor.strip_prefix(&self.settings.api_base).is_some_and(|rest| rest.starts_with('/'));
        if !inside || cursor.chars().any(char::is_whitespace) {
            return Err(ToolError::invalid(
                "`cursor` is not one this tool returned; pass back the `next_cursor` of the previous page unchanged",
            ));
        }
        self.json(Request::get(cursor), target)
    }

    /// POST `body` to `path`.
    pub fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B, target: &str) -> Result<Value, ToolError> {
        Ok(self.json(Request::post(self.settings.url(path)).json(body), target)?.body)
    }

    /// PATCH `path` with `body`.
    pub fn patch<B: Serialize + ?Sized>(&self, path: &str, body: &B, target: &str) -> Result<Value, ToolError> {
        Ok(self.json(Request::patch(self.settings.url(path)).json(body), target)?.body)
    }

    /// Sends `request`; a success's body as JSON (`null` when empty).
    fn json(&self, request: Request, target: &str) -> Result<Page, ToolError> {
        let response = self.send(request, target)?;
        let next = response.header("link").and_then(|link| links::find(link, "next"));
        let body = if response.body.iter().all(u8::is_ascii_whitespace) { Value::Null } else { response.json()? };
        Ok(Page { body, next })
    }

    /// Sends `request` with GitHub's headers and the credential, sitting
    /// out short rate-limit waits; a failure as a tool error.
    fn send(&self, request: Request, target: &str) -> Result<Response, ToolError> {
        let request = request
            .header("accept", ACCEPT)
            .header("x-github-api-version", API_VERSION)
            .header("user-agent", USER_AGENT)
            .credential(CREDENTIAL);
        let mut waits = 0;
        loop {
            let response = request.clone().send().map_err(|error| errors::transport_error(error, time::now()))?;
            if response.is_success() {
                return Ok(response);
            }
            let failure = Failure { status: response.status, headers: &response.headers, body: &response.body, target };
            let now = time::now();
            match errors::rate_limit(&failure, now) {
                Some(limit) if limit.wait_secs <= MAX_WAIT_SECS && waits < MAX_WAITS => {
                    waits += 1;
                    std::thread::sleep(Duration::from_secs(limit.wait_secs.max(1)));
                }
                _ => return Err(errors::status_error(&failure, now)),
            }
        }
    }
}

/// The string at `pointer` in `value`, if any and not empty.
pub fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|text| !text.is_empty())
}

/// The array at `pointer` in `value` (empty when absent).
pub fn items<'a>(value: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    value.pointer(pointer).and_then(Value::as_array).into_iter().flatten()
}
