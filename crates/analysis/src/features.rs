//! What the learned sentiment model (`model.rs`) reads of a text.
//!
//! Two kinds of features:
//! - **Document features** (`META`), computed from the rules' per-token valences: the whole
//!   text's compound score, but also how its sentences vote (the mean, the first, the last, the
//!   share of negative ones), how much positive and negative weight it carries for its length.
//!   A long review that praises one thing and condemns the whole has a positive sum but a
//!   negative conclusion and a majority of negative sentences; these features let the model see
//!   it. They mean the same thing in every language, so their weights carry from one language
//!   to another.
//! - **Word features**: word unigrams and bigrams within a sentence, hashed into
//!   `1 << BUCKET_BITS` buckets, with the words in a negation's scope ("not … good") marked so
//!   that they count apart. They are language-specific and only used where the model was trained
//!   on real text of that language.

use crate::sentiment::{self, Raw, Rules};
use crate::text::{Kind, Token};

/// Number of document features.
pub(crate) const META: usize = 16;
/// Word features are hashed into 2^BUCKET_BITS buckets (512 KiB of 16-bit weights).
pub(crate) const BUCKET_BITS: u32 = 18;
const BUCKET_MASK: u32 = (1 << BUCKET_BITS) - 1;

/// The features of one text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Features {
    pub meta: [f32; META],
    /// (bucket, value) pairs; a bucket may appear more than once.
    pub grams: Vec<(u32, f32)>,
}

/// Sentence-level squash: like the whole text's, so a one-sentence text gets the same value.
fn squash(sum: f32) -> f32 {
    sentiment::normalize(sum)
}

/// Computes the features of `tokens` scored as `raw` by the rules of `rules`.
pub(crate) fn extract(tokens: &[Token], raw: &Raw, rules: Rules, with_grams: bool) -> Features {
    let words = tokens.iter().filter(|t| t.kind == Kind::Word).count() as f32;
    let (mut pos, mut neg) = (0.0_f32, 0.0_f32);
    for &v in &raw.values {
        if v > 0.0 {
            pos += v;
        } else {
            neg -= v;
        }
    }
    // Sentence sums, counting only sentences that carry sentiment.
    let mut sentences: Vec<f32> = Vec::new();
    let (mut current, mut hit) = (0.0_f32, false);
    for (token, &v) in tokens.iter().zip(&raw.values) {
        if v != 0.0 {
            current += v;
            hit = true;
        }
        if token.kind == Kind::SentenceEnd {
            if hit {
                sentences.push(current);
            }
            (current, hit) = (0.0, false);
        }
    }
    if hit {
        sentences.push(current);
    }
    let count = sentences.len() as f32;
    let (mean, first, last, share_pos, share_neg) = if sentences.is_empty() {
        (0.0, 0.0, 0.0, 0.0, 0.0)
    } else {
        let squashed: Vec<f32> = sentences.iter().map(|&s| squash(s)).collect();
        (
            squashed.iter().sum::<f32>() / count,
            squashed[0],
            squashed[squashed.len() - 1],
            sentences.iter().filter(|&&s| s > 0.0).count() as f32 / count,
            sentences.iter().filter(|&&s| s < 0.0).count() as f32 / count,
        )
    };
    let (adjective_mean, adjective_count) = adjective_polarity(tokens, rules);
    let compound = squash(raw.sum);
    let length = (1.0 + words).ln() / 5.0;
    let meta = [
        compound,
        mean,
        first,
        last,
        share_pos - share_neg,
        share_neg,
        pos / (pos + neg + 1.0),
        neg / (pos + neg + 1.0),
        (pos - neg) / (words + 1.0).sqrt(),
        if raw.hits == 0 { 1.0 } else { 0.0 },
        length,
        compound * length,
        last * length,
        mean * length,
        adjective_mean,
        (1.0 + adjective_count).ln() / 3.0,
    ];
    let grams = if with_grams {
        word_grams(tokens, rules)
    } else {
        Vec::new()
    };
    Features { meta, grams }
}

/// Pattern's way of scoring a document: the mean polarity of the lexicon's words found in it,
/// a word right after a negation counting -0.5 times. Returns the mean and the number of words.
fn adjective_polarity(tokens: &[Token], rules: Rules) -> (f32, f32) {
    let lexicon = match rules {
        Rules::En => &*crate::lexicon::EN_ADJECTIVES,
        Rules::Fr => &*crate::lexicon::FR_ADJECTIVES,
    };
    let (mut sum, mut count) = (0.0_f32, 0.0_f32);
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Word {
            continue;
        }
        let Some(&polarity) = lexicon.get(token.key.as_str()) else {
            continue;
        };
        let negated = tokens[i.saturating_sub(2)..i]
            .iter()
            .any(|t| t.kind == Kind::Word && sentiment::is_negator(&t.key, rules));
        sum += if negated { -0.5 * polarity } else { polarity };
        count += 1.0;
    }
    if count == 0.0 {
        (0.0, 0.0)
    } else {
        (sum / count, count)
    }
}

/// FNV-1a, seeded so that a word in a negation's scope lands elsewhere than the plain word.
fn fnv(seed: u32, parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ seed.wrapping_mul(0x0100_0193);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0193);
        }
        for &b in part.as_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// Unigrams and bigrams of word, emoji and emoticon keys, within a sentence, each weighted
/// 1/√n so that long texts do not outweigh short ones.
fn word_grams(tokens: &[Token], rules: Rules) -> Vec<(u32, f32)> {
    let mut hashes: Vec<u32> = Vec::with_capacity(tokens.len() * 2);
    let mut prev: Option<&str> = None;
    let mut negated = false;
    for token in tokens {
        match token.kind {
            Kind::Word | Kind::Emoji | Kind::Emoticon => {
                let key = token.key.as_str();
                let seed = u32::from(negated);
                hashes.push(fnv(seed, &[key]));
                if let Some(p) = prev {
                    hashes.push(fnv(seed + 2, &[p, key]));
                }
                prev = Some(key);
                if token.kind == Kind::Word && sentiment::is_negator(key, rules) {
                    negated = true;
                }
            }
            Kind::SentenceEnd | Kind::ClauseBreak => {
                prev = None;
                negated = false;
            }
            Kind::Number | Kind::Slash => prev = None,
        }
    }
    if hashes.is_empty() {
        return Vec::new();
    }
    let value = 1.0 / (hashes.len() as f32).sqrt();
    hashes
        .into_iter()
        .map(|h| (h & BUCKET_MASK, value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(text: &str, rules: Rules) -> Features {
        let toks = crate::text::tokenize(text, &crate::lexicon::is_emoticon);
        let raw = sentiment::score(&toks, rules);
        extract(&toks, &raw, rules, true)
    }

    #[test]
    fn the_conclusion_is_seen_apart_from_the_sum() {
        let f = features(
            "The cover is lovely and the paper is great. The story is boring. Awful.",
            Rules::En,
        );
        assert!(f.meta[2] > 0.0, "first sentence positive: {:?}", f.meta);
        assert!(f.meta[3] < 0.0, "last sentence negative: {:?}", f.meta);
    }

    #[test]
    fn negated_words_hash_apart_from_plain_ones() {
        let plain = features("good", Rules::En);
        let negated = features("not good", Rules::En);
        let good = plain.grams[0].0;
        assert!(!negated.grams.iter().any(|&(b, _)| b == good));
    }

    #[test]
    fn text_without_sentiment_says_so() {
        let f = features("the train leaves at noon", Rules::En);
        assert_eq!(f.meta[9], 1.0);
        assert_eq!(f.meta[0], 0.0);
    }
}
