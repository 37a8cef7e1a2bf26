//! Answering from a conversation: saved replies with variables, the reply form (one reply per
//! form however often it is sent), approval of a moderator's reply, the reply delivered by the
//! reply worker to a webhook channel, and conversations whose source cannot be answered.

use std::sync::{Arc, Mutex};

use axum::routing::post;
use jardinier_domain::Role;
use jardinier_listening::IncomingItem;
use jardinier_outbound::ReplyWorker;
use jardinier_store::{NewSource, ReplyStatus};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(a_conversation_is_answered_with_a_saved_reply);

type Received = Arc<Mutex<Vec<serde_json::Value>>>;

/// A channel's reply endpoint (a webhook `reply_url`): keeps what it receives.
async fn channel() -> (String, Received) {
    let received = Received::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/replies",
        post(move |body: String| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                axum::Json(serde_json::json!({"id": "sent-1"}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/replies"), received)
}

async fn a_conversation_is_answered_with_a_saved_reply(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille Roux").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "mo@brand.example", Role::Moderator).await;
    let (reply_url, received) = channel().await;
    let config = serde_json::json!({"reply_url": reply_url}).to_string();
    let hook = app
        .store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Support form",
            config: &config,
            secret: Some("hook-secret"),
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    let report = app
        .ingestor
        .ingest(
            &hook,
            vec![IncomingItem {
                external_id: "ticket-9".into(),
                text: "Ma cafetière fuit depuis hier, que faire ?".into(),
                author_name: Some("Léa Martin".into()),
                author_handle: Some("lea@example.org".into()),
                published_at: Some(1_795_000_000),
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap();
    let conversation = app
        .store
        .send_to_inbox(ws.id, report.inserted_ids[0], None, 1)
        .await
        .unwrap();
    app.login("camille@brand.example").await;

    // A saved reply with an unknown variable is refused, saying which and where.
    let response = app
        .post(
            "/w/brand/inbox/saved-replies",
            &[
                ("name", "Fuite"),
                ("lang", "fr"),
                ("body", "Bonjour {{prenon}}"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("{{prenon}} at character 9 is not a variable"),
        "{html}"
    );
    let response = app
        .post(
            "/w/brand/inbox/saved-replies",
            &[
                ("name", "Fuite"),
                ("lang", "fr"),
                (
                    "body",
                    "Bonjour {{prenom}}, ici {{conseiller}} de {{marque}} : videz le réservoir.",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let saved = app.store.saved_replies(ws.id).await.unwrap();
    assert_eq!(saved.len(), 1);
    let (_, html) = app.text("/w/brand/inbox/saved-replies").await;
    assert!(
        html.contains("Bonjour Léa, ici Camille de Brand brand"),
        "the example is filled in: {html}"
    );

    // Inserting it fills the reply box for this conversation's person.
    let (_, html) = app
        .text(&format!(
            "/w/brand/inbox/{conversation}?saved={}",
            saved[0].id
        ))
        .await;
    assert!(
        html.contains("Bonjour Léa, ici Camille de Brand brand : videz le réservoir.</textarea>"),
        "{html}"
    );
    let key = html
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();

    // An empty reply is refused; the same form sent twice is one reply.
    let response = app
        .post(
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[("body", "  "), ("key", &key)],
        )
        .await;
    assert!(location(&response).contains("done=inbox_reply_empty"));
    for _ in 0..2 {
        let response = app
            .post(
                &format!("/w/brand/inbox/{conversation}/reply"),
                &[("body", "Bonjour Léa, videz le réservoir."), ("key", &key)],
            )
            .await;
        assert!(
            location(&response).contains("done=inbox_reply_queued"),
            "{}",
            location(&response)
        );
    }
    let replies = app.store.replies_of(ws.id, conversation).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].status, ReplyStatus::Queued);
    let summary = app
        .store
        .conversation_summary(ws.id, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (summary.state.as_str(), summary.assignee_id),
        ("waiting", Some(owner.id))
    );

    // The reply worker delivers it to the channel.
    let worker = ReplyWorker::new(app.store.clone());
    assert_eq!(
        worker
            .deliver_due(jardinier_outbound::unix_now())
            .await
            .unwrap(),
        1
    );
    {
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0]["in_reply_to"], "ticket-9");
        assert_eq!(received[0]["text"], "Bonjour Léa, videz le réservoir.");
    }
    let (_, html) = app.text(&format!("/w/brand/inbox/{conversation}")).await;
    assert!(html.contains("data-reply-status=\"sent\""), "{html}");
    assert!(html.contains("The reply reached the person"), "{html}");

    // A moderator's reply waits for approval; the owner approves it.
    let moderator = new_client();
    app.login_with(&moderator, "mo@brand.example", PASSWORD)
        .await;
    let html = app
        .get_with(&moderator, &format!("/w/brand/inbox/{conversation}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"reply-needs-approval\""),
        "{html}"
    );
    let response = app
        .post_with(
            &moderator,
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[("body", "Un technicien vous rappelle."), ("key", "mod-1")],
        )
        .await;
    assert!(location(&response).contains("inbox_reply_awaits_approval"));
    let pending = app.store.replies_awaiting_approval(ws.id).await.unwrap();
    assert_eq!(pending.len(), 1);
    // The moderator cannot approve it…
    let response = app
        .post_with(
            &moderator,
            &format!("/w/brand/inbox/replies/{}/decide", pending[0].id),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        worker
            .deliver_due(jardinier_outbound::unix_now())
            .await
            .unwrap(),
        0
    );
    // …the owner can.
    let response = app
        .post(
            &format!("/w/brand/inbox/replies/{}/decide", pending[0].id),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        worker
            .deliver_due(jardinier_outbound::unix_now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(received.lock().unwrap().len(), 2);

    // A teammate answers while Camille is writing: her reply is held back with a warning.
    let (_, page) = app.text(&format!("/w/brand/inbox/{conversation}")).await;
    let opened_at = page
        .split("name=\"opened_at\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let editor = app.member(&ws, "eli@brand.example", Role::Editor).await;
    app.store
        .queue_reply(&jardinier_store::NewReply {
            workspace_id: ws.id,
            conversation_id: conversation,
            author_id: editor.id,
            body: "Je m'en occupe.",
            close_after: false,
            needs_approval: false,
            idempotency_key: "eli-1",
            now: opened_at.parse::<i64>().unwrap() + 1,
        })
        .await
        .unwrap();
    let before = app
        .store
        .replies_of(ws.id, conversation)
        .await
        .unwrap()
        .len();
    let response = app
        .post(
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[
                ("body", "Ma réponse à moi"),
                ("key", "cam-2"),
                ("opened_at", &opened_at),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"reply-collision\""), "{html}");
    assert!(
        html.contains("Ma réponse à moi</textarea>"),
        "the draft is kept: {html}"
    );
    assert_eq!(
        app.store
            .replies_of(ws.id, conversation)
            .await
            .unwrap()
            .len(),
        before
    );
    let response = app
        .post(
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[
                ("body", "Ma réponse à moi"),
                ("key", "cam-2"),
                ("opened_at", &opened_at),
                ("confirm", "1"),
            ],
        )
        .await;
    assert!(location(&response).contains("inbox_reply_queued"));
    assert_eq!(
        app.store
            .replies_of(ws.id, conversation)
            .await
            .unwrap()
            .len(),
        before + 1
    );

    // A note that mentions a teammate tells them by e-mail.
    let response = app
        .post(
            &format!("/w/brand/inbox/{conversation}/change"),
            &[("action", "note"), ("value", "@eli tu peux rappeler Léa ?")],
        )
        .await;
    assert!(
        location(&response).contains("inbox_note_mentioned"),
        "{}",
        location(&response)
    );
    let mail = app.store.recent_mail(10).await.unwrap();
    let to_eli = mail
        .iter()
        .find(|m| m.to == "eli@brand.example")
        .expect("a mail to Eli");
    assert!(
        to_eli.body_text.contains("tu peux rappeler Léa"),
        "{}",
        to_eli.body_text
    );
    assert!(
        to_eli
            .body_text
            .contains(&format!("/w/brand/inbox/{conversation}"))
    );

    // The API answers the same way: 202, once per key, refusals that say what is wrong.
    let token = app.api_token(&app.client, "brand").await;
    let api = |body: serde_json::Value| {
        let request = app
            .client
            .post(app.url(&format!(
                "/api/v1/workspace/conversations/{conversation}/replies"
            )))
            .bearer_auth(&token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let first = api(serde_json::json!({"text": "Merci Léa !", "idempotency_key": "api-1"})).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["status"], "queued");
    let again: serde_json::Value =
        api(serde_json::json!({"text": "Merci Léa !", "idempotency_key": "api-1"}))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(again["id"], first["id"]);
    let empty = api(serde_json::json!({"text": "  "})).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().await.unwrap().contains("empty"));
    let detail: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/workspace/conversations/{conversation}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        detail["replies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == first["id"]),
        "{detail}"
    );

    // Another workspace's teammate cannot answer or decide here.
    let outsider = app.user("zoe@other.example", "Zoé").await;
    app.workspace("other", &outsider).await;
    let stranger = new_client();
    app.login_with(&stranger, "zoe@other.example", PASSWORD)
        .await;
    let response = app
        .post_with(
            &stranger,
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[("body", "x"), ("key", "z")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .post_with(
            &stranger,
            &format!("/w/other/inbox/replies/{}/decide", pending[0].id),
            &[("decision", "retry")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_source_that_cannot_answer_says_why() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let masto = app
        .store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "mastodon",
            name: "Masto",
            config: r#"{"base":"https://piaille.example","search":"cafe"}"#,
            secret: None,
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    let report = app
        .ingestor
        .ingest(
            &masto,
            vec![IncomingItem {
                external_id: "1".into(),
                text: "Où est ma commande ?".into(),
                published_at: Some(1_795_000_000),
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap();
    let conversation = app
        .store
        .send_to_inbox(ws.id, report.inserted_ids[0], None, 1)
        .await
        .unwrap();
    app.login("camille@brand.example").await;
    let (_, html) = app.text(&format!("/w/brand/inbox/{conversation}")).await;
    assert!(html.contains("data-testid=\"reply-blocked\""), "{html}");
    assert!(html.contains("write:statuses"), "{html}");
    let response = app
        .post(
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[("body", "Bonjour"), ("key", "k")],
        )
        .await;
    assert!(location(&response).contains("inbox_reply_blocked"));
    assert!(
        app.store
            .replies_of(ws.id, conversation)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn channels_are_set_up_to_be_answered_from_the_sources_page() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    // Notifications need the account's secret.
    let response = app
        .post(
            "/w/brand/listening/sources/social",
            &[
                ("kind", "mastodon"),
                ("name", "Notre compte"),
                ("base", "https://piaille.example"),
                ("search", ""),
                ("minutes", "5"),
                ("notifications", "on"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post(
            "/w/brand/listening/sources/social",
            &[
                ("kind", "mastodon"),
                ("name", "Notre compte"),
                ("base", "https://piaille.example"),
                ("search", ""),
                ("minutes", "5"),
                ("notifications", "on"),
                ("token", "tok"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app
        .post(
            "/w/brand/listening/sources/imap",
            &[
                ("name", "contact@"),
                ("host", "mail.brand.example"),
                ("port", "993"),
                ("security", "tls"),
                ("username", "contact@brand.example"),
                ("password", "pw"),
                ("mailbox", "INBOX"),
                ("minutes", "5"),
                ("inbox", "on"),
                ("smtp_host", "smtp.brand.example"),
                ("smtp_port", "587"),
                ("smtp_security", "starttls"),
                ("smtp_from", "Brand <contact@brand.example>"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let sources = app.store.sources(ws.id).await.unwrap();
    let masto = sources.iter().find(|s| s.kind == "mastodon").unwrap();
    let config: serde_json::Value = serde_json::from_str(&masto.config).unwrap();
    assert_eq!(config["notifications"], true);
    assert!(
        jardinier_outbound::can_reply(&masto.kind, &masto.config, masto.secret.as_deref()).is_ok()
    );
    let mail = sources.iter().find(|s| s.kind == "imap").unwrap();
    let config: serde_json::Value = serde_json::from_str(&mail.config).unwrap();
    assert_eq!(
        (
            config["inbox"].clone(),
            config["smtp"]["host"].clone(),
            config["smtp"]["port"].clone()
        ),
        (
            serde_json::json!(true),
            serde_json::json!("smtp.brand.example"),
            serde_json::json!(587)
        )
    );
    assert!(
        jardinier_outbound::can_reply(&mail.kind, &mail.config, mail.secret.as_deref()).is_ok()
    );
}
