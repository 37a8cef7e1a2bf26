//! A conversation's details saved at once, and a saved reply inserted without losing the text
//! typed (the page's form without a script; the script's JSON).

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;
use crate::members::conversation_with;

both_backends!(details_are_saved_at_once_and_saved_replies_join_the_text);

async fn details_are_saved_at_once_and_saved_replies_join_the_text(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let sam = app.member(&ws, "sam@brand.example", Role::Editor).await;
    // A form on the brand's site that answers by webhook: the reply box is there.
    let form = app
        .store
        .create_source(&jardinier_store::NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Contact form",
            config: r#"{"reply_url": "http://127.0.0.1:9/replies"}"#,
            secret: Some("hook-secret"),
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    let id = conversation_with(&app, ws.id, &form, "m1", "lea@example.org").await;
    app.login("camille@brand.example").await;
    let page = format!("/w/brand/inbox/{id}");

    // Given to Sam, put on hold, urgent, in the press queue: one save, four changes.
    let sam_id = sam.id.to_string();
    let response = app
        .post(
            &format!("{page}/details"),
            &[
                ("assignee", sam_id.as_str()),
                ("state", "waiting"),
                ("priority", "urgent"),
                ("queue", " Presse "),
            ],
        )
        .await;
    assert_eq!(location(&response), format!("{page}?done=inbox_saved"));
    let c = app
        .store
        .conversation_summary(ws.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            c.assignee_id,
            c.state.as_str(),
            c.priority.as_str(),
            c.queue.as_deref()
        ),
        (Some(sam.id), "waiting", "urgent", Some("presse"))
    );
    let (_, html) = app.text(&page).await;
    assert_eq!(
        html.matches("data-testid=\"details-save\"").count(),
        1,
        "one save"
    );

    // Saved again unchanged: nothing recorded. "New" while Sam has it: refused, nothing lost.
    let events = |html: &str| html.matches("data-testid=\"timeline-event\"").count();
    let before = events(&html);
    app.post(
        &format!("{page}/details"),
        &[
            ("assignee", sam_id.as_str()),
            ("state", "waiting"),
            ("priority", "urgent"),
            ("queue", "presse"),
        ],
    )
    .await;
    assert_eq!(events(&app.text(&page).await.1), before);
    let response = app
        .post(
            &format!("{page}/details"),
            &[
                ("assignee", sam_id.as_str()),
                ("state", "new"),
                ("priority", "low"),
                ("queue", ""),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("{page}?done=inbox_still_assigned")
    );
    let c = app
        .store
        .conversation_summary(ws.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.priority, "urgent", "a refused save changes nothing");
    let response = app
        .post(
            &format!("{page}/details"),
            &[
                ("assignee", "999999"),
                ("state", "waiting"),
                ("priority", "urgent"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("{page}?done=inbox_not_a_teammate")
    );

    // Saved replies: the script's JSON has the variables filled in; without a script the
    // page comes back with the typed text and the saved reply after it.
    let saved = app
        .store
        .create_saved_reply(ws.id, "Retard", "fr", "Bonjour {{prenom}}, on regarde.", 1)
        .await
        .unwrap();
    let json: serde_json::Value = app
        .get(&format!("{page}/saved/{}", saved.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["text"], "Bonjour Léa, on regarde.");
    assert_eq!(
        app.get(&format!("{page}/saved/{}", saved.id + 50))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let response = app
        .post(
            &format!("{page}/reply/insert"),
            &[
                ("body", "Merci de votre patience.  "),
                ("key", "k-1"),
                ("saved", &saved.id.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Merci de votre patience.\n\nBonjour Léa, on regarde.</textarea>"),
        "{html}"
    );
    assert!(
        html.contains("name=\"key\" value=\"k-1\""),
        "the same reply key: sent once"
    );
    assert!(
        app.store.replies_of(ws.id, id).await.unwrap().is_empty(),
        "nothing sent"
    );
}
