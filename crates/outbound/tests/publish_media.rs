//! Media published with posts, against local servers that check them as the APIs do: Mastodon
//! gets each file with its description at `/api/v2/media`, then the status with their ids;
//! Bluesky gets each image's bytes at `uploadBlob`, then the post with an images embed (alt
//! text, aspect ratio); Discord gets a multipart form with `payload_json` and the files.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use jardinier_outbound::publish::Publisher;
use jardinier_store::testing::{TempDir, TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::{Value, json};

/// A real 3 × 2 PNG.
const PNG: [u8; 73] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0,
    0, 0, 18, 22, 241, 77, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 65, 12,
    112, 22, 0, 65, 210, 5, 251, 135, 240, 185, 72, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

#[derive(Default)]
struct Seen {
    /// (network, what arrived)
    calls: Vec<(String, Value)>,
}

type Shared = Arc<Mutex<Seen>>;

/// (path, form) of each call a fake Graph API received.
type Calls = Arc<Mutex<Vec<(String, std::collections::HashMap<String, String>)>>>;

/// The parts of a multipart body: (name, file name, bytes).
async fn parts(mut form: Multipart) -> Vec<(String, Option<String>, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(field) = form.next_field().await.unwrap() {
        let name = field.name().unwrap_or_default().to_owned();
        let file = field.file_name().map(str::to_owned);
        out.push((name, file, field.bytes().await.unwrap().to_vec()));
    }
    out
}

async fn servers(seen: Shared) -> String {
    let (s1, s2, s3, s4, s5) = (seen.clone(), seen.clone(), seen.clone(), seen.clone(), seen);
    let app = Router::new()
        .route(
            "/api/v2/media",
            post(move |headers: HeaderMap, form: Multipart| {
                let seen = s1.clone();
                async move {
                    assert_eq!(headers["authorization"], "Bearer tok");
                    let parts = parts(form).await;
                    let file = parts.iter().find(|p| p.0 == "file").unwrap();
                    let description = parts.iter().find(|p| p.0 == "description").unwrap();
                    assert_eq!(file.2, PNG, "the file's bytes");
                    assert_eq!(file.1.as_deref(), Some("moka.png"));
                    seen.lock().unwrap().calls.push(("mastodon-media".into(),
                        json!({"description": String::from_utf8_lossy(&description.2)})));
                    Json(json!({"id": "media-22", "type": "image"}))
                }
            }),
        )
        .route(
            "/api/v1/statuses",
            post(move |Json(body): Json<Value>| {
                s2.lock().unwrap().calls.push(("mastodon-status".into(), body));
                async { Json(json!({"id": "113", "url": "https://piaille.example/@brand/113"})) }
            }),
        )
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(|| async { Json(json!({"accessJwt": "jwt-1", "refreshJwt": "r", "handle": "brand.example", "did": "did:plc:brand"})) }),
        )
        .route(
            "/xrpc/com.atproto.repo.uploadBlob",
            post(move |headers: HeaderMap, body: Bytes| {
                let seen = s3.clone();
                async move {
                    if headers["authorization"] != "Bearer jwt-1" {
                        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "AuthRequired"})));
                    }
                    assert_eq!(headers["content-type"], "image/png");
                    assert_eq!(body.as_ref(), &PNG[..]);
                    seen.lock().unwrap().calls.push(("bluesky-blob".into(), json!(body.len())));
                    (StatusCode::OK, Json(json!({"blob": {"$type": "blob", "ref": {"$link": "bafkreimoka"}, "mimeType": "image/png", "size": 73}})))
                }
            }),
        )
        .route(
            "/xrpc/com.atproto.repo.createRecord",
            post(move |Json(body): Json<Value>| {
                s4.lock().unwrap().calls.push(("bluesky-post".into(), body["record"].clone()));
                async { Json(json!({"uri": "at://did:plc:brand/app.bsky.feed.post/3l", "cid": "c"})) }
            }),
        )
        .route(
            "/page",
            axum::routing::get(|| async {
                axum::response::Html(
                    r#"<html><head><title>x</title><meta property="og:title" content="Le moka d'Éthiopie">
                    <meta property="og:description" content="Notes de myrtille"><meta property="og:image" content="/moka.png"></head></html>"#,
                )
            }),
        )
        .route(
            "/moka.png",
            axum::routing::get(|| async { ([("content-type", "image/png")], PNG.to_vec()) }),
        )
        .route(
            "/discord",
            post(move |form: Multipart| {
                let seen = s5.clone();
                async move {
                    let parts = parts(form).await;
                    let payload: Value = serde_json::from_slice(&parts.iter().find(|p| p.0 == "payload_json").unwrap().2).unwrap();
                    let file = parts.iter().find(|p| p.0 == "files[0]").unwrap();
                    assert_eq!(file.2, PNG);
                    seen.lock().unwrap().calls.push(("discord".into(), payload));
                    Json(json!({"id": "1190000000000000011"}))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn images_go_out_with_their_descriptions() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let media_dir = TempDir::new("media");
    let now = jardinier_outbound::unix_now();
    let moka = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "0123abcd",
            filename: "moka.png",
            content_type: "image/png",
            size: PNG.len() as i64,
            width: Some(3),
            height: Some(2),
            alt: "Une tasse de moka fumante",
            now,
        })
        .await
        .unwrap();
    let file = media_dir.0.join(moka.relative_path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, PNG).unwrap();
    let mut ids = Vec::new();
    for (kind, config) in [
        ("mastodon", json!({"base": base})),
        ("bluesky", json!({"account": "brand.example", "pds": base})),
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
    let variants: Vec<NewVariant> = ids
        .iter()
        .map(|&c| NewVariant::plain(c, "Nouveau moka"))
        .collect();
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Moka",
            variants: &variants,
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[moka.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let publisher = Publisher::new(store.clone()).with_media_dir(&media_dir.0);
    assert_eq!(publisher.publish_due(now, 4).await.unwrap(), 3);
    let (published, _) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(published.state, "published");
    let seen = seen.lock().unwrap();
    let call = |name: &str| {
        seen.calls
            .iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(
        call("mastodon-media")["description"],
        "Une tasse de moka fumante"
    );
    assert_eq!(call("mastodon-status")["media_ids"], json!(["media-22"]));
    let record = call("bluesky-post");
    assert_eq!(record["embed"]["$type"], "app.bsky.embed.images");
    assert_eq!(
        record["embed"]["images"][0]["alt"],
        "Une tasse de moka fumante"
    );
    assert_eq!(
        record["embed"]["images"][0]["image"]["ref"]["$link"],
        "bafkreimoka"
    );
    assert_eq!(
        record["embed"]["images"][0]["aspectRatio"],
        json!({"width": 3, "height": 2})
    );
    let discord = call("discord");
    assert_eq!(discord["content"], "Nouveau moka");
    assert_eq!(
        discord["attachments"][0]["description"],
        "Une tasse de moka fumante"
    );
    assert_eq!(seen.calls.len(), 5, "{:?}", seen.calls);
}

#[tokio::test]
async fn a_missing_file_is_a_clear_failure() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let gone = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "feedbeef",
            filename: "perdu.png",
            content_type: "image/png",
            size: 10,
            width: None,
            height: None,
            alt: "x",
            now,
        })
        .await
        .unwrap();
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "mastodon",
            name: "m",
            config: &json!({"base": base}).to_string(),
            secret: Some("tok"),
            now,
        })
        .await
        .unwrap()
        .id;
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "x",
            variants: &[NewVariant::plain(channel, "x")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[gone.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let media_dir = TempDir::new("media");
    Publisher::new(store.clone())
        .with_media_dir(&media_dir.0)
        .publish_due(now, 1)
        .await
        .unwrap();
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(deliveries[0].status, "failed");
    assert!(
        deliveries[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("perdu.png")
    );
    assert!(seen.lock().unwrap().calls.is_empty(), "nothing half-posted");
}

#[tokio::test]
async fn a_link_gets_its_card_on_bluesky() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let seen: Shared = Arc::default();
    let base = servers(seen.clone()).await;
    let now = jardinier_outbound::unix_now();
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "bluesky",
            name: "b",
            config: &json!({"account": "brand.example", "pds": base}).to_string(),
            secret: Some("tok"),
            now,
        })
        .await
        .unwrap()
        .id;
    let text = format!("Nouveau : {base}/page #moka");
    store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Lien",
            variants: &[NewVariant::plain(channel, text.clone())],
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
    assert_eq!(
        Publisher::new(store.clone())
            .publish_due(now, 1)
            .await
            .unwrap(),
        1
    );
    let seen = seen.lock().unwrap();
    let record = seen
        .calls
        .iter()
        .find(|(n, _)| n == "bluesky-post")
        .unwrap()
        .1
        .clone();
    let external = &record["embed"]["external"];
    assert_eq!(record["embed"]["$type"], "app.bsky.embed.external");
    assert_eq!(external["uri"], format!("{base}/page"));
    assert_eq!(external["title"], "Le moka d'Éthiopie");
    assert_eq!(external["description"], "Notes de myrtille");
    assert_eq!(external["thumb"]["ref"]["$link"], "bafkreimoka");
    // The link and the tag are facets, by their bytes.
    let facets = record["facets"].as_array().unwrap();
    let link = &facets[0]["index"];
    let (start, end) = (
        link["byteStart"].as_u64().unwrap() as usize,
        link["byteEnd"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], format!("{base}/page"));
    assert_eq!(facets[1]["features"][0]["tag"], "moka");
}

