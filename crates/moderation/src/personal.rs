//! Personal data posted in public: e-mail addresses, phone numbers, IBANs. Screening holds a
//! post that shows one and tells its author why (issue 17, item 2).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Email,
    Phone,
    Iban,
}

impl Kind {
    /// The code pages and logs use (`moderation.personal.{code}` in the catalogues).
    pub fn code(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Iban => "iban",
        }
    }
}

/// Personal data found in a text, and where (bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: Kind,
    pub span: Range<usize>,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}\b")
        .expect("valid pattern")
});

/// A phone number as people write them: international (`+33 6 12 34 56 78`, `0033…`, with an
/// optional `(0)`) or French national (`06 12 34 56 78`, `06.12.34.56.78`), digits grouped by
/// spaces, dots or dashes.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+|\b00)[1-9]\d{0,2}(?:[ .\-]?\(0\))?(?:[ .\-]?\d){6,12}\b|\b0[1-9](?:[ .\-]?\d{2}){4}\b")
        .expect("valid pattern")
});

/// Two letters, two check digits, then 11 to 30 letters or digits, in groups of four or not.
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,4})?\b")
        .expect("valid pattern")
});

/// The personal data in `text`, in the order written.
pub fn find(text: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for m in EMAIL.find_iter(text) {
        found.push(Found {
            kind: Kind::Email,
            span: m.range(),
        });
    }
    for m in IBAN.find_iter(text) {
        // The pattern may have taken a short word written after the number: the longest
        // prefix (in whole groups) that checks is the IBAN.
        let mut end = m.end();
        loop {
            if iban_checks(&text[m.start()..end]) {
                found.push(Found {
                    kind: Kind::Iban,
                    span: m.start()..end,
                });
                break;
            }
            match text[m.start()..end].rfind(' ') {
                Some(space) if space >= 15 => end = m.start() + space,
                _ => break,
            }
        }
    }
    for m in PHONE.find_iter(text) {
        let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
        let inside = found
            .iter()
            .any(|f| f.span.start <= m.start() && m.end() <= f.span.end);
        if (9..=15).contains(&digits) && !inside {
            found.push(Found {
                kind: Kind::Phone,
                span: m.range(),
            });
        }
    }
    found.sort_by_key(|f| f.span.start);
    found
}

/// ISO 13616's check: the first four characters moved to the end, letters as numbers (A = 10…
/// Z = 35), the number modulo 97 is 1. A random run of characters passes once in 97.
fn iban_checks(candidate: &str) -> bool {
    let compact: Vec<char> = candidate
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let mut remainder: u32 = 0;
    for c in compact[4..].iter().chain(&compact[..4]) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        find(text)
            .into_iter()
            .map(|f| (f.kind, &text[f.span]))
            .collect()
    }

    #[test]
    fn addresses_phones_and_ibans_are_found_where_written() {
        let text = "Écrivez-moi à camille.durand+forum@exemple.fr ou au 06 12 34 56 78, \
                    virement sur FR76 3000 6000 0112 3456 7890 189 merci";
        assert_eq!(
            kinds(text),
            [
                (Kind::Email, "camille.durand+forum@exemple.fr"),
                (Kind::Phone, "06 12 34 56 78"),
                (Kind::Iban, "FR76 3000 6000 0112 3456 7890 189"),
            ]
        );
        assert_eq!(
            kinds("call +44 20 7946 0958 or +33 (0)6.12.34.56.78"),
            [
                (Kind::Phone, "+44 20 7946 0958"),
                (Kind::Phone, "+33 (0)6.12.34.56.78"),
            ]
        );
        assert_eq!(
            kinds("GB82WEST12345698765432"),
            [(Kind::Iban, "GB82WEST12345698765432")]
        );
        assert_eq!(
            kinds("IBAN FR76 3000 6000 0112 3456 7890 189 test"),
            [(Kind::Iban, "FR76 3000 6000 0112 3456 7890 189")]
        );
    }

    #[test]
    fn numbers_that_are_not_personal_data_are_left_alone() {
        for text in [
            "Commande n° 2024-015366, livrée le 12/03/2025 à 14 h 30.",
            "Le moulin coûte 1 249,90 € et pèse 3,2 kg.",
            "Version 10.15.7, build 19H2",
            // A mistyped IBAN: its check digits do not match.
            "FR76 3000 6000 0112 3456 7890 188",
            "FR76 3000 6000 0112 3456 7890 188 test",
            "@camille merci !",
        ] {
            assert_eq!(kinds(text), [], "{text}");
        }
    }
}
