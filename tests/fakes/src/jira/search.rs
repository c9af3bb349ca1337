//! What JQL means: turns a parsed [`Query`] into a [`Search`] over issues,
//! checking its fields, operators and values the way Jira does, then
//! selects and orders issues.
//!
//! Fields: `project`, `key` (`issuekey`, `id`), `status`,
//! `statusCategory` (`category`), `priority`, `assignee`, `reporter`,
//! `creator`, `labels` (`label`), `issuetype` (`type`), `resolution`,
//! `created`, `updated`, `resolved` (`resolutiondate`), `duedate`, and the
//! text fields `text`, `summary`, `description` and `comment`. Values name
//! things by name or id; users by account id or email address, or
//! `currentUser()`; dates as `yyyy-MM-dd[ HH:mm]`, as periods such as
//! `-7d`, or with `now()`, `startOfDay()` and `endOfDay()`. As in Jira,
//! `!=` and `NOT IN` never match an empty field, `resolution = Unresolved`
//! means no resolution, and `~` matches words (a word in the query matches
//! words starting with it; `*` may end it).

use super::clock::{self, DAY, Millis};
use super::jql::{Clause, Operand, Operator, Query, Term, Value};
use super::lexer::Op;
use super::model::Issue;
use super::{catalog, workflow};
use std::cmp::Ordering;

/// What a search needs to know beyond the query.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Who is searching (`currentUser()`).
    pub caller: &'a str,
    /// When (for relative dates).
    pub now: Millis,
    /// Every issue (to check the values of `key`).
    pub issues: &'a [Issue],
}

/// A query ready to run.
#[derive(Debug, Clone)]
pub struct Search {
    filter: Option<Filter>,
    order: Vec<(SortKey, bool)>,
}

/// The message for a query without a restriction.
pub const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

impl Search {
    /// Checks `query` against the site; every problem found is reported,
    /// each as Jira words it.
    pub fn compile(query: &Query, context: &Context<'_>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let filter = query.clause.as_ref().map(|clause| compile(clause, context, &mut problems));
        let mut order = Vec::new();
        for sort in &query.order {
            match sort_key(&sort.field) {
                Ok(key) => order.push((key, sort.descending)),
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() { Ok(Self { filter, order }) } else { Err(problems) }
    }

    /// Whether the query restricts anything (Jira refuses unbounded
    /// searches).
    pub fn is_bounded(&self) -> bool {
        self.filter.is_some()
    }

    /// The issues selected, in the query's order (by default the newest
    /// first); ties are broken by id, newest first.
    pub fn select<'a>(&self, issues: &'a [Issue]) -> Vec<&'a Issue> {
        let mut selected: Vec<&Issue> =
            issues.iter().filter(|issue| self.filter.as_ref().is_none_or(|filter| filter.matches(issue))).collect();
        let default = [(SortKey::Created, true)];
        let order: &[(SortKey, bool)] = if self.order.is_empty() { &default } else { &self.order };
        selected.sort_by(|a, b| {
            order
                .iter()
                .map(|(key, descending)| {
                    let ordering = key.compare(a, b);
                    if *descending { ordering.reverse() } else { ordering }
                })
                .find(|ordering| ordering.is_ne())
                .unwrap_or_else(|| b.id.cmp(&a.id))
        });
        selected
    }
}

/// A compiled restriction.
#[derive(Debug, Clone)]
enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Test(Field, Test),
}

impl Filter {
    fn matches(&self, issue: &Issue) -> bool {
        match self {
            Self::All(filters) => filters.iter().all(|filter| filter.matches(issue)),
            Self::Any(filters) => filters.iter().any(|filter| filter.matches(issue)),
            Self::Not(filter) => !filter.matches(issue),
            Self::Test(field, test) => test.matches(*field, issue),
        }
    }
}

