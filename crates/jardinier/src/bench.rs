//! `jardinier bench …`: measurements on generated data, printed as one JSON line at the end.
//!
//! The corpus is deterministic (same seed, same items and queries), bilingual, and shaped like
//! listening traffic: each query follows one brand among thousands, a few brands get most of
//! the mentions (Zipf-like), and mentions mix praise, complaints and chatter.

use std::time::Instant;

use jardinier_query::{Document, Prepared, QuerySet, parse};

/// A small deterministic generator (PCG-style LCG): no randomness crate, same data every run.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    /// Roughly Zipf: small indexes are much more likely.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = (self.below(1 << 20) as f64 + 1.0) / (1u64 << 20) as f64;
        ((n as f64).powf(u) - 1.0) as usize % n.max(1)
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "tu", "zen", "vel", "bru", "caf", "nor", "pli", "sto", "quin", "dar",
    "fel", "gro", "ar", "bel", "cor", "dun",
];

/// The brand name number `i`: "Kalomi", "Brucafnor"…
pub fn brand(i: usize) -> String {
    let n = SYLLABLES.len();
    let mut name = format!(
        "{}{}{}",
        SYLLABLES[i % n],
        SYLLABLES[(i / n) % n],
        SYLLABLES[(i / (n * n)) % n]
    );
    if i >= n * n * n {
        name.push_str(&(i / (n * n * n)).to_string());
    }
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// Query number `i`, about brand `i`, in one of the shapes community managers write.
pub fn query_text(i: usize) -> String {
    let b = brand(i);
    let lower = b.to_lowercase();
    match i % 6 {
        0 => format!("{lower} OR #{lower} OR \"{b} café\""),
        1 => format!("({lower} OR {lower}*) AND NOT site:{lower}.fr"),
        2 => format!("{lower} NEAR/5 (déçu OR remboursement OR bad OR broken OR arnaque)"),
        3 => format!("\"{b} Paris\" OR (@{lower} AND lang:fr)"),
        4 => format!("{{{b}}} AND (avis OR review OR test)"),
        _ => format!("{lower} AND (livraison OR delivery) NOT concours"),
    }
}

const FR: &[&str] = &[
    "J'ai testé {b} hier soir, franchement déçu par le service.",
    "Super découverte : {b} à Paris, le café est excellent !",
    "Quelqu'un a un avis sur {b} ? La livraison a pris deux semaines.",
    "#{l} toujours aussi bon, merci pour le concours",
    "Arnaque chez {b}, je demande un remboursement immédiat.",
    "Le nouveau produit de {b} est pas mal, mais un peu cher.",
];
const EN: &[&str] = &[
    "Tried {b} yesterday and honestly the delivery was broken again.",
    "Loving the new {b} blend, best coffee in town! @{l}",
    "Anyone else had a bad experience with {b} support? Waiting for a refund.",
    "{b} review: solid product, fair price, would buy again.",
    "Is {b} Paris open on Sundays?",
    "Meh. {b} used to be better.",
];

/// Item number `k`: (title, text, site, lang).
pub fn item(rng: &mut Lcg, brands: usize) -> (String, String, String, &'static str) {
    let b = brand(rng.skewed(brands));
    let l = b.to_lowercase();
    let (templates, lang) = if rng.below(3) == 0 {
        (EN, "en")
    } else {
        (FR, "fr")
    };
    let text = templates[rng.below(templates.len())]
        .replace("{b}", &b)
        .replace("{l}", &l);
    let site = [
        "twitter.example",
        "forum.example.fr",
        "blog.example.com",
        "reddit.example",
    ][rng.below(4)]
    .to_owned();
    let title = if rng.below(4) == 0 {
        format!("Avis {b}")
    } else {
        String::new()
    };
    (title, text, site, lang)
}

pub fn bench_match(items: usize, queries: usize) -> anyhow::Result<()> {
    let start = Instant::now();
    let parsed: Vec<(usize, jardinier_query::Query)> = (0..queries)
        .map(|i| parse(&query_text(i)).map(|q| (i, q)))
        .collect::<Result<_, _>>()?;
    let parse_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let set = QuerySet::new(parsed);
    let build_seconds = start.elapsed().as_secs_f64();

    let mut rng = Lcg(42);
    let corpus: Vec<_> = (0..items).map(|_| item(&mut rng, queries.max(1))).collect();
    let start = Instant::now();
    let (mut matches, mut candidates) = (0usize, 0usize);
    for (title, text, site, lang) in &corpus {
        let doc = Prepared::new(&Document {
            title,
            text,
            author: "",
            site,
            lang,
            source: "feed",
        });
        candidates += set.candidates(&doc).len();
        matches += set.matches(&doc).len();
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "items": items,
            "queries": queries,
            "query_parse_seconds": round(parse_seconds),
            "matcher_build_seconds": round(build_seconds),
            "seconds": round(seconds),
            "match_only_items_per_s": (items as f64 / seconds).round(),
            "matches_per_item": round(matches as f64 / items.max(1) as f64),
            "candidates_per_item": round(candidates as f64 / items.max(1) as f64),
            "peak_rss_mb": peak_rss_mb(),
        })
    );
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The process's peak resident memory (Linux: VmHWM in /proc/self/status).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| (kb / 1024.0 * 10.0).round() / 10.0)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_query_parses_and_brands_are_distinct() {
        for i in 0..2_000 {
            parse(&query_text(i)).unwrap_or_else(|e| panic!("{}: {e}", query_text(i)));
        }
        assert_ne!(brand(0), brand(20));
        assert_ne!(brand(7_999), brand(15_999));
    }

    #[test]
    fn generated_items_mention_the_brands_queries_look_for() {
        let set = QuerySet::new((0..200).map(|i| (i, parse(&query_text(i)).unwrap())));
        let mut rng = Lcg(1);
        let matched = (0..500)
            .filter(|_| {
                let (title, text, site, lang) = item(&mut rng, 200);
                !set.matches(&Prepared::new(&Document {
                    title: &title,
                    text: &text,
                    author: "",
                    site: &site,
                    lang,
                    source: "feed",
                }))
                .is_empty()
            })
            .count();
        assert!(matched > 150, "only {matched} of 500 items matched a query");
    }
}
