//! Guest-supplied text made safe for the host log and for error messages.
//!
//! The log is line-oriented: an operator (and every log shipper) takes a
//! newline to start a new record. A plugin that could put a newline, a
//! carriage return or a terminal escape into a log line could forge a host
//! record (`... ERROR berth: admin token is ...`) or rewrite what a terminal
//! shows. Every string a guest chooses passes through [`escape`] (or
//! [`quote`], which also cuts it) before it reaches a log line or an error
//! that is logged.

use std::borrow::Cow;
use std::fmt::Write;

/// Longest guest-chosen string [`quote`] keeps, in characters: enough to
/// recognise a name or a message, too short to flood a log line.
pub const QUOTE_CHARS: usize = 200;

/// `text` with every control character, and every Unicode character that
/// breaks or reorders a line (line and paragraph separators, bidirectional
/// overrides and isolates), written as a Rust escape (`\n`, `\u{1b}`), so that
/// what a guest writes always stays inside the one log line the host gives
/// it. Text without such characters is returned as is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if needs_escape(character) {
            let _ = write!(escaped, "{}", character.escape_default());
        } else {
            escaped.push(character);
        }
    }
    Cow::Owned(escaped)
}

/// [`escape`]d `text` cut to [`QUOTE_CHARS`] characters (marked with `…`),
/// for echoing a guest-chosen name or message inside a host message.
pub fn quote(text: &str) -> String {
    let mut cut: String = text.chars().take(QUOTE_CHARS).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    escape(&cut).into_owned()
}

fn needs_escape(character: char) -> bool {
    character.is_control()
        || matches!(character, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_terminal_escapes_stay_inside_the_line() {
        let forged = "fine\n2026-01-01T00:00:00Z ERROR berth: admin token is x\r\x1b[2K\u{2028}\u{202e}";
        let escaped = escape(forged);
        assert!(!escaped.chars().any(needs_escape), "{escaped}");
        assert_eq!(escaped, "fine\\n2026-01-01T00:00:00Z ERROR berth: admin token is x\\r\\u{1b}[2K\\u{2028}\\u{202e}");
    }

    #[test]
    fn ordinary_text_is_untouched_and_not_copied() {
        let text = "Grüße, \"quoted\" and back\\slashed: 100%";
        assert!(matches!(escape(text), Cow::Borrowed(same) if same == text));
    }

    #[test]
    fn quotes_are_escaped_and_cut() {
        let long = format!("{}\n", "x".repeat(1_000));
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), QUOTE_CHARS + 1);
        assert!(quoted.ends_with('…') && !quoted.contains('\n'));
        assert_eq!(quote("tab\there"), "tab\\there");
    }
}
