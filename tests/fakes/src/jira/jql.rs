//! JQL's syntax: a parser from [`super::lexer`]'s tokens to a [`Query`].
//!
//! ```text
//! query    := [or] [ORDER BY sort {, sort}]
//! or       := and {OR and}                     (also ||)
//! and      := not {AND not}                    (also &&)
//! not      := NOT not | ( or ) | term          (also !)
//! term     := field operator operand
//! operator := = | != | < | <= | > | >= | ~ | !~ | IN | NOT IN | IS | IS NOT
//! operand  := value | ( value {, value} ) | EMPTY | NULL
//! value    := word | "string" | function( [arg {, arg}] )
//! sort     := field [ASC | DESC]
//! ```
//!
//! Keywords are case-insensitive. What the fields and values mean is
//! [`super::search`]'s business; this module only knows the shape, and
//! words its errors as Jira does ("Error in the JQL Query: Expecting
//! operator but got 'x'. … (line 1, character 9)").

use super::lexer::{self, LexError, Op, Position, Spanned, Token};

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The restriction, if any (a query without one is unbounded).
    pub clause: Option<Clause>,
    /// `ORDER BY`, in order.
    pub order: Vec<Sort>,
}

/// A boolean combination of terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// All must hold.
    And(Vec<Clause>),
    /// One must hold.
    Or(Vec<Clause>),
    /// Must not hold.
    Not(Box<Clause>),
    /// A comparison.
    Term(Term),
}

/// `field operator operand`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The field as written.
    pub field: String,
    /// The operator.
    pub operator: Operator,
    /// The operand.
    pub operand: Operand,
}

/// A term's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// A comparison.
    Compare(Op),
    /// `IN`
    In,
    /// `NOT IN`
    NotIn,
    /// `IS`
    Is,
    /// `IS NOT`
    IsNot,
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Compare(op) => write!(f, "{op}"),
            Self::In => f.write_str("in"),
            Self::NotIn => f.write_str("not in"),
            Self::Is => f.write_str("is"),
            Self::IsNot => f.write_str("is not"),
        }
    }
}

/// A single value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A word or a quoted string.
    Literal(String),
    /// A function call such as `currentUser()`.
    Function(String, Vec<String>),
    /// `EMPTY` or `NULL`.
    Empty,
}

/// What a term compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// One value.
    Single(Value),
    /// A parenthesised list.
    List(Vec<Value>),
}

/// One `ORDER BY` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The field as written.
    pub field: String,
    /// `DESC`.
    pub descending: bool,
}

/// What the valid operators are, as Jira lists them.
const OPERATORS: &str =
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.";

