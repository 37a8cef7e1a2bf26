//! Search by meaning rather than by spelling: words folded (case, accents) and stemmed in French
//! and in English (Snowball, the stemmers tantivy uses), so "remboursement" finds "remboursés".
//! The listening archive, the inbox and the community's search all index and search with these
//! functions, so an index and its searches agree.

use crate::{Token, fold, is_word_char, tokenize};

fn stemmers() -> &'static (rust_stemmers::Stemmer, rust_stemmers::Stemmer) {
    static STEMMERS: std::sync::OnceLock<(rust_stemmers::Stemmer, rust_stemmers::Stemmer)> =
        std::sync::OnceLock::new();
    STEMMERS.get_or_init(|| {
        (
            rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::French),
            rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English),
        )
    })
}

#[derive(Clone, Copy)]
enum Stemming {
    French = 0,
    English = 1,
}

/// Stems at most this many distinct words per thread before forgetting them all.
const STEM_CACHE: usize = 50_000;

thread_local! {
    /// The stems of the words this thread has seen: mentions repeat the same few thousand
    /// words, and stemming each again was a twentieth of the pipeline's time.
    static STEMS: std::cell::RefCell<[std::collections::HashMap<String, String>; 2]> =
        Default::default();
}

/// `stemmer.stem(word)`, remembered.
fn stem_cached(which: Stemming, stemmer: &rust_stemmers::Stemmer, word: &str) -> String {
    STEMS.with(|stems| {
        let stems = &mut stems.borrow_mut()[which as usize];
        if let Some(stem) = stems.get(word) {
            return stem.clone();
        }
        if stems.len() >= STEM_CACHE {
            stems.clear();
        }
        let stem = stemmer.stem(word).into_owned();
        stems.insert(word.to_owned(), stem.clone());
        stem
    })
}

/// The stems a word may be indexed or searched under: folded, then stemmed in French and in
/// English (a search does not know the language of what it looks for).
pub fn search_terms(word: &str) -> Vec<String> {
    let folded = fold(word.trim());
    let (fr, en) = stemmers();
    let mut terms = vec![fr.stem(&folded).into_owned(), en.stem(&folded).into_owned()];
    terms.sort();
    terms.dedup();
    terms.retain(|t| !t.is_empty());
    terms
}

/// The archive terms of an item: each distinct word of its title and text, folded and stemmed
/// in its language (both languages when unknown); hashtags also as themselves. At most 300.
pub fn archive_terms(title: &str, text: &str, lang: Option<&str>) -> Vec<String> {
    archive_terms_of(&tokenize(title, 0), &tokenize(text, 0), lang)
}

/// [`archive_terms`] of a title and a text already cut into tokens.
pub fn archive_terms_of(title: &[Token], text: &[Token], lang: Option<&str>) -> Vec<String> {
    terms_up_to(title, text, lang, 300)
}

/// The distinct terms of a title and a text, as [`archive_terms`] makes them, at most `max`
/// (a forum post is longer than a mention: it keeps more).
pub fn terms_up_to(title: &[Token], text: &[Token], lang: Option<&str>, max: usize) -> Vec<String> {
    let (fr, en) = stemmers();
    let mut terms = std::collections::BTreeSet::new();
    for token in title.iter().chain(text) {
        if token.folded.starts_with('@') {
            continue;
        }
        if token.folded.starts_with('#') {
            terms.insert(token.folded.clone());
            continue;
        }
        match lang {
            Some("fr") => {
                terms.insert(stem_cached(Stemming::French, fr, &token.folded));
            }
            Some("en") => {
                terms.insert(stem_cached(Stemming::English, en, &token.folded));
            }
            _ => {
                terms.insert(stem_cached(Stemming::French, fr, &token.folded));
                terms.insert(stem_cached(Stemming::English, en, &token.folded));
            }
        }
        if terms.len() >= max {
            break;
        }
    }
    terms.into_iter().filter(|t| !t.is_empty()).collect()
}

