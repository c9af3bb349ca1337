//! Requests to the portal's API (`https://{domain}/app/{portal}/api/v3`).
//!
//! Every request names the `servicedesk-plus` credential, so the host
//! attaches `Authorization: Zoho-oauthtoken <access token>`: it obtains
//! the token from the refresh token at the Zoho accounts server, keeps it
//! until shortly before it expires, and on a 401 refreshes it once and
//! retries; the plugin never sees it. Every request asks for the v3 API's
//! media type. Arguments travel as ServiceDesk Plus wants them: a JSON
//! `input_data`, form-encoded in the body of a POST or PUT, and as a URL
//! parameter of a GET. The host has already retried 429s (honouring a
//! short `Retry-After`) and, for GET and PUT, 502 to 504 and lost
//! connections; what is left becomes a tool error in [`crate::errors`].

use crate::errors::{self, CREDENTIAL, Failure};
use crate::settings::Settings;
use berth_sdk::ToolError;
use berth_sdk::http::{Request, percent_encode};
use serde_json::Value;

/// The media type of ServiceDesk Plus's v3 API.
pub const MEDIA_TYPE: &str = "application/vnd.manageengine.sdp.v3+json";

/// A client for the calling tenant's portal.
pub struct Sdp {
    /// The tenant's settings.
    pub settings: Settings,
}

impl Sdp {
    /// A client for the portal the tenant configured.
    pub fn new() -> Result<Self, ToolError> {
        Ok(Self { settings: Settings::load()? })
    }

    /// GET an API path (`/requests/123`), with `input_data` as a URL
    /// parameter when given; `target` names what it is about in failures.
    pub fn get(&self, path: &str, input_data: Option<&Value>, target: &str) -> Result<Value, ToolError> {
        let mut request = Request::get(self.settings.api(path));
        if let Some(input) = input_data {
            request = request.query("input_data", input.to_string());
        }
        self.send(request, target)
    }

    /// POST `input_data` (form-encoded) to an API path.
    pub fn post(&self, path: &str, input_data: &Value, target: &str) -> Result<Value, ToolError> {
        self.send(form(Request::post(self.settings.api(path)), input_data), target)
    }

    /// PUT `input_data` (form-encoded) to an API path.
    pub fn put(&self, path: &str, input_data: &Value, target: &str) -> Result<Value, ToolError> {
        self.send(form(Request::put(self.settings.api(path)), input_data), target)
    }

    /// Sends `request` with the credential; a success's body as JSON.
    fn send(&self, request: Request, target: &str) -> Result<Value, ToolError> {
        let response =
            request.header("accept", MEDIA_TYPE).credential(CREDENTIAL).send().map_err(errors::transport_error)?;
        let failure = || Failure {
            status: response.status,
            retry_after: response.header("retry-after"),
            body: &response.body,
            target,
        };
        if !response.is_success() {
            return Err(errors::status_error(&failure()));
        }
        let body: Value = response.json()?;
        if errors::failed_in_body(&body) {
            return Err(errors::status_error(&failure()));
        }
        Ok(body)
    }
}

/// `request` with `input_data` as its form-encoded body.
fn form(request: Request, input_data: &Value) -> Request {
    request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("input_data={}", percent_encode(&input_data.to_string())))
}

/// The string at `pointer` in `value`, if any and not empty.
pub fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|text| !text.is_empty())
}

/// The id at `pointer` in `value`: ServiceDesk Plus sends ids as strings
/// of digits, some clients' fakes as numbers; both read the same.
pub fn id_at(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// An answer that lacks what ServiceDesk Plus always sends.
pub fn unexpected(what: &str) -> ToolError {
    ToolError::upstream(None, format!("unexpected answer from ServiceDesk Plus: {what}"))
}
