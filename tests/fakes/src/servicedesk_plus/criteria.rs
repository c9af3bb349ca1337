//! `list_info.search_criteria` and `search_fields`, evaluated against a
//! record's rendered JSON, so every field a record shows can be searched
//! by its path.
//!
//! A criterion is `{"field", "condition", "value" | "values",
//! "logical_operator", "children"}`. The list folds left to right, each
//! criterion joining the result so far with its `logical_operator` (`AND`
//! when absent); a criterion's `children` fold onto it the same way, which
//! is how `(a OR b) AND c` is written. Fields are dotted paths
//! (`status.name`, `technician.email_id`); a path ending on a reference
//! compares its `name` (a time, its epoch-ms `value`). Text compares
//! ignoring case, and HTML fields by their text; `greater than`, `lesser
//! than`, `greater or equal`, `lesser or equal`, `between` and `not
//! between` compare numbers (times in epoch ms). `is` with `"value": null`
//! matches an unset field. A field the record does not have, an unknown
//! condition or a missing value is a 4001.

use super::error::SdpError;
use super::render::plain_text;
use serde_json::Value;

/// A parsed criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    field: String,
    condition: Condition,
    values: Vec<Value>,
    or: bool,
    children: Vec<Criterion>,
}

/// The conditions SDP documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    Is,
    IsNot,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Greater,
    GreaterOrEqual,
    Lesser,
    LesserOrEqual,
    Between,
    NotBetween,
}

impl Condition {
    fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "is" => Self::Is,
            "is not" => Self::IsNot,
            "contains" => Self::Contains,
            "not contains" => Self::NotContains,
            "starts with" => Self::StartsWith,
            "ends with" => Self::EndsWith,
            "greater than" => Self::Greater,
            "greater or equal" => Self::GreaterOrEqual,
            "lesser than" => Self::Lesser,
            "lesser or equal" => Self::LesserOrEqual,
            "between" => Self::Between,
            "not between" => Self::NotBetween,
            _ => return None,
        })
    }
}

/// Reads `search_criteria`: one criterion object or a list of them.
pub fn parse(value: &Value) -> Result<Vec<Criterion>, SdpError> {
    match value {
        Value::Array(items) => items.iter().map(parse_one).collect(),
        Value::Object(_) => Ok(vec![parse_one(value)?]),
        _ => Err(SdpError::invalid("search_criteria", "search_criteria must be an object or a list")),
    }
}

fn parse_one(value: &Value) -> Result<Criterion, SdpError> {
    let bad = |message: &str| SdpError::invalid("search_criteria", message.to_owned());
    let field = value.get("field").and_then(Value::as_str).ok_or_else(|| bad("a criterion needs a field"))?;
    let condition = value
        .get("condition")
        .and_then(Value::as_str)
        .and_then(Condition::parse)
        .ok_or_else(|| bad("a criterion needs a known condition"))?;
    let values = match (value.get("values"), value.get("value")) {
        (Some(Value::Array(values)), _) if !values.is_empty() => values.clone(),
        (_, Some(value)) => vec![value.clone()],
        _ => return Err(bad("a criterion needs a value or values")),
    };
    if matches!(condition, Condition::Between | Condition::NotBetween) && values.len() != 2 {
        return Err(bad("between takes two values"));
    }
    let or = match value.get("logical_operator").and_then(Value::as_str).map(str::to_ascii_uppercase) {
        None => false,
        Some(operator) if operator == "AND" => false,
        Some(operator) if operator == "OR" => true,
        Some(_) => return Err(bad("logical_operator is AND or OR")),
    };
    let children = match value.get("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(children) => parse(children)?,
    };
    Ok(Criterion { field: field.to_owned(), condition, values, or, children })
}