/// Archive search words as term groups: one group of alternative terms (French and English
/// stems) per word, every group must match. A hashtag comes with its bare word at the same
/// position: the hashtag alone is kept; handles are left to the author filter.
pub fn search_groups(text: &str) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut last_position = None;
    for token in crate::tokenize(text, 0) {
        if last_position == Some(token.position) {
            continue;
        }
        last_position = Some(token.position);
        if token.folded.starts_with('#') {
            groups.push(vec![token.folded]);
        } else if !token.folded.starts_with('@') {
            groups.push(search_terms(&token.folded));
        }
    }
    groups
}

/// `text` cut into runs, each with whether it is a matched word. A word matches when one of its
/// stems (French or English, accents folded) is among `groups`' terms, so "remboursés" is marked
/// for a search on "remboursement"; a hashtag term marks the hashtag with its `#`. Concatenating
/// the runs gives `text` back.
pub fn highlight<'a>(text: &'a str, groups: &[Vec<String>]) -> Vec<(&'a str, bool)> {
    let wanted: std::collections::HashSet<&str> =
        groups.iter().flatten().map(String::as_str).collect();
    if wanted.is_empty() {
        return vec![(text, false)];
    }
    let mut runs: Vec<(&str, bool)> = Vec::new();
    let mut plain_from = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word_char(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, next)) = chars.peek() {
            if !is_word_char(next) {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        let word = &text[start..end];
        let hashtag = text[..start].ends_with('#');
        let matched = (hashtag && wanted.contains(format!("#{}", crate::fold(word)).as_str()))
            || search_terms(word)
                .iter()
                .any(|t| wanted.contains(t.as_str()));
        if matched {
            let from = if hashtag && wanted.iter().any(|w| w.starts_with('#')) {
                start - 1
            } else {
                start
            };
            if plain_from < from {
                runs.push((&text[plain_from..from], false));
            }
            runs.push((&text[from..end], true));
            plain_from = end;
        }
    }
    if plain_from < text.len() {
        runs.push((&text[plain_from..], false));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_terms_are_folded_and_stemmed_like_searches() {
        let terms = archive_terms("Avis", "Remboursé après trois semaines ! #SAV", Some("fr"));
        for word in ["remboursement", "REMBOURSE", "semaine", "avis", "après"] {
            assert!(
                search_terms(word).iter().any(|t| terms.contains(t)),
                "{word} should find the item: {terms:?}"
            );
        }
        assert!(terms.contains(&"#sav".to_owned()));
        let english = archive_terms("", "The deliveries were delayed", Some("en"));
        assert!(
            search_terms("delivery").iter().any(|t| english.contains(t)),
            "{english:?}"
        );
        assert!(search_terms("delayed").iter().any(|t| english.contains(t)));
    }

    fn marked(text: &str, search: &[&str]) -> Vec<String> {
        let groups: Vec<Vec<String>> = search
            .iter()
            .map(|w| {
                if w.starts_with('#') {
                    vec![(*w).to_owned()]
                } else {
                    search_terms(w)
                }
            })
            .collect();
        let runs = highlight(text, &groups);
        assert_eq!(runs.iter().map(|r| r.0).collect::<String>(), text);
        runs.into_iter()
            .filter(|r| r.1)
            .map(|r| r.0.to_owned())
            .collect()
    }

    #[test]
    fn inflections_and_accents_are_marked_and_the_text_is_kept_whole() {
        assert_eq!(
            marked(
                "Toujours pas REMBOURSÉ, trois remboursements promis !",
                &["remboursement"]
            ),
            ["REMBOURSÉ", "remboursements"]
        );
        assert_eq!(
            marked("Les livraisons arrivent", &["livraison", "arriver"]),
            ["livraisons", "arrivent"]
        );
    }

    #[test]
    fn hashtags_are_marked_with_their_sign_and_other_words_are_not() {
        assert_eq!(
            marked("Encore un #BadBuzz pour la marque", &["#badbuzz"]),
            ["#BadBuzz"]
        );
        assert!(marked("Rien à voir ici", &["remboursement"]).is_empty());
        assert_eq!(highlight("texte", &[]), [("texte", false)]);
    }
}
