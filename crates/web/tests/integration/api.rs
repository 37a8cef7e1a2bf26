//! The JSON API: token authentication, the error shape, the OpenAPI document.

use jardinier_domain::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    tokens_authenticate_until_revoked,
    api_writes_validate_and_respect_roles,
    the_openapi_document_lists_every_route,
    listening_through_the_api,
    the_inbox_through_the_api
);

async fn tokens_authenticate_until_revoked(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;

    let response = app.get("/api/v1/me").await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a session cookie is not an API credential"
    );
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Bearer")
    );

    let token = app.api_token(&app.client, "brand").await;
    assert!(token.starts_with("jdn_") && token.len() == 68, "{token}");
    let stored = app.store.api_tokens(ws.id, owner.id).await.unwrap();
    assert!(
        !format!("{stored:?}").contains(&token[4..]),
        "only a hash is stored"
    );
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "camille@brand.example");
    assert_eq!(me["workspace"]["slug"], "brand");
    assert_eq!(me["role"], "owner");
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .contains(&Value::from("manage_workspace"))
    );

    let bad = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth("jdn_0000")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .post(
            &format!("/w/brand/settings/tokens/{}/revoke", stored[0].id),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let revoked = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
}

async fn api_writes_validate_and_respect_roles(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "tom@brand.example", Role::Analyst).await;
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let post = |body: Value, token: String| {
        let request = app
            .client
            .post(app.url("/api/v1/workspace/invitations"))
            .bearer_auth(token);
        async move { request.json(&body).send().await.unwrap() }
    };

    let response = post(
        serde_json::json!({"email": "nope", "role": "overlord"}),
        token.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["email", "role"]);
    assert_eq!(body["error"]["fields"][0]["code"], "email_invalid");

    let response = app
        .client
        .post(app.url("/api/v1/workspace/invitations"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_body");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{body}"
    );

    let response = post(
        serde_json::json!({"email": "lou@brand.example", "role": "editor", "lang": "fr"}),
        token.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["email"], "lou@brand.example");
    let mail = app.store.recent_mail(1).await.unwrap().remove(0);
    assert_eq!(mail.subject, "Rejoignez Brand brand sur Jardinier");
    let list: Value = app
        .client
        .get(app.url("/api/v1/workspace/invitations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // An analyst's token reads but cannot invite.
    let tom = new_client();
    app.login_with(&tom, "tom@brand.example", PASSWORD).await;
    let tom_token = app.api_token(&tom, "brand").await;
    assert_eq!(
        app.client
            .get(app.url("/api/v1/workspace/team"))
            .bearer_auth(&tom_token)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let response = post(
        serde_json::json!({"email": "x@brand.example", "role": "owner"}),
        tom_token.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );

    let id = created["id"].as_i64().unwrap();
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/workspace/invitations/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        app.store
            .pending_invitations(ws.id, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_openapi_document_lists_every_route(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;

    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut listed: Vec<String> = paths
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            "DELETE /api/v1/workspace/alert-rules/{id}",
            "DELETE /api/v1/workspace/inbox-views/{id}",
            "DELETE /api/v1/workspace/invitations/{id}",
            "DELETE /api/v1/workspace/members/{id}",
            "DELETE /api/v1/workspace/posts/{id}",
            "DELETE /api/v1/workspace/queue-slots/{id}",
            "DELETE /api/v1/workspace/saved-replies/{id}",
            "DELETE /api/v1/workspace/webhooks/{id}",
            "GET /api/v1/me",
            "GET /api/v1/openapi.json",
            "GET /api/v1/workspace",
            "GET /api/v1/workspace/alert-rules",
            "GET /api/v1/workspace/alerts",
            "GET /api/v1/workspace/approval-policy",
            "GET /api/v1/workspace/audit",
            "GET /api/v1/workspace/calendar",
            "GET /api/v1/workspace/campaigns",
            "GET /api/v1/workspace/campaigns/{id}/test-sends",
            "GET /api/v1/workspace/channels",
            "GET /api/v1/workspace/conversations",
            "GET /api/v1/workspace/conversations/{id}",
            "GET /api/v1/workspace/dashboards/listening",
            "GET /api/v1/workspace/dashboards/publishing",
            "GET /api/v1/workspace/inbox-views",
            "GET /api/v1/workspace/invitations",
            "GET /api/v1/workspace/labels",
            "GET /api/v1/workspace/media",
            "GET /api/v1/workspace/members",
            "GET /api/v1/workspace/members/{id}",
            "GET /api/v1/workspace/members/{id}/export",
            "GET /api/v1/workspace/mentions",
            "GET /api/v1/workspace/newsletter-lists",
            "GET /api/v1/workspace/newsletter-lists/{id}/subscribers",
            "GET /api/v1/workspace/posts",
            "GET /api/v1/workspace/posts/{id}",
            "GET /api/v1/workspace/queries",
            "GET /api/v1/workspace/queue-slots",
            "GET /api/v1/workspace/saved-replies",
            "GET /api/v1/workspace/sources",
            "GET /api/v1/workspace/team",
            "GET /api/v1/workspace/webhooks",
            "GET /api/v1/workspace/webhooks/{id}/deliveries",
            "PATCH /api/v1/workspace/media/{id}",
            "PATCH /api/v1/workspace/members/{id}",
            "PATCH /api/v1/workspace/sources/{id}",
            "PATCH /api/v1/workspace/webhooks/{id}",
            "POST /api/v1/workspace/alert-rules",
            "POST /api/v1/workspace/alerts/{id}/acknowledge",
            "POST /api/v1/workspace/campaigns",
            "POST /api/v1/workspace/campaigns/{id}/send",
            "POST /api/v1/workspace/campaigns/{id}/test-sends",
            "POST /api/v1/workspace/channels",
            "POST /api/v1/workspace/conversations/{id}/changes",
            "POST /api/v1/workspace/conversations/{id}/replies",
            "POST /api/v1/workspace/inbox-views",
            "POST /api/v1/workspace/invitations",
            "POST /api/v1/workspace/media",
            "POST /api/v1/workspace/member-merges/{id}/undo",
            "POST /api/v1/workspace/members/{id}/identities",
            "POST /api/v1/workspace/members/{id}/identities/remove",
            "POST /api/v1/workspace/members/{id}/merge",
            "POST /api/v1/workspace/members/{id}/notes",
            "POST /api/v1/workspace/mentions/{id}/inbox",
            "POST /api/v1/workspace/newsletter-lists",
            "POST /api/v1/workspace/newsletter-lists/{id}/subscribers",
            "POST /api/v1/workspace/posts",
            "POST /api/v1/workspace/posts/{id}/approval",
            "POST /api/v1/workspace/posts/{id}/comments",
            "POST /api/v1/workspace/posts/{id}/retry",
            "POST /api/v1/workspace/posts/{id}/unschedule",
            "POST /api/v1/workspace/posts/{id}/votes",
            "POST /api/v1/workspace/queries",
            "POST /api/v1/workspace/queue-slots",
            "POST /api/v1/workspace/saved-replies",
            "POST /api/v1/workspace/sources",
            "POST /api/v1/workspace/webhook-deliveries/{id}/redeliver",
            "POST /api/v1/workspace/webhooks",
            "POST /api/v1/workspace/webhooks/{id}/test",
            "PUT /api/v1/workspace/approval-policy",
            "PUT /api/v1/workspace/campaigns/{id}",
            "PUT /api/v1/workspace/posts/{id}",
        ]
    );
    // Every schema reference resolves.
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling schema {name}"
        );
    }
    // Every documented GET route without a path parameter answers with its documented status.
    for (path, ops) in paths.iter().filter(|(path, _)| !path.contains('{')) {
        if let Some(get) = ops.get("get") {
            let response = app
                .client
                .get(app.url(path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(
                get["responses"].get(response.status().as_str()).is_some(),
                "{path} answered {}",
                response.status()
            );
        }
    }
}

async fn listening_through_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "tom@brand.example", Role::Analyst).await;
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let call = |method: reqwest::Method, path: &str, body: Option<Value>, token: &str| {
        let mut request = app
            .client
            .request(method, app.url(&format!("/api/v1/workspace/{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method;
    use serde_json::json;

    // Settings are checked by the connector that will read them, with its words.
    let (status, body) = call(
        Method::POST,
        "sources",
        Some(json!({"kind": "feed", "name": "Blog", "config": {"url": "blog.example/feed"}})),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "config");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("config: "),
        "{body}"
    );
    let imap = json!({"kind": "imap", "name": "Contact", "config": {"host": "mail.brand.example", "port": 993, "security": "tls", "username": "contact"}});
    let (status, body) = call(Method::POST, "sources", Some(imap.clone()), &token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["field"], "password");
    let mut with_password = imap.clone();
    with_password["password"] = json!("p4ss-du-contact");
    let (status, body) = call(Method::POST, "sources", Some(with_password), &token).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["config"]["mailbox"], "INBOX");
    assert!(body.get("secret").is_none() && !body.to_string().contains("p4ss"));
    let (status, body) = call(
        Method::POST,
        "sources",
        Some(json!({"kind": "bluesky", "name": "Bsky", "config": {"search": "brulerie"}, "interval_minutes": 10})),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            body["config"]["base"].as_str(),
            body["interval_minutes"].as_i64()
        ),
        (Some("https://public.api.bsky.app"), Some(10))
    );

    // A webhook source: its address and, once, its secret; then a mention sent to it.
    let (status, hook) = call(
        Method::POST,
        "sources",
        Some(json!({"kind": "webhook", "name": "Zapier"})),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let hook_id = hook["id"].as_i64().unwrap();
    let secret = hook["secret"].as_str().unwrap();
    assert!(
        hook["config"]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/hooks/{hook_id}"))
    );

    // Saved searches: an invalid query says where and what.
    let (status, body) = call(
        Method::POST,
        "queries",
        Some(json!({"name": "Marque", "query": "brulerie AND (canal"})),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"][0]["field"], "query");
    assert_eq!(body["error"]["position"], 13, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("column 14"),
        "{body}"
    );
    let (status, query) = call(
        Method::POST,
        "queries",
        Some(json!({"name": "Marque", "query": "brulerie NEAR/3 canal", "kind": "brand"})),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{query}");
    let (_, queries) = call(Method::GET, "queries", None, &token).await;
    assert_eq!(queries["items"][0]["query"], "brulerie NEAR/3 canal");

    let payload = json!({"items": [
        {"id": "m1", "text": "La Brûlerie du Canal torréfie un café exceptionnel, j'adore !", "author": {"name": "Léa", "handle": "@lea", "reach": 900}},
        {"id": "m2", "text": "Rien à voir avec le sujet.", "quote_of": "m1"}
    ]})
    .to_string();
    let response = app
        .client
        .post(app.url(&format!("/hooks/{hook_id}")))
        .header("content-type", "application/json")
        .header(
            "x-jardinier-signature",
            jardinier_listening::sign(secret, payload.as_bytes()),
        )
        .body(payload)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let (status, mentions) = call(Method::GET, "mentions?limit=1", None, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mentions["items"].as_array().unwrap().len(), 1);
    let next = mentions["next_before"].as_i64().expect("a next page");
    let (_, older) = call(
        Method::GET,
        &format!("mentions?limit=1&before={next}"),
        None,
        &token,
    )
    .await;
    assert_eq!(older["items"].as_array().unwrap().len(), 1);
    assert_ne!(older["items"][0]["id"], mentions["items"][0]["id"]);
    // m2 quotes m1 (sent in the same delivery).
    assert_eq!(mentions["items"][0]["quote_of"], older["items"][0]["id"]);
    assert_eq!(mentions["items"][0]["quoted_ref"], "m1");
    let stream = app.text("/w/brand/listening").await.1;
    assert!(
        stream.contains(&format!("quotes mention #{}", older["items"][0]["id"])),
        "the stream says what a mention quotes"
    );
    let (_, matching) = call(
        Method::GET,
        &format!("mentions?query={}", query["id"]),
        None,
        &token,
    )
    .await;
    let items = matching["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{matching}");
    assert_eq!(
        (
            items[0]["author"].as_str(),
            items[0]["lang"].as_str(),
            items[0]["sentiment"].as_str()
        ),
        (Some("Léa"), Some("fr"), Some("positive"))
    );
    assert_eq!(items[0]["searches"][0], "Marque");
    let (_, searched) = call(Method::GET, "mentions?q=exceptionnels", None, &token).await;
    assert_eq!(
        searched["items"].as_array().unwrap().len(),
        1,
        "stemmed archive search"
    );

    // Pausing; the list shows the state and never a secret.
    let (status, paused) = call(
        Method::PATCH,
        &format!("sources/{hook_id}"),
        Some(json!({"enabled": false})),
        &token,
    )
    .await;
    assert_eq!(
        (status, paused["enabled"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    let (_, sources) = call(Method::GET, "sources", None, &token).await;
    let text = sources.to_string();
    assert_eq!(sources["items"].as_array().unwrap().len(), 3);
    assert!(!text.contains(secret) && !text.contains("p4ss"), "{text}");
    let hook_row = sources["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == hook_id)
        .unwrap();
    assert_eq!(hook_row["item_count"], 2);

    // An analyst reads, but changes nothing; another workspace's source is not found.
    let tom = new_client();
    app.login_with(&tom, "tom@brand.example", PASSWORD).await;
    let tom_token = app.api_token(&tom, "brand").await;
    assert_eq!(
        call(Method::GET, "sources", None, &tom_token).await.0,
        StatusCode::OK
    );
    let (status, _) = call(
        Method::POST,
        "queries",
        Some(json!({"name": "X", "query": "x"})),
        &tom_token,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other_owner = app.user("zoe@other.example", "Zoé").await;
    let other = app.workspace("other", &other_owner).await;
    let foreign = app
        .store
        .create_source(&jardinier_store::NewSource {
            workspace_id: other.id,
            kind: "webhook",
            name: "Theirs",
            config: "{}",
            secret: Some("s"),
            interval_secs: 0,
            now: 1,
        })
        .await
        .unwrap();
    let (status, _) = call(
        Method::PATCH,
        &format!("sources/{}", foreign.id),
        Some(json!({"enabled": false})),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        app.store
            .source_by_id(foreign.id)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
}

async fn the_inbox_through_the_api(backend: Backend) {
    use serde_json::json;
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let analyst = app.member(&ws, "ana@brand.example", Role::Analyst).await;
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
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let call = |method: reqwest::Method, path: String, body: Option<Value>, token: String| {
        let mut request = app
            .client
            .request(method, app.url(&format!("/api/v1/workspace/{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method;
    let (status, sent) = call(
        Method::POST,
        format!("mentions/{item}/inbox"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let id = sent["conversation_id"].as_i64().unwrap();
    let (_, list) = call(Method::GET, "conversations".into(), None, token.clone()).await;
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["items"][0]["state"], "new");

    let changes = format!("conversations/{id}/changes");
    let (status, body) = call(
        Method::POST,
        changes.clone(),
        Some(json!({"state": "assigned"})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("needs an assignee"),
        "{body}"
    );
    let (status, _) = call(
        Method::POST,
        changes.clone(),
        Some(json!({"state": "done", "note": "x"})),
        token.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "exactly one change"
    );
    let (status, body) = call(
        Method::POST,
        changes.clone(),
        Some(json!({"assign": analyst.id})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(
        Method::POST,
        changes.clone(),
        Some(json!({"assign": owner.id})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["state"].as_str(), body["assignee"]["name"].as_str()),
        (Some("assigned"), Some("Camille"))
    );
    let (_, body) = call(
        Method::POST,
        changes.clone(),
        Some(json!({"note": "Rappeler demain"})),
        token.clone(),
    )
    .await;
    assert_eq!(body["state"], "assigned");
    let (_, body) = call(
        Method::POST,
        changes.clone(),
        Some(json!({"assign": null})),
        token.clone(),
    )
    .await;
    assert_eq!(
        (body["state"].as_str(), body["assignee"].is_null()),
        (Some("new"), true)
    );

    let (_, detail) = call(
        Method::GET,
        format!("conversations/{id}"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(
        detail["mentions"][0]["text"],
        "Ma commande n'est pas arrivée"
    );
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["opened", "assigned", "state", "note", "assigned", "state"]
    );
    let (_, mine) = call(
        Method::GET,
        "conversations?who=me".into(),
        None,
        token.clone(),
    )
    .await;
    assert!(mine["items"].as_array().unwrap().is_empty());
    let (status, _) = call(
        Method::GET,
        "conversations?state=closed".into(),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // An analyst does not work the inbox; another workspace's conversation is not found.
    let ana = new_client();
    app.login_with(&ana, "ana@brand.example", PASSWORD).await;
    let ana_token = app.api_token(&ana, "brand").await;
    let (status, _) = call(Method::GET, "conversations".into(), None, ana_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        Method::GET,
        format!("conversations/{}", id + 1000),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
