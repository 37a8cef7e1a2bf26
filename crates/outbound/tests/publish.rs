//! Publishing exactly once: a post with variants for Mastodon, Discord, Slack and a webhook,
//! scheduled, published by the publisher with a receipt per channel; a stop mid-send is taken
//! up by the next publisher with the same key (Mastodon), and a Discord delivery left in doubt
//! is not sent twice but handed to a person.

use std::sync::{Arc, Mutex};

use axum::extract::Query;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use jardinier_outbound::publish::Publisher;
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

async fn stand_ins(seen: Seen) -> String {
    let (s1, s2, s3, s4) = (seen.clone(), seen.clone(), seen.clone(), seen);
    let app = Router::new()
        .route(
            "/api/v1/statuses",
            post(move |headers: HeaderMap, Json(body): Json<Value>| {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                s1.lock().unwrap().push(("mastodon".into(), format!("{auth} {key}"), body));
                async move { Json(json!({"id": format!("status-{key}"), "url": "https://piaille.example/@brand/1"})) }
            }),
        )
        .route(
            "/discord",
            post(move |Query(q): Query<Vec<(String, String)>>, Json(body): Json<Value>| {
                s2.lock().unwrap().push(("discord".into(), format!("{q:?}"), body));
                async move { Json(json!({"id": "1180000000000000001", "channel_id": "9"})) }
            }),
        )
        .route(
            "/slack",
            post(move |Json(body): Json<Value>| {
                s3.lock().unwrap().push(("slack".into(), String::new(), body));
                async move { "ok" }
            }),
        )
        .route(
            "/hook",
            post(move |headers: HeaderMap, body: String| {
                let signed = jardinier_listening::verify_signature(
                    "hook-secret",
                    body.as_bytes(),
                    headers.get("x-jardinier-signature").and_then(|v| v.to_str().ok()),
                )
                .is_ok();
                s4.lock().unwrap().push(("webhook".into(), format!("signed={signed}"), serde_json::from_str(&body).unwrap()));
                async move { Json(json!({"id": "hook-77"})) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn a_post_is_published_once_to_every_channel_with_receipts() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Seen = Arc::default();
    let base = stand_ins(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let channel = |kind: &'static str, config: Value, secret: Option<&'static str>| {
        let store = store.clone();
        async move {
            store
                .create_channel(&NewChannel {
                    workspace_id: ws.id,
                    kind,
                    name: kind,
                    config: &config.to_string(),
                    secret,
                    now,
                })
                .await
                .unwrap()
                .id
        }
    };
    let mastodon = channel("mastodon", json!({"base": base}), Some("tok")).await;
    let discord = channel("discord", json!({"url": format!("{base}/discord")}), None).await;
    let slack = channel("slack", json!({"url": format!("{base}/slack")}), None).await;
    let hook = channel(
        "webhook",
        json!({"url": format!("{base}/hook")}),
        Some("hook-secret"),
    )
    .await;
    let variants = [
        NewVariant {
            channel_id: mastodon,
            language: Some("fr".into()),
            text: "Nouveau moka d'Éthiopie ☕".to_owned(),
        },
        NewVariant::plain(discord, "New Ethiopian moka!"),
        NewVariant::plain(slack, "Nouveau moka"),
        NewVariant::plain(hook, "Moka"),
    ];
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
            scheduled_at: Some(now + 60),
            draft: false,
            now,
        })
        .await
        .unwrap();
    assert_eq!(post.state, "scheduled");
    let publisher = Publisher::new(store.clone());
    // Not due yet.
    assert_eq!(publisher.publish_due(now, 4).await.unwrap(), 0);
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(publisher.publish_due(now + 60, 4).await.unwrap(), 4);
    let (post, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(post.state, "published");
    let receipts: Vec<(i64, Option<String>)> = deliveries
        .iter()
        .map(|d| (d.channel_id, d.remote_id.clone()))
        .collect();
    assert_eq!(
        receipts,
        vec![
            (
                mastodon,
                Some(format!("status-post-{}-channel-{mastodon}-fr", post.id))
            ),
            (discord, Some("1180000000000000001".into())),
            (
                slack,
                Some(format!("slack:post-{}-channel-{slack}", post.id))
            ),
            (hook, Some("hook-77".into())),
        ]
    );
    {
        let seen = seen.lock().unwrap();
        let get = |kind: &str| seen.iter().find(|(k, _, _)| k == kind).unwrap().clone();
        assert_eq!(
            get("mastodon").1,
            format!("Bearer tok post-{}-channel-{mastodon}-fr", post.id)
        );
        assert_eq!(get("mastodon").2["status"], "Nouveau moka d'Éthiopie ☕");
        assert_eq!(
            get("mastodon").2["language"],
            "fr",
            "the variant's language"
        );
        assert!(get("discord").2.get("language").is_none());
        assert!(
            get("discord").1.contains("wait"),
            "Discord is asked for the message back"
        );
        assert_eq!(get("discord").2["content"], "New Ethiopian moka!");
        assert_eq!(get("slack").2["text"], "Nouveau moka");
        assert_eq!(get("webhook").1, "signed=true");
        assert_eq!(seen.len(), 4, "once each");
    }
    // Published: nothing more goes out.
    assert_eq!(publisher.publish_due(now + 600, 4).await.unwrap(), 0);
    assert_eq!(seen.lock().unwrap().len(), 4);

    // A stop mid-send: the next publisher takes the Mastodon delivery up with the same key;
    // the Discord one, which cannot be looked up, goes to a person instead of out twice.
    let second = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Atelier",
            variants: &[
                NewVariant::plain(mastodon, "Atelier samedi"),
                NewVariant::plain(discord, "Workshop Saturday"),
            ],
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
    assert_eq!(claimed.len(), 2, "claimed, then the process stops");
    // Restarted at once, possibly within the same second as the claims.
    let restarted = Publisher::new(store.clone());
    assert_eq!(
        restarted
            .publish_due(jardinier_outbound::unix_now(), 4)
            .await
            .unwrap(),
        1
    );
    let (post, deliveries) = store.post(ws.id, second.id).await.unwrap().unwrap();
    assert_eq!(post.state, "failed", "one delivery needs a person");
    let discord_delivery = deliveries.iter().find(|d| d.channel_id == discord).unwrap();
    assert_eq!(discord_delivery.status, "failed");
    assert!(
        discord_delivery
            .last_error
            .as_deref()
            .unwrap()
            .contains("check the channel"),
        "{discord_delivery:?}"
    );
    let mastodon_delivery = deliveries
        .iter()
        .find(|d| d.channel_id == mastodon)
        .unwrap();
    assert_eq!(
        (
            mastodon_delivery.status.as_str(),
            mastodon_delivery.attempts
        ),
        ("sent", 2)
    );
    assert_eq!(
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(k, _, b)| k == "discord" && b["content"] == "Workshop Saturday")
            .count(),
        0
    );

    // Postponing the calendar moves what is still scheduled.
    let later = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: None,
            title: "Plus tard",
            variants: &[NewVariant::plain(slack, "Plus tard")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now + 100),
            draft: false,
            now,
        })
        .await
        .unwrap();
    assert_eq!(store.shift_scheduled(ws.id, 3_600, now).await.unwrap(), 1);
    let (post, deliveries) = store.post(ws.id, later.id).await.unwrap().unwrap();
    assert_eq!(
        (post.scheduled_at, deliveries[0].due_at),
        (Some(now + 3_700), Some(now + 3_700))
    );
    // Another workspace's channel cannot be used.
    assert!(
        store
            .create_post(&NewPost {
                workspace_id: ws.id + 1,
                author_id: None,
                title: "x",
                variants: &[NewVariant::plain(slack, "x")],
                campaign: "",
                tags: &[],
                short_links: &[],
                media: &[],
                first_comment: None,
                poll: None,
                scheduled_at: None,
                draft: false,
                now
            })
            .await
            .is_err()
    );
}
