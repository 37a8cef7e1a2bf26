//! Many queries against each document, without trying each query.
//!
//! Each query is reduced to a set of words (or prefixes) of which at least one must occur for
//! it to match: a word for a word, the longest word of a phrase, one side of a NEAR, the most
//! selective branch of an AND, every branch of an OR. One Aho-Corasick automaton over all those
//! words scans the folded document once; only the queries whose words were found, plus the few
//! that cannot be reduced (`lang:fr AND site:…`), are evaluated in full. A reduction only ever
//! over-approximates, so the result equals evaluating every query (a test checks this).

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use crate::eval::Prepared;
use crate::text::{fold, is_word_char};
use crate::{Expr, Leaf, Query};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Pattern {
    text: String,
    /// A whole word (the next character must not be a word character); prefixes are not.
    whole_word: bool,
}

fn leaf_pattern(leaf: &Leaf) -> Pattern {
    let longest = |words: &[String]| {
        words
            .iter()
            .max_by_key(|w| w.chars().count())
            .cloned()
            .unwrap_or_default()
    };
    match leaf {
        Leaf::Word(word) => Pattern {
            text: word.clone(),
            whole_word: true,
        },
        Leaf::Prefix(prefix) => Pattern {
            text: prefix.clone(),
            whole_word: false,
        },
        Leaf::Phrase(words) => Pattern {
            text: longest(words),
            whole_word: true,
        },
        Leaf::Exact(words) => Pattern {
            text: fold(&longest(words)),
            whole_word: true,
        },
    }
}

/// Patterns of which one must occur for `expr` to match; `None` when no such set exists.
fn required(expr: &Expr) -> Option<Vec<Pattern>> {
    match expr {
        Expr::Leaf(leaf) | Expr::Title(leaf) => Some(vec![leaf_pattern(leaf)]),
        Expr::Field(..) | Expr::Not(_) => None,
        Expr::Near { left, right, .. } => {
            let side = |leaves: &[Leaf]| leaves.iter().map(leaf_pattern).collect::<Vec<_>>();
            Some(pick(vec![side(left), side(right)]))
        }
        Expr::Or(items) => items
            .iter()
            .map(required)
            .collect::<Option<Vec<_>>>()
            .map(|sets| sets.concat()),
        Expr::And(items) => {
            let sets: Vec<Vec<Pattern>> = items.iter().filter_map(required).collect();
            (!sets.is_empty()).then(|| pick(sets))
        }
    }
}

/// Of several sufficient sets, the most selective: fewest patterns, then longest shortest word.
fn pick(mut sets: Vec<Vec<Pattern>>) -> Vec<Pattern> {
    sets.sort_by_key(|set| {
        (
            set.len(),
            std::cmp::Reverse(
                set.iter()
                    .map(|p| p.text.chars().count())
                    .min()
                    .unwrap_or(0),
            ),
        )
    });
    sets.remove(0)
}

/// Queries with their keys, ready to match documents.
pub struct QuerySet<K> {
    entries: Vec<(K, Query)>,
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern: whether it is a whole word, and the queries it selects.
    patterns: Vec<(bool, Vec<u32>)>,
    /// Queries that every document must be checked against.
    always: Vec<u32>,
}

impl<K: Clone> QuerySet<K> {
    pub fn new(queries: impl IntoIterator<Item = (K, Query)>) -> QuerySet<K> {
        let entries: Vec<(K, Query)> = queries.into_iter().collect();
        let mut index: HashMap<Pattern, usize> = HashMap::new();
        let mut patterns: Vec<(bool, Vec<u32>)> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut always = Vec::new();
        for (i, (_, query)) in entries.iter().enumerate() {
            match required(&query.expr) {
                Some(set) if set.iter().all(|p| !p.text.is_empty()) => {
                    for pattern in set {
                        let slot = *index.entry(pattern.clone()).or_insert_with(|| {
                            texts.push(pattern.text.clone());
                            patterns.push((pattern.whole_word, Vec::new()));
                            patterns.len() - 1
                        });
                        if patterns[slot].1.last() != Some(&(i as u32)) {
                            patterns[slot].1.push(i as u32);
                        }
                    }
                }
                _ => always.push(i as u32),
            }
        }
        let automaton = (!texts.is_empty())
            .then(|| AhoCorasick::new(&texts).expect("query words make a valid automaton"));
        QuerySet {
            entries,
            automaton,
            patterns,
            always,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Indexes of the queries worth evaluating for this document, sorted.
    pub fn candidates(&self, doc: &Prepared) -> Vec<u32> {
        let mut selected = self.always.clone();
        if let Some(automaton) = &self.automaton {
            let text = doc.scan_text.as_str();
            for m in automaton.find_overlapping_iter(text) {
                let (whole_word, queries) = &self.patterns[m.pattern().as_usize()];
                let starts_word = text[..m.start()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_word_char(c));
                let ends_word = !*whole_word
                    || text[m.end()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !is_word_char(c));
                if starts_word && ends_word {
                    selected.extend_from_slice(queries);
                }
            }
        }
        selected.sort_unstable();
        selected.dedup();
        selected
    }

    /// The keys of the queries that match, in the order the queries were given.
    pub fn matches(&self, doc: &Prepared) -> Vec<K> {
        self.candidates(doc)
            .into_iter()
            .filter(|&i| self.entries[i as usize].1.matches(doc))
            .map(|i| self.entries[i as usize].0.clone())
            .collect()
    }
}
