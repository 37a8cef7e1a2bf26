//! The feed corpus (tests/fixtures/corpus: real feeds from feed-rs's and feedparser's test
//! suites, origins in NOTICE, and edge cases of ours in `jardinier/`): each file's outcome is
//! compared with `expected.tsv`, then every file is served over HTTP and fetched by the real
//! poller, all on one host. Figures:
//! `cargo test -p jardinier-connectors --test corpus -- --nocapture`.
//! After a deliberate change, `JARDINIER_BLESS_CORPUS=1` rewrites `expected.tsv` (review the diff).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jardinier_connectors::feed::parse_response;
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

fn files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.file_name().is_some_and(|n| n != "expected.tsv") {
                let rel = path.strip_prefix(base).unwrap().to_string_lossy();
                out.push(rel.replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &root(), &mut out);
    out.sort();
    out
}

/// The `Content-Type` a file is served with: most without a charset, some to test the header.
fn content_type(path: &str) -> &'static str {
    match path {
        "jardinier/latin1-http-overrides.xml" => "application/rss+xml; charset=ISO-8859-1",
        "jardinier/utf16-csunicode.xml" => "text/xml; charset=csUnicode",
        p if p.ends_with(".json") => "application/feed+json",
        _ => "application/xml",
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    ok: bool,
    entries: usize,
    first_title: String,
}

impl Outcome {
    fn line(&self, path: &str) -> String {
        let status = if self.ok { "ok" } else { "error" };
        let title: String = self.first_title.replace(['\t', '\n', '\r'], " ");
        format!("{path}\t{status}\t{}\t{title}", self.entries)
    }
}

fn outcome_of(path: &str) -> Result<Outcome, ()> {
    let bytes = std::fs::read(root().join(path)).unwrap();
    let url = format!("http://127.0.0.1/corpus/{path}");
    std::panic::catch_unwind(|| parse_response(&bytes, Some(content_type(path)), &url))
        .map(|parsed| match parsed {
            Ok(parsed) => Outcome {
                ok: true,
                entries: parsed.items.len(),
                first_title: parsed
                    .items
                    .first()
                    .and_then(|i| i.title.clone())
                    .unwrap_or_default(),
            },
            Err(_) => Outcome {
                ok: false,
                entries: 0,
                first_title: String::new(),
            },
        })
        .map_err(|_| ())
}

