//! `jardinier screen`: moderation's automatic screening for texts in bulk, as `jardinier analyze`
//! does for sentiment. One text per line in, one JSON object per line out; or accuracy on a
//! labelled file; or texts per second.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use jardinier_moderation::eval::{Confusion, balanced, parse_labelled};
use jardinier_moderation::model::Model;
use jardinier_moderation::screen::languages;
use jardinier_moderation::{Screener, Screening};

/// Which score `--eval` measures.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Spam,
    Toxic,
}

/// `jardinier screen`'s options.
#[derive(clap::Args, Debug, Default)]
pub struct ScreenArgs {
    /// Measure accuracy on a labelled file (`label<TAB>text` lines; labels spam/ham for
    /// --kind spam, insult/ok for --kind toxic): prints accuracy with its 95 % interval and
    /// the confusion matrix.
    #[arg(long, value_name = "FILE")]
    pub eval: Option<PathBuf>,
    /// With --eval: the score measured.
    #[arg(long, value_enum, default_value_t = Kind::Spam, requires = "eval")]
    pub kind: Kind,
    /// With --eval: as many texts of each class (the rarer class's count), the same ones on
    /// every run.
    #[arg(long, requires = "eval")]
    pub balanced: bool,
    /// A toxic classifier of one's own (trained by the moderation crate's
    /// `train_moderation` example): its probability replaces the lexicon's rules.
    #[arg(long, value_name = "FILE")]
    pub toxic_model: Option<PathBuf>,
    /// Measure speed instead: screens the lines of standard input repeatedly for about two
    /// seconds on one core and prints texts per second on standard error.
    #[arg(long, conflicts_with = "eval")]
    pub bench: bool,
}

/// `jardinier screen`.
pub fn run(args: ScreenArgs) -> anyhow::Result<()> {
    let mut screener = Screener::new()?;
    if let Some(path) = &args.toxic_model {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let model =
            Model::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        screener = screener.with_toxic_model(model);
    }
    if let Some(path) = &args.eval {
        return evaluate(&screener, path, args.kind, args.balanced);
    }
    let texts = || -> anyhow::Result<Vec<String>> {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("reading standard input: {e} (is it UTF-8 text?)"))
    };
    if args.bench {
        return bench(&screener, &texts()?);
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line.map_err(|e| {
            anyhow::anyhow!(
                "reading line {} of standard input: {e} (is it UTF-8 text?)",
                i + 1
            )
        })?;
        let screening = screener.screen(&line, languages(&line), &[]);
        writeln!(out, "{}", to_json(&line, &screening))?;
    }
    out.flush()?;
    Ok(())
}

fn round(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

/// One screened text as `jardinier screen` prints it: scores, verdict, and each reason with the
/// words it is about (their text and byte offsets).
pub fn to_json(text: &str, s: &Screening) -> serde_json::Value {
    let reasons: Vec<serde_json::Value> = s
        .reasons
        .iter()
        .map(|r| {
            let mut reason = serde_json::json!({"code": r.code, "verdict": r.verdict.as_str()});
            if !r.detail.is_empty() {
                reason["detail"] = r.detail.clone().into();
            }
            if let Some(score) = r.score {
                reason["score"] = round(score).into();
            }
            if !r.spans.is_empty() {
                reason["words"] = r
                    .spans
                    .iter()
                    .map(|span| {
                        serde_json::json!({"text": &text[span.clone()], "start": span.start, "end": span.end})
                    })
                    .collect::<Vec<_>>()
                    .into();
            }
            reason
        })
        .collect();
    serde_json::json!({
        "spam": round(s.spam),
        "toxic": round(s.toxic),
        "verdict": s.verdict.as_str(),
        "reasons": reasons,
    })
}

fn evaluate(screener: &Screener, path: &Path, kind: Kind, even: bool) -> anyhow::Result<()> {
    let content = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} (a UTF-8 text file)", path.display()))?;
    let mut items = parse_labelled(&content).with_context(|| format!("in {}", path.display()))?;
    if even {
        items = balanced(&items);
    }
    if items.is_empty() {
        anyhow::bail!("{} has no labelled line", path.display());
    }
    let mut confusion = Confusion::default();
    for (gold, text) in &items {
        let s = screener.screen(text, languages(text), &[]);
        let t = screener.thresholds;
        let predicted = match kind {
            Kind::Spam => s.spam >= t.hold_spam,
            Kind::Toxic => s.toxic >= t.hold_toxic,
        };
        confusion.add(*gold, predicted);
    }
    println!("{}: {} texts\n{confusion}", path.display(), items.len());
    Ok(())
}

fn bench(screener: &Screener, texts: &[String]) -> anyhow::Result<()> {
    if texts.is_empty() {
        anyhow::bail!("--bench needs texts on standard input, one per line");
    }
    for text in texts {
        std::hint::black_box(screener.screen(text, languages(text), &[]));
    }
    let start = std::time::Instant::now();
    let mut done = 0_usize;
    while start.elapsed() < std::time::Duration::from_secs(2) {
        for text in texts {
            std::hint::black_box(screener.screen(text, languages(text), &[]));
        }
        done += texts.len();
    }
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "{}",
        serde_json::json!({
            "texts": done,
            "mean_chars": texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len(),
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "texts_per_s": (done as f64 / seconds).round(),
        })
    );
    Ok(())
}
