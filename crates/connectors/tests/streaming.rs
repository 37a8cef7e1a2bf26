//! Mastodon's streaming API against local servers that speak it: the instance describes its
//! streaming host (`GET /api/v2/instance`), which serves server-sent events on
//! `/api/v1/streaming/hashtag?tag=…` and checks the bearer token as Mastodon does.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jardinier_connectors::streaming::MastodonStreams;
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;
use serde_json::json;
use tokio::sync::mpsc;

mod common;
use common::setup;

/// (tag, authorization, accept) of each streaming request.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;
type Events = Arc<Mutex<Option<mpsc::UnboundedReceiver<String>>>>;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// The streaming host: one open event stream, fed by the test through `events`.
async fn streaming_server(seen: Seen, events: Events) -> String {
    let app = Router::new().route(
        "/api/v1/streaming/hashtag",
        get(
            move |Query(q): Query<std::collections::HashMap<String, String>>,
                  headers: HeaderMap| {
                let (seen, events) = (seen.clone(), events.clone());
                async move {
                    let text = |name: header::HeaderName| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let auth = text(header::AUTHORIZATION);
                    seen.lock().unwrap().push((
                        q.get("tag").cloned().unwrap_or_default(),
                        auth.clone(),
                        text(header::ACCEPT),
                    ));
                    if auth != "Bearer tok-123" {
                        // What Mastodon's streaming server answers without a valid token.
                        return (
                            StatusCode::UNAUTHORIZED,
                            axum::Json(json!({"error": "Error: Missing access token"})),
                        )
                            .into_response();
                    }
                    let Some(receiver) = events.lock().unwrap().take() else {
                        return StatusCode::CONFLICT.into_response();
                    };
                    // A heartbeat first, as Mastodon sends every 15 s, then what the test sends.
                    let stream = futures_util::stream::unfold(
                        (receiver, true),
                        |(mut receiver, first)| async move {
                            let chunk = if first {
                                Some(":thump\n\n".to_owned())
                            } else {
                                receiver.recv().await
                            };
                            chunk.map(|c| (Ok::<_, std::io::Error>(c), (receiver, false)))
                        },
                    );
                    Response::builder()
                        .header(header::CONTENT_TYPE, "text/event-stream")
                        .body(Body::from_stream(stream))
                        .unwrap()
                }
            },
        ),
    );
    serve(app).await
}

fn status(id: &str, text: &str) -> String {
    // A Status entity as Mastodon streams it in `update` events (one line of JSON).
    json!({"id": id, "created_at": "2026-11-21T10:00:00.000Z", "in_reply_to_id": null, "spoiler_text": "",
           "uri": format!("https://mastodon.example/users/lea/statuses/{id}"), "url": format!("https://mastodon.example/@lea/{id}"),
           "content": format!("<p>{text}</p>"), "visibility": "public", "language": "fr",
           "account": {"id": "1", "username": "lea", "acct": "lea@mastodon.example", "display_name": "Léa", "followers_count": 1203}})
    .to_string()
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn statuses_arrive_through_the_stream() {
    let seen: Seen = Arc::default();
    let (send, receive) = mpsc::unbounded_channel();
    let events: Events = Arc::new(Mutex::new(Some(receive)));
    let streaming = streaming_server(seen.clone(), events).await;
    // The instance names its streaming host as a wss:// address (here ws://, plain loopback).
    let streaming_ws = streaming.replace("http://", "ws://");
    let instance = serve(Router::new().route(
        "/api/v2/instance",
        get(move || {
            let streaming_ws = streaming_ws.clone();
            async move {
                axum::Json(json!({"domain": "mastodon.example", "configuration": {"urls": {"streaming": streaming_ws}}}))
            }
        }),
    ))
    .await;

    let db = TestDatabase::sqlite();
    let (store, ws) = setup(&db.url).await;
    let ingestor = Arc::new(Ingestor::new(store.clone(), |_: &str| {
        Enrichment::default()
    }));
    let source = |name: &'static str, stream: bool, token: &'static str| {
        let store = store.clone();
        let config =
            json!({"base": instance, "search": "#BrulerieDuCanal", "stream": stream}).to_string();
        async move {
            store
                .create_source(&NewSource {
                    workspace_id: ws,
                    kind: "mastodon",
                    name,
                    config: &config,
                    secret: Some(token),
                    interval_secs: 300,
                    now: 1,
                })
                .await
                .unwrap()
        }
    };
    let streamed = source("streamed", true, "tok-123").await;
    let _polled_only = source("polled", false, "tok-123").await;
    let mut streams = MastodonStreams::new(store.clone(), ingestor);
    assert_eq!(
        streams.sync().await,
        1,
        "only sources that ask for a stream"
    );

    // Connected: the source says so; a status sent on the stream is stored with its author.
    wait_for("the stream connects", || {
        let store = store.clone();
        async move {
            store
                .source_by_id(streamed.id)
                .await
                .unwrap()
                .unwrap()
                .status
                == "ok"
        }
    })
    .await;
    send.send("event: delete\ndata: 113500000000000001\n\n".into())
        .unwrap();
    send.send(format!(
        "event: update\ndata: {}\n\n",
        status(
            "113500000000000009",
            "Le cold brew de la #BrulerieDuCanal 😍"
        )
    ))
    .unwrap();
    let items = || {
        let store = store.clone();
        async move {
            store
                .items(&ItemFilter {
                    workspace_id: ws,
                    include_duplicates: true,
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    wait_for("the streamed status is stored", || async {
        !items().await.is_empty()
    })
    .await;
    let stored = items().await;
    assert_eq!(stored.len(), 1, "a delete event stores nothing");
    assert_eq!(
        (
            stored[0].external_id.as_str(),
            stored[0].author_handle.as_deref(),
            stored[0].source_id
        ),
        (
            "113500000000000009",
            Some("@lea@mastodon.example"),
            streamed.id
        )
    );
    {
        let requests = seen.lock().unwrap();
        assert_eq!(
            requests[0],
            (
                "BrulerieDuCanal".to_owned(),
                "Bearer tok-123".to_owned(),
                "text/event-stream".to_owned()
            )
        );
    }

    // A refused token is said on the source, in words that say what to do.
    let refused = source("refused", true, "wrong").await;
    assert_eq!(streams.sync().await, 2);
    wait_for("the refusal is recorded", || {
        let store = store.clone();
        async move {
            store
                .source_by_id(refused.id)
                .await
                .unwrap()
                .unwrap()
                .last_error
                .is_some_and(|e| e.contains("needs an access token"))
        }
    })
    .await;

    // Pausing a source stops its stream.
    store
        .set_source_enabled(ws, refused.id, false)
        .await
        .unwrap();
    assert_eq!(streams.sync().await, 1);
}
