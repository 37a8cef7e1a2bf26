//! A text's words as screening compares them with lexicons, evasions undone.
//!
//! Each word keeps the bytes of the text it came from (`span`), so that what matched can be
//! highlighted where the writer wrote it. Folding, in order:
//! 1. HTML entities read as what they write (`c&#111;nnard`);
//! 2. invisible characters dropped (zero-width spaces and joiners, soft hyphens, bidirectional
//!    controls, variation selectors: Unicode's default-ignorable code points);
//! 3. compatibility forms to plain ones (NFKC: `ｆｕｃｋ`, `𝐟𝐮𝐜𝐤`), look-alike letters of other
//!    scripts to the Latin ones they imitate (Unicode's confusables: Cyrillic `с`, Greek `ο`),
//!    lower case, accents removed;
//! 4. inside a word, digits and signs standing for letters read as those letters (`c0nn@rd`,
//!    `$h!t`): each such sign joins a class with the letters it imitates (`1`, `!`, `|`, `l`
//!    and `i` are one letter here), so a lexicon folded the same way matches;
//! 5. masks inside a word (`f*ck`, `c#nnard`) kept as `*`, for [`Word::matches`];
//! 6. runs of single letters (`c o n n a r d`, `f.u.c.k`) joined into one word.
//!
//! Repeated letters (`connnnnard`) are compared squeezed: [`Word::squeezed`].

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// A word of a text, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lower-case letters and digits (and `*` for a masked letter).
    pub folded: String,
    /// Where it is in the text (bytes).
    pub span: Range<usize>,
}

impl Word {
    /// The word with each run of one letter written once (`connnnard` → `conard`).
    pub fn squeezed(&self) -> String {
        squeeze(&self.folded)
    }

    /// Whether a letter is repeated three times or more (`connnnard`, `nuuuul`): a stretched
    /// word is compared squeezed, an ordinary one as written, so that `but` is not `butt`.
    pub fn stretched(&self) -> bool {
        stretched(&self.folded)
    }

    /// The form a lexicon looks the word up by: squeezed if stretched, else as folded.
    pub fn key(&self) -> String {
        if self.stretched() {
            self.squeezed()
        } else {
            self.folded.clone()
        }
    }

    /// Whether this word is `entry` (one word folded by [`fold_entry`]): the same letters, or
    /// the same once squeezed if the word is stretched; masked letters stand for any letter:
    /// `f*ck` is `fuck`, not `f*ck` alone. A masked word needs two letters shown and its first
    /// one, so that `***` matches nothing.
    pub fn matches(&self, entry: &str) -> bool {
        if !self.folded.contains('*') {
            return self.folded == entry || (self.stretched() && self.squeezed() == squeeze(entry));
        }
        let word = self.squeezed();
        let shown = word.chars().filter(|c| *c != '*').count();
        if shown < 2 || word.starts_with('*') {
            return false;
        }
        // A mask stands for one letter or a run of them (`f**k`, `f*k`).
        masked_match(word.as_bytes(), squeeze(entry).as_bytes())
    }
}

/// Whether one character of `folded` comes three times or more in a row.
pub fn stretched(folded: &str) -> bool {
    let mut last = None;
    let mut run = 0;
    for c in folded.chars() {
        if Some(c) == last {
            run += 1;
            if run == 3 && c != '*' {
                return true;
            }
        } else {
            run = 1;
        }
        last = Some(c);
    }
    false
}

fn masked_match(pattern: &[u8], entry: &[u8]) -> bool {
    match (pattern.first(), entry.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            let rest = &pattern[1..];
            (1..=entry.len()).any(|taken| masked_match(rest, &entry[taken..]))
        }
        (Some(p), Some(e)) if p == e => masked_match(&pattern[1..], &entry[1..]),
        _ => false,
    }
}

