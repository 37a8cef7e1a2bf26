//! The words of a mention that an archive search matched, for the stream to mark them.

use jardinier_query::is_word_char;

use crate::normalize::search_terms;

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
        let matched = (hashtag
            && wanted.contains(format!("#{}", jardinier_query::fold(word)).as_str()))
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
