//! Hashtag suggestions from listening: the tags people use in what is said about the brand and
//! its field, ranked by how many distinct mentions carry them (a tag said in a positive mention
//! counts a little more, one said in a negative one a little less).

use std::collections::HashMap;

/// One suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// As most people write it (`#CaféDeSpécialité`).
    pub tag: String,
    pub mentions: usize,
}

/// The hashtags of a text, as written (`#café`, `#Moka2026`; not `#1` alone or URL anchors).
pub fn hashtags(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('#') {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '&') {
            continue; // a URL fragment or an HTML entity, not a tag
        }
        let rest = &text[i + 1..];
        let end = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(rest.len(), |(j, _)| j);
        let tag = &rest[..end];
        if tag.chars().any(char::is_alphabetic) && tag.chars().count() <= 60 {
            out.push(&text[i..i + 1 + end]);
        }
    }
    out
}

/// The `n` best tags of `texts` (each with its sentiment label), leaving out those already in
/// `written` (compared without case) and those people mostly use to complain (#scandale during
/// a bad buzz is not a tag for the brand's own post).
pub fn suggest(texts: &[(String, Option<String>)], written: &str, n: usize) -> Vec<Suggestion> {
    let already: Vec<String> = hashtags(written).iter().map(|t| t.to_lowercase()).collect();
    // lowercased tag → (score, mentions, spellings, negative mentions)
    let mut seen: HashMap<String, (f64, usize, HashMap<String, usize>, usize)> = HashMap::new();
    for (text, sentiment) in texts {
        let weight = match sentiment.as_deref() {
            Some("positive") => 1.25,
            Some("negative") => 0.75,
            _ => 1.0,
        };
        let mut in_this: Vec<String> = Vec::new();
        for tag in hashtags(text) {
            let key = tag.to_lowercase();
            let entry = seen.entry(key.clone()).or_default();
            *entry.2.entry(tag.to_owned()).or_default() += 1;
            if !in_this.contains(&key) {
                entry.0 += weight;
                entry.1 += 1;
                if sentiment.as_deref() == Some("negative") {
                    entry.3 += 1;
                }
                in_this.push(key);
            }
        }
    }
    let mut ranked: Vec<(String, f64, usize, String)> = seen
        .into_iter()
        .filter(|(key, _)| !already.contains(key))
        .filter(|(_, (_, mentions, _, negative))| negative * 2 <= *mentions)
        .map(|(key, (score, mentions, spellings, _))| {
            let spelling = spellings
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(s, _)| s)
                .unwrap_or_default();
            (key, score, mentions, spelling)
        })
        .filter(|(_, _, mentions, _)| *mentions >= 2)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(n)
        .map(|(_, _, mentions, tag)| Suggestion { tag, mentions })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found_as_people_write_them() {
        assert_eq!(
            hashtags("Super #café ! #Moka2026, voir https://x.example/#anchor et &#39; #1 #_x"),
            ["#café", "#Moka2026", "#_x"]
        );
    }

    #[test]
    fn suggestions_rank_by_mentions_and_skip_what_is_written() {
        let t = |s: &str, sentiment: Option<&str>| (s.to_owned(), sentiment.map(str::to_owned));
        let texts = [
            t("#CaféDeSpécialité au top #paris", Some("positive")),
            t("j'adore #cafédespécialité", None),
            t("#CaféDeSpécialité #CaféDeSpécialité encore", None),
            t("#paris sous la pluie", Some("negative")),
            t("#paris", None),
            t("#unique", None),
            t("#moka #moka", None),
            t("#Moka", None),
            t("Intoxiqués #scandale", Some("negative")),
            t("On attend des excuses #scandale", Some("negative")),
            t("#scandale ou pas ?", None),
        ];
        let got = suggest(&texts, "Nouveau #moka", 5);
        assert_eq!(
            got,
            [
                Suggestion {
                    tag: "#CaféDeSpécialité".into(),
                    mentions: 3
                },
                Suggestion {
                    tag: "#paris".into(),
                    mentions: 3
                },
            ],
            "#moka is already written; #unique is said once; #scandale is mostly a complaint"
        );
    }
}
