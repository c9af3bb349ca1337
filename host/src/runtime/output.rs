//! What a tool's outcome will cost the client and the host once converted:
//! its content items and the JSON it adds to the answer, escapes and
//! per-item framing included. Counting text bytes alone let two million
//! empty items through as "no output".

use super::bindings::types::{
    Content, PromptResult, ResourceBody, ResourceContents, ResourceLink, ToolError, ToolResult, UpstreamError,
};
use super::limits::{LimitExceeded, Limits};

/// JSON framing of a text item: `{"type":"text","text":},`.
const TEXT_ITEM_FRAMING: usize = 25;
/// JSON framing of a resource link: `{"type":"resource_link","uri":,"name":,
/// "description":,"mimeType":},`.
const LINK_ITEM_FRAMING: usize = 70;
/// JSON framing of an image or a sound: `{"type":"image","data":,"mimeType":},`.
const MEDIA_ITEM_FRAMING: usize = 40;
/// JSON framing of embedded resource contents, in a content block or in
/// `resources/read`: `{"type":"resource","resource":{"uri":,"mimeType":,"text":}},`.
const RESOURCE_ITEM_FRAMING: usize = 60;
/// JSON framing of an error result around its message.
const ERROR_FRAMING: usize = 64;

/// Refuses an outcome with more than `limits.output_items` content items or
/// more than `limits.output_kib` of JSON.
pub(super) fn check(outcome: &Result<ToolResult, ToolError>, limits: &Limits) -> Result<(), LimitExceeded> {
    if let Ok(result) = outcome
        && result.content.len() > limits.output_items as usize
    {
        return Err(LimitExceeded::OutputItems(limits.output_items));
    }
    if json_size(outcome) > limits.output_bytes() {
        return Err(LimitExceeded::Output(limits.output_kib));
    }
    Ok(())
}

/// Refuses resource contents with more than `limits.output_items` items or
/// more than `limits.output_kib` of JSON, as for a tool's result.
pub(super) fn check_contents(contents: &[ResourceContents], limits: &Limits) -> Result<(), LimitExceeded> {
    check_size(contents.len(), contents.iter().map(contents_size).sum(), limits)
}

/// Refuses a built prompt with more than `limits.output_items` messages or
/// more than `limits.output_kib` of JSON, as for a tool's result.
pub(super) fn check_prompt(prompt: &PromptResult, limits: &Limits) -> Result<(), LimitExceeded> {
    let bytes = prompt.messages.iter().map(|message| TEXT_ITEM_FRAMING + content_size(&message.content)).sum::<usize>()
        + prompt.description.as_deref().map_or(0, json_string_len);
    check_size(prompt.messages.len(), bytes, limits)
}

fn check_size(items: usize, bytes: usize, limits: &Limits) -> Result<(), LimitExceeded> {
    if items > limits.output_items as usize {
        return Err(LimitExceeded::OutputItems(limits.output_items));
    }
    if bytes > limits.output_bytes() {
        return Err(LimitExceeded::Output(limits.output_kib));
    }
    Ok(())
}

/// Bytes of JSON the outcome adds to the client's answer.
fn json_size(outcome: &Result<ToolResult, ToolError>) -> usize {
    match outcome {
        Ok(result) => {
            let content: usize = result.content.iter().map(content_size).sum();
            content + result.structured.as_ref().map_or(0, String::len)
        }
        Err(
            ToolError::InvalidArguments(message)
            | ToolError::NotFound(message)
            | ToolError::Denied(message)
            | ToolError::Internal(message)
            | ToolError::MissingCapability(message)
            | ToolError::Upstream(UpstreamError { message, .. }),
        ) => ERROR_FRAMING + json_string_len(message),
    }
}

