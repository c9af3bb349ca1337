//! What plugins say, in MCP's words: content blocks, resource contents,
//! prompt messages and roles. Bytes travel base64-encoded, as MCP requires.

use crate::runtime::bindings::types::{
    Content, Media, PromptMessage, ResourceBody, ResourceContents, ResourceInfo, ResourceLink, ResourceTemplate, Role,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rmcp::model;

/// `data` as MCP carries bytes.
pub fn base64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// A content block of a tool result or a prompt message.
pub fn block(content: Content) -> model::ContentBlock {
    match content {
        Content::Text(text) | Content::Json(text) => model::ContentBlock::text(text),
        Content::Image(Media { data, mime_type }) => model::ContentBlock::image(base64(&data), mime_type),
        Content::Audio(Media { data, mime_type }) => model::ContentBlock::audio(base64(&data), mime_type),
        Content::Resource(contents) => model::ContentBlock::resource(resource_contents(contents)),
        Content::ResourceLink(link) => model::ContentBlock::resource_link(link_to(link)),
    }
}

/// A resource's contents.
pub fn resource_contents(contents: ResourceContents) -> model::ResourceContents {
    let ResourceContents { uri, mime_type, body } = contents;
    match body {
        ResourceBody::Text(text) => model::ResourceContents::TextResourceContents { uri, mime_type, text, meta: None },
        ResourceBody::Blob(data) => {
            model::ResourceContents::BlobResourceContents { uri, mime_type, blob: base64(&data), meta: None }
        }
    }
}

fn link_to(link: ResourceLink) -> model::Resource {
    let mut resource = model::Resource::new(link.uri, link.name);
    resource.description = link.description;
    resource.mime_type = link.mime_type;
    resource
}

/// A resource as `resources/list` shows it.
pub fn resource(info: ResourceInfo) -> model::Resource {
    let mut resource = model::Resource::new(info.uri, info.name);
    resource.title = info.title;
    resource.description = info.description;
    resource.mime_type = info.mime_type;
    resource.size = info.size;
    resource
}

/// A resource template as `resources/templates/list` shows it.
pub fn template(template: &ResourceTemplate) -> model::ResourceTemplate {
    let mut shown = model::ResourceTemplate::new(template.uri_template.clone(), template.name.clone());
    shown.title = template.title.clone();
    shown.description = template.description.clone();
    shown.mime_type = template.mime_type.clone();
    shown
}

/// MCP's role for `role`.
pub fn role(role: Role) -> model::Role {
    match role {
        Role::User => model::Role::User,
        Role::Assistant => model::Role::Assistant,
    }
}

/// One message of a built prompt.
pub fn prompt_message(message: PromptMessage) -> model::PromptMessage {
    model::PromptMessage::new(role(message.role), block(message.content))
}
