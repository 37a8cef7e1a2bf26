//! French and English text for everything a person reads: pages, errors, e-mails.
//!
//! Catalogues live in `locales/{fr,en}.toml`, are compiled into the binary and flattened to
//! dotted keys (`nav.inbox`). Templates never hold literal text; they ask a [`Tr`] for a key.
//! Both catalogues must hold exactly the same keys: a unit test fails otherwise, so a string
//! added in one language and forgotten in the other never ships.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    Fr,
    #[default]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header (RFC 9110 §12.5.4):
    /// the highest quality wins, ties keep the header's order; `q=0` means "not this one".
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u32)> = None;
        for entry in accept_language.split(',') {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let quality = (quality.clamp(0.0, 1.0) * 1000.0) as u32;
            if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((lang, quality));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

type Catalog = BTreeMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&full, inner, out),
            toml::Value::String(text) => {
                out.insert(full, text.clone());
            }
            other => panic!("catalogue key {full} must be text, found {other}"),
        }
    }
}

fn load(source: &str, name: &str) -> Catalog {
    let table: toml::Table = source
        .parse()
        .unwrap_or_else(|e| panic!("catalogue {name} is not valid TOML: {e}"));
    let mut catalog = Catalog::new();
    flatten("", &table, &mut catalog);
    catalog
}

static FR: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("../locales/fr.toml"), "fr"));
static EN: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("../locales/en.toml"), "en"));

fn catalog(lang: Lang) -> &'static Catalog {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// A whole number to write or count, however a template holds it (owned or borrowed).
pub trait Count {
    fn count(&self) -> i64;
}

impl Count for i64 {
    fn count(&self) -> i64 {
        *self
    }
}

impl Count for i32 {
    fn count(&self) -> i64 {
        i64::from(*self)
    }
}

impl Count for usize {
    fn count(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// A translator for one language, cheap to copy into every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The text for `key`. A missing key shows itself (never an empty string), so a gap is
    /// visible on the page and caught by the catalogue tests.
    pub fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        catalog(self.lang)
            .get(key)
            .or_else(|| EN.get(key))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// The text for `key` with `{name}` placeholders replaced.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A whole number as the language writes it: `1 234` in French (a narrow no-break space
    /// between groups of three, as the Imprimerie nationale and CLDR have it), `1,234` in English.
    pub fn number(&self, n: impl Count) -> String {
        let n = n.count();
        let digits = n.unsigned_abs().to_string();
        let separator = match self.lang {
            Lang::Fr => '\u{202F}',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(c);
        }
        out
    }

    /// A decimal number with `places` digits after the separator the language uses (a comma in
    /// French, a point in English), signed (`+0,11`) when `signed`.
    pub fn decimal(&self, value: f64, places: usize, signed: bool) -> String {
        let text = if signed {
            format!("{value:+.places$}")
        } else {
            format!("{value:.places$}")
        };
        match self.lang {
            Lang::Fr => text.replace('.', ","),
            Lang::En => text,
        }
    }

    /// A duration read at a glance, with the language's units: "2 j 4 h", "3 h 05", "35 min"
    /// in French; "2 d 4 h", "3 h 05", "35 min" in English.
    pub fn duration(&self, seconds: i64) -> String {
        let minutes = seconds.abs() / 60;
        let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
        let day = match self.lang {
            Lang::Fr => "j",
            Lang::En => "d",
        };
        if d > 0 {
            format!("{d}\u{a0}{day} {h}\u{a0}h")
        } else if h > 0 {
            format!("{h}\u{a0}h\u{a0}{m:02}")
        } else {
            format!("{m}\u{a0}min")
        }
    }

    /// A count that stops at `cap`: "1 000+" past it, else the number as [`Tr::number`] writes it.
    pub fn at_most(&self, n: impl Count, cap: i64) -> String {
        let n = n.count();
        if n > cap {
            format!("{}+", self.number(cap))
        } else {
            self.number(n)
        }
    }

    /// A count in words: the text of `{key}_one` or `{key}_other`, chosen by the language's
    /// plural rule (CLDR: French puts 0 and 1 in "one", English only 1), with `{n}` the number
    /// as [`Tr::number`] writes it.
    pub fn n(&self, key: &str, n: impl Count) -> String {
        let n = n.count();
        let one = match self.lang {
            Lang::Fr => n == 0 || n == 1,
            Lang::En => n == 1,
        };
        let form = if one { "one" } else { "other" };
        self.f(&format!("{key}_{form}"), &[("n", &self.number(n))])
    }

    pub fn has(&self, key: &str) -> bool {
        catalog(self.lang).contains_key(key)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// Every key of a catalogue, for tests elsewhere that check templates only use known keys.
pub fn keys(lang: Lang) -> impl Iterator<Item = &'static str> {
    catalog(lang).keys().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let fr: Vec<_> = keys(Lang::Fr).collect();
        let en: Vec<_> = keys(Lang::En).collect();
        let only_fr: Vec<_> = fr.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !fr.contains(k)).collect();
        assert!(
            only_fr.is_empty() && only_en.is_empty(),
            "only in fr: {only_fr:?}; only in en: {only_en:?}"
        );
    }

