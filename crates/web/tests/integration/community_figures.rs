//! The Community section's figures (issue 16, item 9): new and active members, posts, the share
//! of questions answered by someone other than their asker, the median time to that first
//! answer, and the topics waiting for a reply; read by the team in their language.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{community, handle_id, key, member, site_post, ws_id};
use crate::helpers::*;

both_backends!(
    the_team_sees_how_the_community_answers_its_questions,
    the_archive_holds_everything_the_community_produced,
    the_archive_comes_back_whole_in_another_workspace,
);

async fn the_team_sees_how_the_community_answers_its_questions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let ws = ws_id(&app).await;
    member(&app, &new_client(), "Nina Petit", "nina@brand.example").await;
    member(&app, &new_client(), "Paul Martin", "paul@brand.example").await;
    let nina = handle_id(&app, "nina@brand.example").await;
    let paul = handle_id(&app, "paul@brand.example").await;
    let camille = app
        .store
        .user_credentials("camille@brand.example")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let categories = app.store.community_categories(ws).await.unwrap();
    let category = |slug: &str| categories.iter().find(|c| c.slug == slug).unwrap().id;
    let now = jardinier_web::unix_now();
    let mut k = 0;
    let mut post = |account: Option<i64>, user: Option<i64>, at: i64| {
        k += 1;
        (account, user, at, format!("figures-{k}"))
    };
    // (category, title, posts: (member, teammate, when))
    let threads = [
        // Answered by Paul after 10 minutes, and accepted.
        (
            "questions",
            "Quel terreau ?",
            vec![
                post(Some(nina), None, now - 7_200),
                post(Some(paul), None, now - 6_600),
            ],
        ),
        // Nina adds a detail to her own question: still not answered.
        (
            "questions",
            "Quand tailler ?",
            vec![
                post(Some(nina), None, now - 10_800),
                post(Some(nina), None, now - 10_740),
            ],
        ),
        // Answered by the team after an hour.
        (
            "questions",
            "Arroser le soir ?",
            vec![
                post(Some(paul), None, now - 18_000),
                post(None, Some(camille), now - 14_400),
            ],
        ),
        // Nobody replied: waiting.
        (
            "le-salon",
            "Vos récoltes",
            vec![post(Some(nina), None, now - 7_200)],
        ),
        // The team's announcements expect no reply.
        (
            "annonces",
            "Fermeture",
            vec![post(None, Some(camille), now - 7_200)],
        ),
        // Too recent to be waiting.
        (
            "le-salon",
            "Bonjour",
            vec![post(Some(paul), None, now - 60)],
        ),
    ];
    let mut first_question = 0;
    for (slug, title, posts) in &threads {
        let mut topic = None;
        for (account, user, at, key) in posts {
            let new = jardinier_store::NewCommunityPost {
                workspace_id: ws,
                author_account: *account,
                author_user: *user,
                body_md: "Texte.",
                body_html: "<p>Texte.</p>",
                status: "visible",
                idem_key: key,
                terms: Some(&[]),
                screened: None,
                now: *at,
            };
            match topic {
                None => {
                    let id = app
                        .store
                        .create_community_topic(category(slug), title, "sujet", &[], &new)
                        .await
                        .unwrap();
                    topic = Some(id);
                }
                Some(id) => {
                    app.store.create_community_reply(id, &new).await.unwrap();
                }
            }
        }
        if first_question == 0 {
            first_question = topic.unwrap();
        }
    }
    app.store
        .set_community_accepted(ws, first_question, Some(2))
        .await
        .unwrap();

    app.post("/lang", &[("lang", "fr"), ("next", "/")]).await;
    let (status, html) = app.text("/w/brand/community/figures").await;
    assert_eq!(status, StatusCode::OK);
    let figure = |id: &str| {
        let at = html.find(&format!("data-testid=\"{id}\">")).unwrap() + id.len() + 15;
        html[at..html[at..].find('<').unwrap() + at].to_owned()
    };
    assert_eq!(figure("figure-new-members"), "2");
    assert_eq!(figure("figure-active-members"), "2");
    assert_eq!(figure("figure-posts"), "9");
    assert_eq!(figure("figure-answered"), "67\u{202f}%");
    assert!(html.contains("2 sur 3 questions ; résolues : 1"), "{html}");
    // The median of 10 minutes and an hour.
    assert_eq!(figure("figure-first-answer"), "35\u{a0}min");
    assert!(html.contains("1 sujet attend une réponse"));
    let waiting: Vec<&str> = html
        .split("data-testid=\"waiting-topic\"")
        .skip(1)
        .collect();
    assert_eq!(waiting.len(), 1);
    assert!(waiting[0].contains("Vos récoltes") && waiting[0].contains("Nina Petit"));
    assert!(waiting[0].contains("/c/brand/t/"));
    assert!(html.contains("Messages par jour"));

    // Ninety days in English; a period not offered falls back to thirty days.
    app.post("/lang", &[("lang", "en"), ("next", "/")]).await;
    let (_, html) = app.text("/w/brand/community/figures?days=90").await;
    assert!(
        html.contains("of questions answered") && html.contains("67%"),
        "{html}"
    );
    let (status, _) = app.text("/w/brand/community/figures?days=12").await;
    assert_eq!(status, StatusCode::OK);
    // The community page links to its figures.
    let (_, page) = app.text("/w/brand/community").await;
    assert!(page.contains("href=\"/w/brand/community/figures\""));
}

