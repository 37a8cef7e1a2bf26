//! `jardinier import`: history and exports from other tools, in NDJSON or CSV, through the same
//! pipeline as live mentions (language, sentiment, matching, duplicates) but without alerts:
//! the past is not news. Bad lines are reported with their line number and skipped; the rest is
//! imported, in batches that are each one transaction, so an interrupted import can be run
//! again: what was stored is recognised by its id and not stored twice.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use jardinier_listening::{IncomingItem, Ingestor, parse_time, parse_webhook};
use jardinier_store::{NewSource, Store};

use crate::config::Config;
use crate::server::open_store;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The workspace (its web address name).
    #[arg(long)]
    workspace: String,
    /// The file to import; its format comes from its extension (.ndjson, .jsonl, .csv)
    /// unless --format says otherwise.
    file: PathBuf,
    #[arg(long, value_parser = ["ndjson", "csv"])]
    format: Option<String>,
    /// The source the items are filed under (created if it does not exist).
    #[arg(long, default_value = "Import")]
    source_name: String,
}

const BATCH: usize = 500;

/// One CSV record as an item. Columns are matched by header name; unknown columns are ignored.
fn item_from_csv(
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
) -> Result<IncomingItem, String> {
    let get = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .and_then(|i| record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let external_id = get("id").ok_or("the id column is empty")?.to_owned();
    let text = get("text")
        .or_else(|| get("content"))
        .ok_or("the text column is empty")?
        .to_owned();
    let published_at = match get("published_at").or_else(|| get("date")) {
        Some(value) => Some(
            parse_time(&serde_json::Value::String(value.to_owned())).ok_or_else(|| {
                format!("published_at {value:?} is not an RFC 3339 date or UNIX seconds")
            })?,
        ),
        None => None,
    };
    let author_reach = match get("author_reach").or_else(|| get("reach")) {
        Some(value) => Some(
            value
                .parse::<i64>()
                .map_err(|_| format!("reach {value:?} is not a whole number"))?,
        ),
        None => None,
    };
    Ok(IncomingItem {
        external_id,
        text,
        url: get("url").map(str::to_owned),
        title: get("title").map(str::to_owned),
        author_name: get("author")
            .or_else(|| get("author_name"))
            .map(str::to_owned),
        author_handle: get("author_handle")
            .or_else(|| get("handle"))
            .map(str::to_owned),
        author_reach,
        published_at,
        parent_external_id: get("parent_id").map(str::to_owned),
        quoted_ref: get("quote_of").map(str::to_owned),
    })
}

struct Totals {
    read: u64,
    inserted: usize,
    repeats: usize,
    duplicates: usize,
    matched: usize,
    errors: Vec<String>,
}

async fn flush(
    ingestor: &Ingestor,
    source: &jardinier_store::Source,
    batch: &mut Vec<IncomingItem>,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let report = ingestor
        .ingest(source, std::mem::take(batch), jardinier_web::unix_now())
        .await
        .context("storing a batch")?;
    totals.inserted += report.inserted;
    totals.repeats += report.repeats;
    totals.duplicates += report.duplicates;
    totals.matched += report.matched;
    Ok(())
}

pub async fn run(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    // A damaged sentiment model is an error now, not imported mentions without sentiment.
    jardinier_analysis::check_model()?;
    let format = match (
        args.format.as_deref(),
        args.file.extension().and_then(|e| e.to_str()),
    ) {
        (Some(f), _) => f.to_owned(),
        (None, Some("csv")) => "csv".to_owned(),
        (None, Some("ndjson" | "jsonl" | "json")) => "ndjson".to_owned(),
        _ => anyhow::bail!(
            "cannot tell the format of {} from its name: add --format ndjson or --format csv",
            args.file.display()
        ),
    };
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let store: Arc<dyn Store> = open_store(&config.database.url).await?;
    let workspace = store
        .workspace_by_slug(&args.workspace)
        .await?
        .with_context(|| format!("no workspace named {:?}", args.workspace))?;
    let source = match store
        .sources(workspace.id)
        .await?
        .into_iter()
        .find(|s| s.kind == "import" && s.name == args.source_name)
    {
        Some(source) => source,
        None => {
            store
                .create_source(&NewSource {
                    workspace_id: workspace.id,
                    kind: "import",
                    name: &args.source_name,
                    config: "{}",
                    secret: None,
                    interval_secs: 0,
                    now: jardinier_web::unix_now(),
                })
                .await?
        }
    };
    let ingestor = Ingestor::new(store.clone(), crate::analysis::enrich);
    ingestor.reload_queries().await?;

    let progress = indicatif::ProgressBar::new(size);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} · {msg}",
        )
        .expect("a valid progress template"),
    );
    let reader = progress.wrap_read(file);
    let mut totals = Totals {
        read: 0,
        inserted: 0,
        repeats: 0,
        duplicates: 0,
        matched: 0,
        errors: Vec::new(),
    };
    let mut batch = Vec::with_capacity(BATCH);
    let note = |totals: &mut Totals, line: u64, message: String| {
        if totals.errors.len() < 1_000 {
            totals.errors.push(format!("line {line}: {message}"));
        }
    };
    if format == "csv" {
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers = csv
            .headers()
            .context("reading the CSV header line")?
            .clone();
        if !headers.iter().any(|h| h.trim().eq_ignore_ascii_case("id"))
            || !headers
                .iter()
                .any(|h| matches!(h.trim().to_ascii_lowercase().as_str(), "text" | "content"))
        {
            anyhow::bail!(
                "the CSV header must name at least an id and a text column (found: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            );
        }
        for (i, record) in csv.records().enumerate() {
            let line = i as u64 + 2;
            totals.read += 1;
            match record
                .map_err(|e| e.to_string())
                .and_then(|r| item_from_csv(&headers, &r))
            {
                Ok(item) => batch.push(item),
                Err(message) => note(&mut totals, line, message),
            }
            if batch.len() == BATCH {
                flush(&ingestor, &source, &mut batch, &mut totals).await?;
                progress.set_message(format!("{} imported", totals.inserted));
            }
        }
    } else {
        for (i, line) in BufReader::new(reader).lines().enumerate() {
            let number = i as u64 + 1;
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    note(&mut totals, number, format!("not UTF-8 text ({e})"));
                    continue;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            totals.read += 1;
            match parse_webhook(line.as_bytes()) {
                Ok(items) => {
                    for item in items {
                        match item {
                            Ok(item) => batch.push(item),
                            Err(e) => note(&mut totals, number, e.to_string()),
                        }
                    }
                }
                Err(e) => note(&mut totals, number, e.to_string()),
            }
            if batch.len() >= BATCH {
                flush(&ingestor, &source, &mut batch, &mut totals).await?;
                progress.set_message(format!("{} imported", totals.inserted));
            }
        }
    }
    flush(&ingestor, &source, &mut batch, &mut totals).await?;
    progress.finish_and_clear();
    for error in &totals.errors {
        eprintln!("{error}");
    }
    println!(
        "Imported {} of {} records into {} (source {:?}): {} matched a saved search, {} were already there, {} duplicated another mention, {} refused.",
        totals.inserted,
        totals.read,
        workspace.name,
        source.name,
        totals.matched,
        totals.repeats,
        totals.duplicates,
        totals.errors.len(),
    );
    Ok(())
}
