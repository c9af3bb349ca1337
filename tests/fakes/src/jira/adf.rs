//! Atlassian Document Format: the JSON documents REST v3 takes and returns
//! for descriptions and comment bodies.
//!
//! A document is `{"type":"doc","version":1,"content":[…]}`; block nodes
//! (paragraph, heading, bulletList/orderedList/listItem, codeBlock,
//! blockquote, rule, panel, table…) hold inline nodes (text with marks such
//! as strong, em, code and link; hardBreak; mention; emoji; inlineCard…).
//! [`check`] refuses what Jira refuses (anything that is not such a
//! document), [`plain_text`] reads a document back as text (what JQL's
//! `~` searches and what Service Management shows), [`from_plain_text`]
//! turns a portal's plain text into a document, and [`html`] renders one as
//! Jira's `renderedFields` do.

use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// Why a value is not an ADF document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdfError {
    /// Not even an object with `type: "doc"`.
    #[error("not an Atlassian Document")]
    NotADocument,
    /// `version` is not 1.
    #[error("unsupported ADF version")]
    Version,
    /// A node is malformed (`path` is where, as a JSON pointer).
    #[error("malformed node at {path}: {problem}")]
    Node {
        /// Where the node is.
        path: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}

/// Block and inline node types the editor produces.
const NODE_TYPES: &[&str] = &[
    "paragraph",
    "text",
    "hardBreak",
    "heading",
    "bulletList",
    "orderedList",
    "listItem",
    "codeBlock",
    "blockquote",
    "rule",
    "mention",
    "emoji",
    "inlineCard",
    "blockCard",
    "panel",
    "status",
    "date",
    "table",
    "tableRow",
    "tableHeader",
    "tableCell",
    "taskList",
    "taskItem",
    "expand",
    "nestedExpand",
    "mediaSingle",
    "mediaGroup",
    "media",
];

/// Checks that `value` is an ADF document: an object with `type: "doc"`,
/// `version: 1` and a `content` array of well-formed nodes (each an object
/// with a known `type`; text nodes with a non-empty `text`; marks, when
/// present, an array of objects with a `type`).
pub fn check(value: &Value) -> Result<(), AdfError> {
    let Some(document) = value.as_object() else { return Err(AdfError::NotADocument) };
    if document.get("type").and_then(Value::as_str) != Some("doc") {
        return Err(AdfError::NotADocument);
    }
    if document.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(AdfError::Version);
    }
    let Some(content) = document.get("content").and_then(Value::as_array) else {
        return Err(AdfError::Node { path: "/content".to_owned(), problem: "content must be an array" });
    };
    for (index, node) in content.iter().enumerate() {
        check_node(node, &format!("/content/{index}"), 1)?;
    }
    Ok(())
}

/// How deep documents may nest before they are refused.
const MAX_DEPTH: usize = 32;

fn check_node(node: &Value, path: &str, depth: usize) -> Result<(), AdfError> {
    let fail = |problem| Err(AdfError::Node { path: path.to_owned(), problem });
    if depth > MAX_DEPTH {
        return fail("nested too deeply");
    }
    let Some(node) = node.as_object() else { return fail("a node must be an object") };
    let Some(kind) = node.get("type").and_then(Value::as_str) else { return fail("a node needs a type") };
    if !NODE_TYPES.contains(&kind) {
        return fail("unknown node type");
    }
    if kind == "text" && node.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
        return fail("a text node needs non-empty text");
    }
    if let Some(marks) = node.get("marks") {
        let well_formed = marks
            .as_array()
            .is_some_and(|marks| marks.iter().all(|mark| mark.get("type").and_then(Value::as_str).is_some()));
        if !well_formed {
            return fail("marks must be objects with a type");
        }
    }
    match node.get("content") {
        None => Ok(()),
        Some(Value::Array(children)) => {
            for (index, child) in children.iter().enumerate() {
                check_node(child, &format!("{path}/content/{index}"), depth + 1)?;
            }
            Ok(())
        }
        Some(_) => fail("content must be an array"),
    }
}

