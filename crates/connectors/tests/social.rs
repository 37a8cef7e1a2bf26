//! Mastodon, Bluesky and Hacker News connectors against a local server that answers with the
//! response shapes documented by each API, and checks the cursor each request carries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::get;
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;
use serde_json::{Value, json};

mod common;
use common::setup;

type Seen = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

fn mastodon_statuses() -> Value {
    // Shape of GET /api/v1/timelines/tag/:hashtag (docs.joinmastodon.org, Status entity).
    json!([
        {"id": "113500000000000002", "created_at": "2026-11-21T08:30:00.000Z", "in_reply_to_id": null, "sensitive": false, "spoiler_text": "",
         "visibility": "public", "language": "fr", "uri": "https://mastodon.example/users/lea/statuses/113500000000000002",
         "url": "https://mastodon.example/@lea/113500000000000002", "replies_count": 0, "reblogs_count": 2, "favourites_count": 5,
         "content": "<p>Le cold brew de la <a href=\"https://mastodon.example/tags/brulerieducanal\" class=\"mention hashtag\" rel=\"tag\">#<span>BrulerieDuCanal</span></a> est parfait 😍</p>",
         "account": {"id": "1", "username": "lea", "acct": "lea@mastodon.example", "display_name": "Léa", "followers_count": 1203}},
        {"id": "113500000000000001", "created_at": "2026-11-21T08:00:00.000Z", "in_reply_to_id": "113499999999999999", "sensitive": false, "spoiler_text": "Avis",
         "visibility": "public", "language": "fr", "uri": "https://other.example/users/sam/statuses/9", "url": null,
         "content": "<p>Commande toujours pas reçue… #BrulerieDuCanal</p>",
         "quote": {"state": "accepted", "quoted_status": {"id": "77", "uri": "https://mastodon.example/users/lea/statuses/77", "content": "<p>…</p>"}},
         "account": {"id": "2", "username": "sam", "acct": "sam@other.example", "display_name": "", "followers_count": 40}}
    ])
}

fn bluesky_posts() -> Value {
    // Shape of app.bsky.feed.searchPosts (atproto lexicon: posts of app.bsky.feed.defs#postView).
    json!({"posts": [
        {"uri": "at://did:plc:abc123/app.bsky.feed.post/3lb2xyz", "cid": "bafyrei1",
         "author": {"did": "did:plc:abc123", "handle": "emma.bsky.social", "displayName": "Emma"},
         "record": {"$type": "app.bsky.feed.post", "text": "Brûlerie du Canal in Paris: best pour-over in town", "createdAt": "2026-11-21T09:00:00.000Z", "langs": ["en"]},
         "replyCount": 0, "repostCount": 1, "likeCount": 4, "indexedAt": "2026-11-21T09:00:01.000Z"},
        {"uri": "at://did:plc:def456/app.bsky.feed.post/3lb2abc", "cid": "bafyrei2",
         "author": {"did": "did:plc:def456", "handle": "tom.bsky.social"},
         "record": {"$type": "app.bsky.feed.post", "text": "@emma.bsky.social agreed!", "createdAt": "2026-11-21T09:05:00.000Z",
                    "reply": {"parent": {"uri": "at://did:plc:abc123/app.bsky.feed.post/3lb2xyz", "cid": "bafyrei1"}, "root": {"uri": "at://did:plc:abc123/app.bsky.feed.post/3lb2xyz", "cid": "bafyrei1"}},
                    "embed": {"$type": "app.bsky.embed.record", "record": {"uri": "at://did:plc:zzz/app.bsky.feed.post/3laaa", "cid": "bafyrei0"}}},
         "indexedAt": "2026-11-21T09:05:02.000Z"}
    ], "hitsTotal": 2})
}

fn hn_hits() -> Value {
    // Shape of the Hacker News search API's search_by_date.
    json!({"hits": [
        {"objectID": "42000002", "created_at_i": 1795251000, "author": "pg_fan", "comment_text": "I tried <i>Brûlerie du Canal</i> last week, great espresso.", "story_title": "Ask HN: Best coffee in Paris?", "parent_id": 42000001, "_tags": ["comment"]},
        {"objectID": "42000001", "created_at_i": 1795250000, "author": "traveler", "title": "Ask HN: Best coffee in Paris?", "story_text": "", "url": null, "_tags": ["story"]}
    ], "nbHits": 2, "page": 0})
}

