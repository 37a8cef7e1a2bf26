//! Local language detection and French/English sentiment for listening items (social posts,
//! forum messages, blog comments, consumer reviews). Everything runs in-process: lexicons are
//! embedded in the binary and nothing touches the disk or the network at run time.
//!
//! ```
//! use jardinier_analysis::{analyze, Label, Lang};
//! let a = analyze("Livraison rapide, produit conforme. Je recommande !");
//! assert_eq!(a.lang, Lang::Fr);
//! assert_eq!(a.sentiment.label, Label::Positive);
//! ```
//!
//! # How it works
//! - **Language**: function words of seven languages, the sentiment lexicons and French slang,
//!   accented letters, French typography and suffixes vote. When they cannot decide and the text
//!   has 30 letters or more, whatlang's character trigrams do (reliable answers, or answers that
//!   agree with the words' leading language). Anything that is not clearly French or English
//!   (German, Spanish, Italian, an emoji alone, a URL, "ok") is `Unknown`.
//! - **Rules** (`sentiment.rs`): VADER (Hutto & Gilbert 2014) re-implemented — word valences,
//!   boosters and dampeners, negation, "but"-shift, capitals, exclamation marks, emojis — with a
//!   French lexicon and French rules ("ne … pas", "sans", "mais", "trop X", "malgré", ratings
//!   such as "2/5", sarcasm). [`rules_sentiment`] gives their verdict alone.
//! - **The learned model** (`features.rs`, `model.rs`): logistic regression over what the rules
//!   found, read at the level of the document (the sentences' votes, the conclusion, the share of
//!   negative sentences, Pattern's mean adjective polarity) and, for English, hashed word
//!   unigrams and bigrams with negation scopes. A second head decides whether the text carries
//!   an opinion at all (neutral otherwise). Trained by `examples/train_sentiment.rs` on the
//!   training parts of real labelled sets (NOTICE), compiled in, checked at start
//!   ([`check_model`]). French and unknown text uses the document-level head, whose weights
//!   mean the same in every language: no real labelled French text could be had to train
//!   French word weights.
//! - **Corrections** (`adjust.rs`): a workspace's corrections add their own word weights (and,
//!   from 20 on, a bias and a neutral threshold) to the model's log-odds.
//!
//! # Measured accuracy
//! `cargo test -p jardinier-analysis --release --test accuracy -- --nocapture` prints every
//! figure with its 95 % interval and confusion matrix, and fails below floors set under them;
//! `jardinier analyze --eval FILE` measures any `label<TAB>text` file. CHANGELOG.md keeps the
//! current figures. Only real text nobody here wrote, held out from training, counts; the
//! French sets written for this crate are a regression check of the rules, not a measure.
//!
//! # Throughput
//! `cargo run --release -p jardinier-analysis --example throughput`, or
//! `jardinier analyze --bench < texts.txt` (texts per second on one core).

pub mod adjust;
pub mod eval;
mod features;
mod lang;
mod lexicon;
mod model;
mod sentiment;
mod text;
pub mod training;

pub use model::{Head, Model, ModelError};
use sentiment::{Raw, Rules};

/// The language of a text, as far as this crate cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Fr,
    En,
    /// Another language, or too little text to tell.
    Unknown,
}

impl Lang {
    /// Stable code for storage and display: "fr", "en" or "unknown".
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
            Lang::Unknown => "unknown",
        }
    }
}

/// Polarity class of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Positive,
    Neutral,
    Negative,
}

impl Label {
    /// Stable name for storage and display: "positive", "neutral" or "negative".
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }
}

/// A polarity label with its compound score in [-1, 1] (below 0 negative, above 0 positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sentiment {
    pub label: Label,
    pub score: f32,
}

/// Language and sentiment of one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    pub lang: Lang,
    pub sentiment: Sentiment,
}

/// Compound scores at or beyond these are positive / negative in the rules alone (VADER's
/// convention); the learned model has its own neutral band.
const POSITIVE_THRESHOLD: f32 = 0.05;
const NEGATIVE_THRESHOLD: f32 = -0.05;

/// Checks the compiled-in sentiment model. Binaries call this at start, so that a damaged model
/// is a clear error then rather than a panic at the first text.
pub fn check_model() -> Result<(), ModelError> {
    model::MODEL.as_ref().map(|_| ()).map_err(Clone::clone)
}

pub(crate) fn tokens(text: &str) -> Vec<text::Token<'_>> {
    text::tokenize(text, &lexicon::is_emoticon)
}

/// Detects whether `text` is French, English, or neither / too short to tell.
pub fn detect_language(text: &str) -> Lang {
    lang::detect(text, &tokens(text))
}

