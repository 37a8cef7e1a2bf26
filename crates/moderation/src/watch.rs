//! The workspace's watched words, each with what to do when a text has one (issue 17, item 2):
//! block, hold for review, flag, censor, replace, tag, silence the author. Matching reads the
//! text as [`crate::fold`] does, so `c0nn@rd` is `connard` and `f*ck` is `fuck`.

use std::ops::Range;

use crate::fold::{Word, fold_entry, words};

/// What to do with a text that has a watched word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Refused: the author is told why, nothing is kept.
    Block,
    /// Kept out of sight until a moderator approves it.
    Hold,
    /// Published, and put in the review queue.
    Flag,
    /// Published with the word's letters hidden (`c******`).
    Censor,
    /// Published with the word replaced by this text.
    Replace(String),
    /// Published with this tag (for the team's lists).
    Tag(String),
    /// Published, and its author can post nothing more until a moderator decides.
    Silence,
}

impl Action {
    /// The code a workspace's watched word is stored with (`moderation_watched.action`).
    pub fn code(&self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::Hold => "hold",
            Action::Flag => "flag",
            Action::Censor => "censor",
            Action::Replace(_) => "replace",
            Action::Tag(_) => "tag",
            Action::Silence => "silence",
        }
    }

    /// The action of a stored code, with its argument (the replacement or the tag).
    pub fn parse(code: &str, argument: &str) -> Option<Action> {
        Some(match code {
            "block" => Action::Block,
            "hold" => Action::Hold,
            "flag" => Action::Flag,
            "censor" => Action::Censor,
            "replace" => Action::Replace(argument.to_owned()),
            "tag" => Action::Tag(argument.to_owned()),
            "silence" => Action::Silence,
            _ => return None,
        })
    }

    /// How strongly the action keeps the text from readers: the strongest one of a text's
    /// watched words decides its fate.
    fn weight(&self) -> u8 {
        match self {
            Action::Block => 5,
            Action::Silence => 4,
            Action::Hold => 3,
            Action::Flag => 2,
            Action::Censor | Action::Replace(_) | Action::Tag(_) => 1,
        }
    }
}

/// A watched word or phrase (several words: matched as consecutive words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub words: String,
    pub action: Action,
}

/// A watched word found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The watched entry, as the workspace wrote it.
    pub watched: String,
    pub action: Action,
    /// Where it is in the text (bytes).
    pub span: Range<usize>,
}

/// What the watched words make of a text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    /// The text as published: censored and replaced words changed, the rest as written.
    pub text: String,
    /// The tags given.
    pub tags: Vec<String>,
}

impl Outcome {
    /// The strongest action of the hits (`None`: the text has no watched word, or only words
    /// that change its text or tag it).
    pub fn strongest(&self) -> Option<&Action> {
        self.hits
            .iter()
            .map(|h| &h.action)
            .filter(|a| a.weight() > 1)
            .max_by_key(|a| a.weight())
    }
}

/// Reads `text` for the `watched` words.
pub fn apply(text: &str, watched: &[Watched]) -> Outcome {
    let found = words(text);
    let entries: Vec<(Vec<String>, &Watched)> = watched
        .iter()
        .map(|w| {
            (
                fold_entry(&w.words)
                    .split(' ')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<String>>(),
                w,
            )
        })
        .filter(|(parts, _)| !parts.is_empty())
        .collect();
    let mut hits: Vec<Hit> = Vec::new();
    let mut at = 0;
    while at < found.len() {
        let hit = entries.iter().find_map(|(parts, w)| {
            let run: &[Word] = found.get(at..at + parts.len())?;
            run.iter()
                .zip(parts)
                .all(|(word, part)| word.matches(part))
                .then(|| Hit {
                    watched: w.words.clone(),
                    action: w.action.clone(),
                    span: run[0].span.start..run[run.len() - 1].span.end,
                })
                .map(|hit| (hit, parts.len()))
        });
        match hit {
            Some((hit, len)) => {
                hits.push(hit);
                at += len;
            }
            None => at += 1,
        }
    }
    let mut published = String::with_capacity(text.len());
    let mut last = 0;
    let mut tags: Vec<String> = Vec::new();
    for hit in &hits {
        let replacement = match &hit.action {
            Action::Censor => Some(censor(&text[hit.span.clone()])),
            Action::Replace(with) => Some(with.clone()),
            Action::Tag(tag) => {
                if !tags.contains(tag) {
                    tags.push(tag.clone());
                }
                None
            }
            _ => None,
        };
        if let Some(replacement) = replacement {
            published.push_str(&text[last..hit.span.start]);
            published.push_str(&replacement);
            last = hit.span.end;
        }
    }
    published.push_str(&text[last..]);
    Outcome {
        hits,
        text: published,
        tags,
    }
}

/// A word with its first letter shown and each other letter hidden (`connard` → `c******`).
fn censor(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        out.push(if i == 0 || !c.is_alphanumeric() {
            c
        } else {
            '*'
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched() -> Vec<Watched> {
        vec![
            Watched {
                words: "connard".into(),
                action: Action::Hold,
            },
            Watched {
                words: "merde".into(),
                action: Action::Censor,
            },
            Watched {
                words: "concurrent.fr".into(),
                action: Action::Block,
            },
            Watched {
                words: "Nespresso".into(),
                action: Action::Tag("concurrence".into()),
            },
            Watched {
                words: "mot de passe".into(),
                action: Action::Replace("[retiré]".into()),
            },
        ]
    }

    #[test]
    fn each_watched_word_does_what_it_is_set_to() {
        let outcome = apply(
            "Quelle m3rde ce moulin, je reviens à ma NESPRESSO. Mon mot de passe : chat",
            &watched(),
        );
        assert_eq!(
            outcome.text,
            "Quelle m**** ce moulin, je reviens à ma NESPRESSO. Mon [retiré] : chat"
        );
        assert_eq!(outcome.tags, ["concurrence"]);
        assert_eq!(outcome.strongest(), None);
        let watched_found: Vec<&str> = outcome.hits.iter().map(|h| h.watched.as_str()).collect();
        assert_eq!(watched_found, ["merde", "Nespresso", "mot de passe"]);
    }

    #[test]
    fn the_strongest_action_decides_and_evasions_do_not_hide_a_word() {
        let outcome = apply("espèce de c0nn@rd, va voir sur concurrent.fr", &watched());
        assert_eq!(outcome.strongest(), Some(&Action::Block));
        let text = "espèce de c 0 n n a r d";
        let outcome = apply(text, &watched());
        assert_eq!(outcome.strongest(), Some(&Action::Hold));
        assert_eq!(&text[outcome.hits[0].span.clone()], "c 0 n n a r d");
    }

    #[test]
    fn a_text_without_watched_words_is_kept_as_written() {
        let text = "Le conditionnement est arrivé abîmé, c'est décevant.";
        let outcome = apply(text, &watched());
        assert_eq!(
            outcome,
            Outcome {
                hits: vec![],
                text: text.into(),
                tags: vec![]
            }
        );
    }

    #[test]
    fn each_action_reads_back_from_its_code() {
        for action in [
            Action::Block,
            Action::Hold,
            Action::Flag,
            Action::Censor,
            Action::Replace("x".into()),
            Action::Tag("x".into()),
            Action::Silence,
        ] {
            assert_eq!(Action::parse(action.code(), "x"), Some(action));
        }
        assert_eq!(Action::parse("mute", ""), None);
    }
}
