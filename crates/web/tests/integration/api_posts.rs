//! Issue 14, item 6: writing, approving and planning posts through the API, with the
//! composer's rules (a channel's limits, the time, the queue) and the approval steps.

use jardinier_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::publishing_media::PNG;

both_backends!(posts_are_written_approved_and_planned_through_the_api);

#[tokio::test]
async fn a_token_calling_too_fast_waits_as_told() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| c.api_requests_per_minute = 3).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let other = app.api_token(&app.client, "brand").await;
    for _ in 0..3 {
        let (status, _) = app.api_call(&token, Method::GET, "channels", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let response = app
        .client
        .get(app.url("/api/v1/workspace/channels"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response.headers()["retry-after"],
        "20",
        "one call each 20 s"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Each token has its own count.
    let (status, _) = app.api_call(&other, Method::GET, "channels", None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn posts_are_written_approved_and_planned_through_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let alex = app.member(&ws, "alex@brand.example", Role::Editor).await;
    let channel = app
        .store
        .create_channel(&jardinier_store::NewChannel {
            workspace_id: ws.id,
            kind: "mastodon",
            name: "@brulerie",
            config: r#"{"base": "https://piaille.example"}"#,
            secret: Some("secret"),
            now: 1,
        })
        .await
        .unwrap();
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let api =
        |method: Method, path: &str, body: Option<Value>| app.api_call(&token, method, path, body);
    let future = jardinier_web::unix_now() + 7 * 86_400;

    // A channel connected through the API: its settings checked, its secret never shown.
    let (status, error) = api(
        Method::POST,
        "channels",
        Some(json!({"kind": "mastodon", "name": "@cafe", "address": "https://piaille.example"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, made) = api(
        Method::POST,
        "channels",
        Some(json!({"kind": "slack", "name": "#annonces", "address": "https://hooks.slack.example/T0/B0/x"})),
    )
    .await;
    assert_eq!(
        (status, made["kind"].as_str()),
        (StatusCode::CREATED, Some("slack"))
    );

    // A draft with a common French text for the channel.
    let (status, made) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Nouveau café", "channels": [channel.id],
                    "common": {"fr": "Notre café d'Éthiopie est arrivé"}, "tags": ["#Automne", "automne"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let draft = &made["items"][0];
    assert_eq!(
        (draft["state"].as_str(), draft["tags"].clone()),
        (Some("draft"), json!(["automne"]))
    );
    assert_eq!(
        draft["deliveries"][0]["text"],
        "Notre café d'Éthiopie est arrivé"
    );
    let draft_id = draft["id"].as_i64().unwrap();

    // The composer's rules: too long for Mastodon, a channel of nobody, a time gone by.
    let (status, error) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Long", "texts": [{"channel_id": channel.id, "text": "é".repeat(501)}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("@brulerie"),
        "{error}"
    );
    let (status, _) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Ailleurs", "texts": [{"channel_id": 999_999, "text": "Bonjour"}]})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a channel of nobody"
    );
    let (status, error) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Hier", "channels": [channel.id], "common": {"fr": "Bonjour"}, "scheduled_at": 1_000})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, error) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Langue", "channels": [channel.id], "common": {"de": "Hallo"}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    // Scheduled, and repeated weekly: three posts, in the calendar.
    let (status, made) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Café du lundi", "channels": [channel.id], "common": {"fr": "Bon lundi"},
                    "scheduled_at": future, "repeat": {"every": "week", "count": 3}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let items = made["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["state"], "scheduled");
    assert_eq!(items[0]["scheduled_at"], future);
    assert_eq!(items[1]["scheduled_at"], future + 7 * 86_400);
    let (status, calendar) = api(Method::GET, "calendar?limit=2", None).await;
    assert_eq!(status, StatusCode::OK, "{calendar}");
    assert_eq!(calendar["items"][0]["title"], "Café du lundi (1/3)");
    assert_eq!(calendar["items"].as_array().unwrap().len(), 2, "{calendar}");
    let next = calendar["next_cursor"].as_str().unwrap().to_owned();
    let (_, rest) = api(
        Method::GET,
        &format!("calendar?limit=2&cursor={next}"),
        None,
    )
    .await;
    assert_eq!(rest["items"][0]["title"], "Café du lundi (3/3)", "{rest}");
    assert_eq!(rest["next_cursor"], Value::Null);
    let (status, calendar) = api(Method::GET, "calendar?from=2020-01-01&to=2099-12-31", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{calendar}");

    // The queue: a slot on every day at 09:30, then a post in the next free one.
    let (status, slots) = api(
        Method::POST,
        "queue-slots",
        Some(json!({"channel_id": channel.id, "weekdays": [1, 2, 3, 4, 5, 6, 7], "time": "09:30"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{slots}");
    assert_eq!(slots["items"].as_array().unwrap().len(), 7);
    let (status, queued) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "En file", "channels": [channel.id], "common": {"fr": "Bonjour"}, "schedule": "queue"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    let at = queued["items"][0]["scheduled_at"].as_i64().unwrap();
    let local = jiff::Timestamp::from_second(at)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap());
    assert_eq!((local.hour(), local.minute()), (9, 30));
    let slot = slots["items"][0]["id"].as_i64().unwrap();
    let (status, _) = api(Method::DELETE, &format!("queue-slots/{slot}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api(Method::DELETE, &format!("queue-slots/{slot}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Approval in one team step by Alex.
    let (status, policy) = api(
        Method::PUT,
        "approval-policy",
        Some(json!({"steps": [{"name": "Relecture", "approvers": [alex.id]}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    let (status, error) = api(
        Method::PUT,
        "approval-policy",
        Some(json!({"steps": [{"name": "Relecture", "approvers": [987_654]}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let approval = format!("posts/{draft_id}/approval");
    let (status, sent) = api(
        Method::POST,
        &approval,
        Some(json!({"scheduled_at": future})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["sent_to"], "team");
    let mails = app.store.recent_mail(10).await.unwrap();
    assert!(
        mails.iter().any(|m| m.to == "alex@brand.example"),
        "the step's approver is told"
    );
    let (status, again) = api(
        Method::POST,
        &approval,
        Some(json!({"scheduled_at": future})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let votes = format!("posts/{draft_id}/votes");
    let (status, refused) = api(Method::POST, &votes, Some(json!({"decision": "approve"}))).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "Camille is not the step's approver: {refused}"
    );
    let alex_client = new_client();
    app.login_with(&alex_client, "alex@brand.example", PASSWORD)
        .await;
    let alex_token = app.api_token(&alex_client, "brand").await;
    let (status, voted) = app
        .api_call(
            &alex_token,
            Method::POST,
            &votes,
            Some(json!({"decision": "approve", "comment": "Parfait"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{voted}");
    assert_eq!(voted["outcome"], "scheduled");
    let (status, comment) = api(
        Method::POST,
        &format!("posts/{draft_id}/comments"),
        Some(json!({"text": "Merci Alex"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{comment}");
    let (_, detail) = api(Method::GET, &format!("posts/{draft_id}"), None).await;
    assert_eq!(detail["state"], "scheduled");
    assert_eq!(detail["scheduled_at"], future);
    let history = detail["history"].to_string();
    assert!(
        history.contains("Parfait") && history.contains("Merci Alex"),
        "{history}"
    );

    // Replaced: a new time alone keeps the approval; new words send it back to draft.
    let put = |body: Value| api(Method::PUT, &format!("posts/{draft_id}"), Some(body));
    let (status, moved) = put(json!({"title": "Nouveau café", "channels": [channel.id],
        "common": {"fr": "Notre café d'Éthiopie est arrivé"}, "scheduled_at": future + 3_600}))
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (moved["state"].as_str(), moved["approval_reset"].as_bool()),
        (Some("scheduled"), Some(false))
    );
    let (status, reset) = put(json!({"title": "Nouveau café", "channels": [channel.id],
        "common": {"fr": "Notre café d'Éthiopie est enfin arrivé"}, "scheduled_at": future + 3_600}))
    .await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    assert_eq!(
        (reset["state"].as_str(), reset["approval_reset"].as_bool()),
        (Some("draft"), Some(true))
    );
    let (status, error) = put(json!({"title": "Nouveau café", "channels": [channel.id],
        "common": {"fr": "Bonjour"}, "repeat": {"every": "day", "count": 2}}))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    // Off the schedule, then deleted.
    let weekly = items[2]["id"].as_i64().unwrap();
    let (status, back) = api(Method::POST, &format!("posts/{weekly}/unschedule"), None).await;
    assert_eq!(
        (status, back["state"].as_str()),
        (StatusCode::OK, Some("draft"))
    );
    let (status, _) = api(Method::POST, &format!("posts/{weekly}/unschedule"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "already a draft");
    let (status, _) = api(Method::DELETE, &format!("posts/{weekly}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api(Method::GET, &format!("posts/{weekly}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The media library: bytes in, their kind read from them.
    let upload = |content_type: &'static str, bytes: Vec<u8>| {
        let request = app
            .client
            .post(
                app.url("/api/v1/workspace/media?filename=moka.png&alt=Un%20moka%20sur%20le%20feu"),
            )
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(bytes);
        async move {
            let response = request.send().await.unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or_default(),
            )
        }
    };
    let (status, media) = upload("image/png", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    assert_eq!(
        (media["width"].as_i64(), media["height"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(media["alt"], "Un moka sur le feu");
    let (status, error) = upload("image/png", b"not an image at all".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, error) = upload("application/json", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{error}");
    let id = media["id"].as_i64().unwrap();
    let (status, changed) = api(
        Method::PATCH,
        &format!("media/{id}"),
        Some(json!({"alt": "Une cafetière italienne"})),
    )
    .await;
    assert_eq!(
        (status, changed["alt"].as_str()),
        (StatusCode::OK, Some("Une cafetière italienne"))
    );
    let (status, made) = api(
        Method::POST,
        "posts",
        Some(json!({"title": "Avec image", "channels": [channel.id], "common": {"fr": "Le moka"}, "media": [id]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (_, library) = api(Method::GET, "media", None).await;
    assert_eq!(library["items"][0]["id"], id);
}
