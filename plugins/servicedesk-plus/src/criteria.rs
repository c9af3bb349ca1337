//! `search_criteria` for the request list, built as data: every value is
//! a JSON string in its own member, so nothing an agent writes can change
//! what is searched for.
//!
//! Criteria are ANDed (`logical_operator`); the text is looked for in the
//! subject or the description (a nested `children` criterion ORed to the
//! subject's).

use serde_json::{Value, json};

/// What to look for; `None` and empty lists do not filter.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filters {
    /// Words in the subject or description.
    pub text: Option<String>,
    /// Status names, any of which.
    pub statuses: Vec<String>,
    /// Priority names, any of which.
    pub priorities: Vec<String>,
    /// The technician: `(field suffix, value)`, `("email_id", "a@b.c")`.
    pub technician: Option<(&'static str, String)>,
    /// The requester, likewise.
    pub requester: Option<(&'static str, String)>,
    /// Updated at or after, in ms since the epoch.
    pub updated_since: Option<i64>,
}

/// The `search_criteria` list for `filters` (empty: no criteria).
pub fn build(filters: &Filters) -> Vec<Value> {
    let mut criteria = Vec::new();
    if let Some(text) = filters.text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        criteria.push(json!({
            "field": "subject", "condition": "contains", "value": text,
            "children": [{"field": "description", "condition": "contains", "value": text, "logical_operator": "OR"}],
        }));
    }
    for (field, names) in [("status.name", &filters.statuses), ("priority.name", &filters.priorities)] {
        if !names.is_empty() {
            criteria.push(json!({"field": field, "condition": "is", "values": names}));
        }
    }
    for (field, who) in [("technician", &filters.technician), ("requester", &filters.requester)] {
        if let Some((suffix, value)) = who {
            criteria.push(json!({"field": format!("{field}.{suffix}"), "condition": "is", "value": value}));
        }
    }
    if let Some(since) = filters.updated_since {
        criteria
            .push(json!({"field": "last_updated_time", "condition": "greater or equal", "value": since.to_string()}));
    }
    for criterion in criteria.iter_mut().skip(1) {
        criterion["logical_operator"] = json!("AND");
    }
    criteria
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_filters_no_criteria() {
        assert!(build(&Filters::default()).is_empty());
        assert!(build(&Filters { text: Some("  ".into()), ..Filters::default() }).is_empty());
    }

    #[test]
    fn filters_become_anded_criteria_with_values_as_data() {
        let filters = Filters {
            text: Some(r#"VPN" OR 1=1"#.into()),
            statuses: vec!["Open".into(), "On Hold".into()],
            priorities: vec!["High".into()],
            technician: Some(("email_id", "heather.graham@example.com".into())),
            requester: Some(("id", "9".into())),
            updated_since: Some(1_478_758_440_000),
        };
        let criteria = build(&filters);
        assert_eq!(criteria[0]["value"], r#"VPN" OR 1=1"#);
        assert!(criteria[0].get("logical_operator").is_none(), "the first criterion has no operator");
        assert_eq!(criteria[0]["children"][0]["field"], "description");
        assert_eq!(
            criteria[1],
            json!({"field": "status.name", "condition": "is", "values": ["Open", "On Hold"], "logical_operator": "AND"})
        );
        assert_eq!(criteria[2]["field"], "priority.name");
        assert_eq!(
            criteria[3],
            json!({"field": "technician.email_id", "condition": "is", "value": "heather.graham@example.com", "logical_operator": "AND"})
        );
        assert_eq!(criteria[4]["field"], "requester.id");
        assert_eq!(
            criteria[5],
            json!({"field": "last_updated_time", "condition": "greater or equal", "value": "1478758440000", "logical_operator": "AND"})
        );
    }
}
