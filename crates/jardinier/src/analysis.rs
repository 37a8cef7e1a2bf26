//! Wires the analysis crate into the listening pipeline and into `jardinier analyze`.

use std::io::{BufRead, Write};

use jardinier_listening::Enrichment;

/// Language and sentiment for the ingest pipeline.
pub fn enrich(text: &str) -> Enrichment {
    let analysis = jardinier_analysis::analyze(text);
    Enrichment {
        lang: Some(analysis.lang.code().to_owned()),
        sentiment: Some((
            analysis.sentiment.label.as_str().to_owned(),
            f64::from(analysis.sentiment.score),
        )),
    }
}

/// `jardinier analyze`: one text per line on standard input, one JSON object per line out.
pub fn analyze_stdin() -> anyhow::Result<()> {
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
