//! Wires the analysis crate into the listening pipeline and into `jardinier analyze`.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use jardinier_analysis::Label;
use jardinier_analysis::adjust::{Adjustment, Correction};
use jardinier_listening::{Enrichment, LearningSummary, SentimentLearning};

/// Language and sentiment for the ingest pipeline.
pub fn enrich(text: &str) -> Enrichment {
    enrichment(jardinier_analysis::analyze(text))
}

/// Each workspace's adjustment, learned from its corrections.
#[derive(Default)]
pub struct Learned(std::sync::RwLock<HashMap<i64, Arc<Adjustment>>>);

impl SentimentLearning for Learned {
    fn analyze(&self, workspace_id: i64, text: &str) -> Option<Enrichment> {
        let adjustment = self.0.read().ok()?.get(&workspace_id)?.clone();
        Some(enrichment(adjustment.analyze(text)))
    }

    fn learn(&self, workspace_id: i64, corrections: &[(String, String)]) {
        let corrections: Vec<Correction> = corrections
            .iter()
            .filter_map(|(text, label)| {
                let label = match label.as_str() {
                    "positive" => Label::Positive,
                    "negative" => Label::Negative,
                    "neutral" => Label::Neutral,
                    _ => return None,
                };
                Some(Correction {
                    text: text.clone(),
                    label,
                })
            })
            .collect();
        let adjustment = Arc::new(Adjustment::learn(&corrections));
        if let Ok(mut map) = self.0.write() {
            if adjustment.corrections() == 0 {
                map.remove(&workspace_id);
            } else {
                map.insert(workspace_id, adjustment);
            }
        }
    }

    fn summary(&self, workspace_id: i64) -> Option<LearningSummary> {
        let adjustment = self.0.read().ok()?.get(&workspace_id)?.clone();
        Some(LearningSummary {
            corrections: adjustment.corrections(),
            measured: adjustment
                .measured()
                .map(|m| (m.held_out, m.before, m.after)),
        })
    }
}

fn enrichment(analysis: jardinier_analysis::Analysis) -> Enrichment {
    Enrichment {
        lang: Some(analysis.lang.code().to_owned()),
        sentiment: Some((
            analysis.sentiment.label.as_str().to_owned(),
            f64::from(analysis.sentiment.score),
        )),
    }
}

/// `jardinier analyze`'s options.
#[derive(clap::Args, Debug, Default)]
pub struct AnalyzeArgs {
    /// Measure accuracy on a labelled file (`label<TAB>text` lines; label positive, neutral or
    /// negative): prints binary and three-class accuracy with their 95 % intervals and the
    /// confusion matrix.
    #[arg(long, value_name = "FILE")]
    pub eval: Option<PathBuf>,
    /// With --eval: score with the rules alone, without the learned model (for comparison).
    #[arg(long, requires = "eval")]
    pub rules_only: bool,
    /// Measure speed instead: analyses the lines of standard input (repeatedly, for about two
    /// seconds, on one core) and prints texts per second on standard error.
    #[arg(long, conflicts_with = "eval")]
    pub bench: bool,
}

/// `jardinier analyze`.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    jardinier_analysis::check_model()?;
    if let Some(path) = &args.eval {
        return evaluate(path, args.rules_only);
    }
    if args.bench {
        return bench_stdin();
    }
    analyze_stdin()
}

fn evaluate(path: &Path, rules_only: bool) -> anyhow::Result<()> {
    let content = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} (a UTF-8 text file)", path.display()))?;
    let items = jardinier_analysis::eval::parse_labelled(&content)
        .with_context(|| format!("in {}", path.display()))?;
    if items.is_empty() {
        anyhow::bail!("{} has no labelled line", path.display());
    }
    let mut report = jardinier_analysis::eval::Report::default();
    for (gold, text) in &items {
        let got = if rules_only {
            let lang = jardinier_analysis::detect_language(text);
            jardinier_analysis::rules_sentiment(text, lang)
        } else {
            jardinier_analysis::analyze(text).sentiment
        };
        report.add(*gold, got);
    }
    print!("{}: {} texts\n{report}", path.display(), items.len());
    Ok(())
}

fn bench_stdin() -> anyhow::Result<()> {
    let texts: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("reading standard input: {e} (is it UTF-8 text?)"))?;
    if texts.is_empty() {
        anyhow::bail!("--bench needs texts on standard input, one per line");
    }
    // The first pass builds the lexicons and the model, as the first text in a process does.
    for text in &texts {
        std::hint::black_box(jardinier_analysis::analyze(text));
    }
    let start = std::time::Instant::now();
    let mut done = 0_usize;
    while start.elapsed() < std::time::Duration::from_secs(2) {
        for text in &texts {
            std::hint::black_box(jardinier_analysis::analyze(std::hint::black_box(text)));
        }
        done += texts.len();
    }
    let seconds = start.elapsed().as_secs_f64();
    let chars = texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len();
    eprintln!(
        "{}",
        serde_json::json!({
            "texts": done,
            "mean_chars": chars,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "texts_per_s": (done as f64 / seconds).round(),
        })
    );
    Ok(())
}

/// One text per line on standard input, one JSON object per line out.
fn analyze_stdin() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line =
            line.map_err(|e| anyhow::anyhow!("reading standard input: {e} (is it UTF-8 text?)"))?;
        let analysis = jardinier_analysis::analyze(&line);
        let score = (f64::from(analysis.sentiment.score) * 10_000.0).round() / 10_000.0;
        let json = serde_json::json!({"lang": analysis.lang.code(), "sentiment": analysis.sentiment.label.as_str(), "score": score});
        writeln!(out, "{json}")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_follows_corrections_per_workspace_and_forgets_when_none_are_left() {
        let learned = Learned::default();
        assert!(learned.analyze(1, "sick board").is_none());
        let corrections: Vec<(String, String)> = [
            "that new deck is sick",
            "sick board, sick graphics",
            "the new trucks are sick",
        ]
        .iter()
        .map(|t| (t.to_string(), "positive".to_string()))
        .chain([("ignored".to_string(), "not a label".to_string())])
        .collect();
        learned.learn(1, &corrections);
        assert_eq!(learned.summary(1).unwrap().corrections, 3);
        assert!(learned.summary(2).is_none());
        let base = enrich("sick graphics on the new deck").sentiment.unwrap().1;
        let adjusted = learned
            .analyze(1, "sick graphics on the new deck")
            .unwrap()
            .sentiment
            .unwrap()
            .1;
        assert!(adjusted > base, "{base} → {adjusted}");
        learned.learn(1, &[]);
        assert!(learned.summary(1).is_none());
    }
}
