//! Encoded queries, the `sysparm_query` language, parsed and evaluated.
//!
//! `active=true^priority<=2^ORpriority=5^ORDERBYDESCsys_updated_on` reads:
//! conditions joined by `^` (AND); a condition starting `^OR` joins the one
//! before it in an OR group (so `a^b^ORc` is `a AND (b OR c)`); `^NQ` starts
//! a new query whose rows are added (a top-level OR); `ORDERBY<f>` and
//! `ORDERBYDESC<f>` sort. A literal `^` in a value is written `^^`.
//!
//! Like ServiceNow (with `glide.invalid_query.returns_no_rows` off), a
//! condition on a field the table does not have, or one that does not parse,
//! is ignored rather than failing the request or matching nothing.

use std::cmp::Ordering;

/// The field values of one record, as a query sees them.
pub trait Record {
    /// The value of `field` (possibly dot-walked, as `assignment_group.name`),
    /// or `None` when the table has no such field.
    fn value(&self, field: &str) -> Option<String>;
}

/// A parsed encoded query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// `^NQ`-separated queries; each is an AND of OR groups.
    branches: Vec<Vec<Vec<Condition>>>,
    order: Vec<Order>,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The field sorted by.
    pub field: String,
    /// `ORDERBYDESC` rather than `ORDERBY`.
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    field: String,
    operator: Operator,
    value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equals,
    NotEquals,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    IsEmpty,
    IsNotEmpty,
}

/// Operator spellings, longest first where one is a prefix of another.
const OPERATORS: &[(&str, Operator)] = &[
    ("!=", Operator::NotEquals),
    (">=", Operator::GreaterOrEqual),
    ("<=", Operator::LessOrEqual),
    ("=", Operator::Equals),
    (">", Operator::Greater),
    ("<", Operator::Less),
    ("NOT LIKE", Operator::NotLike),
    ("LIKE", Operator::Like),
    ("STARTSWITH", Operator::StartsWith),
    ("ENDSWITH", Operator::EndsWith),
    ("NOT IN", Operator::NotIn),
    ("ISNOTEMPTY", Operator::IsNotEmpty),
    ("ISEMPTY", Operator::IsEmpty),
    ("IN", Operator::In),
];

impl Query {
    /// Parses `text`; parts that do not parse are dropped.
    pub fn parse(text: &str) -> Self {
        let mut query = Query::default();
        let mut branch: Vec<Vec<Condition>> = Vec::new();
        for term in split_terms(text) {
            if let Some(field) = term.strip_prefix("ORDERBYDESC") {
                query.order.push(Order { field: field.to_owned(), descending: true });
            } else if let Some(field) = term.strip_prefix("ORDERBY") {
                query.order.push(Order { field: field.to_owned(), descending: false });
            } else if let Some(rest) = term.strip_prefix("NQ") {
                query.branches.push(std::mem::take(&mut branch));
                branch.extend(Condition::parse(rest).map(|condition| vec![condition]));
            } else if let Some(rest) = term.strip_prefix("OR") {
                let Some(condition) = Condition::parse(rest) else { continue };
                match branch.last_mut() {
                    Some(group) => group.push(condition),
                    None => branch.push(vec![condition]),
                }
            } else if let Some(condition) = Condition::parse(&term) {
                branch.push(vec![condition]);
            }
        }
        if !branch.is_empty() || !query.branches.is_empty() {
            query.branches.push(branch);
        }
        query
    }

    /// The query for plain `name=value` parameters, ServiceNow's alternative
    /// to `sysparm_query`: every pair must hold.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let terms: Vec<String> =
            pairs.into_iter().map(|(name, value)| format!("{name}={}", value.replace('^', "^^"))).collect();
        Self::parse(&terms.join("^"))
    }

    /// Whether `record` is selected.
    pub fn matches(&self, record: &impl Record) -> bool {
        self.branches.is_empty()
            || self.branches.iter().any(|branch| {
                branch.iter().all(|group| {
                    let known: Vec<bool> = group.iter().filter_map(|condition| condition.holds(record)).collect();
                    known.is_empty() || known.contains(&true)
                })
            })
    }

    /// How `a` and `b` compare under the query's sort keys (equal when it
    /// has none, so a stable sort keeps the table's order).
    pub fn compare(&self, a: &impl Record, b: &impl Record) -> Ordering {
        for order in &self.order {
            let (Some(left), Some(right)) = (a.value(&order.field), b.value(&order.field)) else { continue };
            let ordering = compare_values(&left, &right);
            let ordering = if order.descending { ordering.reverse() } else { ordering };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }
}

