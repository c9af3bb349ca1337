//! Outbound HTTP, performed by the host.
//!
//! The host checks every request against the manifest's egress prefixes and
//! the tenant's grants, attaches the named credential, and enforces timeouts
//! and size limits. An upstream error status (404, 500, ...) is a normal
//! [`Response`]; an [`HttpError`] means no usable answer was obtained.
//!
//! ```no_run
//! use berth_sdk::http::Request;
//! # fn run() -> Result<(), berth_sdk::ToolError> {
//! let response = Request::get("https://acme.service-now.com/api/now/table/incident")
//!     .query("sysparm_limit", "10")
//!     .credential("servicenow")
//!     .send()?;
//! let body: serde_json::Value = response.json()?;
//! # Ok(()) }
//! ```

use crate::bindings::berth::plugin::http as wit;
use crate::{ToolError, UpstreamError};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use wit::{HttpError, Method, Response};

/// A request under construction.
#[derive(Debug, Clone)]
pub struct Request {
    inner: wit::Request,
    query: Vec<(String, String)>,
}

impl Request {
    /// A request with `method` to `url`.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            inner: wit::Request {
                method,
                url: url.into(),
                headers: vec![("accept".to_owned(), "application/json".to_owned())],
                body: None,
                credential: None,
                timeout_ms: None,
            },
            query: Vec::new(),
        }
    }

    /// A GET request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url)
    }

    /// A POST request.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::Post, url)
    }

    /// A PUT request.
    pub fn put(url: impl Into<String>) -> Self {
        Self::new(Method::Put, url)
    }

    /// A PATCH request.
    pub fn patch(url: impl Into<String>) -> Self {
        Self::new(Method::Patch, url)
    }

    /// A DELETE request.
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new(Method::Delete, url)
    }

    /// Sets a header, replacing any earlier value with the same name.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        let name = name.to_ascii_lowercase();
        self.inner.headers.retain(|(existing, _)| *existing != name);
        self.inner.headers.push((name, value.into()));
        self
    }

    /// Appends a query parameter; both parts are percent-encoded.
    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.inner.body = serde_json::to_vec(body).ok();
        self.header("content-type", "application/json")
    }

    /// Sends raw bytes as the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.inner.body = Some(body.into());
        self
    }

    /// Asks the host to attach the tenant's credential `name` (declared in the
    /// manifest). The plugin never sees its value.
    pub fn credential(mut self, name: &str) -> Self {
        self.inner.credential = Some(name.to_owned());
        self
    }

    /// Lowers the host's timeout for this request.
    pub fn timeout_ms(mut self, timeout: u32) -> Self {
        self.inner.timeout_ms = Some(timeout);
        self
    }

    /// Performs the request through the host.
    pub fn send(mut self) -> Result<Response, HttpError> {
        if !self.query.is_empty() {
            let separator = if self.inner.url.contains('?') { '&' } else { '?' };
            let encoded: Vec<String> = self
                .query
                .iter()
                .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
                .collect();
            self.inner.url = format!("{}{separator}{}", self.inner.url, encoded.join("&"));
        }
        wit::send(&self.inner)
    }
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON. A parse failure is an upstream error that
    /// quotes the start of the body, which is what an operator needs to see.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ToolError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            let text = self.text();
            let excerpt: String = text.chars().take(200).collect();
            ToolError::Upstream(UpstreamError {
                status: Some(self.status),
                message: format!("unexpected response body ({error}): {excerpt}"),
            })
        })
    }
}

impl HttpError {
    /// The variant's name as the WIT contract spells it (`denied`,
    /// `invalid-request`, ...), for reports and metrics a plugin keeps.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Denied(_) => "denied",
            Self::InvalidRequest(_) => "invalid-request",
            Self::CredentialFailed(_) => "credential-failed",
            Self::Timeout => "timeout",
            Self::TooLarge(_) => "too-large",
            Self::RateLimited(_) => "rate-limited",
            Self::CircuitOpen(_) => "circuit-open",
            Self::Connection(_) => "connection",
        }
    }

    /// A sentence describing the failure, for a tool error or a log line.
    pub fn message(&self) -> String {
        match self {
            Self::Denied(message) => format!("request denied by egress policy: {message}"),
            Self::InvalidRequest(message) => format!("invalid request: {message}"),
            Self::CredentialFailed(message) => format!("credential failed: {message}"),
            Self::Timeout => "the upstream did not answer in time".to_owned(),
            Self::TooLarge(limit) => format!("the response exceeded the {limit}-byte limit"),
            Self::RateLimited(Some(ms)) => format!("rate limited; retry after {ms} ms"),
            Self::RateLimited(None) => "rate limited".to_owned(),
            Self::CircuitOpen(message) => format!("upstream unavailable (circuit open): {message}"),
            Self::Connection(message) => format!("could not reach the upstream: {message}"),
        }
    }
}

/// Lets `?` turn a failed request into a tool error: a policy denial stays a
/// denial, everything else is an upstream failure.
impl From<HttpError> for ToolError {
    fn from(error: HttpError) -> Self {
        match error {
            HttpError::Denied(message) => ToolError::Denied(message),
            other => ToolError::Upstream(UpstreamError { status: None, message: other.message() }),
        }
    }
}