/// `search_fields` (`{"subject": "vpn", "status.name": "Open"}`): each
/// field `contains` its value, all of them ANDed.
pub fn from_search_fields(value: &Value) -> Result<Vec<Criterion>, SdpError> {
    let Value::Object(fields) = value else {
        return Err(SdpError::invalid("search_fields", "search_fields must be an object"));
    };
    Ok(fields
        .iter()
        .map(|(field, value)| Criterion {
            field: field.clone(),
            condition: Condition::Contains,
            values: vec![value.clone()],
            or: false,
            children: Vec::new(),
        })
        .collect())
}

/// Whether `record` matches every criterion folded together (an empty
/// list matches everything).
pub fn matches(criteria: &[Criterion], record: &Value) -> Result<bool, SdpError> {
    let mut result = true;
    for (index, criterion) in criteria.iter().enumerate() {
        let mut this = criterion.test(record)?;
        for child in &criterion.children {
            let other = matches(std::slice::from_ref(child), record)?;
            this = if child.or { this || other } else { this && other };
        }
        result = match index {
            0 => this,
            _ if criterion.or => result || this,
            _ => result && this,
        };
    }
    Ok(result)
}

impl Criterion {
    fn test(&self, record: &Value) -> Result<bool, SdpError> {
        let mut found = record;
        for part in self.field.split('.') {
            found = match found {
                Value::Object(fields) => fields.get(part),
                Value::Null => Some(&Value::Null),
                _ => None,
            }
            .ok_or_else(|| SdpError::invalid("search_criteria", format!("no field `{}`", self.field)))?;
        }
        let actual = comparable(found);
        Ok(match self.condition {
            Condition::Is => self.values.iter().any(|value| same(actual.as_deref(), value)),
            Condition::IsNot => !self.values.iter().any(|value| same(actual.as_deref(), value)),
            Condition::Contains => self.any_text(actual.as_deref(), |actual, value| actual.contains(value)),
            Condition::NotContains => !self.any_text(actual.as_deref(), |actual, value| actual.contains(value)),
            Condition::StartsWith => self.any_text(actual.as_deref(), |actual, value| actual.starts_with(value)),
            Condition::EndsWith => self.any_text(actual.as_deref(), |actual, value| actual.ends_with(value)),
            Condition::Greater => self.compare(actual.as_deref(), |actual, value| actual > value)?,
            Condition::GreaterOrEqual => self.compare(actual.as_deref(), |actual, value| actual >= value)?,
            Condition::Lesser => self.compare(actual.as_deref(), |actual, value| actual < value)?,
            Condition::LesserOrEqual => self.compare(actual.as_deref(), |actual, value| actual <= value)?,
            Condition::Between | Condition::NotBetween => {
                let inside = self.compare(actual.as_deref(), |actual, low| actual >= low)?
                    && number(actual.as_deref()).zip(number_of(&self.values[1])).is_some_and(|(a, high)| a <= high);
                inside == (self.condition == Condition::Between)
            }
        })
    }

    /// Whether `test(actual, value)` holds, lower-cased, for any value.
    fn any_text(&self, actual: Option<&str>, test: impl Fn(&str, &str) -> bool) -> bool {
        let Some(actual) = actual.map(str::to_lowercase) else { return false };
        self.values.iter().filter_map(text_of).any(|value| test(&actual, &value.to_lowercase()))
    }

    /// Whether `test(actual, first value)` holds as numbers.
    fn compare(&self, actual: Option<&str>, test: impl Fn(i128, i128) -> bool) -> Result<bool, SdpError> {
        let value = number_of(&self.values[0])
            .ok_or_else(|| SdpError::invalid("search_criteria", format!("`{}` compares with numbers", self.field)))?;
        Ok(number(actual).is_some_and(|actual| test(actual, value)))
    }
}

