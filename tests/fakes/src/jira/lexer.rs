//! JQL's tokens: words (field names, keywords, unquoted values such as
//! `OPS`, `-7d` or an account id), quoted strings (`"…"` or `'…'`, with
//! backslash escapes), parentheses, commas and operators.
//!
//! As in Jira, some characters are reserved outside quotes (a value such as
//! an email address has to be quoted), and errors name the line and
//! character where they are found.

use std::fmt;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `~` (contains)
    Like,
    /// `!~` (does not contain)
    NotLike,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eq => "=",
            Self::NotEq => "!=",
            Self::Lt => "<",
            Self::LtEq => "<=",
            Self::Gt => ">",
            Self::GtEq => ">=",
            Self::Like => "~",
            Self::NotLike => "!~",
        })
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An unquoted word.
    Word(String),
    /// A quoted string, unescaped.
    Quoted(String),
    /// `(`
    Open,
    /// `)`
    Close,
    /// `,`
    Comma,
    /// An operator.
    Op(Op),
}

impl fmt::Display for Token {
    /// As Jira quotes tokens in its messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Word(word) => f.write_str(word),
            Self::Quoted(text) => write!(f, "{text}"),
            Self::Open => f.write_str("("),
            Self::Close => f.write_str(")"),
            Self::Comma => f.write_str(","),
            Self::Op(op) => write!(f, "{op}"),
        }
    }
}

/// Where a token starts: line and character, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The line.
    pub line: usize,
    /// The character within the line.
    pub character: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(line {}, character {})", self.line, self.character)
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    /// The token.
    pub token: Token,
    /// Where it starts.
    pub at: Position,
}

/// Why a query cannot be split into tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexError {
    /// A quoted string runs to the end of the query.
    #[error("The quoted string '{text}' has not been completed. {at}")]
    Unterminated {
        /// The string so far.
        text: String,
        /// Where it starts.
        at: Position,
    },
    /// A reserved character outside quotes.
    #[error(
        "The character '{character}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u{code:04x}' instead. {at}"
    )]
    Reserved {
        /// The character.
        character: char,
        /// Its code point.
        code: u32,
        /// Where it is.
        at: Position,
    },
    /// A backslash escape that is not one.
    #[error("The escape sequence '{sequence}' is illegal. {at}")]
    IllegalEscape {
        /// The sequence.
        sequence: String,
        /// Where it is.
        at: Position,
    },
    /// `!` not followed by `=` or `~`.
    #[error("The character '!' must be followed by '=' or '~'. {at}")]
    LoneBang {
        /// Where it is.
        at: Position,
    },
}

/// Characters that must be quoted (or escaped) in a value.
const RESERVED: &[char] = &['+', '.', ';', '?', '|', '*', '/', '%', '^', '$', '#', '@', '[', ']', '{', '}', '&'];

