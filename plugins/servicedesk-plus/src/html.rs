//! Descriptions and notes are HTML in ServiceDesk Plus; agents read and
//! write plain text.
//!
//! [`to_text`] keeps the words and the line structure: block ends
//! (`</p>`, `</div>`, `</li>`, `<br>`) become line breaks, other tags are
//! dropped, the common entities are decoded, and runs of blank lines
//! shrink to one. [`from_text`] escapes text and writes its line breaks as
//! `<br>`, so what an agent wrote reads back the same.

/// Tags whose end (or, for `br`, whose presence) ends a line.
const LINE_TAGS: &[&str] = &["br", "/p", "/div", "/li", "/tr", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6"];

/// Plain text of an HTML fragment.
pub fn to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&decode(&rest[..start]));
        let after = &rest[start + 1..];
        if !after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!') {
            // A `<` that opens no tag is text.
            text.push('<');
            rest = after;
            continue;
        }
        let Some(end) = after.find('>') else {
            // An unclosed tag is text.
            text.push_str(&decode(&rest[start..]));
            rest = "";
            break;
        };
        let tag = after[..end].trim().trim_end_matches('/').trim().to_ascii_lowercase();
        let name = tag.split_whitespace().next().unwrap_or_default();
        if LINE_TAGS.contains(&name) {
            text.push('\n');
        }
        rest = &after[end + 1..];
    }
    text.push_str(&decode(rest));
    tidy(&text)
}

/// `text` with its lines trimmed at the end, at most one blank line in a
/// row, and none at either end.
fn tidy(text: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() && lines.last().is_none_or(|last| last.trim().is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|line| line.trim().is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// `text` with the entities ServiceDesk Plus writes decoded.
fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Plain text as an HTML fragment: escaped, line breaks as `<br>`.
pub fn from_text(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    escaped.replace("\r\n", "\n").replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_reads_as_lines_of_text() {
        let html = "<div>VPN drops after <b>10&nbsp;minutes</b>.<br/>Every day.</div><div><br></div>\
                    <p>Laptop: T14 &amp; dock</p><ul><li>one</li><li>two</li></ul>";
        assert_eq!(to_text(html), "VPN drops after 10 minutes.\nEvery day.\n\nLaptop: T14 & dock\none\ntwo");
        assert_eq!(to_text("plain text, no tags"), "plain text, no tags");
        assert_eq!(to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(to_text(""), "");
    }

    #[test]
    fn text_written_as_html_reads_back_the_same() {
        for text in ["Since 07:00 the reader blinks red.", "a <script> & \"quotes\"\nline two\n\nafter a blank"] {
            assert_eq!(to_text(&from_text(text)), text, "{text}");
        }
        assert_eq!(from_text("x<y\nz"), "x&lt;y<br>z");
    }
}
