//! Each network's rules for a post's text, as its own servers count.
//!
//! - Mastodon: 500 grapheme clusters; every link counts 23 whatever its length, and a mention
//!   `@user@instance` counts as `@user` (the server's StatusLengthValidator).
//! - Bluesky: 300 grapheme clusters of the text as written (links included in full, unless the
//!   client shortens them, which Jardinier does not).
//! - Discord: 2,000 characters; Slack: 40,000; Telegram: 4,096; Matrix: no set limit (65 kB
//!   events: 30,000 characters is kept as a safe bound).
//! - A generic webhook has no limit.

use unicode_segmentation::UnicodeSegmentation;

/// What Mastodon counts for any link.
pub const MASTODON_URL_LENGTH: usize = 23;

/// A network's rules for the text of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRules {
    /// The most the network accepts, as [`length`] counts; `None`: no limit.
    pub limit: Option<usize>,
    /// How the network counts.
    pub counting: Counting,
    /// The network takes a language tag with the post (shown to readers, used by filters).
    pub language_tag: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Grapheme clusters; links 23; remote mentions by their user part.
    Mastodon,
    /// Grapheme clusters of the text as written.
    Graphemes,
    /// Unicode scalar values (what Discord, Slack and Telegram document as characters).
    Characters,
}

/// The rules of a channel kind; unknown kinds have no limit.
pub fn text_rules(kind: &str) -> TextRules {
    let (limit, counting, language_tag) = match kind {
        "mastodon" => (Some(500), Counting::Mastodon, true),
        "bluesky" => (Some(300), Counting::Graphemes, true),
        "discord" => (Some(2_000), Counting::Characters, false),
        "slack" => (Some(40_000), Counting::Characters, false),
        "telegram" => (Some(4_096), Counting::Characters, false),
        "matrix" => (Some(30_000), Counting::Characters, false),
        _ => (None, Counting::Characters, false),
    };
    TextRules {
        limit,
        counting,
        language_tag,
    }
}

/// The length of `text` as the network counts it.
pub fn length(rules: &TextRules, text: &str) -> usize {
    match rules.counting {
        Counting::Characters => text.chars().count(),
        Counting::Graphemes => text.graphemes(true).count(),
        Counting::Mastodon => text
            .split_inclusive(char::is_whitespace)
            .map(|word| {
                let trimmed = word.trim_end_matches(char::is_whitespace);
                let space = word.len() - trimmed.len();
                let counted = if let Some((before, _, after)) = crate::split_link(trimmed) {
                    before.graphemes(true).count()
                        + MASTODON_URL_LENGTH
                        + after.graphemes(true).count()
                } else if let Some(local) = remote_mention(trimmed) {
                    local.graphemes(true).count()
                } else {
                    trimmed.graphemes(true).count()
                };
                counted + word[trimmed.len()..].graphemes(true).count().min(space)
            })
            .sum(),
    }
}

/// `@user@instance.tld` → `@user`.
fn remote_mention(word: &str) -> Option<&str> {
    let rest = word.strip_prefix('@')?;
    let (user, domain) = rest.split_once('@')?;
    let ok = !user.is_empty()
        && user.chars().all(|c| c.is_alphanumeric() || c == '_')
        && domain.contains('.');
    ok.then(|| &word[..user.len() + 1])
}

/// What is wrong with a text for a network, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong { length: usize, limit: usize },
}

/// Checks a text against a network's rules.
pub fn check(kind: &str, text: &str) -> Result<usize, TextProblem> {
    let rules = text_rules(kind);
    if text.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    let length = length(&rules, text);
    match rules.limit {
        Some(limit) if length > limit => Err(TextProblem::TooLong { length, limit }),
        _ => Ok(length),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mastodon(text: &str) -> usize {
        length(&text_rules("mastodon"), text)
    }

    #[test]
    fn mastodon_counts_links_as_23_and_mentions_by_their_user() {
        assert_eq!(mastodon("Bonjour"), 7);
        let link =
            "https://brulerie-du-canal.example/nouveautes/moka-d-ethiopie?utm_source=mastodon";
        assert_eq!(mastodon(&format!("Nouveau : {link}")), 10 + 23);
        assert_eq!(mastodon(&format!("({link}).")), 1 + 23 + 2);
        assert_eq!(
            mastodon("merci @lea@piaille.example !"),
            "merci @lea !".len()
        );
        assert_eq!(mastodon("un  espace\ndouble"), 17);
        assert_eq!(mastodon("not a link: https:// alone"), 26);
    }

    #[test]
    fn graphemes_count_once_however_they_are_written() {
        let bluesky = text_rules("bluesky");
        // é as one code point and as e + combining accent; a family emoji; a flag.
        assert_eq!(length(&bluesky, "caf\u{e9}"), 4);
        assert_eq!(length(&bluesky, "cafe\u{301}"), 4);
        assert_eq!(length(&bluesky, "👨‍👩‍👧"), 1);
        assert_eq!(length(&bluesky, "🇫🇷"), 1);
        assert_eq!(
            length(&text_rules("discord"), "🇫🇷"),
            2,
            "Discord counts characters"
        );
        assert_eq!(mastodon("👨‍👩‍👧 🇫🇷"), 3);
    }

    #[test]
    fn limits_are_each_networks() {
        assert_eq!(check("bluesky", &"a".repeat(300)), Ok(300));
        assert_eq!(
            check("bluesky", &"a".repeat(301)),
            Err(TextProblem::TooLong {
                length: 301,
                limit: 300
            })
        );
        // 480 letters and a long link fit on Mastodon.
        let text = format!(
            "{} https://example.org/{}",
            "a".repeat(470),
            "b".repeat(200)
        );
        assert_eq!(check("mastodon", &text), Ok(470 + 1 + 23));
        assert_eq!(check("discord", "  \n"), Err(TextProblem::Empty));
        assert_eq!(check("webhook", &"a".repeat(100_000)), Ok(100_000));
        assert!(text_rules("mastodon").language_tag && !text_rules("discord").language_tag);
    }
}
