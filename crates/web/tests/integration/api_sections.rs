//! Issue 14, item 6 (in part): members, alerts and saved replies through the API, with the
//! pages' rules (roles, validation, conflicts) and the one error body.

use jardinier_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::members::{conversation_with, source};

#[tokio::test]
async fn member_pages_reach_past_the_first_thousand() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    for n in 0..1_005 {
        app.store
            .create_person(ws.id, &format!("Personne {n:04}"), 1)
            .await
            .unwrap();
    }
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let mut seen = 0;
    let mut cursor = String::new();
    loop {
        let (status, page) = app
            .api_call(
                &token,
                Method::GET,
                &format!("members?limit=200&cursor={cursor}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 1_005, "every profile, not the first thousand by name");
}

both_backends!(
    inbox_views_and_labels_through_the_api,
    members_and_saved_replies_through_the_api,
    posts_and_newsletters_read_through_the_api,
);

async fn posts_and_newsletters_read_through_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let channel = app
        .store
        .create_channel(&jardinier_store::NewChannel {
            workspace_id: ws.id,
            kind: "mastodon",
            name: "@brulerie",
            config: r#"{"base": "https://piaille.example"}"#,
            secret: Some("access-token-never-shown"),
            now: 1,
        })
        .await
        .unwrap();
    let post = app
        .store
        .create_post(&jardinier_store::NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Nouveau café",
            variants: &[jardinier_store::NewVariant::plain(
                channel.id,
                "Notre nouveau café d'Éthiopie est arrivé",
            )],
            campaign: "Automne",
            tags: &[],
            short_links: &[],
            media: &[],
            first_comment: None,
            poll: None,
            scheduled_at: Some(2_000_000_000),
            draft: false,
            now: 1,
        })
        .await
        .unwrap();
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let get = |path: String| {
        let request = app
            .client
            .get(app.url(&format!("/api/v1/workspace/{path}")))
            .bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, channels) = get("channels".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        channels.contains("@brulerie") && !channels.contains("access-token"),
        "{channels}"
    );
    let (status, posts) = get("posts".into()).await;
    assert_eq!(status, StatusCode::OK);
    let posts: Value = serde_json::from_str(&posts).unwrap();
    assert_eq!(posts["items"][0]["title"], "Nouveau café");
    assert_eq!(posts["items"][0]["scheduled_at"], 2_000_000_000_i64);
    assert_eq!(posts["items"][0]["deliveries"][0]["channel_id"], channel.id);
    let (status, detail) = get(format!("posts/{}", post.id)).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert!(detail.contains("\"history\""));
    let (status, _) = get("posts/999999".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, lists) = get("newsletter-lists".into()).await;
    assert_eq!(
        (status, lists.as_str()),
        (StatusCode::OK, r#"{"items":[],"next_cursor":null}"#)
    );
    let (status, _) = get("newsletter-lists/5/subscribers".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let post_json = |path: &str, body: Value| {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/workspace/{path}")))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, error) = post_json("newsletter-lists", json!({"name": "Lettre", "from_name": "Brûlerie", "from_address": "lettre@brand.example", "footer": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, list) = post_json("newsletter-lists", json!({"name": "Lettre", "from_name": "Brûlerie", "from_address": "lettre@brand.example", "footer": "Brûlerie du Canal, 12 quai de Valmy, Paris"})).await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    let list_id = list["id"].as_i64().unwrap();
    let path = format!("newsletter-lists/{list_id}/subscribers");
    let (status, added) =
        post_json(&path, json!({"email": "lea@example.fr", "consent": true})).await;
    assert_eq!(
        (status, added["outcome"].as_str(), added["status"].as_str()),
        (StatusCode::OK, Some("added"), Some("subscribed"))
    );
    let (_, again) = post_json(&path, json!({"email": "LEA@example.fr", "consent": true})).await;
    assert_eq!(again["outcome"], "already");
    let (_, pending) = post_json(&path, json!({"email": "sam@example.fr"})).await;
    assert_eq!(pending["status"], "pending");
    let mails = app.store.recent_mail(5).await.unwrap();
    assert_eq!(
        mails.iter().filter(|m| m.to == "sam@example.fr").count(),
        1,
        "the confirmation mail"
    );
    assert!(
        mails.iter().all(|m| m.to != "lea@example.fr"),
        "consent: no confirmation mail"
    );
    let (_, subscribers) = get(path.clone()).await;
    assert!(subscribers.contains("sam@example.fr") && subscribers.contains("lea@example.fr"));
    let (status, campaigns) = get("campaigns".into()).await;
    assert_eq!(
        (status, campaigns.as_str()),
        (StatusCode::OK, r#"{"items":[],"next_cursor":null}"#)
    );
    let (status, error) = post_json(
        "campaigns",
        json!({"list_id": 999, "subject": "Octobre", "markdown": "Bonjour"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, campaign) = post_json("campaigns", json!({"list_id": list_id, "subject": "Octobre", "markdown": "Le café du mois : [Yirgacheffe](https://brand.example/cafe)"})).await;
    assert_eq!(status, StatusCode::CREATED, "{campaign}");
    assert_eq!(campaign["state"], "draft");
    let id = campaign["id"].as_i64().unwrap();
    let (status, edited) = app
        .api_call(
            &token,
            Method::PUT,
            &format!("campaigns/{id}"),
            Some(json!({"list_id": list_id, "subject": "Octobre, la suite", "markdown": "Le café du mois"})),
        )
        .await;
    assert_eq!(
        (status, edited["subject"].as_str()),
        (StatusCode::OK, Some("Octobre, la suite"))
    );
    let (status, tests) = post_json(
        &format!("campaigns/{id}/test-sends"),
        json!({"to": ["camille@agence.example", "CAMILLE@agence.example"]}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{tests}");
    assert_eq!(
        tests["items"].as_array().unwrap().len(),
        1,
        "each address once"
    );
    let (status, error) = post_json(
        &format!("campaigns/{id}/test-sends"),
        json!({"to": ["pas-une-adresse"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (_, listed) = get(format!("campaigns/{id}/test-sends")).await;
    assert!(listed.contains("camille@agence.example"), "{listed}");
    let (status, sent) = post_json(&format!("campaigns/{id}/send"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    assert_eq!(
        sent["queued"], 1,
        "the subscribed address only, not the pending one"
    );
    let (status, again) = post_json(&format!("campaigns/{id}/send"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, late) = app
        .api_call(
            &token,
            Method::PUT,
            &format!("campaigns/{id}"),
            Some(json!({"list_id": list_id, "subject": "Trop tard", "markdown": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{late}");
}

async fn members_and_saved_replies_through_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "ana@brand.example", Role::Analyst).await;
    let masto = source(&app, ws.id, "mastodon").await;
    let sky = source(&app, ws.id, "bluesky").await;
    conversation_with(&app, ws.id, &masto, "m1", "@lea@piaille.example").await;
    conversation_with(&app, ws.id, &sky, "b1", "lea.bsky.social").await;
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let analyst = new_client();
    app.login_with(&analyst, "ana@brand.example", PASSWORD)
        .await;
    let analyst_token = app.api_token(&analyst, "brand").await;
    let call = |method: Method, path: String, body: Option<Value>, token: String| {
        app.api_call(&token, method, &path, body)
    };

    // Two profiles of Léa, one per network; searched by handle.
    let (status, found) = call(Method::GET, "members?q=piaille".into(), None, token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, all) = call(Method::GET, "members?limit=1".into(), None, token.clone()).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let cursor = all["next_cursor"].as_str().unwrap().to_owned();
    let (_, rest) = call(
        Method::GET,
        format!("members?limit=1&cursor={cursor}"),
        None,
        token.clone(),
    )
    .await;
    let keep = all["items"][0]["id"].as_i64().unwrap();
    let absorb = rest["items"][0]["id"].as_i64().unwrap();
    assert_ne!(keep, absorb);
    assert!(rest["next_cursor"].is_null());

    // An analyst reads but does not merge.
    let (status, _) = call(
        Method::POST,
        format!("members/{keep}/merge"),
        Some(json!({"absorb_id": absorb})),
        analyst_token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, error) = call(
        Method::POST,
        format!("members/{keep}/merge"),
        Some(json!({"absorb_id": keep})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, merged) = call(
        Method::POST,
        format!("members/{keep}/merge"),
        Some(json!({"absorb_id": absorb})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{merged}");
    let (_, profile) = call(Method::GET, format!("members/{keep}"), None, token.clone()).await;
    assert_eq!(
        profile["identities"].as_array().unwrap().len(),
        2,
        "{profile}"
    );
    assert_eq!(profile["conversation_ids"].as_array().unwrap().len(), 2);
    // A profile's name, tags and fields, and a note; what is not given stays.
    let (status, edited) = call(Method::PATCH, format!("members/{keep}"), Some(json!({"tags": ["VIP", " fidèle ", "vip"], "fields": [{"name": "Ville", "value": "Lyon"}]})), token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["tags"], json!(["fidèle", "vip"]));
    assert_eq!(edited["name"], "Léa Martin");
    let (status, _) = call(
        Method::PATCH,
        format!("members/{keep}"),
        Some(json!({"name": " "})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(
        Method::POST,
        format!("members/{keep}/notes"),
        Some(json!({"text": "Cliente fidèle depuis 2019"})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, profile) = call(Method::GET, format!("members/{keep}"), None, token.clone()).await;
    assert_eq!(profile["notes"][0]["text"], "Cliente fidèle depuis 2019");
    assert_eq!(profile["fields"][0]["value"], "Lyon");

    // Identities: checked for their kind, added, taken off.
    let (status, error) = call(
        Method::POST,
        format!("members/{keep}/identities"),
        Some(json!({"kind": "email", "value": "pas une adresse"})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, added) = call(
        Method::POST,
        format!("members/{keep}/identities"),
        Some(json!({"kind": "email", "value": "Lea@Exemple.fr"})),
        token.clone(),
    )
    .await;
    assert_eq!(
        (status, added["outcome"].as_str()),
        (StatusCode::OK, Some("added")),
        "{added}"
    );
    let (_, profile) = call(Method::GET, format!("members/{keep}"), None, token.clone()).await;
    let email = profile["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "email")
        .unwrap()
        .clone();
    assert_eq!(email["value"], "lea@exemple.fr");
    let (status, _) = call(
        Method::POST,
        format!("members/{keep}/identities/remove"),
        Some(json!({"identity_id": email["id"]})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Labels and team queues on one of them.
    let conversation = profile["conversation_ids"][0].as_i64().unwrap();
    let change = |body: Value| {
        call(
            Method::POST,
            format!("conversations/{conversation}/changes"),
            Some(body),
            token.clone(),
        )
    };
    let (status, labelled) = change(json!({"add_label": " SAV "})).await;
    assert_eq!(status, StatusCode::OK, "{labelled}");
    assert_eq!(labelled["labels"], json!(["sav"]));
    let (_, queued) = change(json!({"queue": "Niveau 2"})).await;
    assert_eq!(queued["queue"], "niveau 2");
    let (_, out) = change(json!({"queue": null})).await;
    assert!(out["queue"].is_null());
    let (_, unlabelled) = change(json!({"remove_label": "sav"})).await;
    assert_eq!(unlabelled["labels"], json!([]));
    let (status, _) = change(json!({"add_label": "a", "queue": "b"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "exactly one change"
    );
    let merge = merged["merge_id"].as_i64().unwrap();
    let (status, undone) = call(
        Method::POST,
        format!("member-merges/{merge}/undo"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(
        (status, undone["restored_id"].as_i64()),
        (StatusCode::OK, Some(absorb))
    );
    let (status, again) = call(
        Method::POST,
        format!("member-merges/{merge}/undo"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["code"], "conflict");

    // Export and erasure are the owner's.
    let (status, _) = call(
        Method::GET,
        format!("members/{absorb}/export"),
        None,
        analyst_token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, export) = call(
        Method::GET,
        format!("members/{absorb}/export"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(export.to_string().contains("lea.bsky.social"), "{export}");
    let (status, erased) = call(
        Method::DELETE,
        format!("members/{absorb}"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["profiles"], 1);
    let (status, _) = call(
        Method::GET,
        format!("members/{absorb}"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Saved replies: variables checked, names unique, the analyst may not write them.
    let (status, error) = call(
        Method::POST,
        "saved-replies".into(),
        Some(json!({"name": "Retard", "lang": "fr", "text": "Bonjour {{prenom_inconnu}}"})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "text");
    let body = json!({"name": "Retard", "lang": "fr", "text": "Bonjour {{first_name}}, nous regardons votre commande."});
    let (status, saved) = call(
        Method::POST,
        "saved-replies".into(),
        Some(body.clone()),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let (status, _) = call(
        Method::POST,
        "saved-replies".into(),
        Some(body.clone()),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        Method::POST,
        "saved-replies".into(),
        Some(body),
        analyst_token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) = call(Method::GET, "saved-replies".into(), None, token.clone()).await;
    assert_eq!(list["items"][0]["name"], "Retard");
    let id = saved["id"].as_i64().unwrap();
    let (status, _) = call(
        Method::DELETE,
        format!("saved-replies/{id}"),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Alert rules, checked as the alert engine reads them.
    let (status, query) = call(
        Method::POST,
        "queries".into(),
        Some(json!({"name": "Marque", "query": "brulerie"})),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{query}");
    let query_id = query["id"].as_i64().unwrap();
    let rule = |params: Value, channels: Value| json!({"query_id": query_id, "kind": "volume_spike", "params": params, "channels": channels});
    let (status, error) = call(
        Method::POST,
        "alert-rules".into(),
        Some(rule(
            json!({"window_minutes": 5000}),
            json!([{"kind": "oncall"}]),
        )),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("window_minutes"),
        "{error}"
    );
    let (status, error) = call(
        Method::POST,
        "alert-rules".into(),
        Some(rule(
            json!({}),
            json!([{"kind": "slack", "target": "not a url"}]),
        )),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, created) = call(
        Method::POST,
        "alert-rules".into(),
        Some(rule(
            json!({"window_minutes": 30, "k": 3, "min_volume": 5}),
            json!([{"kind": "email", "target": "oncall@brand.example"}]),
        )),
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["params"]["lang"], "fr");
    let (_, rules) = call(Method::GET, "alert-rules".into(), None, token.clone()).await;
    assert_eq!(
        rules["items"][0]["channels"][0]["target"], "oncall@brand.example",
        "{rules}"
    );
    let (status, _) = call(
        Method::DELETE,
        format!("alert-rules/{}", created["id"]),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Alerts: none yet, and an unknown one is a 404 with the error body.
    let (status, alerts) = call(Method::GET, "alerts".into(), None, token.clone()).await;
    assert_eq!(
        (status, alerts["items"].clone()),
        (StatusCode::OK, json!([]))
    );
    let (status, missing) = call(
        Method::POST,
        "alerts/999/acknowledge".into(),
        None,
        token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
}

async fn inbox_views_and_labels_through_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let masto = source(&app, ws.id, "mastodon").await;
    let conversation = conversation_with(&app, ws.id, &masto, "m1", "@lea@piaille.example").await;
    app.login("camille@brand.example").await;
    let token = app.api_token(&app.client, "brand").await;
    let api =
        |method: Method, path: &str, body: Option<Value>| app.api_call(&token, method, path, body);
    let (status, _) = api(
        Method::POST,
        &format!("conversations/{conversation}/changes"),
        Some(json!({"add_label": "SAV"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, labels) = api(Method::GET, "labels", None).await;
    assert_eq!(
        (status, labels),
        (StatusCode::OK, json!({"labels": ["sav"]}))
    );

    let (status, view) = api(
        Method::POST,
        "inbox-views",
        Some(json!({"name": "SAV à moi", "filter": {"label": "sav", "who": "me"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    assert_eq!(
        (view["shared"].clone(), view["filter"]["label"].clone()),
        (json!(false), json!("sav"))
    );
    let (status, error) = api(
        Method::POST,
        "inbox-views",
        Some(json!({"name": "Mauvais", "filter": {"who": "everyone"}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    // Another teammate sees shared views only.
    let (_, shared) = api(
        Method::POST,
        "inbox-views",
        Some(json!({"name": "Nouveaux", "shared": true, "filter": {"state": "new"}})),
    )
    .await;
    app.member(&ws, "alex@brand.example", Role::Editor).await;
    let alex = new_client();
    app.login_with(&alex, "alex@brand.example", PASSWORD).await;
    let alex_token = app.api_token(&alex, "brand").await;
    let (_, seen) = app
        .api_call(&alex_token, Method::GET, "inbox-views", None)
        .await;
    let names: Vec<&str> = seen["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nouveaux"]);
    let mine = view["id"].as_i64().unwrap();
    let (status, _) = app
        .api_call(
            &alex_token,
            Method::DELETE,
            &format!("inbox-views/{mine}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not Alex's view");
    let (status, _) = api(Method::DELETE, &format!("inbox-views/{mine}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, left) = api(Method::GET, "inbox-views", None).await;
    assert_eq!(left["items"][0]["id"], shared["id"]);
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
}
