//! Corrections teach: a workspace's adjustment to the model, learned from the sentiments its
//! team corrected.
//!
//! The adjustment adds to the model's two log-odds (polarity, and whether the text carries an
//! opinion at all) sparse word weights (and a bias, from 20 corrections on), learned by logistic regression with the
//! model's own log-odds as a fixed offset. A strong L2 penalty keeps it close to zero, so a
//! handful of corrections only moves texts that share their words ("rupture de stock" is a
//! complaint for this shop, "sick" praise for that skate brand), and the model's general
//! knowledge stays. Word features are used in every language here, French included, since the
//! corrections are real text of the workspace's own stream.
//!
//! [`Adjustment::learn`] also measures what it brings: on corrections held out while learning
//! (five folds), how many the model alone got right and how many the adjusted model gets right.

use std::collections::HashMap;

use crate::features::Features;
use crate::{Analysis, Label, Lang, Sentiment};

/// One corrected text: what the team says its sentiment is.
#[derive(Debug, Clone)]
pub struct Correction {
    pub text: String,
    pub label: Label,
}

/// Accuracy on corrections held out while learning, before and after the adjustment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Corrections evaluated (each once, in the fold that left it out).
    pub held_out: usize,
    /// Share the model alone labels as the team did.
    pub before: f64,
    /// Share the adjusted model labels as the team did.
    pub after: f64,
}

/// Below this many corrections the folds are too small to say anything.
const MIN_TO_MEASURE: usize = 20;
/// Corrections weigh this much more than the prior that keeps weights at zero.
const L2: f32 = 0.01;
const EPOCHS: usize = 10;
const LEARNING_RATE: f32 = 0.3;

/// Word weights, and a bias once there are enough corrections to trust one: a few corrections
/// that all go one way would otherwise tilt every text of the workspace.
#[derive(Debug, Clone, Default)]
struct Sparse {
    bias: f32,
    weights: HashMap<u32, f32>,
}

impl Sparse {
    fn value(&self, f: &Features) -> f32 {
        let mut z = self.bias;
        for (bucket, x) in &f.grams {
            if let Some(w) = self.weights.get(bucket) {
                z += w * x;
            }
        }
        z
    }
}

/// A workspace's adjustment.
#[derive(Debug, Clone, Default)]
pub struct Adjustment {
    polarity: Sparse,
    subjectivity: Sparse,
    /// The workspace's own subjectivity threshold, chosen on its corrections (from 20 on).
    threshold: Option<f32>,
    corrections: usize,
    measured: Option<Measured>,
}

/// A correction as the learner sees it.
struct Sample {
    logits: crate::Logits,
    label: Label,
}

fn sample(c: &Correction) -> Option<Sample> {
    let toks = crate::tokens(&c.text);
    let lang = crate::lang::detect(&c.text, &toks);
    crate::logits(&c.text, &toks, lang, true).map(|logits| Sample {
        logits,
        label: c.label,
    })
}

/// One logistic regression with offsets: `target` of each sample (None: skipped).
fn fit(
    samples: &[&Sample],
    offset: impl Fn(&Sample) -> f32,
    target: impl Fn(Label) -> Option<bool>,
) -> Sparse {
    let mut model = Sparse::default();
    let mut g2: HashMap<u32, f32> = HashMap::new();
    let mut g2_bias = 1e-8_f32;
    let with_bias = samples.len() >= MIN_TO_MEASURE;
    for _ in 0..EPOCHS {
        for s in samples {
            let Some(y) = target(s.label) else { continue };
            let y = if y { 1.0 } else { 0.0 };
            let f = &s.logits.features;
            let p = crate::sigmoid(offset(s) + model.value(f));
            let g = p - y;
            if with_bias {
                g2_bias += g * g;
                model.bias -= LEARNING_RATE * g / g2_bias.sqrt();
            }
            for &(bucket, x) in &f.grams {
                let w = model.weights.entry(bucket).or_insert(0.0);
                let gk = g * x + L2 * *w;
                let acc = g2.entry(bucket).or_insert(1e-8);
                *acc += gk * gk;
                *w -= LEARNING_RATE * gk / acc.sqrt();
            }
        }
    }
    model.weights.retain(|_, w| w.abs() > 1e-4);
    model
}

