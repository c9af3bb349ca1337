//! The search query language (a subset of Zendesk's), tokenized, parsed
//! into conditions, and evaluated against tickets, users and groups.
//!
//! A query is whitespace-separated terms, all of which must hold:
//!
//! - a **word** (`vpn`) matches records with a word that starts with it
//!   (case-insensitively; not inside or at the end of a word), in a
//!   ticket's subject, description, comments or tags, or a user's or
//!   group's name, email or description; an all-digit word also matches
//!   the ticket with that number. A trailing `*` is allowed. A word made of
//!   several (`re-connect`) is a phrase;
//! - a **phrase** (`"vpn keeps dropping"`) matches those words in a row;
//! - a **property** `key:value`, `key<value`, `key>value` (also `<=`,
//!   `>=`); the value may be quoted (`group:"IT Operations"`). Several
//!   `key:value` terms on the same property are alternatives
//!   (`status:open status:pending`);
//! - `-` before any term negates it (`-status:closed`, `-vpn`).
//!
//! Properties: `type` (`ticket`, `user`, `group`, `organization`);
//! tickets: `status` and `priority` (ordered: `status<solved`,
//! `priority>normal`; `priority:none`), `ticket_type`, `assignee`,
//! `requester`, `submitter` (`me`, `none`, an id, an email or a name),
//! `group` (`none`, an id or a name), `tags`/`tag`, `subject`,
//! `description`, `comment`, `created`, `updated`, `due_date`; users:
//! `name`, `email`, `role`, `tags`, `created`, `updated`; groups: `name`,
//! `created`, `updated`. Sorting inline: `order_by:updated sort:asc`.
//!
//! Times: a date (`updated>2026-11-01`) compares by whole UTC days (`>` is
//! after that day, `<` before it, `:` on it); a timestamp
//! (`2026-11-01T09:00:00Z`) to the second; a relative time
//! (`updated>3hours`, `created<2days`; minutes, hours, days, weeks, months,
//! years) names the instant that long ago, so `updated>3hours` is "updated
//! within the last three hours". A property the record does not have makes
//! the term false (so `status:open` finds no users); an unknown key makes
//! the term a word.

