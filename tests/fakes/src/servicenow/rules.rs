//! The out-of-the-box business rules and data policies a Table API write
//! runs into, for the tables the fake has. A client that works against
//! these works against a stock instance:
//!
//! - task records get `opened_at`, `opened_by` and `task_effective_number`;
//! - an incident's `priority` is derived from impact × urgency (a priority
//!   written directly is overwritten), and `incident_state` mirrors `state`;
//! - resolving (state 6) or closing (7) an incident needs `close_code` and
//!   `close_notes` (a data policy; ServiceNow answers 403 naming the fields
//!   by label), and stamps `resolved_*` / `closed_*`; closing or canceling
//!   makes it inactive; moving out of Resolved reopens it.

use super::error::ApiError;
use super::schema::Table;
use super::store::{Actor, Row};

/// Incident state codes the rules look at.
const RESOLVED: &str = "6";
const CLOSED: &str = "7";
const CANCELED: &str = "8";

/// Runs the rules for a write of `row` (`before` is the stored record on an
/// update) by `actor` at `now`.
pub fn apply(table: &Table, before: Option<&Row>, row: &mut Row, actor: &Actor, now: &str) -> Result<(), ApiError> {
    if table.field("task_effective_number").is_some() {
        task(row, actor, now);
    }
    if table.name == "incident" {
        incident(before, row, actor, now)?;
    }
    Ok(())
}

fn task(row: &mut Row, actor: &Actor, now: &str) {
    fill(row, "opened_at", now);
    fill(row, "opened_by", &actor.sys_id);
    let number = row.get("number").cloned().unwrap_or_default();
    row.insert("task_effective_number".to_owned(), number);
}

fn incident(before: Option<&Row>, row: &mut Row, actor: &Actor, now: &str) -> Result<(), ApiError> {
    let get = |row: &Row, field: &str| row.get(field).cloned().unwrap_or_default();
    if let Some(priority) = priority(&get(row, "impact"), &get(row, "urgency")) {
        row.insert("priority".to_owned(), priority.to_owned());
    }
    let state = get(row, "state");
    row.insert("incident_state".to_owned(), state.clone());
    if state == RESOLVED || state == CLOSED {
        let missing: Vec<&'static str> = [("close_code", "Resolution code"), ("close_notes", "Resolution notes")]
            .into_iter()
            .filter(|(field, _)| get(row, field).trim().is_empty())
            .map(|(_, label)| label)
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::DataPolicy(missing));
        }
        fill(row, "resolved_at", now);
        fill(row, "resolved_by", &actor.sys_id);
    }
    if state == CLOSED {
        fill(row, "closed_at", now);
        fill(row, "closed_by", &actor.sys_id);
    }
    let active = !(state == CLOSED || state == CANCELED);
    row.insert("active".to_owned(), active.to_string());
    let was_resolved = before.is_some_and(|before| get(before, "state") == RESOLVED);
    if was_resolved && state != RESOLVED && state != CLOSED {
        for field in ["resolved_at", "resolved_by", "close_code", "close_notes"] {
            row.insert(field.to_owned(), String::new());
        }
        let reopened = get(row, "reopen_count").parse::<u32>().unwrap_or(0) + 1;
        row.insert("reopen_count".to_owned(), reopened.to_string());
    }
    Ok(())
}

/// The stock priority lookup: impact and urgency 1 (high) to 3 (low) give
/// priority 1 (critical) to 5 (planning).
pub fn priority(impact: &str, urgency: &str) -> Option<&'static str> {
    let (impact, urgency) = (impact.parse::<u8>().ok()?, urgency.parse::<u8>().ok()?);
    if !(1..=3).contains(&impact) || !(1..=3).contains(&urgency) {
        return None;
    }
    Some(["1", "2", "3", "4", "5"][usize::from(impact + urgency - 2)])
}

fn fill(row: &mut Row, field: &str, value: &str) {
    let slot = row.entry(field.to_owned()).or_default();
    if slot.is_empty() {
        *slot = value.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor { user_name: "admin".to_owned(), sys_id: "6816f79cc0a8016401c5a33be04be441".to_owned() }
    }

    fn incident_row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(field, value)| ((*field).to_owned(), (*value).to_owned())).collect()
    }

    fn run(before: Option<&Row>, row: &mut Row) -> Result<(), ApiError> {
        apply(super::super::schema::table("incident").unwrap(), before, row, &actor(), "now")
    }

    #[test]
    fn priority_follows_impact_and_urgency() {
        assert_eq!(priority("1", "1"), Some("1"));
        assert_eq!(priority("1", "3"), Some("3"));
        assert_eq!(priority("3", "2"), Some("4"));
        assert_eq!(priority("3", "3"), Some("5"));
        assert_eq!(priority("4", "1"), None);
        let mut row = incident_row(&[("impact", "2"), ("urgency", "1"), ("priority", "5"), ("state", "1")]);
        run(None, &mut row).unwrap();
        assert_eq!(row["priority"], "2", "a written priority is overwritten");
    }

    #[test]
    fn resolving_needs_a_code_and_notes_and_stamps() {
        let mut row = incident_row(&[("state", "6"), ("close_code", "Solution provided")]);
        let Err(ApiError::DataPolicy(missing)) = run(None, &mut row) else { panic!("refused") };
        assert_eq!(missing, ["Resolution notes"]);
        let mut row = incident_row(&[("state", "6"), ("close_code", "Solution provided"), ("close_notes", "Fixed")]);
        run(None, &mut row).unwrap();
        assert_eq!((row["incident_state"].as_str(), row["resolved_at"].as_str()), ("6", "now"));
        assert_eq!(row["active"], "true");
        let before = row.clone();
        row.insert("state".to_owned(), "2".to_owned());
        run(Some(&before), &mut row).unwrap();
        assert_eq!((row["reopen_count"].as_str(), row["resolved_at"].as_str()), ("1", ""));
    }

    #[test]
    fn closing_deactivates() {
        let mut row = incident_row(&[("state", "7"), ("close_code", "Duplicate"), ("close_notes", "dup")]);
        run(None, &mut row).unwrap();
        assert_eq!((row["active"].as_str(), row["closed_at"].as_str()), ("false", "now"));
    }
}