/// Why a query does not parse. Displays as Jira words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The tokens are bad.
    #[error("Error in the JQL Query: {0}")]
    Lex(#[from] LexError),
    /// A field name was expected.
    #[error("Error in the JQL Query: Expecting a field name but got '{got}'. {at}")]
    ExpectedField {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// The query ended where a field name was expected.
    #[error("Error in the JQL Query: Expecting a field name before the end of the query.")]
    FieldAtEnd,
    /// An operator was expected.
    #[error("Error in the JQL Query: Expecting operator but got '{got}'. {OPERATORS} {at}")]
    ExpectedOperator {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// The query ended where an operator was expected.
    #[error("Error in the JQL Query: Expecting operator before the end of the query. {OPERATORS}")]
    OperatorAtEnd,
    /// A value was expected.
    #[error(
        "Error in the JQL Query: Expecting either a value, list or function but got '{got}'. You must surround '{got}' in quotation marks to use it as a value. {at}"
    )]
    ExpectedValue {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// The query ended where a value was expected.
    #[error("Error in the JQL Query: Expecting either a value, list or function before the end of the query.")]
    ValueAtEnd,
    /// `AND` or `OR` was expected after a complete term.
    #[error("Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{got}'. {at}")]
    ExpectedLogical {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// A `)` was expected.
    #[error("Error in the JQL Query: Expecting ')' but got '{got}'. {at}")]
    ExpectedClose {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// The query ended inside parentheses.
    #[error("Error in the JQL Query: Expecting ')' before the end of the query.")]
    CloseAtEnd,
    /// Something other than `,` after an `ORDER BY` key.
    #[error("Error in the JQL Query: Expecting ',' but got '{got}'. {at}")]
    ExpectedComma {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// `ORDER` without `BY`.
    #[error("Error in the JQL Query: Expecting 'BY' but got '{got}'. {at}")]
    ExpectedBy {
        /// What came instead.
        got: String,
        /// Where.
        at: Position,
    },
    /// Parentheses or `NOT`s nested deeper than anyone writes them.
    #[error("Error in the JQL Query: The query is nested too deeply.")]
    TooDeep,
    /// An operator this fake does not implement (`WAS`, `CHANGED`).
    #[error("Error in the JQL Query: The history operator '{0}' is not supported by this fake Jira.")]
    Unsupported(String),
}

/// Parses `text`.
pub fn parse(text: &str) -> Result<Query, ParseError> {
    let tokens = lexer::tokenize(text)?;
    let mut parser = Parser { tokens, next: 0, depth: 0 };
    let clause = if parser.at_end() || parser.keyword("ORDER") { None } else { Some(parser.or()?) };
    let mut order = Vec::new();
    if let Some(spanned) = parser.peek().cloned() {
        if !is_keyword(&spanned.token, "ORDER") {
            return Err(ParseError::ExpectedLogical { got: spanned.token.to_string(), at: spanned.at });
        }
        parser.next += 1;
        match parser.peek().cloned() {
            Some(by) if is_keyword(&by.token, "BY") => parser.next += 1,
            Some(other) => return Err(ParseError::ExpectedBy { got: other.token.to_string(), at: other.at }),
            None => return Err(ParseError::FieldAtEnd),
        }
        loop {
            let field = parser.field()?;
            let descending = if parser.keyword("DESC") {
                parser.next += 1;
                true
            } else {
                if parser.keyword("ASC") {
                    parser.next += 1;
                }
                false
            };
            order.push(Sort { field, descending });
            match parser.peek() {
                None => break,
                Some(Spanned { token: Token::Comma, .. }) => parser.next += 1,
                Some(other) => return Err(ParseError::ExpectedComma { got: other.token.to_string(), at: other.at }),
            }
        }
    }
    Ok(Query { clause, order })
}

/// Words that cannot be field names or unquoted values.
const RESERVED_WORDS: &[&str] =
    &["AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC", "WAS", "CHANGED"];

fn is_keyword(token: &Token, keyword: &str) -> bool {
    matches!(token, Token::Word(word) if word.eq_ignore_ascii_case(keyword))
        || (keyword == "AND" && matches!(token, Token::Word(word) if word == "&&"))
        || (keyword == "OR" && matches!(token, Token::Word(word) if word == "||"))
}

fn is_reserved(token: &Token) -> bool {
    RESERVED_WORDS.iter().any(|keyword| is_keyword(token, keyword))
}

/// How deeply parentheses and `NOT`s may nest.
const MAX_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<Spanned>,
    next: usize,
    /// Current nesting of parentheses and `NOT`s.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Spanned> {
        self.tokens.get(self.next)
    }

    fn at_end(&self) -> bool {
        self.next >= self.tokens.len()
    }

    fn keyword(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|spanned| is_keyword(&spanned.token, keyword))
    }

    fn or(&mut self) -> Result<Clause, ParseError> {
        let mut alternatives = vec![self.and()?];
        while self.keyword("OR") {
            self.next += 1;
            alternatives.push(self.and()?);
        }
        Ok(if alternatives.len() == 1 { alternatives.remove(0) } else { Clause::Or(alternatives) })
    }

    fn and(&mut self) -> Result<Clause, ParseError> {
        let mut all = vec![self.not()?];
        while self.keyword("AND") {
            self.next += 1;
            all.push(self.not()?);
        }
        Ok(if all.len() == 1 { all.remove(0) } else { Clause::And(all) })
    }

    fn not(&mut self) -> Result<Clause, ParseError> {
        self.depth += 1;
        let clause = self.nested();
        self.depth -= 1;
        clause
    }

    fn nested(&mut self) -> Result<Clause, ParseError> {
        if self.depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        if self.keyword("NOT") {
            self.next += 1;
            return Ok(Clause::Not(Box::new(self.not()?)));
        }
        match self.peek() {
            Some(Spanned { token: Token::Open, .. }) => {
                self.next += 1;
                let inner = self.or()?;
                match self.peek() {
                    Some(Spanned { token: Token::Close, .. }) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    Some(other) => Err(ParseError::ExpectedClose { got: other.token.to_string(), at: other.at }),
                    None => Err(ParseError::CloseAtEnd),
                }
            }
            _ => self.term().map(Clause::Term),
        }
    }

    fn field(&mut self) -> Result<String, ParseError> {
        let Some(spanned) = self.peek().cloned() else { return Err(ParseError::FieldAtEnd) };
        match spanned.token {
            Token::Word(ref word) if !is_reserved(&spanned.token) => {
                self.next += 1;
                Ok(word.clone())
            }
            Token::Quoted(text) => {
                self.next += 1;
                Ok(text)
            }
            other => Err(ParseError::ExpectedField { got: other.to_string(), at: spanned.at }),
        }
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        let field = self.field()?;
        let operator = self.operator()?;
        let operand = match self.peek() {
            Some(Spanned { token: Token::Open, .. }) => {
                self.next += 1;
                let mut values = vec![self.value()?];
                loop {
                    match self.peek().cloned() {
                        Some(Spanned { token: Token::Comma, .. }) => {
                            self.next += 1;
                            values.push(self.value()?);
                        }
                        Some(Spanned { token: Token::Close, .. }) => {
                            self.next += 1;
                            break;
                        }
                        Some(other) => {
                            return Err(ParseError::ExpectedClose { got: other.token.to_string(), at: other.at });
                        }
                        None => return Err(ParseError::CloseAtEnd),
                    }
                }
                Operand::List(values)
            }
            _ => Operand::Single(self.value()?),
        };
        Ok(Term { field, operator, operand })
    }

    fn operator(&mut self) -> Result<Operator, ParseError> {
        let Some(spanned) = self.peek().cloned() else { return Err(ParseError::OperatorAtEnd) };
        self.next += 1;
        let operator = match &spanned.token {
            Token::Op(op) => Operator::Compare(*op),
            token if is_keyword(token, "IN") => Operator::In,
            token if is_keyword(token, "IS") => {
                if self.keyword("NOT") {
                    self.next += 1;
                    Operator::IsNot
                } else {
                    Operator::Is
                }
            }
            token if is_keyword(token, "NOT") && self.keyword("IN") => {
                self.next += 1;
                Operator::NotIn
            }
            token if is_keyword(token, "WAS") || is_keyword(token, "CHANGED") => {
                return Err(ParseError::Unsupported(token.to_string().to_uppercase()));
            }
            other => return Err(ParseError::ExpectedOperator { got: other.to_string(), at: spanned.at }),
        };
        Ok(operator)
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        let Some(spanned) = self.peek().cloned() else { return Err(ParseError::ValueAtEnd) };
        match spanned.token {
            ref token if is_keyword(token, "EMPTY") || is_keyword(token, "NULL") => {
                self.next += 1;
                Ok(Value::Empty)
            }
            Token::Word(ref word) if !is_reserved(&spanned.token) => {
                self.next += 1;
                if !matches!(self.peek(), Some(Spanned { token: Token::Open, .. })) {
                    return Ok(Value::Literal(word.clone()));
                }
                self.next += 1;
                let mut arguments = Vec::new();
                loop {
                    let Some(next) = self.peek().cloned() else { return Err(ParseError::CloseAtEnd) };
                    self.next += 1;
                    match next.token {
                        Token::Close => break,
                        Token::Comma if !arguments.is_empty() => {}
                        Token::Word(argument) | Token::Quoted(argument) => arguments.push(argument),
                        other => return Err(ParseError::ExpectedClose { got: other.to_string(), at: next.at }),
                    }
                }
                Ok(Value::Function(word.clone(), arguments))
            }
            Token::Quoted(text) => {
                self.next += 1;
                Ok(Value::Literal(text))
            }
            other => Err(ParseError::ExpectedValue { got: other.to_string(), at: spanned.at }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(field: &str, operator: Operator, operand: Operand) -> Clause {
        Clause::Term(Term { field: field.to_owned(), operator, operand })
    }

    fn literal(text: &str) -> Operand {
        Operand::Single(Value::Literal(text.to_owned()))
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let query = parse("project = OPS AND status = Done OR priority = High").unwrap();
        assert_eq!(
            query.clause,
            Some(Clause::Or(vec![
                Clause::And(vec![
                    term("project", Operator::Compare(Op::Eq), literal("OPS")),
                    term("status", Operator::Compare(Op::Eq), literal("Done")),
                ]),
                term("priority", Operator::Compare(Op::Eq), literal("High")),
            ]))
        );
        let query = parse("project = OPS and (status = Done or not priority = High)").unwrap();
        assert_eq!(
            query.clause,
            Some(Clause::And(vec![
                term("project", Operator::Compare(Op::Eq), literal("OPS")),
                Clause::Or(vec![
                    term("status", Operator::Compare(Op::Eq), literal("Done")),
                    Clause::Not(Box::new(term("priority", Operator::Compare(Op::Eq), literal("High")))),
                ]),
            ]))
        );
    }

    #[test]
    fn operators_operands_and_order() {
        let query = parse(
            "assignee = currentUser() AND status NOT IN (Done, \"In Review\") AND labels IS NOT EMPTY \
             AND assignee is empty ORDER BY priority DESC, key",
        )
        .unwrap();
        let Some(Clause::And(terms)) = query.clause else { panic!("and") };
        assert_eq!(
            terms[0],
            term("assignee", Operator::Compare(Op::Eq), Operand::Single(Value::Function("currentUser".into(), vec![])))
        );
        assert_eq!(
            terms[1],
            term(
                "status",
                Operator::NotIn,
                Operand::List(vec![Value::Literal("Done".into()), Value::Literal("In Review".into())])
            )
        );
        assert_eq!(terms[2], term("labels", Operator::IsNot, Operand::Single(Value::Empty)));
        assert_eq!(terms[3], term("assignee", Operator::Is, Operand::Single(Value::Empty)));
        assert_eq!(
            query.order,
            [Sort { field: "priority".into(), descending: true }, Sort { field: "key".into(), descending: false }]
        );
        let only_order = parse("order by key desc").unwrap();
        assert_eq!((only_order.clause, only_order.order.len()), (None, 1));
        assert_eq!(parse("").unwrap(), Query { clause: None, order: vec![] });
    }

    #[test]
    fn errors_read_like_jiras() {
        let error = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            error("invalid query"),
            "Error in the JQL Query: Expecting operator but got 'query'. The valid operators are '=', '!=', '<', '>', \
             '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)"
        );
        assert_eq!(
            error("project = OPS status = Done"),
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 15)"
        );
        assert_eq!(
            error("project = "),
            "Error in the JQL Query: Expecting either a value, list or function before the end of the query."
        );
        assert_eq!(error("(project = OPS"), "Error in the JQL Query: Expecting ')' before the end of the query.");
        assert!(
            error("project = AND")
                .starts_with("Error in the JQL Query: Expecting either a value, list or function but got 'AND'.")
        );
        assert!(error("project = OPS ORDER key").starts_with("Error in the JQL Query: Expecting 'BY' but got 'key'."));
        assert!(error("AND = x").starts_with("Error in the JQL Query: Expecting a field name but got 'AND'."));
        assert!(
            error("summary ~ \"x").starts_with("Error in the JQL Query: The quoted string 'x' has not been completed.")
        );
        assert!(error("status WAS Done").contains("not supported"));
        assert!(error("status IN (Done").contains("Expecting ')'"));
        assert_eq!(
            error(&format!("{}a = b", "(".repeat(10_000))),
            "Error in the JQL Query: The query is nested too deeply."
        );
        assert_eq!(
            error(&format!("{}a = b", "NOT ".repeat(10_000))),
            "Error in the JQL Query: The query is nested too deeply."
        );
        assert!(parse(&format!("{}a = b{}", "(".repeat(60), ")".repeat(60))).is_ok());
    }
}
