//! Telegram and Matrix publishing against local servers that check requests as those APIs do
//! (the Bot API's `sendMessage` with the token in the path; Matrix's client-server `send` with a
//! bearer token, a percent-encoded room id and transaction ids it deduplicates) and answer as
//! they document, errors included. A Matrix delivery cut off by a stop is sent again under the
//! same transaction and the room gets it once; a Telegram one goes to a person.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use jardinier_outbound::publish::Publisher;
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::{Value, json};

const BOT: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const ROOM: &str = "!cafe:matrix.example";

#[derive(Default)]
struct Seen {
    /// (chat, text) Telegram posted.
    telegram: Vec<(String, String)>,
    /// Transaction id → event id; and every message the room shows.
    transactions: HashMap<String, String>,
    room: Vec<String>,
    /// Telegram answers 429 this many more times.
    throttle: usize,
}

type Shared = Arc<Mutex<Seen>>;

async fn servers(seen: Shared) -> String {
    let (t, m, p, g) = (seen.clone(), seen.clone(), seen.clone(), seen);
    let app = Router::new()
        .route(
            "/{bot}/sendMessage",
            post(move |Path(bot): Path<String>, Json(body): Json<Value>| {
                let seen = t.clone();
                async move {
                    let mut seen = seen.lock().unwrap();
                    if bot != format!("bot{BOT}") {
                        return (StatusCode::UNAUTHORIZED, Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})));
                    }
                    if seen.throttle > 0 {
                        seen.throttle -= 1;
                        return (StatusCode::TOO_MANY_REQUESTS, Json(json!({"ok": false, "error_code": 429,
                            "description": "Too Many Requests: retry after 3", "parameters": {"retry_after": 3}})));
                    }
                    let chat = body["chat_id"].as_str().unwrap_or_default().to_owned();
                    if chat != "@brulerie" {
                        return (StatusCode::BAD_REQUEST, Json(json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})));
                    }
                    seen.telegram.push((chat, body["text"].as_str().unwrap_or_default().to_owned()));
                    let id = 41 + seen.telegram.len() as i64;
                    (StatusCode::OK, Json(json!({"ok": true, "result": {"message_id": id, "date": 1_795_000_000,
                        "chat": {"id": -1001234567890_i64, "title": "Brûlerie", "username": "brulerie", "type": "channel"},
                        "text": body["text"]}})))
                }
            }),
        )
        .route(
            "/_matrix/media/v3/upload",
            post(|headers: HeaderMap, body: axum::body::Bytes| async move {
                assert_eq!(headers["authorization"], "Bearer syt_token");
                assert_eq!(headers["content-type"], "image/png");
                assert_eq!(body.as_ref(), b"\x89PNG fake");
                Json(json!({"content_uri": "mxc://matrix.example/moka"}))
            }),
        )
        .route(
            "/{bot}/sendMediaGroup",
            post(move |Path(bot): Path<String>, mut form: axum::extract::Multipart| {
                let seen = g.clone();
                async move {
                    assert_eq!(bot, format!("bot{BOT}"));
                    let mut fields = HashMap::new();
                    while let Some(field) = form.next_field().await.unwrap() {
                        let name = field.name().unwrap_or_default().to_owned();
                        fields.insert(name, field.bytes().await.unwrap().to_vec());
                    }
                    let media: Value = serde_json::from_slice(&fields["media"]).unwrap();
                    assert_eq!(media[0]["media"], "attach://photo0");
                    assert_eq!(media[1]["media"], "attach://photo1");
                    assert!(fields.contains_key("photo0") && fields.contains_key("photo1"));
                    seen.lock().unwrap().telegram.push(("album".into(), media[0]["caption"].as_str().unwrap().to_owned()));
                    Json(json!({"ok": true, "result": [
                        {"message_id": 80, "chat": {"id": -1001234567890_i64, "username": "brulerie"}},
                        {"message_id": 81, "chat": {"id": -1001234567890_i64, "username": "brulerie"}}]}))
                }
            }),
        )
        .route(
            "/{bot}/sendPhoto",
            post(move |Path(bot): Path<String>, mut form: axum::extract::Multipart| {
                let seen = p.clone();
                async move {
                    assert_eq!(bot, format!("bot{BOT}"));
                    let mut fields = HashMap::new();
                    while let Some(field) = form.next_field().await.unwrap() {
                        let name = field.name().unwrap_or_default().to_owned();
                        fields.insert(name, field.bytes().await.unwrap().to_vec());
                    }
                    let caption = String::from_utf8(fields["caption"].clone()).unwrap();
                    assert_eq!(fields["photo"], b"\x89PNG fake".to_vec());
                    seen.lock().unwrap().telegram.push(("photo".into(), caption.clone()));
                    Json(json!({"ok": true, "result": {"message_id": 77, "chat": {"id": -1001234567890_i64, "username": "brulerie"}, "caption": caption}}))
                }
            }),
        )
        .route(
            "/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}",
            put(move |Path((room, txn)): Path<(String, String)>, headers: HeaderMap, Json(body): Json<Value>| {
                let seen = m.clone();
                async move {
                    let mut seen = seen.lock().unwrap();
                    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer syt_token") {
                        return (StatusCode::UNAUTHORIZED, Json(json!({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."})));
                    }
                    if room != ROOM {
                        return (StatusCode::FORBIDDEN, Json(json!({"errcode": "M_FORBIDDEN", "error": "You are not in this room."})));
                    }
                    assert!(body["msgtype"] == "m.text" || (body["msgtype"] == "m.image" && body["url"] == "mxc://matrix.example/moka"), "{body}");
                    if let Some(event) = seen.transactions.get(&txn) {
                        // The same transaction: the same event, nothing new in the room.
                        return (StatusCode::OK, Json(json!({"event_id": event})));
                    }
                    let event = format!("$event{}", seen.transactions.len() + 1);
                    seen.transactions.insert(txn, event.clone());
                    seen.room.push(body["body"].as_str().unwrap_or_default().to_owned());
                    (StatusCode::OK, Json(json!({"event_id": event})))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn telegram_and_matrix_get_each_post_once_with_receipts() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let channel = |kind: &'static str, name: &'static str, config: Value, secret: &'static str| {
        let store = store.clone();
        async move {
            store
                .create_channel(&NewChannel {
                    workspace_id: ws.id,
                    kind,
                    name,
                    config: &config.to_string(),
                    secret: Some(secret),
                    now,
                })
                .await
                .unwrap()
                .id
        }
    };
    let telegram = channel(
        "telegram",
        "Telegram",
        json!({"chat": "@brulerie", "api": base}),
        BOT,
    )
    .await;
    let matrix = channel(
        "matrix",
        "Matrix",
        json!({"homeserver": base, "room": ROOM}),
        "syt_token",
    )
    .await;
    let wrong_chat = channel(
        "telegram",
        "Old channel",
        json!({"chat": "@gone", "api": base}),
        BOT,
    )
    .await;
    let post = |title: &'static str, variants: Vec<NewVariant>| {
        let store = store.clone();
        async move {
            store
                .create_post(&NewPost {
                    workspace_id: ws.id,
                    author_id: Some(owner.id),
                    title,
                    variants: &variants,
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
                .unwrap()
        }
    };
    // Telegram throttles once: the delivery waits and goes out on the next attempt.
    seen.lock().unwrap().throttle = 1;
    let first = post(
        "Moka",
        vec![
            NewVariant::plain(telegram, "Nouveau moka ☕"),
            NewVariant::plain(matrix, "Nouveau moka ☕"),
            NewVariant::plain(wrong_chat, "Nouveau moka ☕"),
        ],
    )
    .await;
    let publisher = Publisher::new(store.clone());
    assert_eq!(
        publisher.publish_due(now, 4).await.unwrap(),
        1,
        "Matrix only"
    );
    let (_, deliveries) = store.post(ws.id, first.id).await.unwrap().unwrap();
    let of = |id: i64| {
        deliveries
            .iter()
            .find(|d| d.channel_id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(of(telegram).status, "scheduled");
    assert!(of(telegram).last_error.unwrap().contains("wait 3 s"));
    assert_eq!(of(wrong_chat).status, "failed");
    assert!(
        of(wrong_chat)
            .last_error
            .unwrap()
            .contains("chat not found")
    );
    let matrix_receipt = of(matrix);
    assert_eq!(matrix_receipt.remote_id.as_deref(), Some("$event1"));
    assert_eq!(
        matrix_receipt.remote_url.as_deref(),
        Some("https://matrix.to/#/!cafe:matrix.example/$event1")
    );
    assert_eq!(publisher.publish_due(now + 3_600, 4).await.unwrap(), 1);
    let (_, deliveries) = store.post(ws.id, first.id).await.unwrap().unwrap();
    let sent = deliveries
        .iter()
        .find(|d| d.channel_id == telegram)
        .unwrap();
    assert_eq!(sent.remote_url.as_deref(), Some("https://t.me/brulerie/42"));
    assert_eq!(sent.remote_id.as_deref(), Some("-1001234567890:42"));

    // A stop mid-send: Matrix sends again under the same transaction (the room shows it once);
    // Telegram, which cannot be asked, goes to a person.
    let second = post(
        "Atelier",
        vec![
            NewVariant::plain(telegram, "Atelier samedi"),
            NewVariant::plain(matrix, "Atelier samedi"),
        ],
    )
    .await;
    let claimed = store.claim_deliveries(now, now - 3_600, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // Suppose the Matrix request had reached the room before the stop.
    let matrix_job = claimed
        .iter()
        .find(|j| j.delivery.channel_id == matrix)
        .unwrap();
    {
        let mut seen = seen.lock().unwrap();
        seen.transactions.insert(
            matrix_job.idempotency_key.clone(),
            "$event-before-stop".into(),
        );
        seen.room.push("Atelier samedi".into());
    }
    // Restarted at once, possibly within the same second as the claims.
    let restarted = Publisher::new(store.clone());
    assert_eq!(
        restarted
            .publish_due(jardinier_outbound::unix_now(), 4)
            .await
            .unwrap(),
        1
    );
    let (_, deliveries) = store.post(ws.id, second.id).await.unwrap().unwrap();
    let matrix_delivery = deliveries.iter().find(|d| d.channel_id == matrix).unwrap();
    assert_eq!(
        matrix_delivery.remote_id.as_deref(),
        Some("$event-before-stop")
    );
    let telegram_delivery = deliveries
        .iter()
        .find(|d| d.channel_id == telegram)
        .unwrap();
    assert_eq!(telegram_delivery.status, "failed");
    assert!(
        telegram_delivery
            .last_error
            .as_deref()
            .unwrap()
            .contains("check the channel")
    );
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.room.iter().filter(|m| *m == "Atelier samedi").count(),
        1,
        "once in the room"
    );
    assert_eq!(
        seen.telegram
            .iter()
            .filter(|(_, t)| t == "Atelier samedi")
            .count(),
        0
    );
    assert_eq!(seen.telegram.len(), 1);
}

#[tokio::test]
async fn a_photo_goes_to_telegram_with_its_caption() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let dir = jardinier_store::testing::TempDir::new("media");
    let photo = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "abc123",
            filename: "moka.png",
            content_type: "image/png",
            size: 10,
            width: None,
            height: None,
            alt: "Un moka",
            now,
        })
        .await
        .unwrap();
    let file = dir.0.join(photo.relative_path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"\x89PNG fake").unwrap();
    let telegram = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "telegram",
            name: "Telegram",
            config: &json!({"chat": "@brulerie", "api": base}).to_string(),
            secret: Some(BOT),
            now,
        })
        .await
        .unwrap()
        .id;
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Photo",
            variants: &[NewVariant::plain(telegram, "Le moka du jour")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[photo.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let publisher = Publisher::new(store.clone()).with_media_dir(&dir.0);
    assert_eq!(publisher.publish_due(now, 1).await.unwrap(), 1);
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        deliveries[0].remote_url.as_deref(),
        Some("https://t.me/brulerie/77")
    );
    assert_eq!(
        seen.lock().unwrap().telegram,
        [("photo".to_owned(), "Le moka du jour".to_owned())]
    );
}

#[tokio::test]
async fn an_image_goes_to_the_matrix_room_after_the_text() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let dir = jardinier_store::testing::TempDir::new("media");
    let photo = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "def456",
            filename: "moka.png",
            content_type: "image/png",
            size: 10,
            width: Some(3),
            height: Some(2),
            alt: "Un moka fumant",
            now,
        })
        .await
        .unwrap();
    let file = dir.0.join(photo.relative_path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"\x89PNG fake").unwrap();
    let matrix = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "matrix",
            name: "Matrix",
            config: &json!({"homeserver": base, "room": ROOM}).to_string(),
            secret: Some("syt_token"),
            now,
        })
        .await
        .unwrap()
        .id;
    store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Image",
            variants: &[NewVariant::plain(matrix, "Le moka du jour")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[photo.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let publisher = Publisher::new(store.clone()).with_media_dir(&dir.0);
    assert_eq!(publisher.publish_due(now, 1).await.unwrap(), 1);
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.room,
        ["Le moka du jour", "Un moka fumant"],
        "the text, then the image"
    );
    assert!(seen.transactions.keys().any(|k| k.ends_with("-image0")));
}

