//! Quotes found by what they repeat: a mention that copies a long passage of an earlier one
//! (a quote-post, a blog citing a tweet, a forum reply pasting a review) and adds words of its
//! own. Reposts, which add nothing, are near-duplicates instead (SimHash).
//!
//! Each text is cut into overlapping runs of [`SHINGLE_WORDS`] folded words; an index of recent
//! originals maps each run to the first item that had it. A new text that shares at least
//! [`MIN_SHARED`] runs with one item (so at least 10 words in a row) but also has runs of its own
//! quotes that item. The index lives in memory and holds the last [`CAPACITY`] runs (about the
//! last few tens of thousands of mentions); at start-up it is filled again from the newest
//! stored originals (`Ingestor::warm_quotes`). Quotes of older mentions are found only when the
//! sender names the quoted post (`quoted_ref`).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Mutex, OnceLock};

/// Words per run.
pub const SHINGLE_WORDS: usize = 8;
/// Runs shared with an earlier item for this one to quote it.
pub const MIN_SHARED: usize = 3;
/// Runs kept, across workspaces.
pub const CAPACITY: usize = 300_000;

/// The runs of words of a text, hashed.
pub fn shingles(text: &str) -> Vec<u64> {
    shingles_of(&jardinier_query::tokenize(text, 0))
}

/// The key of this process's word hashes, drawn at start-up: runs are only ever compared in
/// memory, and a sender who cannot predict them cannot crowd one slot of the index.
fn word_key() -> &'static std::collections::hash_map::RandomState {
    static KEY: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    KEY.get_or_init(Default::default)
}

/// [`shingles`] of a text already cut into tokens. Each word is hashed once (keyed SipHash);
/// a run's hash mixes the hashes of its words in order.
pub fn shingles_of(tokens: &[jardinier_query::Token]) -> Vec<u64> {
    if tokens.len() < SHINGLE_WORDS {
        return Vec::new();
    }
    let key = word_key();
    let words: Vec<u64> = tokens
        .iter()
        .map(|t| key.hash_one(t.folded.as_str()))
        .collect();
    words
        .windows(SHINGLE_WORDS)
        .map(|run| run.iter().fold(0_u64, |h, w| mix(h.rotate_left(23) ^ w)))
        .collect()
}

/// A multiply-and-fold mixing step (the 128-bit product's halves, xored).
fn mix(x: u64) -> u64 {
    let product = u128::from(x) * 0x9E37_79B9_7F4A_7C15_u128;
    (product as u64) ^ ((product >> 64) as u64)
}

/// Hashes the index's keys, (workspace, run): runs are keyed hashes already, so mixing in the
/// workspace is enough; SipHash over them again was a tenth of ingestion's own work.
#[derive(Default)]
struct RunHasher(u64);

impl Hasher for RunHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0.rotate_left(23) ^ n);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
struct Inner {
    first: HashMap<(i64, u64), i64, BuildHasherDefault<RunHasher>>,
    order: VecDeque<(i64, u64)>,
}

#[derive(Default)]
pub struct QuoteIndex {
    inner: Mutex<Inner>,
}

impl QuoteIndex {
    /// The earlier item of the workspace that a text with these runs quotes, if any.
    pub fn quoted(&self, workspace_id: i64, runs: &[u64]) -> Option<i64> {
        if runs.len() < MIN_SHARED {
            return None;
        }
        // Items sharing runs with this text, and how many: a handful at most.
        let mut shared: Vec<(i64, usize)> = Vec::new();
        {
            let inner = self.inner.lock().expect("quote index lock");
            for run in runs {
                if let Some(item) = inner.first.get(&(workspace_id, *run)) {
                    match shared.iter_mut().find(|(i, _)| i == item) {
                        Some((_, n)) => *n += 1,
                        None => shared.push((*item, 1)),
                    }
                }
            }
        }
        shared
            .into_iter()
            // Quoting is repeating some and adding some: all runs shared is a repost.
            .filter(|(_, n)| *n >= MIN_SHARED && *n < runs.len())
            .max_by_key(|(item, n)| (*n, std::cmp::Reverse(*item)))
            .map(|(item, _)| item)
    }

    /// Runs held.
    pub fn len(&self) -> usize {
        self.inner.lock().expect("quote index lock").order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remembers the runs of a stored item (the first item with a run keeps it).
    pub fn add(&self, workspace_id: i64, item_id: i64, runs: &[u64]) {
        let mut inner = self.inner.lock().expect("quote index lock");
        for run in runs {
            let key = (workspace_id, *run);
            if let std::collections::hash_map::Entry::Vacant(e) = inner.first.entry(key) {
                e.insert(item_id);
                inner.order.push_back(key);
            }
        }
        while inner.order.len() > CAPACITY {
            if let Some(old) = inner.order.pop_front() {
                inner.first.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REVIEW: &str = "Le café de la Brûlerie du Canal est torréfié trop fort cette saison, \
                          le goût de brûlé masque tout le reste et c'est dommage";

    #[test]
    fn a_quote_repeats_a_passage_and_adds_words() {
        let index = QuoteIndex::default();
        index.add(1, 10, &shingles(REVIEW));
        let quote = format!("Tellement d'accord : « {REVIEW} ». Je change de fournisseur.");
        assert_eq!(index.quoted(1, &shingles(&quote)), Some(10));
        // Accents and case do not hide a quote.
        let folded = format!("Oui ! {} Voilà.", REVIEW.to_uppercase().replace('É', "E"));
        assert_eq!(index.quoted(1, &shingles(&folded)), Some(10));
    }

    #[test]
    fn reposts_short_overlaps_and_other_workspaces_are_not_quotes() {
        let index = QuoteIndex::default();
        index.add(1, 10, &shingles(REVIEW));
        assert_eq!(index.quoted(1, &shingles(REVIEW)), None, "a repost");
        let short = "Je trouve que le café de la Brûlerie du Canal est très bon, vraiment";
        assert_eq!(
            index.quoted(1, &shingles(short)),
            None,
            "a few common words"
        );
        let quote = format!("Vu : {REVIEW}, bof");
        assert_eq!(
            index.quoted(2, &shingles(&quote)),
            None,
            "another workspace"
        );
        assert_eq!(index.quoted(1, &shingles("trop court")), None);
    }

    #[test]
    fn runs_follow_the_order_of_words() {
        let text = "un deux trois quatre cinq six sept huit neuf";
        let runs = shingles(text);
        assert_eq!(runs.len(), 2, "two runs of eight words in nine words");
        assert_ne!(runs[0], runs[1]);
        let reordered = "deux un trois quatre cinq six sept huit";
        assert!(
            !runs.contains(&shingles(reordered)[0]),
            "same words, another order"
        );
        assert_eq!(
            shingles("un deux trois quatre cinq six sept huit")[0],
            runs[0]
        );
        assert!(shingles("un deux trois").is_empty());
    }

    #[test]
    fn the_original_keeps_its_passages_and_old_ones_are_forgotten() {
        let index = QuoteIndex::default();
        index.add(1, 10, &shingles(REVIEW));
        let quote = format!("Tellement d'accord : {REVIEW}. Je change.");
        index.add(1, 11, &shingles(&quote));
        let again = format!("Voir aussi : {REVIEW} — fin");
        assert_eq!(
            index.quoted(1, &shingles(&again)),
            Some(10),
            "the original, not its first quote"
        );
        let runs: Vec<u64> = (0..CAPACITY as u64 + 10).collect();
        index.add(2, 99, &runs);
        assert_eq!(index.quoted(1, &shingles(&again)), None, "evicted");
    }
}
