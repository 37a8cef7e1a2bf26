//! Results fetched back: a Mastodon status read with the channel's token, a Bluesky post read
//! from the AppView by its at:// address; refreshed no more than every quarter of an hour, and
//! never asked of networks that give no counts.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use jardinier_outbound::results::{REFRESH_EVERY, ResultsFetcher};
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::json;

const AT_URI: &str = "at://did:plc:brand/app.bsky.feed.post/3lcafe";

#[tokio::test]
async fn counts_come_back_from_mastodon_and_bluesky() {
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a1, a2) = (asked.clone(), asked.clone());
    let likes = Arc::new(Mutex::new(12_i64));
    let l = likes.clone();
    let app = Router::new()
        .route(
            "/api/v1/statuses/{id}",
            get(move |Path(id): Path<String>, headers: HeaderMap| {
                let likes = *l.lock().unwrap();
                a1.lock().unwrap().push(format!("mastodon {id}"));
                async move {
                    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer tok") {
                        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "The access token is invalid"})));
                    }
                    (StatusCode::OK, Json(json!({"id": id, "favourites_count": likes, "reblogs_count": 3, "replies_count": 2})))
                }
            }),
        )
        .route(
            "/xrpc/app.bsky.feed.getPosts",
            get(move |Query(q): Query<Vec<(String, String)>>| {
                a2.lock().unwrap().push(format!("bluesky {q:?}"));
                async move {
                    assert_eq!(q, [("uris".to_owned(), AT_URI.to_owned())]);
                    Json(json!({"posts": [{"uri": AT_URI, "likeCount": 7, "repostCount": 2, "quoteCount": 1, "replyCount": 4}]}))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_outbound::unix_now();
    let mut ids = Vec::new();
    for (kind, config) in [
        ("mastodon", json!({"base": base})),
        (
            "bluesky",
            json!({"account": "brand.example", "appview": base}),
        ),
        ("discord", json!({"url": format!("{base}/discord")})),
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
    let variants: Vec<NewVariant> = ids.iter().map(|&c| NewVariant::plain(c, "Moka")).collect();
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Moka",
            variants: &variants,
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now - 60),
            draft: false,
            now: now - 120,
        })
        .await
        .unwrap();
    let jobs = store.claim_deliveries(now, now - 300, 10).await.unwrap();
    for job in &jobs {
        let remote = match job.channel.kind.as_str() {
            "mastodon" => "113",
            "bluesky" => AT_URI,
            _ => "1180",
        };
        store
            .finish_delivery(
                job.delivery.id,
                &DeliveryOutcome::Sent {
                    note: None,
                    remote_id: remote.into(),
                    remote_url: None,
                },
                now,
            )
            .await
            .unwrap();
    }
    let fetcher = ResultsFetcher::new(store.clone());
    assert_eq!(
        fetcher.refresh(now).await.unwrap(),
        2,
        "Discord gives no counts"
    );
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    let counts = |kind_id: i64| {
        let d = deliveries.iter().find(|d| d.channel_id == kind_id).unwrap();
        (d.likes, d.shares, d.replies)
    };
    assert_eq!(counts(ids[0]), (Some(12), Some(3), Some(2)));
    assert_eq!(
        counts(ids[1]),
        (Some(7), Some(3), Some(4)),
        "quotes count as shares"
    );
    assert_eq!(counts(ids[2]), (None, None, None));
    assert_eq!(asked.lock().unwrap().len(), 2);

    // Not asked again before a quarter of an hour; then the new count is kept.
    assert_eq!(fetcher.refresh(now + 60).await.unwrap(), 0);
    *likes.lock().unwrap() = 20;
    assert_eq!(fetcher.refresh(now + REFRESH_EVERY + 1).await.unwrap(), 2);
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        deliveries
            .iter()
            .find(|d| d.channel_id == ids[0])
            .unwrap()
            .likes,
        Some(20)
    );
}