impl Condition {
    /// `field` `operator` `value`; a field name is lower case, so the
    /// operator is where the first other character is.
    fn parse(term: &str) -> Option<Self> {
        let end = term.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))?;
        let (field, rest) = term.split_at(end);
        if field.is_empty() {
            return None;
        }
        let (spelling, operator) = OPERATORS.iter().find(|(spelling, _)| rest.starts_with(spelling))?;
        let value = &rest[spelling.len()..];
        if matches!(operator, Operator::IsEmpty | Operator::IsNotEmpty) && !value.is_empty() {
            return None;
        }
        Some(Self { field: field.to_owned(), operator: *operator, value: value.to_owned() })
    }

    /// Whether the condition holds; `None` when the record has no such
    /// field, so the condition is ignored.
    fn holds(&self, record: &impl Record) -> Option<bool> {
        let actual = record.value(&self.field)?.to_lowercase();
        let wanted = self.value.to_lowercase();
        let listed = || wanted.split(',').any(|item| item.trim() == actual);
        Some(match self.operator {
            Operator::Equals => actual == wanted,
            Operator::NotEquals => actual != wanted,
            Operator::Like => actual.contains(&wanted),
            Operator::NotLike => !actual.contains(&wanted),
            Operator::StartsWith => actual.starts_with(&wanted),
            Operator::EndsWith => actual.ends_with(&wanted),
            Operator::In => listed(),
            Operator::NotIn => !listed(),
            Operator::Greater => compare_values(&actual, &wanted) == Ordering::Greater,
            Operator::GreaterOrEqual => compare_values(&actual, &wanted) != Ordering::Less,
            Operator::Less => compare_values(&actual, &wanted) == Ordering::Less,
            Operator::LessOrEqual => compare_values(&actual, &wanted) != Ordering::Greater,
            Operator::IsEmpty => actual.is_empty(),
            Operator::IsNotEmpty => !actual.is_empty(),
        })
    }
}

/// Numbers compare as numbers; everything else (dates are
/// `YYYY-MM-DD HH:MM:SS`) compares as text.
fn compare_values(left: &str, right: &str) -> Ordering {
    match (left.parse::<i64>(), right.parse::<i64>()) {
        (Ok(left), Ok(right)) => left.cmp(&right),
        _ => left.cmp(right),
    }
}

/// Splits on `^`, reading `^^` as a literal caret.
fn split_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '^' {
            current.push(c);
        } else if chars.next_if_eq(&'^').is_some() {
            current.push('^');
        } else {
            terms.push(std::mem::take(&mut current));
        }
    }
    terms.push(current);
    terms.retain(|term| !term.is_empty() && term != "EQ");
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Row(HashMap<&'static str, &'static str>);

    impl Record for Row {
        fn value(&self, field: &str) -> Option<String> {
            self.0.get(field).map(|value| (*value).to_owned())
        }
    }

    fn row(pairs: &[(&'static str, &'static str)]) -> Row {
        Row(pairs.iter().copied().collect())
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let query = Query::parse("active=true^priority=1^ORpriority=2");
        assert!(query.matches(&row(&[("active", "true"), ("priority", "2")])));
        assert!(!query.matches(&row(&[("active", "false"), ("priority", "2")])));
        assert!(!query.matches(&row(&[("active", "true"), ("priority", "3")])));
    }

    #[test]
    fn new_query_adds_rows() {
        let query = Query::parse("priority=1^NQstate=6");
        assert!(query.matches(&row(&[("priority", "3"), ("state", "6")])));
        assert!(query.matches(&row(&[("priority", "1"), ("state", "1")])));
        assert!(!query.matches(&row(&[("priority", "3"), ("state", "1")])));
    }

    #[test]
    fn operators() {
        let record = row(&[("short_description", "Email server DOWN"), ("priority", "10"), ("caller_id", "")]);
        for (text, expected) in [
            ("short_descriptionLIKEserver", true),
            ("short_descriptionNOT LIKEserver", false),
            ("short_descriptionSTARTSWITHemail", true),
            ("short_descriptionENDSWITHdown", true),
            ("short_description=email server down", true),
            ("short_description!=email server down", false),
            ("priorityIN1,10", true),
            ("priorityNOT IN1,10", false),
            ("priority>9", true),
            ("priority>=10", true),
            ("priority<2", false),
            ("priority<=10", true),
            ("caller_idISEMPTY", true),
            ("caller_idISNOTEMPTY", false),
        ] {
            assert_eq!(Query::parse(text).matches(&record), expected, "{text}");
        }
    }

    #[test]
    fn dates_compare_as_text() {
        let query = Query::parse("sys_updated_on>=2025-03-01 00:00:00");
        assert!(query.matches(&row(&[("sys_updated_on", "2025-03-01 08:00:00")])));
        assert!(!query.matches(&row(&[("sys_updated_on", "2025-02-28 23:59:59")])));
    }

    #[test]
    fn unknown_fields_and_garbage_are_ignored() {
        let record = row(&[("state", "1")]);
        assert!(Query::parse("no_such_field=x^state=1").matches(&record));
        assert!(Query::parse("no_such_field=x").matches(&record), "a group of only unknowns holds");
        assert!(!Query::parse("no_such_field=x^ORstate=2").matches(&record), "the group is just state=2");
        assert!(Query::parse("garbage^=x^state=1").matches(&record));
    }

    #[test]
    fn carets_are_escaped_by_doubling() {
        let query = Query::from_pairs([("short_description", "a^b")]);
        assert!(query.matches(&row(&[("short_description", "a^b")])));
        assert!(Query::parse("short_descriptionLIKEa^^b").matches(&row(&[("short_description", "xa^by")])));
    }

    #[test]
    fn sorting_by_several_keys() {
        let query = Query::parse("ORDERBYDESCpriority^ORDERBYnumber^ORDERBYnope");
        let a = row(&[("priority", "2"), ("number", "INC2")]);
        let b = row(&[("priority", "2"), ("number", "INC1")]);
        let c = row(&[("priority", "10"), ("number", "INC3")]);
        assert_eq!(query.compare(&c, &a), Ordering::Less, "10 sorts as a number, descending");
        assert_eq!(query.compare(&b, &a), Ordering::Less);
        assert_eq!(Query::parse("").compare(&a, &b), Ordering::Equal);
    }
}