#[tokio::test]
async fn two_photos_go_to_telegram_as_an_album() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let dir = jardinier_store::testing::TempDir::new("media");
    let mut ids = Vec::new();
    for sha in ["aa11", "bb22"] {
        let photo = store
            .add_media(&NewMedia {
                workspace_id: ws.id,
                sha256: sha,
                filename: "moka.png",
                content_type: "image/png",
                size: 10,
                width: None,
                height: None,
                alt: "Un moka",
                now,
            })
            .await
            .unwrap();
        let file = dir.0.join(photo.relative_path());
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"\x89PNG fake").unwrap();
        ids.push(photo.id);
    }
    let telegram = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "telegram",
            name: "Telegram",
            config: &json!({"chat": "@brulerie", "api": base}).to_string(),
            secret: Some(BOT),
            now,
        })
        .await
        .unwrap()
        .id;
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Album",
            variants: &[NewVariant::plain(telegram, "Deux mokas")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &ids,
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let publisher = Publisher::new(store.clone()).with_media_dir(&dir.0);
    assert_eq!(publisher.publish_due(now, 1).await.unwrap(), 1);
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        deliveries[0].remote_url.as_deref(),
        Some("https://t.me/brulerie/80")
    );
    assert_eq!(
        seen.lock().unwrap().telegram,
        [("album".to_owned(), "Deux mokas".to_owned())]
    );
}
