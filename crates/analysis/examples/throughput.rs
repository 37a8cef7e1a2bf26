//! Measures `analyze()` throughput on a realistic mix of short posts and ~200-character reviews.
//! Run in release mode: `cargo run --release -p jardinier-analysis --example throughput`.

use std::hint::black_box;
use std::time::Instant;

use jardinier_analysis::analyze;

const TEXTS: &[&str] = &[
    "Livraison rapide, produit conforme à la description. Le vendeur a répondu à mes questions en moins d'une heure et l'emballage était soigné. Je recommande vivement ce site, rien à redire !",
    "Commande passée il y a trois semaines, toujours rien reçu. Le service client ne répond pas aux mails et le suivi n'a pas bougé depuis dix jours. Arnaque, à fuir absolument.",
    "The coffee was great but the service was painfully slow and the staff seemed annoyed that we were there at all. Probably won't come back, which is a shame given the location.",
    "Trop bien le nouveau menu 😍",
    "lol this is bad",
    "jpp de cette appli qui plante tout le temps 🤬",
    "Das Essen war wirklich gut, aber der Service war leider sehr langsam und unfreundlich.",
    "Super café ! #brulerie",
];

fn main() {
    let avg_len = TEXTS.iter().map(|t| t.chars().count()).sum::<usize>() / TEXTS.len();
    // Warm up: builds the lexicons once, as the first call in a process does.
    for t in TEXTS {
        black_box(analyze(t));
    }
    let long = TEXTS[0];
    let rounds = 200_000;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(analyze(black_box(long)));
    }
    let per_long = start.elapsed() / rounds;
    println!(
        "analyze() on a {}-character review: {per_long:?} per call",
        long.chars().count()
    );

    let rounds = 50_000;
    let start = Instant::now();
    for _ in 0..rounds {
        for t in TEXTS {
            black_box(analyze(black_box(t)));
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = rounds as f64 * TEXTS.len() as f64;
    println!(
        "mixed texts (average {avg_len} characters): {:.0} texts/s on one core",
        n / elapsed
    );
}
