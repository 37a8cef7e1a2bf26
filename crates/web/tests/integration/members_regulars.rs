//! Authors who come back get profiles, and every interaction is on their timeline: mentions,
//! conversations, and the replies the team sent them.

use jardinier_store::ReplyOutcome;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::listening::{deliver, signed, webhook_source};

both_backends!(returning_authors_get_profiles_with_every_interaction);

async fn returning_authors_get_profiles_with_every_interaction(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let mention = |id: &str, text: &str, handle: &str, name: &str| json!({"id": id, "text": text, "author": {"name": name, "handle": handle}});
    let body = json!({"items": [
        mention("1", "Le cold brew est super", "@regular", "Inès Regular"),
        mention("2", "Encore passée à la Brûlerie", "@regular", "Inès Regular"),
        mention("3", "Toujours aussi bon", "@regular", "Inès Regular"),
        mention("4", "Première visite", "@once", "Tom Once"),
        mention("5", "Deuxième visite", "@once", "Tom Once"),
    ]})
    .to_string();
    let (status, _) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let now = jardinier_web::unix_now();
    let made = app
        .store
        .profile_regulars(3, now - 86_400, 100, now)
        .await
        .unwrap();
    assert_eq!(made, 1, "three mentions make a regular, two do not");
    assert_eq!(
        app.store
            .profile_regulars(3, now - 86_400, 100, now)
            .await
            .unwrap(),
        0,
        "once is enough"
    );
    let (_, members) = app.text("/w/brand/members").await;
    assert!(
        members.contains("Inès Regular") && !members.contains("Tom Once"),
        "{members}"
    );

    // Their conversation and the reply sent to them join the same timeline.
    let items = app
        .store
        .items(&jardinier_store::ItemFilter {
            workspace_id: ws.id,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let item = items
        .iter()
        .find(|i| i.body == "Toujours aussi bon")
        .unwrap();
    let conversation = app
        .store
        .send_to_inbox(ws.id, item.id, None, now)
        .await
        .unwrap();
    let summary = app
        .store
        .conversation_summary(ws.id, conversation)
        .await
        .unwrap()
        .unwrap();
    let member = summary
        .member_id
        .expect("the conversation is tied to the regular's profile");
    app.store
        .queue_reply(&jardinier_store::NewReply {
            workspace_id: ws.id,
            conversation_id: conversation,
            author_id: owner.id,
            body: "Merci Inès, à bientôt !",
            close_after: false,
            needs_approval: false,
            idempotency_key: "r-1",
            now,
        })
        .await
        .unwrap();
    let job = app
        .store
        .claim_replies(now + 1, now, 10)
        .await
        .unwrap()
        .remove(0);
    app.store
        .finish_reply(
            job.reply.id,
            &ReplyOutcome::Sent {
                remote_id: "r-remote".into(),
                remote_url: None,
            },
            now + 2,
        )
        .await
        .unwrap();
    let (_, profile) = app.text(&format!("/w/brand/members/{member}")).await;
    assert!(
        profile.contains("Reply sent") && profile.contains("Camille : Merci Inès, à bientôt !"),
        "{profile}"
    );
    assert!(
        profile.contains("Webhook — Le cold brew est super"),
        "source kinds in words"
    );

    // Her newsletter subscription, found by the address added to her profile.
    let list = app
        .store
        .create_list(&jardinier_store::NewList {
            workspace_id: ws.id,
            name: "La Gazette",
            public_id: "gazette",
            from_name: "Brûlerie",
            from_address: "gazette@brand.example",
            footer: "Brûlerie, Paris",
            language: "fr",
            now,
        })
        .await
        .unwrap();
    app.store
        .subscribe(&jardinier_store::NewSubscriber {
            list_id: list.id,
            email: "ines@example.org",
            source: "form",
            confirm_token_hash: None,
            unsubscribe_token: "u-ines",
            now,
        })
        .await
        .unwrap();
    app.store
        .add_identity(
            ws.id,
            member,
            &jardinier_members::Identity {
                kind: jardinier_members::IdentityKind::Email,
                value: "ines@example.org".into(),
                verified: false,
            },
            Some(owner.id),
            now,
        )
        .await
        .unwrap();
    let (_, profile) = app.text(&format!("/w/brand/members/{member}")).await;
    assert!(
        profile.contains("Newsletter") && profile.contains("La Gazette — "),
        "{profile}"
    );
}
