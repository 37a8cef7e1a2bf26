//! The inbox: a mention sent from Listening opens a conversation, a reply to it joins and
//! reopens it, teammates assign it, change its state and priority, and leave notes; refused
//! changes say why; another workspace's conversations are out of reach.

use jardinier_domain::Role;
use jardinier_listening::IncomingItem;
use jardinier_store::{NewSource, Source};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    a_mention_becomes_a_conversation_that_the_team_handles,
    live_pages_show_changes_and_who_else_is_there,
    routing_rules_are_tried_then_route_new_mentions
);

/// A conversation of another workspace ("other"): (workspace, its item, the conversation).
async fn foreign_conversation(app: &TestApp) -> (jardinier_store::Workspace, i64, i64) {
    let other_owner = app.user("zoe@other.example", "Zoé").await;
    let other = app.workspace("other", &other_owner).await;
    let theirs = source(app, other.id).await;
    let their_item = app
        .ingestor
        .ingest(&theirs, vec![mention("o1", "Chez eux", None)], 1)
        .await
        .unwrap()
        .inserted_ids[0];
    let conversation = app
        .store
        .send_to_inbox(other.id, their_item, None, 1)
        .await
        .unwrap();
    (other, their_item, conversation)
}

async fn source(app: &TestApp, workspace_id: i64) -> Source {
    app.store
        .create_source(&NewSource {
            workspace_id,
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

fn mention(id: &str, text: &str, parent: Option<&str>) -> IncomingItem {
    IncomingItem {
        external_id: id.into(),
        text: text.into(),
        author_name: Some("Léa".into()),
        author_handle: Some("@lea@mastodon.example".into()),
        parent_external_id: parent.map(str::to_owned),
        published_at: Some(1_795_000_000),
        ..Default::default()
    }
}

async fn a_mention_becomes_a_conversation_that_the_team_handles(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let editor = app.member(&ws, "tom@brand.example", Role::Editor).await;
    app.member(&ws, "ana@brand.example", Role::Analyst).await;
    let masto = source(&app, ws.id).await;
    let report = app
        .ingestor
        .ingest(
            &masto,
            vec![mention(
                "s1",
                "Ma commande 4512 n'est toujours pas arrivée, c'est la deuxième fois !",
                None,
            )],
            1_795_000_100,
        )
        .await
        .unwrap();
    let item = report.inserted_ids[0];
    app.login("camille@brand.example").await;

    let (_, empty) = app.text("/w/brand/inbox").await;
    assert!(empty.contains("data-testid=\"inbox-empty\""));
    let stream = app.text("/w/brand/listening").await.1;
    assert!(stream.contains(&format!("/w/brand/listening/items/{item}/inbox")));

    // Sent from Listening: a new conversation, under the mention's words, from its author.
    let response = app
        .post(&format!("/w/brand/listening/items/{item}/inbox"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let at = location(&response);
    assert!(at.ends_with("?done=inbox_sent"), "{at}");
    let conversation = at
        .trim_start_matches("/w/brand/inbox/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let again = app
        .post(&format!("/w/brand/listening/items/{item}/inbox"), &[])
        .await;
    assert_eq!(location(&again), at, "sent twice, one conversation");
    let list = app.text("/w/brand/inbox").await.1;
    assert_eq!(list.matches("data-testid=\"conversation-row\"").count(), 1);
    assert!(
        list.contains("Ma commande 4512 n&#x27;est toujours pas arrivée")
            || list.contains("Ma commande 4512 n&#39;est toujours pas arrivée"),
        "{list}"
    );
    assert!(list.contains("data-testid=\"count-new\">1<"));
    let page_path = format!("/w/brand/inbox/{conversation}");
    let change = |action: &'static str, value: String| {
        let path = format!("{page_path}/change");
        let app = &app;
        async move {
            location(
                &app.post(&path, &[("action", action), ("value", value.as_str())])
                    .await,
            )
        }
    };

    // Refused changes say why and change nothing.
    assert!(
        change("state", "assigned".into())
            .await
            .ends_with("done=inbox_needs_assignee")
    );
    let analyst_id = app
        .store
        .members(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.role == Role::Analyst)
        .unwrap()
        .user
        .id;
    assert!(
        change("assign", analyst_id.to_string())
            .await
            .ends_with("done=inbox_not_a_teammate"),
        "an analyst does not work the inbox"
    );
    assert!(
        change("note", "   ".into())
            .await
            .ends_with("done=inbox_note_empty")
    );

    // Assigning makes it assigned; notes and priority are kept in its history.
    assert!(
        change("assign", editor.id.to_string())
            .await
            .ends_with("done=inbox_saved")
    );
    assert!(
        change("priority", "urgent".into())
            .await
            .ends_with("done=inbox_saved")
    );
    assert!(
        change(
            "note",
            "Client fidèle : proposer un geste commercial.".into()
        )
        .await
        .ends_with("done=inbox_saved")
    );
    assert!(
        change("state", "new".into())
            .await
            .ends_with("done=inbox_still_assigned")
    );
    assert!(
        change("state", "waiting".into())
            .await
            .ends_with("done=inbox_saved")
    );
    let page = app.text(&page_path).await.1;
    assert!(page.contains("data-testid=\"conversation-state\">Waiting on the person<"));
    let tom = editor.display_name.clone();
    assert!(page.contains(&format!("data-testid=\"conversation-assignee\">{tom}<")));
    for line in [
        "Opened from mastodon by Camille".to_owned(),
        format!("Camille gave it to {tom}"),
        "Camille set the priority to Urgent".to_owned(),
        "Note by Camille: Client fidèle : proposer un geste commercial.".to_owned(),
        "Camille set the state to Waiting on the person".to_owned(),
    ] {
        assert!(page.contains(&line), "{line} in the history:\n{page}");
    }

    // The person answers in the thread: the reply joins the conversation, which reopens
    // (assigned, since Tom has it).
    app.ingestor
        .ingest(
            &masto,
            vec![mention("s2", "Toujours rien reçu ce matin.", Some("s1"))],
            1_795_000_900,
        )
        .await
        .unwrap();
    let page = app.text(&page_path).await.1;
    assert_eq!(page.matches("data-testid=\"timeline-mention\"").count(), 2);
    assert!(page.contains("data-testid=\"conversation-state\">Assigned<"));
    assert!(page.contains("The person wrote again"));

    // Filters: mine, nobody's, done.
    app.login_with(&app.client, "tom@brand.example", PASSWORD)
        .await;
    let mine = app.text("/w/brand/inbox?who=me").await.1;
    assert_eq!(mine.matches("data-testid=\"conversation-row\"").count(), 1);
    assert!(mine.contains("data-testid=\"count-mine\">1<"));
    let nobody = app.text("/w/brand/inbox?who=nobody").await.1;
    assert_eq!(
        nobody.matches("data-testid=\"conversation-row\"").count(),
        0
    );
    assert!(
        change("state", "done".into())
            .await
            .ends_with("done=inbox_saved")
    );
    let open = app.text("/w/brand/inbox").await.1;
    assert_eq!(open.matches("data-testid=\"conversation-row\"").count(), 0);
    let done = app.text("/w/brand/inbox?state=done").await.1;
    assert_eq!(done.matches("data-testid=\"conversation-row\"").count(), 1);

    // Bulk: two conversations taken, then marked done, at once; none ticked says so.
    let second = app
        .ingestor
        .ingest(
            &masto,
            vec![mention("s3", "Question sur les horaires", None)],
            1,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    let second = app
        .store
        .send_to_inbox(ws.id, second, None, 2)
        .await
        .unwrap();
    let first: i64 = conversation.parse().unwrap();
    let (first_id, second_id) = (first.to_string(), second.to_string());
    let bulk = |action: &'static str| {
        let (app, a, b) = (&app, first_id.clone(), second_id.clone());
        async move {
            location(
                &app.post(
                    "/w/brand/inbox/bulk",
                    &[("action", action), ("id", a.as_str()), ("id", b.as_str())],
                )
                .await,
            )
        }
    };
    assert!(bulk("take").await.ends_with("done=inbox_bulk_saved"));
    // Taking a conversation that is done keeps it done; a new one becomes assigned.
    for (id, state) in [(first, "done"), (second, "assigned")] {
        let (c, _, _) = app.store.conversation(ws.id, id).await.unwrap().unwrap();
        assert_eq!((c.assignee_id, c.state.as_str()), (Some(editor.id), state));
    }
    assert!(bulk("done").await.ends_with("done=inbox_bulk_saved"));
    let done = app.text("/w/brand/inbox?state=done").await.1;
    assert_eq!(done.matches("data-testid=\"conversation-row\"").count(), 2);
    assert!(
        location(&app.post("/w/brand/inbox/bulk", &[("action", "done")]).await)
            .ends_with("done=inbox_bulk_none")
    );

    // Another workspace's conversation and mentions are out of reach.
    let (other, their_item, their_conversation) = foreign_conversation(&app).await;
    assert_eq!(
        app.get(&format!("/w/brand/inbox/{their_conversation}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for (path, fields) in [
        (
            format!("/w/brand/inbox/{their_conversation}/change"),
            vec![("action", "state"), ("value", "done")],
        ),
        (
            format!("/w/brand/listening/items/{their_item}/inbox"),
            vec![],
        ),
    ] {
        assert_eq!(
            app.post(&path, &fields).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (theirs_now, _, _) = app
        .store
        .conversation(other.id, their_conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(theirs_now.state, "new");
}

/// Reads a live page's events until one contains `wanted` (gives up after 15 s).
async fn read_until(response: &mut reqwest::Response, seen: &mut String, wanted: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !seen.contains(wanted) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(
            !left.is_zero(),
            "no {wanted:?} in the live stream: {seen:?}"
        );
        if let Ok(Ok(Some(chunk))) = tokio::time::timeout(left, response.chunk()).await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn live_pages_show_changes_and_who_else_is_there(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "tom@brand.example", Role::Editor).await;
    let masto = source(&app, ws.id).await;
    let item = app
        .ingestor
        .ingest(
            &masto,
            vec![mention("s1", "Bonjour, une question", None)],
            1,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    let conversation = app.store.send_to_inbox(ws.id, item, None, 2).await.unwrap();
    app.login("camille@brand.example").await;
    let tom = new_client();
    app.login_with(&tom, "tom@brand.example", PASSWORD).await;

    let live = format!("/w/brand/inbox/{conversation}/live");
    let mut camille_live = app.client.get(app.url(&live)).send().await.unwrap();
    assert_eq!(camille_live.status(), StatusCode::OK);
    assert_eq!(camille_live.headers()["content-type"], "text/event-stream");
    let mut list_live = app
        .client
        .get(app.url("/w/brand/inbox/live"))
        .send()
        .await
        .unwrap();
    // Tom opens the same conversation: Camille is told.
    let tom_live = tom.get(app.url(&live)).send().await.unwrap();
    assert_eq!(tom_live.status(), StatusCode::OK);
    let mut seen = String::new();
    read_until(
        &mut camille_live,
        &mut seen,
        "event: viewers\ndata: [\"editor person\"]",
    )
    .await;
    // Tom writes a note: both live pages hear of a change.
    app.post_with(
        &tom,
        &format!("/w/brand/inbox/{conversation}/change"),
        &[("action", "note"), ("value", "Je m'en occupe")],
    )
    .await;
    read_until(&mut camille_live, &mut seen, "event: changed").await;
    let mut list_seen = String::new();
    read_until(&mut list_live, &mut list_seen, "event: changed").await;
    // Tom leaves: Camille is alone again.
    drop(tom_live);
    let before = seen.len();
    let mut rest = String::new();
    read_until(&mut camille_live, &mut rest, "event: viewers\ndata: []").await;
    assert!(seen.len() == before);
    // Another workspace's conversation has no live page for Camille.
    let (_, _, their_conversation) = foreign_conversation(&app).await;
    assert_eq!(
        app.get(&format!("/w/brand/inbox/{their_conversation}/live"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn routing_rules_are_tried_then_route_new_mentions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let tom = app.member(&ws, "tom@brand.example", Role::Editor).await;
    let masto = source(&app, ws.id).await;
    app.ingestor
        .ingest(
            &masto,
            vec![
                mention("old1", "Je veux être remboursé, colis jamais arrivé", None),
                mention("old2", "Super café ce matin", None),
            ],
            1,
        )
        .await
        .unwrap();
    app.login("camille@brand.example").await;
    let tom_id = tom.id.to_string();
    let form = |intent: &'static str, keywords: &'static str| {
        vec![
            ("name", "Remboursements"),
            ("keywords", keywords),
            ("query", ""),
            ("source", ""),
            ("lang", ""),
            ("sentiment", ""),
            ("min_reach", ""),
            ("assign_to", tom_id.as_str()),
            ("priority", "urgent"),
            ("intent", intent),
        ]
    };
    // An invalid expression is refused with its position; a preview counts recent mentions.
    let response = app
        .post("/w/brand/inbox/rules", &form("preview", "rembours* AND"))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("data-testid=\"rule-error\"")
    );
    let preview = app
        .post("/w/brand/inbox/rules", &form("preview", "rembours*"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        preview.contains("1 of the last 2 mentions meets this rule."),
        "{preview}"
    );
    assert!(
        app.store.routing_rules(ws.id).await.unwrap().is_empty(),
        "a preview saves nothing"
    );
    let response = app
        .post("/w/brand/inbox/rules", &form("save", "rembours*"))
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/inbox/rules?done=routing_rule_saved"
    );

    // From now on, a matching mention opens a conversation by itself; the others do not.
    app.ingestor
        .ingest(
            &masto,
            vec![
                mention("new1", "Remboursez-moi, c'est la troisième fois", None),
                mention("new2", "Merci pour l'accueil samedi", None),
            ],
            2,
        )
        .await
        .unwrap();
    let open = app
        .store
        .conversations(&jardinier_store::ConversationFilter {
            workspace_id: ws.id,
            before: None,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (
            open[0].assignee_id,
            open[0].state.as_str(),
            open[0].priority.as_str()
        ),
        (Some(tom.id), "assigned", "urgent")
    );
    let page = app.text(&format!("/w/brand/inbox/{}", open[0].id)).await.1;
    assert!(
        page.contains("Sent here by the routing rule “Remboursements”"),
        "{page}"
    );

    let rule = app.store.routing_rules(ws.id).await.unwrap().remove(0);
    let response = app
        .post(&format!("/w/brand/inbox/rules/{}/delete", rule.id), &[])
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/inbox/rules?done=routing_rule_deleted"
    );
    assert!(app.store.routing_rules(ws.id).await.unwrap().is_empty());
}

/// Issue 15, item 3: a negative mention by an author with a large audience arrives urgent,
/// before any rule; a modest one stays normal.
#[tokio::test]
async fn a_complaint_to_a_large_audience_arrives_urgent() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let source = crate::members::source(&app, ws.id, "mastodon").await;
    let mut opened = Vec::new();
    for (id, reach) in [("loud", 121_000), ("quiet", 40)] {
        let item = app
            .ingestor
            .ingest(
                &source,
                vec![IncomingItem {
                    external_id: id.into(),
                    text: "Commande arrivée cassée, service client injoignable : très déçu.".into(),
                    author_name: Some("Parisian Foodie".into()),
                    author_handle: Some(format!("@{id}@piaille.example")),
                    author_reach: Some(reach),
                    published_at: Some(jardinier_web::unix_now()),
                    ..Default::default()
                }],
                jardinier_web::unix_now(),
            )
            .await
            .unwrap()
            .inserted_ids[0];
        let conversation = app.store.send_to_inbox(ws.id, item, None, 1).await.unwrap();
        let (_, items, _) = app
            .store
            .conversation(ws.id, conversation)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            items[0].sentiment.as_deref(),
            Some("negative"),
            "{}",
            items[0].body
        );
        opened.push(conversation);
    }
    let priority = |id: i64| {
        let store = app.store.clone();
        async move {
            store
                .conversation(ws.id, id)
                .await
                .unwrap()
                .unwrap()
                .0
                .priority
        }
    };
    assert_eq!(priority(opened[0]).await, "urgent");
    assert_eq!(priority(opened[1]).await, "normal");
}