/// Each run of one character written once.
pub fn squeeze(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    let mut last = None;
    for c in folded.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// A lexicon's entry as [`Word::matches`] compares it: folded as a text's words are. Entries
/// of several words are folded word by word, joined by spaces.
pub fn fold_entry(entry: &str) -> String {
    words(entry)
        .iter()
        .map(|w| w.folded.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A character of the text once read: what it is for matching, and where it was.
struct Unit {
    text: String,
    span: Range<usize>,
}

/// The text's characters, HTML entities read as the characters they write, invisible ones
/// dropped, each folded (NFKC, confusables, lower case, accents removed).
fn units(text: &str) -> Vec<Unit> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let (raw, len) = match entity(rest) {
            Some(len) => (
                html_escape::decode_html_entities(&rest[..len]).into_owned(),
                len,
            ),
            None => {
                let c = rest.chars().next().expect("not at the end");
                (c.to_string(), c.len_utf8())
            }
        };
        let folded = fold_chars(&raw);
        out.push(Unit {
            text: folded,
            span: at..at + len,
        });
        at += len;
    }
    out
}

/// The length of the HTML entity `rest` starts with (`&amp;`, `&#99;`, `&#x63;`), if any.
fn entity(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix('&')?;
    let end = body.find(';')?;
    let name = &body[..end];
    let valid = match name.strip_prefix('#') {
        Some(number) => match number.strip_prefix(['x', 'X']) {
            Some(hex) => {
                !hex.is_empty() && hex.len() <= 6 && hex.chars().all(|c| c.is_ascii_hexdigit())
            }
            None => {
                !number.is_empty()
                    && number.len() <= 7
                    && number.chars().all(|c| c.is_ascii_digit())
            }
        },
        None => {
            !name.is_empty() && name.len() <= 32 && name.chars().all(|c| c.is_ascii_alphanumeric())
        }
    };
    // An unknown name decodes to itself: not an entity.
    (valid && html_escape::decode_html_entities(&rest[..end + 2]) != rest[..end + 2])
        .then_some(end + 2)
}

fn fold_chars(raw: &str) -> String {
    let visible: String = raw.nfkc().filter(|c| !ignorable(*c)).collect();
    if visible.is_empty() {
        return visible;
    }
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        // Digits and signs keep their own meaning until a word shows them standing for letters.
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let skeleton: String = unicode_security::skeleton(&c.to_string()).collect();
        for c in skeleton.nfd().filter(|c| !is_mark(*c)) {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Unicode's default-ignorable code points: they show nothing, and split words for a filter.
fn ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5
        | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F
        | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// Combining marks (accents once taken apart by NFD).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Signs that stand for letters inside a word, and the letter of their class.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' | 'l' => 'i',
        '3' | '€' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        _ => return None,
    })
}

/// Marks that hide a letter inside a word.
fn mask(c: char) -> bool {
    matches!(c, '*' | '#' | '_')
}

/// A word being read: its characters (already folded), and where it is.
#[derive(Default)]
struct Raw {
    chars: Vec<char>,
    span: Option<Range<usize>>,
}

impl Raw {
    fn push(&mut self, text: &str, span: &Range<usize>) {
        self.chars.extend(text.chars());
        self.span = Some(match &self.span {
            Some(s) => s.start..span.end,
            None => span.clone(),
        });
    }

    /// The word, its signs read as letters when it has letters (`c0nn@rd`; `2024` stays).
    fn finish(&mut self) -> Option<Word> {
        let chars = std::mem::take(&mut self.chars);
        let span = self.span.take()?;
        // Signs at the edges are punctuation (`wow!`, `*soupir*`), except a leading `$`.
        let mut from = 0;
        let mut to = chars.len();
        while from < to && !chars[from].is_alphanumeric() && chars[from] != '$' {
            from += 1;
        }
        while to > from && !chars[to - 1].is_alphanumeric() {
            to -= 1;
        }
        let inner = &chars[from..to];
        if inner.is_empty() {
            // A sign alone may be a spaced letter (`c 0 n n @ r d`): kept for `join_spaced`.
            return match chars.as_slice() {
                [sign] if leet(*sign).is_some() => Some(Word {
                    folded: sign.to_string(),
                    span,
                }),
                _ => None,
            };
        }
        Some(Word {
            folded: letters(inner),
            span,
        })
    }
}

/// A word's characters, its signs read as letters when it has letters (`c0nn@rd`; `2024`
/// stays), its masks as `*`.
fn letters(chars: &[char]) -> String {
    let has_letter = chars.iter().any(|c| c.is_alphabetic());
    chars
        .iter()
        .map(|c| match (has_letter, leet(*c)) {
            (true, Some(letter)) => letter,
            _ if mask(*c) => '*',
            _ => *c,
        })
        .collect()
}

/// Whether `c` may be part of a word (letters, digits, and the signs evasions put in them).
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || leet(c).is_some() || mask(c)
}

/// The text's words, folded (see the module's documentation).
pub fn words(text: &str) -> Vec<Word> {
    let mut found = Vec::new();
    let mut current = Raw::default();
    for unit in units(text) {
        if unit.text.is_empty() {
            // Invisible: neither part of a word nor a break between two.
            continue;
        }
        if unit.text.chars().all(in_word) {
            current.push(&unit.text, &unit.span);
        } else {
            found.extend(current.finish());
        }
    }
    found.extend(current.finish());
    join_spaced(text, found)
}

