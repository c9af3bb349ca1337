//! Atlassian Document Format (ADF) ↔ plain text.
//!
//! REST v3 takes and returns descriptions and comment bodies as ADF
//! documents, `{"type":"doc","version":1,"content":[…]}`; agents read and
//! write plain text. [`to_text`] reads a document as text:
//!
//! | node | text |
//! |---|---|
//! | `paragraph`, `heading` | its inline text, a blank line after |
//! | `hardBreak` | a newline |
//! | `bulletList` / `orderedList` > `listItem` | `- item` / `1. item` (from `attrs.order`), nested blocks indented under the item's text |
//! | `taskList` > `taskItem` | `[ ] task` / `[x] task` |
//! | `codeBlock` | its text, verbatim |
//! | `blockquote` | each line prefixed `> ` |
//! | `rule` | `---` |
//! | `table` | a row per line, cells joined by ` \| ` |
//! | `panel`, `expand` (its title first), other containers | their content |
//! | `mention` | `@Display Name` (`attrs.text`) |
//! | `emoji`, `status` | `attrs.text` (or the emoji's short name) |
//! | `inlineCard`, `blockCard` | `attrs.url` |
//! | `date` | `attrs.timestamp` as `yyyy-mm-dd` |
//! | `text` with a `link` mark | `text (href)`, or `href` when they are the same |
//! | `media`, `mediaSingle`, `mediaGroup` | `[attachment]` |
//!
//! [`from_text`] writes text as a document: paragraphs split at blank
//! lines, single line breaks as `hardBreak`s (text nodes are never empty,
//! which Jira refuses). Documents deeper than [`MAX_DEPTH`] are read down
//! to that depth, and no more than [`MAX_TEXT`] bytes of text come out.

use serde_json::{Value, json};

/// How deep a document is read: Jira itself refuses deeper ones, and the
/// reader recurses once per level.
pub const MAX_DEPTH: usize = 32;

/// The most text one document yields, in bytes: a description or comment
/// longer than this is cut with a marker, so one huge issue cannot swamp
/// a model's context.
pub const MAX_TEXT: usize = 64 * 1024;

/// What replaces the rest of a document cut at [`MAX_TEXT`].
const CUT: &str = "\n[…cut]";

/// The plain text of an ADF document. A value that is not a document (an
/// absent description is `null`) is empty; a string (what some older
/// fields and Service Management send) is itself.
pub fn to_text(document: &Value) -> String {
    match document {
        Value::String(text) => clip(text.clone()),
        Value::Object(_) => {
            let mut writer = Writer::default();
            writer.blocks(children(document), "", 0);
            let text = writer.out.trim_end().to_owned();
            if writer.cut { format!("{}{CUT}", text.trim_end()) } else { text }
        }
        _ => String::new(),
    }
}

/// `text` cut to [`MAX_TEXT`] bytes on a character boundary.
fn clip(mut text: String) -> String {
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(CUT);
    }
    text
}

fn children(node: &Value) -> &[Value] {
    node.get("content").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn kind(node: &Value) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or_default()
}

fn attr<'a>(node: &'a Value, name: &str) -> Option<&'a Value> {
    node.get("attrs").and_then(|attrs| attrs.get(name))
}

fn attr_text<'a>(node: &'a Value, name: &str) -> Option<&'a str> {
    attr(node, name).and_then(Value::as_str).filter(|text| !text.is_empty())
}

/// Text written so far, within its bound.
#[derive(Default)]
struct Writer {
    out: String,
    cut: bool,
}

impl Writer {
    fn push(&mut self, text: &str) {
        if self.cut {
            return;
        }
        if self.out.len() + text.len() > MAX_TEXT {
            let mut end = MAX_TEXT.saturating_sub(self.out.len()).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            self.out.push_str(&text[..end]);
            self.cut = true;
            return;
        }
        self.out.push_str(text);
    }

