//! Untrusted text: everything a plugin returns (tool results and errors,
//! resources and their listings, prompts, completions, log records for
//! the client) and the messages it asks the client with (elicitation and
//! sampling) pass through [`Scrub`] before the client sees it, unless
//! the tenant chose to keep hidden text (`berth tenant hidden-text NAME
//! keep`). What is removed, and why, is in [`crate::policy::hidden_text`].
//!
//! Berth does this once, for every adapter, rather than trusting each to
//! clean what its upstream's users wrote.

use super::server::{BerthServer, snapshot_error};
use crate::policy::hidden_text::{strip_in_place, strip_json};
use crate::runtime::bindings::berth::plugin::client::{InputRequest, SamplingMessage};
use crate::runtime::bindings::types::{
    Completion, Content, PromptMessage, PromptResult, ResourceBody, ResourceContents, ResourceInfo, ResourceLink,
    ToolError, ToolResult, UpstreamError,
};
use crate::snapshot::Generation;
use crate::tenants::HiddenText;
use rmcp::ErrorData;
use std::sync::Arc;

/// Text from a plugin, cleaned of hidden text in place.
pub trait Scrub {
    /// Removes hidden text from every string a model or a human reads.
    fn scrub(&mut self);
}

impl Scrub for String {
    fn scrub(&mut self) {
        strip_in_place(self);
    }
}

/// Structured content: every string, and every key.
impl Scrub for serde_json::Value {
    fn scrub(&mut self) {
        strip_json(self);
    }
}

impl<T: Scrub> Scrub for Option<T> {
    fn scrub(&mut self) {
        if let Some(inner) = self {
            inner.scrub();
        }
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub(&mut self) {
        self.iter_mut().for_each(Scrub::scrub);
    }
}

impl Scrub for Content {
    fn scrub(&mut self) {
        match self {
            Content::Text(text) | Content::Json(text) => text.scrub(),
            Content::Resource(contents) => contents.scrub(),
            Content::ResourceLink(link) => link.scrub(),
            Content::Image(_) | Content::Audio(_) => {}
        }
    }
}

impl Scrub for ResourceContents {
    fn scrub(&mut self) {
        if let ResourceBody::Text(text) = &mut self.body {
            text.scrub();
        }
    }
}

impl Scrub for ResourceLink {
    fn scrub(&mut self) {
        self.name.scrub();
        self.description.scrub();
    }
}

impl Scrub for ResourceInfo {
    fn scrub(&mut self) {
        self.name.scrub();
        self.title.scrub();
        self.description.scrub();
    }
}

/// The content only: structured output is JSON, checked against its schema
/// first and then scrubbed as a value (see `to_mcp` in the server).
impl Scrub for ToolResult {
    fn scrub(&mut self) {
        self.content.scrub();
    }
}

impl Scrub for ToolError {
    fn scrub(&mut self) {
        match self {
            ToolError::InvalidArguments(message)
            | ToolError::NotFound(message)
            | ToolError::Denied(message)
            | ToolError::Internal(message)
            | ToolError::MissingCapability(message)
            | ToolError::Upstream(UpstreamError { message, .. }) => message.scrub(),
        }
    }
}

impl<T: Scrub> Scrub for Result<T, ToolError> {
    fn scrub(&mut self) {
        match self {
            Ok(value) => value.scrub(),
            Err(error) => error.scrub(),
        }
    }
}

impl Scrub for PromptMessage {
    fn scrub(&mut self) {
        self.content.scrub();
    }
}

impl Scrub for PromptResult {
    fn scrub(&mut self) {
        self.description.scrub();
        self.messages.scrub();
    }
}

impl Scrub for Completion {
    fn scrub(&mut self) {
        self.values.scrub();
    }
}

/// The messages only: a form's schema and a URL are the plugin's own.
impl Scrub for InputRequest {
    fn scrub(&mut self) {
        match self {
            InputRequest::Elicit(form) => form.message.scrub(),
            InputRequest::ElicitUrl(page) => page.message.scrub(),
            InputRequest::Sample(request) => {
                request.system_prompt.scrub();
                request.messages.scrub();
            }
            InputRequest::ListRoots => {}
        }
    }
}

impl Scrub for SamplingMessage {
    fn scrub(&mut self) {
        self.content.scrub();
    }
}

impl BerthServer {
    /// What happens to hidden text in what `tenant`'s plugins return, as of
    /// `generation`.
    pub(super) async fn hidden_text(
        &self,
        generation: &Generation,
        tenant: &Arc<str>,
    ) -> Result<HiddenText, ErrorData> {
        self.app.snapshot.hidden_text(generation, tenant).await.map_err(snapshot_error)
    }
}

/// Makes `output` what the client may see: scrubbed unless the tenant's
/// `hidden_text` choice keeps it.
pub fn clean<T: Scrub>(hidden_text: HiddenText, output: &mut T) {
    if hidden_text == HiddenText::Strip {
        output.scrub();
    }
}
