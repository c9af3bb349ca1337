//! JQL written safely: every value a caller gives becomes a quoted,
//! escaped string literal ([`string`]), so no input can add a clause, close
//! a parenthesis or change the ordering. Free text for `~` is reduced to
//! words ([`words`]), so Lucene's operators in it are read as text, not as
//! syntax.

/// Characters Lucene (behind JQL's `~`) reads as syntax: a search for
/// "e-mail (urgent)" must not become "e NOT mail".
const LUCENE_SYNTAX: &[char] =
    &['+', '-', '&', '|', '!', '(', ')', '{', '}', '[', ']', '^', '~', '*', '?', '\\', ':', '"', '/', '\''];

/// The Lucene operators a word on its own would be.
const LUCENE_WORDS: &[&str] = &["AND", "OR", "NOT", "TO"];

/// `value` as a JQL string literal: in double quotes, with `"` and `\`
/// escaped, and control characters (which JQL strings cannot hold) as
/// spaces.
pub fn string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for character in value.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            control if control.is_control() => quoted.push(' '),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// Free text reduced to the words a `text ~` search looks for: Lucene's
/// syntax characters become spaces and its operator words are lowered, so
/// every word is searched for as written. Empty when nothing searchable is
/// left.
pub fn words(text: &str) -> String {
    let spaced: String =
        text.chars().map(|c| if LUCENE_SYNTAX.contains(&c) || c.is_control() { ' ' } else { c }).collect();
    spaced
        .split_whitespace()
        .map(|word| if LUCENE_WORDS.contains(&word) { word.to_lowercase() } else { word.to_owned() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `field in (...)` clause over `values`, each quoted; `None` for no
/// values (which JQL cannot write).
pub fn any_of(field: &str, values: &[String]) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    let quoted: Vec<String> = values.iter().map(|value| string(value)).collect();
    Some(format!("{field} in ({})", quoted.join(", ")))
}

/// Whether `key` is an issue key (`OPS-12`) or id (`10002`): what may go
/// into a URL path unencoded and be named in a message.
pub fn is_issue_key(key: &str) -> bool {
    if key.len() > 64 {
        return false;
    }
    if !key.is_empty() && key.bytes().all(|byte| byte.is_ascii_digit()) {
        return true;
    }
    key.split_once('-').is_some_and(|(project, number)| {
        project.starts_with(|c: char| c.is_ascii_alphabetic())
            && project.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    })
}

/// Whether `key` is a project key (`OPS`).
pub fn is_project_key(key: &str) -> bool {
    key.len() <= 32
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_and_escaped() {
        assert_eq!(string("VPN down"), "\"VPN down\"");
        assert_eq!(string(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(string(r"C:\temp"), r#""C:\\temp""#);
        assert_eq!(string("two\nlines\t"), "\"two lines \"");
        assert_eq!(string(""), "\"\"");
    }

    #[test]
    fn no_value_can_escape_its_string() {
        for hostile in [r#"x" OR project = SECRET ORDER BY key"#, r#"x\" OR 1=1"#, r#"\"#, "\\\\\"", r#"")) OR ((""#] {
            let quoted = string(hostile);
            // Read it back as a JQL lexer would: the string ends at the
            // first unescaped quote, which must be the last character.
            let inner = &quoted[1..];
            let mut escaped = false;
            let mut end = None;
            for (index, character) in inner.char_indices() {
                match (escaped, character) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(index);
                        break;
                    }
                    _ => {}
                }
            }
            assert_eq!(end, Some(inner.len() - 1), "{hostile} → {quoted}");
        }
    }

    #[test]
    fn free_text_keeps_words_and_drops_lucene_syntax() {
        assert_eq!(words("Email server"), "Email server");
        assert_eq!(words("e-mail (urgent)!"), "e mail urgent");
        assert_eq!(words("NOT working AND down"), "not working and down");
        assert_eq!(words("a*b? c~2 \"phrase\""), "a b c 2 phrase");
        assert_eq!(words(" -- "), "");
        assert_eq!(words("naïve café"), "naïve café");
    }

    #[test]
    fn lists_and_keys() {
        assert_eq!(
            any_of("priority", &["Highest".into(), "High".into()]).unwrap(),
            r#"priority in ("Highest", "High")"#
        );
        assert_eq!(any_of("priority", &[]), None);
        for key in ["OPS-12", "HELP-1", "AB_2-300", "10002"] {
            assert!(is_issue_key(key), "{key}");
        }
        for key in ["", "OPS", "OPS-", "-12", "1OPS-2", "OPS-1/../x", "OPS-1 OR", "OPS-1?x"] {
            assert!(!is_issue_key(key), "{key}");
        }
        assert!(is_project_key("OPS") && is_project_key("HELP2") && !is_project_key("OPS-1") && !is_project_key(""));
    }
}
