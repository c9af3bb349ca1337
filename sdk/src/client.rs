//! The MCP client that made the current tool call: report progress, ask the
//! human (elicitation) and ask the model (sampling).
//!
//! Every request may come back `ClientError::Unsupported` when the client
//! did not declare the capability, so always have a way forward without
//! the answer.
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
use crate::{Content, Role};
use serde::de::DeserializeOwned;

pub use wit::{ClientError, Elicitation, SamplingMessage, SamplingRequest, SamplingResult};

/// Reports how far the call has got (`progress` of `total`, if known). A
/// no-op when the client did not ask for progress.
pub fn progress(progress: f64, total: Option<f64>, message: Option<&str>) {
    wit::progress(progress, total, message);
}

/// Asks the human to fill in a form: `schema` is an object schema of
/// primitive properties, as MCP elicitation allows. Never ask for secrets
/// this way: use [`elicit_url`].
pub fn elicit(message: &str, schema: &serde_json::Value) -> Result<Elicitation, ClientError> {
    wit::elicit(message, &schema.to_string())
}

/// Sends the human to `url`, for anything secret (signing in upstream).
pub fn elicit_url(message: &str, url: &str) -> Result<Elicitation, ClientError> {
    wit::elicit_url(message, url)
}

/// Asks the client's model to answer `request`.
pub fn sample(request: &SamplingRequest) -> Result<SamplingResult, ClientError> {
    wit::sample(request)
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
