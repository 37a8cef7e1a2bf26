//! Lexicons, embedded at compile time and parsed once on first use.
//!
//! Every data file lives in `data/` and is pulled in with `include_str!`, so the binary never
//! reads the disk or the network. Keys are folded (lower case, no accents) exactly like token
//! keys. Parsing all of them takes a few milliseconds, once per process.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use crate::text::{Kind, fold, tokenize};

/// FxHash (the rustc hasher): keys are short, trusted strings, so SipHash's DoS resistance buys
/// nothing and its cost shows up in the per-token look-ups.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type Map<V> = HashMap<String, V, BuildHasherDefault<FxHasher>>;

/// A multi-word entry, matched on consecutive token keys.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    pub rest: Vec<String>,
    pub valence: f32,
    /// The phrase carries its own negation ("pas terrible"), so the negation rule must not flip it.
    pub self_negating: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    pub words: Map<f32>,
    /// Keyed by the first token; each list is sorted longest first so the longest phrase wins.
    pub phrases: Map<Vec<Phrase>>,
    /// Whether regular French plural/feminine endings may fall back to the listed form.
    pub inflect: bool,
}

const VADER_LEXICON: &str = include_str!("../data/en_vader_lexicon.tsv");
const VADER_EMOJI: &str = include_str!("../data/en_vader_emoji.tsv");
const EN_CURATED: &str = include_str!("../data/en_curated.tsv");
const FR_CURATED: &str = include_str!("../data/fr_curated.tsv");
const FR_TEXTBLOB: &str = include_str!("../data/fr_textblob_adjectives.tsv");
const EN_TEXTBLOB: &str = include_str!("../data/en_textblob_adjectives.tsv");
const EMOJI_CURATED: &str = include_str!("../data/emoji_curated.tsv");

/// textblob-fr polarities run from -1 to 1; VADER valences from -4 to 4 with strong words near
/// ±3. Scaling by 3 puts "bon" (0.7) near VADER's "good" (1.9) and "horrible" (-1.0) near -3.
const TEXTBLOB_SCALE: f32 = 3.0;

/// Minimum textblob-fr subjectivity for an adjective to count as an opinion word.
const TEXTBLOB_MIN_SUBJECTIVITY: f32 = 0.3;

const NEGATION_WORDS: &[&str] = &[
    "plus", "pas", "ne", "n'", "jamais", "rien", "aucun", "aucune", "sans", "non", "ni", "not",
    "no", "never", "without", "nothing", "none", "nor",
];

fn lines(data: &str) -> impl Iterator<Item = (&str, &str)> {
    data.lines().filter_map(|line| {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut cols = line.split('\t');
        Some((cols.next()?, cols.next()?))
    })
}

/// Adds one entry, splitting it into tokens like the tokenizer does for text, so "qualité-prix",
/// "qualite prix" and "n'importe quoi" are all stored as the token sequence they will be matched
/// against.
fn insert(lex: &mut Lexicon, form: &str, valence: f32) {
    let toks: Vec<String> = tokenize(form, &|_| false)
        .into_iter()
        .filter(|t| matches!(t.kind, Kind::Word | Kind::Number))
        .map(|t| t.key)
        .collect();
    match toks.as_slice() {
        [] => {}
        [word] => {
            lex.words.insert(word.clone(), valence);
        }
        [first, rest @ ..] => {
            let self_negating = toks
                .iter()
                .any(|t| NEGATION_WORDS.contains(&t.as_str()) || t.ends_with("n't"));
            let list = lex.phrases.entry(first.clone()).or_default();
            list.retain(|p| p.rest != rest);
            list.push(Phrase {
                rest: rest.to_vec(),
                valence,
                self_negating,
            });
            list.sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
        }
    }
}

fn load_curated(lex: &mut Lexicon, data: &str) {
    for (forms, valence) in lines(data) {
        let Ok(valence) = valence.trim().parse::<f32>() else {
            continue;
        };
        for form in forms.split(',') {
            insert(lex, form.trim(), valence);
        }
    }
}

/// Whether a VADER entry is an emoticon (":-)", "<3") rather than a word.
fn is_emoticon_entry(entry: &str) -> bool {
    !entry
        .chars()
        .all(|c| c.is_alphanumeric() || c == '\'' || c == '-')
}

