//! The brand account's notifications as inbox sources: Mastodon mentions (replies to its posts
//! and direct messages) and Bluesky mentions, replies and quotes, against local servers that
//! check the auth header and parameters as the real APIs do. What they bring goes to the inbox
//! by itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;
use serde_json::{Value, json};

mod common;
use common::setup;

type Seen = Arc<Mutex<Vec<(String, String)>>>;

fn auth(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn status(id: &str, visibility: &str, text: &str, reply_to: Option<&str>) -> Value {
    json!({"id": id, "created_at": "2026-11-21T10:00:00.000Z", "in_reply_to_id": reply_to, "sensitive": false,
           "spoiler_text": "", "visibility": visibility, "language": "fr",
           "uri": format!("https://piaille.example/users/lea/statuses/{id}"), "url": format!("https://piaille.example/@lea/{id}"),
           "content": format!("<p><span class=\"h-card\"><a href=\"https://piaille.example/@brulerie\" class=\"u-url mention\">@<span>brulerie</span></a></span> {text}</p>"),
           "account": {"id": "9", "username": "lea", "acct": "lea@piaille.example", "display_name": "Léa", "followers_count": 80}})
}

async fn server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let (s1, s2, s3) = (seen.clone(), seen.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/api/v1/notifications",
            get(move |headers: HeaderMap, Query(q): Query<Vec<(String, String)>>| {
                let query = q.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
                s1.lock().unwrap().push(("mastodon".into(), format!("{} {query}", auth(&headers))));
                async move {
                    if auth(&headers) != "Bearer brand-token" {
                        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "The access token is invalid"})));
                    }
                    if !q.iter().any(|(k, v)| k == "types[]" && v == "mention") {
                        return (StatusCode::BAD_REQUEST, Json(json!({"error": "types[] expected"})));
                    }
                    if q.iter().any(|(k, _)| k == "since_id") {
                        return (StatusCode::OK, Json(json!([])));
                    }
                    (StatusCode::OK, Json(json!([
                        {"id": "501", "type": "mention", "created_at": "2026-11-21T10:00:00.000Z", "account": {"id": "9", "acct": "lea@piaille.example"},
                         "status": status("1201", "public", "votre dernier post : la mouture est trop fine", Some("1100"))},
                        {"id": "502", "type": "mention", "created_at": "2026-11-21T10:05:00.000Z", "account": {"id": "9", "acct": "lea@piaille.example"},
                         "status": status("1202", "direct", "je vous écris en privé pour ma commande 4512", None)},
                        {"id": "503", "type": "favourite", "created_at": "2026-11-21T10:06:00.000Z", "account": {"id": "9", "acct": "lea@piaille.example"},
                         "status": status("1100", "public", "notre post", None)}
                    ])))
                }
            }),
        )
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(move |Json(body): Json<Value>| {
                s2.lock().unwrap().push(("bluesky-session".into(), body["identifier"].to_string()));
                async move {
                    if body["password"] == "app-pass" {
                        (StatusCode::OK, Json(json!({"accessJwt": "jwt-9", "did": "did:plc:brand", "handle": "brulerie.example"})))
                    } else {
                        (StatusCode::UNAUTHORIZED, Json(json!({"error": "AuthenticationRequired"})))
                    }
                }
            }),
        )
        .route(
            "/xrpc/app.bsky.notification.listNotifications",
            get(move |headers: HeaderMap| {
                s3.lock().unwrap().push(("bluesky".into(), auth(&headers)));
                async move {
                    if auth(&headers) != "Bearer jwt-9" {
                        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "AuthMissing"})));
                    }
                    (StatusCode::OK, Json(json!({"notifications": [
                        {"uri": "at://did:plc:noor/app.bsky.feed.post/3la", "cid": "c1", "reason": "reply", "isRead": false,
                         "author": {"did": "did:plc:noor", "handle": "noor.bsky.social", "displayName": "Noor"},
                         "record": {"$type": "app.bsky.feed.post", "text": "Toujours pas reçu mon abonnement", "createdAt": "2026-11-21T11:00:00Z",
                                    "reply": {"root": {"uri": "at://did:plc:brand/app.bsky.feed.post/1", "cid": "r"}, "parent": {"uri": "at://did:plc:brand/app.bsky.feed.post/1", "cid": "r"}}},
                         "indexedAt": "2026-11-21T11:00:01Z"},
                        {"uri": "at://did:plc:sam/app.bsky.graph.follow/1", "cid": "c2", "reason": "follow", "isRead": false,
                         "author": {"did": "did:plc:sam", "handle": "sam.bsky.social"},
                         "record": {"$type": "app.bsky.graph.follow", "subject": "did:plc:brand", "createdAt": "2026-11-21T11:02:00Z"},
                         "indexedAt": "2026-11-21T11:02:01Z"}
                    ]})))
                }
            }),
        );
    let now = jiff::Timestamp::now();
    let sent = |minutes: i64| (now - jiff::SignedDuration::from_mins(minutes)).to_string();
    let (first, second, ours) = (sent(30), sent(20), sent(25));
    let last = second.clone();
    let app = app
        .route(
            "/xrpc/chat.bsky.convo.listConvos",
            get(move |headers: HeaderMap| {
                let ok = auth(&headers) == "Bearer jwt-9"
                    && headers.get("atproto-proxy").and_then(|v| v.to_str().ok())
                        == Some("did:web:api.bsky.chat#bsky_chat");
                let second = last.clone();
                async move {
                    if !ok {
                        return (StatusCode::BAD_REQUEST, Json(json!({"error": "InvalidRequest", "message": "no proxy"})));
                    }
                    (StatusCode::OK, Json(json!({"convos": [
                        {"id": "convo-7", "rev": "r1", "unreadCount": 2, "muted": false,
                         "members": [{"did": "did:plc:brand", "handle": "brulerie.example"},
                                     {"did": "did:plc:ines", "handle": "ines.bsky.social", "displayName": "Inès"}],
                         "lastMessage": {"$type": "chat.bsky.convo.defs#messageView", "id": "m3", "rev": "r", "text": "Vous êtes là ?",
                                         "sender": {"did": "did:plc:ines"}, "sentAt": second}},
                        {"id": "convo-old", "rev": "r0", "unreadCount": 0, "muted": false,
                         "members": [{"did": "did:plc:brand", "handle": "brulerie.example"}, {"did": "did:plc:x", "handle": "x.bsky.social"}],
                         "lastMessage": {"id": "o1", "rev": "r", "text": "vieux", "sender": {"did": "did:plc:x"}, "sentAt": "2020-01-01T00:00:00Z"}}
                    ]})))
                }
            }),
        )
        .route(
            "/xrpc/chat.bsky.convo.getMessages",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let (first, second, ours) = (first.clone(), second.clone(), ours.clone());
                async move {
                    if q.get("convoId").map(String::as_str) != Some("convo-7") {
                        return Json(json!({"messages": []}));
                    }
                    // Newest first, as the chat service gives them.
                    Json(json!({"messages": [
                        {"$type": "chat.bsky.convo.defs#messageView", "id": "m3", "rev": "r3", "text": "Vous êtes là ?", "sender": {"did": "did:plc:ines"}, "sentAt": second},
                        {"$type": "chat.bsky.convo.defs#messageView", "id": "m2", "rev": "r2", "text": "On regarde !", "sender": {"did": "did:plc:brand"}, "sentAt": ours},
                        {"$type": "chat.bsky.convo.defs#messageView", "id": "m1", "rev": "r1", "text": "Bonjour, ma commande 77 est abîmée", "sender": {"did": "did:plc:ines"}, "sentAt": first}
                    ]}))
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
async fn the_brand_accounts_notifications_reach_the_inbox() {
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
    let mut sources = HashMap::new();
    for (kind, config, secret) in [
        (
            "mastodon",
            json!({"base": base, "search": "", "notifications": true}),
            "brand-token",
        ),
        (
            "bluesky",
            json!({"base": base, "search": "", "notifications": true, "account": "brulerie.example", "pds": base}),
            "app-pass",
        ),
    ] {
        let source = store
            .create_source(&NewSource {
                workspace_id: ws,
                kind,
                name: kind,
                config: &config.to_string(),
                secret: Some(secret),
                interval_secs: 300,
                now: 1,
            })
            .await
            .unwrap();
        poller.fetch_now(&source).await;
        let source = store.source_by_id(source.id).await.unwrap().unwrap();
        assert_eq!(source.status, "ok", "{kind}: {:?}", source.last_error);
        poller.fetch_now(&source).await;
        sources.insert(kind, store.source_by_id(source.id).await.unwrap().unwrap());
    }
    assert_eq!(
        sources["mastodon"].item_count, 2,
        "mentions only, no favourite"
    );
    assert_eq!(
        sources["bluesky"].item_count, 3,
        "a reply (not a follow) and Inès's two direct messages (not the brand's, read again without being stored twice)"
    );
    let requests = seen.lock().unwrap().clone();
    assert!(
        requests[0]
            .1
            .starts_with("Bearer brand-token types[]=mention"),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|(k, v)| k == "mastodon" && v.contains("since_id=503")),
        "the cursor: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|(k, v)| k == "bluesky" && v == "Bearer jwt-9"),
        "{requests:?}"
    );

    // Everything they brought is in the inbox, the direct message marked as one.
    let open = store
        .conversations(&ConversationFilter {
            workspace_id: ws,
            before: None,
            state: None,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 4, "the chat is one conversation: {open:#?}");
    let chat = open
        .iter()
        .find(|c| c.contact_name.as_deref() == Some("Inès"))
        .expect("the chat");
    assert_eq!(chat.item_count, 2, "{chat:?}");
    assert!(
        open.iter()
            .any(|c| c.subject == "Message privé / Direct message"),
        "{open:#?}"
    );
    assert!(
        open.iter()
            .any(|c| c.subject == "Toujours pas reçu mon abonnement")
    );

    // A revoked token is shown on the source in words.
    let config = json!({"base": base, "search": "", "notifications": true}).to_string();
    let revoked = store
        .create_source(&NewSource {
            workspace_id: ws,
            kind: "mastodon",
            name: "revoked",
            config: &config,
            secret: Some("old-token"),
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    poller.fetch_now(&revoked).await;
    let revoked = store.source_by_id(revoked.id).await.unwrap().unwrap();
    assert!(
        revoked
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("refused the account's token"),
        "{:?}",
        revoked.last_error
    );
}
