//! The JSON API: token authentication, the error shape, the OpenAPI document.

use jardinier_domain::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    tokens_authenticate_until_revoked,
    api_writes_validate_and_respect_roles,
    the_openapi_document_lists_every_route
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
            "DELETE /api/v1/workspace/invitations/{id}",
            "GET /api/v1/me",
            "GET /api/v1/openapi.json",
            "GET /api/v1/workspace",
            "GET /api/v1/workspace/audit",
            "GET /api/v1/workspace/invitations",
            "GET /api/v1/workspace/team",
            "POST /api/v1/workspace/invitations",
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
    // Every documented GET route answers with its documented status.
    for (path, ops) in paths {
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