    /// Ends the current block with a blank line.
    fn end_block(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            let newlines = if self.out.ends_with('\n') { "\n" } else { "\n\n" };
            self.push(newlines);
        }
    }

    /// Block nodes; `indent` prefixes every line (lists, quotes).
    fn blocks(&mut self, nodes: &[Value], indent: &str, depth: usize) {
        if depth >= MAX_DEPTH {
            return;
        }
        for node in nodes {
            match kind(node) {
                "paragraph" | "heading" => {
                    let mut line = String::new();
                    inline(children(node), &mut line, depth + 1);
                    self.lines(&line, indent);
                    self.end_block();
                }
                "codeBlock" => {
                    let mut code = String::new();
                    inline(children(node), &mut code, depth + 1);
                    self.lines(&code, indent);
                    self.end_block();
                }
                "bulletList" | "orderedList" | "taskList" => {
                    self.list(node, indent, depth + 1);
                    self.end_block();
                }
                "blockquote" => {
                    let mut quoted = Writer::default();
                    quoted.blocks(children(node), "", depth + 1);
                    self.lines(quoted.out.trim_end(), &format!("{indent}> "));
                    self.end_block();
                }
                "rule" => {
                    self.lines("---", indent);
                    self.end_block();
                }
                "table" => {
                    for row in children(node) {
                        let cells: Vec<String> = children(row)
                            .iter()
                            .map(|cell| {
                                let mut text = Writer::default();
                                text.blocks(children(cell), "", depth + 3);
                                text.out.split_whitespace().collect::<Vec<_>>().join(" ")
                            })
                            .collect();
                        self.lines(&cells.join(" | "), indent);
                        self.push("\n");
                    }
                    self.end_block();
                }
                "expand" | "nestedExpand" => {
                    if let Some(title) = attr_text(node, "title") {
                        self.lines(title, indent);
                        self.push("\n");
                    }
                    self.blocks(children(node), indent, depth + 1);
                }
                "mediaSingle" | "mediaGroup" | "media" => {
                    self.lines("[attachment]", indent);
                    self.end_block();
                }
                "blockCard" | "embedCard" => {
                    if let Some(url) = attr_text(node, "url") {
                        self.lines(url, indent);
                        self.end_block();
                    }
                }
                // Inline nodes where a block belongs: read as a paragraph.
                "text" | "hardBreak" | "mention" | "emoji" | "inlineCard" | "status" | "date" => {
                    let mut line = String::new();
                    inline(std::slice::from_ref(node), &mut line, depth + 1);
                    self.lines(&line, indent);
                    self.end_block();
                }
                // panel, layouts, unknown containers: their content.
                _ => self.blocks(children(node), indent, depth + 1),
            }
        }
    }

    /// A list's items, each with its marker; nested blocks indented.
    fn list(&mut self, list: &Value, indent: &str, depth: usize) {
        let ordered = kind(list) == "orderedList";
        let start = attr(list, "order").and_then(Value::as_u64).unwrap_or(1);
        for (index, item) in children(list).iter().enumerate() {
            let marker = match kind(item) {
                "taskItem" if attr_text(item, "state") == Some("DONE") => "[x] ".to_owned(),
                "taskItem" => "[ ] ".to_owned(),
                _ if ordered => format!("{}. ", start + index as u64),
                _ => "- ".to_owned(),
            };
            let nested = format!("{indent}{}", " ".repeat(marker.chars().count()));
            let mut body = Writer::default();
            if kind(item) == "taskItem" {
                let mut line = String::new();
                inline(children(item), &mut line, depth + 1);
                body.push(&line);
            } else {
                body.blocks(children(item), "", depth + 1);
            }
            let body = body.out.trim_end().replace("\n\n", "\n");
            let mut lines = body.lines();
            self.push(indent);
            self.push(&marker);
            self.push(lines.next().unwrap_or_default());
            self.push("\n");
            for line in lines {
                if !line.is_empty() {
                    self.push(&nested);
                }
                self.push(line);
                self.push("\n");
            }
        }
    }

    /// `text`'s lines, each prefixed with `indent`.
    fn lines(&mut self, text: &str, indent: &str) {
        for (index, line) in text.split('\n').enumerate() {
            if index > 0 {
                self.push("\n");
            }
            if !indent.is_empty() {
                self.push(indent);
            }
            self.push(line);
        }
    }
}

