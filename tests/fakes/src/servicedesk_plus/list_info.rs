//! `list_info`: how every list endpoint filters, sorts and pages, and the
//! `list_info` its answer carries.
//!
//! Asked: `row_count` (1 to 100, default 10), `start_index` (1-based,
//! default 1), `sort_field` (any field of the rendered record; times sort
//! by epoch ms, numbers as numbers), `sort_order` (`asc`|`desc`),
//! `get_total_count`, `search_criteria` and `search_fields` (see
//! `criteria.rs`), `fields_required`. Answered: `{"has_more_rows",
//! "start_index", "row_count" (rows returned), "sort_field", "sort_order",
//! "get_total_count"}` plus `total_count` when asked for.

use super::criteria::{self, Criterion};
use super::error::SdpError;
use serde_json::{Value, json};
use std::cmp::Ordering;

/// The most rows one page holds.
pub const MAX_ROW_COUNT: u64 = 100;
/// Rows per page when `row_count` is not given.
pub const DEFAULT_ROW_COUNT: u64 = 10;

/// A list request's `list_info`.
#[derive(Debug, Clone)]
pub struct ListInfo {
    row_count: u64,
    start_index: u64,
    sort_field: String,
    descending: bool,
    get_total_count: bool,
    criteria: Vec<Criterion>,
    /// `fields_required`, if given.
    pub fields_required: Option<Vec<String>>,
}

impl ListInfo {
    /// Reads `input_data.list_info` (absent: the defaults), sorting by
    /// `default_sort` unless told otherwise.
    pub fn parse(input: Option<&Value>, default_sort: (&str, bool)) -> Result<Self, SdpError> {
        let info = input.and_then(|input| input.get("list_info")).cloned().unwrap_or_else(|| json!({}));
        if !info.is_object() {
            return Err(SdpError::invalid("list_info", "list_info must be an object"));
        }
        let count = |key: &str, default: u64, max: u64| -> Result<u64, SdpError> {
            let number = match info.get(key) {
                None | Some(Value::Null) => return Ok(default),
                Some(Value::Number(number)) => number.as_u64(),
                Some(Value::String(text)) => text.trim().parse().ok(),
                Some(_) => None,
            };
            number
                .filter(|number| (1..=max).contains(number))
                .ok_or_else(|| SdpError::invalid(key, format!("{key} must be a number from 1 to {max}")))
        };
        let descending = match info.get("sort_order").and_then(Value::as_str).map(str::to_ascii_lowercase) {
            None => default_sort.1,
            Some(order) if order == "desc" => true,
            Some(order) if order == "asc" => false,
            Some(_) => return Err(SdpError::invalid("sort_order", "sort_order is asc or desc")),
        };
        let mut criteria = match info.get("search_criteria") {
            None | Some(Value::Null) => Vec::new(),
            Some(given) => criteria::parse(given)?,
        };
        if let Some(fields) = info.get("search_fields").filter(|fields| !fields.is_null()) {
            criteria.extend(criteria::from_search_fields(fields)?);
        }
        let fields_required = match info.get("fields_required") {
            None | Some(Value::Null) => None,
            Some(Value::Array(fields)) => Some(fields.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
            Some(_) => return Err(SdpError::invalid("fields_required", "fields_required must be a list")),
        };
        Ok(Self {
            row_count: count("row_count", DEFAULT_ROW_COUNT, MAX_ROW_COUNT)?,
            start_index: count("start_index", 1, u64::MAX)?,
            sort_field: info.get("sort_field").and_then(Value::as_str).unwrap_or(default_sort.0).to_owned(),
            descending,
            get_total_count: info.get("get_total_count").and_then(Value::as_bool).unwrap_or(false),
            criteria,
            fields_required,
        })
    }

    /// The page of `records` (rendered) this list_info asks for, and the
    /// `list_info` to answer with.
    pub fn page(&self, records: Vec<Value>) -> Result<(Vec<Value>, Value), SdpError> {
        let mut kept = Vec::new();
        for record in records {
            if criteria::matches(&self.criteria, &record)? {
                kept.push(record);
            }
        }
        if let Some(record) = kept.first()
            && field(record, &self.sort_field).is_none()
        {
            return Err(SdpError::invalid("sort_field", format!("no field `{}` to sort by", self.sort_field)));
        }
        kept.sort_by(|a, b| {
            let order = compare(field(a, &self.sort_field), field(b, &self.sort_field));
            if self.descending { order.reverse() } else { order }
        });
        let total = kept.len() as u64;
        let skip = usize::try_from(self.start_index - 1).unwrap_or(usize::MAX);
        let rows: Vec<Value> = kept.into_iter().skip(skip).take(self.row_count as usize).collect();
        let mut info = json!({
            "has_more_rows": self.start_index - 1 + (rows.len() as u64) < total,
            "start_index": self.start_index,
            "row_count": rows.len(),
            "sort_field": self.sort_field,
            "sort_order": if self.descending { "desc" } else { "asc" },
            "get_total_count": self.get_total_count,
        });
        if self.get_total_count {
            info["total_count"] = json!(total);
        }
        Ok((rows, info))
    }
}

/// The value at dotted `path`, a reference read as its `value` or `name`.
fn field<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    let found = path.split('.').try_fold(record, |value, part| value.get(part))?;
    Some(match found {
        Value::Object(fields) => fields.get("value").or_else(|| fields.get("name")).unwrap_or(found),
        other => other,
    })
}

