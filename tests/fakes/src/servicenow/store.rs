//! The instance's records, in memory: every value a string, as ServiceNow
//! stores and returns them. Writes go through the dictionary (unknown and
//! system fields are ignored, references accept a `sys_id` or a display
//! value, journal fields become `sys_journal_field` entries) and then the
//! business rules in [`super::rules`].

use super::error::ApiError;
use super::query::{self, Query};
use super::schema::{self, Kind, Table};
use super::{ids, rules};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One record: field name to stored value.
pub type Row = BTreeMap<String, String>;

/// The table journal entries are stored in.
const JOURNAL_TABLE: &str = "sys_journal_field";

/// Who is making a request, as the records name them.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `sys_user.user_name`: what `sys_created_by` and `sys_updated_by` hold.
    pub user_name: String,
    /// `sys_user.sys_id`: what `opened_by` and the like reference.
    pub sys_id: String,
}

/// Every table's rows, in insertion order.
#[derive(Debug, Default)]
pub struct Store {
    rows: BTreeMap<&'static str, Vec<Row>>,
    /// The last number given per numbered table.
    numbers: BTreeMap<&'static str, u32>,
}

/// A row seen through its table, for querying and rendering.
#[derive(Clone, Copy)]
pub struct View<'a> {
    store: &'a Store,
    table: &'static Table,
    row: &'a Row,
}

