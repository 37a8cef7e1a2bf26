//! The community's search (issue 16, item 7): words found whatever their inflection, case and
//! accents, one result per topic with the words marked, only in what the reader may read,
//! narrowed by category, author, dates and solved questions; bad filters are named in the
//! reader's language; posts written before the index existed are found once indexed.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{assert_inert, community, key, member, site_post, start_with, ws_id};
use crate::helpers::*;

both_backends!(
    the_community_is_searched_by_meaning_within_what_one_may_read,
    posts_written_before_the_index_are_found_once_indexed,
    topics_carry_tags_that_lists_tag_pages_and_the_search_follow,
    writers_complete_mentions_from_confirmed_members,
);

/// Starts a topic as `client`; returns its id.
async fn topic(
    app: &TestApp,
    client: &reqwest::Client,
    category: &str,
    title: &str,
    body: &str,
    k: u8,
) -> i64 {
    start_with(app, client, category, title, body, k).await.1
}

async fn search(app: &TestApp, client: &reqwest::Client, query: &str) -> (StatusCode, String) {
    let response = app
        .get_with(client, &format!("/c/brand/search?{query}"))
        .await;
    (response.status(), response.text().await.unwrap())
}

/// A visitor whose browser asks for `lang`.
fn client_in(lang: &'static str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [(
                reqwest::header::ACCEPT_LANGUAGE,
                reqwest::header::HeaderValue::from_static(lang),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap()
}

/// The titles of the results, in their order (marks removed).
fn titles(html: &str) -> Vec<String> {
    html.split("<li class=\"hit\">")
        .skip(1)
        .map(|hit| {
            let title = hit.split("class=\"topic-title\"").nth(1).unwrap();
            let title = &title[title.find('>').unwrap() + 1..title.find("</a>").unwrap()];
            title.replace("<mark>", "").replace("</mark>", "")
        })
        .collect()
}

