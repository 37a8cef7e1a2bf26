//! Changing posts (issue 16, item 3): authors edit their posts (the first one's title too) and
//! everyone can read the earlier versions; they delete them softly (the team still reads the
//! text); others may not; the search follows every change.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{assert_inert, community, key, member, site_post, start_with};
use crate::helpers::*;

both_backends!(
    authors_edit_and_delete_their_posts_and_the_history_stays_readable,
    a_reply_quotes_a_post_or_the_part_selected_and_its_author_is_told,
    members_and_the_team_react_to_others_posts_once_each,
    a_preview_shows_the_post_as_it_will_be_and_stores_nothing,
    a_topic_says_how_many_posts_it_has_to_whoever_may_read_it,
);

async fn text(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = app.get_with(client, path).await;
    (response.status(), response.text().await.unwrap())
}

async fn authors_edit_and_delete_their_posts_and_the_history_stays_readable(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let paul = new_client();
    member(&app, &paul, "Paul Martin", "paul@brand.example").await;
    let (path, id) = start_with(
        &app,
        &nina,
        "questions",
        "Quel terreau ?",
        "Du terreau universel ?",
        1,
    )
    .await;
    let response = site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", "Un terreau tamisé."), ("_key", &key(2))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let edit = format!("/c/brand/t/{id}/posts/1/edit");

    // Only the author (or the team) edits; a visitor is asked to sign in.
    let (status, html) = text(&app, &paul, &edit).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("This post is not yours"), "{html}");
    let response = app.get_with(&new_client(), &edit).await;
    assert!(location(&response).starts_with("/c/brand/signin?next="));
    let (_, page) = text(&app, &nina, &path).await;
    assert!(page.contains(&format!("href=\"{edit}\"")));
    assert_eq!(
        page.matches("data-testid=\"edit-post\"").count(),
        1,
        "her post only"
    );
    let (_, page) = text(&app, &paul, &path).await;
    assert!(page.contains(&format!("/c/brand/t/{id}/posts/2/edit")));
    assert!(!page.contains(&format!("href=\"{edit}\"")));

    // A preview of the edit saves nothing.
    let response = site_post(
        &app,
        &nina,
        &edit,
        &[
            ("title", "Quel terreau ?"),
            ("body", "Du terreau _fin_ ?"),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("<em>fin</em>"));
    let (_, history) = text(&app, &nina, &format!("/c/brand/t/{id}/posts/1/revisions")).await;
    assert_eq!(
        history.matches("data-testid=\"revision\"").count(),
        1,
        "not edited"
    );

    // Nina edits her question and its title: the earlier version stays readable.
    let (status, form) = text(&app, &nina, &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Du terreau universel ?") && form.contains("value=\"Quel terreau ?\""));
    let response = site_post(
        &app,
        &nina,
        &edit,
        &[
            ("title", "Quel terreau pour les semis ?"),
            ("body", "Du terreau **fin** ou universel ?"),
        ],
    )
    .await;
    let new_path = format!("/c/brand/t/{id}/quel-terreau-pour-les-semis");
    assert_eq!(location(&response), format!("{new_path}?page=1#post-1"));
    let (_, page) = text(&app, &new_client(), &new_path).await;
    assert!(page.contains("<strong>fin</strong>") && page.contains("data-testid=\"edited\""));
    let (status, history) = text(
        &app,
        &new_client(),
        &format!("/c/brand/t/{id}/posts/1/revisions"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history.matches("data-testid=\"revision\"").count(), 2);
    assert!(history.contains("Du terreau universel ?") && history.contains("by Nina Petit"));
    // The same form sent again makes no new version.
    site_post(
        &app,
        &nina,
        &edit,
        &[
            ("title", "Quel terreau pour les semis ?"),
            ("body", "Du terreau **fin** ou universel ?"),
        ],
    )
    .await;
    let (_, history) = text(&app, &nina, &format!("/c/brand/t/{id}/posts/1/revisions")).await;
    assert_eq!(history.matches("data-testid=\"revision\"").count(), 2);
    // The search follows: the new words, and the reply found by the new title (indexed again
    // in the background).
    let search = |q: &'static str| {
        let app = &app;
        async move {
            text(app, &new_client(), &format!("/c/brand/search?q={q}"))
                .await
                .1
        }
    };
    assert!(search("fin").await.contains("1 topic found."));
    let mut found = false;
    for _ in 0..50 {
        if search("semis+tamise").await.contains("1 topic found.") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the reply is found by the topic's new title");

    // Bad input comes back with its error and the text kept; script stays text.
    let response = site_post(&app, &nina, &edit, &[("title", ""), ("body", "Gardé")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains(">Gardé</textarea>"));
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let response = site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{id}/posts/2/edit"),
        &[("body", &format!("Tamisé, {payload}"))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = text(&app, &new_client(), &new_path).await;
    assert_inert(&page, payload);
    let (_, history) = text(
        &app,
        &new_client(),
        &format!("/c/brand/t/{id}/posts/2/revisions"),
    )
    .await;
    assert_inert(&history, payload);

    // A topic others replied to stays; a reply is deleted softly.
    let delete = format!("/c/brand/t/{id}/posts/1/delete");
    let response = site_post(&app, &nina, &delete, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This topic has replies")
    );
    assert!(search("tamise").await.contains("1 topic found."));
    let response = site_post(&app, &paul, &format!("/c/brand/t/{id}/posts/2/delete"), &[]).await;
    assert_eq!(location(&response), format!("{new_path}?page=1#post-2"));
    let (_, page) = text(&app, &new_client(), &new_path).await;
    assert!(page.contains("This post was deleted by its author."));
    assert!(!page.contains("Tamisé"));
    assert!(search("tamise").await.contains("0 topics found."));
    // The team still reads it.
    let (_, page) = text(&app, &app.client, &new_path).await;
    assert!(page.contains("Tamisé"), "the team reads the deleted text");
    let response = site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{id}/posts/2/edit"),
        &[("body", "Encore")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A topic nobody answered goes with its first post.
    let (lonely, lonely_id) = start_with(
        &app,
        &nina,
        "questions",
        "Une erreur",
        "Posté trop vite.",
        3,
    )
    .await;
    let count = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let ws = store.workspace_by_slug("brand").await.unwrap().unwrap().id;
            store.community_categories(ws).await.unwrap()[0].topics
        }
    };
    let before = count(&app).await;
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{lonely_id}/posts/1/delete"),
        &[],
    )
    .await;
    assert_eq!(location(&response), "/c/brand/categories/questions");
    assert_eq!(
        app.get_with(&new_client(), &lonely).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(count(&app).await, before - 1);
}

async fn a_reply_quotes_a_post_or_the_part_selected_and_its_author_is_told(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let paul = new_client();
    member(&app, &paul, "Paul *Martin*", "paul@brand.example").await;
    let (path, id) = start_with(
        &app,
        &nina,
        "questions",
        "Quel terreau ?",
        "Pour des semis.",
        1,
    )
    .await;
    site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{id}/reply"),
        &[
            ("body", "Un terreau tamisé,\nsans engrais."),
            ("_key", &key(2)),
        ],
    )
    .await;

    // The whole post, with who wrote it (their name stays text) and a link to it.
    let (_, page) = text(&app, &nina, &format!("{path}?quote=2")).await;
    assert!(page.contains("data-testid=\"quote-post\""));
    let intro = format!("&#62; Paul \\*Martin\\* [wrote](/c/brand/t/{id}/quel-terreau/2):");
    assert!(page.contains(&intro), "{page}");
    assert!(page.contains("&#62; Un terreau tamisé,\n&#62; sans engrais."));
    // The part selected, when the post has it; the whole post when it has not.
    let reply_box = |page: &str| {
        let tag = page.find("data-testid=\"reply-body\"").unwrap();
        let from = tag + page[tag..].find('>').unwrap() + 1;
        page[from..from + page[from..].find("</textarea>").unwrap()].to_owned()
    };
    let (_, page) = text(
        &app,
        &nina,
        &format!("{path}?quote=2&part=terreau%20tamis%C3%A9"),
    )
    .await;
    let quoted = reply_box(&page);
    assert!(quoted.contains("&#62; terreau tamisé\n") && !quoted.contains("sans engrais"));
    let (_, page) = text(&app, &nina, &format!("{path}?quote=2&part=du%20compost")).await;
    let quoted = reply_box(&page);
    assert!(quoted.contains("sans engrais") && !quoted.contains("du compost"));
    // A visitor may not reply: no quote.
    let (_, page) = text(&app, &new_client(), &format!("{path}?quote=2")).await;
    assert!(!page.contains("data-testid=\"quote-post\"") && !page.contains("[wrote]"));

    // Nina sends her reply: Paul is told he was quoted.
    let body = format!(
        "> Paul \\*Martin\\* [wrote](/c/brand/t/{id}/quel-terreau/2):\n>\n> terreau tamisé\n\nMerci !"
    );
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", &body), ("_key", &key(3))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = text(&app, &new_client(), &path).await;
    assert!(page.contains("<blockquote>"), "the quote is shown as one");
    let (_, bell) = text(&app, &paul, "/c/brand/notifications").await;
    assert!(bell.contains("Nina Petit quoted you in"), "{bell}");
}