/// Numbers (and digit strings, as ids and times are) by value, text
/// ignoring case; unset sorts first.
fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let number = |value: Option<&Value>| match value {
        Some(Value::Number(number)) => number.as_f64(),
        Some(Value::String(text)) => text.parse::<f64>().ok(),
        _ => None,
    };
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) => Some(text.to_lowercase()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    match (number(a), number(b)) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => text(a).cmp(&text(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(count: u64) -> Vec<Value> {
        (1..=count).map(|n| json!({"id": n.to_string(), "created_time": {"value": (n * 1000).to_string()}})).collect()
    }

    fn ids(rows: &[Value]) -> Vec<&str> {
        rows.iter().map(|row| row["id"].as_str().unwrap()).collect()
    }

    #[test]
    fn pages_are_one_based_and_say_whether_more_follow() {
        let info = json!({"list_info": {"row_count": 4, "start_index": 5, "sort_field": "created_time", "sort_order": "asc", "get_total_count": true}});
        let (page, answer) = ListInfo::parse(Some(&info), ("id", true)).unwrap().page(rows(10)).unwrap();
        assert_eq!(ids(&page), ["5", "6", "7", "8"]);
        assert_eq!(answer["has_more_rows"], true);
        assert_eq!((answer["total_count"].as_u64(), answer["row_count"].as_u64()), (Some(10), Some(4)));
        let last = json!({"list_info": {"row_count": 4, "start_index": 9, "sort_order": "asc"}});
        let (page, answer) = ListInfo::parse(Some(&last), ("created_time", true)).unwrap().page(rows(10)).unwrap();
        assert_eq!(ids(&page), ["9", "10"], "times sort as numbers");
        assert_eq!(answer["has_more_rows"], false);
        assert!(answer.get("total_count").is_none(), "only when asked for");
        let (page, _) = ListInfo::parse(None, ("created_time", true)).unwrap().page(rows(12)).unwrap();
        assert_eq!(page.len(), 10, "ten rows by default");
        assert_eq!(ids(&page)[0], "12", "newest first by default");
    }

    #[test]
    fn out_of_range_values_are_4001() {
        for info in [
            json!({"list_info": {"row_count": 101}}),
            json!({"list_info": {"row_count": 0}}),
            json!({"list_info": {"start_index": 0}}),
            json!({"list_info": {"sort_order": "sideways"}}),
            json!({"list_info": "all"}),
        ] {
            assert!(matches!(ListInfo::parse(Some(&info), ("id", true)), Err(SdpError::InvalidValue { .. })), "{info}");
        }
        let unknown = json!({"list_info": {"sort_field": "colour"}});
        let outcome = ListInfo::parse(Some(&unknown), ("id", true)).unwrap().page(rows(2));
        assert!(matches!(outcome, Err(SdpError::InvalidValue { .. })));
    }
}
