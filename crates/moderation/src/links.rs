//! The links of a text, and which go through a link shortener (whose destination a reader
//! cannot see before clicking: spam's favourite, issue 17 item 2).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// Link shorteners and redirectors in common use.
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "bitly.com",
    "buff.ly",
    "cutt.ly",
    "goo.gl",
    "is.gd",
    "lnkd.in",
    "ow.ly",
    "rb.gy",
    "rebrand.ly",
    "shorturl.at",
    "t.co",
    "t.ly",
    "tiny.cc",
    "tinyurl.com",
    "trib.al",
    "v.gd",
    "qrco.de",
    "s.id",
    "shorte.st",
    "adf.ly",
    "bl.ink",
    "dlvr.it",
    "soo.gd",
    "x.co",
];

/// A link found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where it is in the text (bytes).
    pub span: Range<usize>,
    /// Its host, lower case, without `www.`.
    pub host: String,
    pub shortener: bool,
}

/// Web addresses, with or without their scheme (`https://…`, `www.…`, `bit.ly/…`).
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bhttps?://[^\s<>()]+|\bwww\.[^\s<>()]+|\b(?:[a-z0-9-]+\.)+[a-z]{2,24}/[^\s<>()]*",
    )
    .expect("valid pattern")
});

/// The links of `text`, in the order written.
pub fn find(text: &str) -> Vec<Link> {
    LINK.find_iter(text)
        .filter_map(|m| {
            // Sentence punctuation after an address is not part of it.
            let trimmed = m
                .as_str()
                .trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '"']);
            let with_scheme = if trimmed.contains("://") {
                trimmed.to_owned()
            } else {
                format!("https://{trimmed}")
            };
            let host = url::Url::parse(&with_scheme)
                .ok()?
                .host_str()?
                .trim_start_matches("www.")
                .to_ascii_lowercase();
            Some(Link {
                span: m.start()..m.start() + trimmed.len(),
                shortener: SHORTENERS.contains(&host.as_str()),
                host,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_with_and_without_scheme_and_their_shorteners() {
        let text = "Promo ici : bit.ly/3xYz et https://www.Brulerie-du-canal.fr/cafes. \
                    Voir aussi www.exemple.org/recette, ou https://t.co/abc!";
        let found = find(text);
        let seen: Vec<(&str, &str, bool)> = found
            .iter()
            .map(|l| (&text[l.span.clone()], l.host.as_str(), l.shortener))
            .collect();
        assert_eq!(
            seen,
            [
                ("bit.ly/3xYz", "bit.ly", true),
                (
                    "https://www.Brulerie-du-canal.fr/cafes",
                    "brulerie-du-canal.fr",
                    false
                ),
                ("www.exemple.org/recette", "exemple.org", false),
                ("https://t.co/abc", "t.co", true),
            ]
        );
    }

    #[test]
    fn words_with_dots_are_not_links() {
        assert_eq!(find("Fin. Début. 3.5 kg, M. Dupont, e.g. this"), []);
    }
}
