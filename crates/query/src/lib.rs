//! The query language of saved searches, and matching many of them against each incoming item.
//!
//! ```text
//! (brûlerie OR "brulerie du canal" OR #brulerie) AND NOT site:brulerie-du-canal.fr
//! (café OR coffee) NEAR/5 (froid OR cold OR amer*)      {Canal}      lang:fr    title:avis
//! ```
//!
//! - `AND` (or nothing: juxtaposition), `OR`, `NOT`, parentheses; operators are upper-case.
//! - `"exact phrase"`; `a NEAR/n b`: b at most n word positions from a, either order
//!   (`NEAR/1` means side by side); `a ONEAR/n b`: the same with a before b.
//! - `complain*`: a trailing wildcard (at least two letters before it).
//! - Fields: `author:`, `site:`, `lang:`, `source:`, `title:`.
//! - Matching ignores case and accents (`cafe` finds "Café"); `{Café}` matches case and accents
//!   exactly.
//!
//! [`parse`] turns text into a [`Query`] or a [`ParseError`] that names the position and what
//! was expected. [`QuerySet`] holds many queries and, for each document, selects candidate
//! queries with one Aho-Corasick automaton over all their words before evaluating the full
//! expressions, so matching cost grows with the matches, not with the number of queries (the
//! approach of Lucene's Monitor).

mod eval;
mod monitor;
mod parse;
mod search;
mod text;

pub use eval::{Document, Prepared};
pub use monitor::QuerySet;
pub use parse::{ErrorKind, ParseError, parse};
pub use search::{
    archive_terms, archive_terms_of, highlight, search_groups, search_terms, terms_up_to,
};
pub use text::{Token, fold, is_word_char, tokenize};

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub(crate) expr: Expr,
    source: String,
}

impl Query {
    /// The text it was parsed from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the query matches a prepared document.
    pub fn matches(&self, doc: &Prepared) -> bool {
        eval::eval(&self.expr, doc)
    }
}

/// What a word-level leaf looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Leaf {
    /// One folded word.
    Word(String),
    /// Folded words that must follow each other.
    Phrase(Vec<String>),
    /// Words starting with this folded prefix.
    Prefix(String),
    /// Exact-case words (NFC, not folded), one or more in a row.
    Exact(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Author,
    Site,
    Lang,
    Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// A leaf searched in the title and the text.
    Leaf(Leaf),
    /// A leaf searched in the title only.
    Title(Leaf),
    /// `author:`, `site:`, `lang:`, `source:` with a folded value (words for author).
    Field(Field, Vec<String>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `a NEAR/n b` (ordered: `ONEAR`). Operands are leaves or OR-groups of leaves.
    Near {
        left: Vec<Leaf>,
        right: Vec<Leaf>,
        distance: u32,
        ordered: bool,
    },
}