async fn members_and_the_team_react_to_others_posts_once_each(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let paul = new_client();
    member(&app, &paul, "Paul Martin", "paul@brand.example").await;
    let (path, id) = start_with(
        &app,
        &nina,
        "questions",
        "Quel terreau ?",
        "Pour des semis.",
        1,
    )
    .await;
    site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", "Un terreau tamisé."), ("_key", &key(2))],
    )
    .await;
    let react = |n: i64| format!("/c/brand/t/{id}/posts/{n}/react");
    // The number a reaction shows on post `n`, for `client`.
    let count = |page: &str, n: i64, kind: &str| -> Option<String> {
        let post = page.split(&format!("id=\"post-{n}\"")).nth(1)?;
        let post = post.split("</li>").next()?;
        let at = post.find(&format!("-{kind}\""))?;
        let rest = &post[at..];
        let number: String = rest[rest.find("</span>")? + 7..]
            .chars()
            .take_while(|ch| *ch != '<')
            .collect();
        Some(number.trim().to_owned())
    };

    let response = site_post(&app, &nina, &react(2), &[("kind", "thanks")]).await;
    assert_eq!(location(&response), format!("{path}?page=1#post-2"));
    let (_, page) = text(&app, &nina, &path).await;
    assert!(page.contains("aria-pressed=\"true\" title=\"Thanks\" data-testid=\"react-thanks\""));
    assert_eq!(count(&page, 2, "thanks").as_deref(), Some("1"));
    // Not on one's own post: Paul sees the count, without a button.
    let response = site_post(&app, &paul, &react(2), &[("kind", "heart")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, page) = text(&app, &paul, &path).await;
    assert!(page.contains("data-testid=\"reaction-thanks\""));
    // A visitor sees the counts and is asked to sign in.
    let (_, page) = text(&app, &new_client(), &path).await;
    assert!(page.contains("data-testid=\"reaction-thanks\"") && !page.contains("react-thanks"));
    let response = site_post(&app, &new_client(), &react(2), &[("kind", "thanks")]).await;
    assert_eq!(
        location(&response),
        format!("/c/brand/signin?next=%2Ft%2F{id}%2Fquel-terreau%3Fpage%3D1"),
        "back to the post, not to the form's address"
    );
    // Unknown kinds are no reaction.
    let response = site_post(&app, &nina, &react(2), &[("kind", "<script>")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // A second click takes it back; the team reacts too.
    site_post(&app, &nina, &react(2), &[("kind", "thanks")]).await;
    let (_, page) = text(&app, &nina, &path).await;
    assert!(page.contains("aria-pressed=\"false\" title=\"Thanks\""));
    assert!(!page.contains("data-testid=\"reaction-thanks\""));
    let response = site_post(&app, &app.client, &react(2), &[("kind", "heart")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    site_post(&app, &nina, &react(2), &[("kind", "agree")]).await;
    let (_, page) = text(&app, &new_client(), &path).await;
    assert_eq!(count(&page, 2, "heart").as_deref(), Some("1"));
    assert_eq!(count(&page, 2, "agree").as_deref(), Some("1"));
    // A member's reactions are in their data, and go with their account.
    let (_, data) = text(&app, &nina, "/c/brand/account/export").await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["reactions"][0]["kind"], "agree");
    assert_eq!(data["reactions"][0]["number"], 2);
    site_post(
        &app,
        &nina,
        "/c/brand/account/delete",
        &[("confirm", "yes")],
    )
    .await;
    let (_, page) = text(&app, &new_client(), &path).await;
    assert_eq!(count(&page, 2, "agree"), None);
    assert_eq!(count(&page, 2, "heart").as_deref(), Some("1"));
}

async fn a_preview_shows_the_post_as_it_will_be_and_stores_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let topics = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            let ws = store.workspace_by_slug("brand").await.unwrap().unwrap().id;
            store.community_categories(ws).await.unwrap()[0].topics
        }
    };
    let fields = |preview: bool| {
        let mut fields = vec![
            ("category", "questions".to_owned()),
            ("title", "Quel terreau ?".to_owned()),
            (
                "body",
                "Du terreau **fin** <script>alert(1)</script>".to_owned(),
            ),
            ("_key", key(1)),
        ];
        if preview {
            fields.push(("preview", "1".to_owned()));
        }
        fields
    };
    let send = |preview: bool| {
        let (app, nina) = (&app, &nina);
        async move {
            let owned = fields(preview);
            let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            site_post(app, nina, "/c/brand/new", &borrowed).await
        }
    };
    let response = send(true).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"preview\"") && html.contains("<strong>fin</strong>"));
    assert_inert(&html, "a preview");
    assert!(
        html.contains(&format!("name=\"_key\" value=\"{}\"", key(1))),
        "the same key"
    );
    assert_eq!(topics(&app).await, 0, "nothing is stored");
    // Sent after its preview, the topic is made once.
    assert_eq!(send(false).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(send(false).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(topics(&app).await, 1);
    // A preview of a form with a mistake shows the mistake, not a preview.
    let response = site_post(
        &app,
        &nina,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", ""),
            ("body", "x"),
            ("_key", &key(2)),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !response
            .text()
            .await
            .unwrap()
            .contains("data-testid=\"preview\"")
    );
    // A reply's preview.
    let ws = app
        .store
        .workspace_by_slug("brand")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, id) = start_with(&app, &nina, "questions", "Et le compost ?", "Question.", 3).await;
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{id}/reply"),
        &[
            ("body", "Un _mélange_."),
            ("_key", &key(4)),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<em>mélange</em>") && html.contains(">Un _mélange_.</textarea>"));
    let topic = app.store.community_topic(ws, id).await.unwrap().unwrap();
    assert_eq!(topic.posts, 1, "no reply stored");
}

async fn a_topic_says_how_many_posts_it_has_to_whoever_may_read_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let (path, id) = start_with(&app, &nina, "questions", "Quel terreau ?", "Texte.", 1).await;
    let latest = |client: reqwest::Client, id: i64| {
        let app = &app;
        async move {
            app.get_with(&client, &format!("/c/brand/t/{id}/latest.json"))
                .await
        }
    };
    let response = latest(new_client(), id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["posts"], 1);
    let page = app
        .get_with(&new_client(), &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!(
        "data-live-topic=\"/c/brand/t/{id}/latest.json\" data-posts=\"1\""
    )));
    site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", "Précision."), ("_key", &key(2))],
    )
    .await;
    let body: serde_json::Value = latest(new_client(), id).await.json().await.unwrap();
    assert_eq!(body["posts"], 2);
    assert_eq!(body["href"], format!("{path}?page=1#post-2"));
    // A members-only topic says nothing to a visitor.
    let (_, lounge) = start_with(&app, &nina, "le-salon", "Entre nous", "Texte.", 3).await;
    assert_eq!(
        latest(new_client(), lounge).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(latest(nina.clone(), lounge).await.status(), StatusCode::OK);
}