/// The document's text: top-level blocks separated by blank lines, list
/// items on their own lines prefixed with `- ` (or `1. `), mentions as
/// `@Name`, hard breaks as newlines. Text made by [`from_plain_text`] reads
/// back as it was written.
pub fn plain_text(document: &Value) -> String {
    let parts: Vec<String> = children(document.get("content"))
        .iter()
        .map(|node| {
            let mut out = String::new();
            blocks(std::slice::from_ref(node), &mut out, "");
            out.trim_end().to_owned()
        })
        .filter(|part| !part.is_empty())
        .collect();
    parts.join("\n\n")
}

fn children(content: Option<&Value>) -> &[Value] {
    content.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn blocks(nodes: &[Value], out: &mut String, indent: &str) {
    for node in nodes {
        let kind = node.get("type").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "bulletList" | "orderedList" | "taskList" => {
                for (index, item) in children(node.get("content")).iter().enumerate() {
                    let marker = if kind == "orderedList" { format!("{}. ", index + 1) } else { "- ".to_owned() };
                    out.push_str(indent);
                    out.push_str(&marker);
                    let mut inner = String::new();
                    blocks(children(item.get("content")), &mut inner, &format!("{indent}  "));
                    let inner = inner.trim_start();
                    if item.get("content").is_none() || inner.is_empty() {
                        inline(item.get("content"), out);
                        out.push('\n');
                    } else {
                        out.push_str(inner);
                    }
                }
            }
            "rule" => out.push_str("---\n"),
            "text" | "hardBreak" | "mention" | "emoji" | "inlineCard" | "status" | "date" => {
                inline_node(node, out);
            }
            "codeBlock" | "paragraph" | "heading" | "taskItem" => {
                out.push_str(indent);
                inline(node.get("content"), out);
                out.push('\n');
            }
            _ => blocks(children(node.get("content")), out, indent),
        }
    }
}

fn inline(content: Option<&Value>, out: &mut String) {
    for node in children(content) {
        inline_node(node, out);
    }
}

fn inline_node(node: &Value, out: &mut String) {
    let attr = |name: &str| node.get("attrs").and_then(|attrs| attrs.get(name)).and_then(Value::as_str);
    match node.get("type").and_then(Value::as_str).unwrap_or_default() {
        "text" => out.push_str(node.get("text").and_then(Value::as_str).unwrap_or_default()),
        "hardBreak" => out.push('\n'),
        "mention" => {
            let text = attr("text").unwrap_or_default();
            if !text.starts_with('@') {
                out.push('@');
            }
            out.push_str(text);
        }
        "emoji" => out.push_str(attr("text").or(attr("shortName")).unwrap_or_default()),
        "inlineCard" => out.push_str(attr("url").unwrap_or_default()),
        "status" => out.push_str(attr("text").unwrap_or_default()),
        _ => inline(node.get("content"), out),
    }
}

/// A document holding `text`: paragraphs split at blank lines, single line
/// breaks as hard breaks (what the portal and Service Management's REST
/// API store for plain-text fields).
pub fn from_plain_text(text: &str) -> Value {
    let normalized = text.replace("\r\n", "\n");
    let paragraphs: Vec<Value> = normalized
        .split("\n\n")
        .map(|paragraph| paragraph.trim_matches('\n'))
        .filter(|paragraph| !paragraph.trim().is_empty())
        .map(|paragraph| {
            let mut content = Vec::new();
            for (index, line) in paragraph.split('\n').enumerate() {
                if index > 0 {
                    content.push(json!({"type": "hardBreak"}));
                }
                if !line.is_empty() {
                    content.push(json!({"type": "text", "text": line}));
                }
            }
            json!({"type": "paragraph", "content": content})
        })
        .collect();
    doc(paragraphs)
}

