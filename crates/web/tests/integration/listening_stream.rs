//! The mention stream as a CM works it: how many a filter finds, the searched words marked,
//! several mentions at once, sources that tell the truth about their activity.

use jardinier_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::listening::{deliver, signed, webhook_source};

both_backends!(the_stream_counts_marks_and_acts_on_several_mentions);

async fn the_stream_counts_marks_and_acts_on_several_mentions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let (_, sources) = app.text("/w/brand/listening/sources").await;
    assert!(
        sources.contains("waiting for its first delivery"),
        "{sources}"
    );
    let body = json!({"items": [
        {"id": "1", "text": "Toujours pas REMBOURSÉ, très déçu", "author": {"name": "Léa", "handle": "@lea", "reach": 121000}},
        {"id": "2", "text": "Le remboursement n'arrive jamais #SAV", "author": "Sam"},
        {"id": "3", "text": "Rien à voir, un bon café", "author": "Tom"},
    ]})
    .to_string();
    let (status, _) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let (_, html) = app.text("/w/brand/listening").await;
    assert!(
        html.contains(">3 mentions<"),
        "the count of what the filter finds"
    );
    let (_, found) = app.text("/w/brand/listening?q=remboursements").await;
    assert!(found.contains(">2 mentions<"), "{found}");
    assert!(
        found.contains("<mark>REMBOURSÉ</mark>") && found.contains("<mark>remboursement</mark>"),
        "the searched word is marked in every form: {found}"
    );
    let (_, sources) = app.text("/w/brand/listening/sources").await;
    assert!(
        !sources.contains("waiting for its first delivery") && sources.contains("working"),
        "a source that delivered mentions is working: {sources}"
    );

    let items = app
        .store
        .items(&jardinier_store::ItemFilter {
            workspace_id: ws.id,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let id_of = |text: &str| {
        items
            .iter()
            .find(|i| i.body.contains(text))
            .unwrap()
            .id
            .to_string()
    };
    let (lea, sam, tom) = (id_of("REMBOURSÉ"), id_of("#SAV"), id_of("café"));

    let response = app
        .post(
            "/w/brand/listening/bulk",
            &[
                ("action", "inbox_take"),
                ("next", "/w/brand/listening?q=rembourse"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening?q=rembourse&done=listening_bulk_none",
        "nothing checked: said, and the filter kept"
    );
    let response = app
        .post(
            "/w/brand/listening/bulk",
            &[
                ("action", "inbox_take"),
                ("id", &lea),
                ("id", &sam),
                ("next", "/w/brand/listening?q=rembourse"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening?q=rembourse&done=listening_bulk_inbox"
    );
    let conversations = app.store.conversations_since(ws.id, 0).await.unwrap();
    assert_eq!(conversations.len(), 2, "one conversation per mention");
    assert!(
        conversations
            .iter()
            .all(|c| c.assignee_id == Some(owner.id)),
        "and both given to the CM who sent them"
    );
    let urgent = conversations
        .iter()
        .find(|c| c.contact_name.as_deref() == Some("Léa"))
        .unwrap();
    assert_eq!(urgent.priority, "urgent", "121,000 followers, negative");

    let response = app
        .post(
            "/w/brand/listening/bulk",
            &[("action", "negative"), ("id", &tom), ("id", &sam)],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening?done=listening_bulk_tone"
    );
    let (_, negative) = app.text("/w/brand/listening?sentiment=negative").await;
    assert!(negative.contains("un bon café") && negative.contains("#SAV"));
    let (_, audit) = app.text("/w/brand/settings/audit").await;
    assert!(
        audit.contains(&format!("#{sam}, #{tom} → negative")),
        "{audit}"
    );

    // An analyst reads the stream but neither sends to the inbox nor corrects.
    app.member(&ws, "ana@brand.example", Role::Analyst).await;
    let analyst = new_client();
    app.login_with(&analyst, "ana@brand.example", PASSWORD)
        .await;
    let html = analyst
        .get(app.url("/w/brand/listening"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(">3 mentions<"));
    assert!(!html.contains("data-testid=\"mentions-bulk\""));
    let response = app
        .post_with(
            &analyst,
            "/w/brand/listening/bulk",
            &[("action", "positive"), ("id", &tom)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
