//! Evaluating a query against one document.

use std::collections::HashMap;

use crate::text::{Token, fold, tokenize};
use crate::{Expr, Field, Leaf};

/// An item as the matcher sees it. `author` holds the name and the handle; `site` the host.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub author: &'a str,
    pub site: &'a str,
    pub lang: &'a str,
    pub source: &'a str,
}

/// A document tokenized once for every query that looks at it.
#[derive(Debug, Clone)]
pub struct Prepared {
    folded: HashMap<String, Vec<u32>>,
    raw: HashMap<String, Vec<u32>>,
    /// Title words have positions below this; text words start here, far enough that no
    /// phrase or NEAR spans the two.
    body_start: u32,
    author: Vec<String>,
    site: String,
    lang: String,
    source: String,
    /// Folded title and text, scanned by the multi-query automaton.
    pub(crate) scan_text: String,
}

const GAP: u32 = 1_000;

impl Prepared {
    pub fn new(doc: &Document) -> Prepared {
        Prepared::from_tokens(doc, &tokenize(doc.title, 0), &tokenize(doc.text, 0))
    }

    /// The same, from the document's title and text already cut into tokens (each numbered
    /// from 0), so that a caller that needs the tokens too cuts the text once.
    pub fn from_tokens(doc: &Document, title: &[Token], text: &[Token]) -> Prepared {
        let body_start = title.last().map_or(0, |t| t.position + 1) + GAP;
        let mut folded: HashMap<String, Vec<u32>> = HashMap::new();
        let mut raw: HashMap<String, Vec<u32>> = HashMap::new();
        let shifted = text.iter().map(|t| (t, t.position + body_start));
        for (token, position) in title.iter().map(|t| (t, t.position)).chain(shifted) {
            match folded.get_mut(token.folded.as_str()) {
                Some(positions) => positions.push(position),
                None => {
                    folded.insert(token.folded.clone(), vec![position]);
                }
            }
            match raw.get_mut(token.raw.as_str()) {
                Some(positions) => positions.push(position),
                None => {
                    raw.insert(token.raw.clone(), vec![position]);
                }
            }
        }
        let author = tokenize(doc.author, 0)
            .into_iter()
            .filter(|t| !t.folded.starts_with(['@', '#']))
            .map(|t| t.folded)
            .collect();
        let site = fold(doc.site.trim_start_matches("www."));
        let mut scan_text = fold(doc.title);
        scan_text.push('\n');
        scan_text.push_str(&fold(doc.text));
        Prepared {
            folded,
            raw,
            body_start,
            author,
            site,
            lang: doc.lang.to_ascii_lowercase(),
            source: doc.source.to_ascii_lowercase(),
            scan_text,
        }
    }
}

fn positions<'a>(map: &'a HashMap<String, Vec<u32>>, word: &str) -> &'a [u32] {
    map.get(word).map(Vec::as_slice).unwrap_or(&[])
}

fn sequence(
    map: &HashMap<String, Vec<u32>>,
    words: &[String],
    title_only: bool,
    limit: u32,
    out: &mut Vec<(u32, u32)>,
) {
    let n = words.len() as u32;
    for &start in positions(map, &words[0]) {
        if title_only && start >= limit {
            continue;
        }
        if words[1..]
            .iter()
            .enumerate()
            .all(|(i, w)| positions(map, w).contains(&(start + 1 + i as u32)))
        {
            out.push((start, start + n - 1));
        }
    }
}

/// Where a leaf occurs: (first, last) word positions.
fn spans(leaf: &Leaf, doc: &Prepared, title_only: bool) -> Vec<(u32, u32)> {
    let limit = doc.body_start;
    let keep = |p: &u32| !title_only || *p < limit;
    let mut out = Vec::new();
    match leaf {
        Leaf::Word(word) => out.extend(
            positions(&doc.folded, word)
                .iter()
                .filter(|p| keep(p))
                .map(|&p| (p, p)),
        ),
        Leaf::Prefix(prefix) => {
            for (word, places) in &doc.folded {
                if word.starts_with(prefix.as_str()) {
                    out.extend(places.iter().filter(|p| keep(p)).map(|&p| (p, p)));
                }
            }
        }
        Leaf::Phrase(words) => sequence(&doc.folded, words, title_only, limit, &mut out),
        Leaf::Exact(words) => sequence(&doc.raw, words, title_only, limit, &mut out),
    }
    out
}

fn near(left: &[(u32, u32)], right: &[(u32, u32)], distance: u32, ordered: bool) -> bool {
    left.iter().any(|&(ls, le)| {
        right.iter().any(|&(rs, re)| {
            if rs > le {
                rs - le <= distance
            } else if !ordered && ls > re {
                ls - re <= distance
            } else {
                false
            }
        })
    })
}

fn contains_sequence(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn eval(expr: &Expr, doc: &Prepared) -> bool {
    match expr {
        Expr::Leaf(leaf) => !spans(leaf, doc, false).is_empty(),
        Expr::Title(leaf) => !spans(leaf, doc, true).is_empty(),
        Expr::Field(Field::Author, words) => contains_sequence(&doc.author, words),
        Expr::Field(Field::Site, host) => {
            doc.site == host[0] || doc.site.ends_with(&format!(".{}", host[0]))
        }
        Expr::Field(Field::Lang, value) => doc.lang == value[0],
        Expr::Field(Field::Source, value) => doc.source == value[0],
        Expr::And(items) => items.iter().all(|e| eval(e, doc)),
        Expr::Or(items) => items.iter().any(|e| eval(e, doc)),
        Expr::Not(inner) => !eval(inner, doc),
        Expr::Near {
            left,
            right,
            distance,
            ordered,
        } => {
            let l: Vec<(u32, u32)> = left
                .iter()
                .flat_map(|leaf| spans(leaf, doc, false))
                .collect();
            if l.is_empty() {
                return false;
            }
            let r: Vec<(u32, u32)> = right
                .iter()
                .flat_map(|leaf| spans(leaf, doc, false))
                .collect();
            near(&l, &r, *distance, *ordered)
        }
    }
}
