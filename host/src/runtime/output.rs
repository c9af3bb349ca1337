//! What a tool's outcome will cost the client and the host once converted:
//! its content items and the JSON it adds to the answer, escapes and
//! per-item framing included. Counting text bytes alone let two million
//! empty items through as "no output".

use super::bindings::types::{Content, ToolError, ToolResult, UpstreamError};
use super::limits::{LimitExceeded, Limits};

/// JSON framing of a text item: `{"type":"text","text":},`.
const TEXT_ITEM_FRAMING: usize = 25;
/// JSON framing of a resource link, whose URI is sent twice (as `uri` and
/// as `name`): `{"type":"resource_link","uri":,"name":},`.
const LINK_ITEM_FRAMING: usize = 40;
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

/// Bytes of JSON the outcome adds to the client's answer.
fn json_size(outcome: &Result<ToolResult, ToolError>) -> usize {
    match outcome {
        Ok(result) => {
            let content: usize = result
                .content
                .iter()
                .map(|content| match content {
                    Content::Text(text) | Content::Json(text) => TEXT_ITEM_FRAMING + json_string_len(text),
                    Content::ResourceLink(uri) => LINK_ITEM_FRAMING + 2 * json_string_len(uri),
                })
                .sum();
            content + result.structured.as_ref().map_or(0, String::len)
        }
        Err(
            ToolError::InvalidArguments(message)
            | ToolError::NotFound(message)
            | ToolError::Denied(message)
            | ToolError::Internal(message)
            | ToolError::Upstream(UpstreamError { message, .. }),
        ) => ERROR_FRAMING + json_string_len(message),
    }
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
    fn error_messages_count_too() {
        let limits = Limits { output_kib: 1, ..Limits::default() };
        assert_eq!(check(&Err(ToolError::Internal("e".repeat(2_000))), &limits), Err(LimitExceeded::Output(1)));
        assert_eq!(check(&Err(ToolError::Internal("e".repeat(100))), &limits), Ok(()));
    }
}
