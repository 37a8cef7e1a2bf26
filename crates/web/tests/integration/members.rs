//! The Members section over HTTP: profiles made from conversations, a suggested merge accepted
//! then undone, identities checked, export as JSON and erasure behind a typed confirmation,
//! and who may do what.

use jardinier_domain::Role;
use jardinier_listening::IncomingItem;
use jardinier_store::{NewSource, Source};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(members_are_merged_exported_and_erased);

pub(crate) async fn source(app: &TestApp, ws: i64, kind: &str) -> Source {
    app.store
        .create_source(&NewSource {
            workspace_id: ws,
            kind,
            name: kind,
            config: "{}",
            secret: None,
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap()
}

pub(crate) async fn conversation_with(
    app: &TestApp,
    ws: i64,
    source: &Source,
    id: &str,
    handle: &str,
) -> i64 {
    let item = app
        .ingestor
        .ingest(
            source,
            vec![IncomingItem {
                external_id: id.into(),
                text: format!("Message {id} : ma commande est en retard"),
                author_name: Some("Léa Martin".into()),
                author_handle: Some(handle.into()),
                published_at: Some(1_795_000_000),
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    app.store.send_to_inbox(ws, item, None, 1).await.unwrap()
}

async fn members_are_merged_exported_and_erased(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "tom@brand.example", Role::Editor).await;
    app.member(&ws, "ana@brand.example", Role::Analyst).await;
    let masto = source(&app, ws.id, "mastodon").await;
    let sky = source(&app, ws.id, "bluesky").await;
    let c1 = conversation_with(&app, ws.id, &masto, "1", "@lea@piaille.example").await;
    conversation_with(&app, ws.id, &sky, "at://x/1", "@lea.bsky.social").await;
    app.login("camille@brand.example").await;

    // Two profiles, suggested as one person.
    let (status, html) = app.text("/w/brand/members").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        html.matches("data-testid=\"member-row\"").count(),
        2,
        "{html}"
    );
    assert!(html.contains("data-testid=\"merge-suggestion\""), "{html}");
    assert!(html.contains("85"), "{html}");
    let people = app.store.people(ws.id, None, 10).await.unwrap();
    let (keep, absorb) = (
        people[0].person.id.min(people[1].person.id),
        people[0].person.id.max(people[1].person.id),
    );

    // The conversation links to its person.
    let (_, html) = app.text(&format!("/w/brand/inbox/{c1}")).await;
    assert!(
        html.contains("data-testid=\"conversation-member\""),
        "{html}"
    );

    let response = app
        .post(
            "/w/brand/members/merge",
            &[
                ("keep", &keep.to_string()),
                ("absorb", &absorb.to_string()),
                ("reason", "handle_and_name"),
                ("confidence", "85"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.text(&format!("/w/brand/members/{keep}")).await;
    assert_eq!(
        html.matches("data-testid=\"member-identity\"").count(),
        2,
        "{html}"
    );
    assert!(html.contains("@lea.bsky.social") && html.contains("@lea@piaille.example"));
    let merge_id = app.store.person(ws.id, keep).await.unwrap().unwrap().merges[0].id;
    let response = app
        .post(&format!("/w/brand/members/merges/{merge_id}/undo"), &[])
        .await;
    assert!(location(&response).contains(&format!("/members/{absorb}")));
    assert_eq!(app.store.people(ws.id, None, 10).await.unwrap().len(), 2);
    let (_, html) = app.text("/w/brand/members").await;
    assert!(
        !html.contains("data-testid=\"merge-suggestion\""),
        "an undone pair is not suggested again"
    );
    // Merge again by hand for the rest of the story.
    app.post(
        "/w/brand/members/merge",
        &[("keep", &keep.to_string()), ("absorb", &absorb.to_string())],
    )
    .await;

    // Identities are checked; tags and fields saved.
    let response = app
        .post(
            &format!("/w/brand/members/{keep}/identities"),
            &[("kind", "email"), ("value", "pas une adresse")],
        )
        .await;
    assert!(location(&response).contains("error=identity_not_email"));
    app.post(
        &format!("/w/brand/members/{keep}/identities"),
        &[("kind", "email"), ("value", "Lea@Example.org")],
    )
    .await;
    app.post(
        &format!("/w/brand/members/{keep}/edit"),
        &[
            ("name", "Léa Martin"),
            ("tags", "Fidèle, ambassadrice"),
            ("fields", "ville: Lyon"),
        ],
    )
    .await;
    let (_, html) = app.text(&format!("/w/brand/members/{keep}")).await;
    assert!(
        html.contains("lea@example.org")
            && html.contains("ambassadrice, fidèle")
            && html.contains("ville: Lyon"),
        "{html}"
    );

    // An analyst reads profiles but changes nothing; an editor cannot export or erase.
    let analyst = new_client();
    app.login_with(&analyst, "ana@brand.example", PASSWORD)
        .await;
    assert_eq!(
        app.get_with(&analyst, &format!("/w/brand/members/{keep}"))
            .await
            .status(),
        StatusCode::OK
    );
    let response = app
        .post_with(
            &analyst,
            &format!("/w/brand/members/{keep}/notes"),
            &[("body", "x")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let editor = new_client();
    app.login_with(&editor, "tom@brand.example", PASSWORD).await;
    assert_eq!(
        app.get_with(&editor, &format!("/w/brand/members/{keep}/export"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Export: a JSON file with everything.
    let response = app.get(&format!("/w/brand/members/{keep}/export")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let export: serde_json::Value = response.json().await.unwrap();
    assert_eq!(export["identities"].as_array().unwrap().len(), 3);
    assert_eq!(export["conversations"].as_array().unwrap().len(), 2);

    // Erasure needs the name typed.
    let response = app
        .post(
            &format!("/w/brand/members/{keep}/erase"),
            &[("confirm", "Lea")],
        )
        .await;
    assert!(location(&response).contains("error=erase_confirm_wrong"));
    assert!(app.store.person(ws.id, keep).await.unwrap().is_some());
    let response = app
        .post(
            &format!("/w/brand/members/{keep}/erase"),
            &[("confirm", "Léa Martin")],
        )
        .await;
    assert!(location(&response).contains("done=members_erased"));
    assert!(app.store.people(ws.id, None, 10).await.unwrap().is_empty());
    assert_eq!(
        app.get(&format!("/w/brand/members/{keep}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, html) = app.text("/w/brand/settings/audit").await;
    assert!(
        html.contains("member_erased") || html.contains("erased"),
        "{html}"
    );
    assert!(!html.contains("lea@example.org"));

    // Another workspace cannot reach these profiles.
    let zoe = app.user("zoe@other.example", "Zoé").await;
    app.workspace("other", &zoe).await;
    let stranger = new_client();
    app.login_with(&stranger, "zoe@other.example", PASSWORD)
        .await;
    assert_eq!(
        app.get_with(&stranger, &format!("/w/brand/members/{absorb}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_with(&stranger, &format!("/w/other/members/{absorb}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
