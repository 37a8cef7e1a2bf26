//! Text → [`Query`]. A hand-written recursive-descent parser: the grammar is small and the
//! errors must name the column and what was expected, in words a community manager follows.
//!
//! ```text
//! query   = or
//! or      = and { "OR" and }
//! and     = unary { ["AND"] unary }          juxtaposition means AND
//! unary   = "NOT" unary | near
//! near    = primary { ("NEAR/n" | "ONEAR/n") primary }
//! primary = "(" or ")" | phrase | exact | field | word
//! ```

use std::fmt;

use crate::text::{is_word_char, tokenize};
use crate::{Expr, Field, Leaf, Query};

/// What went wrong, and where (a character offset into the query, from 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {}: {kind}", .position + 1)]
pub struct ParseError {
    pub position: usize,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    Empty,
    /// A word, phrase or group was expected (after the named operator, if any).
    ExpectedOperand {
        after: Option<String>,
    },
    UnclosedParenthesis {
        opened_at: usize,
    },
    UnexpectedCloseParenthesis,
    UnclosedQuote,
    UnclosedBrace,
    UnexpectedCloseBrace,
    EmptyPhrase,
    /// Punctuation only, no word to look for.
    NoWord,
    BadWildcard,
    NearDistance,
    NearOperand,
    UnknownField(String),
    BadFieldValue {
        field: &'static str,
        expected: &'static str,
    },
    OnlyExclusions,
    LowercaseOperator(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("the query is empty; type the words to look for"),
            ErrorKind::ExpectedOperand { after: Some(op) } => write!(f, "expected a word, a \"phrase\" or a ( group ) after {op}"),
            ErrorKind::ExpectedOperand { after: None } => f.write_str("expected a word, a \"phrase\" or a ( group ) here"),
            ErrorKind::UnclosedParenthesis { opened_at } => write!(f, "the parenthesis opened at column {} is never closed", opened_at + 1),
            ErrorKind::UnexpectedCloseParenthesis => f.write_str("this ) closes nothing"),
            ErrorKind::UnclosedQuote => f.write_str("this \" opens a phrase that is never closed"),
            ErrorKind::UnclosedBrace => f.write_str("this { opens an exact-case term that is never closed with }"),
            ErrorKind::UnexpectedCloseBrace => f.write_str("this } closes nothing: exact-case terms are written {Like This}"),
            ErrorKind::EmptyPhrase => f.write_str("this phrase has no words"),
            ErrorKind::NoWord => f.write_str("this has no letters or digits to look for"),
            ErrorKind::BadWildcard => f.write_str("a wildcard goes at the end of a word with at least two letters before it, like complain*"),
            ErrorKind::NearDistance => f.write_str("NEAR and ONEAR need a distance in words, like NEAR/5"),
            ErrorKind::NearOperand => f.write_str("NEAR and ONEAR join words, \"phrases\", wildcards or ( … OR … ) groups of them"),
            ErrorKind::UnknownField(name) => write!(f, "unknown field {name}: (fields are author:, site:, lang:, source:, title:)"),
            ErrorKind::BadFieldValue { field, expected } => write!(f, "{field}: takes {expected}"),
            ErrorKind::OnlyExclusions => f.write_str("a query cannot only exclude: add what to look for before NOT"),
            ErrorKind::LowercaseOperator(word) => write!(f, "{word} looks like an operator: operators are written in capitals ({})", word.to_uppercase()),
        }
    }
}

pub const SOURCES: &[&str] = &[
    "feed",
    "mastodon",
    "bluesky",
    "reddit",
    "hackernews",
    "imap",
    "webhook",
    "import",
    "demo",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Phrase(String),
    Exact(String),
    Word(String),
    And,
    Or,
    Not,
    Near { distance: u32, ordered: bool },
}