/// Inline nodes as text, appended to `out` (bounded by the caller's
/// writer, and here by depth).
fn inline(nodes: &[Value], out: &mut String, depth: usize) {
    if depth >= MAX_DEPTH || out.len() > MAX_TEXT {
        return;
    }
    for node in nodes {
        match kind(node) {
            "text" => {
                let text = node.get("text").and_then(Value::as_str).unwrap_or_default();
                let href = node
                    .get("marks")
                    .and_then(Value::as_array)
                    .and_then(|marks| marks.iter().find(|mark| kind(mark) == "link"))
                    .and_then(|link| attr_text(link, "href"));
                match href {
                    Some(href) if href == text => out.push_str(href),
                    Some(href) => {
                        out.push_str(text);
                        out.push_str(" (");
                        out.push_str(href);
                        out.push(')');
                    }
                    None => out.push_str(text),
                }
            }
            "hardBreak" => out.push('\n'),
            "mention" => {
                let name = attr_text(node, "text").or_else(|| attr_text(node, "id")).unwrap_or("someone");
                if !name.starts_with('@') {
                    out.push('@');
                }
                out.push_str(name);
            }
            "emoji" => out.push_str(attr_text(node, "text").or_else(|| attr_text(node, "shortName")).unwrap_or("")),
            "status" => out.push_str(attr_text(node, "text").unwrap_or_default()),
            "inlineCard" => out.push_str(attr_text(node, "url").unwrap_or_default()),
            "date" => {
                let stamp = attr(node, "timestamp").and_then(|stamp| match stamp {
                    Value::String(text) => text.parse::<i64>().ok(),
                    other => other.as_i64(),
                });
                if let Some(stamp) = stamp {
                    out.push_str(&crate::time::format_utc(stamp)[..10]);
                }
            }
            "media" | "mediaInline" => out.push_str("[attachment]"),
            _ => inline(children(node), out, depth + 1),
        }
    }
}

