//! The community and the rest of Jardinier's people (issue 16, items 4 and 10): a member's
//! account deletion reaches the listening items made of their posts, the Members section's
//! erasure of a person covers their community account and posts, and a community member is
//! one profile with their other identities.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{community, member, site_post, start_with, ws_id};
use crate::helpers::*;

both_backends!(
    account_deletion_reaches_listening_and_erasure_covers_the_community,
    a_community_member_joins_the_profile_that_has_their_confirmed_address,
    a_member_shows_their_links_on_their_page,
);

/// The listening items of the community's source, as (author handle, text).
async fn listened(app: &TestApp) -> Vec<(Option<String>, String)> {
    let ws = ws_id(app).await;
    app.store
        .items(&jardinier_store::ItemFilter {
            workspace_id: ws,
            include_duplicates: true,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.author_handle, i.body))
        .collect()
}

async fn account_deletion_reaches_listening_and_erasure_covers_the_community(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let ws = ws_id(&app).await;

    // A member who keeps her posts when she leaves (the workspace's default): the items stay,
    // signed by nobody.
    let lea = new_client();
    member(&app, &lea, "Léa Martin", "lea@example.org").await;
    start_with(
        &app,
        &lea,
        "questions",
        "Un arrosoir en zinc ?",
        "Le texte de Léa.",
        1,
    )
    .await;
    assert!(
        listened(&app)
            .await
            .iter()
            .any(|(h, b)| h.as_deref() == Some("@lea-martin") && b.contains("Le texte de Léa"))
    );
    site_post(&app, &lea, "/c/brand/account/delete", &[("confirm", "yes")]).await;
    let items = listened(&app).await;
    let kept = items
        .iter()
        .find(|(_, b)| b.contains("Le texte de Léa"))
        .unwrap();
    assert_eq!(kept.0, None, "the item no longer names her");

    // A workspace that removes posts with their author: the items go too.
    app.post(
        "/w/brand/community/site",
        &[
            ("name", "Les Jardins"),
            ("accent", "#336699"),
            ("open", "yes"),
            ("remove_posts", "yes"),
        ],
    )
    .await;
    let bruno = new_client();
    member(&app, &bruno, "Bruno Lefèvre", "bruno@example.org").await;
    start_with(
        &app,
        &bruno,
        "questions",
        "Compost ou terreau ?",
        "Le texte de Bruno.",
        2,
    )
    .await;
    site_post(
        &app,
        &bruno,
        "/c/brand/account/delete",
        &[("confirm", "yes")],
    )
    .await;
    assert!(
        !listened(&app)
            .await
            .iter()
            .any(|(_, b)| b.contains("Le texte de Bruno"))
    );

    // Erasure from the Members section: the profile the team keeps for her, known by her
    // address, takes her community account and posts with it.
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@example.org").await;
    start_with(
        &app,
        &nina,
        "questions",
        "Quel moulin choisir ?",
        "Le texte de Nina.",
        3,
    )
    .await;
    let now = jardinier_web::unix_now();
    let person = app
        .store
        .create_person(ws, "Nina Petit", now)
        .await
        .unwrap();
    app.store
        .add_identity(
            ws,
            person.id,
            &jardinier_members::Identity {
                kind: jardinier_members::IdentityKind::Email,
                value: "Nina@Example.org".into(),
                verified: true,
            },
            None,
            now,
        )
        .await
        .unwrap();
    let response = app
        .post(
            &format!("/w/brand/members/{}/erase", person.id),
            &[("confirm", "Nina Petit")],
        )
        .await;
    assert!(location(&response).contains("done=members_erased"));
    assert!(
        app.store
            .community_account_by_email(ws, "nina@example.org")
            .await
            .unwrap()
            .is_none(),
        "her community account is gone"
    );
    assert!(
        !listened(&app)
            .await
            .iter()
            .any(|(_, b)| b.contains("Le texte de Nina"))
    );
    let (_, html) = app.text("/c/brand/search?q=moulin").await;
    assert!(
        !html.contains("Quel moulin choisir"),
        "nor found by the search"
    );
    let response = app.get_with(&nina, "/c/brand/account").await;
    assert_ne!(
        response.status(),
        StatusCode::OK,
        "her session went with her account"
    );
}

async fn a_community_member_joins_the_profile_that_has_their_confirmed_address(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let ws = ws_id(&app).await;
    let now = jardinier_web::unix_now();
    // The team already knows Léa by her address (a newsletter, a mail).
    let known = app
        .store
        .create_person(ws, "Léa Martin", now)
        .await
        .unwrap();
    app.store
        .add_identity(
            ws,
            known.id,
            &jardinier_members::Identity {
                kind: jardinier_members::IdentityKind::Email,
                value: "lea@example.org".into(),
                verified: true,
            },
            None,
            now,
        )
        .await
        .unwrap();
    let lea = new_client();
    member(&app, &lea, "Léa Martin", "lea@example.org").await;
    start_with(
        &app,
        &lea,
        "questions",
        "Un arrosoir en zinc ?",
        "Le texte de Léa.",
        1,
    )
    .await;
    // Nobody answers: the question reaches the inbox, whose conversation needs a profile.
    assert_eq!(
        app.store
            .send_unanswered_questions_to_inbox(now + 3_601, now + 3_601)
            .await
            .unwrap(),
        1
    );
    let people = app.store.people(ws, None, 10).await.unwrap();
    assert_eq!(people.len(), 1, "no second profile: {people:?}");
    let identities: Vec<(String, String, bool)> = people[0]
        .identities
        .iter()
        .map(|i| {
            (
                i.identity.kind.as_str().to_owned(),
                i.identity.value.clone(),
                i.identity.verified,
            )
        })
        .collect();
    assert!(
        identities.contains(&("community".to_owned(), "@lea-martin".to_owned(), true)),
        "{identities:?}"
    );
    let (_, page) = app.text(&format!("/w/brand/members/{}", known.id)).await;
    assert!(page.contains("@lea-martin"), "the profile shows it");
}

async fn a_member_shows_their_links_on_their_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@example.org").await;
    let save = |links: &'static str| {
        let (app, nina) = (&app, nina.clone());
        async move {
            site_post(
                app,
                &nina,
                "/c/brand/account",
                &[
                    ("name", "Nina Petit"),
                    ("bio", "Torréfactrice amateure."),
                    ("links", links),
                    ("lang", "en"),
                    ("frequency", "immediate"),
                ],
            )
            .await
        }
    };
    let response = save("www.nina.example\njavascript:alert(1)").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Write a web address"), "{html}");
    assert!(
        html.contains("javascript:alert(1)</textarea>"),
        "what was typed is kept"
    );
    let response = save("www.nina.example\nhttps://piaille.fr/@nina").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&new_client(), "/c/brand/u/nina-petit")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(
        "<a href=\"https://www.nina.example/\" rel=\"me nofollow ugc noopener noreferrer\">www.nina.example</a>"
    ), "{page}");
    assert!(page.contains(">piaille.fr/@nina</a>"));
    let data: serde_json::Value = app
        .get_with(&nina, "/c/brand/account/export")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(data["account"]["links"][1], "https://piaille.fr/@nina");
}