fn err(position: usize, kind: ErrorKind) -> ParseError {
    ParseError { position, kind }
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((start, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((start, Tok::Close));
                i += 1;
            }
            '"' | '“' | '”' | '«' | '»' => {
                let closing = |d: char| matches!(d, '"' | '“' | '”' | '«' | '»');
                let end = (i + 1..chars.len())
                    .find(|&j| closing(chars[j]))
                    .ok_or_else(|| err(start, ErrorKind::UnclosedQuote))?;
                out.push((start, Tok::Phrase(chars[i + 1..end].iter().collect())));
                i = end + 1;
            }
            '}' => return Err(err(start, ErrorKind::UnexpectedCloseBrace)),
            '{' => {
                let end = (i + 1..chars.len())
                    .find(|&j| chars[j] == '}')
                    .ok_or_else(|| err(start, ErrorKind::UnclosedBrace))?;
                out.push((start, Tok::Exact(chars[i + 1..end].iter().collect())));
                i = end + 1;
            }
            _ => {
                let mut j = i;
                while j < chars.len()
                    && !chars[j].is_whitespace()
                    && !matches!(
                        chars[j],
                        '(' | ')' | '"' | '“' | '”' | '«' | '»' | '{' | '}'
                    )
                {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let tok = match word.as_str() {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    w if w.starts_with("NEAR/")
                        || w.starts_with("ONEAR/")
                        || w == "NEAR"
                        || w == "ONEAR" =>
                    {
                        let ordered = w.starts_with('O');
                        let distance = w
                            .split_once('/')
                            .and_then(|(_, n)| n.parse::<u32>().ok())
                            .filter(|n| (1..=100).contains(n));
                        Tok::Near {
                            distance: distance
                                .ok_or_else(|| err(start, ErrorKind::NearDistance))?,
                            ordered,
                        }
                    }
                    _ => Tok::Word(word),
                };
                out.push((start, tok));
                i = j;
            }
        }
    }
    Ok(out)
}

/// One folded word per position (a hashtag keeps its `#`).
fn folded_words(text: &str) -> Vec<String> {
    let mut words: Vec<(u32, String)> = Vec::new();
    for token in tokenize(text, 0) {
        if words.last().is_none_or(|(p, _)| *p != token.position) {
            words.push((token.position, token.folded));
        }
    }
    words.into_iter().map(|(_, w)| w).collect()
}

fn word_leaf(word: &str, at: usize) -> Result<Leaf, ParseError> {
    if let Some(stem) = word.strip_suffix('*') {
        let body = stem.trim_start_matches(['#', '@']);
        if body.chars().count() < 2
            || !body.chars().all(is_word_char)
            || stem.len() - body.len() > 1
        {
            return Err(err(at, ErrorKind::BadWildcard));
        }
        return Ok(Leaf::Prefix(crate::fold(stem)));
    }
    if word.contains('*') {
        return Err(err(
            at + word.chars().position(|c| c == '*').unwrap_or(0),
            ErrorKind::BadWildcard,
        ));
    }
    match folded_words(word).as_slice() {
        [] => Err(err(at, ErrorKind::NoWord)),
        [one] => Ok(Leaf::Word(one.clone())),
        many => Ok(Leaf::Phrase(many.to_vec())),
    }
}

fn phrase_leaf(text: &str, at: usize) -> Result<Leaf, ParseError> {
    match folded_words(text).as_slice() {
        [] => Err(err(at, ErrorKind::EmptyPhrase)),
        [one] => Ok(Leaf::Word(one.clone())),
        many => Ok(Leaf::Phrase(many.to_vec())),
    }
}