/// Splits `text` into tokens.
pub fn tokenize(text: &str) -> Result<Vec<Spanned>, LexError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    let mut at = Position { line: 1, character: 1 };
    let advance = |c: char, at: &mut Position| {
        if c == '\n' {
            at.line += 1;
            at.character = 1;
        } else {
            at.character += 1;
        }
    };
    while let Some(&c) = chars.peek() {
        let start = at;
        if c.is_whitespace() {
            chars.next();
            advance(c, &mut at);
            continue;
        }
        let single = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            ',' => Some(Token::Comma),
            '=' => Some(Token::Op(Op::Eq)),
            '~' => Some(Token::Op(Op::Like)),
            _ => None,
        };
        if let Some(token) = single {
            chars.next();
            advance(c, &mut at);
            tokens.push(Spanned { token, at: start });
            continue;
        }
        match c {
            '<' | '>' | '!' => {
                chars.next();
                advance(c, &mut at);
                let next = chars.peek().copied();
                let op = match (c, next) {
                    ('<', Some('=')) => Some(Op::LtEq),
                    ('>', Some('=')) => Some(Op::GtEq),
                    ('!', Some('=')) => Some(Op::NotEq),
                    ('!', Some('~')) => Some(Op::NotLike),
                    _ => None,
                };
                let op = match op {
                    Some(op) => {
                        if let Some(next) = chars.next() {
                            advance(next, &mut at);
                        }
                        op
                    }
                    None if c == '<' => Op::Lt,
                    None if c == '>' => Op::Gt,
                    None => return Err(LexError::LoneBang { at: start }),
                };
                tokens.push(Spanned { token: Token::Op(op), at: start });
            }
            '"' | '\'' => {
                chars.next();
                advance(c, &mut at);
                let mut text = String::new();
                let mut closed = false;
                while let Some(next) = chars.next() {
                    let escape_at = at;
                    advance(next, &mut at);
                    if next == c {
                        closed = true;
                        break;
                    }
                    if next != '\\' {
                        text.push(next);
                        continue;
                    }
                    let Some(escaped) = chars.next() else { break };
                    advance(escaped, &mut at);
                    match escaped {
                        '"' | '\'' | '\\' | ' ' => text.push(escaped),
                        'n' => text.push('\n'),
                        't' => text.push('\t'),
                        'r' => text.push('\r'),
                        'u' => {
                            let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                            hex.chars().for_each(|digit| advance(digit, &mut at));
                            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                Some(decoded) if hex.len() == 4 => text.push(decoded),
                                _ => {
                                    return Err(LexError::IllegalEscape {
                                        sequence: format!("\\u{hex}"),
                                        at: escape_at,
                                    });
                                }
                            }
                        }
                        other => return Err(LexError::IllegalEscape { sequence: format!("\\{other}"), at: escape_at }),
                    }
                }
                if !closed {
                    return Err(LexError::Unterminated { text, at: start });
                }
                tokens.push(Spanned { token: Token::Quoted(text), at: start });
            }
            _ => {
                let mut word = String::new();
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || "(),=~<>!\"'".contains(next) {
                        break;
                    }
                    if RESERVED.contains(&next) {
                        return Err(LexError::Reserved { character: next, code: u32::from(next), at });
                    }
                    word.push(next);
                    chars.next();
                    advance(next, &mut at);
                }
                tokens.push(Spanned { token: Token::Word(word), at: start });
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        tokenize(text).unwrap().into_iter().map(|spanned| spanned.token).collect()
    }

    #[test]
    fn splits_queries() {
        assert_eq!(
            tokens("project=OPS AND status IN (\"In Progress\", 'To Do') ORDER BY updated DESC"),
            [
                Token::Word("project".into()),
                Token::Op(Op::Eq),
                Token::Word("OPS".into()),
                Token::Word("AND".into()),
                Token::Word("status".into()),
                Token::Word("IN".into()),
                Token::Open,
                Token::Quoted("In Progress".into()),
                Token::Comma,
                Token::Quoted("To Do".into()),
                Token::Close,
                Token::Word("ORDER".into()),
                Token::Word("BY".into()),
                Token::Word("updated".into()),
                Token::Word("DESC".into()),
            ]
        );
        assert_eq!(
            tokens("updated>=-7d AND a!=b AND c!~d AND e<=f AND g<h"),
            [
                Token::Word("updated".into()),
                Token::Op(Op::GtEq),
                Token::Word("-7d".into()),
                Token::Word("AND".into()),
                Token::Word("a".into()),
                Token::Op(Op::NotEq),
                Token::Word("b".into()),
                Token::Word("AND".into()),
                Token::Word("c".into()),
                Token::Op(Op::NotLike),
                Token::Word("d".into()),
                Token::Word("AND".into()),
                Token::Word("e".into()),
                Token::Op(Op::LtEq),
                Token::Word("f".into()),
                Token::Word("AND".into()),
                Token::Word("g".into()),
                Token::Op(Op::Lt),
                Token::Word("h".into()),
            ]
        );
        assert_eq!(tokens(r#"text ~ "say \"hi\" \u0041""#)[2], Token::Quoted("say \"hi\" A".into()));
        assert_eq!(tokens("assignee = 712020:8c1f-4e2a")[2], Token::Word("712020:8c1f-4e2a".into()));
        assert_eq!(tokenize("a\n = b").unwrap()[1].at, Position { line: 2, character: 2 });
    }

    #[test]
    fn reports_where_it_fails() {
        assert_eq!(
            tokenize("summary ~ \"open").unwrap_err().to_string(),
            "The quoted string 'open' has not been completed. (line 1, character 11)"
        );
        assert_eq!(
            tokenize("assignee = mia@example.com").unwrap_err().to_string(),
            "The character '@' is a reserved JQL character. You must enclose it in a string or use the escape '\\u0040' instead. (line 1, character 15)"
        );
        assert!(matches!(tokenize("a ! b"), Err(LexError::LoneBang { .. })));
        assert!(matches!(tokenize(r#""\q""#), Err(LexError::IllegalEscape { .. })));
        assert!(matches!(tokenize(r#""\u12""#), Err(LexError::IllegalEscape { .. })));
    }
}
