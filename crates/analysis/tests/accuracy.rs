//! Accuracy on labelled sets. Prints every figure and fails when one drops below its floor, so a
//! lexicon or rule change that loses accuracy is caught. Floors sit a little under the measured
//! values recorded in the crate documentation.
//!
//! Sets:
//! - `fr_reviews.tsv`: French consumer reviews written and labelled for this crate
//!   (label<TAB>text). Even lines (0-based) are the dev half used while tuning, odd lines the
//!   test half, never looked at while tuning.
//! - `fr_social.tsv`: French brand posts, three classes, same even/odd split.
//! - VADER's human-rated English sets (Hutto & Gilbert 2014): id<TAB>mean rating<TAB>text.
//!   Rule: rating ≥ 0.5 is positive, ≤ -0.5 negative, the rest is skipped.
//!
//! Binary accuracy counts a neutral prediction as wrong. `ANALYSIS_SHOW_ERRORS=dev` (or
//! `test`, `social`, `social-test`, `en`) prints the misclassified items of that set.

use jardinier_analysis::{Label, Lang, analyze, sentiment};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse_label(s: &str) -> Label {
    match s {
        "positive" => Label::Positive,
        "negative" => Label::Negative,
        "neutral" => Label::Neutral,
        other => panic!("bad label {other}"),
    }
}

fn labelled(name: &str) -> Vec<Item> {
    data(name)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (label, text) = l.split_once('\t').expect("label<TAB>text");
            (parse_label(label), text.to_string())
        })
        .collect()
}

/// `ANALYSIS_DEV_ONLY=1` evaluates only the dev halves: used while tuning so the test halves
/// stay unseen.
fn tuning() -> bool {
    std::env::var_os("ANALYSIS_DEV_ONLY").is_some()
}

fn show_errors(set: &str) -> bool {
    std::env::var("ANALYSIS_SHOW_ERRORS").is_ok_and(|v| v == set)
}

struct Scores {
    binary: f64,
    three_class: f64,
    french: f64,
    n_binary: usize,
    n: usize,
}

fn evaluate(items: &[Item], set: &str) -> Scores {
    let (mut ok2, mut n2, mut ok3, mut fr) = (0, 0, 0, 0);
    for (gold, text) in items {
        let a = analyze(text);
        if a.lang == Lang::Fr {
            fr += 1;
        }
        let got = a.sentiment.label;
        if got == *gold {
            ok3 += 1;
        }
        if *gold != Label::Neutral {
            n2 += 1;
            if got == *gold {
                ok2 += 1;
            }
        }
        if got != *gold && show_errors(set) {
            println!(
                "  [{set}] gold={} got={} ({:+.3}) lang={} | {text}",
                gold.as_str(),
                got.as_str(),
                a.sentiment.score,
                a.lang.code()
            );
        }
    }
    Scores {
        binary: ok2 as f64 / n2 as f64,
        three_class: ok3 as f64 / items.len() as f64,
        french: fr as f64 / items.len() as f64,
        n_binary: n2,
        n: items.len(),
    }
}

/// A labelled text.
type Item = (Label, String);

fn halves(items: Vec<Item>) -> (Vec<Item>, Vec<Item>) {
    let (dev, test): (Vec<_>, Vec<_>) =
        items.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    (
        dev.into_iter().map(|(_, x)| x).collect(),
        test.into_iter().map(|(_, x)| x).collect(),
    )
}

#[test]
fn french_reviews() {
    let (dev, test) = halves(labelled("fr_reviews.tsv"));
    let d = evaluate(&dev, "dev");
    if tuning() {
        println!(
            "fr_reviews dev: binary {:.3} (n={}), 3-class {:.3}, detected fr {:.3}",
            d.binary, d.n_binary, d.three_class, d.french
        );
        return;
    }
    let t = evaluate(&test, "test");
    for (name, s) in [("dev", &d), ("test", &t)] {
        println!(
            "fr_reviews {name}: binary {:.3} (n={}), 3-class {:.3} (n={}), detected fr {:.3}",
            s.binary, s.n_binary, s.three_class, s.n, s.french
        );
    }
    assert!(
        d.binary >= FR_DEV_FLOOR,
        "dev binary accuracy {:.3}",
        d.binary
    );
    assert!(
        t.binary >= FR_TEST_FLOOR,
        "test binary accuracy {:.3}",
        t.binary
    );
    assert!(
        d.french >= 0.98 && t.french >= 0.98,
        "French reviews must be detected as French"
    );
}