async fn the_community_is_searched_by_meaning_within_what_one_may_read(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let paul = new_client();
    member(&app, &paul, "Paul Martin", "paul@brand.example").await;
    let question = topic(
        &app,
        &nina,
        "questions",
        "Livraison en point relais ?",
        "Je voudrais être livrée près de chez moi.",
        1,
    )
    .await;
    let response = site_post(
        &app,
        &paul,
        &format!("/c/brand/t/{question}/reply"),
        &[
            (
                "body",
                "Les points relais sont proposés à la commande, avec votre **café**.",
            ),
            ("_key", &key(2)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    topic(
        &app,
        &paul,
        "le-salon",
        "Mouture secrète",
        "La mouture du salon, réservée aux membres.",
        3,
    )
    .await;
    topic(
        &app,
        &nina,
        "idees",
        "Une mouture plus fine pour l'espresso",
        "Pour l'espresso, une mouture plus fine serait parfaite.",
        4,
    )
    .await;
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)> mouture";
    topic(&app, &nina, "questions", payload, "Quelle mouture ?", 5).await;

    // A visitor: inflections and accents are found, the members-only lounge is not searched,
    // the words are marked and what members wrote stays inert.
    let visitor = client_in("fr");
    let (status, html) = search(&app, &visitor, "q=MOUTURES").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        titles(&html),
        [
            "&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=alert(2)&#62; mouture",
            "Une mouture plus fine pour l&#39;espresso"
        ]
    );
    assert!(html.contains("2 sujets trouvés."), "{html}");
    assert!(html.contains("<mark>mouture</mark>"));
    assert_inert(&html, payload);
    // A member reads the lounge, and finds it.
    let (_, html) = search(&app, &nina, "q=mouture").await;
    assert_eq!(titles(&html).len(), 3);
    assert!(titles(&html).contains(&"Mouture secrète".to_owned()));

    // One result per topic: its newest post found, linked by its number, the words marked.
    let (_, html) = search(&app, &visitor, "q=livraisons").await;
    assert_eq!(titles(&html), ["Livraison en point relais ?"]);
    assert!(html.contains(&format!(
        "href=\"/c/brand/t/{question}/livraison-en-point-relais/2\""
    )));
    assert!(
        html.contains("Les points relais sont proposés à la commande"),
        "its newest post"
    );
    let (_, html) = search(&app, &visitor, "q=cafe+relais").await;
    assert!(html.contains("<mark>café</mark>"), "{html}");
    assert!(html.contains("1 sujet trouvé."));
    // Every word must be found.
    let (_, html) = search(&app, &visitor, "q=mouture+relais").await;
    assert!(html.contains("0 sujet trouvé."), "{html}");
    assert!(html.contains("Rien trouvé."));

    // Filters: category, author, solved questions, dates.
    let (_, html) = search(&app, &visitor, "q=mouture&category=idees").await;
    assert_eq!(titles(&html), ["Une mouture plus fine pour l&#39;espresso"]);
    let (_, handle) = app
        .store
        .community_account_by_email(ws_id(&app).await, "paul@brand.example")
        .await
        .unwrap()
        .map(|(a, _)| (a.id, a.handle))
        .unwrap();
    let (_, html) = search(&app, &nina, &format!("q=mouture&author=%40{handle}")).await;
    assert_eq!(titles(&html), ["Mouture secrète"]);
    let (_, html) = search(&app, &visitor, &format!("author={handle}")).await;
    assert_eq!(
        titles(&html),
        ["Livraison en point relais ?"],
        "an author alone"
    );
    let (_, html) = search(&app, &visitor, "q=relais&solved=no").await;
    assert_eq!(titles(&html).len(), 1);
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{question}/accept"),
        &[("number", "2")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = search(&app, &visitor, "q=relais&solved=no").await;
    assert!(titles(&html).is_empty());
    let (_, html) = search(&app, &visitor, "q=relais&solved=yes").await;
    assert_eq!(titles(&html), ["Livraison en point relais ?"]);
    let today = jardinier_webkit::format::iso_day(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
        "UTC",
    );
    let (_, html) = search(&app, &visitor, &format!("q=relais&from={today}&to={today}")).await;
    assert_eq!(titles(&html).len(), 1, "written today");
    let (_, html) = search(&app, &visitor, "q=relais&to=2020-01-31").await;
    assert!(titles(&html).is_empty(), "nothing written before 2020");

    // Bad filters: named, in the reader's language, with what was typed kept.
    let (status, html) = search(&app, &visitor, "q=relais&from=06%2F12%2F2026").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Écrivez une date sous la forme AAAA-MM-JJ"),
        "{html}"
    );
    assert!(html.contains("value=\"06/12/2026\""));
    assert!(html.contains("value=\"relais\""));
    let english = client_in("en");
    let (status, html) = search(&app, &english, "q=mouture&category=le-salon&author=nobody").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("This category does not exist or you may not read it."));
    assert!(html.contains("No member has this username."));
    assert!(!html.contains("Mouture secrète"));
    let (_, html) = search(&app, &english, "q=mouture").await;
    assert!(html.contains("2 topics found."));
}

async fn posts_written_before_the_index_are_found_once_indexed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let ws = ws_id(&app).await;
    let questions = app
        .store
        .community_categories(ws)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == "questions")
        .unwrap()
        .id;
    // Written as by a version of Jardinier without the search index: no terms.
    let body = "Quel **torréfacteur** pour débuter ?";
    let post = jardinier_store::NewCommunityPost {
        workspace_id: ws,
        author_account: None,
        author_user: None,
        body_md: body,
        body_html: "<p>Quel <strong>torréfacteur</strong> pour débuter ?</p>",
        status: "visible",
        idem_key: "older-1",
        terms: None,
        screened: None,
        now: 1_700_000_000,
    };
    app.store
        .create_community_topic(questions, "Premier achat", "premier-achat", &[], &post)
        .await
        .unwrap();
    let visitor = new_client();
    let (_, html) = search(&app, &visitor, "q=torrefacteurs").await;
    assert!(titles(&html).is_empty());
    let indexed = jardinier_site::search::index_waiting_posts(app.store.as_ref())
        .await
        .unwrap();
    assert_eq!(indexed, 1);
    let (_, html) = search(&app, &visitor, "q=torrefacteurs").await;
    assert_eq!(titles(&html), ["Premier achat"]);
    assert!(html.contains("<mark>torréfacteur</mark>"));
    // Nothing is left to index.
    assert_eq!(
        jardinier_site::search::index_waiting_posts(app.store.as_ref())
            .await
            .unwrap(),
        0
    );
}

