//! Folding and tokenizing: the one definition of "a word" shared by queries and documents.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case, accents removed, ligatures opened: "Cœur BRÛLÉ" → "coeur brule".
pub fn fold(text: &str) -> String {
    // Most words of French and English text are ASCII: nothing to decompose.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        // Canonical decomposition, one character at a time (the marks it yields are dropped,
        // so their canonical order does not matter).
        unicode_normalization::char::decompose_canonical(c, |c| push_folded(&mut out, c));
    }
    out
}

/// One character of a canonically decomposed text, folded: marks dropped, ligatures opened,
/// lower case.
fn push_folded(out: &mut String, c: char) {
    if is_combining_mark(c) {
        return;
    }
    match c {
        'œ' | 'Œ' => out.push_str("oe"),
        'æ' | 'Æ' => out.push_str("ae"),
        'ß' => out.push_str("ss"),
        // Typographic apostrophes and dashes behave like their ASCII forms.
        '’' | 'ʼ' => out.push('\''),
        c => out.extend(c.to_lowercase()),
    }
}

/// Characters that make up words. `#` and `@` start hashtags and handles but are not part of
/// the word itself: `#Brûlerie` yields both `#brulerie` and `brulerie` at the same position.
/// Letters, digits and `_`: what a word (or a hashtag's name) is made of.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub position: u32,
    /// Folded form, with a leading `#` or `@` for hashtags and handles.
    pub folded: String,
    /// The word as written (NFC), for exact-case matching.
    pub raw: String,
}

/// Splits text into word tokens with positions. A hashtag or handle gives two tokens at one
/// position: `#word` and `word`.
pub fn tokenize(text: &str, first_position: u32) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = first_position;
    let mut chars = text.char_indices().peekable();
    let mut prefix: Option<char> = None;
    while let Some((start, c)) = chars.next() {
        if !is_word_char(c) {
            prefix = matches!(c, '#' | '@').then_some(c);
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
        let raw: String = if word.is_ascii() {
            word.to_owned()
        } else {
            word.nfc().collect()
        };
        let folded = fold(&raw);
        if let Some(p) = prefix.take() {
            tokens.push(Token {
                position,
                folded: format!("{p}{folded}"),
                raw: format!("{p}{raw}"),
            });
        }
        tokens.push(Token {
            position,
            folded,
            raw,
        });
        position += 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folding as first written (the whole text decomposed, then each character folded): the
    /// ASCII and one-character-at-a-time paths must give the same answer.
    fn fold_reference(text: &str) -> String {
        let mut out = String::new();
        for c in text.nfd() {
            push_folded(&mut out, c);
        }
        out
    }

    #[test]
    fn fast_folding_agrees_with_whole_text_decomposition() {
        for text in [
            "Plain ASCII, UPPER and lower 123 _ # @",
            "Cœur BRÛLÉ à l’Été, Ærø, Straße",
            "e\u{301}te\u{301} de\u{300}s a\u{308}\u{301}",
            "İstanbul ΣΊΣΥΦΟΣ Ǆungla ﬁn",
            "한국어 日本語 Ωμέγα ℌ 😀 ÅNGSTRÖM",
            "Ḍ̇ q̣̇ ǅ ǈ",
        ] {
            assert_eq!(fold(text), fold_reference(text), "{text}");
        }
    }

    #[test]
    fn folding_removes_case_accents_and_ligatures() {
        assert_eq!(fold("Cœur BRÛLÉ à l’Été"), "coeur brule a l'ete");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn hashtags_and_handles_give_two_tokens_at_one_position() {
        let tokens = tokenize("Vu chez @Brulerie #CaféFroid, l'arabica!", 0);
        let shown: Vec<(u32, &str)> = tokens
            .iter()
            .map(|t| (t.position, t.folded.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (0, "vu"),
                (1, "chez"),
                (2, "@brulerie"),
                (2, "brulerie"),
                (3, "#cafefroid"),
                (3, "cafefroid"),
                (4, "l"),
                (5, "arabica")
            ]
        );
        assert_eq!(tokens[5].raw, "CaféFroid");
    }
}
