//! The connectors against responses recorded from the real services (Mastodon, Bluesky, the
//! Hacker News search API, Reddit's search feed), replayed by a local server: every field real
//! servers send, not only those the documentation shows. Sources and licences: NOTICE.
//! Expected values are read from the recordings themselves.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;
use serde_json::{Value, json};

mod common;
use common::setup;

const MASTODON: &str = include_str!("fixtures/recorded/mastodon-tag-timeline.json");
const BLUESKY: &str = include_str!("fixtures/recorded/bluesky-search-posts.json");
const HACKER_NEWS: &str = include_str!("fixtures/recorded/hackernews-search-by-date.json");
const REDDIT: &str = include_str!("fixtures/recorded/reddit-search.atom.xml");

/// Answers each API's first request with its recording, and later ones (which carry a cursor)
/// with nothing new.
async fn replay() -> String {
    let json_body = |body: &'static str| {
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
    };
    let app = Router::new()
        .route(
            "/api/v1/timelines/tag/{tag}",
            get(move |Query(q): Query<HashMap<String, String>>| async move {
                json_body(if q.contains_key("since_id") {
                    "[]"
                } else {
                    MASTODON
                })
            }),
        )
        .route(
            "/xrpc/app.bsky.feed.searchPosts",
            get(move || async move { json_body(BLUESKY) }),
        )
        .route(
            "/api/v1/search_by_date",
            get(move || async move { json_body(HACKER_NEWS) }),
        )
        .route(
            "/search.rss",
            get(|| async {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/atom+xml; charset=UTF-8",
                    )],
                    REDDIT,
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn analysis(_: &str) -> Enrichment {
    Enrichment::default()
}

fn seconds(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .expect("a recorded time")
        .as_second()
}

#[tokio::test]
async fn recorded_responses_of_the_real_services_are_read_whole() {
    let base = replay().await;
    let db = TestDatabase::sqlite();
    let (store, ws) = setup(&db.url).await;
    let poller = Poller::new(
        store.clone(),
        Arc::new(Ingestor::new(store.clone(), analysis)),
        PollerConfig {
            politeness: Duration::ZERO,
            ..Default::default()
        },
    );
    let mut fetched = HashMap::new();
    for (kind, config) in [
        ("mastodon", json!({"base": base, "search": "#rstats"})),
        ("bluesky", json!({"base": base, "search": "redistricting"})),
        ("hackernews", json!({"base": base, "search": "apple"})),
        (
            "feed",
            json!({"url": format!("{base}/search.rss?q=site%3Akevincox.ca&sort=new")}),
        ),
    ] {
        let source = store
            .create_source(&NewSource {
                workspace_id: ws,
                kind,
                name: kind,
                config: &config.to_string(),
                secret: None,
                interval_secs: 300,
                now: 1,
            })
            .await
            .unwrap();
        poller.fetch_now(&source).await;
        let source = store.source_by_id(source.id).await.unwrap().unwrap();
        assert_eq!(source.status, "ok", "{kind}: {:?}", source.last_error);
        fetched.insert(kind, source.item_count);
    }
    let items = store
        .items(&ItemFilter {
            workspace_id: ws,
            include_duplicates: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let find = |external_id: &str| {
        items
            .iter()
            .find(|i| i.external_id == external_id)
            .unwrap_or_else(|| panic!("{external_id} not stored"))
    };

    // Mastodon: five statuses from five servers, one bridged from Bluesky.
    let statuses: Vec<Value> = serde_json::from_str(MASTODON).unwrap();
    assert_eq!(fetched["mastodon"], statuses.len() as i64);
    for status in &statuses {
        let item = find(status["id"].as_str().unwrap());
        let account = &status["account"];
        assert_eq!(
            item.author_handle.as_deref(),
            Some(format!("@{}", account["acct"].as_str().unwrap()).as_str())
        );
        assert_eq!(item.author_reach, account["followers_count"].as_i64());
        // A remote status's address is on its own server, with an id of that server.
        assert_eq!(item.url.as_deref(), status["url"].as_str());
        assert_eq!(
            item.published_at,
            seconds(status["created_at"].as_str().unwrap())
        );
        assert!(
            !item.body.contains('<') && !item.body.contains("&amp;"),
            "HTML turned into text: {}",
            item.body
        );
        assert!(
            item.body.to_lowercase().contains("#rstats"),
            "{}",
            item.body
        );
        assert_eq!(item.enrichment_error, None);
    }

    // Bluesky: 25 posts, some replies, some with images, links or quoted posts; a bot posted
    // one text three times: stored once, seen three times.
    let search: Value = serde_json::from_str(BLUESKY).unwrap();
    let posts = search["posts"].as_array().unwrap();
    let mut copies: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for post in posts {
        let key = (
            post["author"]["handle"].as_str().unwrap(),
            post["record"]["text"].as_str().unwrap(),
        );
        copies
            .entry(key)
            .or_default()
            .push(post["uri"].as_str().unwrap());
    }
    assert_eq!(fetched["bluesky"], copies.len() as i64);
    assert!(copies.values().any(|uris| uris.len() == 3));
    let stored = |uri: &str| items.iter().find(|i| i.external_id == uri);
    let mut replies = 0;
    for post in posts {
        let record = &post["record"];
        let key = (
            post["author"]["handle"].as_str().unwrap(),
            record["text"].as_str().unwrap(),
        );
        let same = &copies[&key];
        let kept: Vec<&StoredItem> = same.iter().filter_map(|uri| stored(uri)).collect();
        assert_eq!(kept.len(), 1, "one of {same:?} stored");
        assert_eq!(kept[0].seen_count, same.len() as i64);
        let Some(item) = stored(post["uri"].as_str().unwrap()) else {
            continue;
        };
        assert_eq!(item.body, record["text"].as_str().unwrap().trim());
        assert_eq!(
            item.author_handle.as_deref(),
            Some(format!("@{}", post["author"]["handle"].as_str().unwrap()).as_str())
        );
        assert_eq!(
            item.published_at,
            seconds(record["createdAt"].as_str().unwrap())
        );
        if let Some(parent) = record["reply"]["parent"]["uri"].as_str() {
            replies += 1;
            assert_eq!(item.parent_external_id.as_deref(), Some(parent));
        }
        if let Some(quoted) = record["embed"]["record"]["uri"].as_str() {
            assert_eq!(item.quoted_ref.as_deref(), Some(quoted));
        }
    }
    assert!(replies > 0, "the recording has replies");

    // Hacker News: a comment, its HTML entities decoded.
    let hits: Value = serde_json::from_str(HACKER_NEWS).unwrap();
    let hit = &hits["hits"][0];
    assert_eq!(fetched["hackernews"], 1);
    let comment = find(&format!("hn:{}", hit["objectID"].as_str().unwrap()));
    assert_eq!(comment.author_handle.as_deref(), hit["author"].as_str());
    assert!(
        comment.body.contains("they aren't contributing") && !comment.body.contains("&#x27;"),
        "{}",
        comment.body
    );
    assert!(!comment.body.contains("<i>"), "{}", comment.body);
    assert_eq!(comment.published_at, hit["created_at_i"].as_i64().unwrap());

    // Reddit's search feed: one submission, its link and its author.
    assert_eq!(fetched["feed"], 1);
    let post = items
        .iter()
        .find(|i| i.source_kind == "feed")
        .expect("the Reddit submission");
    assert_eq!(post.title.as_deref(), Some("Announcing FeedMail"));
    let (link, site) = jardinier_listening::canonical_url(
        "https://www.reddit.com/r/kevincox/comments/qksbf1/announcing_feedmail/",
    )
    .unwrap();
    assert_eq!(
        (post.url.as_deref(), post.site.as_deref()),
        (Some(link.as_str()), Some(site.as_str()))
    );
    assert_eq!(post.published_at, seconds("2021-11-02T00:46:08+00:00"));
    assert!(
        post.author_name
            .as_deref()
            .is_some_and(|a| a.contains("kevincox_ca")),
        "{:?}",
        post.author_name
    );
}