#[tokio::test]
async fn two_images_make_an_instagram_carousel() {
    let calls: Arc<Mutex<Vec<std::collections::HashMap<String, String>>>> = Arc::default();
    let c = calls.clone();
    let graph = Router::new().route(
        "/{node}/{edge}",
        post(
            move |axum::extract::Path((node, edge)): axum::extract::Path<(String, String)>,
                  axum::extract::Form(f): axum::extract::Form<
                std::collections::HashMap<String, String>,
            >| {
                let calls = c.clone();
                async move {
                    assert_eq!(node, "17841400008460056");
                    assert_eq!(f["access_token"], "page-token");
                    let mut call = f.clone();
                    call.insert("edge".into(), edge.clone());
                    let n = {
                        let mut calls = calls.lock().unwrap();
                        calls.push(call);
                        calls.len()
                    };
                    match edge.as_str() {
                        "media" => Json(json!({"id": format!("container-{n}")})),
                        _ => Json(json!({"id": "17920238422030599"})),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, graph).await.unwrap() });

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_outbound::unix_now();
    let mut ids = Vec::new();
    for sha in ["a".repeat(64), "b".repeat(64)] {
        ids.push(
            store
                .add_media(&NewMedia {
                    workspace_id: ws.id,
                    sha256: &sha,
                    filename: "moka.png",
                    content_type: "image/png",
                    size: 73,
                    width: Some(3),
                    height: Some(2),
                    alt: "Un moka",
                    now,
                })
                .await
                .unwrap()
                .id,
        );
    }
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "instagram",
            name: "@brulerie",
            config: &json!({"ig_user_id": "17841400008460056"}).to_string(),
            secret: Some(r#"{"access_token":"page-token"}"#),
            now,
        })
        .await
        .unwrap()
        .id;
    store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Carrousel",
            variants: &[NewVariant::plain(channel, "Deux mokas")],
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
    let meta = jardinier_outbound::oauth::OAuthApp {
        network: jardinier_outbound::oauth::Network::Meta,
        client_id: "c".into(),
        client_secret: "s".into(),
        auth_url: format!("{api}/dialog"),
        token_url: format!("{api}/token"),
        api_url: api.clone(),
    };
    let publisher = Publisher::new(store.clone())
        .with_oauth(vec![meta])
        .with_public_base("https://jardinier.example");
    assert_eq!(publisher.publish_due(now, 1).await.unwrap(), 1);
    let calls = calls.lock().unwrap();
    assert_eq!(
        calls.len(),
        4,
        "two items, the carousel, the publication: {calls:?}"
    );
    assert_eq!(calls[0]["is_carousel_item"], "true");
    assert_eq!(
        calls[0]["image_url"],
        format!("https://jardinier.example/m/{}/{}", ws.id, "a".repeat(64))
    );
    assert_eq!(calls[2]["media_type"], "CAROUSEL");
    assert_eq!(calls[2]["children"], "container-1,container-2");
    assert_eq!(calls[2]["caption"], "Deux mokas");
    assert_eq!(
        (calls[3]["edge"].as_str(), calls[3]["creation_id"].as_str()),
        ("media_publish", "container-3")
    );
}

#[tokio::test]
async fn a_video_goes_to_a_facebook_page_and_as_an_instagram_reel() {
    let calls: Calls = Arc::default();
    let polls = Arc::new(Mutex::new(0));
    let (c1, c2, p) = (calls.clone(), calls.clone(), polls.clone());
    let graph = Router::new()
        .route(
            "/{node}/{edge}",
            post(move |axum::extract::Path((node, edge)): axum::extract::Path<(String, String)>,
                       axum::extract::Form(f): axum::extract::Form<std::collections::HashMap<String, String>>| {
                let calls = c1.clone();
                async move {
                    calls.lock().unwrap().push((format!("{node}/{edge}"), f));
                    match edge.as_str() {
                        "videos" => Json(json!({"id": "vid-1"})),
                        "media" => Json(json!({"id": "reel-container"})),
                        _ => Json(json!({"id": "17920238422030777"})),
                    }
                }
            }),
        )
        .route(
            "/{node}",
            axum::routing::get(move |axum::extract::Path(node): axum::extract::Path<String>,
                                     axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>| {
                let (calls, polls) = (c2.clone(), p.clone());
                async move {
                    assert_eq!((node.as_str(), q["fields"].as_str()), ("reel-container", "status_code"));
                    calls.lock().unwrap().push(("status".into(), q));
                    let mut n = polls.lock().unwrap();
                    *n += 1;
                    // Still processing the first time it is asked.
                    Json(json!({"status_code": if *n == 1 { "IN_PROGRESS" } else { "FINISHED" }}))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, graph).await.unwrap() });

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_outbound::unix_now();
    let video = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: &"c".repeat(64),
            filename: "atelier.mp4",
            content_type: "video/mp4",
            size: 5_000_000,
            width: None,
            height: None,
            alt: "",
            now,
        })
        .await
        .unwrap();
    let mut channels = Vec::new();
    for (kind, config) in [
        ("facebook", json!({"page_id": "1029384756"})),
        ("instagram", json!({"ig_user_id": "17841400008460056"})),
    ] {
        channels.push(
            store
                .create_channel(&NewChannel {
                    workspace_id: ws.id,
                    kind,
                    name: kind,
                    config: &config.to_string(),
                    secret: Some(r#"{"access_token":"page-token"}"#),
                    now,
                })
                .await
                .unwrap()
                .id,
        );
    }
    let variants: Vec<NewVariant> = channels
        .iter()
        .map(|&c| NewVariant::plain(c, "L'atelier en vidéo"))
        .collect();
    let post = store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Vidéo",
            variants: &variants,
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[video.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let meta = jardinier_outbound::oauth::OAuthApp {
        network: jardinier_outbound::oauth::Network::Meta,
        client_id: "c".into(),
        client_secret: "s".into(),
        auth_url: format!("{api}/dialog"),
        token_url: format!("{api}/token"),
        api_url: api.clone(),
    };
    let publisher = Publisher::new(store.clone())
        .with_oauth(vec![meta])
        .with_public_base("https://jardinier.example");
    assert_eq!(publisher.publish_due(now, 2).await.unwrap(), 2);
    let (_, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert!(deliveries.iter().any(
        |d| d.remote_url.as_deref() == Some("https://www.facebook.com/1029384756/videos/vid-1")
    ));
    let calls = calls.lock().unwrap();
    let call = |name: &str| calls.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let public = format!("https://jardinier.example/m/{}/{}", ws.id, "c".repeat(64));
    assert_eq!(call("1029384756/videos")["file_url"], public);
    assert_eq!(
        call("1029384756/videos")["description"],
        "L'atelier en vidéo"
    );
    let reel = call("17841400008460056/media");
    assert_eq!(
        (reel["media_type"].as_str(), reel["video_url"].as_str()),
        ("REELS", public.as_str())
    );
    assert_eq!(
        calls.iter().filter(|(n, _)| n == "status").count(),
        2,
        "asked until processed"
    );
    assert_eq!(
        call("17841400008460056/media_publish")["creation_id"],
        "reel-container"
    );
}

#[tokio::test]
async fn a_video_goes_to_x_in_chunks() {
    let calls: Calls = Arc::default();
    let (c1, c2, c3, c4) = (calls.clone(), calls.clone(), calls.clone(), calls.clone());
    let api = Router::new()
        .route("/2/media/upload/initialize", post(move |Json(body): Json<Value>| {
            let calls = c1.clone();
            async move {
                assert_eq!(body["media_category"], "tweet_video");
                assert_eq!(body["total_bytes"], 5_000_000);
                calls.lock().unwrap().push(("initialize".into(), Default::default()));
                Json(json!({"data": {"id": "1880028106020515841", "expires_after_secs": 86_400}}))
            }
        }))
        .route("/2/media/upload/{id}/append", post(move |mut form: Multipart| {
            let calls = c2.clone();
            async move {
                let mut call = std::collections::HashMap::new();
                while let Some(field) = form.next_field().await.unwrap() {
                    let name = field.name().unwrap_or_default().to_owned();
                    let bytes = field.bytes().await.unwrap();
                    call.insert(name, if bytes.len() > 100 { bytes.len().to_string() } else { String::from_utf8_lossy(&bytes).into_owned() });
                }
                calls.lock().unwrap().push(("append".into(), call));
                StatusCode::NO_CONTENT
            }
        }))
        .route("/2/media/upload/{id}/finalize", post(move || {
            let calls = c3.clone();
            async move {
                calls.lock().unwrap().push(("finalize".into(), Default::default()));
                Json(json!({"data": {"id": "1880028106020515841", "processing_info": {"state": "pending", "check_after_secs": 1}}}))
            }
        }))
        .route("/2/media/upload", axum::routing::get(|axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>| async move {
            assert_eq!((q["command"].as_str(), q["media_id"].as_str()), ("STATUS", "1880028106020515841"));
            Json(json!({"data": {"processing_info": {"state": "succeeded"}}}))
        }))
        .route("/2/tweets", post(move |Json(body): Json<Value>| {
            let calls = c4.clone();
            async move {
                let mut call = std::collections::HashMap::new();
                call.insert("media".to_owned(), body["media"].to_string());
                calls.lock().unwrap().push(("tweet".into(), call));
                (StatusCode::CREATED, Json(json!({"data": {"id": "1445880548472328199", "text": body["text"]}})))
            }
        }))
        // X takes parts of up to 5 MB.
        .layer(axum::extract::DefaultBodyLimit::max(6 * 1024 * 1024));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_outbound::unix_now();
    let dir = TempDir::new("media");
    let video = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "video5mb",
            filename: "atelier.mp4",
            content_type: "video/mp4",
            size: 5_000_000,
            width: None,
            height: None,
            alt: "",
            now,
        })
        .await
        .unwrap();
    let file = dir.0.join(video.relative_path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, vec![7_u8; 5_000_000]).unwrap();
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "x",
            name: "@brulerie",
            config: &json!({"user_id": "1", "username": "brulerie"}).to_string(),
            secret: Some(r#"{"access_token":"x-token"}"#),
            now,
        })
        .await
        .unwrap()
        .id;
    store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Vidéo",
            variants: &[NewVariant::plain(channel, "L'atelier en vidéo")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[video.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let x = jardinier_outbound::oauth::OAuthApp {
        network: jardinier_outbound::oauth::Network::X,
        client_id: "c".into(),
        client_secret: "s".into(),
        auth_url: format!("{base}/authorize"),
        token_url: format!("{base}/token"),
        api_url: base.clone(),
    };
    let publisher = Publisher::new(store.clone())
        .with_oauth(vec![x])
        .with_media_dir(&dir.0);
    assert_eq!(publisher.publish_due(now, 1).await.unwrap(), 1);
    let calls = calls.lock().unwrap();
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["initialize", "append", "append", "finalize", "tweet"]
    );
    assert_eq!(calls[1].1["segment_index"], "0");
    assert_eq!(calls[1].1["media"], (4 * 1024 * 1024).to_string());
    assert_eq!(calls[2].1["segment_index"], "1");
    assert_eq!(
        calls[2].1["media"],
        (5_000_000 - 4 * 1024 * 1024).to_string()
    );
    assert_eq!(
        calls[4].1["media"],
        r#"{"media_ids":["1880028106020515841"]}"#
    );
}

#[tokio::test]
async fn a_video_goes_to_linkedin_in_the_parts_it_names() {
    let calls: Calls = Arc::default();
    let (c1, c2, c3) = (calls.clone(), calls.clone(), calls.clone());
    let api = Router::new()
        .route("/rest/videos", post(move |headers: HeaderMap, axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>, Json(body): Json<Value>| {
            let calls = c1.clone();
            async move {
                assert_eq!(headers["x-restli-protocol-version"], "2.0.0");
                let host = headers["host"].to_str().unwrap().to_owned();
                let mut call = std::collections::HashMap::new();
                call.insert("body".to_owned(), body.to_string());
                calls.lock().unwrap().push((q["action"].clone(), call));
                match q["action"].as_str() {
                    "initializeUpload" => {
                        assert_eq!(body["initializeUploadRequest"]["fileSizeBytes"], 300);
                        Json(json!({"value": {"video": "urn:li:video:C5F", "uploadToken": "tok",
                            "uploadInstructions": [
                                {"uploadUrl": format!("http://{host}/part/0"), "firstByte": 0, "lastByte": 199},
                                {"uploadUrl": format!("http://{host}/part/1"), "firstByte": 200, "lastByte": 299}]}}))
                    }
                    _ => Json(json!(null)),
                }
            }
        }))
        .route("/part/{n}", axum::routing::put(move |axum::extract::Path(n): axum::extract::Path<String>, body: axum::body::Bytes| {
            let calls = c2.clone();
            async move {
                let mut call = std::collections::HashMap::new();
                call.insert("size".to_owned(), body.len().to_string());
                calls.lock().unwrap().push((format!("part{n}"), call));
                (StatusCode::OK, [("etag", format!("etag-{n}"))])
            }
        }))
        .route("/rest/posts", post(move |Json(body): Json<Value>| {
            let calls = c3.clone();
            async move {
                let mut call = std::collections::HashMap::new();
                call.insert("content".to_owned(), body["content"].to_string());
                calls.lock().unwrap().push(("post".into(), call));
                (StatusCode::CREATED, [("x-restli-id", "urn:li:share:7")], Json(json!({})))
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_outbound::unix_now();
    let dir = TempDir::new("media");
    let video = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "videoli",
            filename: "atelier.mp4",
            content_type: "video/mp4",
            size: 300,
            width: None,
            height: None,
            alt: "",
            now,
        })
        .await
        .unwrap();
    let file = dir.0.join(video.relative_path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, vec![3_u8; 300]).unwrap();
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "linkedin",
            name: "Camille",
            config: &json!({"author": "urn:li:person:782bbtaQ"}).to_string(),
            secret: Some(r#"{"access_token":"li-token"}"#),
            now,
        })
        .await
        .unwrap()
        .id;
    store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Vidéo",
            variants: &[NewVariant::plain(channel, "L'atelier en vidéo")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[video.id],
            first_comment: None,
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let linkedin = jardinier_outbound::oauth::OAuthApp {
        network: jardinier_outbound::oauth::Network::LinkedIn,
        client_id: "c".into(),
        client_secret: "s".into(),
        auth_url: format!("{base}/authorize"),
        token_url: format!("{base}/token"),
        api_url: base.clone(),
    };
    let publisher = Publisher::new(store.clone())
        .with_oauth(vec![linkedin])
        .with_media_dir(&dir.0);
    assert_eq!(publisher.publish_due(now, 1).await.unwrap(), 1);
    let calls = calls.lock().unwrap();
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "initializeUpload",
            "part0",
            "part1",
            "finalizeUpload",
            "post"
        ]
    );
    assert_eq!(
        (calls[1].1["size"].as_str(), calls[2].1["size"].as_str()),
        ("200", "100")
    );
    let finalize: Value = serde_json::from_str(&calls[3].1["body"]).unwrap();
    assert_eq!(
        finalize["finalizeUploadRequest"]["uploadedPartIds"],
        json!(["etag-0", "etag-1"])
    );
    assert_eq!(
        calls[4].1["content"],
        r#"{"media":{"id":"urn:li:video:C5F"}}"#
    );
}

#[tokio::test]
async fn a_video_goes_to_bluesky_through_its_video_service() {
    let calls: Calls = Arc::default();
    let (c1, c2, c3, c4) = (calls.clone(), calls.clone(), calls.clone(), calls.clone());
    let app = Router::new()
        .route("/xrpc/com.atproto.server.createSession", post(|| async {
            Json(json!({"accessJwt": "jwt-1", "refreshJwt": "r", "handle": "brand.example", "did": "did:plc:brand"}))
        }))
        .route("/xrpc/com.atproto.server.getServiceAuth", axum::routing::get(move |headers: HeaderMap, axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>| {
            let calls = c1.clone();
            async move {
                assert_eq!(headers["authorization"], "Bearer jwt-1");
                assert!(q["aud"].starts_with("did:web:127.0.0.1"));
                assert_eq!(q["lxm"], "com.atproto.repo.uploadBlob");
                calls.lock().unwrap().push(("service-auth".into(), q));
                Json(json!({"token": "service-token"}))
            }
        }))
        .route("/xrpc/app.bsky.video.uploadVideo", post(move |headers: HeaderMap, axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>, body: Bytes| {
            let calls = c2.clone();
            async move {
                assert_eq!(headers["authorization"], "Bearer service-token");
                assert_eq!(headers["content-type"], "video/mp4");
                assert_eq!((q["did"].as_str(), body.len()), ("did:plc:brand", 1_000));
                calls.lock().unwrap().push(("upload".into(), q));
                Json(json!({"jobId": "job-9", "did": "did:plc:brand", "state": "JOB_STATE_ENCODING", "progress": 10}))
            }
        }))
        .route("/xrpc/app.bsky.video.getJobStatus", axum::routing::get(move |axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>| {
            let calls = c3.clone();
            async move {
                assert_eq!(q["jobId"], "job-9");
                calls.lock().unwrap().push(("status".into(), q));
                Json(json!({"jobStatus": {"jobId": "job-9", "did": "did:plc:brand", "state": "JOB_STATE_COMPLETED",
                    "blob": {"$type": "blob", "ref": {"$link": "bafkreivideo"}, "mimeType": "video/mp4", "size": 1000}}}))
            }
        }))
        .route("/xrpc/com.atproto.repo.createRecord", post(move |Json(body): Json<Value>| {
            let calls = c4.clone();
            async move {
                let mut call = std::collections::HashMap::new();
                call.insert("embed".to_owned(), body["record"]["embed"].to_string());
                calls.lock().unwrap().push(("post".into(), call));
                Json(json!({"uri": "at://did:plc:brand/app.bsky.feed.post/3v", "cid": "c"}))
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_outbound::unix_now();
    let dir = TempDir::new("media");
    let video = store
        .add_media(&NewMedia {
            workspace_id: ws.id,
            sha256: "videobsky",
            filename: "atelier.mp4",
            content_type: "video/mp4",
            size: 1_000,
            width: Some(1080),
            height: Some(1920),
            alt: "L'atelier de torréfaction",
            now,
        })
        .await
        .unwrap();
    let file = dir.0.join(video.relative_path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, vec![1_u8; 1_000]).unwrap();
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "bluesky",
            name: "b",
            config: &json!({"account": "brand.example", "pds": base, "video_service": base})
                .to_string(),
            secret: Some("tok"),
            now,
        })
        .await
        .unwrap()
        .id;
    store
        .create_post(&NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Vidéo",
            variants: &[NewVariant::plain(channel, "L'atelier en vidéo")],
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[video.id],
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
    let calls = calls.lock().unwrap();
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["service-auth", "upload", "status", "post"]);
    let embed: Value = serde_json::from_str(&calls[3].1["embed"]).unwrap();
    assert_eq!(embed["$type"], "app.bsky.embed.video");
    assert_eq!(embed["video"]["ref"]["$link"], "bafkreivideo");
    assert_eq!(embed["alt"], "L'atelier de torréfaction");
    assert_eq!(embed["aspectRatio"], json!({"width": 1080, "height": 1920}));
}
