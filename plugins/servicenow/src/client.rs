//! Requests to the instance's Table API, and ServiceNow's failures turned
//! into tool errors an agent (and its operator) can act on.
//!
//! Every request names the `servicenow` credential, so the host attaches
//! whatever the tenant configured (Basic, or an OAuth token it obtained from
//! `/oauth_token.do`), and asks for `sysparm_display_value=all` so records
//! carry both stored values and what a person would see. The host already
//! retried 429s and transient failures before an answer gets here.

use crate::settings;
use berth_sdk::ToolError;
use berth_sdk::http::{HttpError, Request, Response};
use serde_json::Value;

/// The credential name the manifest declares.
pub const CREDENTIAL: &str = "servicenow";

/// A Table API client for the calling tenant's instance.
pub struct Client {
    base: String,
}

/// One page of a listing.
pub struct Page {
    /// The records, as returned with `sysparm_display_value=all`.
    pub records: Vec<Value>,
    /// `X-Total-Count`: how many records match in all.
    pub total: Option<u64>,
    /// Whether records after this page exist.
    pub has_more: bool,
}

/// What to list.
pub struct Listing<'a> {
    /// The table.
    pub table: &'a str,
    /// An encoded query (`sysparm_query`); empty selects everything.
    pub query: &'a str,
    /// Fields to return (`sysparm_fields`); empty returns every field.
    pub fields: &'a [&'a str],
    /// Page size.
    pub limit: u32,
    /// Records to skip.
    pub offset: u32,
}

impl Client {
    /// A client for the instance the tenant configured.
    pub fn new() -> Result<Self, ToolError> {
        Ok(Self { base: settings::base_url()? })
    }

    /// One page of `listing.table`.
    pub fn list(&self, listing: &Listing<'_>) -> Result<Page, ToolError> {
        let mut request = self
            .request(Request::get(self.table_url(listing.table)))
            .query("sysparm_limit", listing.limit.to_string())
            .query("sysparm_offset", listing.offset.to_string());
        if !listing.query.is_empty() {
            request = request.query("sysparm_query", listing.query);
        }
        if !listing.fields.is_empty() {
            request = request.query("sysparm_fields", listing.fields.join(","));
        }
        let response = send(request, &format!("table `{}`", listing.table))?;
        let total = response.header("x-total-count").and_then(|total| total.trim().parse().ok());
        let records = match result(&response)? {
            Value::Array(records) => records,
            other => return Err(unexpected(&response, &format!("a list of records, got {other}"))),
        };
        let returned = records.len() as u64;
        let has_more = match response.header("link") {
            Some(link) => link.contains("rel=\"next\""),
            None => total.is_some_and(|total| u64::from(listing.offset) + returned < total),
        };
        Ok(Page { records, total, has_more })
    }

    /// The record `sys_id` of `table`.
    pub fn get(&self, table: &str, sys_id: &str) -> Result<Value, ToolError> {
        let url = format!("{}/{}", self.table_url(table), berth_sdk::http::percent_encode(sys_id));
        let response = send(self.request(Request::get(url)), &format!("record `{sys_id}` in table `{table}`"))?;
        record(&response)
    }

    /// Creates a record in `table` from `fields`; returns it as stored.
    pub fn create(&self, table: &str, fields: &Value) -> Result<Value, ToolError> {
        let request = self.request(Request::post(self.table_url(table)).json(fields));
        let response = send(request, &format!("table `{table}`"))?;
        record(&response)
    }

    /// Updates `fields` of the record `sys_id` of `table`; returns it as
    /// stored.
    pub fn update(&self, table: &str, sys_id: &str, fields: &Value) -> Result<Value, ToolError> {
        let url = format!("{}/{}", self.table_url(table), berth_sdk::http::percent_encode(sys_id));
        let request = self.request(Request::patch(url).json(fields));
        let response = send(request, &format!("record `{sys_id}` in table `{table}`"))?;
        record(&response)
    }

