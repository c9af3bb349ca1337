//! Bounding what a client said before the host repeats it. An error message
//! or a log line that quotes a client's string (a tool name, a session id, a
//! `Host` header) quotes at most [`MAX_ECHO_CHARS`] of it, so a client cannot
//! make the host write a megabyte of log per request.

use crate::log_safe::escape;
use std::borrow::Cow;

/// Longest client string quoted whole. Real tool names, session ids and host
/// names are far shorter; anything longer is cut and marked with its length.
pub const MAX_ECHO_CHARS: usize = 128;

/// `text` as it may be quoted, control characters escaped: whole when short, else its first
/// [`MAX_ECHO_CHARS`] characters followed by `…` and its length in bytes.
pub fn clip(text: &str) -> Cow<'_, str> {
    // A client's newline must not start a forged log line any more than a
    // guest's: what is quoted is escaped as well as cut.
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        None => escape(text),
        Some((end, _)) => Cow::Owned(format!("{}… ({} bytes)", escape(&text[..end]), text.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_whole_and_long_text_is_cut_on_a_character_boundary() {
        assert_eq!(clip("hello_greet"), "hello_greet");
        let exact = "é".repeat(MAX_ECHO_CHARS);
        assert_eq!(clip(&exact), exact);
        let long = "é".repeat(1_000_000);
        let clipped = clip(&long);
        assert!(clipped.len() < 400, "{} bytes", clipped.len());
        assert!(
            clipped.starts_with(&"é".repeat(MAX_ECHO_CHARS)) && clipped.ends_with("… (2000000 bytes)"),
            "{clipped}"
        );
    }
}
