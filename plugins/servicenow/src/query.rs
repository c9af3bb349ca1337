//! Building encoded queries (`sysparm_query`) from tool arguments.
//!
//! Conditions are joined with `^` (AND); alternatives within one condition
//! with `^OR`, which ServiceNow binds tighter than `^`. A caret inside a
//! value is doubled (`^^`), so free text cannot inject extra conditions.

use berth_sdk::ToolError;

/// An encoded query under construction.
#[derive(Debug, Default)]
pub struct EncodedQuery {
    terms: Vec<String>,
}

impl EncodedQuery {
    /// Adds the condition `field` `operator` `value` (for example
    /// `state`, `=`, `6`).
    pub fn and(&mut self, field: &str, operator: &str, value: &str) -> &mut Self {
        self.terms.push(condition(field, operator, value));
        self
    }

    /// Adds one condition that holds when any of `alternatives` does.
    pub fn and_any(&mut self, alternatives: &[(&str, &str, &str)]) -> &mut Self {
        let parts: Vec<String> =
            alternatives.iter().map(|(field, operator, value)| condition(field, operator, value)).collect();
        if !parts.is_empty() {
            self.terms.push(parts.join("^OR"));
        }
        self
    }

    /// Adds an already encoded query (from the caller), kept as one unit.
    pub fn and_encoded(&mut self, encoded: &str) -> &mut Self {
        let encoded = encoded.trim().trim_matches('^');
        if !encoded.is_empty() {
            self.terms.push(encoded.to_owned());
        }
        self
    }

    /// Sorts by `field`, newest or largest first.
    pub fn order_by_desc(&mut self, field: &str) -> &mut Self {
        self.terms.push(format!("ORDERBYDESC{field}"));
        self
    }

    /// The query text.
    pub fn build(&self) -> String {
        self.terms.join("^")
    }
}

fn condition(field: &str, operator: &str, value: &str) -> String {
    format!("{field}{operator}{}", value.replace('^', "^^"))
}

/// Whether `text` is a `sys_id`: 32 hexadecimal digits.
pub fn is_sys_id(text: &str) -> bool {
    text.len() == 32 && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `name` can be a table or field name (`[a-z0-9_]`, and `.` for a
/// dot-walked field when `dotted`), so it cannot smuggle query syntax.
pub fn is_identifier(name: &str, dotted: bool) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (dotted && c == '.'))
}

/// A moment given as `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or ISO 8601 in UTC
/// (`2025-03-01T08:00:00Z`), in ServiceNow's `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn servicenow_datetime(given: &str) -> Result<String, ToolError> {
    let trimmed = given.trim();
    let text = trimmed.strip_suffix('Z').or_else(|| trimmed.strip_suffix("+00:00")).unwrap_or(trimmed);
    let text = text.split('.').next().unwrap_or(text);
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, time),
        None => (text, "00:00:00"),
    };
    let time = if time.len() == 5 { format!("{time}:00") } else { time.to_owned() };
    let shaped = |part: &str, pattern: &str| {
        part.len() == pattern.len()
            && part.chars().zip(pattern.chars()).all(|(c, p)| if p == 'n' { c.is_ascii_digit() } else { c == p })
    };
    if shaped(date, "nnnn-nn-nn") && shaped(&time, "nn:nn:nn") {
        Ok(format!("{date} {time}"))
    } else {
        Err(ToolError::invalid(format!(
            "`{given}` is not a date-time; use UTC as `2025-03-01`, `2025-03-01 08:00:00` or `2025-03-01T08:00:00Z`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_escapes() {
        let mut query = EncodedQuery::default();
        query
            .and("active", "=", "true")
            .and_any(&[("short_description", "LIKE", "a^b"), ("description", "LIKE", "a^b")])
            .and_encoded("^priority<=2^")
            .order_by_desc("sys_updated_on");
        assert_eq!(
            query.build(),
            "active=true^short_descriptionLIKEa^^b^ORdescriptionLIKEa^^b^priority<=2^ORDERBYDESCsys_updated_on"
        );
    }

    #[test]
    fn recognises_ids_and_identifiers() {
        assert!(is_sys_id("9ef81de2db0d6090d7055268dc961978"));
        assert!(!is_sys_id("INC0010001"));
        assert!(is_identifier("sys_user_group", false));
        assert!(!is_identifier("incident^ORactive=true", false));
        assert!(is_identifier("assignment_group.name", true) && !is_identifier("a.b", false));
    }

    #[test]
    fn date_times() {
        assert_eq!(servicenow_datetime("2025-03-01").unwrap(), "2025-03-01 00:00:00");
        assert_eq!(servicenow_datetime("2025-03-01T08:30:00Z").unwrap(), "2025-03-01 08:30:00");
        assert_eq!(servicenow_datetime("2025-03-01T08:30:00.123Z").unwrap(), "2025-03-01 08:30:00");
        assert_eq!(servicenow_datetime("2025-03-01 08:30").unwrap(), "2025-03-01 08:30:00");
        assert!(servicenow_datetime("yesterday").is_err());
        assert!(servicenow_datetime("2025-03-01T08:30:00+10:00").is_err());
    }
}