    fn table_url(&self, table: &str) -> String {
        format!("{}/api/now/table/{}", self.base, berth_sdk::http::percent_encode(table))
    }

    fn request(&self, request: Request) -> Request {
        request.credential(CREDENTIAL).query("sysparm_display_value", "all")
    }
}

/// Sends `request`; a failure says what it was about (`target`).
fn send(request: Request, target: &str) -> Result<Response, ToolError> {
    let response = request.send().map_err(transport_error)?;
    if response.is_success() {
        return Ok(response);
    }
    Err(status_error(&response, target))
}

/// The `result` of a successful answer.
fn result(response: &Response) -> Result<Value, ToolError> {
    let mut body: Value = response.json()?;
    match body.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => Err(unexpected(response, "no `result` in the answer")),
    }
}

/// The single record of a successful answer.
fn record(response: &Response) -> Result<Value, ToolError> {
    match result(response)? {
        record @ Value::Object(_) => Ok(record),
        other => Err(unexpected(response, &format!("a record, got {other}"))),
    }
}

fn unexpected(response: &Response, what: &str) -> ToolError {
    ToolError::upstream(Some(response.status), format!("unexpected answer from ServiceNow: {what}"))
}

/// ServiceNow's own explanation: `error.message` and `error.detail` of its
/// envelope, or the start of whatever it sent instead.
fn explanation(response: &Response) -> String {
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty());
    let explained = match (text("/error/message"), text("/error/detail")) {
        (Some(message), Some(detail)) => format!("{message}: {detail}"),
        (Some(message), None) => message.to_owned(),
        _ => {
            let raw = response.text();
            let excerpt: String = raw.chars().take(200).collect();
            if excerpt.trim().is_empty() { format!("HTTP {}", response.status) } else { excerpt }
        }
    };
    // Data-policy details come with newlines and tabs; one line reads better.
    explained.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A non-2xx answer as a tool error.
fn status_error(response: &Response, target: &str) -> ToolError {
    let reason = explanation(response);
    match response.status {
        400 => ToolError::invalid(format!("ServiceNow rejected the request for {target}: {reason}")),
        401 => ToolError::denied(format!(
            "ServiceNow rejected the `{CREDENTIAL}` credential ({reason}). Check what the tenant stored with \
             `berth credential list --tenant <tenant>`: for basic auth the user name and password, for OAuth \
             the client id, client secret and refresh token; and that the ServiceNow user is active and allowed \
             to use the REST API"
        )),
        403 => ToolError::denied(format!("ServiceNow refused the operation on {target}: {reason}")),
        404 => ToolError::not_found(format!("{target} was not found on the instance ({reason})")),
        429 => ToolError::upstream(Some(429), rate_limited(response.header("retry-after"))),
        status => ToolError::upstream(Some(status), format!("ServiceNow failed on {target}: {reason}")),
    }
}

fn rate_limited(wait: Option<&str>) -> String {
    let wait = wait.map(|seconds| format!(" in {} s", seconds.trim())).unwrap_or_default();
    format!(
        "ServiceNow is rate limiting this integration (its inbound REST rate-limit rule is exhausted) and the \
         host's retries ran out; try again{wait}, or ask the ServiceNow administrator to raise the limit"
    )
}

/// A failure to get any answer, in terms of what to do about it.
fn transport_error(error: HttpError) -> ToolError {
    match error {
        HttpError::RateLimited(wait) => {
            let wait = wait.map(|ms| ms.div_ceil(1000).to_string());
            ToolError::upstream(Some(429), rate_limited(wait.as_deref()))
        }
        HttpError::CredentialFailed(reason) => ToolError::denied(format!(
            "the `{CREDENTIAL}` credential could not be used: {reason}. The operator sets it with \
             `berth credential set --tenant <tenant> --plugin servicenow {CREDENTIAL} ...`"
        )),
        other => other.into(),
    }
}
