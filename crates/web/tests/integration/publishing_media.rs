//! The media library over HTTP: uploads checked by their content (not their name), kept once
//! per file, with their description; the composer refuses media a channel cannot take and
//! images without a description; the post's page and the client's link show them.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::both_backends;
use crate::helpers::*;

/// A real 3 × 2 PNG.
pub const PNG: [u8; 73] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0,
    0, 0, 18, 22, 241, 77, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 0, 65, 12,
    112, 22, 0, 65, 210, 5, 251, 135, 240, 185, 72, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

both_backends!(
    media_are_uploaded_described_and_attached,
    a_linked_page_gives_its_card
);

async fn upload(
    app: &TestApp,
    csrf: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
    alt: &str,
) -> reqwest::Response {
    let form = Form::new()
        .part("file", Part::bytes(bytes).file_name(name.to_owned()))
        .text("alt", alt.to_owned());
    let query = csrf.map(|t| format!("?_csrf={t}")).unwrap_or_default();
    app.client
        .post(app.url(&format!("/w/brand/publishing/media{query}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn media_are_uploaded_described_and_attached(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let csrf = app.csrf(&app.client).await;

    // No token in the address: refused like any form without one.
    let response = upload(&app, None, "moka.png", PNG.to_vec(), "Un moka").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A text file named .png is not an image.
    let response = upload(
        &app,
        Some(&csrf),
        "moka.png",
        b"not an image at all".to_vec(),
        "x",
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("moka.png"));
    assert!(app.store.media_library(ws.id, 10).await.unwrap().is_empty());

    let response = upload(
        &app,
        Some(&csrf),
        "moka.png",
        PNG.to_vec(),
        "Une tasse de moka",
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The same file again is the same entry; its new description wins.
    upload(
        &app,
        Some(&csrf),
        "moka-copie.png",
        PNG.to_vec(),
        "Une tasse de moka fumante",
    )
    .await;
    let library = app.store.media_library(ws.id, 10).await.unwrap();
    assert_eq!(library.len(), 1);
    let moka = &library[0];
    assert_eq!(
        (
            moka.content_type.as_str(),
            moka.width,
            moka.height,
            moka.size
        ),
        ("image/png", Some(3), Some(2), 73)
    );
    assert_eq!(moka.alt, "Une tasse de moka fumante");
    assert!(app.media.0.join(moka.relative_path()).exists());
    let file = app
        .get(&format!("/w/brand/publishing/media/{}/file", moka.id))
        .await;
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.bytes().await.unwrap().as_ref(), &PNG[..]);
    // Not for strangers.
    let stranger = new_client();
    let response = app
        .get_with(
            &stranger,
            &format!("/w/brand/publishing/media/{}/file", moka.id),
        )
        .await;
    assert_ne!(response.status(), StatusCode::OK);

    for (kind, name, address) in [
        ("mastodon", "Mastodon", "https://piaille.example"),
        ("slack", "Slack", "https://hooks.slack.example/x"),
    ] {
        app.post(
            "/w/brand/publishing/channels",
            &[
                ("kind", kind),
                ("name", name),
                ("address", address),
                ("secret", "t"),
            ],
        )
        .await;
    }
    let channels = app.store.channels(ws.id).await.unwrap();
    let id = |kind: &str| {
        channels
            .iter()
            .find(|c| c.kind == kind)
            .unwrap()
            .id
            .to_string()
    };
    let media = moka.id.to_string();
    // Slack's webhooks take no files: said, not dropped.
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Moka"),
                (&format!("channel_{}", id("mastodon")), "1"),
                (&format!("channel_{}", id("slack")), "1"),
                ("common_fr", "Nouveau moka"),
                ("media", &media),
                ("intent", "draft"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("Slack"));
    // An image without a description is refused.
    app.post(
        &format!("/w/brand/publishing/media/{}/alt", moka.id),
        &[("alt", "")],
    )
    .await;
    let post = [
        ("title", "Moka"),
        (&format!("channel_{}", id("mastodon")) as &str, "1"),
        ("common_fr", "Nouveau moka"),
        ("media", &media),
        ("intent", "draft"),
    ];
    let response = app.post("/w/brand/publishing/posts", &post).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("moka.png"));
    app.post(
        &format!("/w/brand/publishing/media/{}/alt", moka.id),
        &[("alt", "Une tasse de moka fumante")],
    )
    .await;
    let response = app.post("/w/brand/publishing/posts", &post).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (created, _) = app.store.posts(ws.id, 10).await.unwrap().remove(0);
    assert_eq!(
        app.store.post_media(created.id).await.unwrap()[0].id,
        moka.id
    );
    let (_, page) = app
        .text(&format!("/w/brand/publishing/posts/{}", created.id))
        .await;
    assert!(
        page.contains("data-testid=\"preview-image\"")
            && page.contains("Une tasse de moka fumante")
    );

    // The client sees the image through the link, and only while it works.
    let now = jardinier_web::unix_now();
    app.store
        .request_approval(&jardinier_store::ApprovalRequest {
            workspace_id: ws.id,
            post_id: created.id,
            scheduled_at: now + 3_600,
            token_hash: Some(&jardinier_web::auth::token_hash("clienttoken")),
            client_email: None,
            expires_at: now + 3_600,
            actor: "Camille",
            now,
        })
        .await
        .unwrap();
    let image = format!("/approve/clienttoken/media/{}", moka.id);
    let response = app.get_with(&stranger, &image).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &PNG[..]);
    let response = app.get_with(&stranger, "/approve/wrongtoken/media/1").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn a_linked_page_gives_its_card(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let page = axum::Router::new().route(
        "/moka",
        axum::routing::get(|| async {
            axum::response::Html(
                r#"<html><head><meta property="og:title" content="Moka d'Éthiopie"><meta property="og:description" content="Notes de myrtille"></head></html>"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, page).await.unwrap() });
    let (status, body) = app
        .text(&format!("/w/brand/publishing/card?url={site}/moka"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let card: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(card["title"], "Moka d'Éthiopie");
    assert_eq!(card["description"], "Notes de myrtille");
    let (_, body) = app
        .text("/w/brand/publishing/card?url=ftp://x.example/")
        .await;
    assert_eq!(body, "null");
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "discord"),
            ("name", "Discord"),
            ("address", "https://discord.example/h"),
        ],
    )
    .await;
    let (_, page) = app.text("/w/brand/publishing").await;
    assert!(page.contains("data-link-card=\"/w/brand/publishing/card\""));
}