/// What a term checks.
#[derive(Debug, Clone)]
enum Test {
    /// One of the field's values is one of these (or, with `or_empty`, it
    /// has none).
    AnyOf { values: Vec<String>, or_empty: bool },
    /// The field has values, none of them one of these.
    NoneOf(Vec<String>),
    /// The field has no value.
    Empty,
    /// The field has a value.
    NotEmpty,
    /// The field's instant compares so with this one.
    Compare(Op, Millis),
    /// The field's text holds every word (or the phrase).
    Contains(Words),
    /// The field's text does not.
    Lacks(Words),
}

impl Test {
    fn matches(&self, field: Field, issue: &Issue) -> bool {
        match self {
            Self::AnyOf { values, or_empty } => {
                let held = field.values(issue);
                (*or_empty && held.is_empty()) || held.iter().any(|value| values.contains(value))
            }
            Self::NoneOf(values) => {
                let held = field.values(issue);
                !held.is_empty() && !held.iter().any(|value| values.contains(value))
            }
            Self::Empty => field.is_empty(issue),
            Self::NotEmpty => !field.is_empty(issue),
            Self::Compare(op, instant) => field.instant(issue).is_some_and(|at| compare(*op, at, *instant)),
            Self::Contains(words) => words.found_in(&field.text(issue)),
            Self::Lacks(words) => !words.found_in(&field.text(issue)),
        }
    }
}

fn compare(op: Op, at: Millis, instant: Millis) -> bool {
    match op {
        Op::Eq => at == instant,
        Op::NotEq => at != instant,
        Op::Lt => at < instant,
        Op::LtEq => at <= instant,
        Op::Gt => at > instant,
        Op::GtEq => at >= instant,
        Op::Like | Op::NotLike => false,
    }
}

/// The words (or phrase) a `~` looks for.
#[derive(Debug, Clone)]
enum Words {
    /// Each must start some word of the text.
    Each(Vec<String>),
    /// The text must hold this run of words.
    Phrase(String),
}

impl Words {
    fn parse(value: &str) -> Self {
        let trimmed = value.trim();
        if trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"') {
            return Self::Phrase(words(&trimmed[1..trimmed.len() - 1]).join(" "));
        }
        Self::Each(words(value))
    }

    fn found_in(&self, text: &str) -> bool {
        let held = words(text);
        match self {
            Self::Each(wanted) => wanted.iter().all(|word| held.iter().any(|held| held.starts_with(word.as_str()))),
            Self::Phrase(phrase) => format!(" {} ", held.join(" ")).contains(&format!(" {phrase} ")),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Each(words) => words.is_empty(),
            Self::Phrase(phrase) => phrase.is_empty(),
        }
    }
}

/// Lower-case words of `text` (letters and digits).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).map(str::to_lowercase).collect()
}

/// What kind of values a field holds, which decides its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Project,
    IssueKey,
    Status,
    Category,
    Priority,
    User,
    Label,
    IssueType,
    Resolution,
    Date,
    Text,
}

/// A field a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Project,
    Key,
    Status,
    Category,
    Priority,
    Assignee,
    Reporter,
    Creator,
    Labels,
    IssueType,
    Resolution,
    Created,
    Updated,
    Resolved,
    Due,
    Text,
    Summary,
    Description,
    Comment,
}

impl Field {
    fn named(name: &str) -> Option<Self> {
        let field = match name.to_ascii_lowercase().as_str() {
            "project" => Self::Project,
            "key" | "issuekey" | "id" => Self::Key,
            "status" => Self::Status,
            "statuscategory" | "category" => Self::Category,
            "priority" => Self::Priority,
            "assignee" => Self::Assignee,
            "reporter" => Self::Reporter,
            "creator" => Self::Creator,
            "labels" | "label" => Self::Labels,
            "issuetype" | "type" => Self::IssueType,
            "resolution" => Self::Resolution,
            "created" | "createddate" => Self::Created,
            "updated" | "updateddate" => Self::Updated,
            "resolved" | "resolutiondate" => Self::Resolved,
            "due" | "duedate" => Self::Due,
            "text" => Self::Text,
            "summary" => Self::Summary,
            "description" => Self::Description,
            "comment" => Self::Comment,
            _ => return None,
        };
        Some(field)
    }