async fn topics_carry_tags_that_lists_tag_pages_and_the_search_follow(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let new_topic = |category: &'static str, title: &'static str, tags: &'static str, k: u8| {
        let (app, nina) = (&app, &nina);
        async move {
            site_post(
                app,
                nina,
                "/c/brand/new",
                &[
                    ("category", category),
                    ("title", title),
                    ("tags", tags),
                    ("body", "Le texte du sujet."),
                    ("_key", &key(k)),
                ],
            )
            .await
        }
    };
    // Too many tags: refused with the reason, what was typed kept.
    let response = new_topic("questions", "Quel moulin ?", "a, b, c, d, e, f", 1).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Five tags at most per topic."), "{html}");
    assert!(html.contains("value=\"a, b, c, d, e, f\""));
    let response = new_topic("questions", "Quel moulin ?", "Espresso, moulin ; #V60", 2).await;
    let path = location(&response);
    let id: i64 = path.split('/').nth(4).unwrap().parse().unwrap();
    new_topic("le-salon", "Entre nous", "espresso", 3).await;

    let visitor = new_client();
    let topic = app.get_with(&visitor, &path).await.text().await.unwrap();
    for tag in ["espresso", "moulin", "v60"] {
        assert!(
            topic.contains(&format!("href=\"/c/brand/tags/{tag}\">#{tag}</a>")),
            "{tag}"
        );
    }
    let list = app
        .get_with(&visitor, "/c/brand/categories/questions")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("href=\"/c/brand/tags/v60\""));
    // A tag's page lists what the reader may read; an unknown tag is no page.
    let tagged = app.get_with(&visitor, "/c/brand/tags/espresso").await;
    assert_eq!(tagged.status(), StatusCode::OK);
    let tagged = tagged.text().await.unwrap();
    assert!(tagged.contains("Quel moulin ?") && !tagged.contains("Entre nous"));
    let tagged = app
        .get_with(&nina, "/c/brand/tags/espresso")
        .await
        .text()
        .await
        .unwrap();
    assert!(tagged.contains("Entre nous"), "a member reads the lounge");
    assert_eq!(
        app.get_with(&visitor, "/c/brand/tags/nothing-here")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // The search's tag filter, with words or alone.
    let (_, html) = search(&app, &visitor, "tag=%23Espresso").await;
    assert_eq!(titles(&html), ["Quel moulin ?"]);
    let (_, html) = search(&app, &visitor, "q=texte&tag=moulin").await;
    assert_eq!(titles(&html), ["Quel moulin ?"]);
    let (_, html) = search(&app, &visitor, "q=texte&tag=v61").await;
    assert!(titles(&html).is_empty());
    let (status, html) = search(&app, &visitor, "q=texte&tag=%21%21").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("A tag is letters, digits or hyphens"));

    // The first post's edit changes the tags.
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{id}/posts/1/edit"),
        &[
            ("title", "Quel moulin ?"),
            ("tags", "espresso"),
            ("body", "Le texte du sujet."),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with(&visitor, "/c/brand/tags/moulin")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, history) = search(&app, &visitor, "tag=espresso").await;
    assert_eq!(titles(&history), ["Quel moulin ?"]);
}

async fn writers_complete_mentions_from_confirmed_members(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let paul = new_client();
    member(&app, &paul, "Paul Niel", "paul@brand.example").await;
    // Signed up, address not confirmed: not offered.
    let response = site_post(
        &app,
        &new_client(),
        "/c/brand/signup",
        &[
            ("name", "Nils Unconfirmed"),
            ("email", "nils@brand.example"),
            ("password", "une phrase de passe"),
            ("charter", "yes"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let complete = |client: &reqwest::Client, q: &str| {
        let (app, client, q) = (&app, client.clone(), q.to_owned());
        async move {
            app.get_with(&client, &format!("/c/brand/mentions?q={q}"))
                .await
        }
    };
    let response = complete(&paul, "ni").await;
    assert_eq!(response.status(), StatusCode::OK);
    let found: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        found,
        serde_json::json!([{"handle": "nina-petit", "name": "Nina Petit"}])
    );
    // By the name's start too, whatever its case.
    let found: serde_json::Value = complete(&nina, "PAUL").await.json().await.unwrap();
    assert_eq!(found[0]["handle"], "paul-niel");
    // LIKE's wildcards are not patterns.
    let found: serde_json::Value = complete(&nina, "%25").await.json().await.unwrap();
    assert_eq!(found, serde_json::json!([]));
    // Visitors are not handed the list of members.
    assert_eq!(
        complete(&new_client(), "ni").await.status(),
        StatusCode::FORBIDDEN
    );
    // The boxes where members write ask for it.
    let form = app
        .get_with(&nina, "/c/brand/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("data-mentions=\"/c/brand/mentions\""));
}