    #[test]
    fn placeholders_match_between_languages() {
        for key in keys(Lang::En) {
            let holes = |text: &str| {
                let mut names: Vec<String> = text
                    .split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                    // Placeholders are {lower_case_names}; other braces are literal text.
                    .filter(|name| {
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    })
                    .collect();
                names.sort();
                names
            };
            assert_eq!(
                holes(Tr::new(Lang::En).t(key)),
                holes(Tr::new(Lang::Fr).t(key)),
                "placeholders differ for {key}"
            );
        }
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::negotiate("fr-FR,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
        assert_eq!(
            Lang::negotiate("de-DE,en-GB;q=0.5,fr;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(Lang::negotiate("en;q=0.2, fr;q=0.9"), Some(Lang::Fr));
        assert_eq!(Lang::negotiate("fr;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(Lang::negotiate("de, es"), None);
        assert_eq!(Lang::negotiate(""), None);
    }

    #[test]
    fn numbers_are_grouped_as_each_language_writes_them() {
        assert_eq!(Tr::new(Lang::Fr).number(121_000), "121\u{202F}000");
        assert_eq!(Tr::new(Lang::En).number(121_000), "121,000");
        assert_eq!(Tr::new(Lang::En).number(-1_234_567), "-1,234,567");
        assert_eq!(Tr::new(Lang::Fr).number(999), "999");
        assert_eq!(Tr::new(Lang::En).number(0), "0");
    }

    #[test]
    fn durations_use_the_language_s_units() {
        assert_eq!(
            Tr::new(Lang::Fr).duration(2 * 86_400 + 3_600),
            "2\u{a0}j 1\u{a0}h"
        );
        assert_eq!(
            Tr::new(Lang::En).duration(2 * 86_400 + 3_600),
            "2\u{a0}d 1\u{a0}h"
        );
        assert_eq!(
            Tr::new(Lang::Fr).duration(3 * 3_600 + 300),
            "3\u{a0}h\u{a0}05"
        );
        assert_eq!(Tr::new(Lang::En).duration(20 * 60), "20\u{a0}min");
    }

    #[test]
    fn decimals_use_the_language_s_separator() {
        assert_eq!(Tr::new(Lang::Fr).decimal(0.114, 2, true), "+0,11");
        assert_eq!(Tr::new(Lang::En).decimal(-0.5, 2, true), "-0.50");
        assert_eq!(Tr::new(Lang::Fr).decimal(31.5, 1, false), "31,5");
    }

    #[test]
    fn counts_follow_each_language_s_plural_rule() {
        let fr = Tr::new(Lang::Fr);
        let en = Tr::new(Lang::En);
        assert_eq!(fr.n("work.alerts", 0), "0 alerte ouverte");
        assert_eq!(fr.n("work.alerts", 1), "1 alerte ouverte");
        assert_eq!(fr.n("work.alerts", 2), "2 alertes ouvertes");
        assert_eq!(en.n("work.alerts", 0), "0 open alerts");
        assert_eq!(en.n("work.alerts", 1), "1 open alert");
        assert_eq!(en.n("work.alerts", 1_200), "1,200 open alerts");
    }

    #[test]
    fn formatting_fills_placeholders() {
        let tr = Tr::new(Lang::Fr);
        assert!(
            tr.f("login.locked", &[("wait", "15 min")])
                .contains("dans 15 min,")
        );
        assert_eq!(tr.t("no.such.key"), "no.such.key");
    }
}
