//! Feeds: parsing the three formats (and wrong encodings), conditional GET, failures shown on
//! the source, and a slow source that does not hold up a fast one. Against local HTTP servers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jardinier_connectors::feed::parse_feed;
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;

mod common;
use common::setup;

const RSS: &[u8] = include_bytes!("fixtures/blog.rss.xml");
const ATOM: &[u8] = include_bytes!("fixtures/forum.atom.xml");
const JSON_FEED: &[u8] = include_bytes!("fixtures/notes.feed.json");
const BROKEN: &[u8] = include_bytes!("fixtures/broken.xml");

#[test]
fn the_three_formats_parse_into_items() {
    let rss = parse_feed(RSS, "https://carnet-cafeinomane.example/feed").unwrap();
    assert_eq!(rss.len(), 2);
    assert_eq!(rss[0].external_id, "carnet-2026-11-brulerie");
    assert_eq!(
        rss[0].title.as_deref(),
        Some("Brûlerie du Canal : le Yirgacheffe qui m'a réconcilié avec le filtre"),
        "ISO-8859-1 is decoded"
    );
    assert!(
        rss[0]
            .text
            .starts_with("Passée samedi à la Brûlerie du Canal, j'ai goûté"),
        "HTML is turned into text: {}",
        rss[0].text
    );
    assert_eq!(rss[0].author_name.as_deref(), Some("Élodie Garnier"));
    assert_eq!(
        rss[0].published_at,
        Some(1_795_072_500),
        "Thu, 19 Nov 2026 08:15:00 +0100"
    );

    let atom = parse_feed(
        ATOM,
        "https://forum.cafe-passion.example/c/torrefacteurs.atom",
    )
    .unwrap();
    assert_eq!(atom.len(), 2);
    assert_eq!(atom[0].author_name.as_deref(), Some("marco_v60"));
    assert!(atom[0].text.contains("toujours pas de colis"));
    assert_eq!(
        atom[1].text,
        "Pour débuter je conseille un moulin manuel correct plutôt qu'un électrique d'entrée de gamme.",
        "summary when no content"
    );

    let json = parse_feed(JSON_FEED, "https://coffee-notes.example/feed.json").unwrap();
    assert_eq!(json.len(), 2);
    assert_eq!(
        json[0].author_name.as_deref(),
        Some("Dan Whitfield"),
        "the feed's author when the item has none"
    );
    assert_eq!(json[1].text, "A short note on burr grinders for beginners.");

    let error = parse_feed(BROKEN, "https://x.example/feed")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("this is not a feed we can read"),
        "{error}"
    );
    assert!(parse_feed(b"<html><body>Hello</body></html>", "https://x.example/").is_err());
}

type Log = Arc<Mutex<Vec<HeaderMap>>>;