/// The document as HTML, as `renderedFields` and `renderedBody` carry it.
pub fn html(document: &Value) -> String {
    let mut out = String::new();
    html_nodes(children(document.get("content")), &mut out);
    out
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

fn html_nodes(nodes: &[Value], out: &mut String) {
    for node in nodes {
        let attr = |name: &str| node.get("attrs").and_then(|attrs| attrs.get(name));
        let wrap = |tag: &str, out: &mut String| {
            let _ = write!(out, "<{tag}>");
            html_nodes(children(node.get("content")), out);
            let _ = write!(out, "</{tag}>");
        };
        match node.get("type").and_then(Value::as_str).unwrap_or_default() {
            "paragraph" => wrap("p", out),
            "heading" => {
                let level = attr("level").and_then(Value::as_u64).unwrap_or(1).clamp(1, 6);
                wrap(&format!("h{level}"), out);
            }
            "bulletList" => wrap("ul", out),
            "orderedList" => wrap("ol", out),
            "listItem" => wrap("li", out),
            "blockquote" => wrap("blockquote", out),
            "codeBlock" => {
                out.push_str("<pre><code>");
                let mut code = String::new();
                inline(node.get("content"), &mut code);
                escape(&code, out);
                out.push_str("</code></pre>");
            }
            "rule" => out.push_str("<hr />"),
            "hardBreak" => out.push_str("<br />"),
            "text" => text_html(node, out),
            "mention" => {
                out.push_str("<a class=\"user-hover\" href=\"#\">");
                let mut text = String::new();
                inline_node(node, &mut text);
                escape(&text, out);
                out.push_str("</a>");
            }
            "emoji" | "inlineCard" | "status" | "date" => {
                let mut text = String::new();
                inline_node(node, &mut text);
                escape(&text, out);
            }
            _ => html_nodes(children(node.get("content")), out),
        }
    }
}

fn text_html(node: &Value, out: &mut String) {
    let mut closing = Vec::new();
    for mark in node.get("marks").and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
        let tag = match mark.get("type").and_then(Value::as_str).unwrap_or_default() {
            "strong" => "b",
            "em" => "em",
            "code" => "code",
            "strike" => "del",
            "underline" => "ins",
            "link" => {
                let href = mark.get("attrs").and_then(|attrs| attrs.get("href")).and_then(Value::as_str);
                out.push_str("<a href=\"");
                escape(href.unwrap_or_default(), out);
                out.push_str("\">");
                closing.push("a");
                continue;
            }
            _ => continue,
        };
        let _ = write!(out, "<{tag}>");
        closing.push(tag);
    }
    escape(node.get("text").and_then(Value::as_str).unwrap_or_default(), out);
    for tag in closing.iter().rev() {
        let _ = write!(out, "</{tag}>");
    }
}

// Builders, for the seed data.

/// A document holding `content`.
pub fn doc(content: Vec<Value>) -> Value {
    json!({"type": "doc", "version": 1, "content": content})
}

/// A paragraph of inline nodes.
pub fn paragraph(content: Vec<Value>) -> Value {
    json!({"type": "paragraph", "content": content})
}

/// A paragraph of plain text.
pub fn para(text: &str) -> Value {
    paragraph(vec![self::text(text)])
}

/// Plain text.
pub fn text(text: &str) -> Value {
    json!({"type": "text", "text": text})
}

/// Text with marks (`strong`, `em`, `code`…).
pub fn marked(text: &str, marks: &[&str]) -> Value {
    let marks: Vec<Value> = marks.iter().map(|mark| json!({"type": mark})).collect();
    json!({"type": "text", "text": text, "marks": marks})
}

/// A link.
pub fn link(text: &str, href: &str) -> Value {
    json!({"type": "text", "text": text, "marks": [{"type": "link", "attrs": {"href": href}}]})
}