pub(crate) static EN: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut lex = Lexicon::default();
    for (word, valence) in lines(VADER_LEXICON) {
        if is_emoticon_entry(word) {
            continue;
        }
        if let Ok(v) = valence.parse::<f32>() {
            lex.words.insert(fold(word), v);
        }
    }
    load_curated(&mut lex, EN_CURATED);
    lex
});

pub(crate) static FR: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut lex = Lexicon {
        inflect: true,
        ..Lexicon::default()
    };
    for line in FR_TEXTBLOB.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (Some(word), Some(Ok(polarity)), Some(Ok(subjectivity))) = (
            cols.next(),
            cols.next().map(str::parse::<f32>),
            cols.next().map(str::parse::<f32>),
        ) else {
            continue;
        };
        let key = fold(word);
        // Low-subjectivity entries are descriptive ("dernier", "fermé", "passé") and only add
        // noise to reviews; grammatical words ("tout", "plus") are never opinions.
        if subjectivity >= TEXTBLOB_MIN_SUBJECTIVITY && !crate::lang::is_function_word(&key) {
            lex.words.insert(key, polarity * TEXTBLOB_SCALE);
        }
    }
    load_curated(&mut lex, FR_CURATED);
    lex
});

/// Pattern's subjectivity lexicons (via textblob and textblob-fr), whole and on their own: the
/// learned model reads their mean polarity over a text the way Pattern scores documents, as one
/// document feature. Keys folded; values in [-1, 1].
fn adjectives(data: &str) -> Map<f32> {
    let mut map = Map::default();
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        if let (Some(word), Some(Ok(polarity))) = (cols.next(), cols.next().map(str::parse::<f32>))
        {
            let key = fold(word);
            if !crate::lang::is_function_word(&key) {
                map.insert(key, polarity);
            }
        }
    }
    map
}

pub(crate) static EN_ADJECTIVES: LazyLock<Map<f32>> = LazyLock::new(|| adjectives(EN_TEXTBLOB));
pub(crate) static FR_ADJECTIVES: LazyLock<Map<f32>> = LazyLock::new(|| adjectives(FR_TEXTBLOB));

/// Emoticons, keyed as written and lower-cased (":D" and ":d" both occur).
pub(crate) static EMOTICONS: LazyLock<Map<f32>> = LazyLock::new(|| {
    let mut map = Map::default();
    for (entry, valence) in lines(VADER_LEXICON).chain(lines(EMOJI_CURATED)) {
        if !is_emoticon_entry(entry) {
            continue;
        }
        if let Ok(v) = valence.parse::<f32>() {
            map.insert(entry.to_string(), v);
            map.entry(entry.to_lowercase()).or_insert(v);
        }
    }
    map
});

/// Emoji valences. VADER scores an emoji by replacing it with its English description ("face
/// with tears of joy"); summing the description's word valences gives the same signal without
/// rewriting the text. The curated table then overrides the many emojis whose description has no
/// lexicon word ("thumbs up", "face vomiting") or misleads ("fire").
pub(crate) static EMOJI: LazyLock<Map<f32>> = LazyLock::new(|| {
    let mut map = Map::default();
    for (emoji, description) in lines(VADER_EMOJI) {
        let key: String = emoji.chars().filter(|&c| c != '\u{FE0F}').collect();
        if key.chars().count() != 1 {
            continue;
        }
        let valence: f32 = description
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter_map(|w| {
                EN.words
                    .get(&fold(w.trim_matches(|c: char| !c.is_alphanumeric())))
            })
            .sum();
        if valence != 0.0 {
            map.insert(key, valence.clamp(-3.5, 3.5));
        }
    }
    for (emoji, valence) in lines(EMOJI_CURATED) {
        let key: String = emoji.chars().filter(|&c| c != '\u{FE0F}').collect();
        if key.chars().count() == 1
            && let Ok(v) = valence.parse::<f32>()
        {
            map.insert(key, v);
        }
    }
    map
});

