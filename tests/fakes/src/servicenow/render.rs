//! A record as the Table API returns it, per `sysparm_display_value`,
//! `sysparm_exclude_reference_link` and `sysparm_fields`.
//!
//! Every value is a string. A reference is `{"link","value"}` by default,
//! `{"display_value","link"}` with display values, and
//! `{"display_value","link","value"}` with `all`; excluding the link leaves
//! the bare value (or display value, or the pair). With `all`, every other
//! field is `{"display_value","value"}` too.

use super::schema::Kind;
use super::store::View;
use serde_json::{Map, Value, json};

/// `sysparm_display_value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DisplayMode {
    /// `false` (the default): stored values.
    #[default]
    Value,
    /// `true`: display values.
    Display,
    /// `all`: both.
    Both,
}

impl DisplayMode {
    /// Reads the parameter; anything unrecognised means the default, as on
    /// the real instance.
    pub fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "true" => Self::Display,
            "all" => Self::Both,
            _ => Self::Value,
        }
    }
}

/// How to render records for one request.
#[derive(Debug, Clone, Default)]
pub struct Render {
    /// `sysparm_display_value`.
    pub mode: DisplayMode,
    /// `sysparm_exclude_reference_link`.
    pub exclude_reference_link: bool,
    /// `sysparm_fields`, possibly dot-walked; `None` means every field.
    pub fields: Option<Vec<String>>,
}

impl Render {
    /// `view` as a JSON object, with reference links on `origin`
    /// (`host:port`).
    pub fn record(&self, view: View<'_>, origin: &str) -> Value {
        let names: Vec<String> = match &self.fields {
            Some(fields) => fields.clone(),
            None => view.table().fields().map(|field| field.name.to_owned()).collect(),
        };
        let record: Map<String, Value> = names
            .into_iter()
            .filter_map(|name| {
                let (holder, last) = view.walk(&name)?;
                let value = self.field(holder, last, origin);
                Some((name, value))
            })
            .collect();
        Value::Object(record)
    }

    fn field(&self, view: View<'_>, name: &str, origin: &str) -> Value {
        let stored = view.stored(name);
        let display = view.display(name);
        let reference = match view.table().field(name).map(|field| field.kind) {
            Some(Kind::Reference(target)) if !stored.is_empty() => Some(target),
            _ => None,
        };
        let Some(target) = reference else {
            return match self.mode {
                DisplayMode::Value => json!(stored),
                DisplayMode::Display => json!(display),
                DisplayMode::Both => json!({"display_value": display, "value": stored}),
            };
        };
        let link = format!("https://{origin}/api/now/table/{target}/{stored}");
        match (self.mode, self.exclude_reference_link) {
            (DisplayMode::Value, true) => json!(stored),
            (DisplayMode::Value, false) => json!({"link": link, "value": stored}),
            (DisplayMode::Display, true) => json!(display),
            (DisplayMode::Display, false) => json!({"display_value": display, "link": link}),
            (DisplayMode::Both, true) => json!({"display_value": display, "value": stored}),
            (DisplayMode::Both, false) => json!({"display_value": display, "link": link, "value": stored}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::query::Query;
    use crate::servicenow::schema;

    fn render(mode: DisplayMode, exclude: bool, fields: &[&str]) -> Value {
        let store = crate::servicenow::seed::store();
        let incidents = store.select(schema::table("incident").unwrap(), &Query::parse("number=INC0010001"));
        let render = Render {
            mode,
            exclude_reference_link: exclude,
            fields: Some(fields.iter().map(|field| (*field).to_owned()).collect()),
        };
        render.record(incidents[0], "h:1")
    }

    #[test]
    fn references_per_mode() {
        let group = "8a4dde73c6112278017a6a4baf547aa7";
        let link = format!("https://h:1/api/now/table/sys_user_group/{group}");
        let fields = ["assignment_group", "state", "caller_id.name", "nope"];
        assert_eq!(
            render(DisplayMode::Value, false, &fields),
            json!({"assignment_group": {"link": link, "value": group}, "state": "2", "caller_id.name": "Abel Tuter"})
        );
        assert_eq!(render(DisplayMode::Value, true, &["assignment_group"]), json!({"assignment_group": group}));
        assert_eq!(
            render(DisplayMode::Display, false, &["assignment_group", "state"]),
            json!({"assignment_group": {"display_value": "Software", "link": link}, "state": "In Progress"})
        );
        assert_eq!(
            render(DisplayMode::Both, false, &["assignment_group", "priority"]),
            json!({
                "assignment_group": {"display_value": "Software", "link": link, "value": group},
                "priority": {"display_value": "1 - Critical", "value": "1"},
            })
        );
        assert_eq!(
            render(DisplayMode::Both, true, &["assignment_group"]),
            json!({"assignment_group": {"display_value": "Software", "value": group}})
        );
    }

    #[test]
    fn journals_read_back_empty_but_display_their_history() {
        let both = render(DisplayMode::Both, false, &["work_notes"]);
        assert_eq!(both["work_notes"]["value"], "");
        let history = both["work_notes"]["display_value"].as_str().unwrap();
        assert!(history.starts_with("2025-03-03 08:31:02 - Fred Luddy (Work notes)\nExchange transport"), "{history}");
    }

    #[test]
    fn empty_references_are_plain_strings() {
        assert_eq!(render(DisplayMode::Value, false, &["resolved_by"]), json!({"resolved_by": ""}));
    }
}