async fn the_archive_holds_everything_the_community_produced(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let response = site_post(
        &app,
        &nina,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Quel moulin ?"),
            ("tags", "moka"),
            ("body", "Un **moulin** pour la moka ?"),
            ("_key", &key(1)),
        ],
    )
    .await;
    let path = location(&response);
    let id: i64 = path.split('/').nth(4).unwrap().parse().unwrap();
    let response = site_post(
        &app,
        &app.client,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", "Le moulin à meules coniques."), ("_key", &key(2))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    site_post(
        &app,
        &nina,
        "/c/brand/new",
        &[
            ("category", "le-salon"),
            ("title", "Entre nous"),
            ("body", "Réservé aux membres."),
            ("_key", &key(3)),
        ],
    )
    .await;

    let response = app.get("/w/brand/community/export.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment; filename=\"brand-community-"));
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("password") && !text.contains("$argon2"),
        "no secret"
    );
    let archive: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(archive["format"], "jardinier-community");
    assert_eq!(archive["version"], 1);
    assert_eq!(archive["site"]["name"], "Les Jardins");
    assert_eq!(archive["categories"].as_array().unwrap().len(), 5);
    assert_eq!(archive["charter"]["version"], 1);
    let members = archive["members"].as_array().unwrap();
    assert!(
        members
            .iter()
            .any(|m| m["handle"] == "nina-petit" && m["email"] == "nina@brand.example")
    );
    let topics = archive["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 2, "the members-only topic too");
    let question = topics.iter().find(|t| t["id"] == id).unwrap();
    assert_eq!(question["category"], "questions");
    assert_eq!(question["tags"], serde_json::json!(["moka"]));
    assert_eq!(
        question["author"],
        serde_json::json!({"member": "nina-petit"})
    );
    let posts = question["posts"].as_array().unwrap();
    assert_eq!(posts[0]["number"], 1);
    assert_eq!(posts[0]["markdown"], "Un **moulin** pour la moka ?");
    assert_eq!(posts[1]["author"], serde_json::json!({"team": "Camille"}));

    // Only who manages the community downloads it.
    let analyst = new_client();
    app.login_with(&analyst, "ana@brand.example", PASSWORD)
        .await;
    let response = app
        .get_with(&analyst, "/w/brand/community/export.json")
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

/// An archive without what cannot be the same in another workspace (ids, times of export).
fn comparable(mut archive: serde_json::Value) -> serde_json::Value {
    archive["exported_at"] = serde_json::Value::Null;
    archive["workspace"] = serde_json::Value::Null;
    for topic in archive["topics"].as_array_mut().unwrap() {
        topic["id"] = serde_json::Value::Null;
    }
    archive["topics"]
        .as_array_mut()
        .unwrap()
        .sort_by_key(|t| t["title"].as_str().unwrap().to_owned());
    archive
}

async fn the_archive_comes_back_whole_in_another_workspace(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let ws = ws_id(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let paul = new_client();
    member(&app, &paul, "Paul Martin", "paul@brand.example").await;
    let new_topic = |client: &reqwest::Client,
                     category: &'static str,
                     title: &'static str,
                     tags: &'static str,
                     k: u8| {
        let (app, client) = (&app, client.clone());
        async move {
            let response = site_post(
                app,
                &client,
                "/c/brand/new",
                &[
                    ("category", category),
                    ("title", title),
                    ("tags", tags),
                    ("body", "Premier message, avec **gras** et @paul-martin."),
                    ("_key", &key(k)),
                ],
            )
            .await;
            let path = location(&response);
            path.split('/').nth(4).unwrap().parse::<i64>().unwrap()
        }
    };
    let reply = |client: &reqwest::Client, id: i64, body: &'static str, k: u8| {
        let (app, client) = (&app, client.clone());
        async move {
            let response = site_post(
                app,
                &client,
                &format!("/c/brand/t/{id}/reply"),
                &[("body", body), ("_key", &key(k))],
            )
            .await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
    };
    site_post(
        &app,
        &nina,
        "/c/brand/account",
        &[
            ("name", "Nina Petit"),
            ("bio", "Jardinière."),
            ("links", "www.nina.example"),
            ("lang", "fr"),
            ("frequency", "daily"),
        ],
    )
    .await;
    let question = new_topic(&nina, "questions", "Quel terreau ?", "semis, terreau", 1).await;
    reply(&paul, question, "Un terreau fin.", 2).await;
    reply(&app.client, question, "Confirmé par l'équipe.", 3).await;
    reply(&paul, question, "Oups, doublon.", 4).await;
    site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{question}/posts/4/delete"),
        &[],
    )
    .await;
    app.store
        .set_community_accepted(ws, question, Some(2))
        .await
        .unwrap();
    let idea = new_topic(&paul, "idees", "Des graines en vrac", "", 5).await;
    app.store
        .set_community_idea_status(ws, idea, Some("planned"))
        .await
        .unwrap();
    let lounge = new_topic(&nina, "le-salon", "Entre nous", "", 6).await;
    app.store
        .set_community_topic_flags(ws, lounge, true, true, false)
        .await
        .unwrap();

    let first: serde_json::Value = app
        .get("/w/brand/community/export.json")
        .await
        .json()
        .await
        .unwrap();
    // Into a new workspace of the same team.
    let owner = app
        .store
        .user_credentials("camille@brand.example")
        .await
        .unwrap()
        .unwrap()
        .0;
    let copy = app.workspace("copy", &owner).await;
    let archive: jardinier_community::archive::Archive =
        serde_json::from_value(first.clone()).unwrap();
    let done =
        jardinier_site::archive_import::import(app.store.as_ref(), copy.id, "copy", &archive)
            .await
            .unwrap();
    assert_eq!(
        (done.categories, done.members, done.topics, done.posts),
        (5, 2, 3, 6)
    );
    assert!(done.unknown_team.is_empty(), "{:?}", done.unknown_team);
    let second: serde_json::Value = app
        .get("/w/copy/community/export.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(comparable(second), comparable(first));
    // The imported community reads like the first, search included.
    let page = app
        .get("/c/copy/search?q=terreau")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Quel <mark>terreau</mark> ?"), "{page}");
    // A second import into the same community is refused, and writes nothing.
    let again =
        jardinier_site::archive_import::import(app.store.as_ref(), copy.id, "copy", &archive).await;
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("already has topics")
    );
}
