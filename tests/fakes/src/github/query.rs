//! The search syntax GitHub's `q` parameter takes, as far as the fake
//! reads it: whitespace-separated `qualifier:value` pairs (the value may
//! be quoted: `label:"priority: high"`), `-` before a qualifier or word to
//! exclude it, and free text (words and `"quoted phrases"`). `AND` between
//! terms is the default and is skipped. A `key:value` whose key the
//! endpoint does not know is free text, as on GitHub.
//!
//! Dates (`created:`, `updated:`) take `YYYY-MM-DD` or an ISO 8601 time,
//! alone (that day) or after `>`, `>=`, `<`, `<=`, or as a range
//! `a..b` (either end may be `*`).

use super::clock::{DAY, parse_date, parse_timestamp};

/// A `qualifier:value` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualifier {
    /// Written with a leading `-`.
    pub negated: bool,
    /// The qualifier, lower-cased (`label`).
    pub key: String,
    /// The value, unquoted.
    pub value: String,
}

/// A parsed `q`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Qualifiers, in order.
    pub qualifiers: Vec<Qualifier>,
    /// Words and phrases that must appear, lower-cased.
    pub terms: Vec<String>,
    /// Words and phrases that must not appear, lower-cased.
    pub excluded: Vec<String>,
}

impl Query {
    /// Parses `q`, taking `key:` as a qualifier when `key` is in `known`.
    pub fn parse(q: &str, known: &[&str]) -> Self {
        let mut query = Self::default();
        for token in tokens(q) {
            if token == "AND" {
                continue;
            }
            let (negated, rest) = match token.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, token.as_str()),
            };
            if let Some((key, value)) = rest.split_once(':')
                && known.contains(&key.to_ascii_lowercase().as_str())
            {
                query.qualifiers.push(Qualifier { negated, key: key.to_ascii_lowercase(), value: unquote(value) });
                continue;
            }
            let text = unquote(rest).to_lowercase();
            if !text.is_empty() {
                if negated { query.excluded.push(text) } else { query.terms.push(text) }
            }
        }
        query
    }

    /// The qualifiers called `key`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Qualifier> + 'a {
        self.qualifiers.iter().filter(move |qualifier| qualifier.key == key)
    }
}

/// Splits on whitespace outside double quotes, keeping the quotes.
fn tokens(q: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn unquote(text: &str) -> String {
    text.replace('"', "")
}

/// An inclusive span of Unix seconds; either end may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    from: Option<i64>,
    to: Option<i64>,
}

impl Span {
    /// Reads a date qualifier's value; an unreadable one matches nothing.
    pub fn parse(value: &str) -> Self {
        Self::read(value).unwrap_or(Self { from: Some(i64::MAX), to: Some(i64::MIN) })
    }

    fn read(value: &str) -> Option<Self> {
        let open = Self { from: None, to: None };
        if let Some(rest) = value.strip_prefix(">=") {
            return Some(Self { from: Some(day(rest)?.0), ..open });
        }
        if let Some(rest) = value.strip_prefix("<=") {
            return Some(Self { to: Some(day(rest)?.1), ..open });
        }
        if let Some(rest) = value.strip_prefix('>') {
            return Some(Self { from: Some(day(rest)?.1 + 1), ..open });
        }
        if let Some(rest) = value.strip_prefix('<') {
            return Some(Self { to: Some(day(rest)?.0 - 1), ..open });
        }
        if let Some((start, end)) = value.split_once("..") {
            let from = if start == "*" { None } else { Some(day(start)?.0) };
            let to = if end == "*" { None } else { Some(day(end)?.1) };
            return Some(Self { from, to });
        }
        let (from, to) = day(value)?;
        Some(Self { from: Some(from), to: Some(to) })
    }

    /// Whether `at` falls in the span.
    pub fn contains(&self, at: i64) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at <= to)
    }
}

/// The first and last second a date or time names.
fn day(text: &str) -> Option<(i64, i64)> {
    match parse_date(text) {
        Some(midnight) => Some((midnight, midnight + DAY - 1)),
        None => parse_timestamp(text).map(|at| (at, at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_quotes_negation_and_text() {
        let query = Query::parse(
            r#"repo:acme/ops-portal is:issue label:"priority: high" -label:bug vpn "from home" -printer foo:bar AND"#,
            &["repo", "is", "label"],
        );
        let pairs: Vec<(bool, &str, &str)> =
            query.qualifiers.iter().map(|q| (q.negated, q.key.as_str(), q.value.as_str())).collect();
        assert_eq!(
            pairs,
            vec![
                (false, "repo", "acme/ops-portal"),
                (false, "is", "issue"),
                (false, "label", "priority: high"),
                (true, "label", "bug")
            ]
        );
        assert_eq!(query.terms, vec!["vpn", "from home", "foo:bar"]);
        assert_eq!(query.excluded, vec!["printer"]);
    }

    #[test]
    fn date_spans() {
        let day = parse_date("2026-11-02").unwrap();
        assert!(Span::parse(">=2026-11-02").contains(day) && !Span::parse(">=2026-11-02").contains(day - 1));
        assert!(!Span::parse(">2026-11-02").contains(day + 100) && Span::parse(">2026-11-02").contains(day + DAY));
        assert!(Span::parse("2026-11-01..2026-11-02").contains(day + DAY - 1));
        assert!(Span::parse("*..2026-11-02").contains(0) && !Span::parse("<2026-11-02").contains(day));
        assert!(Span::parse("2026-11-02").contains(day + 5) && !Span::parse("yesterday").contains(day));
    }
}