    fn kind(self) -> Kind {
        match self {
            Self::Project => Kind::Project,
            Self::Key => Kind::IssueKey,
            Self::Status => Kind::Status,
            Self::Category => Kind::Category,
            Self::Priority => Kind::Priority,
            Self::Assignee | Self::Reporter | Self::Creator => Kind::User,
            Self::Labels => Kind::Label,
            Self::IssueType => Kind::IssueType,
            Self::Resolution => Kind::Resolution,
            Self::Created | Self::Updated | Self::Resolved | Self::Due => Kind::Date,
            Self::Text | Self::Summary | Self::Description | Self::Comment => Kind::Text,
        }
    }

    /// The ids the field holds (labels in lower case).
    fn values(self, issue: &Issue) -> Vec<String> {
        let one = |value: &str| vec![value.to_owned()];
        match self {
            Self::Project => one(issue.project.id),
            Self::Key => vec![issue.id.to_string()],
            Self::Status => one(issue.status.id),
            Self::Category => one(issue.status.category.key()),
            Self::Priority => one(issue.priority.id),
            Self::Assignee => issue.assignee.map(|user| one(user.account_id)).unwrap_or_default(),
            Self::Reporter => one(issue.reporter.account_id),
            Self::Creator => one(issue.creator.account_id),
            Self::Labels => issue.labels.iter().map(|label| label.to_lowercase()).collect(),
            Self::IssueType => one(issue.issue_type.id),
            Self::Resolution => issue.resolution.map(|resolution| one(resolution.id)).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn is_empty(self, issue: &Issue) -> bool {
        match self.kind() {
            Kind::Date => self.instant(issue).is_none(),
            Kind::Text => self.text(issue).trim().is_empty(),
            _ => self.values(issue).is_empty(),
        }
    }

    fn instant(self, issue: &Issue) -> Option<Millis> {
        match self {
            Self::Created => Some(issue.created),
            Self::Updated => Some(issue.updated),
            Self::Resolved => issue.resolved,
            Self::Due => issue.duedate.as_deref().and_then(|due| clock::parse_jql_date(due, 0)),
            _ => None,
        }
    }

    fn text(self, issue: &Issue) -> String {
        let summary = || issue.summary.clone();
        let description = || issue.description.as_ref().map(super::adf::plain_text).unwrap_or_default();
        let comments = || {
            issue.comments.iter().map(|comment| super::adf::plain_text(&comment.body)).collect::<Vec<_>>().join("\n")
        };
        match self {
            Self::Summary => summary(),
            Self::Description => description(),
            Self::Comment => comments(),
            // `text` covers the summary, description and comments (and, on
            // a real site, environment and text custom fields).
            _ => [summary(), description(), comments()].join("\n"),
        }
    }
}

/// The fields `ORDER BY` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Created,
    Updated,
    Resolved,
    Due,
    Key,
    Priority,
    Status,
    Summary,
    Assignee,
    Reporter,
    Project,
}

fn sort_key(name: &str) -> Result<SortKey, String> {
    let Some(field) = Field::named(name) else { return Err(no_field(name)) };
    let key = match field {
        Field::Created => SortKey::Created,
        Field::Updated => SortKey::Updated,
        Field::Resolved => SortKey::Resolved,
        Field::Due => SortKey::Due,
        Field::Key => SortKey::Key,
        Field::Priority => SortKey::Priority,
        Field::Status => SortKey::Status,
        Field::Summary => SortKey::Summary,
        Field::Assignee => SortKey::Assignee,
        Field::Reporter => SortKey::Reporter,
        Field::Project => SortKey::Project,
        _ => return Err(format!("Not able to sort using field '{name}'.")),
    };
    Ok(key)
}

impl SortKey {
    /// Ascending order.
    fn compare(self, a: &Issue, b: &Issue) -> Ordering {
        match self {
            Self::Created => a.created.cmp(&b.created),
            Self::Updated => a.updated.cmp(&b.updated),
            Self::Resolved => a.resolved.cmp(&b.resolved),
            Self::Due => a.duedate.cmp(&b.duedate),
            Self::Key => (a.project.key, a.number()).cmp(&(b.project.key, b.number())),
            // Ascending means least urgent first.
            Self::Priority => b.priority.rank().cmp(&a.priority.rank()),
            Self::Status => a.status.name.to_lowercase().cmp(&b.status.name.to_lowercase()),
            Self::Summary => a.summary.to_lowercase().cmp(&b.summary.to_lowercase()),
            Self::Assignee => a.assignee.map(|user| user.display_name).cmp(&b.assignee.map(|user| user.display_name)),
            Self::Reporter => a.reporter.display_name.cmp(b.reporter.display_name),
            Self::Project => a.project.key.cmp(b.project.key),
        }
    }
}

fn no_field(name: &str) -> String {
    format!("Field '{name}' does not exist or you do not have permission to view it.")
}

fn compile(clause: &Clause, context: &Context<'_>, problems: &mut Vec<String>) -> Filter {
    match clause {
        Clause::And(clauses) => Filter::All(clauses.iter().map(|clause| compile(clause, context, problems)).collect()),
        Clause::Or(clauses) => Filter::Any(clauses.iter().map(|clause| compile(clause, context, problems)).collect()),
        Clause::Not(clause) => Filter::Not(Box::new(compile(clause, context, problems))),
        Clause::Term(term) => match compile_term(term, context) {
            Ok(filter) => filter,
            Err(problem) => {
                problems.push(problem);
                Filter::All(Vec::new())
            }
        },
    }
}

fn compile_term(term: &Term, context: &Context<'_>) -> Result<Filter, String> {
    let Some(field) = Field::named(&term.field) else { return Err(no_field(&term.field)) };
    let name = term.field.as_str();
    let kind = field.kind();
    let unsupported = || format!("The operator '{}' is not supported by the '{name}' field.", term.operator);
    let values = match &term.operand {
        Operand::Single(value) => std::slice::from_ref(value),
        Operand::List(values) => values.as_slice(),
    };
    let test = match (term.operator, &term.operand) {
        (Operator::Is | Operator::IsNot, Operand::Single(Value::Empty)) => {
            if kind == Kind::Category || kind == Kind::IssueKey || kind == Kind::Project {
                return Err(unsupported());
            }
            if term.operator == Operator::Is { Test::Empty } else { Test::NotEmpty }
        }
        (Operator::Is | Operator::IsNot, _) => {
            return Err(format!("The operator '{}' only supports the 'EMPTY' value.", term.operator));
        }
        (Operator::In | Operator::NotIn, Operand::Single(value)) => {
            return Err(format!(
                "Operator '{}' does not support the non-list value '{}' for field '{name}'.",
                term.operator,
                shown(value)
            ));
        }
        (Operator::Compare(Op::Eq | Op::NotEq), Operand::List(_)) => {
            return Err(format!(
                "The operator '{}' does not support the list value for field '{name}'.",
                term.operator
            ));
        }
        (Operator::Compare(op @ (Op::Like | Op::NotLike)), Operand::Single(value)) => {
            if kind != Kind::Text {
                return Err(unsupported());
            }
            let Value::Literal(text) = value else { return Err(unsupported()) };
            let words = Words::parse(text);
            if words.is_empty() {
                return Err(format!("The field '{name}' does not support searching for an empty string."));
            }
            if op == Op::Like { Test::Contains(words) } else { Test::Lacks(words) }
        }
        (Operator::Compare(op @ (Op::Lt | Op::LtEq | Op::Gt | Op::GtEq)), Operand::Single(value))
        | (Operator::Compare(op @ (Op::Eq | Op::NotEq)), Operand::Single(value))
            if kind == Kind::Date =>
        {
            match value {
                Value::Empty if op == Op::Eq => Test::Empty,
                Value::Empty if op == Op::NotEq => Test::NotEmpty,
                _ => Test::Compare(op, instant(value, name, context)?),
            }
        }
        (Operator::Compare(Op::Lt | Op::LtEq | Op::Gt | Op::GtEq | Op::Like | Op::NotLike), _) => {
            return Err(unsupported());
        }
        (Operator::Compare(Op::Eq) | Operator::In, _) | (Operator::Compare(Op::NotEq) | Operator::NotIn, _) => {
            if kind == Kind::Text || kind == Kind::Date {
                return Err(unsupported());
            }
            let positive = matches!(term.operator, Operator::Compare(Op::Eq) | Operator::In);
            let mut ids = Vec::new();
            let mut or_empty = false;
            for value in values {
                match resolve(kind, value, name, context)? {
                    Resolved::Ids(found) => ids.extend(found),
                    Resolved::Empty => or_empty = true,
                }
            }
            match (positive, ids.is_empty(), or_empty) {
                (true, _, _) => Test::AnyOf { values: ids, or_empty },
                (false, true, true) => Test::NotEmpty,
                (false, _, true) => {
                    return Ok(Filter::All(vec![
                        Filter::Test(field, Test::NotEmpty),
                        Filter::Test(field, Test::NoneOf(ids)),
                    ]));
                }
                (false, _, false) => Test::NoneOf(ids),
            }
        }
    };
    Ok(Filter::Test(field, test))
}

/// A value as Jira quotes it back.
fn shown(value: &Value) -> String {
    match value {
        Value::Literal(text) => format!("\"{text}\""),
        Value::Function(name, _) => format!("{name}()"),
        Value::Empty => "EMPTY".to_owned(),
    }
}

/// What a value names.
enum Resolved {
    /// These ids (none when it names something that matches nothing).
    Ids(Vec<String>),
    /// No value (`EMPTY`, `Unresolved`).
    Empty,
}

fn resolve(kind: Kind, value: &Value, name: &str, context: &Context<'_>) -> Result<Resolved, String> {
    let missing = |text: &str| format!("The value '{text}' does not exist for the field '{name}'.");
    let one = |id: &str| Ok(Resolved::Ids(vec![id.to_owned()]));
    let text = match value {
        Value::Empty => return Ok(Resolved::Empty),
        Value::Function(function, _) if kind == Kind::User && function.eq_ignore_ascii_case("currentUser") => {
            return one(context.caller);
        }
        Value::Function(function, _) => return Err(unknown_function(function, name)),
        Value::Literal(text) => text.as_str(),
    };
    match kind {
        Kind::Project => catalog::project(text).map_or_else(|| Err(missing(text)), |project| one(project.id)),
        Kind::Status => workflow::status_named(text).map_or_else(|| Err(missing(text)), |status| one(status.id)),
        Kind::Category => {
            workflow::Category::named(text).map_or_else(|| Err(missing(text)), |category| one(category.key()))
        }
        Kind::Priority => catalog::priority(text).map_or_else(|| Err(missing(text)), |priority| one(priority.id)),
        Kind::User => catalog::user_named(text).map_or_else(|| Err(missing(text)), |user| one(user.account_id)),
        Kind::Label => Ok(Resolved::Ids(vec![text.to_lowercase()])),
        Kind::IssueType => catalog::PROJECTS
            .iter()
            .find_map(|project| project.issue_type(text))
            .map_or_else(|| Err(missing(text)), |kind| one(kind.id)),
        Kind::Resolution if text.eq_ignore_ascii_case("unresolved") => Ok(Resolved::Empty),
        Kind::Resolution => {
            catalog::resolution(text).map_or_else(|| Err(missing(text)), |resolution| one(resolution.id))
        }
        Kind::IssueKey => issue_id(text, context).map(|id| Resolved::Ids(vec![id])),
        Kind::Date | Kind::Text => Err(missing(text)),
    }
}

/// The id of the issue a `key` value names (a key in any case, or an id).
fn issue_id(text: &str, context: &Context<'_>) -> Result<String, String> {
    if let Ok(id) = text.parse::<u64>() {
        return Ok(id.to_string());
    }
    let well_formed = text.split_once('-').is_some_and(|(project, number)| {
        project.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && project.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    });
    if !well_formed {
        return Err(format!("The issue key '{text}' for field 'key' is invalid."));
    }
    context
        .issues
        .iter()
        .find(|issue| issue.key.eq_ignore_ascii_case(text))
        .map(|issue| issue.id.to_string())
        .ok_or_else(|| format!("An issue with key '{text}' does not exist for field 'key'."))
}

fn unknown_function(function: &str, field: &str) -> String {
    let known = ["currentuser", "now", "startofday", "endofday"];
    if known.contains(&function.to_ascii_lowercase().as_str()) {
        format!("The function '{function}' is not supported by the '{field}' field.")
    } else {
        format!("Unable to find JQL function '{function}()'.")
    }
}

fn instant(value: &Value, name: &str, context: &Context<'_>) -> Result<Millis, String> {
    let invalid = |text: &str| {
        format!(
            "Date value '{text}' for field '{name}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', \
             'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
        )
    };
    match value {
        Value::Literal(text) => clock::parse_jql_date(text, context.now).ok_or_else(|| invalid(text)),
        Value::Function(function, arguments) => {
            let offset = match arguments.first() {
                Some(argument) => clock::parse_jql_date(argument, 0)
                    .ok_or_else(|| format!("Invalid offset '{argument}' for function '{function}'."))?,
                None => 0,
            };
            let base = match function.to_ascii_lowercase().as_str() {
                "now" => context.now,
                "startofday" => clock::start_of_day(context.now),
                "endofday" => clock::start_of_day(context.now) + DAY - 1,
                _ => return Err(unknown_function(function, name)),
            };
            Ok(base + offset)
        }
        Value::Empty => Err(invalid("EMPTY")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{jql, seed};
    use super::*;

    fn keys(jql_text: &str) -> Result<Vec<String>, Vec<String>> {
        let store = seed::store(1_800_000_000_000);
        let context = Context { caller: catalog::MIA, now: 1_800_000_000_000, issues: store.issues() };
        let search = Search::compile(&jql::parse(jql_text).unwrap(), &context)?;
        let mut keys: Vec<String> = search.select(store.issues()).iter().map(|issue| issue.key.clone()).collect();
        keys.sort();
        Ok(keys)
    }

    #[test]
    fn words_match_prefixes_and_phrases() {
        assert!(Words::parse("connect vpn").found_in("Cannot connect to the VPN"));
        assert!(Words::parse("conn*").found_in("connection refused"));
        assert!(!Words::parse("vpn gateway").found_in("VPN only"));
        assert!(Words::parse("\"supplier payment\"").found_in("for the supplier payment run"));
        assert!(!Words::parse("\"payment supplier\"").found_in("for the supplier payment run"));
        assert!(Words::parse("?!").is_empty());
    }

    #[test]
    fn negations_skip_empty_fields_and_unresolved_means_none() {
        let unassigned = keys("assignee IS EMPTY").unwrap();
        let not_mine = keys("assignee != currentUser()").unwrap();
        assert!(unassigned.iter().all(|key| !not_mine.contains(key)), "!= never matches an empty field");
        assert_eq!(keys("assignee NOT IN (EMPTY, currentUser())").unwrap(), not_mine);
        assert_eq!(keys("resolution = Unresolved").unwrap(), keys("resolution IS EMPTY").unwrap());
        assert_eq!(keys("resolution != Unresolved").unwrap(), keys("statusCategory = Done").unwrap());
        assert_eq!(keys("created >= startOfDay(-100d)").unwrap().len(), 16);
        assert_eq!(keys("updated > now()").unwrap().len(), 0);
    }

    #[test]
    fn every_problem_is_reported() {
        let problems = keys("foo = 1 AND project = NOPE AND status IS Done ORDER BY bar, labels").unwrap_err();
        assert_eq!(
            problems,
            [
                "Field 'foo' does not exist or you do not have permission to view it.",
                "The value 'NOPE' does not exist for the field 'project'.",
                "The operator 'is' only supports the 'EMPTY' value.",
                "Field 'bar' does not exist or you do not have permission to view it.",
                "Not able to sort using field 'labels'.",
            ]
        );
        assert!(keys("created = (1, 2)").is_err());
        assert!(keys("text ~ \"\"").is_err());
        assert!(keys("created >= startOfDay(x)").is_err());
    }
}
