//! The Publishing section's first version: channels are checked, a post with a text per
//! channel is scheduled in the workspace's time zone (or kept as a draft), the publisher sends
//! it, and the page shows each channel's receipt; clients read, editors write.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::routing::post;
use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    a_post_is_scheduled_then_published_with_receipts,
    a_post_is_written_once_in_two_languages_and_adapted_per_channel,
    a_failure_is_told_to_the_author_and_sent_again,
    hashtags_people_use_are_suggested
);

async fn a_post_is_scheduled_then_published_with_receipts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "cli@brand.example", Role::Client).await;
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let kept = received.clone();
    let hook = axum::Router::new().route(
        "/discord",
        post(move |Json(body): Json<serde_json::Value>| {
            kept.lock().unwrap().push(body);
            async { Json(serde_json::json!({"id": "1190000000000000007"})) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/discord", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });
    app.login("camille@brand.example").await;

    // A channel without its address is refused, saying what is missing.
    let response = app
        .post(
            "/w/brand/publishing/channels",
            &[("kind", "discord"), ("name", "Discord"), ("address", "")],
        )
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("data-testid=\"publishing-error\"")
    );
    let response = app
        .post(
            "/w/brand/publishing/channels",
            &[
                ("kind", "discord"),
                ("name", "Discord de la marque"),
                ("address", &hook_url),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let channel = app.store.channels(ws.id).await.unwrap()[0].id;
    let field = format!("text_{channel}");

    // Too long for Discord; then scheduled for now (the workspace's time zone).
    let too_long = "x".repeat(2_001);
    let when = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(&ws.timezone).unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Moka"),
                (&field, &too_long),
                ("when", &when),
                ("intent", "schedule"),
            ],
        )
        .await;
    assert!(response.text().await.unwrap().contains("2000"));
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Moka"),
                (&field, "Le moka est là ☕"),
                ("when", &when),
                ("intent", "schedule"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.post(
        "/w/brand/publishing/posts",
        &[
            ("title", "Plus tard"),
            (&field, "Brouillon"),
            ("intent", "draft"),
        ],
    )
    .await;
    let publisher = jardinier_outbound::publish::Publisher::new(app.store.clone());
    assert_eq!(
        publisher
            .publish_due(jardinier_outbound::unix_now() + 60, 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(received.lock().unwrap()[0]["content"], "Le moka est là ☕");
    let (_, html) = app.text("/w/brand/publishing").await;
    assert!(html.contains("1190000000000000007"), "the receipt: {html}");
    assert_eq!(html.matches("data-testid=\"post-row\"").count(), 2);

    // The draft goes to the client for approval: a link that works without an account.
    let draft = app
        .store
        .posts(ws.id, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|(p, _)| p.state == "draft")
        .unwrap()
        .0;
    let response = app
        .post(
            &format!("/w/brand/publishing/posts/{}/approval", draft.id),
            &[("when", &when), ("email", "client@brand.example")],
        )
        .await;
    let html = response.text().await.unwrap();
    let link = html
        .split("data-testid=\"approval-link\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the link is shown once")
        .to_owned();
    let path = link.trim_start_matches(&app.base).to_owned();
    assert!(
        app.store
            .recent_mail(5)
            .await
            .unwrap()
            .iter()
            .any(|m| m.to == "client@brand.example" && m.body_text.contains(&link)),
        "the link is e-mailed"
    );
    assert_eq!(
        app.store
            .post(ws.id, draft.id)
            .await
            .unwrap()
            .unwrap()
            .0
            .state,
        "pending_approval"
    );
    assert_eq!(
        publisher
            .publish_due(jardinier_outbound::unix_now() + 60, 2)
            .await
            .unwrap(),
        0,
        "not before approval"
    );
    let anonymous = new_client();
    let page = app.get_with(&anonymous, &path).await.text().await.unwrap();
    assert!(
        page.contains("Brouillon") && page.contains("data-testid=\"approval-variant\""),
        "{page}"
    );
    let response = app
        .post_with(
            &anonymous,
            &path,
            &[("decision", "approve"), ("comment", "Parfait")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.store
            .post(ws.id, draft.id)
            .await
            .unwrap()
            .unwrap()
            .0
            .state,
        "scheduled"
    );
    assert_eq!(
        publisher
            .publish_due(jardinier_outbound::unix_now() + 60, 2)
            .await
            .unwrap(),
        1
    );
    // Used once.
    assert_eq!(
        app.get_with(&anonymous, &path).await.status(),
        StatusCode::GONE
    );
    let events = app.store.post_events(ws.id, draft.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        vec!["created", "approval_requested", "approved", "published"]
    );
    assert_eq!(events[0].actor, "Camille");
    assert_eq!(events[2].detail, "Parfait");

    // A revoked link no longer works, and the post is a draft again.
    app.post(
        "/w/brand/publishing/posts",
        &[("title", "Encore"), (&field, "Encore"), ("intent", "draft")],
    )
    .await;
    let again = app
        .store
        .posts(ws.id, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|(p, _)| p.state == "draft")
        .unwrap()
        .0;
    let html = app
        .post(
            &format!("/w/brand/publishing/posts/{}/approval", again.id),
            &[("when", &when)],
        )
        .await
        .text()
        .await
        .unwrap();
    let link = html
        .split("data-testid=\"approval-link\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap()
        .to_owned();
    app.post(
        &format!("/w/brand/publishing/posts/{}/revoke", again.id),
        &[],
    )
    .await;
    assert_eq!(
        app.get_with(&anonymous, link.trim_start_matches(&app.base))
            .await
            .status(),
        StatusCode::GONE
    );
    assert_eq!(
        app.store
            .post(ws.id, again.id)
            .await
            .unwrap()
            .unwrap()
            .0
            .state,
        "draft"
    );

    // A client reads the section but cannot publish.
    let client = new_client();
    app.login_with(&client, "cli@brand.example", PASSWORD).await;
    let page = app
        .get_with(&client, "/w/brand/publishing")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("/publishing/posts\""),
        "no composer for a client"
    );
    let response = app
        .post_with(
            &client,
            "/w/brand/publishing/posts",
            &[("title", "x"), (&field, "x"), ("intent", "draft")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn a_post_is_written_once_in_two_languages_and_adapted_per_channel(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    for (kind, name, address) in [
        ("mastodon", "Mastodon", "https://piaille.example"),
        (
            "discord",
            "Discord",
            "https://discord.example/api/webhooks/1/x",
        ),
    ] {
        let response = app
            .post(
                "/w/brand/publishing/channels",
                &[
                    ("kind", kind),
                    ("name", name),
                    ("address", address),
                    ("secret", "token"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{kind}");
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
    let (mastodon, discord) = (id("mastodon"), id("discord"));

    // The live check counts as each network does: a long link is 23 on Mastodon.
    let link = format!("https://brand.example/{}", "x".repeat(300));
    let text = format!("{} {link}", "a".repeat(470));
    let (status, body) = app
        .text(&format!(
            "/w/brand/publishing/check?kind=mastodon&text={}",
            text.replace(' ', "%20")
                .replace(':', "%3A")
                .replace('/', "%2F")
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let check: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(check["length"], 494);
    assert_eq!(check["valid"], true);
    let (_, body) = app
        .text(&format!(
            "/w/brand/publishing/check?kind=discord&text={}",
            "b".repeat(2_001)
        ))
        .await;
    let check: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (check["limit"].as_i64(), check["valid"].as_bool()),
        (Some(2_000), Some(false))
    );

    // Too long for Bluesky-like limits is named with its channel and language.
    let too_long = "é".repeat(501);
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Moka"),
                (&format!("channel_{mastodon}"), "1"),
                ("common_fr", &too_long),
                ("intent", "draft"),
            ],
        )
        .await;
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Mastodon (fr)") && page.contains("501"),
        "{page}"
    );
    assert!(app.store.posts(ws.id, 10).await.unwrap().is_empty());

    // Compose once in French and English; Discord gets its own English words; links tagged.
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Moka"),
                (&format!("channel_{mastodon}"), "1"),
                (&format!("channel_{discord}"), "1"),
                ("common_fr", "Nouveau moka https://brand.example/moka"),
                ("common_en", "New moka https://brand.example/moka"),
                (&format!("text_{discord}_en"), "New moka, Discord friends!"),
                (&format!("text_{mastodon}_fr"), ""),
                ("campaign", "Arrivages"),
                ("tags", "café, #Moka, café"),
                ("utm_campaign", "arrivages"),
                ("intent", "draft"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (post, deliveries) = app.store.posts(ws.id, 10).await.unwrap().remove(0);
    assert_eq!(post.campaign, "Arrivages");
    assert_eq!(post.tags, ["café", "moka"]);
    let texts: Vec<(String, Option<String>, String)> = deliveries
        .iter()
        .map(|d| {
            let kind = channels
                .iter()
                .find(|c| c.id == d.channel_id)
                .unwrap()
                .kind
                .clone();
            (kind, d.language.clone(), d.body.clone())
        })
        .collect();
    assert_eq!(
        texts,
        [
            (
                "mastodon".to_owned(),
                Some("fr".to_owned()),
                "Nouveau moka https://brand.example/moka?utm_source=mastodon&utm_medium=social&utm_campaign=arrivages".to_owned()
            ),
            (
                "mastodon".to_owned(),
                Some("en".to_owned()),
                "New moka https://brand.example/moka?utm_source=mastodon&utm_medium=social&utm_campaign=arrivages".to_owned()
            ),
            (
                "discord".to_owned(),
                Some("fr".to_owned()),
                "Nouveau moka https://brand.example/moka?utm_source=discord&utm_medium=social&utm_campaign=arrivages".to_owned()
            ),
            ("discord".to_owned(), Some("en".to_owned()), "New moka, Discord friends!".to_owned()),
        ]
    );

    // Threads, first comments and polls: said where a network cannot take them.
    let both = [
        (format!("channel_{mastodon}"), "1".to_owned()),
        (format!("channel_{discord}"), "1".to_owned()),
    ];
    let attempt = |extra: Vec<(&'static str, &'static str)>| {
        let mut fields: Vec<(String, String)> = both.to_vec();
        fields.push(("title".into(), "Fil".into()));
        fields.push(("intent".into(), "draft".into()));
        fields.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
        fields
    };
    for (extra, expected) in [
        (vec![("common_fr", "Un\n---\nDeux")], "Discord"),
        (
            vec![("common_fr", "Un"), ("first_comment", "Et aussi")],
            "Discord",
        ),
        (
            vec![
                ("common_fr", "Un"),
                ("poll_option", "Oui"),
                ("poll_option", "Non"),
                ("poll_minutes", "60"),
            ],
            "Discord",
        ),
    ] {
        let fields = attempt(extra);
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = app.post("/w/brand/publishing/posts", &borrowed).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains(expected));
    }
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Sondage"),
                (&format!("channel_{mastodon}"), "1"),
                ("common_fr", "Votre café préféré ?\n---\nRéponse demain !"),
                ("first_comment", "Merci de voter"),
                ("poll_option", "Moka"),
                ("poll_option", "Java"),
                ("poll_minutes", "1440"),
                ("intent", "draft"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (post, _) = app
        .store
        .posts(ws.id, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|(p, _)| p.title == "Sondage")
        .unwrap();
    assert_eq!(post.first_comment.as_deref(), Some("Merci de voter"));
    assert_eq!(post.poll.unwrap().options, ["Moka", "Java"]);
}

async fn a_failure_is_told_to_the_author_and_sent_again(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    // Discord refuses the first time (a bad request: no retry), accepts after the fix.
    let refuse = Arc::new(Mutex::new(true));
    let refusing = refuse.clone();
    let hook = axum::Router::new().route(
        "/discord",
        post(move |Json(_): Json<serde_json::Value>| {
            let refuse = *refusing.lock().unwrap();
            async move {
                if refuse {
                    (
                        StatusCode::BAD_REQUEST,
                        Json(serde_json::json!({"message": "Invalid Form Body", "code": 50035})),
                    )
                } else {
                    (
                        StatusCode::OK,
                        Json(serde_json::json!({"id": "1190000000000000009"})),
                    )
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/discord", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "discord"),
            ("name", "Discord"),
            ("address", &hook_url),
        ],
    )
    .await;
    let channel = app.store.channels(ws.id).await.unwrap()[0].id;
    let when = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(&ws.timezone).unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    app.post(
        "/w/brand/publishing/posts",
        &[
            ("title", "Soldes"),
            (&format!("text_{channel}"), "Les soldes commencent"),
            ("when", &when),
            ("intent", "schedule"),
        ],
    )
    .await;
    let publisher = jardinier_outbound::publish::Publisher::new(app.store.clone());
    let now = jardinier_outbound::unix_now();
    assert_eq!(publisher.publish_due(now + 60, 2).await.unwrap(), 0);
    let (post, deliveries) = app.store.posts(ws.id, 10).await.unwrap().remove(0);
    assert_eq!(post.state, "failed");
    assert!(
        deliveries[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("Invalid Form Body")
    );

    // The author is told once, with the channel's words and a link to the post.
    let base = app.url("");
    assert_eq!(
        jardinier_web::publish_watch::notify_failures(app.store.as_ref(), &base, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        jardinier_web::publish_watch::notify_failures(app.store.as_ref(), &base, now)
            .await
            .unwrap(),
        0,
        "once"
    );
    let mail: Vec<_> = app
        .store
        .recent_mail(10)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.idempotency_key.starts_with("post-failed:"))
        .collect();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, "camille@brand.example");
    assert!(mail[0].subject.contains("Soldes") && mail[0].subject.contains("Discord"));
    assert!(mail[0].body_text.contains("Invalid Form Body"));
    assert!(
        mail[0]
            .body_text
            .contains(&format!("/w/brand/publishing/posts/{}", post.id))
    );

    // Fixed on Discord's side; sent again from the post's page.
    *refuse.lock().unwrap() = false;
    let (_, page) = app
        .text(&format!("/w/brand/publishing/posts/{}", post.id))
        .await;
    assert!(page.contains("post-retry"));
    let response = app
        .post(&format!("/w/brand/publishing/posts/{}/retry", post.id), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(publisher.publish_due(now + 120, 2).await.unwrap(), 1);
    let (post, deliveries) = app.store.posts(ws.id, 10).await.unwrap().remove(0);
    assert_eq!(post.state, "published");
    assert_eq!(
        deliveries[0].remote_id.as_deref(),
        Some("1190000000000000009")
    );
    let kinds: Vec<String> = app
        .store
        .post_events(ws.id, post.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["created", "failed", "retried", "published"]);
}

async fn hashtags_people_use_are_suggested(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let source = app
        .store
        .create_source(&jardinier_store::NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Mentions",
            config: "{}",
            secret: None,
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    let now = jardinier_web::unix_now();
    let items: Vec<jardinier_listening::IncomingItem> = [
        "Le #CaféDeSpécialité de la brûlerie est top",
        "encore du #cafédespécialité ce matin #Paris",
        "#paris sous la pluie, mais un bon café",
        "un #hapax",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| jardinier_listening::IncomingItem {
        external_id: format!("m{i}"),
        text: (*text).into(),
        published_at: Some(now - 3_600),
        ..Default::default()
    })
    .collect();
    app.ingestor.ingest(&source, items, now).await.unwrap();
    app.login("camille@brand.example").await;
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
    let chips = page
        .split("data-testid=\"hashtag-suggestions\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{page}"))
        .split("</ul>")
        .next()
        .unwrap();
    assert!(
        chips.contains("data-insert-tag=\"#CaféDeSpécialité\""),
        "{chips}"
    );
    assert!(chips.contains("#Paris") || chips.contains("#paris"));
    assert!(!chips.contains("hapax"), "said once is not a pattern");
}
