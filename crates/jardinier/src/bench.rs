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

/// CPU seconds (user + system) used so far by the process's threads whose name starts with
/// `name`, or by the whole process with `None` (Linux: /proc/self/task/*/stat).
pub fn cpu_seconds(name: Option<&str>) -> f64 {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let mut ticks = 0u64;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    for task in tasks.flatten() {
        let path = task.path();
        if let Some(name) = name {
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if !comm.starts_with(name) {
                continue;
            }
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the command name (which may hold spaces): state is the 3rd field,
        // utime and stime the 14th and 15th.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        for index in [11, 12] {
            ticks += fields
                .get(index)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    ticks as f64 / ticks_per_second
}

/// The workbench's state for a benchmark's server at `base`: the product's configuration, the
/// listening pipeline with the product's analysis, no newsletters.
pub fn web_state(
    store: std::sync::Arc<dyn jardinier_store::Store>,
    base: &str,
) -> jardinier_web::SharedState {
    let ingestor = std::sync::Arc::new(jardinier_listening::Ingestor::new(
        store.clone(),
        crate::analysis::enrich,
    ));
    std::sync::Arc::new(jardinier_web::AppState {
        store,
        config: jardinier_web::WebConfig::new(base),
        mail_wake: Default::default(),
        reply_wake: Default::default(),
        metrics: Default::default(),
        ingestor,
        dev_inbox: Default::default(),
        viewers: Default::default(),
        stopping: Default::default(),
        inbox_counts: Default::default(),
        newsletter_wake: None,
        api_limiter: Default::default(),
    })
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

/// `jardinier bench ingest`: the whole listening pipeline on generated data.
pub mod ingest {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use jardinier_listening::alerts::{AlertEngine, AlertSender};
    use jardinier_listening::{IncomingItem, Ingestor, parse_webhook};
    use jardinier_query::{Document, Prepared, QuerySet, parse};
    use jardinier_store::{
        NewAlertRule, NewListeningQuery, NewSource, NewUser, NewWorkspace, Store,
    };

    use super::{Lcg, brand, cpu_seconds, item, peak_rss_mb, query_text, round};

    /// Mentions that set off the benchmark's alerts: one per watched query, spread through the run.
    const ALERTS: usize = 200;

    fn webhook_line(rng: &mut Lcg, k: usize, brands: usize, now: i64) -> String {
        let (title, text, site, _lang) = item(rng, brands);
        let author = format!("Author {}", rng.below(5_000));
        serde_json::json!({
            "id": format!("bench-{k}"),
            "title": if title.is_empty() { serde_json::Value::Null } else { title.into() },
            "text": text,
            "url": format!("https://{site}/p/{k}"),
            "author": {"name": author, "handle": format!("@a{}", rng.below(5_000)), "reach": rng.skewed(200_000)},
            "published_at": now - 60 + (k % 60) as i64,
        })
        .to_string()
    }

    pub async fn run(
        items: usize,
        queries: usize,
        database: Option<String>,
        senders: usize,
        batch: usize,
    ) -> anyhow::Result<()> {
        let dir = jardinier_store::testing::TempDir::new("bench");
        let url = database.unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.0.display()));
        let store = jardinier_store::connect(&url).await?;
        store.migrate().await?;
        let store: Arc<dyn Store> = Arc::new(store);
        let now = jardinier_web::unix_now();

        // A local webhook receiver records when each alert arrives.
        let received: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
        let log = received.clone();
        let app = axum::Router::new().route(
            "/alert",
            axum::routing::post(move |body: String| {
                let log = log.clone();
                async move {
                    log.lock()
                        .expect("receiver log")
                        .push((Instant::now(), body));
                    axum::http::StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let hook = format!("http://{}/alert", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });

        let owner = store
            .create_user(
                &NewUser {
                    email: "bench@bench.example",
                    display_name: "Bench",
                    password_hash: "-",
                    lang: None,
                },
                now,
            )
            .await?;
        let ws = store
            .create_workspace(
                &NewWorkspace {
                    slug: "bench",
                    name: "Bench",
                    timezone: "UTC",
                },
                owner.id,
                now,
            )
            .await?;
        let source = store
            .create_source(&NewSource {
                workspace_id: ws.id,
                kind: "webhook",
                name: "bench",
                config: "{}",
                secret: Some("bench"),
                interval_secs: 0,
                now,
            })
            .await?;
        let channels = format!(r#"[{{"kind": "slack", "target": "{hook}"}}]"#);
        for i in 0..queries {
            let q = store
                .create_listening_query(&NewListeningQuery {
                    workspace_id: ws.id,
                    name: &brand(i),
                    query_text: &query_text(i),
                    kind: "brand",
                    created_by: None,
                    now,
                })
                .await?;
            // The first ALERTS queries watch a word of their own: alerts fire when it appears.
            if i < ALERTS {
                let params = format!(r#"{{"query": "zq{i}alerte", "lang": "en"}}"#);
                store
                    .create_alert_rule(&NewAlertRule {
                        workspace_id: ws.id,
                        query_id: q.id,
                        kind: "keyword",
                        params: &params,
                        channels: &channels,
                        now,
                    })
                    .await?;
            }
        }
        let engine = Arc::new(AlertEngine::new(store.clone(), "http://bench.invalid"));
        engine.reload().await?;
        let mut ingestor = Ingestor::new(store.clone(), crate::analysis::enrich);
        ingestor.alerts = Some(engine.clone());
        ingestor.reload_queries().await?;
        let ingestor = Arc::new(ingestor);
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(AlertSender::new(store.clone()).run(
            Duration::from_millis(500),
            engine.wake.clone(),
            stopped,
        ));

        // The corpus: webhook payload lines, with the alert triggers spread through it.
        let mut rng = Lcg(42);
        let every = (items / ALERTS.min(queries).max(1)).max(1);
        let mut triggers = 0;
        let lines: Vec<String> = (0..items)
            .map(|k| {
                if k % every == every / 2 && triggers < ALERTS.min(queries) {
                    triggers += 1;
                    let i = triggers - 1;
                    // Written to satisfy every generated query shape (phrase, NEAR, exact case…).
                    let (name, b) = (brand(i), brand(i).to_lowercase());
                    let text = format!("{name} Paris : avis très déçu, livraison ratée, remboursement demandé ! @{b} #{b} zq{i}alerte");
                    serde_json::json!({"id": format!("bench-{k}"), "text": text, "author": "Trigger", "published_at": now}).to_string()
                } else {
                    webhook_line(&mut rng, k, queries.max(1), now)
                }
            })
            .collect();

        let corpus_bytes: usize = lines
            .iter()
            .map(|l| l.capacity() + std::mem::size_of::<String>())
            .sum();

        // The floor: parsing the same input and nothing else.
        let start = Instant::now();
        let parsed: usize = lines
            .iter()
            .map(|l| parse_webhook(l.as_bytes()).map(|v| v.len()).unwrap_or(0))
            .sum();
        let json_seconds = start.elapsed().as_secs_f64();
        anyhow::ensure!(parsed == items, "the generated payloads parse");

        // Matching alone.
        let set = QuerySet::new(
            (0..queries).map(|i| (i, parse(&query_text(i)).expect("generated queries parse"))),
        );
        let start = Instant::now();
        for line in &lines {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let text = v["text"].as_str().unwrap_or_default();
            let title = v["title"].as_str().unwrap_or_default();
            std::hint::black_box(set.matches(&Prepared::new(&Document {
                title,
                text,
                ..Default::default()
            })));
        }
        let match_seconds = start.elapsed().as_secs_f64();

        // Preparing items (analysis, matching, hashes, archive terms), one core, no storage.
        let start = Instant::now();
        for line in &lines {
            for item in parse_webhook(line.as_bytes())
                .expect("generated payloads parse")
                .into_iter()
                .flatten()
            {
                std::hint::black_box(ingestor.prepare(&source, item, now));
            }
        }
        let prepare_seconds = start.elapsed().as_secs_f64();

        let (cpu_before, writer_before) = (cpu_seconds(None), cpu_seconds(Some("sqlite-writer")));
        // The whole pipeline, in webhook-sized deliveries, `senders` of them in flight at once.
        let started = Instant::now();
        let arrivals: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
        // Deliveries are ranges of the one corpus (a copy per delivery doubled the bench's memory).
        let lines = Arc::new(lines);
        let batches: Vec<std::ops::Range<usize>> = (0..items)
            .step_by(batch.max(1))
            .map(|start| start..(start + batch.max(1)).min(items))
            .collect();
        let queue = Arc::new(Mutex::new(
            batches.into_iter().enumerate().rev().collect::<Vec<_>>(),
        ));
        let mut workers = Vec::new();
        for _ in 0..senders.max(1) {
            let (queue, ingestor, source, arrivals, lines) = (
                queue.clone(),
                ingestor.clone(),
                source.clone(),
                arrivals.clone(),
                lines.clone(),
            );
            workers.push(tokio::spawn(async move {
                loop {
                    let Some((_, batch)) = queue.lock().expect("queue").pop() else {
                        break;
                    };
                    let arrived = Instant::now();
                    let mut incoming: Vec<IncomingItem> = Vec::with_capacity(batch.len());
                    for line in &lines[batch] {
                        for item in parse_webhook(line.as_bytes())
                            .expect("generated payloads parse")
                            .into_iter()
                            .flatten()
                        {
                            if let Some(i) = item
                                .text
                                .split("zq")
                                .nth(1)
                                .and_then(|rest| rest.split("alerte").next())
                                .and_then(|n| n.parse::<usize>().ok())
                            {
                                arrivals.lock().expect("arrivals").push((i, arrived));
                            }
                            incoming.push(item);
                        }
                    }
                    ingestor
                        .ingest(&source, incoming, jardinier_web::unix_now())
                        .await
                        .expect("ingest");
                }
            }));
        }
        for worker in workers {
            worker.await?;
        }
        // The pipeline ends with the alert evaluation of the last batch.
        ingestor.settle_alerts().await;
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds(None) - cpu_before;
        let writer_cpu = cpu_seconds(Some("sqlite-writer")) - writer_before;

        // Wait (bounded) for the alerts to reach the receiver, then pair them with arrivals.
        let expected = arrivals.lock().expect("arrivals").len();
        let deadline = Instant::now() + Duration::from_secs(30);
        while received.lock().expect("receiver log").len() < expected && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut latencies: Vec<f64> = Vec::new();
        let got = received.lock().expect("receiver log").clone();
        for (i, arrived) in arrivals.lock().expect("arrivals").iter() {
            let name = brand(*i);
            if let Some((at, _)) = got
                .iter()
                .find(|(_, body)| body.contains(&format!("«{name}»")))
            {
                latencies.push(at.duration_since(*arrived).as_secs_f64() * 1000.0);
            }
        }
        latencies.sort_by(|a, b| a.total_cmp(b));
        let percentile = |p: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        println!(
            "{}",
            serde_json::json!({
                "items": items,
                "queries": queries,
                "senders": senders,
                "batch": batch,
                "backend": store.backend().name(),
                "seconds": round(seconds),
                "items_per_s": (items as f64 / seconds).round(),
                "match_only_items_per_s": (items as f64 / match_seconds).round(),
                "json_parse_items_per_s": (items as f64 / json_seconds).round(),
                "prepare_only_items_per_s": (items as f64 / prepare_seconds).round(),
                // CPU per item over the whole pipeline, and the SQLite writer thread's share of
                // the run (1.0: it was busy throughout, the bottleneck).
                "cpu_us_per_item": (cpu * 1e6 / items as f64).round(),
                "writer_busy": round(writer_cpu / seconds),
                "alerts_expected": expected,
                "alerts_received": latencies.len(),
                "alert_latency_p50_ms": round(percentile(0.5)),
                "alert_latency_p99_ms": round(percentile(0.99)),
                "peak_rss_mb": peak_rss_mb(),
                // What the bench itself holds in that figure: the generated payloads.
                "corpus_mb": round(corpus_bytes as f64 / 1_048_576.0),
            })
        );
        Ok(())
    }
}
