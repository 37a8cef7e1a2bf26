//! Folding and tokenization shared by language detection and sentiment scoring.
//!
//! One pass over the text produces tokens whose `key` is lower-cased and accent-folded, so that
//! lexicon look-ups match "déçu", "DECU" and "decu" alike: social posts and quick reviews are often
//! typed without accents. The raw slice is kept for the ALL-CAPS rule and for accent evidence.

/// What a token is; punctuation that matters to the rules is kept as its own token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Word,
    Number,
    /// A pictographic emoji; its key is the base code point (no variation selector or skin tone).
    Emoji,
    /// An ASCII emoticon such as ":)" or "^^", recognised on a whole whitespace-separated chunk.
    Emoticon,
    /// Ends a sentence: `.` `!` `?` `…` or a line break.
    SentenceEnd,
    /// Ends a clause without ending the sentence: `,` `;` `:` `(` `)`.
    ClauseBreak,
    /// The `/` of a rating such as "4/5", only emitted right after a number.
    Slash,
}

#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub raw: &'a str,
    pub key: String,
    pub kind: Kind,
}

impl Token<'_> {
    /// Whether the word is written in capitals (at least two letters, none lower-case), the
    /// social-media way of shouting a word.
    pub fn is_caps(&self) -> bool {
        self.kind == Kind::Word
            && self.raw.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && !self.raw.chars().any(char::is_lowercase)
    }
}

/// Lower-cases and removes diacritics from one character, appending the result to `out`.
/// Only the Latin letters used by French and its neighbours need folding; anything else is
/// lower-cased as is.
pub(crate) fn push_folded(out: &mut String, c: char) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => 'y',
        'œ' | 'Œ' => {
            out.push_str("oe");
            return;
        }
        'æ' | 'Æ' => {
            out.push_str("ae");
            return;
        }
        'ß' => {
            out.push_str("ss");
            return;
        }
        '’' | '`' | 'ʼ' | '´' => '\'',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push(folded);
}