fn exact_leaf(text: &str, at: usize) -> Result<Leaf, ParseError> {
    let mut words: Vec<(u32, String)> = Vec::new();
    for token in tokenize(text, 0) {
        if words.last().is_none_or(|(p, _)| *p != token.position) {
            words.push((token.position, token.raw));
        }
    }
    if words.is_empty() {
        return Err(err(at, ErrorKind::EmptyPhrase));
    }
    Ok(Leaf::Exact(words.into_iter().map(|(_, w)| w).collect()))
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.toks.get(self.i).map(|(p, _)| *p).unwrap_or(self.end)
    }

    fn starts_operand(&self) -> bool {
        matches!(
            self.peek(),
            Some(Tok::Open | Tok::Phrase(_) | Tok::Exact(_) | Tok::Word(_) | Tok::Not)
        )
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(None)?];
        while self.peek() == Some(&Tok::Or) {
            self.i += 1;
            items.push(self.and(Some("OR"))?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary(after)?];
        loop {
            if self.peek() == Some(&Tok::And) {
                self.i += 1;
                items.push(self.unary(Some("AND"))?);
            } else if self.starts_operand() {
                items.push(self.unary(None)?);
            } else {
                break;
            }
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        if self.peek() == Some(&Tok::Not) {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary(Some("NOT"))?)));
        }
        self.near(after)
    }

    fn near(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        let first_at = self.position();
        let first = self.primary(after)?;
        let mut pairs = Vec::new();
        let mut left = (first_at, first.clone());
        while let Some(Tok::Near { distance, ordered }) = self.peek().cloned() {
            let op = if ordered {
                format!("ONEAR/{distance}")
            } else {
                format!("NEAR/{distance}")
            };
            self.i += 1;
            let right_at = self.position();
            let right = self.primary(Some(&op))?;
            pairs.push(Expr::Near {
                left: positional(&left.1).ok_or_else(|| err(left.0, ErrorKind::NearOperand))?,
                right: positional(&right).ok_or_else(|| err(right_at, ErrorKind::NearOperand))?,
                distance,
                ordered,
            });
            left = (right_at, right);
        }
        Ok(match pairs.len() {
            0 => first,
            1 => pairs.remove(0),
            _ => Expr::And(pairs),
        })
    }

    fn primary(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        let at = self.position();
        let expected = || {
            err(
                at,
                ErrorKind::ExpectedOperand {
                    after: after.map(str::to_owned),
                },
            )
        };
        let Some(tok) = self.peek().cloned() else {
            return Err(if self.toks.is_empty() {
                err(0, ErrorKind::Empty)
            } else {
                expected()
            });
        };
        self.i += 1;
        match tok {
            Tok::Open => {
                if self.peek() == Some(&Tok::Close) {
                    return Err(err(
                        self.position(),
                        ErrorKind::ExpectedOperand {
                            after: Some("(".into()),
                        },
                    ));
                }
                let inner = self.or()?;
                match self.peek() {
                    Some(Tok::Close) => {
                        self.i += 1;
                        Ok(inner)
                    }
                    _ => Err(err(at, ErrorKind::UnclosedParenthesis { opened_at: at })),
                }
            }
            Tok::Close => Err(if after.is_some() {
                expected()
            } else {
                err(at, ErrorKind::UnexpectedCloseParenthesis)
            }),
            Tok::Phrase(text) => Ok(Expr::Leaf(phrase_leaf(&text, at)?)),
            Tok::Exact(text) => Ok(Expr::Leaf(exact_leaf(&text, at)?)),
            Tok::Word(word) => self.word(word, at),
            Tok::And | Tok::Or | Tok::Not | Tok::Near { .. } => Err(expected()),
        }
    }

    fn word(&mut self, word: String, at: usize) -> Result<Expr, ParseError> {
        if matches!(
            word.as_str(),
            "and" | "or" | "not" | "near" | "et" | "ou" | "sauf"
        ) && (self.i > 1 && self.starts_operand())
        {
            return Err(err(at, ErrorKind::LowercaseOperator(word)));
        }
        let Some((name, value)) = word
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()))
        else {
            return Ok(Expr::Leaf(word_leaf(&word, at)?));
        };
        let value_at = at + name.chars().count() + 1;
        // `title:"a phrase"` and `author:"Camille M"`: the value is the next token, written right after.
        let value_tok = if value.is_empty() {
            match self.toks.get(self.i) {
                Some((p, tok @ (Tok::Phrase(_) | Tok::Exact(_)))) if *p == value_at => {
                    self.i += 1;
                    Some(tok.clone())
                }
                _ => None,
            }
        } else {
            Some(Tok::Word(value.to_owned()))
        };
        let bad = |field: &'static str, expected: &'static str| {
            err(value_at, ErrorKind::BadFieldValue { field, expected })
        };
        match name.to_ascii_lowercase().as_str() {
            "title" => match value_tok {
                Some(Tok::Word(w)) => Ok(Expr::Title(word_leaf(&w, value_at)?)),
                Some(Tok::Phrase(p)) => Ok(Expr::Title(phrase_leaf(&p, value_at)?)),
                Some(Tok::Exact(e)) => Ok(Expr::Title(exact_leaf(&e, value_at)?)),
                _ => Err(bad(
                    "title",
                    "a word, a wildcard or a \"phrase\", written right after the colon",
                )),
            },
            "author" => {
                let text = match value_tok {
                    Some(Tok::Word(w) | Tok::Phrase(w) | Tok::Exact(w)) => w,
                    _ => {
                        return Err(bad(
                            "author",
                            "a name or @handle, or a \"full name\", written right after the colon",
                        ));
                    }
                };
                let words = folded_words(&text)
                    .into_iter()
                    .map(|w| w.trim_start_matches(['@', '#']).to_owned())
                    .collect::<Vec<_>>();
                if words.is_empty() {
                    return Err(bad("author", "a name or @handle"));
                }
                Ok(Expr::Field(Field::Author, words))
            }
            "site" => match value_tok {
                Some(Tok::Word(w)) => {
                    let host = crate::fold(
                        w.trim_start_matches("https://")
                            .trim_start_matches("http://")
                            .trim_start_matches("www.")
                            .trim_end_matches('/'),
                    );
                    let valid = host.contains('.')
                        && host
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
                        && !host.starts_with('.')
                        && !host.ends_with('.');
                    if valid {
                        Ok(Expr::Field(Field::Site, vec![host]))
                    } else {
                        Err(bad("site", "a domain name, like lemonde.fr"))
                    }
                }
                _ => Err(bad("site", "a domain name, like lemonde.fr")),
            },
            "lang" => match value_tok {
                Some(Tok::Word(w))
                    if matches!(w.to_ascii_lowercase().as_str(), "fr" | "en" | "unknown") =>
                {
                    Ok(Expr::Field(Field::Lang, vec![w.to_ascii_lowercase()]))
                }
                _ => Err(bad("lang", "fr, en or unknown")),
            },
            "source" => match value_tok {
                Some(Tok::Word(w)) if SOURCES.contains(&w.to_ascii_lowercase().as_str()) => {
                    Ok(Expr::Field(Field::Source, vec![w.to_ascii_lowercase()]))
                }
                _ => Err(bad(
                    "source",
                    "feed, mastodon, bluesky, reddit, hackernews, imap, webhook or import",
                )),
            },
            other if matches!(other, "http" | "https") => Err(err(
                at,
                ErrorKind::UnknownField(format!(
                    "{other}: (to search a site, write site:domain.com)"
                )),
            )),
            _ => Err(err(at, ErrorKind::UnknownField(format!("{name}:")))),
        }
    }
}

