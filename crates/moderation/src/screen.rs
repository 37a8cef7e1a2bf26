//! Automatic screening at the moment of posting: one text in, scores and a verdict out, with
//! every reason a moderator needs to trust or overrule it (the rule or model, its score, the
//! words highlighted).
//!
//! - **spam**: a classifier trained on real labelled spam (`data/spam_model.bin`, see
//!   `examples/train_moderation.rs` and NOTICE), links and shorteners named as reasons;
//! - **toxic** (insults, harassment): the lexicons of [`crate::lexicon`], read through
//!   [`crate::fold`]'s undoing of evasions. An insult *aimed* at someone is held; swearing that
//!   targets nobody is not (an angry customer's fair complaint stays up). A classifier trained
//!   on labelled insults can be given ([`Screener::with_toxic_model`]); none ships, for want of
//!   labelled data whose licence allows it (docs/moderation-data.md);
//! - **personal data** in public (e-mail addresses, phone numbers, IBANs): held;
//! - **watched words** of the workspace, each with its action.

use std::ops::Range;
use std::sync::LazyLock;

use crate::features::{self, Features};
use crate::lexicon::Lang;
use crate::model::{Model, ModelError};
use crate::watch::{self, Action, Watched};

const SPAM_MODEL: &[u8] = include_bytes!("../data/spam_model.bin");
const SPAM_MODEL_FILE: &str = "crates/moderation/data/spam_model.bin";

static SPAM: LazyLock<Result<Model, ModelError>> = LazyLock::new(|| {
    Model::from_bytes(SPAM_MODEL).map_err(|e| {
        ModelError(format!(
            "the spam model ({SPAM_MODEL_FILE}) cannot be used: {e}. Rebuild Jardinier from an \
             intact source tree"
        ))
    })
});

/// What happens to a screened text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Published.
    Allow,
    /// Kept out of sight until a moderator approves it.
    Hold,
    /// Refused; the author is told why.
    Block,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Hold => "hold",
            Verdict::Block => "block",
        }
    }
}

/// Why screening decided as it did: a code (the catalogues' `moderation.reason.{code}`), the
/// score it came with, and the parts of the text it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: &'static str,
    /// What the reason is about: the lexicon entry, the watched word, the link's host…
    pub detail: String,
    pub score: Option<f32>,
    pub spans: Vec<Range<usize>>,
    /// The verdict this reason alone leads to.
    pub verdict: Verdict,
}

/// Scores above which a text is held or blocked. The defaults hold for every workspace until it
/// sets its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub hold_spam: f32,
    pub block_spam: f32,
    pub hold_toxic: f32,
    pub block_toxic: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            hold_spam: 0.5,
            block_spam: 0.98,
            hold_toxic: 0.5,
            block_toxic: 0.9,
        }
    }
}

/// A screened text.
#[derive(Debug, Clone, PartialEq)]
pub struct Screening {
    /// 0 to 1.
    pub spam: f32,
    /// 0 to 1.
    pub toxic: f32,
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    /// The text as published (watched words censored or replaced).
    pub text: String,
    /// Tags given by watched words.
    pub tags: Vec<String>,
    /// Whether a watched word silences the author.
    pub silence: bool,
}

/// Screens texts. Cheap to clone; build one per process (or per workspace, for its model).
#[derive(Debug, Clone)]
pub struct Screener {
    spam: Model,
    toxic: Option<Model>,
    pub thresholds: Thresholds,
}

impl Screener {
    /// The screener with the model built into Jardinier; an error says which file is damaged.
    pub fn new() -> Result<Screener, ModelError> {
        Ok(Screener {
            spam: SPAM.as_ref().map_err(Clone::clone)?.clone(),
            toxic: None,
            thresholds: Thresholds::default(),
        })
    }

    /// With a spam model of one's own (trained by `examples/train_moderation.rs`).
    pub fn with_spam_model(mut self, model: Model) -> Screener {
        self.spam = model;
        self
    }

    /// With a toxic classifier: its probability replaces the lexicon's rules as the toxic score
    /// (the lexicon's hits stay as reasons).
    pub fn with_toxic_model(mut self, model: Model) -> Screener {
        self.toxic = Some(model);
        self
    }