/// Folds a whole string (used for lexicon keys, so they compare equal to token keys).
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_folded(&mut out, c);
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`')
}

/// Emoji code points get a token of their own even when glued to a word ("top👍").
pub(crate) fn is_emoji(c: char) -> bool {
    let u = c as u32;
    (0x1F000..=0x1FAFF).contains(&u)
        || (0x2600..=0x27BF).contains(&u)
        || (0x2B00..=0x2BFF).contains(&u)
        || (0x2300..=0x23FF).contains(&u)
        || matches!(
            u,
            0x2190..=0x21FF | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x2122 | 0x2139
        )
}

/// Code points that decorate the previous emoji rather than carry meaning of their own.
fn is_emoji_modifier(c: char) -> bool {
    let u = c as u32;
    u == 0xFE0F || u == 0xFE0E || u == 0x200D || (0x1F3FB..=0x1F3FF).contains(&u) || u == 0x20E3
}

/// French elided articles and pronouns: "n'est" is split into "n'" + "est" so that the negation
/// rule sees "n'" and the lexicon sees "est". English contractions ("don't", "i'm") stay whole.
fn is_french_elision(prefix: &str) -> bool {
    matches!(
        prefix,
        "l" | "d"
            | "j"
            | "m"
            | "n"
            | "s"
            | "t"
            | "c"
            | "qu"
            | "jusqu"
            | "lorsqu"
            | "puisqu"
            | "quoiqu"
    )
}

/// Whether a whitespace-separated chunk is a web address, which carries no language or opinion.
fn is_url(chunk: &str) -> bool {
    let lower = chunk.get(..8).unwrap_or(chunk).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

/// Splits text into tokens. `is_emoticon` decides whether a whole chunk (or the chunk without
/// trailing sentence punctuation) is an emoticon, so ":-)" is not broken into punctuation.
pub(crate) fn tokenize<'a>(text: &'a str, is_emoticon: &dyn Fn(&str) -> bool) -> Vec<Token<'a>> {
    let mut tokens = Vec::with_capacity(text.len() / 5 + 4);
    let mut prev_end = 0;
    for (start, chunk) in chunks(text) {
        if text[prev_end..start].contains('\n') && !tokens.is_empty() {
            tokens.push(Token {
                raw: "\n",
                key: String::new(),
                kind: Kind::SentenceEnd,
            });
        }
        prev_end = start + chunk.len();
        if is_url(chunk) {
            continue;
        }
        if is_emoticon(chunk) {
            tokens.push(Token {
                raw: chunk,
                key: chunk.to_string(),
                kind: Kind::Emoticon,
            });
            continue;
        }
        let trimmed = chunk.trim_end_matches(['.', ',', '!', '?', ';']);
        if !trimmed.is_empty() && trimmed.len() < chunk.len() && is_emoticon(trimmed) {
            tokens.push(Token {
                raw: trimmed,
                key: trimmed.to_string(),
                kind: Kind::Emoticon,
            });
            split_chunk(&chunk[trimmed.len()..], &mut tokens);
            continue;
        }
        split_chunk(chunk, &mut tokens);
    }
    tokens
}

/// Whitespace-separated chunks with their byte offsets.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|c| !c.is_empty())
        .map(move |c| (c.as_ptr() as usize - text.as_ptr() as usize, c))
}

fn split_chunk<'a>(chunk: &'a str, tokens: &mut Vec<Token<'a>>) {
    let mut word_start: Option<usize> = None;
    // A mention ("@Brand") names an account, not an opinion: "@Free" must not read as "free".
    let mut in_mention = false;
    let mut chars = chunk.char_indices().peekable();
    let mut prev_lower = false;
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() {
            // Scraped reviews lose line breaks and glue sentences: "commandesImpeccable".
            // A capital right after a lower-case letter starts a new word ("iPhone" splits
            // too, harmlessly).
            if c.is_uppercase()
                && prev_lower
                && let Some(ws) = word_start.take()
            {
                push_word(&chunk[ws..i], tokens, in_mention);
                in_mention = false;
            }
            prev_lower = c.is_lowercase();
            if word_start.is_none() {
                word_start = Some(i);
            }
            continue;
        }
        prev_lower = false;
        if is_apostrophe(c)
            && let Some(ws) = word_start
        {
            let next_is_letter = chars.peek().is_some_and(|&(_, n)| n.is_alphabetic());
            if next_is_letter {
                let prefix = fold(&chunk[ws..i]);
                if is_french_elision(&prefix) {
                    if !in_mention {
                        tokens.push(Token {
                            raw: &chunk[ws..i + c.len_utf8()],
                            key: format!("{prefix}'"),
                            kind: Kind::Word,
                        });
                    }
                    word_start = None;
                }
                // Otherwise the apostrophe stays inside the word ("don't", "aujourd'hui").
                continue;
            }
        }
        if let Some(ws) = word_start.take() {
            push_word(&chunk[ws..i], tokens, in_mention);
            in_mention = false;
        }
        if c == '@' {
            in_mention = true;
            continue;
        }
        if is_emoji_modifier(c) {
            continue;
        }
        if is_emoji(c) {
            // A ZWJ sequence ("🤦‍♀️") is scored by its first pictograph; skip the joined parts.
            tokens.push(Token {
                raw: &chunk[i..i + c.len_utf8()],
                key: c.to_string(),
                kind: Kind::Emoji,
            });
            while let Some(&(_, n)) = chars.peek() {
                if n == '\u{200D}' {
                    chars.next();
                    chars.next();
                } else if is_emoji_modifier(n) {
                    chars.next();
                } else {
                    break;
                }
            }
            continue;
        }
        let kind = match c {
            '.' | '!' | '?' | '…' | '¡' | '¿' => Kind::SentenceEnd,
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '«' | '»' | '"' | '“' | '”' => {
                Kind::ClauseBreak
            }
            '/' if tokens
                .last()
                .is_some_and(|t: &Token| t.kind == Kind::Number) =>
            {
                Kind::Slash
            }
            // Hyphens, '#', '*', '&' and the like only separate words.
            _ => continue,
        };
        tokens.push(Token {
            raw: &chunk[i..i + c.len_utf8()],
            key: String::new(),
            kind,
        });
    }
    if let Some(ws) = word_start {
        push_word(&chunk[ws..], tokens, in_mention);
    }
}

fn push_word<'a>(raw: &'a str, tokens: &mut Vec<Token<'a>>, in_mention: bool) {
    if in_mention {
        return;
    }
    let raw = raw.trim_end_matches(is_apostrophe);
    if raw.is_empty() {
        return;
    }
    let kind = if raw.chars().all(|c| c.is_ascii_digit()) {
        Kind::Number
    } else {
        Kind::Word
    };
    tokens.push(Token {
        raw,
        key: fold(raw),
        kind,
    });
}

/// Whether the key has a run of three or more identical letters ("suuuper", "nuuul").
pub(crate) fn has_elongation(key: &str) -> bool {
    let mut prev = None;
    let mut run = 0;
    for c in key.chars() {
        if Some(c) == prev && c.is_alphabetic() {
            run += 1;
            if run >= 3 {
                return true;
            }
        } else {
            prev = Some(c);
            run = 1;
        }
    }
    false
}

/// Collapses every run of at least `min_run` identical letters down to `keep` letters.
pub(crate) fn collapse_runs(key: &str, min_run: usize, keep: usize) -> String {
    let mut out = String::with_capacity(key.len());
    let chars: Vec<char> = key.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let n = if run >= min_run && c.is_alphabetic() {
            keep
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, n));
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        tokenize(text, &|c| c == ":)" || c == ":-(")
            .into_iter()
            .map(|t| {
                if t.key.is_empty() {
                    t.raw.to_string()
                } else {
                    t.key
                }
            })
            .collect()
    }

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Déçu TRÈS Œuvre"), "decu tres oeuvre");
        assert_eq!(fold("l’été"), "l'ete");
    }

    #[test]
    fn splits_french_elisions_but_not_english_contractions() {
        assert_eq!(keys("Je n'aime pas"), ["je", "n'", "aime", "pas"]);
        assert_eq!(keys("l’équipe"), ["l'", "equipe"]);
        assert_eq!(keys("I don't like it"), ["i", "don't", "like", "it"]);
        assert_eq!(keys("aujourd'hui"), ["aujourd'hui"]);
    }

    #[test]
    fn separates_emojis_punctuation_and_mentions() {
        assert_eq!(keys("top👍!"), ["top", "👍", "!"]);
        assert_eq!(keys("merci @Free 🙏🏽"), ["merci", "🙏"]);
        assert_eq!(keys("super :) vraiment"), ["super", ":)", "vraiment"]);
        assert_eq!(keys("nul :-(."), ["nul", ":-(", "."]);
        assert_eq!(keys("voir https://x.fr/a ok"), ["voir", "ok"]);
        assert_eq!(keys("qualité-prix 4/5"), ["qualite", "prix", "4", "/", "5"]);
        assert_eq!(keys("#brulerie top"), ["brulerie", "top"]);
        assert_eq!(keys("commandesImpeccable"), ["commandes", "impeccable"]);
    }

    #[test]
    fn marks_line_breaks_as_sentence_ends() {
        let toks = tokenize("bien\nmais", &|_| false);
        assert_eq!(toks[1].kind, Kind::SentenceEnd);
    }

    #[test]
    fn elongation_is_detected_and_collapsed() {
        assert!(has_elongation("suuuper"));
        assert!(!has_elongation("cool"));
        assert_eq!(collapse_runs("suuuper", 3, 1), "super");
        assert_eq!(collapse_runs("coooool", 3, 2), "cool");
    }
}