#[test]
fn french_social() {
    let (dev, test) = halves(labelled("fr_social.tsv"));
    let d = evaluate(&dev, "social");
    if tuning() {
        println!(
            "fr_social dev: 3-class {:.3}, binary {:.3}, detected fr {:.3}",
            d.three_class, d.binary, d.french
        );
        return;
    }
    let t = evaluate(&test, "social-test");
    for (name, s) in [("dev", &d), ("test", &t)] {
        println!(
            "fr_social {name}: 3-class {:.3} (n={}), binary {:.3} (n={}), detected fr {:.3}",
            s.three_class, s.n, s.binary, s.n_binary, s.french
        );
    }
    assert!(
        d.three_class >= SOCIAL_FLOOR && t.three_class >= SOCIAL_FLOOR,
        "social 3-class accuracy"
    );
}

/// Any other labelled file (label<TAB>text), e.g. real reviews that cannot ship with the crate:
/// `ANALYSIS_EXTRA=/path/to/file.tsv`. Reported only, no floor; halves split like the others.
#[test]
fn extra_set_from_env() {
    let Some(path) = std::env::var_os("ANALYSIS_EXTRA") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("ANALYSIS_EXTRA file");
    let items: Vec<Item> = text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(label, t)| (parse_label(label), t.to_string()))
        .collect();
    let (dev, test) = halves(items);
    let d = evaluate(&dev, "extra");
    println!(
        "extra dev: binary {:.3} (n={}), 3-class {:.3} (n={})",
        d.binary, d.n_binary, d.three_class, d.n
    );
    if !tuning() {
        let t = evaluate(&test, "extra-test");
        println!(
            "extra test: binary {:.3} (n={}), 3-class {:.3} (n={})",
            t.binary, t.n_binary, t.three_class, t.n
        );
    }
}

/// Binary accuracy of `sentiment(text, Lang::En)` on one VADER ground-truth file.
fn vader_set(name: &str) -> (f64, usize, f64) {
    let (mut ok, mut n, mut en) = (0, 0, 0);
    for line in data(name).lines() {
        let mut cols = line.trim_end_matches('\r').splitn(3, '\t');
        let (Some(_), Some(rating), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Ok(rating) = rating.trim().parse::<f64>() else {
            continue;
        };
        if rating.abs() < 0.5 {
            continue;
        }
        let gold = if rating > 0.0 {
            Label::Positive
        } else {
            Label::Negative
        };
        let got = sentiment(text, Lang::En).label;
        n += 1;
        if got == gold {
            ok += 1;
        } else if show_errors("en") {
            println!(
                "  [{name}] gold={} got={} | {text}",
                gold.as_str(),
                got.as_str()
            );
        }
        if n % 10 == 0 && jardinier_analysis::detect_language(text) == Lang::En {
            en += 1;
        }
    }
    (ok as f64 / n as f64, n, en as f64 / (n / 10) as f64)
}

#[test]
fn english_vader_sets() {
    for (name, floor) in EN_FLOORS {
        let (acc, n, en) = vader_set(name);
        println!("{name}: binary {acc:.3} (n={n}), detected en {en:.3} (every 10th item)");
        assert!(acc >= floor, "{name}: {acc:.3} < {floor}");
    }
}

const FR_DEV_FLOOR: f64 = 0.95;
const FR_TEST_FLOOR: f64 = 0.92;
const SOCIAL_FLOOR: f64 = 0.92;
const EN_FLOORS: [(&str, f64); 4] = [
    ("tweets_GroundTruth.txt", 0.95),
    ("amazonReviewSnippets_GroundTruth.txt", 0.62),
    ("movieReviewSnippets_GroundTruth.txt", 0.55),
    ("nytEditorialSnippets_GroundTruth.txt", 0.59),
];
