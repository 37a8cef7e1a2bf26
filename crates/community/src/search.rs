//! The community's search (issue 16, item 7): what a post is found by, and the piece of it a
//! result shows with the words found marked.
//!
//! Words are the archive's: folded (case, accents) and stemmed in French and in English
//! (`jardinier_query::search`), so "livraisons" finds "livraison" and "cafe" finds "café". A
//! post is found by its own words and by its topic's title, as in Discourse, so a reply is found
//! by what its topic is about.

use jardinier_query::{highlight, terms_up_to, tokenize};

/// A post keeps at most this many distinct terms (two per word when its language is unknown).
const MAX_TERMS: usize = 4_000;

/// Posts a search reads, newest first, before its filters: a word found in more posts than this
/// shows the topics of its newest matches (and says so).
pub const CANDIDATES: i64 = 1_000;

/// The terms a post is indexed under: its topic's title and its text.
pub fn post_terms(title: &str, body_markdown: &str) -> Vec<String> {
    let text = crate::markup::plain_text(body_markdown);
    terms_up_to(&tokenize(title, 0), &tokenize(&text, 0), None, MAX_TERMS)
}

/// A piece of text cut into runs, each saying whether it is a word the search found.
pub type Marked = Vec<(String, bool)>;

/// `text` with the searched words marked (`groups` as `jardinier_query::search_groups` makes
/// them).
pub fn mark(text: &str, groups: &[Vec<String>]) -> Marked {
    highlight(text, groups)
        .into_iter()
        .map(|(run, found)| (run.to_owned(), found))
        .collect()
}

/// Up to about `max_chars` of a post's text around the first word found, cut between words,
/// with "…" where text was left out, and the words found marked.
pub fn snippet(body_markdown: &str, groups: &[Vec<String>], max_chars: usize) -> Marked {
    let text = crate::markup::plain_text(body_markdown);
    let first = highlight(&text, groups)
        .iter()
        .scan(0, |offset, (run, found)| {
            let at = *offset;
            *offset += run.len();
            Some((at, *found))
        })
        .find(|(_, found)| *found)
        .map_or(0, |(at, _)| at);
    // Start a few words before the first word found, at a word's start.
    let lead = max_chars / 4;
    let mut start = 0;
    if text[..first].chars().count() > lead {
        let back = text[..first]
            .char_indices()
            .rev()
            .nth(lead)
            .map_or(0, |(i, _)| i);
        start = text[back..first]
            .find(' ')
            .map_or(back, |space| back + space + 1);
    }
    let rest = &text[start..];
    let mut window = rest;
    if rest.chars().count() > max_chars {
        let end = rest
            .char_indices()
            .nth(max_chars)
            .map_or(rest.len(), |(i, _)| i);
        let cut = rest[..end].rfind(' ').filter(|&i| i > 0).unwrap_or(end);
        window = &rest[..cut];
    }
    let mut runs = Vec::new();
    if start > 0 {
        runs.push(("… ".to_owned(), false));
    }
    runs.extend(mark(window, groups));
    if window.len() < rest.len() {
        runs.push((" …".to_owned(), false));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use jardinier_query::search_groups;

    fn found(runs: &Marked) -> Vec<&str> {
        runs.iter()
            .filter(|(_, f)| *f)
            .map(|(r, _)| r.as_str())
            .collect()
    }

    #[test]
    fn a_post_is_found_by_its_words_and_its_topics_title_in_either_language() {
        let terms = post_terms(
            "Livraison en point relais possible ?",
            "Bonjour, je voudrais **commander** du café *moulu* [ici](https://x.example).",
        );
        for word in ["livraisons", "relais", "Café", "cafe", "commandes", "moulu"] {
            let groups = search_groups(word);
            assert!(
                groups.iter().all(|g| g.iter().any(|t| terms.contains(t))),
                "{word}: {terms:?}"
            );
        }
        // The link's address is not a word of the post.
        assert!(!terms.iter().any(|t| t.contains("example")), "{terms:?}");
        let english = post_terms("", "The grinders were delivered yesterday");
        assert!(
            search_groups("delivering")[0]
                .iter()
                .any(|t| english.contains(t))
        );
    }

    #[test]
    fn a_snippet_starts_near_the_first_word_found_and_marks_it() {
        let body = format!(
            "{} Enfin, la mouture espresso convient aussi à la cafetière italienne. {}",
            "Un long préambule sur la torréfaction et l'origine des grains. ".repeat(8),
            "Et encore des détails sans intérêt pour la recherche. ".repeat(8)
        );
        let runs = snippet(&body, &search_groups("moutures"), 120);
        let text: String = runs.iter().map(|(r, _)| r.as_str()).collect();
        assert!(text.starts_with("… "), "{text}");
        assert!(text.ends_with(" …"), "{text}");
        assert!(text.chars().count() <= 130, "{text}");
        assert_eq!(found(&runs), ["mouture"]);
        // Nothing found: the post's beginning.
        let runs = snippet("Court message.", &search_groups("absent"), 120);
        assert_eq!(runs, [("Court message.".to_owned(), false)]);
    }

    #[test]
    fn marked_text_is_the_text_unchanged() {
        let title = "Quelle <b>mouture</b> pour l'Aeropress ?";
        let runs = mark(title, &search_groups("aeropress"));
        assert_eq!(
            runs.iter().map(|(r, _)| r.as_str()).collect::<String>(),
            title
        );
        assert_eq!(found(&runs), ["Aeropress"]);
    }
}
