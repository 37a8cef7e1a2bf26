//! `jardinier bench publish`: N posts scheduled over a window across two channels (a
//! Mastodon-compatible stand-in, which keeps `Idempotency-Key`s as Mastodon does, and a signed
//! webhook), published by the scheduler, which is killed halfway and started again. Counts what
//! arrived, twice or never, and how late. Prints one JSON object as its last line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jardinier_outbound::publish::Publisher;
use jardinier_store::{NewChannel, NewPost, NewUser, NewVariant, NewWorkspace, Store};

/// What the stand-ins received, per post (its number, read from the text): the delivery keys
/// it came with, how many requests, and the first arrival in UNIX milliseconds.
#[derive(Default, Clone)]
struct Arrival {
    keys: std::collections::BTreeSet<String>,
    requests: u32,
    first_at: i64,
}

type Received = Arc<Mutex<HashMap<i64, Arrival>>>;

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Records one request: the post's number is in its text ("Post numéro N …").
fn record(received: &Received, headers: &axum::http::HeaderMap, body: &serde_json::Value) {
    let text = body
        .get("status")
        .or_else(|| body.get("text"))
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let Some(number) = text
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse::<i64>().ok())
    else {
        return;
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut seen = received.lock().expect("stand-in");
    let arrival = seen.entry(number).or_insert_with(|| Arrival {
        first_at: unix_ms(),
        ..Default::default()
    });
    arrival.keys.insert(key);
    arrival.requests += 1;
}

async fn stand_in(received: Received) -> anyhow::Result<String> {
    // Both keep the delivery key as Mastodon does: a repeated key is the same post.
    let mastodon = received.clone();
    let app = axum::Router::new()
        .route(
            "/api/v1/statuses",
            axum::routing::post(
                move |headers: axum::http::HeaderMap,
                      axum::Json(body): axum::Json<serde_json::Value>| {
                    record(&mastodon, &headers, &body);
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    async move { axum::Json(serde_json::json!({"id": key, "url": null})) }
                },
            ),
        )
        .route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap,
                      axum::Json(body): axum::Json<serde_json::Value>| {
                    record(&received, &headers, &body);
                    async move { axum::Json(serde_json::json!({"ok": true})) }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

pub async fn run(posts: usize, window: u64, database: Option<String>) -> anyhow::Result<()> {
    let dir = jardinier_store::testing::TempDir::new("bench-publish");
    let url = database.unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.0.display()));
    let store = jardinier_store::connect(&url).await?;
    store.migrate().await?;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_web::unix_now();
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
                slug: "bench-publish",
                name: "Bench",
                timezone: "UTC",
            },
            owner.id,
            now,
        )
        .await?;
    let received: Received = Arc::default();
    let base = stand_in(received.clone()).await?;
    let mastodon_config = serde_json::json!({"base": base, "search": ""}).to_string();
    let hook_config = serde_json::json!({"url": format!("{base}/hook")}).to_string();
    let mut channels = Vec::new();
    for (kind, config) in [("mastodon", &mastodon_config), ("webhook", &hook_config)] {
        channels.push(
            store
                .create_channel(&NewChannel {
                    workspace_id: ws.id,
                    kind,
                    name: kind,
                    config,
                    secret: Some("bench-secret"),
                    now,
                })
                .await?
                .id,
        );
    }

    // Scheduled far ahead while they are written, then moved to start just after.
    let far = now + 30 * 86_400;
    let started = Instant::now();
    for i in 0..posts {
        let channel = channels[i % channels.len()];
        let due = far + (i as i64 * window as i64) / posts.max(1) as i64;
        store
            .create_post(&NewPost {
                workspace_id: ws.id,
                author_id: Some(owner.id),
                title: &format!("Post {i}"),
                variants: &[NewVariant::plain(
                    channel,
                    format!("Post numéro {i} du calendrier éditorial"),
                )],
                campaign: "",
                tags: &[],
                short_links: &[],
                media: &[],
                first_comment: None,
                poll: None,
                scheduled_at: Some(due),
                draft: false,
                now,
            })
            .await?;
    }
    eprintln!(
        "bench publish: {posts} posts scheduled in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let start = jardinier_web::unix_now() + 2;
    store.shift_scheduled(ws.id, start - far, start).await?;

    // The scheduler, killed halfway through the window and started again.
    let (_keep, shutdown) = tokio::sync::watch::channel(false);
    let wake: Arc<tokio::sync::Notify> = Arc::default();
    let first = tokio::spawn(Publisher::new(store.clone()).run(
        Duration::from_millis(100),
        wake.clone(),
        shutdown.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(2 + window / 2)).await;
    first.abort();
    let _ = first.await;
    eprintln!("bench publish: scheduler killed; starting a new one");
    let second =
        tokio::spawn(Publisher::new(store.clone()).run(Duration::from_millis(100), wake, shutdown));
    // Until every post is in, or a minute after the window.
    let deadline = Instant::now() + Duration::from_secs(window / 2 + 60);
    loop {
        let count = received.lock().expect("stand-in").len();
        if count >= posts || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.abort();

    let seen = received.lock().expect("stand-in").clone();
    let mut lateness: Vec<i64> = Vec::with_capacity(seen.len());
    let (mut duplicates, mut repeated_requests) = (0, 0);
    for (number, arrival) in &seen {
        // Two delivery keys for one post: it went out twice.
        duplicates += arrival.keys.len().saturating_sub(1);
        repeated_requests += (arrival.requests as usize).saturating_sub(arrival.keys.len());
        let due = start + (number * window as i64) / posts.max(1) as i64;
        lateness.push((arrival.first_at - due * 1_000).max(0));
    }
    lateness.sort_unstable();
    let at = |q: f64| {
        lateness
            .get(((lateness.len() as f64 * q) as usize).min(lateness.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let last = seen.values().map(|a| a.first_at).max().unwrap_or(0);
    let elapsed = ((last - start * 1_000).max(1)) as f64 / 1_000.0;
    println!(
        "{}",
        serde_json::json!({
            "bench": "publish",
            "backend": store.backend().name(),
            "posts": posts,
            "window_s": window,
            "published": seen.len(),
            "duplicates": duplicates,
            // Requests repeated with the same key (retries the channel recognised).
            "repeated_requests": repeated_requests,
            "lost": posts.saturating_sub(seen.len()),
            "lateness_p50_ms": at(0.50),
            "lateness_p99_ms": at(0.99),
            "lateness_max_ms": lateness.last().copied().unwrap_or(0),
            "posts_per_s": (seen.len() as f64 / elapsed * 10.0).round() / 10.0,
        })
    );
    Ok(())
}