/// A document holding `text`: paragraphs split at blank lines, line breaks
/// within a paragraph as hard breaks.
pub fn from_text(text: &str) -> Value {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut paragraphs = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    let mut flush = |lines: &mut Vec<&str>| {
        if lines.is_empty() {
            return;
        }
        let mut content = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            if index > 0 {
                content.push(json!({"type": "hardBreak"}));
            }
            if !line.is_empty() {
                content.push(json!({"type": "text", "text": line}));
            }
        }
        paragraphs.push(json!({"type": "paragraph", "content": content}));
        lines.clear();
    };
    for line in normalized.split('\n') {
        if line.trim().is_empty() {
            flush(&mut lines);
        } else {
            lines.push(line.trim_end());
        }
    }
    flush(&mut lines);
    json!({"type": "doc", "version": 1, "content": paragraphs})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(content: Value) -> Value {
        json!({"type": "doc", "version": 1, "content": content})
    }

    fn text(text: &str) -> Value {
        json!({"type": "text", "text": text})
    }

    fn paragraph(content: Value) -> Value {
        json!({"type": "paragraph", "content": content})
    }

    #[test]
    fn paragraphs_and_breaks_round_trip() {
        for written in [
            "One line.",
            "First paragraph.\n\nSecond, with\na break.",
            "Ünïcödé — fine.\nLine two\n\n\n\nAfter many blanks.",
        ] {
            let document = from_text(written);
            let expected = written.replace("\n\n\n\n", "\n\n");
            assert_eq!(to_text(&document), expected, "{document}");
        }
        assert_eq!(from_text(""), doc(json!([])));
        assert_eq!(from_text("  \r\n \n"), doc(json!([])));
        assert_eq!(from_text("a\r\nb"), doc(json!([paragraph(json!([text("a"), {"type": "hardBreak"}, text("b")]))])));
    }

    #[test]
    fn no_text_node_is_ever_empty() {
        fn empty_text(node: &Value) -> bool {
            (kind(node) == "text" && node["text"].as_str().is_none_or(str::is_empty))
                || children(node).iter().any(empty_text)
        }
        for written in ["\n", "a\n\nb", "x\n \ny", "  leading", "tail  \n"] {
            assert!(!empty_text(&from_text(written)), "{written:?}");
        }
    }

    #[test]
    fn lists_code_headings_and_quotes_read_as_plain_text() {
        let document = doc(json!([
            {"type": "heading", "attrs": {"level": 2}, "content": [text("Steps")]},
            {"type": "orderedList", "attrs": {"order": 3}, "content": [
                {"type": "listItem", "content": [paragraph(json!([text("Open the panel")]))]},
                {"type": "listItem", "content": [
                    paragraph(json!([text("Check")])),
                    {"type": "bulletList", "content": [
                        {"type": "listItem", "content": [paragraph(json!([text("fuse")]))]},
                        {"type": "listItem", "content": [paragraph(json!([text("cable")]))]},
                    ]},
                ]},
            ]},
            {"type": "codeBlock", "attrs": {"language": "sh"}, "content": [text("systemctl restart vpn\njournalctl -u vpn")]},
            {"type": "blockquote", "content": [paragraph(json!([text("Quoted"), {"type": "hardBreak"}, text("twice")]))]},
            {"type": "rule"},
            {"type": "taskList", "content": [
                {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [text("backup")]},
                {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [text("restore")]},
            ]},
        ]));
        assert_eq!(
            to_text(&document),
            "Steps\n\n3. Open the panel\n4. Check\n   - fuse\n   - cable\n\nsystemctl restart vpn\njournalctl -u vpn\n\n\
             > Quoted\n> twice\n\n---\n\n[x] backup\n[ ] restore"
        );
    }

    #[test]
    fn inline_nodes_read_as_people_and_links_read() {
        let document = doc(json!([paragraph(json!([
            {"type": "mention", "attrs": {"id": "5b10a2844c20165700ede21g", "text": "@Mia Krystof"}},
            text(" see "),
            {"type": "text", "text": "the runbook", "marks": [{"type": "link", "attrs": {"href": "https://wiki.example/vpn"}}]},
            text(" and "),
            {"type": "text", "text": "https://x.example", "marks": [{"type": "strong"}, {"type": "link", "attrs": {"href": "https://x.example"}}]},
            text(" "),
            {"type": "emoji", "attrs": {"shortName": ":fire:", "text": "🔥"}},
            text(" "),
            {"type": "status", "attrs": {"text": "BLOCKED", "color": "red"}},
            text(" by "),
            {"type": "date", "attrs": {"timestamp": "1764201600000"}},
            text(" "),
            {"type": "inlineCard", "attrs": {"url": "https://acme.atlassian.net/browse/OPS-1"}},
            {"type": "mention", "attrs": {"id": "abc"}},
        ]))]));
        assert_eq!(
            to_text(&document),
            "@Mia Krystof see the runbook (https://wiki.example/vpn) and https://x.example 🔥 BLOCKED by 2025-11-27 \
             https://acme.atlassian.net/browse/OPS-1@abc"
        );
    }

    #[test]
    fn tables_panels_and_media() {
        let cell = |value: &str| json!({"type": "tableCell", "content": [paragraph(json!([text(value)]))]});
        let document = doc(json!([
            {"type": "panel", "attrs": {"panelType": "info"}, "content": [paragraph(json!([text("Heads up")]))]},
            {"type": "table", "content": [
                {"type": "tableRow", "content": [cell("host"), cell("state")]},
                {"type": "tableRow", "content": [cell("db-1"), cell("down")]},
            ]},
            {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "x", "type": "file"}}]},
            {"type": "expand", "attrs": {"title": "Logs"}, "content": [paragraph(json!([text("none")]))]},
        ]));
        assert_eq!(to_text(&document), "Heads up\n\nhost | state\ndb-1 | down\n\n[attachment]\n\nLogs\nnone");
    }

    #[test]
    fn what_is_no_document_and_what_is_too_much() {
        assert_eq!(to_text(&Value::Null), "");
        assert_eq!(to_text(&json!("plain already")), "plain already");
        assert_eq!(to_text(&json!({"type": "doc"})), "");
        let mut deep = paragraph(json!([text("bottom")]));
        for _ in 0..200 {
            deep = json!({"type": "blockquote", "content": [deep]});
        }
        let read = to_text(&doc(json!([deep])));
        assert!(!read.contains("bottom"), "read only to MAX_DEPTH");
        let huge = "x".repeat(MAX_TEXT * 2);
        let read = to_text(&from_text(&huge));
        assert!(read.len() <= MAX_TEXT + CUT.len() && read.ends_with("[…cut]"), "{}", read.len());
    }
}
