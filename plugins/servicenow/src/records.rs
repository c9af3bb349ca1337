//! Records as an agent reads them.
//!
//! The client asks for `sysparm_display_value=all`, so each field arrives as
//! `{"display_value","value"}` (plus `link` for a reference). Shaped, a
//! field is its plain value when that is all there is to say, a reference
//! becomes `{"sys_id","name"}`, and a coded field whose label differs
//! becomes `{"value","display"}` (for example a state `6` shown as
//! `Resolved`). Empty fields are dropped: a stock incident has around a
//! hundred, most of them blank.

use crate::client::Page;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// What is stored (a code, a `sys_id`, text).
    pub value: String,
    /// What a person sees; the stored value when there is no difference.
    pub display: String,
    /// Whether the field references another record.
    pub reference: bool,
}

/// Field `name` of `record`, whichever form the instance sent it in.
pub fn field(record: &Value, name: &str) -> Option<Field> {
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    match record.get(name)? {
        Value::Object(parts) => {
            let value = text(parts.get("value"));
            let display = parts.get("display_value").map_or_else(|| value.clone(), |shown| text(Some(shown)));
            Some(Field { value, display, reference: parts.contains_key("link") })
        }
        plain => {
            let value = text(Some(plain));
            Some(Field { display: value.clone(), value, reference: false })
        }
    }
}

/// What a person sees in field `name`, or `None` when it is empty.
pub fn display(record: &Value, name: &str) -> Option<String> {
    let field = field(record, name)?;
    let shown = if field.display.is_empty() { field.value } else { field.display };
    Some(shown).filter(|shown| !shown.is_empty())
}

/// The stored value of field `name`, or `None` when it is empty.
pub fn value(record: &Value, name: &str) -> Option<String> {
    field(record, name).map(|field| field.value).filter(|value| !value.is_empty())
}

/// Every non-empty field of `record`, shaped, except those in `skip`.
pub fn shape(record: &Value, skip: &[&str]) -> Map<String, Value> {
    let Some(fields) = record.as_object() else { return Map::new() };
    fields
        .keys()
        .filter(|name| !skip.contains(&name.as_str()))
        .filter_map(|name| {
            let field = field(record, name)?;
            let shaped = match field {
                Field { value, display, .. } if value.is_empty() && display.is_empty() => return None,
                Field { value, display, reference: true } => json!({"sys_id": value, "name": display}),
                Field { value, display, .. } if value.is_empty() => json!(display),
                Field { value, display, .. } if display.is_empty() || display == value => json!(value),
                Field { value, display, .. } => json!({"value": value, "display": display}),
            };
            Some((name.clone(), shaped))
        })
        .collect()
}

/// Where a page sits in a listing, for the agent to page on.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageInfo {
    /// How many records match in all (`X-Total-Count`), when the instance
    /// says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Records skipped before this page.
    pub offset: u32,
    /// Records on this page.
    pub returned: usize,
    /// Whether more records follow.
    pub has_more: bool,
    /// The `offset` that fetches the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u32>,
}

impl PageInfo {
    /// The position of `page`, fetched at `offset`.
    pub fn of(page: &Page, offset: u32) -> Self {
        let returned = page.records.len();
        let next_offset = page.has_more.then(|| offset.saturating_add(u32::try_from(returned).unwrap_or(u32::MAX)));
        Self { total: page.total, offset, returned, has_more: page.has_more, next_offset }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Value {
        json!({
            "number": {"display_value": "INC0010001", "value": "INC0010001"},
            "state": {"display_value": "Resolved", "value": "6"},
            "assigned_to": {"display_value": "Fred Luddy", "link": "https://x/api/now/table/sys_user/1", "value": "1"},
            "caller_id": {"display_value": "", "value": ""},
            "comments": {"display_value": "history", "value": ""},
            "plain": "text",
        })
    }

    #[test]
    fn fields_in_every_form() {
        let record = record();
        let state = field(&record, "state").unwrap();
        assert_eq!((state.value.as_str(), state.display.as_str(), state.reference), ("6", "Resolved", false));
        assert!(field(&record, "assigned_to").unwrap().reference);
        assert_eq!(display(&record, "plain").as_deref(), Some("text"));
        assert_eq!(display(&record, "caller_id"), None);
        assert_eq!(value(&record, "comments"), None);
        assert_eq!(field(&record, "missing"), None);
    }

    #[test]
    fn shaping_drops_empties_and_keeps_what_differs() {
        assert_eq!(
            Value::Object(shape(&record(), &["plain"])),
            json!({
                "number": "INC0010001",
                "state": {"value": "6", "display": "Resolved"},
                "assigned_to": {"sys_id": "1", "name": "Fred Luddy"},
                "comments": "history",
            })
        );
    }
}
