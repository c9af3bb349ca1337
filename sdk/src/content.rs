//! Constructors for what plugins return besides text: images, sounds,
//! resources, links, prompt messages and completions.
//!
//! ```no_run
//! use berth_sdk::{Content, ResourceContents, ToolResult};
//!
//! const PNG: &[u8] = &[0x89, b'P', b'N', b'G'];
//! let result = ToolResult::of(vec![
//!     Content::text("The chart:"),
//!     Content::image(PNG, "image/png"),
//!     Content::resource(ResourceContents::text("weather://today", "text/plain", "Sunny")),
//! ]);
//! ```

use crate::{
    Completion, Content, Media, PromptMessage, ResourceBody, ResourceContents, ResourceInfo, ResourceLink,
    ResourceTemplate, Role, ToolResult,
};

impl Content {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// An image: its bytes and mime type, such as `image/png`.
    pub fn image(data: impl Into<Vec<u8>>, mime_type: &str) -> Self {
        Self::Image(Media { data: data.into(), mime_type: mime_type.to_owned() })
    }

    /// A sound: its bytes and mime type, such as `audio/wav`.
    pub fn audio(data: impl Into<Vec<u8>>, mime_type: &str) -> Self {
        Self::Audio(Media { data: data.into(), mime_type: mime_type.to_owned() })
    }

    /// A resource embedded whole.
    pub fn resource(contents: ResourceContents) -> Self {
        Self::Resource(contents)
    }

    /// A link to a resource the client can read later.
    pub fn link(uri: impl Into<String>, name: impl Into<String>) -> Self {
        Self::ResourceLink(ResourceLink { uri: uri.into(), name: name.into(), description: None, mime_type: None })
    }
}

impl ToolResult {
    /// A successful result of `content`, without structured output.
    pub fn of(content: Vec<Content>) -> Self {
        Self { content, structured: None, is_error: false }
    }
}

impl ResourceContents {
    /// Text contents of the resource at `uri`.
    pub fn text(uri: impl Into<String>, mime_type: &str, text: impl Into<String>) -> Self {
        Self { uri: uri.into(), mime_type: Some(mime_type.to_owned()), body: ResourceBody::Text(text.into()) }
    }

    /// Binary contents of the resource at `uri`.
    pub fn blob(uri: impl Into<String>, mime_type: &str, data: impl Into<Vec<u8>>) -> Self {
        Self { uri: uri.into(), mime_type: Some(mime_type.to_owned()), body: ResourceBody::Blob(data.into()) }
    }
}

impl ResourceInfo {
    /// A resource at `uri` (`{plugin}://...`) named `name`, described for
    /// the model.
    pub fn new(uri: impl Into<String>, name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            name: name.into(),
            title: None,
            description: Some(description.into()),
            mime_type: None,
            size: None,
        }
    }

    /// Its media type.
    pub fn mime_type(mut self, mime_type: &str) -> Self {
        self.mime_type = Some(mime_type.to_owned());
        self
    }
}

impl ResourceTemplate {
    /// Resources whose URIs follow `uri_template` (RFC 6570, in the
    /// plugin's own scheme), named `name`, described for the model.
    pub fn new(uri_template: impl Into<String>, name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            uri_template: uri_template.into(),
            name: name.into(),
            title: None,
            description: Some(description.into()),
            mime_type: None,
        }
    }

    /// Their media type.
    pub fn mime_type(mut self, mime_type: &str) -> Self {
        self.mime_type = Some(mime_type.to_owned());
        self
    }
}

impl PromptMessage {
    /// A message from the user.
    pub fn user(content: Content) -> Self {
        Self { role: Role::User, content }
    }

    /// A message from the assistant.
    pub fn assistant(content: Content) -> Self {
        Self { role: Role::Assistant, content }
    }
}

impl Completion {
    /// The `candidates` that start with `typed`, in their order.
    pub fn matching<'a>(candidates: impl IntoIterator<Item = &'a str>, typed: &str) -> Self {
        let values = candidates.into_iter().filter(|value| value.starts_with(typed)).map(str::to_owned).collect();
        Self { values, total: None, has_more: false }
    }

    /// No suggestions.
    pub fn none() -> Self {
        Self { values: Vec::new(), total: None, has_more: false }
    }
}
