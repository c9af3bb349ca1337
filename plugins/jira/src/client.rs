//! Requests to the site's REST APIs (the platform's `/rest/api/3` and
//! Service Management's `/rest/servicedeskapi`), through the site or the
//! API gateway as [`Settings`] says.
//!
//! Every request names the `jira` credential, so the host attaches whatever
//! the tenant stored (Basic e-mail and API token, or a Bearer access
//! token); the plugin never sees it. The host has already retried 429s
//! (honouring `Retry-After` up to its bound) and, for GET and PUT, 502 to
//! 504 and lost connections, before an answer gets here; what is left
//! becomes a tool error in [`crate::errors`].

use crate::errors::{self, CREDENTIAL, Failure};
use crate::settings::Settings;
use berth_sdk::ToolError;
use berth_sdk::http::Request;
use serde::Serialize;
use serde_json::Value;

/// A client for the calling tenant's site.
pub struct Jira {
    /// The tenant's settings.
    pub settings: Settings,
}

impl Jira {
    /// A client for the site the tenant configured.
    pub fn new() -> Result<Self, ToolError> {
        Ok(Self { settings: Settings::load()? })
    }

    /// GET a platform API path (`/issue/OPS-1`) with `query`; `target`
    /// names what it is about in failures.
    pub fn get(&self, path: &str, query: &[(&str, String)], target: &str) -> Result<Value, ToolError> {
        let mut request = Request::get(self.settings.platform(path));
        for (name, value) in query {
            request = request.query(name, value.clone());
        }
        self.json(request, target)
    }

    /// POST `body` to a platform API path.
    pub fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B, target: &str) -> Result<Value, ToolError> {
        self.json(Request::post(self.settings.platform(path)).json(body), target)
    }

    /// PUT `body` to a platform API path.
    pub fn put<B: Serialize + ?Sized>(&self, path: &str, body: &B, target: &str) -> Result<Value, ToolError> {
        self.json(Request::put(self.settings.platform(path)).json(body), target)
    }

    /// GET a Service Management path (`/servicedesk`) with `query`.
    pub fn desk_get(&self, path: &str, query: &[(&str, String)], target: &str) -> Result<Value, ToolError> {
        let mut request = Request::get(self.settings.service_desk(path));
        for (name, value) in query {
            request = request.query(name, value.clone());
        }
        self.json(desk(request), target)
    }

    /// POST `body` to a Service Management path.
    pub fn desk_post<B: Serialize + ?Sized>(&self, path: &str, body: &B, target: &str) -> Result<Value, ToolError> {
        self.json(desk(Request::post(self.settings.service_desk(path)).json(body)), target)
    }

    /// Whether requests go through the API gateway.
    fn via_gateway(&self) -> bool {
        self.settings.api_base != self.settings.site_url
    }

    /// Sends `request` with the credential; a success's body as JSON
    /// (`null` for 204 No Content).
    fn json(&self, request: Request, target: &str) -> Result<Value, ToolError> {
        let response = request.credential(CREDENTIAL).send().map_err(errors::transport_error)?;
        if !response.is_success() {
            return Err(errors::status_error(&Failure {
                status: response.status,
                retry_after: response.header("retry-after"),
                rate_limit_reason: response.header("ratelimit-reason"),
                body: &response.body,
                target,
                via_gateway: self.via_gateway(),
            }));
        }
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        response.json()
    }
}

/// Service Management requests opt in to its experimental endpoints
/// (queues and some request-type reads were experimental; the header is
/// harmless where they are not).
fn desk(request: Request) -> Request {
    request.header("x-experimentalapi", "opt-in")
}

/// The string at `pointer` in `value`, if any and not empty.
pub fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|text| !text.is_empty())
}

/// An answer that lacks what Jira always sends.
pub fn unexpected(what: &str) -> ToolError {
    ToolError::upstream(None, format!("unexpected answer from Jira: {what}"))
}
