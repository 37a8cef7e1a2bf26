//! Issue 14, item 8: an owner subscribes an address to events in Settings (in French) or
//! through the API, sends a test event, and reads the delivery log; the events are written with
//! the changes they report. The delivery itself (signature, retries, a receiver that was down)
//! is tested in `crates/outbound/tests/event_hooks.rs`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    an_owner_subscribes_an_address_and_reads_its_log,
    mentions_matched_and_alerts_raised_become_events,
);

/// Mentions are written by the batch writer (rusqlite on SQLite), alerts too: their events are
/// written in the same transactions.
async fn mentions_matched_and_alerts_raised_become_events(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/listening/queries",
        &[("name", "Marque"), ("kind", "brand"), ("query", "brulerie")],
    )
    .await;
    let query = app.store.listening_queries(ws.id).await.unwrap().remove(0);
    let (source, secret) = crate::listening::webhook_source(&app, "brand").await;
    let response = app
        .post(
            "/w/brand/listening/alerts/rules",
            &[
                ("query_id", &query.id.to_string()),
                ("kind", "keyword"),
                ("keywords", "malade*"),
                ("ch_email", "oncall@brand.example"),
                ("lang", "fr"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening/alerts?done=alert_rule_created"
    );
    let events = ["mention.matched".to_owned(), "alert.raised".to_owned()];
    let hook = app
        .store
        .create_webhook(&jardinier_store::NewWebhookSubscription {
            workspace_id: ws.id,
            url: "https://crm.example/hook",
            secret: "s",
            events: &events,
            description: "",
            created_by: None,
            now: 1,
        })
        .await
        .unwrap();
    let body = json!({"items": [
        {"id": "a", "text": "Clients malades après la brulerie ?!", "author": "Léa"},
        {"id": "b", "text": "Rien à voir avec le sujet", "author": "Sam"},
    ]})
    .to_string();
    let (status, _) = crate::listening::deliver(
        &app,
        source,
        &body,
        Some(crate::listening::signed(&secret, &body)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.ingestor.settle_alerts().await;
    let deliveries = app
        .store
        .webhook_deliveries(ws.id, hook.id, None, 10)
        .await
        .unwrap();
    let mut got: Vec<(String, Value)> = deliveries
        .iter()
        .map(|d| (d.event.clone(), serde_json::from_str(&d.payload).unwrap()))
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(),
        ["alert.raised", "mention.matched"],
        "one mention matched (the other matched no search), one alert"
    );
    let mention = &got[1].1["data"];
    assert_eq!(
        mention["mention"]["text"],
        "Clients malades après la brulerie ?!"
    );
    assert_eq!(mention["query_ids"], json!([query.id]));
    let alert = &got[0].1["data"]["alert"];
    assert_eq!(alert["query_id"], query.id);
    assert!(
        alert["summary"].as_str().unwrap().contains("Léa"),
        "{alert}"
    );
}

async fn an_owner_subscribes_an_address_and_reads_its_log(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post("/lang", &[("lang", "fr"), ("next", "/")]).await;

    let (status, html) = app.text("/w/brand/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("/w/brand/settings/webhooks") && html.contains("Webhooks sortants"),
        "{html}"
    );
    let (_, html) = app.text("/w/brand/settings/webhooks").await;
    assert!(
        html.contains("Conversation ouverte") && html.contains("Profil effacé"),
        "{html}"
    );

    // Mistakes are said where they are, and nothing is stored.
    let response = app
        .post(
            "/w/brand/settings/webhooks",
            &[("url", "crm.example/hook"), ("description", "CRM")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Cochez au moins un événement"), "{html}");
    assert!(app.store.webhooks(ws.id).await.unwrap().is_empty());

    let response = app
        .post(
            "/w/brand/settings/webhooks",
            &[
                ("url", "https://crm.example/hooks/jardinier"),
                ("description", "CRM de l'agence"),
                ("events", "conversation.opened"),
                ("events", "post.published"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    let marker = "data-testid=\"webhook-secret\">";
    let secret = &html[html.find(marker).unwrap() + marker.len()..][..64];
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()), "{secret}");
    assert!(
        html.contains("Conversation ouverte, Publication publiée"),
        "{html}"
    );
    let hooks = app.store.webhooks(ws.id).await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].events, ["conversation.opened", "post.published"]);
    let id = hooks[0].id;
    let (_, page) = app.text("/w/brand/settings/webhooks").await;
    assert!(!page.contains(secret), "the secret is shown once");

    // A test event, in the log.
    let response = app
        .post(
            &format!("/w/brand/settings/webhooks/{id}/action"),
            &[("action", "test")],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("/w/brand/settings/webhooks/{id}?done=webhook_test_queued")
    );
    let (_, log) = app.text(&format!("/w/brand/settings/webhooks/{id}")).await;
    assert!(
        log.contains("Événement de test") && log.contains("En attente"),
        "{log}"
    );

    // Through the API: the same address, and a second one.
    let token = app.api_token(&app.client, "brand").await;
    let api = |method: reqwest::Method, path: &str, body: Option<Value>| {
        app.api_call(&token, method, path, body)
    };
    use reqwest::Method;
    let (status, list) = api(Method::GET, "webhooks", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["items"][0]["url"],
        "https://crm.example/hooks/jardinier"
    );
    assert_eq!(list["items"][0]["deliveries"]["pending"], 1);
    assert!(list["items"][0].get("secret").is_none());
    let (status, error) = api(
        Method::POST,
        "webhooks",
        Some(json!({"url": "https://n8n.example/x", "events": ["mention.everything"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, created) = api(Method::POST, "webhooks", Some(json!({"url": "https://n8n.example/x", "events": ["conversation.opened", "member.erased"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["secret"].as_str().unwrap().len(), 64);
    let second = created["id"].as_i64().unwrap();
    let (status, _) = api(
        Method::PATCH,
        &format!("webhooks/{second}"),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A conversation opened: one delivery for the active address that wants it, none for the
    // paused one, written with the conversation.
    let source = app
        .store
        .create_source(&jardinier_store::NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Hook",
            config: "{}",
            secret: Some("k"),
            interval_secs: 0,
            now: 1,
        })
        .await
        .unwrap();
    let item = app
        .ingestor
        .ingest(
            &source,
            vec![jardinier_listening::IncomingItem {
                external_id: "m1".into(),
                text: "Ma commande n'est pas arrivée".into(),
                author_name: Some("Léa".into()),
                author_handle: Some("@lea@piaille.example".into()),
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    let (status, sent) = api(Method::POST, &format!("mentions/{item}/inbox"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (_, log) = api(Method::GET, &format!("webhooks/{id}/deliveries"), None).await;
    let events: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["conversation.opened", "webhook.test"]);
    assert_eq!(
        log["items"][0]["payload"]["data"]["conversation"]["id"],
        sent["conversation_id"]
    );
    let (_, paused) = api(Method::GET, &format!("webhooks/{second}/deliveries"), None).await;
    assert_eq!(paused["items"], json!([]));

    // Erasing the person takes their deliveries with them (the JSON is not rewritten: deleted).
    let (_, opened) = api(
        Method::GET,
        &format!("conversations/{}", sent["conversation_id"]),
        None,
    )
    .await;
    let lea = opened["member_id"]
        .as_i64()
        .expect("a profile for the person who wrote");
    let (status, _) = api(Method::DELETE, &format!("members/{lea}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, log) = api(Method::GET, &format!("webhooks/{id}/deliveries"), None).await;
    let events: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["webhook.test"], "{log}");
    assert!(!log.to_string().contains("Léa"));

    // Another workspace's owner sees none of it.
    let other = app.user("sam@other.example", "Sam").await;
    app.workspace("other", &other).await;
    let client = new_client();
    app.login_with(&client, "sam@other.example", PASSWORD).await;
    let response = client
        .get(app.url(&format!("/w/other/settings/webhooks/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let (status, _) = api(Method::DELETE, &format!("webhooks/{second}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.store.webhooks(ws.id).await.unwrap().len(), 1);
}