async fn server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let (s1, s2, s3) = (seen.clone(), seen.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/api/v1/timelines/tag/{tag}",
            get(
                move |Path(tag): Path<String>, Query(q): Query<HashMap<String, String>>| {
                    s1.lock()
                        .unwrap()
                        .push((format!("mastodon:{tag}"), q.clone()));
                    async move {
                        axum::Json(if q.contains_key("since_id") {
                            json!([])
                        } else {
                            mastodon_statuses()
                        })
                    }
                },
            ),
        )
        .route(
            "/xrpc/app.bsky.feed.searchPosts",
            get(move |Query(q): Query<HashMap<String, String>>| {
                s2.lock().unwrap().push(("bluesky".into(), q.clone()));
                async move { axum::Json(bluesky_posts()) }
            }),
        )
        .route(
            "/api/v1/search_by_date",
            get(move |Query(q): Query<HashMap<String, String>>| {
                s3.lock().unwrap().push(("hackernews".into(), q.clone()));
                async move {
                    axum::Json(
                        if q.get("numericFilters")
                            .is_some_and(|f| f != "created_at_i>0")
                        {
                            json!({"hits": []})
                        } else {
                            hn_hits()
                        },
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

fn analysis(_: &str) -> Enrichment {
    Enrichment::default()
}

#[tokio::test]
async fn social_sources_fetch_with_cursors() {
    let (base, seen) = server().await;
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
    let mut ids = HashMap::new();
    for (kind, search) in [
        ("mastodon", "#BrulerieDuCanal"),
        ("bluesky", "brulerie du canal"),
        ("hackernews", "brulerie"),
    ] {
        let config = json!({"base": base, "search": search}).to_string();
        let source = store
            .create_source(&NewSource {
                workspace_id: ws,
                kind,
                name: kind,
                config: &config,
                secret: None,
                interval_secs: 300,
                now: 1,
            })
            .await
            .unwrap();
        poller.fetch_now(&source).await;
        let source = store.source_by_id(source.id).await.unwrap().unwrap();
        assert_eq!(
            (source.status.as_str(), source.item_count),
            ("ok", 2),
            "{kind}: {:?}",
            source.last_error
        );
        poller.fetch_now(&source).await;
        let source = store.source_by_id(source.id).await.unwrap().unwrap();
        assert_eq!(
            source.item_count, 2,
            "{kind}: the second poll brings nothing twice"
        );
        ids.insert(kind, source.id);
    }
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests[0].0, "mastodon:BrulerieDuCanal");
    assert_eq!(
        requests[1].1.get("since_id").map(String::as_str),
        Some("113500000000000002"),
        "Mastodon: since the newest status"
    );
    assert_eq!(
        (requests[2].1["q"].as_str(), requests[2].1["sort"].as_str()),
        ("brulerie du canal", "latest")
    );
    assert_eq!(
        requests[3].1.get("since").map(String::as_str),
        Some("2026-11-21T09:05:02.000Z"),
        "Bluesky: since the newest indexedAt"
    );
    assert_eq!(requests[4].1["tags"], "(story,comment)");
    assert_eq!(
        requests[5].1["numericFilters"], "created_at_i>1795251000",
        "Hacker News: after the newest item"
    );

    let items = store
        .items(&ItemFilter {
            workspace_id: ws,
            include_duplicates: true,
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    let find = |ext: &str| {
        items
            .iter()
            .find(|i| i.external_id == ext)
            .unwrap_or_else(|| panic!("{ext} in {items:#?}"))
    };
    let lea = find("113500000000000002");
    assert_eq!(
        (
            lea.author_handle.as_deref(),
            lea.author_reach,
            lea.url.as_deref()
        ),
        (
            Some("@lea@mastodon.example"),
            Some(1203),
            Some("https://mastodon.example/@lea/113500000000000002")
        )
    );
    // HTML is turned into text, without the link targets Mastodon puts on every hashtag.
    assert_eq!(
        lea.body,
        "Le cold brew de la #BrulerieDuCanal est parfait 😍"
    );
    assert_eq!(
        find("113500000000000001").author_name.as_deref(),
        Some("sam@other.example")
    );
    // Quotes: Mastodon's quoted status, Bluesky's embedded record.
    assert_eq!(find("113500000000000001").quoted_ref.as_deref(), Some("77"));
    assert_eq!(
        find("at://did:plc:def456/app.bsky.feed.post/3lb2abc")
            .quoted_ref
            .as_deref(),
        Some("at://did:plc:zzz/app.bsky.feed.post/3laaa")
    );
    let emma = find("at://did:plc:abc123/app.bsky.feed.post/3lb2xyz");
    assert_eq!(
        (emma.author_name.as_deref(), emma.url.as_deref()),
        (
            Some("Emma"),
            Some("https://bsky.app/profile/emma.bsky.social/post/3lb2xyz")
        )
    );
    let comment = find("hn:42000002");
    assert_eq!(
        (comment.body.as_str(), comment.title.as_deref()),
        (
            "I tried Brûlerie du Canal last week, great espresso.",
            Some("Ask HN: Best coffee in Paris?")
        )
    );
    assert_eq!(
        find("hn:42000001").body,
        "Ask HN: Best coffee in Paris?",
        "a story without text is its title"
    );

    // A wrong configuration is stated on the source.
    let broken = store
        .create_source(&NewSource {
            workspace_id: ws,
            kind: "mastodon",
            name: "x",
            config: "{\"base\": \"mastodon.example\", \"search\": \"x\"}",
            secret: None,
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    poller.fetch_now(&broken).await;
    let error = store
        .source_by_id(broken.id)
        .await
        .unwrap()
        .unwrap()
        .last_error
        .unwrap();
    assert!(error.contains("not an http(s) address"), "{error}");
}

#[test]
fn tag_and_mention_link_targets_are_dropped_and_others_kept() {
    use jardinier_connectors::social::without_tag_links;
    let cases = [
        (
            "@lea (https://m.example/@lea) merci #Café (https://m.example/tags/cafe) !",
            "@lea merci #Café !",
        ),
        (
            "Lire l'article (https://blog.example/a) ici",
            "Lire l'article (https://blog.example/a) ici",
        ),
        ("https://blog.example/a", "https://blog.example/a"),
        ("# (https://x.example)", "# (https://x.example)"),
    ];
    for (text, expected) in cases {
        assert_eq!(without_tag_links(text), expected, "{text}");
    }
}
