//! The MCP client that made the current call: report progress, ask the
//! human (elicitation), ask the model (sampling) and ask for its roots.
//!
//! Every request may come back `ClientError::Unsupported` when the client
//! did not declare the capability: have a way forward without the answer,
//! or end the tool with `?`, which tells the client what it lacks.
//!
//! A client without a session (MCP 2026-07-28) answers only when it
//! retries the request, so the host then runs the call again from the
//! start with the answers: the code before a request may run more than
//! once. Keep it free of upstream side effects, or make them idempotent.
//!
//! ```no_run
//! use berth_sdk::client::{self, Elicitation};
//! use berth_sdk::ToolError;
//! use serde_json::json;
//!
//! fn close_everything() -> Result<String, ToolError> {
//!     let schema = json!({
//!         "type": "object",
//!         "properties": {"confirm": {"type": "boolean", "description": "Close all 40 incidents?"}},
//!         "required": ["confirm"]
//!     });
//!     match client::elicit("Close all 40 incidents?", &schema) {
//!         Ok(Elicitation::Accept(answer)) if answer.contains("true") => {}
//!         Ok(_) => return Ok("left open".into()),
//!         Err(error) => return Err(ToolError::denied(format!("needs a confirmation: {error:?}"))),
//!     }
//!     for done in 1..=40 {
//!         client::progress(f64::from(done), Some(40.0), None);
//!     }
//!     Ok("closed".into())
//! }
//! ```

use crate::bindings::berth::plugin::client as wit;
use crate::{Content, Role, ToolError};
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU32, Ordering};

pub use wit::{
    ClientError, Elicitation, Form, InputRequest, InputResponse, Root, SamplingMessage, SamplingRequest,
    SamplingResult, UrlRequest,
};

/// Reports how far the call has got (`progress` of `total`, if known). A
/// no-op when the client did not ask for progress.
pub fn progress(progress: f64, total: Option<f64>, message: Option<&str>) {
    wit::progress(progress, total, message);
}

/// Asks the client everything in `requests` at once, each under its key,
/// and gives back one answer per request, in order: several questions cost
/// a client without a session one round trip, not several.
///
/// A key must be unique within the call and the same every time the call
/// runs (a client without a session answers by key when it retries, and
/// the call runs again from the start). The one-request helpers below
/// number their keys in the order they are called, which is the same in
/// every run.
///
/// ```no_run
/// use berth_sdk::client::{self, Form, InputRequest, InputResponse};
///
/// let form = Form { message: "Your name?".into(), requested_schema: r#"{"type":"object","properties":{"name":{"type":"string"}}}"#.into() };
/// let answers = client::request_input(&[
///     ("name".to_owned(), InputRequest::Elicit(form)),
///     ("roots".to_owned(), InputRequest::ListRoots),
/// ]);
/// if let Some(Ok(InputResponse::Roots(roots))) = answers.get(1) {
///     let _first = roots.first().map(|root| root.uri.clone());
/// }
/// ```
pub fn request_input(requests: &[(String, InputRequest)]) -> Vec<Result<InputResponse, ClientError>> {
    wit::request_input(requests)
}

/// Asks one request under `kind` and its place among this call's requests
/// (`elicit-1`, then `sample-2`...).
fn ask_one(kind: &str, request: InputRequest) -> Result<InputResponse, ClientError> {
    static ASKED: AtomicU32 = AtomicU32::new(0);
    let key = format!("{kind}-{}", ASKED.fetch_add(1, Ordering::Relaxed) + 1);
    let mut answers = request_input(&[(key, request)]);
    answers.pop().unwrap_or_else(|| Err(ClientError::Failed("the host gave no answer".to_owned())))
}

/// The error for an answer of another kind than the request's.
fn mismatched(answer: InputResponse) -> ClientError {
    ClientError::Failed(format!("the answer is of another kind than the request: {answer:?}"))
}

/// Asks the human to fill in a form: `schema` is an object schema of
/// primitive properties, as MCP elicitation allows. Never ask for secrets
/// this way: use [`elicit_url`].
pub fn elicit(message: &str, schema: &serde_json::Value) -> Result<Elicitation, ClientError> {
    let form = Form { message: message.to_owned(), requested_schema: schema.to_string() };
    match ask_one("elicit", InputRequest::Elicit(form))? {
        InputResponse::Elicitation(answer) => Ok(answer),
        other => Err(mismatched(other)),
    }
}

/// Sends the human to `url`, for anything secret (signing in upstream).
pub fn elicit_url(message: &str, url: &str) -> Result<Elicitation, ClientError> {
    let page = UrlRequest { message: message.to_owned(), url: url.to_owned() };
    match ask_one("elicit", InputRequest::ElicitUrl(page))? {
        InputResponse::Elicitation(answer) => Ok(answer),
        other => Err(mismatched(other)),
    }
}

/// Asks the client's model to answer `request`.
pub fn sample(request: &SamplingRequest) -> Result<SamplingResult, ClientError> {
    match ask_one("sample", InputRequest::Sample(request.clone()))? {
        InputResponse::Sampling(answer) => Ok(answer),
        other => Err(mismatched(other)),
    }
}

/// The directories and files the client works in.
pub fn list_roots() -> Result<Vec<Root>, ClientError> {
    match ask_one("roots", InputRequest::ListRoots)? {
        InputResponse::Roots(roots) => Ok(roots),
        other => Err(mismatched(other)),
    }
}

/// So that `?` ends a tool whose client could not answer: a capability the
/// client lacks becomes MCP's missing-capability error, so the client can
/// tell its user; the rest are denials naming the cause.
impl From<ClientError> for ToolError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Unsupported(capability) => ToolError::MissingCapability(capability),
            ClientError::InvalidRequest(why) => {
                ToolError::Internal(format!("a request to the client is malformed: {why}"))
            }
            ClientError::Cancelled => ToolError::Denied("the call ended while waiting for the client".to_owned()),
            ClientError::Failed(why) => ToolError::Denied(format!("the client could not answer: {why}")),
        }
    }
}

/// Asks the client's model one question, `prompt`, in at most `max_tokens`
/// tokens; the answer's text (empty when it answered with something else).
pub fn ask(prompt: &str, max_tokens: u32) -> Result<String, ClientError> {
    let request = SamplingRequest {
        messages: vec![SamplingMessage { role: Role::User, content: Content::Text(prompt.to_owned()) }],
        system_prompt: None,
        max_tokens,
    };
    Ok(match sample(&request)?.content {
        Content::Text(text) => text,
        _ => String::new(),
    })
}

impl Elicitation {
    /// The accepted answer as `T`; `None` when the human declined or
    /// cancelled, or the answer does not fit `T`.
    pub fn accepted<T: DeserializeOwned>(&self) -> Option<T> {
        match self {
            Self::Accept(answer) => serde_json::from_str(answer).ok(),
            Self::Decline | Self::Cancel => None,
        }
    }

    /// `accept`, `decline` or `cancel`, as MCP names the action.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Accept(_) => "accept",
            Self::Decline => "decline",
            Self::Cancel => "cancel",
        }
    }
}
