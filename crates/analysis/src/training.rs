//! Training the sentiment model's heads (`model.rs`) on labelled text: logistic regression by
//! AdaGrad with L2 regularisation, deterministic (the examples are shuffled with a fixed seed),
//! and the neutral band chosen on three-class data. Used by `examples/train_sentiment.rs`, which
//! writes `data/sentiment_model.bin`; kept in the library so that training and scoring cannot
//! compute features differently.

use crate::features::{Features, META};
use crate::model::Head;
use crate::{Label, Lang, sentiment::Rules};

/// One labelled text for training.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub lang: Lang,
    pub label: Label,
}

/// How to train one head.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether the head has word weights (only where real text of its language was seen).
    pub with_grams: bool,
    /// L2 penalty per example on the document weights.
    pub l2: f32,
    /// L2 penalty per example on the word weights it touches: stronger than `l2`, so that words
    /// seen in a few training texts do not outvote the lexicon.
    pub gram_l2: f32,
    pub epochs: usize,
    pub learning_rate: f32,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            with_grams: true,
            l2: 1e-4,
            gram_l2: 1e-3,
            epochs: 12,
            learning_rate: 0.2,
            seed: 0x6a61_7264,
        }
    }
}

/// The rules a language's text is scored with (unknown text: English's, for training data is
/// always of a known language).
fn rules_of(lang: Lang) -> Rules {
    match lang {
        Lang::Fr => Rules::Fr,
        _ => Rules::En,
    }
}

/// The features the model sees for `text`.
pub(crate) fn featurize(text: &str, lang: Lang, with_grams: bool) -> Features {
    let toks = crate::tokens(text);
    let rules = rules_of(lang);
    let raw = crate::sentiment::score(&toks, rules);
    crate::features::extract(&toks, &raw, rules, with_grams)
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The score in [-1, 1] that `head` gives `text` (2p − 1).
pub fn score_with(head: &Head, text: &str, lang: Lang) -> f32 {
    let f = featurize(text, lang, !head.grams.is_empty());
    2.0 * sigmoid(head.logit(&f)) - 1.0
}

/// Trains a polarity head on the positive and negative examples (neutral ones are skipped).
pub fn train(examples: &[Example], options: Options) -> Head {
    train_binary(examples, options, |label| match label {
        Label::Positive => Some(true),
        Label::Negative => Some(false),
        Label::Neutral => None,
    })
}

/// Trains a subjectivity head: positive and negative texts against neutral ones.
pub fn train_subjectivity(examples: &[Example], options: Options) -> Head {
    train_binary(examples, options, |label| Some(label != Label::Neutral))
}

/// Logistic regression of `target(label)` (examples where it is `None` are skipped).
fn train_binary(
    examples: &[Example],
    options: Options,
    target: impl Fn(Label) -> Option<bool>,
) -> Head {
    let data: Vec<(Features, f32)> = examples
        .iter()
        .filter_map(|e| {
            let y = if target(e.label)? { 1.0 } else { 0.0 };
            Some((featurize(&e.text, e.lang, options.with_grams), y))
        })
        .collect();
    let mut head = Head::zero(options.with_grams);
    // Balance the classes: each class weighs half of the total, so a set with more positive
    // reviews does not teach the model that most texts are positive.
    let positives = data.iter().filter(|(_, y)| *y == 1.0).count().max(1) as f32;
    let negatives = (data.len() as f32 - positives).max(1.0);
    let class_weight = |y: f32| {
        if y == 1.0 {
            data.len() as f32 / (2.0 * positives)
        } else {
            data.len() as f32 / (2.0 * negatives)
        }
    };
    let mut g2_bias = 1e-8_f32;
    let mut g2_meta = [1e-8_f32; META];
    let mut g2_grams = vec![1e-8_f32; head.grams.len()];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = options.seed | 1;
    for _ in 0..options.epochs {
        // Fisher–Yates with xorshift64: the same order on every machine.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let (f, y) = &data[i];
            let g = (sigmoid(head.logit(f)) - y) * class_weight(*y);
            let lr = options.learning_rate;
            g2_bias += g * g;
            head.bias -= lr * g / g2_bias.sqrt();
            for ((w, g2), x) in head.meta.iter_mut().zip(&mut g2_meta).zip(&f.meta) {
                let gk = g * x + options.l2 * *w;
                *g2 += gk * gk;
                *w -= lr * gk / g2.sqrt();
            }
            for &(bucket, value) in &f.grams {
                let b = bucket as usize;
                let gk = g * value + options.gram_l2 * head.grams[b];
                g2_grams[b] += gk * gk;
                head.grams[b] -= lr * gk / g2_grams[b].sqrt();
            }
        }
    }
    head
}

/// The probability that `head` gives `text` (polarity head: of being positive; subjectivity
/// head: of carrying an opinion at all).
pub fn probability(head: &Head, text: &str, lang: Lang) -> f32 {
    let f = featurize(text, lang, !head.grams.is_empty());
    sigmoid(head.logit(&f))
}

/// Chooses the subjectivity threshold (texts less likely than this to carry an opinion are
/// neutral) that gets the most texts of a three-class set right, given the polarity head. The
/// sets it is given hold news, editorials, tweets and reviews in their real proportions of
/// neutral text, so the threshold is what a listening stream needs.
pub fn calibrate_threshold(polarity: &Head, subjectivity: &Head, examples: &[Example]) -> f32 {
    let scored: Vec<(f32, f32, Label)> = examples
        .iter()
        .map(|e| {
            (
                score_with(polarity, &e.text, e.lang),
                probability(subjectivity, &e.text, e.lang),
                e.label,
            )
        })
        .collect();
    let mut best = (0, 0.5_f32);
    for step in 5..=95 {
        let threshold = step as f32 / 100.0;
        let right = scored
            .iter()
            .filter(|(s, p, l)| label_of(*s, *p, threshold) == *l)
            .count();
        if right > best.0 {
            best = (right, threshold);
        }
    }
    best.1
}

/// The label of a polarity score given the probability that the text carries an opinion and
/// the subjectivity threshold.
pub fn label_of(score: f32, subjective: f32, threshold: f32) -> Label {
    if subjective < threshold {
        Label::Neutral
    } else if score > 0.0 {
        Label::Positive
    } else {
        Label::Negative
    }
}
