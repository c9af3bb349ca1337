//! Comment text: the HTML Zendesk makes from a plain-text comment, the text
//! it keeps of an HTML one, and the words search matches against.
//!
//! A plain-text body is kept as given (so a body that contains markup, such
//! as `<!-- … -->`, keeps it literally and its HTML shows it escaped); an
//! `html_body` is kept as given and its text is what remains once tags and
//! HTML comments are taken out.

/// The HTML Zendesk renders a plain-text comment as: paragraphs in a
/// `zd-comment` block, line breaks as `<br>`, markup escaped.
pub fn html_from_text(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| {
            let lines: Vec<String> = paragraph.lines().map(escape).collect();
            format!("<p dir=\"auto\">{}</p>", lines.join("<br>"))
        })
        .collect();
    format!("<div class=\"zd-comment\" dir=\"auto\">{}</div>", paragraphs.concat())
}

/// The text of an HTML comment: tags and HTML comments dropped, block ends
/// and `<br>` as line breaks, the common entities decoded.
pub fn text_from_html(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(comment) = tail.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let Some(end) = tail.find('>') else {
            text.push_str(tail);
            rest = "";
            break;
        };
        let tag = tail[1..end].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        let closes_block = tag.starts_with('/') && matches!(name, "p" | "div" | "li" | "h1" | "h2" | "h3" | "pre");
        if name == "br" || closes_block {
            text.push('\n');
        }
        rest = &tail[end + 1..];
    }
    text.push_str(rest);
    let decoded = decode(&text);
    let lines: Vec<&str> = decoded.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn decode(text: &str) -> String {
    [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")]
        .iter()
        .fold(text.to_owned(), |text, (entity, plain)| text.replace(entity, plain))
}

/// The words of `text` as search sees them: runs of letters and digits,
/// lower-cased. Anything else, including zero-width characters, separates
/// words.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_becomes_escaped_paragraphs() {
        assert_eq!(
            html_from_text("Hi <team>,\nthe VPN drops.\n\nThanks"),
            "<div class=\"zd-comment\" dir=\"auto\"><p dir=\"auto\">Hi &lt;team&gt;,<br>the VPN drops.</p>\
             <p dir=\"auto\">Thanks</p></div>"
        );
    }

    #[test]
    fn html_loses_tags_and_comments() {
        assert_eq!(
            text_from_html("<p>Restarted the <b>VPN</b> &amp; it works<!-- hidden --></p><p>Bye<br>Li</p>"),
            "Restarted the VPN & it works\nBye\nLi"
        );
        assert_eq!(text_from_html("a < b"), "a < b");
        assert_eq!(text_from_html("x<!-- never closed"), "x");
    }

    #[test]
    fn words_split_on_anything_but_letters_and_digits() {
        assert_eq!(
            words("VPN\u{200b}drops, re-connect: Wi-Fi 5G"),
            ["vpn", "drops", "re", "connect", "wi", "fi", "5g"]
        );
    }
}
