//! The crisis view of an alert: the burst followed until it is over, who leads the response,
//! the holding statement made a saved reply or a post, the burst's mentions acted on.

use jardinier_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::listening::{deliver, signed, webhook_source};

both_backends!(a_crisis_is_led_answered_and_followed_until_it_is_over);

async fn a_crisis_is_led_answered_and_followed_until_it_is_over(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let sam = app.member(&ws, "sam@brand.example", Role::Editor).await;
    let outsider = app.user("eve@other.example", "Eve").await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/listening/queries",
        &[
            ("name", "Brûlerie"),
            ("kind", "brand"),
            ("query", "brulerie"),
        ],
    )
    .await;
    let query = app.store.listening_queries(ws.id).await.unwrap()[0].id;
    let (source, secret) = webhook_source(&app, "brand").await;
    let now = jardinier_web::unix_now();
    let when = |ago: i64| jiff::Timestamp::from_second(now - ago).unwrap().to_string();
    let body = json!({"items": [
        {"id": "1", "text": "La Brûlerie m'a servi un café froid, déçu", "author": "Léa", "published_at": when(600)},
        {"id": "2", "text": "Brûlerie : trois semaines sans réponse, arnaque", "author": "Sam L.", "published_at": when(300)},
        {"id": "3", "text": "Un autre sujet", "author": "Tom", "published_at": when(200)},
    ]})
    .to_string();
    deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    let rule = app
        .store
        .create_alert_rule(&jardinier_store::NewAlertRule {
            workspace_id: ws.id,
            query_id: query,
            kind: "volume_spike",
            params: r#"{"factor": 3.0, "min_volume": 2}"#,
            channels: "[]",
            now: 1,
        })
        .await
        .unwrap();
    let alert = app
        .store
        .create_alert(
            &jardinier_store::NewAlertEvent {
                workspace_id: ws.id,
                rule_id: rule.id,
                query_id: query,
                now: now - 300,
                summary: "Pic de mentions sur Brûlerie",
                item_count: 2,
                first_item_id: None,
                ack_token_hash: "ack-crisis",
            },
            &[],
            &[],
        )
        .await
        .unwrap();
    let page = format!("/w/brand/listening/alerts/{}", alert.id);

    let (_, alerts) = app.text("/w/brand/listening/alerts").await;
    assert!(
        alerts.contains(&format!("href=\"{page}\"")),
        "the alert opens its crisis view"
    );
    let (status, html) = app.text(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-ongoing=\"true\"") && html.contains("Still going"));
    assert!(html.contains("2 mentions in the last hour"), "{html}");
    assert_eq!(
        html.matches("data-testid=\"mention\"").count(),
        2,
        "the burst's mentions, not the others"
    );
    assert!(html.contains("Nobody leads the response yet."));

    // Given to Sam, who is told by e-mail; someone outside the workspace cannot be.
    let response = app
        .post(
            &format!("{page}/assign"),
            &[("assignee", &sam.id.to_string())],
        )
        .await;
    assert_eq!(location(&response), format!("{page}?done=crisis_assigned"));
    let (_, html) = app.text(&page).await;
    assert!(
        html.contains(&format!("Led by {}", sam.display_name)),
        "{html}"
    );
    let mail = app.store.recent_mail(5).await.unwrap();
    assert!(
        mail.iter()
            .any(|m| m.to == "sam@brand.example" && m.body_text.contains(&page)),
        "{mail:?}"
    );
    let alert_now = app.store.alert(ws.id, alert.id).await.unwrap().unwrap();
    assert!(
        alert_now.acknowledged_at.is_some(),
        "giving it takes charge of the alert"
    );
    let response = app
        .post(
            &format!("{page}/assign"),
            &[("assignee", &outsider.id.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The holding statement: refused empty, kept, then a saved reply and a post.
    let response = app
        .post(
            &format!("{page}/statement"),
            &[("statement", "  "), ("lang", "fr"), ("then", "save")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Write the statement before saving it.")
    );
    let text = "Nous avons vu vos messages et nous enquêtons. Réponse complète d'ici ce soir.";
    let response = app
        .post(
            &format!("{page}/statement"),
            &[("statement", text), ("lang", "fr"), ("then", "saved_reply")],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("{page}?done=crisis_saved_reply")
    );
    let replies = app.store.saved_replies(ws.id).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert!(replies[0].name.starts_with("Crisis Brûlerie") && replies[0].body == text);
    let (_, html) = app.text(&page).await;
    assert!(html.contains("Written by Camille") && html.contains("nous enquêtons"));
    // Made a saved reply again after a change: one saved reply, the new text.
    app.post(
        &format!("{page}/statement"),
        &[
            ("statement", "Mise à jour : c'est réglé."),
            ("lang", "fr"),
            ("then", "saved_reply"),
        ],
    )
    .await;
    let replies = app.store.saved_replies(ws.id).await.unwrap();
    assert_eq!(
        (replies.len(), replies[0].body.as_str()),
        (1, "Mise à jour : c'est réglé.")
    );
    let response = app
        .post(
            &format!("{page}/statement"),
            &[("statement", text), ("lang", "fr"), ("then", "post")],
        )
        .await;
    let composer = location(&response);
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "discord"),
            ("name", "Discord"),
            ("address", "https://discord.example/api/webhooks/1/x"),
        ],
    )
    .await;
    assert!(
        composer.starts_with("/w/brand/publishing?lang=fr&text="),
        "{composer}"
    );
    let (_, html) = app.text(&composer).await;
    assert!(
        html.contains("nous enquêtons. Réponse complète"),
        "the composer starts with it"
    );

    // A burst quiet for an hour is over.
    let old = app
        .store
        .create_alert(
            &jardinier_store::NewAlertEvent {
                workspace_id: ws.id,
                rule_id: rule.id,
                query_id: query,
                now: now - 5 * 3_600,
                summary: "Pic de mentions d'hier",
                item_count: 9,
                first_item_id: None,
                ack_token_hash: "ack-old",
            },
            &[],
            &[],
        )
        .await
        .unwrap();
    let (_, html) = app
        .text(&format!("/w/brand/listening/alerts/{}", old.id))
        .await;
    assert!(html.contains("data-ongoing=\"false\"") && html.contains("Over: no mention since"));
    assert_eq!(
        app.get(&format!("/w/brand/listening/alerts/{}", old.id + 100))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