pub(crate) fn is_emoticon(chunk: &str) -> bool {
    // Cheap pre-check: emoticons are short and contain punctuation, most chunks are words.
    chunk.len() <= 8
        && chunk.chars().any(|c| c.is_ascii_punctuation())
        && (EMOTICONS.contains_key(chunk) || EMOTICONS.contains_key(&chunk.to_lowercase()))
}

/// Looks a word up, falling back to de-elongated spellings ("suuuper", "nuuul") and, for French,
/// to the form without a regular plural or feminine ending ("décevantes" → "décevant").
/// Returns the valence and whether an elongation had to be undone (an emphasis signal).
pub(crate) fn lookup(lex: &Lexicon, key: &str) -> Option<(f32, bool)> {
    if let Some(v) = lookup_inflected(lex, key) {
        return Some((v, false));
    }
    if crate::text::has_elongation(key) {
        for (min_run, keep) in [(3, 1), (3, 2), (2, 1)] {
            let collapsed = crate::text::collapse_runs(key, min_run, keep);
            if let Some(v) = lookup_inflected(lex, &collapsed) {
                return Some((v, true));
            }
        }
    }
    None
}

/// The first de-elongated spelling of `key` that the lexicon (words or phrase starts) or
/// `also_known` recognises: "trooop" → "trop", "coooool" → "cool".
pub(crate) fn deelongate(
    lex: &Lexicon,
    key: &str,
    also_known: impl Fn(&str) -> bool,
) -> Option<String> {
    [(3, 1), (3, 2), (2, 1)]
        .into_iter()
        .map(|(min_run, keep)| crate::text::collapse_runs(key, min_run, keep))
        .find(|k| {
            lookup_inflected(lex, k).is_some() || lex.phrases.contains_key(k) || also_known(k)
        })
}

fn lookup_inflected(lex: &Lexicon, key: &str) -> Option<f32> {
    if let Some(&v) = lex.words.get(key) {
        return Some(v);
    }
    if !lex.inflect || key.len() < 5 {
        return None;
    }
    for suffix in ["s", "x", "e", "es"] {
        if let Some(stem) = key.strip_suffix(suffix)
            && let Some(&v) = lex.words.get(stem)
        {
            return Some(v);
        }
    }
    None
}

/// The longest phrase starting at `keys[0]`, with the number of tokens it spans.
pub(crate) fn match_phrase<'l>(lex: &'l Lexicon, keys: &[&str]) -> Option<(&'l Phrase, usize)> {
    let (first, rest) = keys.split_first()?;
    let candidates = lex.phrases.get(*first)?;
    candidates
        .iter()
        .find(|p| p.rest.len() <= rest.len() && p.rest.iter().zip(rest).all(|(a, b)| a == b))
        .map(|p| (p, p.rest.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_load_with_expected_entries() {
        assert!(EN.words["good"] > 1.0);
        assert!(EN.words["horrible"] < -1.0);
        assert!(FR.words["decu"] < -1.0, "curated French keys are folded");
        assert!(FR.words["genial"] > 1.0);
        assert!(EMOJI["😍"] > 2.0);
        assert!(EMOJI["🤮"] < -2.0);
        assert!(EMOJI["❤"] > 2.0, "variation selector is stripped from keys");
        assert!(is_emoticon(":)") && is_emoticon(":D") && !is_emoticon("top"));
    }

    #[test]
    fn lookup_handles_elongation_and_inflection() {
        assert_eq!(
            lookup(&FR, "nuuul").map(|(v, e)| (v < 0.0, e)),
            Some((true, true))
        );
        assert_eq!(
            lookup(&FR, "suuuper").map(|(v, e)| (v > 0.0, e)),
            Some((true, true))
        );
        assert!(lookup(&FR, "decevantes").is_some_and(|(v, _)| v < 0.0));
        assert!(lookup(&EN, "coooool").is_some_and(|(v, e)| v > 0.0 && e));
    }

    #[test]
    fn phrases_prefer_the_longest_match() {
        let keys = ["je", "recommande", "vivement", "ce"];
        let (p, n) = match_phrase(&FR, &keys).expect("phrase");
        assert_eq!(n, 3);
        assert!(p.valence > 2.8);
        let (p, _) = match_phrase(&FR, &["pas", "terrible"]).expect("phrase");
        assert!(p.self_negating && p.valence < 0.0);
    }
}