/// Bytes of JSON one content block becomes.
fn content_size(content: &Content) -> usize {
    match content {
        Content::Text(text) | Content::Json(text) => TEXT_ITEM_FRAMING + json_string_len(text),
        Content::Image(media) | Content::Audio(media) => {
            MEDIA_ITEM_FRAMING + base64_len(media.data.len()) + json_string_len(&media.mime_type)
        }
        Content::Resource(contents) => contents_size(contents),
        Content::ResourceLink(ResourceLink { uri, name, description, mime_type }) => {
            let optional = [description, mime_type].into_iter().flatten().map(|text| json_string_len(text));
            LINK_ITEM_FRAMING + json_string_len(uri) + json_string_len(name) + optional.sum::<usize>()
        }
    }
}

/// Bytes of JSON a resource's contents become.
fn contents_size(contents: &ResourceContents) -> usize {
    let body = match &contents.body {
        ResourceBody::Text(text) => json_string_len(text),
        ResourceBody::Blob(data) => base64_len(data.len()),
    };
    RESOURCE_ITEM_FRAMING
        + json_string_len(&contents.uri)
        + contents.mime_type.as_deref().map_or(0, json_string_len)
        + body
}

/// Length of `bytes` bytes base64-encoded, padded, with quotes.
fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4 + 2
}

/// Length of `text` as a JSON string, quotes and escapes included, as
/// serde_json writes it (a control character can take six bytes).
fn json_string_len(text: &str) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a string to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, text);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::types::Media;

    fn result(content: Vec<Content>) -> Result<ToolResult, ToolError> {
        Ok(ToolResult { content, structured: None, is_error: false })
    }

    #[test]
    fn empty_items_count_against_the_item_limit_and_the_size() {
        let limits = Limits { output_items: 10, output_kib: 1, ..Limits::default() };
        let ten = result(vec![Content::Text(String::new()); 10]);
        assert_eq!(check(&ten, &limits), Ok(()));
        let eleven = result(vec![Content::Text(String::new()); 11]);
        assert_eq!(check(&eleven, &limits), Err(LimitExceeded::OutputItems(10)));
        let limits = Limits { output_items: 1_000, output_kib: 1, ..Limits::default() };
        let framing = result(vec![Content::Text(String::new()); 100]);
        assert_eq!(check(&framing, &limits), Err(LimitExceeded::Output(1)), "100 empty items are 2.5 KB of JSON");
    }

    #[test]
    fn escapes_count_as_the_client_receives_them() {
        let limits = Limits { output_kib: 4, ..Limits::default() };
        let controls = result(vec![Content::Text("\u{1}".repeat(1_000))]);
        assert_eq!(json_string_len("\u{1}"), 8, "\"\\u0001\"");
        assert_eq!(check(&controls, &limits), Err(LimitExceeded::Output(4)), "1,000 bytes are 6,000 once escaped");
        let plain = result(vec![Content::Text("x".repeat(1_000))]);
        assert_eq!(check(&plain, &limits), Ok(()));
    }

    #[test]
    fn bytes_count_as_base64() {
        let limits = Limits { output_kib: 4, ..Limits::default() };
        let image = |bytes| result(vec![Content::Image(Media { data: vec![0; bytes], mime_type: "image/png".into() })]);
        assert_eq!(check(&image(2_900), &limits), Ok(()));
        assert_eq!(check(&image(3_100), &limits), Err(LimitExceeded::Output(4)), "3,100 bytes are 4,136 in base64");
        let blob =
            |bytes| ResourceContents { uri: "x://y".into(), mime_type: None, body: ResourceBody::Blob(vec![0; bytes]) };
        assert_eq!(check_contents(&[blob(2_900)], &limits), Ok(()));
        assert_eq!(check_contents(&[blob(3_100)], &limits), Err(LimitExceeded::Output(4)));
    }

    #[test]
    fn error_messages_count_too() {
        let limits = Limits { output_kib: 1, ..Limits::default() };
        assert_eq!(check(&Err(ToolError::Internal("e".repeat(2_000))), &limits), Err(LimitExceeded::Output(1)));
        assert_eq!(check(&Err(ToolError::Internal("e".repeat(100))), &limits), Ok(()));
    }
}
