//! Profane and abusive words, French and English, and whether a text aims them at someone.
//!
//! The lists (`data/lexicon-*.txt`) come from LDNOOBW and `cuss` (origins and licences in their
//! headers and in NOTICE), plus a few common insults of each language that those lists lack
//! (`data/insults-*.txt`, written here). Entries are folded as texts are ([`fold::fold_entry`]),
//! so `c0nn@rd`, `f*ck`, `c o n n a r d` and `connnnard` all match.
//!
//! A hit is *aimed* when the word is addressed to someone: a second-person word (`you`, `ur`,
//! `tu`, `t'`, `vous`…) or an address (`espèce de`, `sale`, `bande de`) within five words
//! before it. Swearing at a product ("this f*cking app crashed again") is not aimed: a heated
//! customer swears, an insult targets.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use crate::fold::{self, Word};

/// The language of a lexicon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Fr,
}

/// A lexicon entry found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The entry, as the list writes it.
    pub entry: String,
    /// Where the matched words are in the text (bytes).
    pub span: Range<usize>,
    /// Addressed to someone (see the module's documentation).
    pub aimed: bool,
}

struct Lexicon {
    /// Folded one-word entries → the entry as written.
    words: HashMap<String, String>,
    /// The same, squeezed: for stretched words (`connnnard`).
    squeezed: HashMap<String, String>,
    /// Folded entries of several words, by their first folded word squeezed.
    phrases: HashMap<String, Vec<(Vec<String>, String)>>,
    /// One-word entries, for masked words (`f*ck`): scanned linearly.
    all: Vec<(String, String)>,
}

fn load(lists: &[&str]) -> Lexicon {
    let mut lexicon = Lexicon {
        words: HashMap::new(),
        squeezed: HashMap::new(),
        phrases: HashMap::new(),
        all: Vec::new(),
    };
    let mut seen = HashSet::new();
    for list in lists {
        for line in list.lines() {
            let entry = line.split('\t').next().unwrap_or("").trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let folded = fold::fold_entry(entry);
            // Entries of one or two letters once folded (`ta`, `pd`) match ordinary words.
            if fold::squeeze(&folded).len() < 3 || !seen.insert(folded.clone()) {
                continue;
            }
            let parts: Vec<String> = folded.split(' ').map(str::to_owned).collect();
            if parts.len() == 1 {
                lexicon.words.insert(folded.clone(), entry.to_owned());
                lexicon
                    .squeezed
                    .entry(fold::squeeze(&folded))
                    .or_insert_with(|| entry.to_owned());
                lexicon.all.push((folded, entry.to_owned()));
            } else {
                lexicon
                    .phrases
                    .entry(fold::squeeze(&parts[0]))
                    .or_default()
                    .push((parts, entry.to_owned()));
            }
        }
    }
    lexicon
}

static EN: LazyLock<Lexicon> = LazyLock::new(|| {
    load(&[
        include_str!("../data/lexicon-en.txt"),
        include_str!("../data/insults-en.txt"),
    ])
});
static FR: LazyLock<Lexicon> = LazyLock::new(|| {
    load(&[
        include_str!("../data/lexicon-fr.txt"),
        include_str!("../data/insults-fr.txt"),
    ])
});

/// Words that address someone, folded as texts are (`l` reads as `i`).
const ADDRESS: &[&str] = &[
    // English
    "you", "your", "youre", "yours", "yourself", "u", "ur", "ya", "thou", "ye",
    // French (`t'es` folds to `t es`)
    "tu", "t", "te", "toi", "ta", "ton", "tes", "vous", "votre", "vos", "espece", "bande", "sale",
    "pauvre", "gros", "grosse",
];

static ADDRESS_FOLDED: LazyLock<HashSet<String>> =
    LazyLock::new(|| ADDRESS.iter().map(|w| fold::fold_entry(w)).collect());

/// How many words before a lexicon word an address still aims it.
const AIM_WINDOW: usize = 5;

/// The lexicon entries in `words` (the folded words of a text), for the languages given.
pub fn hits(words: &[Word], langs: &[Lang]) -> Vec<Hit> {
    let squeezed: Vec<String> = words.iter().map(Word::squeezed).collect();
    let keys: Vec<String> = words.iter().map(Word::key).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut taken = None;
        for lang in langs {
            let lexicon = match lang {
                Lang::En => &*EN,
                Lang::Fr => &*FR,
            };
            taken = phrase_at(lexicon, words, &squeezed, i)
                .or_else(|| word_at(lexicon, &words[i], &keys[i]).map(|entry| (1, entry)));
            if taken.is_some() {
                break;
            }
        }
        match taken {
            Some((len, entry)) => {
                let aimed =
                    (i.saturating_sub(AIM_WINDOW)..i).any(|j| ADDRESS_FOLDED.contains(&keys[j]));
                found.push(Hit {
                    entry,
                    span: words[i].span.start..words[i + len - 1].span.end,
                    aimed,
                });
                i += len;
            }
            None => i += 1,
        }
    }
    found
}

fn phrase_at(
    lexicon: &Lexicon,
    words: &[Word],
    squeezed: &[String],
    i: usize,
) -> Option<(usize, String)> {
    let candidates = lexicon.phrases.get(&squeezed[i])?;
    candidates
        .iter()
        .filter(|(parts, _)| {
            words.len() - i >= parts.len()
                && parts.iter().zip(&words[i..]).all(|(p, w)| w.matches(p))
        })
        .max_by_key(|(parts, _)| parts.len())
        .map(|(parts, entry)| (parts.len(), entry.clone()))
}

fn word_at(lexicon: &Lexicon, word: &Word, key: &str) -> Option<String> {
    let found = if word.stretched() {
        lexicon.squeezed.get(key)
    } else {
        lexicon.words.get(key)
    };
    if let Some(entry) = found {
        return Some(entry.clone());
    }
    if key.contains('*') {
        return lexicon
            .all
            .iter()
            .find(|(folded, _)| word.matches(folded))
            .map(|(_, entry)| entry.clone());
    }
    None
}

/// Whether a word ([`Word::key`]) addresses someone: used by features as well.
pub fn is_address(key: &str) -> bool {
    ADDRESS_FOLDED.contains(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits_in(text: &str, lang: Lang) -> Vec<(String, bool)> {
        hits(&fold::words(text), &[lang])
            .into_iter()
            .map(|h| (text[h.span].to_owned(), h.aimed))
            .collect()
    }

    #[test]
    fn obfuscated_words_match_and_an_address_aims_them() {
        assert_eq!(
            hits_in("t'es qu'un c0nn@rd", Lang::Fr),
            vec![("c0nn@rd".to_owned(), true)]
        );
        assert_eq!(
            hits_in("you are such an 1d1ot", Lang::En),
            vec![("1d1ot".to_owned(), true)]
        );
        assert_eq!(
            hits_in("this f*cking app crashed again", Lang::En),
            vec![("f*cking".to_owned(), false)]
        );
        assert_eq!(
            hits_in("espèce de c o n n a r d", Lang::Fr),
            vec![("c o n n a r d".to_owned(), true)]
        );
    }

    #[test]
    fn phrases_match_whole_and_ordinary_words_do_not() {
        assert_eq!(
            hits_in("allez vous faire foutre", Lang::Fr),
            vec![("allez vous faire foutre".to_owned(), false)]
        );
        assert!(hits_in("Le service client a été lent, je suis déçu", Lang::Fr).is_empty());
        assert!(hits_in("The delivery was late and the box was damaged", Lang::En).is_empty());
    }
}