/// What a field's value compares as: text (a reference's `name`, a time's
/// `value`, HTML as its text), or `None` when unset.
fn comparable(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Object(fields) => ["value", "name", "id"].iter().find_map(|key| fields.get(*key)).and_then(comparable),
        Value::String(text) if text.contains('<') => Some(plain_text(text)),
        other => text_of(other),
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn same(actual: Option<&str>, value: &Value) -> bool {
    match (actual, value) {
        (None, Value::Null) => true,
        (Some(actual), value) => text_of(value).is_some_and(|value| value.trim().eq_ignore_ascii_case(actual)),
        (None, _) => false,
    }
}

fn number(text: Option<&str>) -> Option<i128> {
    text?.trim().parse().ok()
}

fn number_of(value: &Value) -> Option<i128> {
    number(text_of(value).as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "subject": "VPN connection drops", "description": "<div>After <b>10</b> minutes</div>",
            "status": {"id": "1", "name": "Open", "color": "#0066ff"},
            "technician": {"id": "7", "name": "Heather Graham", "email_id": "heather.graham@example.com"},
            "group": null, "created_time": {"value": "1000", "display_value": "x"},
        })
    }

    fn check(criteria: Value) -> bool {
        matches(&parse(&criteria).unwrap(), &record()).unwrap()
    }

    #[test]
    fn conditions_compare_names_text_and_times() {
        assert!(check(json!([{"field": "status.name", "condition": "is", "values": ["Closed", "open"]}])));
        assert!(check(json!({"field": "status", "condition": "is", "value": "Open"})));
        assert!(!check(json!([{"field": "status.name", "condition": "is not", "value": "Open"}])));
        assert!(check(
            json!([{"field": "technician.email_id", "condition": "is", "value": "Heather.Graham@example.com"}])
        ));
        assert!(check(json!([{"field": "description", "condition": "contains", "value": "10 minutes"}])));
        assert!(check(json!([{"field": "subject", "condition": "starts with", "value": "vpn"}])));
        assert!(check(json!([{"field": "group", "condition": "is", "value": null}])));
        assert!(check(json!([{"field": "created_time", "condition": "greater than", "value": "999"}])));
        assert!(!check(json!([{"field": "created_time", "condition": "lesser than", "value": "1000"}])));
        assert!(check(json!([{"field": "created_time", "condition": "between", "values": ["1000", "2000"]}])));
        assert!(!check(json!([{"field": "created_time", "condition": "not between", "values": ["1000", "2000"]}])));
    }

    #[test]
    fn operators_and_children_fold_left_to_right() {
        let or_child = json!([
            {"field": "subject", "condition": "contains", "value": "printer",
             "children": [{"field": "description", "condition": "contains", "value": "minutes", "logical_operator": "OR"}]},
            {"field": "status.name", "condition": "is", "value": "Open", "logical_operator": "AND"},
        ]);
        assert!(check(or_child));
        let and_fails = json!([
            {"field": "subject", "condition": "contains", "value": "vpn"},
            {"field": "status.name", "condition": "is", "value": "Closed", "logical_operator": "AND"},
        ]);
        assert!(!check(and_fails));
        let or_rescues = json!([
            {"field": "status.name", "condition": "is", "value": "Closed"},
            {"field": "subject", "condition": "contains", "value": "vpn", "logical_operator": "OR"},
        ]);
        assert!(check(or_rescues));
        let fields = from_search_fields(&json!({"subject": "connection", "status.name": "op"})).unwrap();
        assert!(matches(&fields, &record()).unwrap());
    }

    #[test]
    fn unknown_fields_conditions_and_values_are_4001() {
        for bad in [
            json!([{"field": "colour", "condition": "is", "value": "x"}]),
            json!([{"field": "subject", "condition": "resembles", "value": "x"}]),
            json!([{"field": "subject", "condition": "is"}]),
            json!([{"field": "created_time", "condition": "greater than", "value": "yesterday"}]),
            json!([{"field": "subject", "condition": "is", "value": "x", "logical_operator": "XOR"}]),
            json!("subject is x"),
        ] {
            let outcome = parse(&bad).and_then(|criteria| matches(&criteria, &record()));
            assert!(matches!(outcome, Err(SdpError::InvalidValue { .. })), "{bad}: {outcome:?}");
        }
    }
}
