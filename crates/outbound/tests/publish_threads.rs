//! Threads, first comments and polls: on Mastodon each part answers the one before under its own
//! idempotency key (the instance gives the same status back for a repeated key, as a real one
//! does for an hour), the poll goes with the first part; on Bluesky each part is a reply naming
//! the thread's root and parent by uri and cid, and a retry after a stop finds the parts already
//! made instead of making them again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use jardinier_outbound::publish::Publisher;
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::{Value, json};

#[derive(Default)]
struct Net {
    /// Idempotency key → status (Mastodon).
    statuses: HashMap<String, Value>,
    /// rkey → record (Bluesky).
    records: HashMap<String, Value>,
    /// Mastodon fails the next status with a key ending in "-part1", once.
    fail_part1: bool,
}

type Shared = Arc<Mutex<Net>>;

async fn servers(net: Shared) -> String {
    let (n1, n2, n3) = (net.clone(), net.clone(), net);
    let app = Router::new()
        .route("/api/v1/statuses", post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let net = n1.clone();
            async move {
                let key = headers["idempotency-key"].to_str().unwrap().to_owned();
                let mut net = net.lock().unwrap();
                if let Some(status) = net.statuses.get(&key) {
                    return (StatusCode::OK, Json(status.clone()));
                }
                if key.ends_with("-part1") && net.fail_part1 {
                    net.fail_part1 = false;
                    return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "busy"})));
                }
                let id = format!("{}", 100 + net.statuses.len());
                let status = json!({"id": id, "url": format!("https://piaille.example/@b/{id}"), "sent": body});
                net.statuses.insert(key, status.clone());
                (StatusCode::OK, Json(status))
            }
        }))
        .route("/xrpc/com.atproto.server.createSession", post(|| async {
            Json(json!({"accessJwt": "jwt", "refreshJwt": "r", "handle": "brand.example", "did": "did:plc:brand"}))
        }))
        .route("/xrpc/com.atproto.repo.createRecord", post(move |Json(body): Json<Value>| {
            let net = n2.clone();
            async move {
                let rkey = body["rkey"].as_str().unwrap().to_owned();
                let uri = format!("at://did:plc:brand/app.bsky.feed.post/{rkey}");
                let cid = format!("cid-{rkey}");
                net.lock().unwrap().records.insert(rkey, json!({"uri": uri, "cid": cid, "value": body["record"]}));
                Json(json!({"uri": uri, "cid": cid}))
            }
        }))
        .route("/xrpc/com.atproto.repo.getRecord", get(move |Query(q): Query<HashMap<String, String>>| {
            let net = n3.clone();
            async move {
                match net.lock().unwrap().records.get(&q["rkey"]) {
                    Some(record) => (StatusCode::OK, Json(record.clone())),
                    None => (StatusCode::BAD_REQUEST, Json(json!({"error": "RecordNotFound"}))),
                }
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn threads_first_comments_and_polls_land_once_in_order() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let net: Shared = Arc::default();
    net.lock().unwrap().fail_part1 = true;
    let base = servers(net.clone()).await;
    let now = jardinier_outbound::unix_now();
    let mut ids = Vec::new();
    for (kind, config) in [
        ("mastodon", json!({"base": base})),
        ("bluesky", json!({"account": "brand.example", "pds": base})),
    ] {
        ids.push(
            store
                .create_channel(&NewChannel {
                    workspace_id: ws.id,
                    kind,
                    name: kind,
                    config: &config.to_string(),
                    secret: Some("tok"),
                    now,
                })
                .await
                .unwrap()
                .id,
        );
    }
    let text = "1/ Notre moka\n---\n2/ Torréfié au canal";
    let poll = PostPoll {
        options: vec!["Moka".into(), "Java".into()],
        minutes: 1_440,
    };
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Fil",
            variants: &[NewVariant::plain(ids[0], text)],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[],
            first_comment: Some("Plus d'infos en boutique"),
            poll: Some(&poll),
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let publisher = Publisher::new(store.clone());
    // The second part fails once: the delivery is retried whole, and the first part comes back
    // by its key instead of being posted again.
    assert_eq!(publisher.publish_due(now, 2).await.unwrap(), 0);
    assert_eq!(publisher.publish_due(now + 3_600, 2).await.unwrap(), 1);
    {
        let net = net.lock().unwrap();
        assert_eq!(
            net.statuses.len(),
            3,
            "three statuses, once each: {:?}",
            net.statuses.keys()
        );
        let by_key = |suffix: &str| {
            net.statuses
                .iter()
                .find(|(k, _)| k.ends_with(suffix))
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let first = by_key(&format!("post-{}-channel-{}", post.id, ids[0]));
        let second = by_key("-part1");
        let comment = by_key("-part2");
        assert_eq!(first["sent"]["status"], "1/ Notre moka");
        assert_eq!(
            first["sent"]["poll"],
            json!({"options": ["Moka", "Java"], "expires_in": 86_400})
        );
        assert_eq!(second["sent"]["in_reply_to_id"], first["id"]);
        assert!(second["sent"].get("poll").is_none());
        assert_eq!(comment["sent"]["status"], "Plus d'infos en boutique");
        assert_eq!(comment["sent"]["in_reply_to_id"], second["id"]);
    }
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        deliveries[0].remote_id.as_deref(),
        Some("100"),
        "the receipt is the first post"
    );

    // Bluesky: a stop after the first part; the next publisher finds it and goes on.
    let thread = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Fil Bluesky",
            variants: &[NewVariant::plain(
                ids[1],
                "Premier\n---\nDeuxième\n---\nTroisième",
            )],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let claimed = store.claim_deliveries(now, now - 3_600, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // The first part reached the PDS before the stop (as the publisher would have made it).
    let restarted = Publisher::new(store.clone());
    let micros = (claimed[0].delivery.created_at as u64) * 1_000_000
        + (claimed[0].delivery.id as u64 % 1_000_000);
    let first_key = jardinier_outbound::tid(micros, claimed[0].delivery.id as u64 + 512);
    net.lock().unwrap().records.insert(
        first_key.clone(),
        json!({"uri": format!("at://did:plc:brand/app.bsky.feed.post/{first_key}"), "cid": "cid-before-stop",
               "value": {"text": "Premier"}}),
    );
    assert_eq!(
        restarted
            .publish_due(jardinier_outbound::unix_now(), 2)
            .await
            .unwrap(),
        1
    );
    {
        let net = net.lock().unwrap();
        let texts: Vec<&str> = net
            .records
            .values()
            .filter_map(|r| r["value"]["text"].as_str())
            .collect();
        assert_eq!(texts.iter().filter(|t| **t == "Premier").count(), 1, "once");
        let reply = |text: &str| {
            net.records
                .values()
                .find(|r| r["value"]["text"] == text)
                .unwrap()["value"]["reply"]
                .clone()
        };
        assert_eq!(reply("Deuxième")["root"]["cid"], "cid-before-stop");
        assert_eq!(reply("Deuxième")["parent"]["cid"], "cid-before-stop");
        assert_eq!(reply("Troisième")["root"]["cid"], "cid-before-stop");
        assert_ne!(reply("Troisième")["parent"]["cid"], "cid-before-stop");
    }
    let (_, deliveries) = store.post(ws.id, thread.id).await.unwrap().unwrap();
    assert_eq!(deliveries[0].status, "sent");
}