#[test]
fn every_corpus_file_gives_its_expected_outcome() {
    let expected_path = root().join("expected.tsv");
    let mut panics = Vec::new();
    let mut lines = Vec::new();
    for path in files() {
        match outcome_of(&path) {
            Ok(outcome) => lines.push(outcome.line(&path)),
            Err(()) => panics.push(path),
        }
    }
    assert!(panics.is_empty(), "panics: {panics:?}");
    if std::env::var_os("JARDINIER_BLESS_CORPUS").is_some() {
        std::fs::write(&expected_path, lines.join("\n") + "\n").unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    let expected: Vec<&str> = expected.lines().collect();
    let differences: Vec<String> = lines
        .iter()
        .filter(|l| !expected.contains(&l.as_str()))
        .cloned()
        .collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "files added or removed: bless again"
    );
    assert!(
        differences.is_empty(),
        "{} files differ from expected.tsv:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// The edge cases of ours, with outcomes checked here by hand rather than by the snapshot.
#[test]
fn edge_cases_are_read_as_feed_readers_read_them() {
    let parsed = |name: &str| {
        let path = format!("jardinier/{name}");
        let bytes = std::fs::read(root().join(&path)).unwrap();
        parse_response(&bytes, Some(content_type(&path)), "https://x.example/feed")
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .items
    };
    for name in [
        "utf16le-bom.xml",
        "utf16be-bom.xml",
        "utf16le-nobom.xml",
        "utf16-csunicode.xml",
        "utf32be-bom.xml",
        "latin1-http-overrides.xml",
        "gzip-no-header.xml",
        "zlib-no-header.xml",
    ] {
        let items = parsed(name);
        assert_eq!(items.len(), 2, "{name}");
        assert_eq!(items[0].title.as_deref(), Some("Café éthiopien"), "{name}");
        assert_eq!(items[0].text, "Un café très floral, à essayer.", "{name}");
    }
    assert!(parsed("latin9.xml")[0].text.contains("5 €"));
    assert!(
        parsed("windows1252-no-declaration.xml")[0]
            .text
            .contains("“à essayer”")
    );
    assert_eq!(
        parsed("c1-references.xml")[0].title.as_deref(),
        Some("L’éthiopien “floral”")
    );
    assert!(parsed("empty-rss.xml").is_empty());
    assert!(parsed("empty-channel.xml").is_empty());
    let untitled = &parsed("no-titles.xml")[0];
    assert!(
        untitled
            .title
            .as_deref()
            .is_some_and(|t| t.starts_with("Une entrée sans titre") && t.ends_with('…')),
        "{untitled:?}"
    );
    let reports = parsed("daily-report-no-guid.xml");
    assert_eq!(reports.len(), 2);
    assert_ne!(
        reports[0].external_id, reports[1].external_id,
        "same title, two days: two items"
    );
    assert_eq!(
        parsed("atom-links.xml")[0].url.as_deref(),
        Some("https://blog.example/e1")
    );
    let modes = parsed("atom-content-modes.xml");
    let texts: Vec<&str> = modes.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        texts[..3],
        ["Plain <blink> words", "Escaped html", "Inline xhtml"]
    );
    assert_eq!(modes[1].title.as_deref(), Some("Html mode"));
    assert_eq!(modes[3].text, "Typed <plain> text");
    let atom03 = parsed("atom03.xml");
    assert_eq!(
        atom03[1].text, "Contenu encodé en base64.",
        "Atom 0.3 base64 mode"
    );
    assert_eq!(
        parsed("dcterms-modified.xml")[0].published_at,
        Some(1_083_827_289),
        "2004-05-06T07:08:09Z, not the time of receipt"
    );
    assert_eq!(parsed("atom03.xml")[0].text, "Old but gold");
    assert_eq!(
        parsed("rdf-no-link.xml")[0].text,
        "Its text in dc:description"
    );
    let titles: Vec<_> = parsed("one-broken-entry.xml")
        .into_iter()
        .filter_map(|i| i.title)
        .collect();
    assert_eq!(titles, ["Before the damage", "After the damage"]);
    let markup: Vec<_> = parsed("rss-naked-markup.xml")
        .into_iter()
        .map(|i| i.text)
        .collect();
    assert_eq!(markup, ["Markup written as is", "Text in xhtml:body"]);
    let odd = parsed("one-odd-entry.xml");
    assert!(odd.iter().any(|i| i.title.as_deref() == Some("Fine entry")));
    assert!(parsed("content-encoded.xml")[0].text.contains("Full text"));
    for name in ["rss091.xml", "rss094.xml", "rss201.xml"] {
        assert_eq!(parsed(name).len(), 1, "{name}");
    }
}

fn no_analysis(_: &str) -> Enrichment {
    Enrichment::default()
}

#[tokio::test]
async fn the_corpus_through_the_poller_leaves_no_source_stuck() {
    let app = Router::new().route(
        "/corpus/{*path}",
        get(|UrlPath(path): UrlPath<String>| async move {
            match std::fs::read(root().join(&path)) {
                Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let db = TestDatabase::sqlite();
    let (store, ws) = common::setup(&db.url).await;
    let ingestor = Arc::new(Ingestor::new(store.clone(), no_analysis));
    let poller = Poller::new(
        store.clone(),
        ingestor,
        PollerConfig {
            politeness: std::time::Duration::ZERO,
            ..Default::default()
        },
    );
    let mut sources = BTreeMap::new();
    for path in files() {
        let config = serde_json::json!({"url": format!("{base}/corpus/{path}")}).to_string();
        let source = store
            .create_source(&NewSource {
                workspace_id: ws,
                kind: "feed",
                name: &path,
                config: &config,
                secret: None,
                interval_secs: 3600,
                now: 1,
            })
            .await
            .unwrap();
        sources.insert(source.id, path);
    }
    // One host: the poller takes its sources one after the other, a tick at a time.
    let mut ticks = 0;
    loop {
        let tasks = poller.poll_once().await;
        if tasks.is_empty() {
            break;
        }
        for task in tasks {
            task.await.expect("no fetch task dies");
        }
        ticks += 1;
        assert!(
            ticks <= sources.len(),
            "a source is fetched again and again"
        );
    }
    let (mut parsed, mut refused, mut stuck, mut stored) = (0, 0, Vec::new(), 0);
    let mut disagree = Vec::new();
    for (id, path) in &sources {
        let source = store.source_by_id(*id).await.unwrap().unwrap();
        let expected = outcome_of(path).expect("no panic");
        match source.status.as_str() {
            "ok" => parsed += 1,
            "error" => refused += 1,
            _ => stuck.push(path.clone()),
        }
        if (source.status == "ok") != expected.ok {
            disagree.push(format!("{path}: {:?}", source.last_error));
        }
        stored += source.item_count;
        if path == "jardinier/daily-report-no-guid.xml" {
            assert_eq!(
                source.item_count, 2,
                "two reports with one title, both stored"
            );
        }
        if path == "jardinier/latin1-http-overrides.xml" {
            assert_eq!(
                (source.status.as_str(), source.last_error.as_deref()),
                (
                    "ok",
                    Some("the feed says it is written in utf-8 but it was read as windows-1252")
                ),
                "a wrong declaration is a warning on the source, not a refusal"
            );
        }
    }
    let entries: usize = files()
        .iter()
        .filter_map(|p| outcome_of(p).ok())
        .map(|o| o.entries)
        .sum();
    eprintln!(
        "corpus: {} files, {parsed} parsed, {refused} refused, {entries} entries \
         ({stored} stored after deduplication), 0 panics, {} stuck sources",
        sources.len(),
        stuck.len()
    );
    assert!(stuck.is_empty(), "stuck: {stuck:?}");
    assert!(
        disagree.is_empty(),
        "poller and parser disagree: {disagree:?}"
    );
}