impl Store {
    /// The table `name`, or ServiceNow's answer to an unknown one.
    pub fn table(name: &str) -> Result<&'static Table, ApiError> {
        schema::table(name).ok_or_else(|| ApiError::InvalidTable(name.to_owned()))
    }

    /// Rows of `table` that `query` selects, in its order.
    pub fn select(&self, table: &'static Table, query: &Query) -> Vec<View<'_>> {
        let mut selected: Vec<View<'_>> =
            self.rows(table.name).iter().map(|row| self.view(table, row)).filter(|view| query.matches(view)).collect();
        selected.sort_by(|a, b| query.compare(a, b));
        selected
    }

    /// The row of `table` with `sys_id`.
    pub fn find(&self, table: &'static Table, sys_id: &str) -> Result<View<'_>, ApiError> {
        let index = self.position(table, sys_id)?;
        Ok(self.view(table, &self.rows(table.name)[index]))
    }

    fn position(&self, table: &Table, sys_id: &str) -> Result<usize, ApiError> {
        self.rows(table.name)
            .iter()
            .position(|row| row.get("sys_id").is_some_and(|id| id == sys_id))
            .ok_or(ApiError::NoRecord)
    }

    /// The user called `user_name` acting; a user the instance does not
    /// know still gets their name on what they write.
    pub fn actor(&self, user_name: &str) -> Actor {
        let sys_id = self
            .rows("sys_user")
            .iter()
            .find(|row| row.get("user_name").is_some_and(|name| name == user_name))
            .and_then(|row| row.get("sys_id").cloned())
            .unwrap_or_default();
        Actor { user_name: user_name.to_owned(), sys_id }
    }

    /// Adds a seeded row as given, filling fields it leaves out with their
    /// defaults and counting its number.
    pub fn load(&mut self, table: &'static Table, given: Row) {
        let mut row = defaults(table);
        row.extend(given);
        row.insert("sys_class_name".to_owned(), table.name.to_owned());
        if let Some(number) =
            row.get("number").and_then(|number| number.trim_start_matches(char::is_alphabetic).parse().ok())
        {
            let last = self.numbers.entry(table.name).or_default();
            *last = (*last).max(number);
        }
        self.rows.entry(table.name).or_default().push(row);
    }

    /// Inserts a record from a write's JSON `body`; returns it as stored.
    pub fn insert(
        &mut self,
        table: &'static Table,
        body: &Map<String, Value>,
        actor: &Actor,
        now: &str,
    ) -> Result<Row, ApiError> {
        let mut row = defaults(table);
        for (field, value) in [
            ("sys_id", ids::sys_id()),
            ("sys_class_name", table.name.to_owned()),
            ("sys_created_on", now.to_owned()),
            ("sys_created_by", actor.user_name.clone()),
        ] {
            row.insert(field.to_owned(), value);
        }
        if let Some(prefix) = table.number_prefix {
            let number = self.numbers.entry(table.name).or_default();
            *number += 1;
            row.insert("number".to_owned(), format!("{prefix}{number:07}"));
        }
        let entries = self.assign(table, &mut row, body);
        rules::apply(table, None, &mut row, actor, now)?;
        stamp(&mut row, actor, now, false);
        self.rows.entry(table.name).or_default().push(row.clone());
        self.add_journal(table, &row, entries, actor, now);
        Ok(row)
    }

    /// Applies a write's JSON `body` to the record `sys_id` (PATCH and PUT
    /// both update only the fields given); returns it as stored.
    pub fn update(
        &mut self,
        table: &'static Table,
        sys_id: &str,
        body: &Map<String, Value>,
        actor: &Actor,
        now: &str,
    ) -> Result<Row, ApiError> {
        let index = self.position(table, sys_id)?;
        let before = self.rows(table.name)[index].clone();
        let mut row = before.clone();
        let entries = self.assign(table, &mut row, body);
        rules::apply(table, Some(&before), &mut row, actor, now)?;
        stamp(&mut row, actor, now, true);
        self.rows_mut(table.name)[index] = row.clone();
        self.add_journal(table, &row, entries, actor, now);
        Ok(row)
    }

    /// Deletes the record `sys_id`.
    pub fn delete(&mut self, table: &'static Table, sys_id: &str) -> Result<(), ApiError> {
        let index = self.position(table, sys_id)?;
        self.rows_mut(table.name).remove(index);
        Ok(())
    }

    /// Every row of `table`, for tests that look behind the API.
    pub fn rows(&self, table: &str) -> &[Row] {
        self.rows.get(table).map_or(&[], Vec::as_slice)
    }

    fn rows_mut(&mut self, table: &'static str) -> &mut Vec<Row> {
        self.rows.entry(table).or_default()
    }

    fn view<'a>(&'a self, table: &'static Table, row: &'a Row) -> View<'a> {
        View { store: self, table, row }
    }

    /// Copies the body's fields the table has into `row`; returns the
    /// journal entries (element, text) it asked for.
    fn assign(&self, table: &'static Table, row: &mut Row, body: &Map<String, Value>) -> Vec<(&'static str, String)> {
        let mut entries = Vec::new();
        for (name, value) in body {
            let Some(field) = table.field(name).filter(|field| !field.name.starts_with("sys_")) else { continue };
            let value = match value {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            match field.kind {
                Kind::Journal if !value.trim().is_empty() => entries.push((field.name, value)),
                Kind::Journal => {}
                Kind::Reference(target) => {
                    row.insert(field.name.to_owned(), self.resolve_reference(target, &value));
                }
                Kind::Plain | Kind::Choice(_) => {
                    row.insert(field.name.to_owned(), value);
                }
            }
        }
        entries
    }

    /// A reference is set with a `sys_id`, or with the display value of the
    /// record meant, which ServiceNow looks up; anything else is stored as
    /// given (and displays as nothing).
    fn resolve_reference(&self, target: &str, given: &str) -> String {
        let Some(table) = schema::table(target) else { return given.to_owned() };
        let rows = self.rows(target);
        let by_id = rows.iter().any(|row| row.get("sys_id").is_some_and(|id| id == given));
        let by_display = || {
            rows.iter()
                .find(|row| row.get(table.display_field).is_some_and(|shown| shown.eq_ignore_ascii_case(given)))
                .and_then(|row| row.get("sys_id").cloned())
        };
        if by_id { given.to_owned() } else { by_display().unwrap_or_else(|| given.to_owned()) }
    }

    fn add_journal(
        &mut self,
        table: &Table,
        row: &Row,
        entries: Vec<(&'static str, String)>,
        actor: &Actor,
        now: &str,
    ) {
        let Some(journal) = schema::table(JOURNAL_TABLE) else { return };
        let element_id = row.get("sys_id").cloned().unwrap_or_default();
        for (element, value) in entries {
            let mut entry = defaults(journal);
            for (field, content) in [
                ("sys_id", ids::sys_id()),
                ("sys_class_name", JOURNAL_TABLE.to_owned()),
                ("sys_created_on", now.to_owned()),
                ("sys_created_by", actor.user_name.clone()),
                ("element", element.to_owned()),
                ("element_id", element_id.clone()),
                ("name", table.name.to_owned()),
                ("value", value),
            ] {
                entry.insert(field.to_owned(), content);
            }
            stamp(&mut entry, actor, now, false);
            self.rows_mut(JOURNAL_TABLE).push(entry);
        }
    }

    /// A journal field's history as ServiceNow displays it: newest first,
    /// each entry headed by its time, author and kind.
    fn journal_history(&self, table: &Table, sys_id: &str, element: &str) -> String {
        let label = if element == "work_notes" { "Work notes" } else { "Additional comments" };
        let mut entries: Vec<&Row> = self
            .rows(JOURNAL_TABLE)
            .iter()
            .rev()
            .filter(|entry| {
                [("name", table.name), ("element_id", sys_id), ("element", element)]
                    .iter()
                    .all(|(field, wanted)| entry.get(*field).is_some_and(|value| value == wanted))
            })
            .collect();
        entries.sort_by(|a, b| b.get("sys_created_on").cmp(&a.get("sys_created_on")));
        entries
            .iter()
            .map(|entry| {
                let field = |name: &str| entry.get(name).map_or("", String::as_str);
                let author = self
                    .rows("sys_user")
                    .iter()
                    .find(|user| user.get("user_name").is_some_and(|name| name == field("sys_created_by")))
                    .and_then(|user| user.get("name"))
                    .map_or(field("sys_created_by"), String::as_str);
                format!("{} - {author} ({label})\n{}\n\n", field("sys_created_on"), field("value"))
            })
            .collect()
    }
}

/// A row of `table` with every field at its default.
fn defaults(table: &Table) -> Row {
    table.fields().map(|field| (field.name.to_owned(), field.default.to_owned())).collect()
}

/// Sets the system fields a write changes.
fn stamp(row: &mut Row, actor: &Actor, now: &str, counts: bool) {
    row.insert("sys_updated_on".to_owned(), now.to_owned());
    row.insert("sys_updated_by".to_owned(), actor.user_name.clone());
    if counts {
        let count = row.get("sys_mod_count").and_then(|count| count.parse::<u64>().ok()).unwrap_or(0);
        row.insert("sys_mod_count".to_owned(), (count + 1).to_string());
    }
}

impl<'a> View<'a> {
    /// The table the row belongs to.
    pub fn table(&self) -> &'static Table {
        self.table
    }

    /// The stored value of `field` ("" when unset).
    pub fn stored(&self, field: &str) -> String {
        self.row.get(field).cloned().unwrap_or_default()
    }

    /// The record `field` (a reference) points to.
    pub fn follow(&self, field: &str) -> Option<View<'a>> {
        let Kind::Reference(target) = self.table.field(field)?.kind else { return None };
        let target = schema::table(target)?;
        let sys_id = self.row.get(field)?;
        self.store.find(target, sys_id).ok()
    }

    /// How ServiceNow displays `field`: a reference as the referenced
    /// record's display field, a choice as its label, a journal as its
    /// history.
    pub fn display(&self, field: &str) -> String {
        let stored = self.row.get(field).map_or("", String::as_str);
        match self.table.field(field).map(|field| field.kind) {
            Some(Kind::Reference(_)) => {
                self.follow(field).map(|target| target.display(target.table.display_field)).unwrap_or_default()
            }
            Some(Kind::Choice(choices)) => schema::label(choices, stored).to_owned(),
            Some(Kind::Journal) => {
                self.store.journal_history(self.table, self.row.get("sys_id").map_or("", String::as_str), field)
            }
            Some(Kind::Plain) | None => stored.to_owned(),
        }
    }

    /// The view holding the last part of a dot-walked `path`
    /// (`assignment_group.manager.name`), and that part's name.
    pub fn walk<'p>(&self, path: &'p str) -> Option<(View<'a>, &'p str)> {
        match path.split_once('.') {
            None => self.table.field(path).map(|_| (*self, path)),
            Some((reference, rest)) => self.follow(reference)?.walk(rest),
        }
    }
}

