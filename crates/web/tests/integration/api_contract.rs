//! Issue 14, items 7 and 9: the API answers what its document says, with one JSON error body
//! for every refusal, and its lists page with cursors that hold while items are added.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

both_backends!(conversations_page_by_cursor_without_gaps_or_repeats_while_new_ones_arrive,);

async fn api(app: &TestApp) -> (String, jardinier_store::Workspace) {
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    (app.api_token(&app.client, "brand").await, ws)
}

/// Probes that got plain text, or a 200, before: each now answers the error body.
#[tokio::test]
async fn every_refusal_is_the_json_error_body() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let (token, _) = api(&app).await;
    let url = |path: &str| app.url(&format!("/api/v1/workspace/{path}"));
    let client = &app.client;
    let send = |request: reqwest::RequestBuilder| {
        let request = request.bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                content_type.starts_with("application/json"),
                "{status}: {content_type}"
            );
            assert!(body["error"]["message"].is_string(), "{status}: {body}");
            (
                status,
                body["error"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    };
    let cases = [
        (client.get(url("conversations/abc")), StatusCode::BAD_REQUEST, "invalid_path"),
        (client.patch(url("sources/1.5")).json(&json!({"enabled": true})), StatusCode::BAD_REQUEST, "invalid_path"),
        (client.get(url("conversations?limit=ten")), StatusCode::BAD_REQUEST, "invalid_query"),
        (client.get(url("conversations?limit=0")), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.get(url("conversations?limit=201")), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.get(url("conversations?cursor=12")), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.get(url("conversations?who=someone")), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.get(url("mentions?to=yesterday")), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.get(url("mentions?sentiment=angry")), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.post(url("queries")).body("{\"name\": ").header("content-type", "application/json"), StatusCode::BAD_REQUEST, "invalid_body"),
        (client.post(url("queries")).body("{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_body"),
        (client.post(url("queries")).json(&json!(["Marque", "café"])), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (client.post(url("queries")).json(&json!({"name": "x", "query": "café", "colour": "red"})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
        (client.post(url("queries")).body(vec![b' '; 2 * 1024 * 1024]).header("content-type", "application/json"), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        (client.post(url("sources")).json(&json!({"kind": "feed", "name": "Blog", "config": {"url": "https://a.example/feed", "every": 5}})), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.post(url("sources")).json(&json!({"kind": "feed", "name": "Blog", "config": {"url": "https://a.example/feed"}, "interval_minutes": -944579745})), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (client.put(url("queries")), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (client.get(url("nothing-here")), StatusCode::NOT_FOUND, "not_found"),
    ];
    for (request, status, code) in cases {
        let described = format!("{request:?}");
        assert_eq!(
            send(request).await,
            (status, code.to_owned()),
            "{described}"
        );
    }
    // Nothing of it was stored.
    let sources: Value = client
        .get(url("sources"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sources["items"], json!([]));
}

/// The document declares what each route reads and every status it can answer.
#[tokio::test]
async fn the_document_declares_parameters_bounds_and_statuses() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let statuses: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            let at = format!("{method} {path}");
            if path.contains("{id}") {
                assert!(
                    params.contains(&"id")
                        && statuses.contains(&"400")
                        && statuses.contains(&"404"),
                    "{at}"
                );
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(statuses.contains(&s), "{at} lacks {s}");
                }
            }
            if path != "/api/v1/openapi.json" {
                assert!(
                    statuses.contains(&"401") && statuses.contains(&"403"),
                    "{at}"
                );
            }
            // Every list pages, and says how.
            let schema = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap_or_default();
            if method == "get" && schema.ends_with("List") {
                assert!(
                    params.contains(&"limit") && params.contains(&"cursor"),
                    "{at}"
                );
                let name = schema.rsplit('/').next().unwrap();
                assert!(
                    doc["components"]["schemas"][name]["required"]
                        .as_array()
                        .unwrap()
                        .contains(&json!("next_cursor")),
                    "{name}"
                );
            }
        }
    }
    let conversations = &doc["paths"]["/api/v1/workspace/conversations"]["get"]["parameters"];
    let names: Vec<&str> = conversations
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["limit", "cursor", "state", "who", "label", "queue", "q"]
    );
    let limit = &conversations[0]["schema"];
    assert_eq!(
        (limit["minimum"].as_i64(), limit["maximum"].as_i64()),
        (Some(1), Some(200))
    );
    let feed = doc["components"]["schemas"]["NewSource"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["properties"]["kind"]["const"] == "feed")
        .unwrap()
        .clone();
    assert_eq!(feed["properties"]["interval_minutes"]["minimum"], 5);
    assert_eq!(feed["additionalProperties"], false);
}

/// Item 9: a client reading the inbox page by page while conversations keep arriving sees every
/// conversation that was there when it started, once.
async fn conversations_page_by_cursor_without_gaps_or_repeats_while_new_ones_arrive(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, ws) = api(&app).await;
    let source = app
        .store
        .create_source(&jardinier_store::NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Hook",
            config: r#"{"inbox": true}"#,
            secret: Some("k"),
            interval_secs: 0,
            now: 1,
        })
        .await
        .unwrap();
    let arrive = |n: usize, at: i64| {
        let app = &app;
        let source = source.clone();
        async move {
            let items = (0..n)
                .map(|i| jardinier_listening::IncomingItem {
                    external_id: format!("m{at}-{i}"),
                    text: format!("Message {at}-{i}"),
                    author_name: Some(format!("Person {at}-{i}")),
                    ..Default::default()
                })
                .collect();
            app.ingestor.ingest(&source, items, at).await.unwrap();
        }
    };
    // Seven conversations, two of them at the same moment (the cursor breaks ties by id).
    arrive(5, 1_000).await;
    arrive(2, 1_001).await;
    let list = |cursor: Option<String>| {
        let app = &app;
        let token = token.clone();
        async move {
            let mut url = app.url("/api/v1/workspace/conversations?limit=3");
            if let Some(cursor) = cursor {
                url.push_str(&format!("&cursor={cursor}"));
            }
            let body: Value = app
                .client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let ids: Vec<i64> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            (ids, body["next_cursor"].as_str().map(str::to_owned))
        }
    };
    let (all, _) = {
        let app = &app;
        let body: Value = app
            .client
            .get(app.url("/api/v1/workspace/conversations?limit=200"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert!(body["next_cursor"].is_null(), "one page holds them all");
        (ids, ())
    };
    assert_eq!(all.len(), 7);
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let (ids, next) = list(cursor).await;
        seen.extend(ids);
        pages += 1;
        // New conversations arrive between two pages: they are newer, so before the cursor.
        arrive(2, 2_000 + pages).await;
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, all, "every conversation once, in order");
    assert_eq!(pages, 3);
}