/// Scores `text` as written in `lang`. For `Unknown`, both rule sets run and the one that
/// recognises more sentiment-bearing tokens wins, so emojis and a stray "top" still count.
pub fn sentiment(text: &str, lang: Lang) -> Sentiment {
    score_tokens(text, &tokens(text), lang)
}

/// Detects the language, then scores the sentiment as written in that language.
pub fn analyze(text: &str) -> Analysis {
    let toks = tokens(text);
    let lang = lang::detect(text, &toks);
    Analysis {
        lang,
        sentiment: score_tokens(text, &toks, lang),
    }
}

/// The rules alone (lexicon, negation, contrast, sarcasm), without the learned model: what
/// `sentiment` gave before the model, kept for the rule tables and for comparisons.
pub fn rules_sentiment(text: &str, lang: Lang) -> Sentiment {
    let toks = tokens(text);
    let (_, mut raw) = rules_score(&toks, lang);
    if raw.sum > 0.0 && sentiment::marked_sarcastic(text) {
        raw.sum = -raw.sum;
    }
    let score = sentiment::normalize(raw.sum);
    let label = if score >= POSITIVE_THRESHOLD {
        Label::Positive
    } else if score <= NEGATIVE_THRESHOLD {
        Label::Negative
    } else {
        Label::Neutral
    };
    Sentiment { label, score }
}

fn rules_score(toks: &[text::Token], lang: Lang) -> (Rules, Raw) {
    match lang {
        Lang::Fr => (Rules::Fr, sentiment::score(toks, Rules::Fr)),
        Lang::En => (Rules::En, sentiment::score(toks, Rules::En)),
        Lang::Unknown => {
            let fr = sentiment::score(toks, Rules::Fr);
            let en = sentiment::score(toks, Rules::En);
            let strength = |r: &Raw| (r.hits, r.sum.abs());
            if strength(&en) > strength(&fr) {
                (Rules::En, en)
            } else {
                (Rules::Fr, fr)
            }
        }
    }
}

/// The learned model over the rules' output: English text (by detection or by its rules winning)
/// goes to the head trained with English words, everything else to the document-level head.
fn score_tokens(text: &str, toks: &[text::Token], lang: Lang) -> Sentiment {
    match logits(text, toks, lang, false) {
        Some(logits) => logits.sentiment(0.0, 0.0),
        None => Sentiment {
            label: Label::Neutral,
            score: 0.0,
        },
    }
}

/// What the model makes of a text, before any workspace's adjustment (`adjust.rs`).
pub(crate) struct Logits {
    /// Log-odds of positive.
    pub polarity: f32,
    /// Log-odds of carrying an opinion at all.
    pub subjectivity: f32,
    pub threshold: f32,
    /// Said to be sarcastic ("#ironie", "/s").
    pub sarcastic: bool,
    pub features: features::Features,
}

pub(crate) fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Logits {
    /// The sentiment with `polarity` and `subjectivity` added to the model's log-odds.
    pub(crate) fn sentiment(&self, polarity: f32, subjectivity: f32) -> Sentiment {
        self.sentiment_with(polarity, subjectivity, self.threshold)
    }

    /// The same with another subjectivity threshold.
    pub(crate) fn sentiment_with(
        &self,
        polarity: f32,
        subjectivity: f32,
        threshold: f32,
    ) -> Sentiment {
        let mut score = 2.0 * sigmoid(self.polarity + polarity) - 1.0;
        // Said to be sarcastic: the praise means the opposite.
        if score > 0.0 && self.sarcastic {
            score = -score;
        }
        let subjective = sigmoid(self.subjectivity + subjectivity);
        Sentiment {
            label: training::label_of(score, subjective, threshold),
            score,
        }
    }
}

/// `None` when there is nothing to read (an empty text, a link alone, punctuation). With
/// `all_grams`, the word features are computed whatever the language (adjustments use them).
pub(crate) fn logits(
    text: &str,
    toks: &[text::Token],
    lang: Lang,
    all_grams: bool,
) -> Option<Logits> {
    if toks.iter().all(|t| {
        matches!(
            t.kind,
            text::Kind::SentenceEnd | text::Kind::ClauseBreak | text::Kind::Slash
        )
    }) {
        return None;
    }
    let (rules, raw) = rules_score(toks, lang);
    let model = model::model();
    let (head, subjectivity) = if rules == Rules::En {
        (&model.en, &model.en_subjectivity)
    } else {
        (&model.other, &model.other_subjectivity)
    };
    let features = features::extract(toks, &raw, rules, all_grams || !head.grams.is_empty());
    Some(Logits {
        polarity: head.logit(&features),
        subjectivity: subjectivity.logit(&features),
        threshold: subjectivity.threshold,
        sarcastic: sentiment::marked_sarcastic(text),
        features,
    })
}