async fn feed_server() -> (String, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let app = Router::new()
        .route(
            "/rss",
            get(move |headers: HeaderMap| {
                let seen = seen.clone();
                async move {
                    let fresh = headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v == "\"v1\"");
                    seen.lock().unwrap().push(headers);
                    if fresh {
                        StatusCode::NOT_MODIFIED.into_response()
                    } else {
                        (
                            [
                                (header::CONTENT_TYPE, "application/rss+xml"),
                                (header::ETAG, "\"v1\""),
                            ],
                            RSS,
                        )
                            .into_response()
                    }
                }
            }),
        )
        .route("/down", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route(
            "/page",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body>Not a feed</body></html>",
                )
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                ([(header::CONTENT_TYPE, "application/atom+xml")], ATOM)
            }),
        )
        .route(
            "/atom",
            get(|| async { ([(header::CONTENT_TYPE, "application/atom+xml")], ATOM) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://127.0.0.1:{port}"), log)
}

fn analysis(_: &str) -> Enrichment {
    Enrichment {
        lang: Some("fr".into()),
        sentiment: Some(("neutral".into(), 0.0)),
    }
}

async fn feed_source(store: &Arc<dyn Store>, ws: i64, name: &str, url: &str) -> Source {
    store
        .create_source(&NewSource {
            workspace_id: ws,
            kind: "feed",
            name,
            config: &serde_json::json!({"url": url}).to_string(),
            secret: None,
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap()
}

async fn story(db: &str) {
    let (base, log) = feed_server().await;
    let (store, ws) = setup(db).await;
    let ingestor = Arc::new(Ingestor::new(store.clone(), analysis));
    let poller = Poller::new(
        store.clone(),
        ingestor,
        PollerConfig {
            timeout: Duration::from_secs(1),
            politeness: Duration::ZERO,
            ..Default::default()
        },
    );

    // First fetch: items stored, validators kept; second: a conditional GET answered 304.
    let blog = feed_source(&store, ws, "Blog", &format!("{base}/rss")).await;
    poller.fetch_now(&blog).await;
    let blog = store.source_by_id(blog.id).await.unwrap().unwrap();
    assert_eq!(
        (blog.status.as_str(), blog.item_count, blog.etag.as_deref()),
        ("ok", 2, Some("\"v1\""))
    );
    assert!(blog.next_fetch_at >= blog.last_fetch_at.unwrap() + 300);
    poller.fetch_now(&blog).await;
    assert_eq!(
        log.lock().unwrap()[1].get(header::IF_NONE_MATCH).unwrap(),
        "\"v1\""
    );
    let blog = store.source_by_id(blog.id).await.unwrap().unwrap();
    assert_eq!(
        (blog.status.as_str(), blog.item_count),
        ("ok", 2),
        "304: nothing new, still fine"
    );
    let items = store
        .items(&ItemFilter {
            workspace_id: ws,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        items[1].url.as_deref(),
        Some("https://carnet-cafeinomane.example/2026/11/brulerie-du-canal-yirgacheffe"),
        "canonical URL"
    );

    // Failures are stated on the source, in words, and back off.
    let down = feed_source(&store, ws, "Down", &format!("{base}/down")).await;
    poller.fetch_now(&down).await;
    let down = store.source_by_id(down.id).await.unwrap().unwrap();
    assert_eq!((down.status.as_str(), down.failures), ("error", 1));
    assert_eq!(
        down.last_error.as_deref(),
        Some("127.0.0.1 answered HTTP 500")
    );
    assert!(down.next_fetch_at >= down.last_fetch_at.unwrap() + 300);
    poller.fetch_now(&down).await;
    let down = store.source_by_id(down.id).await.unwrap().unwrap();
    assert!(
        down.next_fetch_at >= down.last_fetch_at.unwrap() + 600,
        "the wait doubles"
    );
    let page = feed_source(&store, ws, "Page", &format!("{base}/page")).await;
    poller.fetch_now(&page).await;
    let error = store
        .source_by_id(page.id)
        .await
        .unwrap()
        .unwrap()
        .last_error
        .unwrap();
    assert!(
        error.starts_with("this is not a feed we can read"),
        "{error}"
    );
    let refused = feed_source(&store, ws, "Closed", "http://127.0.0.1:9/feed").await;
    poller.fetch_now(&refused).await;
    let error = store
        .source_by_id(refused.id)
        .await
        .unwrap()
        .unwrap()
        .last_error
        .unwrap();
    assert_eq!(
        error,
        "could not reach 127.0.0.1: connection refused or host not found"
    );
}

#[tokio::test]
async fn feeds_on_sqlite() {
    let db = TestDatabase::sqlite();
    story(&db.url).await;
}

#[tokio::test]
async fn feeds_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    story(&db.url).await;
}

#[tokio::test]
async fn a_slow_source_does_not_hold_up_the_others() {
    let (base, _) = feed_server().await;
    let db = TestDatabase::sqlite();
    let (store, ws) = setup(&db.url).await;
    let ingestor = Arc::new(Ingestor::new(store.clone(), analysis));
    let poller = Poller::new(
        store.clone(),
        ingestor,
        PollerConfig {
            timeout: Duration::from_secs(1),
            politeness: Duration::ZERO,
            ..Default::default()
        },
    );
    // Two hosts (127.0.0.1 and localhost) so politeness does not serialise them.
    let slow = feed_source(&store, ws, "Slow", &format!("{base}/slow")).await;
    let fast = feed_source(
        &store,
        ws,
        "Fast",
        &format!("{}/atom", base.replace("127.0.0.1", "localhost")),
    )
    .await;
    let started = std::time::Instant::now();
    let tasks = poller.poll_once().await;
    assert_eq!(tasks.len(), 2, "both due sources start at once");
    for task in tasks {
        task.await.unwrap();
    }
    let fast = store.source_by_id(fast.id).await.unwrap().unwrap();
    let slow = store.source_by_id(slow.id).await.unwrap().unwrap();
    assert_eq!((fast.status.as_str(), fast.item_count), ("ok", 2));
    assert_eq!(
        (slow.status.as_str(), slow.last_error.as_deref()),
        (
            "error",
            Some("could not reach 127.0.0.1: no answer in time")
        )
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the slow source timed out instead of waiting 5 s"
    );
    assert!(
        poller.poll_once().await.is_empty(),
        "neither is due again yet"
    );
}