/// Runs of three or more one-letter words, each apart from the next by one space or sign
/// (`c o n n a r d`, `f.u.c.k`), read as one word.
fn join_spaced(text: &str, words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut run: Vec<Word> = Vec::new();
    let flush = |run: &mut Vec<Word>, out: &mut Vec<Word>| {
        // A sign at either end is punctuation (`c o n n a r d !`), not a spaced letter.
        while run
            .last()
            .is_some_and(|w| !w.folded.chars().all(char::is_alphanumeric))
        {
            run.pop();
        }
        let lead = run
            .iter()
            .take_while(|w| !w.folded.chars().all(char::is_alphanumeric))
            .count();
        run.drain(..lead);
        let joined: Vec<char> = run.iter().flat_map(|w| w.folded.chars()).collect();
        if run.len() >= 3 && joined.iter().any(|c| c.is_alphabetic()) {
            let span = run[0].span.start..run[run.len() - 1].span.end;
            out.push(Word {
                folded: letters(&joined),
                span,
            });
        } else {
            // Alone, a sign is not a word.
            out.extend(
                run.drain(..)
                    .filter(|w| w.folded.chars().any(char::is_alphanumeric)),
            );
        }
        run.clear();
    };
    for word in words {
        let single = word.folded.chars().count() == 1
            && word
                .folded
                .chars()
                .all(|c| c.is_alphabetic() || leet(c).is_some());
        let close = run
            .last()
            .is_some_and(|last| text[last.span.end..word.span.start].chars().count() == 1);
        if single && (run.is_empty() || close) {
            run.push(word);
            continue;
        }
        flush(&mut run, &mut out);
        if single {
            run.push(word);
        } else {
            out.push(word);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.folded).collect()
    }

    fn finds(text: &str, entry: &str) -> bool {
        let entry = fold_entry(entry);
        words(text).iter().any(|w| w.matches(&entry))
    }

    #[test]
    fn plain_words_are_lower_case_without_accents() {
        assert_eq!(
            folded("Été, déjà À LA Crème !"),
            ["ete", "deja", "a", "ia", "creme"]
        );
    }

    #[test]
    fn evasions_read_as_the_word_they_hide() {
        for text in [
            "espèce de connard",
            "espèce de c0nn@rd",
            "espèce de CONNNNNARD",
            "espèce de c o n n a r d",
            "espèce de c.o.n.n.a.r.d",
            "espèce de co\u{200b}nna\u{200d}rd",
            "espèce de c&#111;nnard",
            "espèce de ｃｏｎｎａｒｄ",
            "espèce de 𝐜𝐨𝐧𝐧𝐚𝐫𝐝",
            // Cyrillic о and а.
            "espèce de cоnnаrd",
            "espèce de c*nnard",
        ] {
            assert!(finds(text, "connard"), "{text}");
        }
        assert!(finds("what the f*ck", "fuck"));
        assert!(finds("what the f**k", "fuck"));
        assert!(finds("$h!t happens", "shit"));
        assert!(finds("you 1d10t", "idiot"));
        assert!(finds("such a l0ser", "loser"));
    }

    #[test]
    fn ordinary_words_are_not_read_as_insults() {
        for text in [
            "Le conditionnement était abîmé, je suis déçu.",
            "Rendez-vous le 12/03 à 14h, salle 3.",
            "*soupir* encore en retard",
            "wow! great coffee",
            "*** *** ***",
        ] {
            assert!(!finds(text, "connard"), "{text}");
            assert!(!finds(text, "fuck"), "{text}");
        }
        // Numbers stay numbers.
        assert_eq!(folded("Commande 2024-0153"), ["commande", "2024", "0153"]);
    }

    #[test]
    fn each_word_keeps_where_it_was_written() {
        let text = "Bonjour c 0 n n @ r d !";
        let found = words(text);
        let last = found.last().unwrap();
        assert_eq!(last.folded, "connard");
        assert_eq!(&text[last.span.clone()], "c 0 n n @ r d");
        let text = "un c&#111;nnard";
        let found = words(text);
        assert_eq!(&text[found[1].span.clone()], "c&#111;nnard");
    }

    #[test]
    fn a_mask_needs_two_letters_shown() {
        let entry = fold_entry("fuck");
        assert!(!words("f***").iter().any(|w| w.matches(&entry)));
        assert!(!words("*uck").iter().any(|w| w.matches(&entry)));
    }

    #[test]
    fn only_a_stretched_word_is_compared_squeezed() {
        assert!(!finds("but the app crashed", "butt"));
        assert!(!finds("as usual", "ass"));
        assert!(finds("you buttttt", "butt"));
        assert!(finds("nuuuuul", "nul"));
    }
}