impl Adjustment {
    /// Learns from a workspace's corrections (the most recent few thousand are plenty) and
    /// measures the result on held-out folds when there are enough of them.
    pub fn learn(corrections: &[Correction]) -> Adjustment {
        let samples: Vec<Sample> = corrections.iter().filter_map(sample).collect();
        let all: Vec<&Sample> = samples.iter().collect();
        let mut adjustment = Adjustment::train(&all);
        adjustment.corrections = samples.len();
        if samples.len() >= MIN_TO_MEASURE {
            let (mut before, mut after) = (0, 0);
            for fold in 0..5 {
                let train: Vec<&Sample> = all
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 5 != fold)
                    .map(|(_, s)| *s)
                    .collect();
                let fitted = Adjustment::train(&train);
                for s in all.iter().skip(fold).step_by(5) {
                    before += usize::from(s.logits.sentiment(0.0, 0.0).label == s.label);
                    after += usize::from(fitted.apply(&s.logits).label == s.label);
                }
            }
            adjustment.measured = Some(Measured {
                held_out: samples.len(),
                before: before as f64 / samples.len() as f64,
                after: after as f64 / samples.len() as f64,
            });
        }
        adjustment
    }

    fn train(samples: &[&Sample]) -> Adjustment {
        let mut adjustment = Adjustment {
            polarity: fit(
                samples,
                |s| s.logits.polarity,
                |label| match label {
                    Label::Positive => Some(true),
                    Label::Negative => Some(false),
                    Label::Neutral => None,
                },
            ),
            subjectivity: fit(
                samples,
                |s| s.logits.subjectivity,
                |label| Some(label != Label::Neutral),
            ),
            threshold: None,
            corrections: samples.len(),
            measured: None,
        };
        if samples.len() >= MIN_TO_MEASURE {
            // Each sample's adjusted log-odds once; then the threshold that gets most right.
            let adjusted: Vec<(f32, f32, Label)> = samples
                .iter()
                .map(|s| {
                    let f = &s.logits.features;
                    (
                        s.logits.polarity + adjustment.polarity.value(f),
                        s.logits.subjectivity + adjustment.subjectivity.value(f),
                        s.label,
                    )
                })
                .collect();
            let right = |threshold: f32| {
                adjusted
                    .iter()
                    .zip(samples)
                    .filter(|((p, q, label), s)| {
                        s.logits
                            .sentiment_with(
                                *p - s.logits.polarity,
                                *q - s.logits.subjectivity,
                                threshold,
                            )
                            .label
                            == *label
                    })
                    .count()
            };
            let best = (5..=95)
                .map(|step| step as f32 / 100.0)
                .max_by_key(|&t| right(t))
                .unwrap_or(0.5);
            adjustment.threshold = Some(best);
        }
        adjustment
    }

    fn apply(&self, logits: &crate::Logits) -> Sentiment {
        logits.sentiment_with(
            self.polarity.value(&logits.features),
            self.subjectivity.value(&logits.features),
            self.threshold.unwrap_or(logits.threshold),
        )
    }

    /// How many corrections it learned from.
    pub fn corrections(&self) -> usize {
        self.corrections
    }

    /// What it brings on held-out corrections (`None` below 20 corrections).
    pub fn measured(&self) -> Option<Measured> {
        self.measured
    }

    /// Language and sentiment of `text` for this workspace.
    pub fn analyze(&self, text: &str) -> Analysis {
        let toks = crate::tokens(text);
        let lang = crate::lang::detect(text, &toks);
        let sentiment = match crate::logits(text, &toks, lang, true) {
            Some(logits) => self.apply(&logits),
            None => Sentiment {
                label: Label::Neutral,
                score: 0.0,
            },
        };
        Analysis { lang, sentiment }
    }

    /// The sentiment of `text` read as `lang`, for this workspace.
    pub fn sentiment(&self, text: &str, lang: Lang) -> Sentiment {
        let toks = crate::tokens(text);
        match crate::logits(text, &toks, lang, true) {
            Some(logits) => self.apply(&logits),
            None => Sentiment {
                label: Label::Neutral,
                score: 0.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correction(text: &str, label: Label) -> Correction {
        Correction {
            text: text.to_owned(),
            label,
        }
    }

    #[test]
    fn a_workspace_vocabulary_is_learned_without_forgetting_the_rest() {
        // For this skate brand, "sick" and "insane" are praise.
        let corrections: Vec<Correction> = [
            "that new deck is sick",
            "sick board, sick graphics",
            "this colorway is insane",
            "insane pop on the new wheels",
            "the new trucks are sick",
            "sick video from the team",
        ]
        .iter()
        .map(|t| correction(t, Label::Positive))
        .collect();
        let adjustment = Adjustment::learn(&corrections);
        assert_eq!(adjustment.corrections(), 6);
        assert!(adjustment.measured().is_none(), "too few to measure");
        let base = crate::analyze("sick graphics on the new deck").sentiment;
        let adjusted = adjustment
            .analyze("sick graphics on the new deck")
            .sentiment;
        assert!(adjusted.score > base.score, "{base:?} → {adjusted:?}");
        assert_eq!(adjusted.label, Label::Positive, "{base:?} → {adjusted:?}");
        // What was not corrected keeps the model's reading.
        let other = "the delivery was late and the box was broken";
        assert_eq!(
            adjustment.analyze(other).sentiment.label,
            crate::analyze(other).sentiment.label
        );
    }

    #[test]
    fn no_corrections_change_nothing() {
        let adjustment = Adjustment::learn(&[]);
        for text in [
            "Super café !",
            "Colis jamais reçu",
            "The meeting is at noon.",
        ] {
            assert_eq!(adjustment.analyze(text), crate::analyze(text));
        }
    }
}
