//! Screening's accuracy on real labelled text nobody here wrote, held out from training
//! (`scripts/moderation-data` fetches it from the package registries; origins, licences and
//! splits in docs/moderation-data.md and NOTICE). Prints every figure with its 95 % interval and
//! confusion matrix, and fails when one drops below its floor: floors sit a little under the
//! values measured and recorded in CHANGELOG.md.
//!
//! Without the data the test says how to get it, and fails in CI (`CI` set), where
//! `.ci/run` fetches it first.
//!
//! `MODERATION_SHOW_ERRORS=1` prints the misclassified texts.

use std::path::PathBuf;

use jardinier_moderation::eval::{Confusion, Labelled, balanced, parse_labelled};
use jardinier_moderation::model::Model;
use jardinier_moderation::screen::languages;
use jardinier_moderation::{Screener, Verdict};

fn data_dir() -> PathBuf {
    std::env::var_os("JARDINIER_MODERATION_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/moderation-data")
        })
}

fn load(name: &str) -> Option<Vec<Labelled>> {
    let path = data_dir().join(name);
    match std::fs::read_to_string(&path) {
        Ok(content) => {
            Some(parse_labelled(&content).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        }
        Err(e) => {
            let message = format!("{}: {e}; run scripts/moderation-data first", path.display());
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("skipped: {message}");
            None
        }
    }
}

/// Which score a set measures.
#[derive(Clone, Copy)]
enum Kind {
    Spam,
    Toxic,
}

fn measure(name: &str, screener: &Screener, items: &[Labelled], kind: Kind) -> Confusion {
    let show = std::env::var_os("MODERATION_SHOW_ERRORS").is_some();
    let mut confusion = Confusion::default();
    for (gold, text) in items {
        let s = screener.screen(text, languages(text), &[]);
        let score = match kind {
            Kind::Spam => s.spam,
            Kind::Toxic => s.toxic,
        };
        let threshold = match kind {
            Kind::Spam => screener.thresholds.hold_spam,
            Kind::Toxic => screener.thresholds.hold_toxic,
        };
        let predicted = score >= threshold;
        if show && predicted != *gold {
            println!(
                "  [{name}] gold={gold} score={score:.3} | {}",
                text.chars().take(200).collect::<String>()
            );
        }
        confusion.add(*gold, predicted);
    }
    println!("{name}:\n{confusion}");
    confusion
}

#[test]
fn spam_is_caught_on_held_out_sms_and_email() {
    let screener = Screener::new().expect("the built-in model");
    // Measured: SMS 0.988, e-mail 0.932 (the issue asks 0.95: e-mail spam of a later
    // collection than any trained on is not reached yet).
    for (file, floor) in [("spam-test-sms.tsv", 0.97), ("spam-test-email.tsv", 0.92)] {
        let Some(items) = load(file) else { return };
        let c = measure(file, &screener, &items, Kind::Spam);
        assert!(
            c.accuracy().0 >= floor,
            "{file}: accuracy {:.3} < {floor}",
            c.accuracy().0
        );
    }
}

#[test]
fn insults_on_the_held_out_kaggle_test_set() {
    let Some(items) = load("insults-test.tsv") else {
        return;
    };
    let items = balanced(&items);
    let rules = Screener::new().expect("the built-in model");
    let c = measure(
        "insults-test.tsv, balanced, lexicon rules (shipped)",
        &rules,
        &items,
        Kind::Toxic,
    );
    // Measured 0.717; the issue asks 0.90.
    assert!(
        c.accuracy().0 >= 0.70,
        "insults, lexicon rules: {:.3} < 0.70",
        c.accuracy().0
    );
    let model_path = data_dir().join("insults_model.bin");
    if let Ok(bytes) = std::fs::read(&model_path) {
        let model = Model::from_bytes(&bytes).expect("a model file");
        let trained = Screener::new().expect("model").with_toxic_model(model);
        measure(
            "insults-test.tsv, balanced, model trained on insults-train.tsv",
            &trained,
            &items,
            Kind::Toxic,
        );
    }
}

#[test]
fn heated_complaints_are_not_held_as_insults() {
    let Some(items) = load("complaints-en.tsv") else {
        return;
    };
    let screener = Screener::new().expect("the built-in model");
    let c = measure(
        "complaints-en.tsv (negative tweets)",
        &screener,
        &items,
        Kind::Toxic,
    );
    let (rate, (lo, hi)) = c.false_positive_rate();
    println!("  held as toxic: {rate:.3} (95 % interval {lo:.3}–{hi:.3})");
    let mut why = std::collections::BTreeMap::<&str, usize>::new();
    let mut held = 0;
    for (_, text) in &items {
        let s = screener.screen(text, languages(text), &[]);
        if s.verdict > Verdict::Allow {
            held += 1;
            for r in s.reasons.iter().filter(|r| r.verdict > Verdict::Allow) {
                *why.entry(r.code).or_default() += 1;
            }
        }
    }
    println!(
        "  held or blocked for any reason: {held} of {} ({why:?})",
        items.len()
    );
    assert!(rate <= 0.05, "complaints held as toxic: {rate:.3} > 0.05");
}

/// french-badwords-list: French insults and the misspellings people use to slip past filters
/// (`@brut!`, `1mb3c1l3`, `c0nn@rd`), from fr.wiktionary (MIT). Its plain words are in the
/// French lexicon; its 2,161 disguised forms are not, and measure how well `fold` undoes
/// disguises (measured 0.983; what it misses starts with a sign, `@bruti`, `!mbécile`, which
/// `fold` reads as a mention or punctuation).
#[test]
fn french_insults_are_found_through_their_disguises() {
    let path = data_dir().join("evasions-fr.txt");
    let Ok(content) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{}: run scripts/moderation-data",
            path.display()
        );
        return;
    };
    let (mut plain, mut disguised) = ((0, 0), (0, 0));
    let show = std::env::var_os("MODERATION_SHOW_ERRORS").is_some();
    for entry in content.lines().filter(|l| !l.trim().is_empty()) {
        let found = !jardinier_moderation::lexicon::hits(
            &jardinier_moderation::fold::words(entry),
            &[jardinier_moderation::lexicon::Lang::Fr],
        )
        .is_empty();
        let tally = if entry
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-')
        {
            &mut plain
        } else {
            &mut disguised
        };
        tally.0 += usize::from(found);
        tally.1 += 1;
        if show && !found {
            println!("  [evasions-fr] not found: {entry}");
        }
    }
    let report = |name: &str, (k, n): (usize, usize)| {
        let (lo, hi) = jardinier_analysis::eval::wilson(k, n);
        let share = k as f64 / n.max(1) as f64;
        println!("  {name}: {k} of {n} found, {share:.3} (95 % interval {lo:.3}–{hi:.3})");
        share
    };
    println!("evasions-fr.txt:");
    let p = report("plain", plain);
    let d = report("disguised", disguised);
    assert!(p >= 0.99, "plain words of the lexicon not found: {p:.3}");
    assert!(d >= 0.97, "disguised insults found: {d:.3} < 0.97");
}