    /// Screens `text` written in `langs` (both when unknown), with the workspace's `watched`
    /// words.
    pub fn screen(&self, text: &str, langs: &[Lang], watched: &[Watched]) -> Screening {
        let f = features::extract(text, langs);
        let t = self.thresholds;
        let mut reasons = Vec::new();

        let spam = self.spam.probability(&f);
        let spam_verdict = level(spam, t.hold_spam, t.block_spam);
        if spam_verdict > Verdict::Allow {
            reasons.push(Reason {
                code: "spam",
                detail: String::new(),
                score: Some(spam),
                spans: f.links.iter().map(|l| l.span.clone()).collect(),
                verdict: spam_verdict,
            });
            for link in f.links.iter().filter(|l| l.shortener) {
                reasons.push(Reason {
                    code: "shortener",
                    detail: link.host.clone(),
                    score: None,
                    spans: vec![link.span.clone()],
                    verdict: Verdict::Allow,
                });
            }
        }

        let toxic = match &self.toxic {
            Some(model) => model.probability(&f),
            None => lexicon_score(&f),
        };
        let toxic_verdict = level(toxic, t.hold_toxic, t.block_toxic);
        for hit in &f.hits {
            reasons.push(Reason {
                code: if hit.aimed { "insult" } else { "profanity" },
                detail: hit.entry.clone(),
                score: Some(toxic),
                spans: vec![hit.span.clone()],
                verdict: toxic_verdict,
            });
        }
        if toxic_verdict > Verdict::Allow && f.hits.is_empty() {
            reasons.push(Reason {
                code: "toxic",
                detail: String::new(),
                score: Some(toxic),
                spans: Vec::new(),
                verdict: toxic_verdict,
            });
        }

        for found in &f.personal {
            reasons.push(Reason {
                code: found.kind.code(),
                detail: String::new(),
                score: None,
                spans: vec![found.span.clone()],
                verdict: Verdict::Hold,
            });
        }

        let outcome = watch::apply(text, watched);
        let mut silence = false;
        for hit in &outcome.hits {
            let verdict = match hit.action {
                Action::Block => Verdict::Block,
                Action::Hold | Action::Silence => Verdict::Hold,
                _ => Verdict::Allow,
            };
            silence |= hit.action == Action::Silence;
            reasons.push(Reason {
                code: "watched",
                detail: hit.watched.clone(),
                score: None,
                spans: vec![hit.span.clone()],
                verdict,
            });
        }

        let verdict = reasons
            .iter()
            .map(|r| r.verdict)
            .max()
            .unwrap_or(Verdict::Allow);
        Screening {
            spam,
            toxic,
            verdict,
            reasons,
            text: outcome.text,
            tags: outcome.tags,
            silence,
        }
    }
}

/// The lexicons to read `text` with: those of its language, or both when it cannot be told.
pub fn languages(text: &str) -> &'static [Lang] {
    match jardinier_analysis::detect_language(text) {
        jardinier_analysis::Lang::En => &[Lang::En],
        jardinier_analysis::Lang::Fr => &[Lang::Fr],
        jardinier_analysis::Lang::Unknown => &[Lang::En, Lang::Fr],
    }
}

fn level(score: f32, hold: f32, block: f32) -> Verdict {
    if score >= block {
        Verdict::Block
    } else if score >= hold {
        Verdict::Hold
    } else {
        Verdict::Allow
    }
}

/// The toxic score of the lexicon's rules: an insult aimed at someone is held (0.8), two or
/// more are blocked (0.9 and up); swearing aimed at nobody stays under the hold line (0.2 to
/// 0.4), so that a heated complaint is published.
fn lexicon_score(f: &Features) -> f32 {
    let aimed = f.hits.iter().filter(|h| h.aimed).count();
    let loose = f.hits.len() - aimed;
    match (aimed, loose) {
        (0, 0) => 0.0,
        (0, n) => 0.2 + 0.1 * n.min(2) as f32,
        (1, _) => 0.8,
        (n, _) => (0.85 + 0.05 * n as f32).min(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(text: &str) -> Screening {
        Screener::new()
            .expect("the built-in model")
            .screen(text, &[Lang::En, Lang::Fr], &[])
    }

    #[test]
    fn an_aimed_insult_is_held_and_swearing_at_a_product_is_not() {
        let insult = screen("t'es vraiment qu'un c0nn@rd");
        assert_eq!(insult.verdict, Verdict::Hold);
        assert_eq!(insult.reasons[0].code, "insult");
        assert_eq!(
            &"t'es vraiment qu'un c0nn@rd"[insult.reasons[0].spans[0].clone()],
            "c0nn@rd"
        );
        let complaint = screen("Third time the damn app crashes, this is shit service");
        assert_eq!(complaint.verdict, Verdict::Allow, "{complaint:?}");
        assert!(complaint.toxic < 0.5);
    }

    #[test]
    fn personal_data_is_held_and_watched_words_act() {
        let phone = screen("Appelez-moi au 06 12 34 56 78 pour le concours");
        assert_eq!(phone.verdict, Verdict::Hold);
        assert!(phone.reasons.iter().any(|r| r.code == "phone"));
        let watched = [Watched {
            words: "concurrent".into(),
            action: Action::Block,
        }];
        let s = Screener::new().expect("model").screen(
            "Allez plutôt chez le concurrent",
            &[Lang::Fr],
            &watched,
        );
        assert_eq!(s.verdict, Verdict::Block);
        assert_eq!(s.reasons.last().expect("a reason").detail, "concurrent");
    }
}