impl query::Record for View<'_> {
    fn value(&self, field: &str) -> Option<String> {
        let Some((reference, rest)) = field.split_once('.') else {
            return self.table.field(field).map(|_| self.stored(field));
        };
        let Kind::Reference(_) = self.table.field(reference)?.kind else { return None };
        match self.follow(reference) {
            Some(target) => target.value(rest),
            // An empty or dangling reference matches as empty.
            None => Some(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn incident() -> &'static Table {
        schema::table("incident").unwrap()
    }

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn inserts_number_and_stamp_records_and_ignore_unknown_fields() {
        let mut store = super::super::seed::store();
        let actor = store.actor("admin");
        let row = store
            .insert(incident(), &body(json!({"short_description": "x", "bogus": "y", "sys_id": "mine"})), &actor, "t")
            .unwrap();
        assert_eq!(row["number"], "INC0010013");
        assert_eq!(row["sys_id"].len(), 32);
        assert_eq!((row["sys_created_by"].as_str(), row["sys_updated_on"].as_str()), ("admin", "t"));
        assert!(!row.contains_key("bogus"));
        assert_eq!(row["opened_by"], actor.sys_id);
    }

    #[test]
    fn references_take_a_sys_id_or_a_display_value() {
        let mut store = super::super::seed::store();
        let actor = store.actor("admin");
        let row = store.insert(incident(), &body(json!({"assignment_group": "network"})), &actor, "t").unwrap();
        let network = store.select(schema::table("sys_user_group").unwrap(), &Query::parse("name=Network"));
        assert_eq!(row["assignment_group"], network[0].stored("sys_id"));
        let view = store.find(incident(), &row["sys_id"]).unwrap();
        assert_eq!(view.display("assignment_group"), "Network");
        assert_eq!(query::Record::value(&view, "assignment_group.name").as_deref(), Some("Network"));
        assert_eq!(query::Record::value(&view, "assigned_to.name").as_deref(), Some(""), "empty reference");
        assert_eq!(query::Record::value(&view, "nope.name"), None);
    }

    #[test]
    fn journal_fields_become_entries_and_read_back_empty() {
        let mut store = super::super::seed::store();
        let actor = store.actor("admin");
        let row =
            store.insert(incident(), &body(json!({"short_description": "x"})), &actor, "2025-01-01 00:00:00").unwrap();
        let sys_id = row["sys_id"].clone();
        store.update(incident(), &sys_id, &body(json!({"comments": "first"})), &actor, "2025-01-01 00:00:01").unwrap();
        let row = store
            .update(incident(), &sys_id, &body(json!({"work_notes": "second"})), &actor, "2025-01-01 00:00:02")
            .unwrap();
        assert_eq!(
            (row["comments"].as_str(), row["work_notes"].as_str(), row["sys_mod_count"].as_str()),
            ("", "", "2")
        );
        let journal = schema::table("sys_journal_field").unwrap();
        let entries = store.select(journal, &Query::parse(&format!("element_id={sys_id}^ORDERBYDESCsys_created_on")));
        let values: Vec<String> = entries.iter().map(|entry| entry.stored("value")).collect();
        assert_eq!(values, ["second", "first"]);
        let view = store.find(incident(), &sys_id).unwrap();
        assert_eq!(
            view.display("comments"),
            "2025-01-01 00:00:01 - System Administrator (Additional comments)\nfirst\n\n"
        );
    }

    #[test]
    fn missing_records_are_no_record_found() {
        let mut store = super::super::seed::store();
        let actor = store.actor("admin");
        assert!(matches!(store.find(incident(), "nope"), Err(ApiError::NoRecord)));
        assert!(matches!(store.update(incident(), "nope", &Map::new(), &actor, "t"), Err(ApiError::NoRecord)));
        assert!(matches!(store.delete(incident(), "nope"), Err(ApiError::NoRecord)));
        assert!(matches!(Store::table("nope"), Err(ApiError::InvalidTable(_))));
    }
}