/// A line break inside a paragraph.
pub fn hard_break() -> Value {
    json!({"type": "hardBreak"})
}

/// A mention of a user.
pub fn mention(account_id: &str, name: &str) -> Value {
    json!({"type": "mention", "attrs": {"id": account_id, "text": format!("@{name}"), "accessLevel": ""}})
}

/// A heading.
pub fn heading(level: u8, text: &str) -> Value {
    json!({"type": "heading", "attrs": {"level": level}, "content": [self::text(text)]})
}

/// A bulleted list, one paragraph per item.
pub fn bullets(items: &[&str]) -> Value {
    list("bulletList", items, Map::new())
}

/// A numbered list, one paragraph per item.
pub fn numbered(items: &[&str]) -> Value {
    let mut attrs = Map::new();
    attrs.insert("order".to_owned(), json!(1));
    list("orderedList", items, attrs)
}

fn list(kind: &str, items: &[&str], attrs: Map<String, Value>) -> Value {
    let items: Vec<Value> = items.iter().map(|item| json!({"type": "listItem", "content": [para(item)]})).collect();
    let mut node = json!({"type": kind, "content": items});
    if !attrs.is_empty() {
        node["attrs"] = Value::Object(attrs);
    }
    node
}

/// A code block.
pub fn code_block(language: &str, code: &str) -> Value {
    json!({"type": "codeBlock", "attrs": {"language": language}, "content": [self::text(code)]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_document() {
        assert_eq!(check(&json!("plain text")), Err(AdfError::NotADocument));
        assert_eq!(check(&json!({"type": "paragraph"})), Err(AdfError::NotADocument));
        assert_eq!(check(&json!({"type": "doc", "version": 2, "content": []})), Err(AdfError::Version));
        assert!(check(&json!({"type": "doc", "version": 1})).is_err());
        assert!(check(&json!({"type": "doc", "version": 1, "content": [{"type": "marquee"}]})).is_err());
        assert!(check(&json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": ""}]}]})).is_err());
        assert!(
            check(&json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": "x"}]})).is_err()
        );
        let mut deep = para("x");
        for _ in 0..40 {
            deep = json!({"type": "blockquote", "content": [deep]});
        }
        assert!(check(&doc(vec![deep])).is_err());
        assert_eq!(check(&doc(vec![])), Ok(()));
    }

    #[test]
    fn reads_documents_as_text_and_html() {
        let document = doc(vec![
            heading(2, "Impact"),
            paragraph(vec![text("Ask "), mention("abc", "Mia Krystof"), hard_break(), marked("now", &["strong"])]),
            bullets(&["one", "two"]),
            numbered(&["first"]),
            code_block("bash", "ip xfrm state"),
        ]);
        assert_eq!(check(&document), Ok(()));
        assert_eq!(
            plain_text(&document),
            "Impact\n\nAsk @Mia Krystof\nnow\n\n- one\n- two\n\n1. first\n\nip xfrm state"
        );
        assert_eq!(
            html(&document),
            "<h2>Impact</h2><p>Ask <a class=\"user-hover\" href=\"#\">@Mia Krystof</a><br /><b>now</b></p>\
             <ul><li><p>one</p></li><li><p>two</p></li></ul><ol><li><p>first</p></li></ol>\
             <pre><code>ip xfrm state</code></pre>"
        );
    }

    #[test]
    fn plain_text_becomes_paragraphs_and_breaks() {
        let document = from_plain_text("Hello\nthere\n\nSecond <b>");
        assert_eq!(
            document,
            doc(vec![paragraph(vec![text("Hello"), hard_break(), text("there")]), paragraph(vec![text("Second <b>")])])
        );
        assert_eq!(plain_text(&document), "Hello\nthere\n\nSecond <b>");
        assert_eq!(html(&document), "<p>Hello<br />there</p><p>Second &lt;b&gt;</p>");
    }
}
