//! An incident's journal (customer-visible comments and internal work
//! notes), read from the display values of its `comments` and `work_notes`
//! fields.
//!
//! ServiceNow stores journal entries in `sys_journal_field`, which ordinary
//! ITIL users usually may not read; the display value of a journal field is
//! readable wherever the record is, and lists the entries newest first,
//! each under a header `2025-03-03 08:31:02 - Fred Luddy (Work notes)`.

use crate::records;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// The two journal fields and the label ServiceNow puts in their headers.
const KINDS: [(&str, &str, Kind); 2] =
    [("comments", "(Additional comments)", Kind::Comment), ("work_notes", "(Work notes)", Kind::WorkNote)];

/// Who may see an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An additional comment: visible to the caller.
    Comment,
    /// A work note: internal to the fulfillers.
    WorkNote,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Entry {
    /// When it was written, as the instance displays it.
    pub at: String,
    /// Who wrote it.
    pub author: String,
    /// Comment or work note.
    pub kind: Kind,
    /// What was written.
    pub text: String,
}

/// The fields that hold the journal; shaped records leave them out.
pub const FIELDS: [&str; 2] = [KINDS[0].0, KINDS[1].0];

/// Every entry of `record`'s journal, newest first.
pub fn entries(record: &Value) -> Vec<Entry> {
    let mut entries: Vec<Entry> = KINDS
        .iter()
        .filter_map(|(field, label, kind)| Some(parse(&records::display(record, field)?, label, *kind)))
        .flatten()
        .collect();
    entries.sort_by(|a, b| b.at.cmp(&a.at));
    entries
}

/// The entries of one journal field's display value. Text before the first
/// header (an instance formatting its history differently) becomes one entry
/// with no time or author, so nothing is lost.
fn parse(history: &str, label: &str, kind: Kind) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    let finish = |entries: &mut Vec<Entry>, lines: &mut Vec<&str>| {
        let text = lines.join("\n").trim().to_owned();
        lines.clear();
        match entries.last_mut() {
            Some(entry) => entry.text = text,
            None if !text.is_empty() => entries.push(Entry { at: String::new(), author: String::new(), kind, text }),
            None => {}
        }
    };
    for line in history.lines() {
        let header = line.strip_suffix(label).and_then(|rest| rest.trim_end().split_once(" - "));
        match header {
            Some((at, author)) => {
                finish(&mut entries, &mut lines);
                entries.push(Entry {
                    at: at.trim().to_owned(),
                    author: author.trim().to_owned(),
                    kind,
                    text: String::new(),
                });
            }
            None => lines.push(line),
        }
    }
    finish(&mut entries, &mut lines);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_from_both_fields_newest_first() {
        let record = json!({
            "comments": {
                "display_value": "2025-03-03 09:02:45 - Fred Luddy (Additional comments)\nOn it.\nSecond line\n\n",
                "value": "",
            },
            "work_notes": {
                "display_value": concat!(
                    "2025-03-03 10:00:00 - Beth Anglin (Work notes)\nRestarted\n\n",
                    "2025-03-03 08:31:02 - Fred Luddy (Work notes)\nLooking\n\n",
                ),
                "value": "",
            },
        });
        let entries = entries(&record);
        let summary: Vec<(&str, &str, Kind, &str)> =
            entries.iter().map(|e| (e.at.as_str(), e.author.as_str(), e.kind, e.text.as_str())).collect();
        assert_eq!(
            summary,
            [
                ("2025-03-03 10:00:00", "Beth Anglin", Kind::WorkNote, "Restarted"),
                ("2025-03-03 09:02:45", "Fred Luddy", Kind::Comment, "On it.\nSecond line"),
                ("2025-03-03 08:31:02", "Fred Luddy", Kind::WorkNote, "Looking"),
            ]
        );
    }

    #[test]
    fn unfamiliar_formats_are_kept_whole() {
        let record = json!({"comments": "just some text"});
        assert_eq!(entries(&record)[0].text, "just some text");
        assert!(entries(&json!({"comments": ""})).is_empty());
    }
}