/// The leaves of a NEAR operand: a leaf, or an OR-group of leaves.
fn positional(expr: &Expr) -> Option<Vec<Leaf>> {
    match expr {
        Expr::Leaf(leaf) => Some(vec![leaf.clone()]),
        Expr::Or(items) => items
            .iter()
            .map(positional)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat()),
        _ => None,
    }
}

/// Whether the expression can match only by what it excludes (then it would match almost
/// everything, which a listening query never means).
fn only_exclusions(expr: &Expr) -> bool {
    match expr {
        Expr::Not(_) => true,
        Expr::And(items) => items.iter().all(only_exclusions),
        Expr::Or(items) => items.iter().any(only_exclusions),
        _ => false,
    }
}

/// Parses a query.
pub fn parse(input: &str) -> Result<Query, ParseError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(err(0, ErrorKind::Empty));
    }
    let mut parser = Parser {
        toks,
        i: 0,
        end: input.chars().count(),
    };
    let expr = parser.or()?;
    if let Some((at, tok)) = parser.toks.get(parser.i) {
        return Err(match tok {
            Tok::Close => err(*at, ErrorKind::UnexpectedCloseParenthesis),
            _ => err(*at, ErrorKind::ExpectedOperand { after: None }),
        });
    }
    if only_exclusions(&expr) {
        return Err(err(0, ErrorKind::OnlyExclusions));
    }
    Ok(Query {
        expr,
        source: input.to_owned(),
    })
}
