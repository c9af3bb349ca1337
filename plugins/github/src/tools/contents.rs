//! `get_file_contents`: a file's text (GitHub sends it base64-encoded,
//! and it is decoded here), or a directory's entries.

use crate::client::{GitHub, items, text};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use berth_sdk::http::percent_encode;
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most text returned of one file, in bytes: more would swamp a
/// model's context.
pub const MAX_TEXT: usize = 64 * 1024;
/// The most directory entries listed.
const MAX_ENTRIES: usize = 1_000;

/// Arguments of `get_file_contents`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentsArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The file's or directory's path in the repository, such as
    /// `src/main.rs` or `docs` (empty: the root).
    #[serde(default)]
    #[schemars(length(max = 1024))]
    pub path: String,
    /// A branch, tag or commit (default: the repository's default
    /// branch).
    #[schemars(length(max = 255))]
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

/// A directory entry.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Entry {
    /// Its name.
    pub name: String,
    /// Its path in the repository.
    pub path: String,
    /// `file`, `dir`, `symlink` or `submodule`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its size in bytes (files).
    pub size: u64,
}

/// What is at a path.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Contents {
    /// The path.
    pub path: String,
    /// `file`, `dir`, `symlink` or `submodule`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A file's size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// A file's blob sha.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// A text file's contents (UTF-8), at most 64 KiB of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Whether `text` stops short of the end of the file.
    pub truncated: bool,
    /// Why there is no `text` for a file: binary, or too large for the API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A directory's entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<Entry>>,
    /// Where a person opens it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `path` as URL path segments, each percent-encoded; `..`, `.` and empty
/// segments are refused, so the path stays under `/contents/`.
pub fn encode_path(path: &str) -> Result<String, ToolError> {
    let path = path.trim().trim_matches('/');
    if path.is_empty() {
        return Ok(String::new());
    }
    let mut encoded = String::new();
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.chars().any(char::is_control) {
            return Err(ToolError::invalid(format!(
                "`{}` is not a path in a repository; give one such as `src/main.rs`",
                path.chars().take(200).collect::<String>()
            )));
        }
        encoded.push('/');
        encoded.push_str(&percent_encode(segment));
    }
    Ok(encoded)
}

/// Runs `get_file_contents`.
pub fn get_file_contents(args: ContentsArgs) -> Result<Json<Contents>, ToolError> {
    let github = GitHub::new()?;
    let repo = github.settings.repo(args.repo.as_deref())?;
    let path = encode_path(&args.path)?;
    let mut query = Vec::new();
    if let Some(reference) = args.reference.as_deref().map(str::trim).filter(|reference| !reference.is_empty()) {
        query.push(("ref", reference.to_owned()));
    }
    let shown = args.path.trim().trim_matches('/');
    let target = format!("`{}` in {}", if shown.is_empty() { "/" } else { shown }, repo.full());
    let answer = github.get(&repo.path(&format!("/contents{path}")), &query, &target)?;
    Ok(Json(read(&answer, shown)))
}

/// Reads the API's answer for `path`: an array is a directory.
fn read(answer: &Value, path: &str) -> Contents {
    if answer.is_array() {
        let entries = items(answer, "")
            .take(MAX_ENTRIES)
            .map(|entry| Entry {
                name: text(entry, "/name").unwrap_or_default().to_owned(),
                path: text(entry, "/path").unwrap_or_default().to_owned(),
                kind: text(entry, "/type").unwrap_or_default().to_owned(),
                size: entry.get("size").and_then(Value::as_u64).unwrap_or_default(),
            })
            .collect();
        return Contents {
            path: path.to_owned(),
            kind: "dir".to_owned(),
            size: None,
            sha: None,
            text: None,
            truncated: false,
            note: None,
            entries: Some(entries),
            url: None,
        };
    }
    let kind = text(answer, "/type").unwrap_or("file").to_owned();
    let size = answer.get("size").and_then(Value::as_u64);
    let (text_part, truncated, note) = if kind == "file" {
        decode(answer, size.unwrap_or_default())
    } else {
        let target = text(answer, "/target").or(text(answer, "/submodule_git_url"));
        (None, false, target.map(|target| format!("points to {target}")))
    };
    Contents {
        path: text(answer, "/path").unwrap_or(path).to_owned(),
        kind,
        size,
        sha: text(answer, "/sha").map(str::to_owned),
        text: text_part,
        truncated,
        note,
        entries: None,
        url: text(answer, "/html_url").map(str::to_owned),
    }
}

/// A file object's text, whether it was cut, and why there is none.
fn decode(file: &Value, size: u64) -> (Option<String>, bool, Option<String>) {
    let encoding = text(file, "/encoding").unwrap_or("base64");
    let content = file.get("content").and_then(Value::as_str).unwrap_or_default();
    if encoding != "base64" || (content.is_empty() && size > 0) {
        return (
            None,
            false,
            Some(format!("the file is too large for the contents API ({size} bytes); open it on GitHub instead")),
        );
    }
    let packed: String = content.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let Ok(bytes) = STANDARD.decode(packed) else {
        return (None, false, Some("GitHub sent content that is not valid base64".to_owned()));
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return (None, false, Some(format!("a binary file ({size} bytes); its bytes are not shown")));
    };
    if text.len() <= MAX_TEXT {
        return (Some(text), false, None);
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (Some(text[..end].to_owned()), true, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_stay_under_contents() {
        assert_eq!(encode_path("/src/vpn/keepalive.ts").unwrap(), "/src/vpn/keepalive.ts");
        assert_eq!(encode_path("docs/on call?.md").unwrap(), "/docs/on%20call%3F.md");
        assert_eq!(encode_path("").unwrap(), "");
        for bad in ["../secrets", "a/../../b", "a//b", "./a"] {
            assert!(encode_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn files_are_decoded_and_bounded_and_directories_listed() {
        let file = json!({
            "type": "file", "encoding": "base64", "size": 12, "name": "README.md", "path": "README.md",
            "content": "SGVsbG8s\nIHdvcmxk\nIQ==\n", "sha": "abc", "html_url": "https://github.com/acme/x/blob/main/README.md"
        });
        let read = read(&file, "README.md");
        assert_eq!((read.text.as_deref(), read.truncated, read.kind.as_str()), (Some("Hello, world!"), false, "file"));
        let binary =
            json!({"type": "file", "encoding": "base64", "size": 3, "content": STANDARD.encode([0xff, 0xfe, 0x00])});
        assert!(super::read(&binary, "x").note.unwrap().contains("binary"));
        let big = json!({"type": "file", "encoding": "none", "size": 5_000_000, "content": ""});
        assert!(super::read(&big, "x").note.unwrap().contains("too large"));
        let long = "é".repeat(MAX_TEXT);
        let long = json!({"type": "file", "encoding": "base64", "size": long.len(), "content": STANDARD.encode(&long)});
        let cut = super::read(&long, "x");
        assert!(cut.truncated && cut.text.unwrap().len() <= MAX_TEXT);
        let dir = json!([
            {"type": "file", "name": "ci.yml", "path": ".github/workflows/ci.yml", "size": 310},
            {"type": "dir", "name": "old", "path": ".github/workflows/old", "size": 0}
        ]);
        let listed = super::read(&dir, ".github/workflows");
        assert_eq!(listed.kind, "dir");
        let entries = listed.entries.unwrap();
        assert_eq!((entries[0].name.as_str(), entries[1].kind.as_str()), ("ci.yml", "dir"));
    }
}
