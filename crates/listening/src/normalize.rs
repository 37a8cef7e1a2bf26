//! Canonical URLs, content hashes and SimHash.

use jardinier_query::{Token, fold, tokenize};
use sha2::{Digest, Sha256};

/// Query parameters that only say where a click came from: dropped, so the same page shared
/// from a newsletter and from a tweet is one URL.
const TRACKING: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_hsenc",
    "_hsmi", "ref_src", "ref_url", "spm", "s_cid", "cmpid", "xtor",
];

/// The canonical form of an item's URL and its site (host without `www.`): lower-case scheme
/// and host, no default port, no fragment, no tracking parameters, remaining parameters sorted,
/// no trailing slash. `None` for anything but an absolute http(s) URL.
pub fn canonical_url(raw: &str) -> Option<(String, String)> {
    let mut url = url::Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_") && !TRACKING.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    if params.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(params);
    }
    let path = url.path().to_owned();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    let host = url.host_str()?.trim_start_matches("www.").to_owned();
    Some((url.to_string(), host))
}

/// The same author saying the same words (case, accents, spacing and punctuation aside).
pub fn content_hash(author: &str, text: &str) -> String {
    content_hash_of(author, &tokenize(text, 0))
}

/// [`content_hash`] of a text already cut into tokens.
pub fn content_hash_of<'a>(author: &str, tokens: impl IntoIterator<Item = &'a Token>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(fold(author.trim()).as_bytes());
    hasher.update(b"\n");
    for (i, token) in tokens.into_iter().enumerate() {
        if i > 0 {
            hasher.update(b" ");
        }
        hasher.update(token.folded.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Texts shorter than this are not compared for near-duplicates: "Super café !" said by two
/// people is two mentions, not a repost.
pub const SIMHASH_MIN_WORDS: usize = 8;

/// Words that mark a repost rather than say anything.
const REPOST_MARKERS: &[&str] = &["rt", "via", "cc", "qt"];

/// Charikar's SimHash over words and word pairs: reposts, quotes and syndicated copies land
/// within a few bits of the original. Handles, hashtags and repost markers ("RT @lea:") are left
/// out, so a plain repost hashes like its original.
pub fn simhash(text: &str) -> Option<u64> {
    simhash_of(&tokenize(text, 0))
}

/// [`simhash`] of a text already cut into tokens.
pub fn simhash_of(tokens: &[Token]) -> Option<u64> {
    let tagged: std::collections::HashSet<u32> = tokens
        .iter()
        .filter(|t| t.folded.starts_with(['#', '@']))
        .map(|t| t.position)
        .collect();
    let words: Vec<&str> = tokens
        .iter()
        .filter(|t| !tagged.contains(&t.position) && !REPOST_MARKERS.contains(&t.folded.as_str()))
        .map(|t| t.folded.as_str())
        .collect();
    if words.len() < SIMHASH_MIN_WORDS {
        return None;
    }
    let mut weights = [0_i32; 64];
    let mut add = |feature: &[u8]| {
        let h = fnv1a(feature);
        for (bit, weight) in weights.iter_mut().enumerate() {
            *weight += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    };
    for word in &words {
        add(word.as_bytes());
    }
    let mut pair = String::new();
    for words in words.windows(2) {
        pair.clear();
        pair.push_str(words[0]);
        pair.push(' ');
        pair.push_str(words[1]);
        add(pair.as_bytes());
    }
    let hash = weights.iter().enumerate().fold(
        0_u64,
        |acc, (bit, w)| if *w > 0 { acc | 1 << bit } else { acc },
    );
    // 0 means "no hash" in the store.
    Some(hash.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_canonical() {
        let cases = [
            (
                "HTTPS://WWW.Example.com:443/Avis/?utm_source=x&b=2&a=1#comments",
                Some(("https://www.example.com/Avis?a=1&b=2", "example.com")),
            ),
            (
                "http://blog.example.fr/post/?fbclid=abc",
                Some(("http://blog.example.fr/post", "blog.example.fr")),
            ),
            (
                "https://example.com/",
                Some(("https://example.com/", "example.com")),
            ),
            ("ftp://example.com/file", None),
            ("not a url", None),
            ("/relative/path", None),
        ];
        for (raw, expected) in cases {
            let got = canonical_url(raw);
            assert_eq!(
                got.as_ref().map(|(u, s)| (u.as_str(), s.as_str())),
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn content_hash_ignores_case_accents_and_spacing_but_not_the_author() {
        assert_eq!(
            content_hash("Léa", "Super  café !"),
            content_hash("lea", "super cafe")
        );
        assert_ne!(
            content_hash("Léa", "Super café"),
            content_hash("Sam", "Super café")
        );
    }

    #[test]
    fn reposts_are_near_and_other_texts_far() {
        let original = "La Brûlerie du Canal a encore raté ma commande, trois semaines sans nouvelles du service client, c'est inadmissible";
        let repost = "RT @lea: La Brûlerie du Canal a encore raté ma commande, trois semaines sans nouvelles du service client, c'est inadmissible";
        let quote = "Pareil pour moi ! La Brûlerie du Canal a encore raté ma commande, trois semaines sans nouvelles du service client";
        let other = "J'ai adoré le nouveau café éthiopien de la Brûlerie, notes de fruits rouges et très belle longueur en bouche, bravo";
        let distance = |a: &str, b: &str| (simhash(a).unwrap() ^ simhash(b).unwrap()).count_ones();
        let syndicated = "la brulerie du canal a encore rate ma commande : trois semaines sans nouvelles du service client. C'est inadmissible !";
        assert_eq!(
            distance(original, repost),
            0,
            "a repost hashes like its original"
        );
        assert!(
            distance(original, syndicated) <= 3,
            "syndicated copy: {}",
            distance(original, syndicated)
        );
        let (near, far) = (distance(original, quote), distance(original, other));
        assert!(
            near < far && far > 12,
            "a quote ({near}) is nearer than another text ({far})"
        );
        assert_eq!(simhash("Super café !"), None, "too short to compare");
    }
}
