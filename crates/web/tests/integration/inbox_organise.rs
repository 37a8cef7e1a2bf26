//! Organising the queue: labels, queues and spam by hand and in bulk, searching conversations
//! by their words or the person, saved views (personal and shared), and routing rules that
//! label, queue or close as spam, including by the tags of the author's profile.

use jardinier_listening::IncomingItem;
use jardinier_store::{NewSource, Source};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(conversations_are_labelled_searched_and_routed);

async fn source(app: &TestApp, ws: i64) -> Source {
    app.store
        .create_source(&NewSource {
            workspace_id: ws,
            kind: "mastodon",
            name: "Masto",
            config: "{}",
            secret: None,
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap()
}

fn mention(id: &str, who: &str, text: &str) -> IncomingItem {
    IncomingItem {
        external_id: id.into(),
        text: text.into(),
        author_name: Some(who.into()),
        author_handle: Some(format!("@{}@piaille.example", who.to_lowercase())),
        published_at: Some(1_795_000_000),
        ..Default::default()
    }
}

async fn conversations_are_labelled_searched_and_routed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let masto = source(&app, ws.id).await;
    let report = app
        .ingestor
        .ingest(
            &masto,
            vec![
                mention("1", "Lea", "Ma cafetière fuit depuis la livraison"),
                mention("2", "Sam", "Vous livrez à Lyon ? Je cherche un moka"),
                mention("3", "Bot", "GAGNEZ UN IPHONE cliquez ici"),
            ],
            1,
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for item in &report.inserted_ids {
        ids.push(
            app.store
                .send_to_inbox(ws.id, *item, None, 1)
                .await
                .unwrap(),
        );
    }
    app.login("camille@brand.example").await;

    // Labels and queue by hand.
    let app = &app;
    let change = |id: i64, action: &'static str, value: &'static str| {
        let path = format!("/w/brand/inbox/{id}/change");
        async move {
            app.post(&path, &[("action", action), ("value", value)])
                .await
        }
    };
    assert!(location(&change(ids[0], "label_add", "  SAV ").await).contains("inbox_saved"));
    change(ids[0], "label_add", "produit").await;
    change(ids[0], "queue", "Support").await;
    assert!(location(&change(ids[0], "label_add", " ").await).contains("inbox_label_empty"));
    let c = app
        .store
        .conversation_summary(ws.id, ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.labels.clone(), c.queue.as_deref()),
        (
            vec!["produit".to_owned(), "sav".to_owned()],
            Some("support")
        )
    );
    change(ids[0], "label_remove", "produit").await;
    // Spam: labelled and done.
    change(ids[2], "spam", "").await;
    let spam = app
        .store
        .conversation_summary(ws.id, ids[2])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (spam.state.as_str(), spam.labels.clone()),
        ("done", vec!["spam".to_owned()])
    );

    // Filters: label, queue, words (stemmed: "livraison" finds "livrez"? no — "livrais"), person.
    let rows = |html: &str| html.matches("data-testid=\"conversation-row\"").count();
    let (_, html) = app.text("/w/brand/inbox?label=sav").await;
    assert_eq!(rows(&html), 1, "{html}");
    let (_, html) = app.text("/w/brand/inbox?queue=support").await;
    assert_eq!(rows(&html), 1);
    let (_, html) = app.text("/w/brand/inbox?q=cafetieres").await;
    assert_eq!(rows(&html), 1, "words are folded and stemmed: {html}");
    assert!(
        html.contains("1 conversation found."),
        "a search says what it found: {html}"
    );
    let (_, html) = app.text("/w/brand/inbox?q=sam").await;
    assert_eq!(rows(&html), 1, "the person's name: {html}");
    let (_, html) = app.text("/w/brand/inbox?q=iphone").await;
    assert_eq!(rows(&html), 0, "spam is done, out of the open queue");
    assert!(html.contains("No conversation found."), "{html}");
    let (_, html) = app.text("/w/brand/inbox?q=iphone&state=done").await;
    assert_eq!(rows(&html), 1);
    // The API filters the same way.
    let token = app.api_token(&app.client, "brand").await;
    let listed: serde_json::Value = app
        .client
        .get(app.url("/api/v1/workspace/conversations?label=sav"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");

    // Bulk label.
    let response = app
        .post(
            "/w/brand/inbox/bulk",
            &[
                ("id", &ids[0].to_string()),
                ("id", &ids[1].to_string()),
                ("action", "label"),
                ("label", "semaine-47"),
            ],
        )
        .await;
    assert!(location(&response).contains("inbox_bulk_saved"));
    let (_, html) = app.text("/w/brand/inbox?label=semaine-47").await;
    assert_eq!(rows(&html), 2);

    // Saved views: a personal one and a shared one.
    let response = app
        .post(
            "/w/brand/inbox/views",
            &[("name", "SAV Lyon"), ("query", "label=sav&q=fuit&evil=1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.post(
        "/w/brand/inbox/views",
        &[
            ("name", "Équipe support"),
            ("query", "queue=support"),
            ("shared", "1"),
        ],
    )
    .await;
    let views = app.store.inbox_views(ws.id, owner.id).await.unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(
        views.iter().find(|v| v.name == "SAV Lyon").unwrap().query,
        "label=sav&q=fuit",
        "only the filter's keys"
    );
    let (_, html) = app.text("/w/brand/inbox").await;
    assert!(
        html.contains("data-testid=\"inbox-views\"")
            && html.contains("SAV Lyon")
            && html.contains("Équipe support")
    );
    let tom = app
        .member(&ws, "tom@brand.example", jardinier_domain::Role::Editor)
        .await;
    let theirs = app.store.inbox_views(ws.id, tom.id).await.unwrap();
    assert_eq!(
        theirs.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        vec!["Équipe support"],
        "personal views stay personal"
    );

    // Routing rules that label, queue and close as spam, one by the author's profile tags.
    let people = app.store.people(ws.id, Some("sam"), 5).await.unwrap();
    app.store
        .update_person(ws.id, people[0].person.id, "Sam", &["vip".into()], &[], 2)
        .await
        .unwrap();
    let rule = |name: &'static str,
                keywords: &'static str,
                tags: &'static str,
                label: &'static str,
                queue: &'static str,
                spam: &'static str| {
        vec![
            ("name", name),
            ("keywords", keywords),
            ("member_tags", tags),
            ("label", label),
            ("queue", queue),
            ("spam", spam),
            ("intent", "save"),
        ]
    };
    for form in [
        rule("VIP", "", "vip", "vip", "", ""),
        rule("Concours", "gagnez", "", "", "", "1"),
        rule("Casse", "cass*", "", "casse", "Support", ""),
    ] {
        let response = app.post("/w/brand/inbox/rules", &form).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{}",
            response.text().await.unwrap()
        );
    }
    let report = app
        .ingestor
        .ingest(
            &masto,
            vec![
                mention("10", "Sam", "Merci pour le moka, au top"),
                mention("11", "Spammer", "Gagnez des bons d'achat"),
                mention("12", "Noor", "Ma tasse est arrivée cassée"),
                mention("13", "Zoe", "Rien à signaler"),
            ],
            3,
        )
        .await
        .unwrap();
    let routed = |item: i64| {
        let store = app.store.clone();
        async move {
            let open = store
                .conversations(&jardinier_store::ConversationFilter {
                    workspace_id: ws.id,
                    before: None,
                    state: None,
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap();
            let done = store
                .conversations(&jardinier_store::ConversationFilter {
                    workspace_id: ws.id,
                    before: None,
                    state: Some("done".into()),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap();
            let mut found = None;
            for c in open.into_iter().chain(done) {
                let (_, items, _) = store.conversation(ws.id, c.id).await.unwrap().unwrap();
                if items.iter().any(|i| i.id == item) {
                    found = Some(c);
                }
            }
            found
        }
    };
    let vip = routed(report.inserted_ids[0])
        .await
        .expect("the VIP's mention is routed");
    assert_eq!(vip.labels, vec!["vip".to_owned()]);
    let spam = routed(report.inserted_ids[1])
        .await
        .expect("the contest spam is routed");
    assert_eq!(
        (spam.state.as_str(), spam.labels.clone()),
        ("done", vec!["spam".to_owned()])
    );
    let broken = routed(report.inserted_ids[2])
        .await
        .expect("the breakage is routed");
    assert_eq!(
        (broken.labels.clone(), broken.queue.as_deref()),
        (vec!["casse".to_owned()], Some("support"))
    );
    assert!(
        routed(report.inserted_ids[3]).await.is_none(),
        "no rule, no conversation"
    );
}
