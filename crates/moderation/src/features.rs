//! What the classifiers see of a text: its folded words, word pairs and letter triples hashed
//! into buckets, and a few measures that mean the same in every language (links, shorteners,
//! contact details, capitals, digits, exclamation marks, length, lexicon hits and whether they
//! are aimed at someone). Training and scoring both call [`extract`], so they cannot differ.

use crate::fold::{self, Word};
use crate::lexicon::{self, Lang};
use crate::{links, personal};

/// Buckets of the hashed features: 2^BITS.
pub const BITS: u32 = 18;
/// How many language-independent measures there are.
pub const DENSE: usize = 12;

/// The names of the measures, for reports (`dense[i]` is `DENSE_NAMES[i]`).
pub const DENSE_NAMES: [&str; DENSE] = [
    "links",
    "shortener",
    "contact details",
    "money signs",
    "capitals",
    "digits",
    "exclamation marks",
    "length",
    "lexicon words",
    "lexicon words aimed at someone",
    "second-person words",
    "repeated characters",
];

/// One text's features.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Bucket numbers, each present once per occurrence; weighed 1/√n.
    pub grams: Vec<u32>,
    pub dense: [f32; DENSE],
    /// The lexicon's hits (kept: reasons quote them).
    pub hits: Vec<lexicon::Hit>,
    /// The links (kept: reasons quote them).
    pub links: Vec<links::Link>,
    /// Personal data (kept: reasons quote it).
    pub personal: Vec<personal::Found>,
}

const MASK: u32 = (1 << BITS) - 1;

fn fnv(seed: u32, bytes: &[u8]) -> u32 {
    let mut h = 0x811c_9dc5_u32 ^ seed.wrapping_mul(0x0100_0193);
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The features of `text`, its lexicon hits looked up in `langs`.
pub fn extract(text: &str, langs: &[Lang]) -> Features {
    let words = fold::words(text);
    let hits = lexicon::hits(&words, langs);
    let links = links::find(text);
    let personal = personal::find(text);
    let mut grams = Vec::with_capacity(words.len() * 6);
    let mut previous: Option<u32> = None;
    let mut second_person = 0_usize;
    for word in words.iter().take(400) {
        let squeezed = Word::key(word);
        if lexicon::is_address(&squeezed) {
            second_person += 1;
        }
        let w = fnv(1, squeezed.as_bytes());
        grams.push(w & MASK);
        if let Some(p) = previous {
            grams.push(fnv(2, &[p.to_le_bytes(), w.to_le_bytes()].concat()) & MASK);
        }
        previous = Some(w);
        // Letter triples of the word between boundaries: what an unseen spelling shares with
        // a known one (`connasse`, `connards`).
        let padded: Vec<u8> = [b"<", squeezed.as_bytes(), b">"].concat();
        if padded.len() > 4 {
            for triple in padded.windows(3) {
                grams.push(fnv(3, triple) & MASK);
            }
        }
    }
    let (mut letters, mut capitals, mut digits, mut chars, mut bangs, mut money, mut repeats) = (
        0_usize, 0_usize, 0_usize, 0_usize, 0_usize, 0_usize, 0_usize,
    );
    let mut last = None;
    let mut run = 0;
    for c in text.chars() {
        chars += 1;
        if c.is_alphabetic() {
            letters += 1;
            if c.is_uppercase() {
                capitals += 1;
            }
        } else if c.is_ascii_digit() {
            digits += 1;
        } else if c == '!' {
            bangs += 1;
        } else if matches!(c, '$' | '€' | '£' | '¥') {
            money += 1;
        }
        if Some(c) == last {
            run += 1;
            if run == 3 {
                repeats += 1;
            }
        } else {
            run = 1;
        }
        last = Some(c);
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f32 / b as f32 };
    let log = |n: usize| (n as f32).ln_1p();
    let dense = [
        log(links.len()),
        f32::from(u8::from(links.iter().any(|l| l.shortener))),
        log(personal.len()),
        log(money),
        ratio(capitals, letters),
        ratio(digits, chars),
        log(bangs),
        log(chars) / 5.0,
        log(hits.len()),
        log(hits.iter().filter(|h| h.aimed).count()),
        log(second_person),
        log(repeats),
    ];
    Features {
        grams,
        dense,
        hits,
        links,
        personal,
    }
}