use super::clock::{self, DAY, HOUR, MINUTE};
use super::model::{Group, Priority, Role, Status, Ticket, TicketType, User};
use super::store::Store;
use super::text;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:`.
    Eq,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Op {
    fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Self::Eq => left == right,
            Self::Lt => left < right,
            Self::Le => left <= right,
            Self::Gt => left > right,
            Self::Ge => left >= right,
        }
    }
}

/// One lexical term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A bare word.
    Word {
        /// Preceded by `-`.
        negated: bool,
        /// The word as written.
        text: String,
    },
    /// A quoted phrase.
    Phrase {
        /// Preceded by `-`.
        negated: bool,
        /// The text between the quotes.
        text: String,
    },
    /// `key`, an operator and a value.
    Pair {
        /// Preceded by `-`.
        negated: bool,
        /// The property, lower-cased.
        key: String,
        /// The comparison.
        op: Op,
        /// The value, unquoted.
        value: String,
        /// The whole term as written, should the key be unknown.
        raw: String,
    },
}

/// Splits a query into terms: whitespace separates them except inside
/// double quotes.
pub fn tokenize(query: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&first) = chars.peek() {
        if first.is_whitespace() {
            chars.next();
            continue;
        }
        let mut raw = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() && !quoted {
                break;
            }
            if c == '"' {
                quoted = !quoted;
            }
            raw.push(c);
            chars.next();
        }
        if let Some(token) = classify(&raw) {
            tokens.push(token);
        }
    }
    tokens
}

fn unquote(text: &str) -> &str {
    let text = text.strip_prefix('"').unwrap_or(text);
    text.strip_suffix('"').unwrap_or(text)
}

fn classify(raw: &str) -> Option<Token> {
    let (negated, body) = match raw.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, raw),
    };
    if body.starts_with('"') {
        let text = unquote(body).to_owned();
        return (!text.trim().is_empty()).then_some(Token::Phrase { negated, text });
    }
    let split = body.char_indices().find(|(_, c)| matches!(c, ':' | '<' | '>'));
    if let Some((at, _)) = split {
        let key = &body[..at];
        if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
            let rest = &body[at..];
            let (op, value) = if let Some(value) = rest.strip_prefix("<=") {
                (Op::Le, value)
            } else if let Some(value) = rest.strip_prefix(">=") {
                (Op::Ge, value)
            } else if let Some(value) = rest.strip_prefix('<') {
                (Op::Lt, value)
            } else if let Some(value) = rest.strip_prefix('>') {
                (Op::Gt, value)
            } else {
                (Op::Eq, &rest[1..])
            };
            return Some(Token::Pair {
                negated,
                key: key.to_ascii_lowercase(),
                op,
                value: unquote(value).to_owned(),
                raw: body.to_owned(),
            });
        }
    }
    let text = unquote(body).to_owned();
    (!text.is_empty()).then_some(Token::Word { negated, text })
}

/// Kinds of record a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Tickets (`result_type: "ticket"`).
    Ticket,
    /// Users.
    User,
    /// Groups.
    Group,
    /// Organizations (the account has none).
    Organization,
}

impl Kind {
    /// The `result_type` / `type:` word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ticket => "ticket",
            Self::User => "user",
            Self::Group => "group",
            Self::Organization => "organization",
        }
    }

    /// The kind `word` names.
    pub fn parse(word: &str) -> Option<Self> {
        [Self::Ticket, Self::User, Self::Group, Self::Organization]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(word.trim()))
    }
}

/// Who a person property names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Person {
    Me,
    Nobody,
    Id(u64),
    Email(String),
    Name(Vec<String>),
}

/// The ticket properties that name a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PersonField {
    Assignee,
    Requester,
    Submitter,
}

/// Time properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeField {
    Created,
    Updated,
    Due,
}

/// Text properties of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    Subject,
    Description,
    Comment,
    Name,
}

/// A time bound: `[start, end)` for `:` on a day, an instant otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Day(i64),
    Instant(i64),
}

/// One condition a record must meet.
#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// Words in a row (one word: a prefix of a word).
    Text(Vec<String>),
    /// The kind of record.
    Type(Option<Kind>),
    Status(Op, Option<Status>),
    /// `None` inside: `priority:none`; outer `None`: an unknown value.
    Priority(Op, Option<Option<Priority>>),
    TicketType(Option<TicketType>),
    Person(PersonField, Person),
    Group(Option<Person>),
    Tag(String),
    Time(TimeField, Op, Option<When>),
    Field(TextField, Vec<String>),
    Email(String),
    UserRole(Option<Role>),
    /// Matches nothing (a property with no such value here).
    Never,
}

impl Condition {
    /// The property whose `:` alternatives are ORed, if this is one.
    fn alternative_group(&self) -> Option<&'static str> {
        Some(match self {
            Self::Type(_) => "type",
            Self::Status(Op::Eq, _) => "status",
            Self::Priority(Op::Eq, _) => "priority",
            Self::TicketType(_) => "ticket_type",
            Self::Person(PersonField::Assignee, _) => "assignee",
            Self::Person(PersonField::Requester, _) => "requester",
            Self::Person(PersonField::Submitter, _) => "submitter",
            Self::Group(_) => "group",
            Self::Tag(_) => "tags",
            Self::UserRole(_) => "role",
            _ => return None,
        })
    }
}

/// A term: a condition, possibly negated.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    negated: bool,
    condition: Condition,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    terms: Vec<Term>,
    /// `order_by:` given inline (`created`, `updated`, `priority`, `status`,
    /// `ticket_type`).
    pub order_by: Option<String>,
    /// `sort:desc` (`true`) or `sort:asc` given inline.
    pub descending: Option<bool>,
}

fn person(value: &str) -> Person {
    let value = value.trim();
    if value.eq_ignore_ascii_case("me") {
        Person::Me
    } else if value.eq_ignore_ascii_case("none") {
        Person::Nobody
    } else if let Ok(id) = value.parse() {
        Person::Id(id)
    } else if value.contains('@') {
        Person::Email(value.to_lowercase())
    } else {
        Person::Name(text::words(value))
    }
}

/// A time value relative to `now`: a date, a timestamp or `<n><unit>`.
fn when(value: &str, now: i64) -> Option<When> {
    if let Some(day) = clock::parse_date(value) {
        return Some(When::Day(day));
    }
    if let Some(instant) = clock::parse_timestamp(value) {
        return Some(When::Instant(instant));
    }
    let digits = value.chars().take_while(char::is_ascii_digit).count();
    let amount: i64 = value[..digits].parse().ok()?;
    let unit = match value[digits..].to_ascii_lowercase().trim_end_matches('s') {
        "minute" => MINUTE,
        "hour" => HOUR,
        "day" => DAY,
        "week" => 7 * DAY,
        "month" => 30 * DAY,
        "year" => 365 * DAY,
        _ => return None,
    };
    Some(When::Instant(now - amount.checked_mul(unit)?))
}

impl Query {
    /// Parses `query`; relative times are taken from `now`.
    pub fn parse(query: &str, now: i64) -> Self {
        let mut parsed = Self::default();
        for token in tokenize(query) {
            let (negated, condition) = match token {
                Token::Word { negated, text } => (negated, Condition::Text(text::words(&text))),
                Token::Phrase { negated, text } => (negated, Condition::Text(text::words(&text))),
                Token::Pair { negated, key, op, value, raw } => match key.as_str() {
                    "order_by" => {
                        parsed.order_by = Some(value.to_ascii_lowercase());
                        continue;
                    }
                    "sort" => {
                        parsed.descending = Some(!value.eq_ignore_ascii_case("asc"));
                        continue;
                    }
                    _ => match property(&key, op, &value, now) {
                        Some(condition) => (negated, condition),
                        None => (negated, Condition::Text(text::words(&raw))),
                    },
                },
            };
            if matches!(&condition, Condition::Text(words) if words.is_empty()) {
                continue;
            }
            parsed.terms.push(Term { negated, condition });
        }
        parsed
    }

    /// The kinds of record the query can return (`type:` terms, else all).
    pub fn kinds(&self) -> Vec<Kind> {
        let named: Vec<Kind> = self
            .terms
            .iter()
            .filter(|term| !term.negated)
            .filter_map(|term| match term.condition {
                Condition::Type(kind) => kind,
                _ => None,
            })
            .collect();
        if named.is_empty() { vec![Kind::Ticket, Kind::User, Kind::Group, Kind::Organization] } else { named }
    }

    /// Whether `record` meets every term; `me` is user `actor`.
    pub fn matches(&self, record: &Record<'_>, store: &Store, actor: u64) -> bool {
        let context = Context { store, actor, words: record.words(store) };
        let mut groups: Vec<(&'static str, bool)> = Vec::new();
        for term in &self.terms {
            let held = term.negated != context.holds(record, &term.condition);
            match (term.negated, term.condition.alternative_group()) {
                (false, Some(group)) => match groups.iter_mut().find(|(name, _)| *name == group) {
                    Some((_, any)) => *any |= held,
                    None => groups.push((group, held)),
                },
                _ if !held => return false,
                _ => {}
            }
        }
        groups.iter().all(|(_, any)| *any)
    }
}

/// The condition `key op value` names, or `None` for an unknown key.
fn property(key: &str, op: Op, value: &str, now: i64) -> Option<Condition> {
    let lower = value.trim().to_lowercase();
    Some(match key {
        "type" => Condition::Type(Kind::parse(value)),
        "status" => Condition::Status(op, Status::parse(value)),
        "priority" if lower == "none" => Condition::Priority(op, Some(None)),
        "priority" => Condition::Priority(op, Priority::parse(value).map(Some)),
        "ticket_type" | "tickettype" => Condition::TicketType(TicketType::parse(value)),
        "assignee" => Condition::Person(PersonField::Assignee, person(value)),
        "requester" => Condition::Person(PersonField::Requester, person(value)),
        "submitter" => Condition::Person(PersonField::Submitter, person(value)),
        "group" => Condition::Group(match person(value) {
            Person::Nobody => None,
            Person::Me | Person::Email(_) => return Some(Condition::Never),
            other => Some(other),
        }),
        "tags" | "tag" => Condition::Tag(lower),
        "created" | "created_at" => Condition::Time(TimeField::Created, op, when(value, now)),
        "updated" | "updated_at" => Condition::Time(TimeField::Updated, op, when(value, now)),
        "due_date" | "due" => Condition::Time(TimeField::Due, op, when(value, now)),
        "subject" => Condition::Field(TextField::Subject, text::words(value)),
        "description" => Condition::Field(TextField::Description, text::words(value)),
        "comment" => Condition::Field(TextField::Comment, text::words(value)),
        "name" => Condition::Field(TextField::Name, text::words(value)),
        "email" => Condition::Email(lower),
        "role" => Condition::UserRole(Role::parse(value)),
        _ => return None,
    })
}

/// A record search can return.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// A ticket.
    Ticket(&'a Ticket),
    /// A user.
    User(&'a User),
    /// A group.
    Group(&'a Group),
}

/// An empty word between fields, so no phrase spans two.
const BOUNDARY: &str = "";

impl Record<'_> {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Self::Ticket(_) => Kind::Ticket,
            Self::User(_) => Kind::User,
            Self::Group(_) => Kind::Group,
        }
    }

    /// The words a bare search term is matched against.
    fn words(&self, store: &Store) -> Vec<String> {
        let texts: Vec<String> = match self {
            Self::Ticket(ticket) => {
                let mut texts = vec![ticket.subject.clone(), ticket.description.clone()];
                texts.extend(store.comments_of(ticket.id).into_iter().map(|comment| comment.body.clone()));
                texts.push(ticket.tags.join(" "));
                texts
            }
            Self::User(user) => vec![user.name.clone(), user.email.clone(), user.tags.join(" ")],
            Self::Group(group) => vec![group.name.clone(), group.description.clone()],
        };
        let mut words = Vec::new();
        for text in texts {
            words.extend(text::words(&text));
            words.push(BOUNDARY.to_owned());
        }
        words
    }
}

/// Whether `words` occur in `haystack` in a row, the last as a prefix.
fn contains_run(haystack: &[String], words: &[String]) -> bool {
    match words {
        [] => true,
        [only] => haystack.iter().any(|word| !word.is_empty() && word.starts_with(only.trim_end_matches('*'))),
        _ => haystack.windows(words.len()).any(|window| {
            window.iter().zip(words).enumerate().all(|(index, (have, want))| {
                let want = want.trim_end_matches('*');
                if index + 1 == words.len() { !have.is_empty() && have.starts_with(want) } else { have == want }
            })
        }),
    }
}

/// What a condition is evaluated with.
struct Context<'a> {
    store: &'a Store,
    actor: u64,
    words: Vec<String>,
}

impl Context<'_> {
    fn is_person(&self, id: Option<u64>, person: &Person) -> bool {
        match person {
            Person::Me => id == Some(self.actor),
            Person::Nobody => id.is_none(),
            Person::Id(wanted) => id == Some(*wanted),
            Person::Email(email) => {
                id.and_then(|id| self.store.user(id)).is_some_and(|user| user.email.eq_ignore_ascii_case(email))
            }
            Person::Name(words) => {
                id.and_then(|id| self.store.user(id)).is_some_and(|user| names_match(&user.name, words))
            }
        }
    }

    fn holds(&self, record: &Record<'_>, condition: &Condition) -> bool {
        match (condition, record) {
            (Condition::Text(words), Record::Ticket(ticket))
                if words.len() == 1 && words[0].parse::<u64>().ok() == Some(ticket.id) =>
            {
                true
            }
            (Condition::Text(words), _) => contains_run(&self.words, words),
            (Condition::Type(kind), record) => *kind == Some(record.kind()),
            (Condition::Status(op, Some(status)), Record::Ticket(ticket)) => op.holds(ticket.status, *status),
            (Condition::Priority(Op::Eq, Some(priority)), Record::Ticket(ticket)) => ticket.priority == *priority,
            (Condition::Priority(op, Some(Some(priority))), Record::Ticket(ticket)) => {
                ticket.priority.is_some_and(|have| op.holds(have, *priority))
            }
            (Condition::TicketType(kind), Record::Ticket(ticket)) => kind.is_some() && ticket.kind == *kind,
            (Condition::Person(role, person), Record::Ticket(ticket)) => {
                let id = match role {
                    PersonField::Assignee => ticket.assignee_id,
                    PersonField::Requester => Some(ticket.requester_id),
                    PersonField::Submitter => Some(ticket.submitter_id),
                };
                self.is_person(id, person)
            }
            (Condition::Group(wanted), Record::Ticket(ticket)) => match (wanted, ticket.group_id) {
                (None, group) => group.is_none(),
                (Some(Person::Id(wanted)), Some(group)) => group == *wanted,
                (Some(Person::Name(words)), Some(group)) => {
                    self.store.group(group).is_some_and(|group| names_match(&group.name, words))
                }
                _ => false,
            },
            (Condition::Tag(tag), Record::Ticket(Ticket { tags, .. }) | Record::User(User { tags, .. })) => {
                tags.iter().any(|have| have == tag)
            }
            (Condition::Time(field, op, Some(when)), record) => {
                let time = match (field, record) {
                    (TimeField::Created, Record::Ticket(ticket)) => Some(ticket.created_at),
                    (TimeField::Updated, Record::Ticket(ticket)) => Some(ticket.updated_at),
                    (TimeField::Due, Record::Ticket(ticket)) => ticket.due_at,
                    (TimeField::Created, Record::User(user)) => Some(user.created_at),
                    (TimeField::Updated, Record::User(user)) => Some(user.updated_at),
                    (TimeField::Created, Record::Group(group)) => Some(group.created_at),
                    (TimeField::Updated, Record::Group(group)) => Some(group.updated_at),
                    _ => None,
                };
                time.is_some_and(|time| compare_time(time, *op, *when))
            }
            (Condition::Field(field, words), record) => {
                let texts: Vec<String> = match (field, record) {
                    (TextField::Subject, Record::Ticket(ticket)) => vec![ticket.subject.clone()],
                    (TextField::Description, Record::Ticket(ticket)) => vec![ticket.description.clone()],
                    (TextField::Comment, Record::Ticket(ticket)) => {
                        self.store.comments_of(ticket.id).into_iter().map(|comment| comment.body.clone()).collect()
                    }
                    (TextField::Name, Record::User(user)) => vec![user.name.clone()],
                    (TextField::Name, Record::Group(group)) => vec![group.name.clone()],
                    _ => return false,
                };
                texts.iter().any(|text| contains_run(&text::words(text), words))
            }
            (Condition::Email(email), Record::User(user)) => {
                user.email.eq_ignore_ascii_case(email)
                    || (email.ends_with('*') && user.email.starts_with(email.trim_end_matches('*')))
            }
            (Condition::UserRole(role), Record::User(user)) => *role == Some(user.role),
            _ => false,
        }
    }
}

/// Whether the words of a query name `name` (each a prefix of one of its
/// words, in order).
fn names_match(name: &str, words: &[String]) -> bool {
    !words.is_empty() && contains_run(&text::words(name), words)
}

/// Compares a time with a bound: a day is a whole day (`>` after it, `<`
/// before it, `:` on it), an instant is exact.
fn compare_time(time: i64, op: Op, when: When) -> bool {
    match when {
        When::Instant(instant) => op.holds(time, instant),
        When::Day(start) => {
            let end = start + DAY;
            match op {
                Op::Eq => (start..end).contains(&time),
                Op::Lt => time < start,
                Op::Le => time < end,
                Op::Gt => time >= end,
                Op::Ge => time >= start,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_quotes_negation_and_operators() {
        assert_eq!(
            tokenize(r#"type:ticket -status:closed group:"IT Operations" "vpn drops" status<=pending -vpn"#),
            [
                Token::Pair {
                    negated: false,
                    key: "type".into(),
                    op: Op::Eq,
                    value: "ticket".into(),
                    raw: "type:ticket".into()
                },
                Token::Pair {
                    negated: true,
                    key: "status".into(),
                    op: Op::Eq,
                    value: "closed".into(),
                    raw: "status:closed".into()
                },
                Token::Pair {
                    negated: false,
                    key: "group".into(),
                    op: Op::Eq,
                    value: "IT Operations".into(),
                    raw: "group:\"IT Operations\"".into()
                },
                Token::Phrase { negated: false, text: "vpn drops".into() },
                Token::Pair {
                    negated: false,
                    key: "status".into(),
                    op: Op::Le,
                    value: "pending".into(),
                    raw: "status<=pending".into()
                },
                Token::Word { negated: true, text: "vpn".into() },
            ]
        );
        assert_eq!(tokenize("  "), []);
        assert_eq!(
            tokenize("- \"unclosed"),
            [
                Token::Word { negated: false, text: "-".into() },
                Token::Phrase { negated: false, text: "unclosed".into() }
            ]
        );
    }

    #[test]
    fn times_are_dates_timestamps_or_relative() {
        let now = clock::parse_timestamp("2026-11-27T10:00:00Z").unwrap();
        assert_eq!(when("2026-11-01", now), clock::parse_date("2026-11-01").map(When::Day));
        assert_eq!(when("3hours", now), Some(When::Instant(now - 3 * HOUR)));
        assert_eq!(when("1day", now), Some(When::Instant(now - DAY)));
        assert_eq!(when("2weeks", now), Some(When::Instant(now - 14 * DAY)));
        assert_eq!(when("soon", now), None);
        assert_eq!(when("3fortnights", now), None);
        let day = clock::parse_date("2026-11-01").unwrap();
        assert!(compare_time(day + HOUR, Op::Eq, When::Day(day)));
        assert!(!compare_time(day + HOUR, Op::Gt, When::Day(day)));
        assert!(compare_time(day + DAY, Op::Gt, When::Day(day)));
        assert!(compare_time(day - 1, Op::Lt, When::Day(day)));
    }

    #[test]
    fn words_match_prefixes_and_phrases_in_a_row() {
        let haystack = text::words("The VPN keeps dropping on Wi-Fi");
        let words = |text: &str| text::words(text);
        assert!(contains_run(&haystack, &words("vpn")));
        assert!(contains_run(&haystack, &words("drop")));
        assert!(!contains_run(&haystack, &words("ropping")));
        assert!(contains_run(&haystack, &words("keeps dropping")));
        assert!(!contains_run(&haystack, &words("dropping keeps")));
        assert!(contains_run(&haystack, &words("wi-fi")));
    }

    #[test]
    fn inline_sorting_and_unknown_keys() {
        let query = Query::parse("order_by:created sort:asc http://intranet", 0);
        assert_eq!((query.order_by.as_deref(), query.descending), (Some("created"), Some(false)));
        assert_eq!(query.terms.len(), 1, "an unknown key is a word: {query:?}");
        assert_eq!(query.kinds().len(), 4);
        assert_eq!(Query::parse("type:user -type:ticket", 0).kinds(), [Kind::User]);
    }
}
