//! The community space (issue 16): the team sets it up in the workbench, a visitor reads it,
//! signs up, confirms their address, accepts the charter and posts; the rules of each category
//! hold; what members write is inert wherever it is shown; a community on its own host name.

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    a_newcomer_signs_up_confirms_accepts_the_charter_and_posts,
    a_new_charter_version_is_accepted_before_the_next_post,
    categories_keep_their_readers_and_writers,
    what_members_write_is_inert,
    bad_input_is_refused_with_its_reason_and_nothing_half_written,
    a_community_answers_on_its_own_host_name,
    feeds_and_the_sitemap_show_what_visitors_may_read,
    questions_get_an_accepted_answer_ideas_get_votes_and_a_status,
    what_a_member_writes_is_on_their_profile,
    a_question_nobody_answers_goes_to_the_inbox_and_the_answer_comes_back,
    members_are_told_in_the_bell_by_mail_and_in_digests,
    a_member_downloads_their_data_and_deletes_their_account,
);

/// The `_csrf` of a community page, for `client`.
pub(crate) async fn site_csrf(app: &TestApp, client: &reqwest::Client) -> String {
    let html = app
        .get_with(client, "/c/brand/signin")
        .await
        .text()
        .await
        .unwrap();
    csrf_in(&html)
}

pub(crate) async fn site_post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = site_csrf(app, client).await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", &token));
    client.post(app.url(path)).form(&form).send().await.unwrap()
}

pub(crate) async fn ws_id(app: &TestApp) -> i64 {
    app.store
        .workspace_by_slug("brand")
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A one-time form key, as the pages give one.
pub(crate) fn key(n: u8) -> String {
    format!("{:064x}", u128::from(n) + 0xfeed)
}

/// A workspace whose community is open, with a questions category, an introductions category,
/// a team-only announcements category, a members-only lounge and a charter: set up through the
/// workbench's pages by its community manager.
pub(crate) async fn community(app: &TestApp) {
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "ana@brand.example", Role::Analyst).await;
    app.login("camille@brand.example").await;
    let response = app
        .post(
            "/w/brand/community/site",
            &[
                ("name", "Les Jardins"),
                ("tagline", "Le forum des jardiniers"),
                ("accent", "#336699"),
                ("host", ""),
                ("open", "yes"),
                ("welcome_fr", "Bonjour {name}, bienvenue !"),
                ("welcome_en", "Hello {name}, welcome!"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/community?done=community_saved"
    );
    for (name, kind, read, post) in [
        ("Questions", "questions", "everyone", "members"),
        ("Présentations", "introductions", "everyone", "members"),
        ("Annonces", "discussion", "everyone", "staff"),
        ("Le salon", "discussion", "members", "members"),
        ("Idées", "ideas", "everyone", "members"),
    ] {
        let response = app
            .post(
                "/w/brand/community/categories",
                &[
                    ("name", name),
                    ("slug", ""),
                    ("description", "Une catégorie"),
                    ("colour", "#aa5500"),
                    ("position", "1"),
                    ("kind", kind),
                    ("read_access", read),
                    ("post_access", post),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name}");
    }
    let response = app
        .post(
            "/w/brand/community/charter",
            &[("body_fr", "Soyez bienveillants."), ("body_en", "Be kind.")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

/// Signs a new member up with `client` and follows the link of the e-mail they receive.
pub(crate) async fn member(app: &TestApp, client: &reqwest::Client, name: &str, email: &str) {
    let response = site_post(
        app,
        client,
        "/c/brand/signup",
        &[
            ("name", name),
            ("email", email),
            ("password", "une phrase de passe"),
            ("charter", "yes"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/c/brand/signup/sent");
    let link = verification_link(app, email).await;
    let response = client.get(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

pub(crate) async fn verification_link(app: &TestApp, email: &str) -> String {
    let mail = app.store.recent_mail(100).await.unwrap();
    let message = mail
        .iter()
        .find(|m| m.to == email && m.body_text.contains("/verify/"))
        .unwrap_or_else(|| panic!("a verification e-mail to {email}"));
    message
        .body_text
        .split_whitespace()
        .find(|w| w.contains("/verify/"))
        .unwrap()
        .to_owned()
}

async fn a_newcomer_signs_up_confirms_accepts_the_charter_and_posts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;

    // A visitor reads without an account, in their browser's language.
    let visitor = new_client();
    let home = visitor
        .get(app.url("/c/brand/"))
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("Les Jardins") && html.contains("Questions"));
    assert!(html.contains("lang=\"fr\""), "French from Accept-Language");
    assert!(
        !html.contains("Le salon"),
        "members-only categories are hidden from visitors"
    );

    let newcomer = new_client();
    let response = site_post(
        &app,
        &newcomer,
        "/c/brand/signup",
        &[
            ("name", "Léa Martin"),
            ("email", "Lea@Example.org"),
            ("password", "une phrase de passe"),
            ("charter", "yes"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/c/brand/signup/sent");
    // Signed in, but posting waits for the address.
    let page = app
        .get_with(&newcomer, "/c/brand/")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"verify-notice\"") && page.contains("lea@example.org"));
    let response = site_post(
        &app,
        &newcomer,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Quand semer les tomates ?"),
            ("body", "Bonjour !"),
            ("_key", &key(1)),
        ],
    )
    .await;
    let refusal = response.text().await.unwrap();
    assert!(refusal.contains("Confirm your address first"), "{refusal}");

    let link = verification_link(&app, "lea@example.org").await;
    assert!(link.starts_with(&app.url("/c/brand/verify/")), "{link}");
    let response = newcomer.get(&link).send().await.unwrap();
    assert_eq!(location(&response), "/c/brand/?welcome=1");
    // The link works once.
    let again = newcomer.get(&link).send().await.unwrap();
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("This link no longer works")
    );
    // The welcome message the team wrote, in the member's language (English: no choice made).
    let mail = app.store.recent_mail(100).await.unwrap();
    assert!(
        mail.iter().any(
            |m| m.to == "lea@example.org" && m.body_text.contains("Hello Léa Martin, welcome!")
        ),
        "the welcome e-mail"
    );

    // A topic, sent twice by a double click: one topic.
    for _ in 0..2 {
        let response = site_post(
            &app,
            &newcomer,
            "/c/brand/new",
            &[
                ("category", "questions"),
                ("title", "Quand semer les tomates ?"),
                ("body", "Bonjour à tous, **quand** semer ?"),
                ("_key", &key(2)),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(location(&response).ends_with("/quand-semer-les-tomates"));
    }
    let categories = app
        .store
        .community_categories(ws_id(&app).await)
        .await
        .unwrap();
    let questions = categories.iter().find(|c| c.slug == "questions").unwrap();
    assert_eq!(questions.topics, 1);
    let topics = app
        .store
        .community_topics(ws_id(&app).await, &[questions.id], true, 0, 10)
        .await
        .unwrap();
    let topic = &topics[0];
    let path = format!("/c/brand/t/{}/quand-semer-les-tomates", topic.id);
    let html = visitor
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<strong>quand</strong>"), "Markdown rendered");
    assert!(html.contains("Léa Martin"));
    assert!(html.contains(&format!(
        "<link rel=\"canonical\" href=\"{}{path}\">",
        app.base
    )));

    // The team answers as staff; the newcomer replies and mentions them.
    let response = app
        .client
        .post(app.url(&format!("/c/brand/t/{}/reply", topic.id)))
        .form(&[
            ("body", "En avril, sous abri."),
            ("_key", key(3).as_str()),
            ("_csrf", &site_csrf(&app, &app.client).await),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), format!("{path}#post-2"));
    let response = site_post(
        &app,
        &newcomer,
        &format!("/c/brand/t/{}/reply", topic.id),
        &[("body", "Merci @lea-martin !"), ("_key", &key(4))],
    )
    .await;
    assert_eq!(location(&response), format!("{path}#post-3"));
    let html = visitor
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("En avril, sous abri.") && html.contains("class=\"badge staff\""));
    assert!(
        html.contains("href=\"/c/brand/u/lea-martin\""),
        "the mention links: {html}"
    );

    // The workbench shows the week's newcomer and their first post.
    let (_, page) = app.text("/w/brand/community").await;
    assert!(page.contains("Léa Martin") && page.contains("data-testid=\"newcomer\""));
    assert!(!page.contains("Not posted yet"));
    // The overview says so, and the menu counts it.
    let (_, overview) = app.text("/w/brand").await;
    assert!(
        overview.contains("1 newcomer posted for the first time this week: welcome them"),
        "{overview}"
    );
    let (_, work) = app.text("/w/brand/work.json").await;
    assert!(work.contains("\"community\":1"), "{work}");
}

async fn a_new_charter_version_is_accepted_before_the_next_post(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    // Moderation cites rules by number: a charter without a numbered list is pointed out.
    let (_, page) = app.text("/w/brand/community").await;
    assert!(
        page.contains("This charter has no numbered rules."),
        "{page}"
    );
    let response = app
        .post(
            "/w/brand/community/charter",
            &[
                (
                    "body_fr",
                    "Nouvelle charte.\n\n1. Soyez courtois.\n2. **Pas de publicité**.",
                ),
                (
                    "body_en",
                    "New charter.\n\n1. Be kind.\n2. **No advertising**.",
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.text("/w/brand/community").await;
    assert!(page.contains("Version 2, published by Camille"));
    assert!(
        page.contains("2 numbered rules, as moderation will cite them")
            && page.contains("<li value=\"2\">No advertising.</li>"),
        "{page}"
    );
    // A category is changed from the same page: its name, address and who may post.
    let questions = app
        .store
        .community_categories(ws_id(&app).await)
        .await
        .unwrap()[0]
        .clone();
    assert!(page.contains("Change “Questions”"));
    let response = app
        .post(
            "/w/brand/community/categories",
            &[
                ("id", &questions.id.to_string()),
                ("name", "Vos questions"),
                ("slug", "questions"),
                ("description", "Posez-les ici"),
                ("colour", "#aa5500"),
                ("position", "1"),
                ("kind", "questions"),
                ("read_access", "everyone"),
                ("post_access", "members"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let changed = app
        .store
        .community_categories(ws_id(&app).await)
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(
        (changed.name.as_str(), changed.description.as_str()),
        ("Vos questions", "Posez-les ici")
    );

    let form = [
        ("category", "questions"),
        ("title", "Une question"),
        ("body", "Texte"),
    ];
    let k = key(9);
    let mut fields = form.to_vec();
    fields.push(("_key", &k));
    let response = site_post(&app, &lea, "/c/brand/new", &fields).await;
    assert!(location(&response).starts_with("/c/brand/charter?next="));
    let page = app
        .get_with(&lea, "/c/brand/charter")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"charter-changed\"") && page.contains("New charter."));
    // Each rule has its own address, for the messages that cite it.
    assert!(
        page.contains("<li id=\"rule-2\"><strong>No advertising</strong>.</li>"),
        "{page}"
    );
    // Accepting an older version than the current one accepts nothing.
    site_post(&app, &lea, "/c/brand/charter", &[("version", "1")]).await;
    let response = site_post(&app, &lea, "/c/brand/new", &fields).await;
    assert!(location(&response).starts_with("/c/brand/charter"));
    site_post(&app, &lea, "/c/brand/charter", &[("version", "2")]).await;
    let response = site_post(&app, &lea, "/c/brand/new", &fields).await;
    assert!(
        location(&response).ends_with("/une-question"),
        "{}",
        location(&response)
    );
    let account = app
        .store
        .community_account_by_email(ws_id(&app).await, "lea@example.org")
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(account.charter_version, Some(2));
}

async fn categories_keep_their_readers_and_writers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let visitor = new_client();
    let response = app.get_with(&visitor, "/c/brand/categories/le-salon").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let response = app.get_with(&lea, "/c/brand/categories/le-salon").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<meta name=\"robots\" content=\"noindex\">")
    );

    // Announcements: the team only.
    let response = site_post(
        &app,
        &lea,
        "/c/brand/new",
        &[
            ("category", "annonces"),
            ("title", "Une annonce"),
            ("body", "Texte"),
            ("_key", &key(5)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose a category you may post in.")
    );
    let response = app
        .client
        .post(app.url("/c/brand/new"))
        .form(&[
            ("category", "annonces"),
            ("title", "Atelier samedi"),
            ("body", "Venez !"),
            ("_key", key(6).as_str()),
            ("_csrf", &site_csrf(&app, &app.client).await),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the team posts there"
    );

    // A teammate whose role has no community access reads as a visitor; a closed community is
    // not found for visitors, and open for the team.
    let analyst = new_client();
    app.login_with(&analyst, "ana@brand.example", PASSWORD)
        .await;
    let response = app.get_with(&analyst, "/c/brand/categories/le-salon").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.post(
        "/w/brand/community/site",
        &[
            ("name", "Les Jardins"),
            ("tagline", ""),
            ("accent", "#336699"),
            ("host", ""),
            ("welcome_fr", ""),
            ("welcome_en", ""),
        ],
    )
    .await;
    assert_eq!(
        app.get_with(&visitor, "/c/brand/").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/c/brand/").await.status(), StatusCode::OK);
    assert_eq!(
        app.get_with(&visitor, "/c/nobody/").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn what_members_write_is_inert(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        "javascript:alert(1)",
        "'><iframe src=javascript:alert(1)>",
        "<a href=\"javascript:alert(1)\">clic</a>",
        "[clic](javascript:alert(1))",
        "<details open ontoggle=alert(1)>",
        "{{7*7}}<style>*{display:none}</style>",
    ];
    let mallory = new_client();
    member(
        &app,
        &mallory,
        "<b>Mallory</b><script>x</script>",
        "m@example.org",
    )
    .await;
    for (i, payload) in payloads.iter().enumerate() {
        let title = format!("Titre {payload}");
        let response = site_post(
            &app,
            &mallory,
            "/c/brand/new",
            &[
                ("category", "questions"),
                ("title", &title),
                ("body", payload),
                ("_key", &key(20 + i as u8)),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{payload}");
        let html = mallory
            .get(app.url(&location(&response)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_inert(&html, payload);
        assert!(!html.contains("<b>Mallory</b>"), "names are text");
    }
    let (_, home) = app.text("/c/brand/").await;
    assert_inert(&home, "the home page");
    let (_, workbench) = app.text("/w/brand/community").await;
    assert!(workbench.contains("&#60;b&#62;Mallory"));
    assert_inert(&workbench, "a member's name in the workbench");
}

/// Text may say anything (escaped, it is inert): every tag of the page is checked for what a
/// payload could have made of it.
pub(crate) fn assert_inert(html: &str, payload: &str) {
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default())
    {
        // Attribute values are quoted and escaped by the templates: only what is outside
        // quotes is markup.
        let tag: String = tag
            .to_lowercase()
            .split('"')
            .step_by(2)
            .collect::<Vec<_>>()
            .join("\"\"");
        let name = tag.split([' ', '/']).next().unwrap_or_default();
        // The pages' own scripts and images name their source in quotes; their own drawings
        // are hidden from screen readers.
        let sourced = tag.contains("src=\"\"");
        let drawing = name == "svg" && tag.contains("aria-hidden=\"\"");
        let markup_payload = (["svg", "iframe", "style"].contains(&name) && !drawing)
            || (["script", "img"].contains(&name) && !sourced);
        assert!(!markup_payload, "{payload} makes the tag <{tag}>");
        assert!(
            !tag.split_whitespace()
                .any(|a| a.starts_with("on") && a.contains('=')),
            "{payload} makes an event handler: <{tag}>"
        );
        assert!(!tag.contains("javascript:"), "{payload}: <{tag}>");
    }
}

async fn bad_input_is_refused_with_its_reason_and_nothing_half_written(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    // Sign-up: every problem named, next to its field, in the reader's language.
    let response = lea
        .post(app.url("/c/brand/signup"))
        .header("accept-language", "fr")
        .form(&[
            ("name", "\u{202E}\u{202C}"),
            ("email", "pas-une-adresse"),
            ("password", "court"),
            ("_csrf", &site_csrf(&app, &lea).await),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for message in [
        "Ce champ est obligatoire.",
        "mot de passe d&#39;au moins 10 caractères",
        "Cochez la case pour accepter la charte",
    ] {
        assert!(html.contains(message), "{message}: {html}");
    }
    assert!(
        app.store
            .community_newcomers(ws_id(&app).await, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A form without its CSRF token is refused.
    let response = lea
        .post(app.url("/c/brand/signup"))
        .form(&[("name", "Léa")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    member(&app, &lea, "Léa", "lea@example.org").await;
    // Empty title, oversize body: what was written comes back.
    let long = "é".repeat(32_001);
    let response = site_post(
        &app,
        &lea,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "  "),
            ("body", &long),
            ("_key", &key(7)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("This field is required.") && html.contains("32,000 characters at most"));
    // A form key that no page gave.
    let response = site_post(
        &app,
        &lea,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Une vraie question"),
            ("body", "Mon texte à garder"),
            ("_key", "x"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("This form has expired") && html.contains("Mon texte à garder"));
    assert_eq!(
        app.store
            .community_categories(ws_id(&app).await)
            .await
            .unwrap()[0]
            .topics,
        0,
        "nothing half-written"
    );

    // A wrong password says so, without saying which part is wrong.
    let response = site_post(
        &app,
        &new_client(),
        "/c/brand/signin",
        &[("email", "lea@example.org"), ("password", "pas le bon mot")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("do not match"));

    // A sign-up flood from one address is slowed down.
    let flood = new_client();
    let mut refused = false;
    for i in 0..8 {
        let email = format!("flood{i}@example.org");
        let response = site_post(
            &app,
            &flood,
            "/c/brand/signup",
            &[
                ("name", "Flood"),
                ("email", &email),
                ("password", "une phrase de passe"),
                ("charter", "yes"),
            ],
        )
        .await;
        if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
            refused |= response.text().await.unwrap().contains("Too many sign-ups");
        }
    }
    assert!(
        refused,
        "the sixth sign-up in a minute from one address waits"
    );
}

async fn a_community_answers_on_its_own_host_name(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let response = app
        .post(
            "/w/brand/community/site",
            &[
                ("name", "Les Jardins"),
                ("tagline", ""),
                ("accent", "#336699"),
                ("host", "Forum.Jardins.Example"),
                ("open", "yes"),
                ("welcome_fr", ""),
                ("welcome_en", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let visitor = new_client();
    let response = visitor
        .get(app.url("/"))
        .header("host", "forum.jardins.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("Les Jardins") && html.contains("href=\"/categories/questions\""));
    assert!(html.contains("<link rel=\"canonical\" href=\"http://forum.jardins.example/\">"));
    // The workbench is not reachable on the community's host.
    let response = visitor
        .get(app.url("/login"))
        .header("host", "forum.jardins.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // An invalid host name is refused in the workbench.
    let response = app
        .post(
            "/w/brand/community/site",
            &[
                ("name", "Les Jardins"),
                ("accent", "#336699"),
                ("host", "https://forum.example/x"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Enter a host name only")
    );
}

async fn feeds_and_the_sitemap_show_what_visitors_may_read(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    for (i, (category, title)) in [
        ("questions", "Semis & <tomates>"),
        ("le-salon", "Entre nous"),
    ]
    .into_iter()
    .enumerate()
    {
        let response = site_post(
            &app,
            &lea,
            "/c/brand/new",
            &[
                ("category", category),
                ("title", title),
                ("body", "Un **texte** <script>alert(1)</script>"),
                ("_key", &key(60 + i as u8)),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let visitor = new_client();
    let response = app.get_with(&visitor, "/c/brand/feed.atom").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let feed = response.text().await.unwrap();
    assert!(feed.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\""
    ));
    assert!(
        feed.contains("<title>Semis &amp; &lt;tomates&gt;</title>"),
        "{feed}"
    );
    // The post's HTML is escaped once more as Atom's html content: no markup of its own.
    assert!(feed.contains("&lt;strong&gt;texte&lt;/strong&gt;") && !feed.contains("<script"));
    assert!(
        !feed.contains("Entre nous"),
        "members-only topics stay out of feeds"
    );
    let topic = app
        .store
        .community_topics(
            ws_id(&app).await,
            &[app
                .store
                .community_categories(ws_id(&app).await)
                .await
                .unwrap()[0]
                .id],
            false,
            0,
            5,
        )
        .await
        .unwrap()
        .remove(0);
    let response = site_post(
        &app,
        &lea,
        &format!("/c/brand/t/{}/reply", topic.id),
        &[("body", "Une réponse"), ("_key", &key(70))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let feed = app
        .get_with(&visitor, &format!("/c/brand/t/{}/feed.atom", topic.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(feed.contains("Une réponse") && feed.contains("#post-2</id>"));
    let sitemap = app
        .get_with(&visitor, "/c/brand/sitemap.xml")
        .await
        .text()
        .await
        .unwrap();
    assert!(sitemap.contains(&format!(
        "<loc>{}/c/brand/categories/questions</loc>",
        app.base
    )));
    assert!(sitemap.contains(&format!("/c/brand/t/{}/", topic.id)));
    assert!(!sitemap.contains("le-salon") && !sitemap.contains("entre-nous"));
    assert_eq!(
        app.get_with(&visitor, "/c/brand/categories/le-salon/feed.atom")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, home) = app.text("/c/brand/").await;
    assert!(home.contains(&format!("href=\"{}/c/brand/feed.atom\"", app.base)));
}

/// Starts a topic as `client` and returns its path and id.
async fn start(
    app: &TestApp,
    client: &reqwest::Client,
    category: &str,
    title: &str,
    k: u8,
) -> (String, i64) {
    start_with(app, client, category, title, "Le texte.", k).await
}

/// Starts a topic as `client` with its first post's text; returns its path and id.
pub(crate) async fn start_with(
    app: &TestApp,
    client: &reqwest::Client,
    category: &str,
    title: &str,
    body: &str,
    k: u8,
) -> (String, i64) {
    let response = site_post(
        app,
        client,
        "/c/brand/new",
        &[
            ("category", category),
            ("title", title),
            ("body", body),
            ("_key", &key(k)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{title}");
    let path = location(&response);
    let id = path.split('/').nth(4).unwrap().parse().unwrap();
    (path, id)
}

async fn questions_get_an_accepted_answer_ideas_get_votes_and_a_status(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let bruno = new_client();
    member(&app, &bruno, "Bruno", "bruno@example.org").await;
    let ws = ws_id(&app).await;

    // A question, answered by Bruno, whose answer Léa (the asker) accepts.
    let (path, id) = start(&app, &lea, "questions", "Quel terreau pour les semis ?", 80).await;
    site_post(
        &app,
        &bruno,
        &format!("/c/brand/t/{id}/reply"),
        &[
            ("body", "Un terreau fin, sans engrais."),
            ("_key", &key(81)),
        ],
    )
    .await;
    let accept = format!("/c/brand/t/{id}/accept");
    let response = site_post(&app, &bruno, &accept, &[("number", "2")]).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "only the asker or the team"
    );
    let page = app.get_with(&lea, &path).await.text().await.unwrap();
    assert!(page.contains("data-testid=\"accept-answer\""));
    let response = site_post(&app, &lea, &accept, &[("number", "2")]).await;
    assert_eq!(location(&response), format!("{path}#post-2"));
    let topic = app.store.community_topic(ws, id).await.unwrap().unwrap();
    assert_eq!(topic.accepted_number, Some(2));
    let page = app
        .get_with(&new_client(), &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"solved\"") && page.contains("Un terreau fin, sans engrais.")
    );
    assert!(page.contains("Answer accepted, by Bruno:"));
    // The question itself is no answer.
    let response = site_post(&app, &lea, &accept, &[("number", "1")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // An idea: members vote once each, and take their vote back; the team gives a status.
    let (idea, id) = start(&app, &lea, "idees", "Des graines bio en vrac", 82).await;
    let vote = format!("/c/brand/t/{id}/vote");
    site_post(&app, &bruno, &vote, &[]).await;
    site_post(&app, &lea, &vote, &[]).await;
    assert_eq!(
        app.store
            .community_topic(ws, id)
            .await
            .unwrap()
            .unwrap()
            .votes,
        2
    );
    site_post(&app, &bruno, &vote, &[]).await;
    assert_eq!(
        app.store
            .community_topic(ws, id)
            .await
            .unwrap()
            .unwrap()
            .votes,
        1
    );
    let response = site_post(&app, &new_client(), &vote, &[]).await;
    assert!(location(&response).starts_with("/c/brand/signin"));
    let manage = format!("/c/brand/t/{id}/manage");
    let response = site_post(&app, &lea, &manage, &[("idea_status", "planned")]).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "members do not set statuses"
    );
    let response = site_post(&app, &app.client, &manage, &[("idea_status", "planned")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&new_client(), &idea)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Planned") && page.contains("1 vote"));

    // The team closes a topic: members can no longer reply, the team can.
    site_post(
        &app,
        &app.client,
        &format!("/c/brand/t/{id}/manage"),
        &[("closed", "yes"), ("idea_status", "planned")],
    )
    .await;
    let response = site_post(
        &app,
        &bruno,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", "Encore moi"), ("_key", &key(83))],
    )
    .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This topic is closed")
    );
    let response = site_post(
        &app,
        &app.client,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", "Le mot de la fin."), ("_key", &key(84))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .community_topic(ws, id)
            .await
            .unwrap()
            .unwrap()
            .closed
    );
}

async fn what_a_member_writes_is_on_their_profile(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let (path, _) = start(&app, &lea, "questions", "Arrosage en été", 90).await;
    let ws = ws_id(&app).await;
    let now = jardinier_web::unix_now();
    let person = app
        .store
        .create_person(ws, "Léa Martin", now)
        .await
        .unwrap();
    app.store
        .add_identity(
            ws,
            person.id,
            &jardinier_members::Identity {
                kind: jardinier_members::IdentityKind::Email,
                value: "Lea@Example.org".into(),
                verified: true,
            },
            None,
            now,
        )
        .await
        .unwrap();
    let (_, profile) = app.text(&format!("/w/brand/members/{}", person.id)).await;
    assert!(
        profile.contains("Wrote in the community")
            && profile.contains("Arrosage en été — Le texte."),
        "{profile}"
    );
    assert!(
        profile.contains(&format!("{path}?page=1#post-1")),
        "a link to the post"
    );
}

async fn a_question_nobody_answers_goes_to_the_inbox_and_the_answer_comes_back(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let (path, topic_id) =
        start(&app, &lea, "questions", "Livrez-vous en point relais ?", 95).await;
    let ws = ws_id(&app).await;
    // The post is listened to, as an item of the community's source.
    let sources = app.store.sources(ws).await.unwrap();
    assert!(
        sources
            .iter()
            .any(|s| s.kind == "community" && s.name == "Les Jardins")
    );

    // Within the hour it waits; past it, the watch sends it to the inbox, once.
    let now = jardinier_web::unix_now();
    let store = app.store.clone();
    assert_eq!(
        store
            .send_unanswered_questions_to_inbox(now - 3600, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .send_unanswered_questions_to_inbox(now + 1, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .send_unanswered_questions_to_inbox(now + 1, now)
            .await
            .unwrap(),
        0
    );
    let conversation = store
        .conversations(&jardinier_store::ConversationFilter {
            workspace_id: ws,
            state: None,
            assignee: jardinier_store::AssigneeFilter::Anyone,
            label: None,
            queue: None,
            terms: Vec::new(),
            contact: None,
            limit: 10,
            before: None,
        })
        .await
        .unwrap()
        .remove(0)
        .id;

    // The CM answers from the inbox; the answer is posted in the topic, as the team.
    let (_, html) = app.text(&format!("/w/brand/inbox/{conversation}")).await;
    assert!(
        html.contains("Livrez-vous en point relais ?") || html.contains("Le texte."),
        "{html}"
    );
    let reply_key = html
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let response = app
        .post(
            &format!("/w/brand/inbox/{conversation}/reply"),
            &[
                ("body", "Oui, dans tous les points **Mondial Relay**."),
                ("key", &reply_key),
            ],
        )
        .await;
    assert!(
        location(&response).contains("done=inbox_reply_queued"),
        "{}",
        location(&response)
    );
    let worker = jardinier_outbound::ReplyWorker::new(app.store.clone());
    assert_eq!(
        worker.deliver_due(jardinier_web::unix_now()).await.unwrap(),
        1
    );
    // Delivered twice (a crash after the post, before the outcome): still one post.
    let topic = store.community_topic(ws, topic_id).await.unwrap().unwrap();
    assert_eq!(topic.posts, 2);
    let page = app
        .get_with(&new_client(), &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<strong>Mondial Relay</strong>") && page.contains("class=\"badge staff\"")
    );
    let (_, html) = app.text(&format!("/w/brand/inbox/{conversation}")).await;
    assert!(html.contains("data-reply-status=\"sent\""), "{html}");

    // Léa's next post in the topic joins the conversation.
    site_post(
        &app,
        &lea,
        &format!("/c/brand/t/{topic_id}/reply"),
        &[("body", "Merci beaucoup !"), ("_key", &key(96))],
    )
    .await;
    let (_, items, _) = store.conversation(ws, conversation).await.unwrap().unwrap();
    assert_eq!(
        items.iter().map(|i| i.body.as_str()).collect::<Vec<_>>(),
        vec!["Le texte.", "Merci beaucoup !"],
        "the member's follow-up is in the conversation"
    );
}

async fn members_are_told_in_the_bell_by_mail_and_in_digests(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let bruno = new_client();
    member(&app, &bruno, "Bruno", "bruno@example.org").await;
    let ws = ws_id(&app).await;
    let mails_to = |to: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .recent_mail(200)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| {
                    m.to == to
                        && !m.body_text.contains("/verify/")
                        && !m.subject.contains("Welcome")
                })
                .collect::<Vec<_>>()
        }
    };

    // Léa asks; Bruno answers and mentions her: one notification for her (the mention), none
    // for him; an e-mail at once, with its one-click unsubscribe.
    let (path, topic) = start(&app, &lea, "questions", "Tailler les rosiers ?", 100).await;
    site_post(
        &app,
        &bruno,
        &format!("/c/brand/t/{topic}/reply"),
        &[
            ("body", "En mars, @lea ! Au-dessus d'un œil."),
            ("_key", &key(101)),
        ],
    )
    .await;
    let handle = app
        .store
        .community_account_by_email(ws, "lea@example.org")
        .await
        .unwrap()
        .unwrap()
        .0
        .handle;
    assert_eq!(handle, "lea");
    let to_lea = mails_to("lea@example.org").await;
    assert_eq!(to_lea.len(), 1, "{to_lea:?}");
    assert_eq!(
        to_lea[0].subject,
        "Bruno mentioned you in “Tailler les rosiers ?”"
    );
    let unsubscribe = to_lea[0]
        .list_unsubscribe
        .clone()
        .expect("List-Unsubscribe");
    assert!(unsubscribe.starts_with(&app.url("/c/brand/unsubscribe/")));
    assert!(
        to_lea[0]
            .body_text
            .contains(&format!("/c/brand/t/{topic}/tailler-les-rosiers/2"))
    );
    assert!(mails_to("bruno@example.org").await.is_empty());
    let home = app.get_with(&lea, "/c/brand/").await.text().await.unwrap();
    assert!(home.contains("1 unread notification"), "the bell");
    let page = app
        .get_with(&lea, "/c/brand/notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Bruno mentioned you in “Tailler les rosiers ?”"));
    assert_eq!(
        app.store
            .unread_community_notifications(handle_id(&app, "lea@example.org").await)
            .await
            .unwrap(),
        0
    );

    // Bruno watches the topic he answered: Léa's thanks reach him; her accepting his answer too.
    site_post(
        &app,
        &lea,
        &format!("/c/brand/t/{topic}/reply"),
        &[("body", "Merci !"), ("_key", &key(102))],
    )
    .await;
    site_post(
        &app,
        &lea,
        &format!("/c/brand/t/{topic}/accept"),
        &[("number", "2")],
    )
    .await;
    let subjects: Vec<String> = mails_to("bruno@example.org")
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert!(
        subjects.contains(&"Léa replied in “Tailler les rosiers ?”".to_owned()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Léa accepted your answer in “Tailler les rosiers ?”".to_owned()),
        "{subjects:?}"
    );
    // Unwatching stops the replies.
    site_post(
        &app,
        &bruno,
        &format!("/c/brand/t/{topic}/watch"),
        &[("watch", "no")],
    )
    .await;
    site_post(
        &app,
        &lea,
        &format!("/c/brand/t/{topic}/reply"),
        &[("body", "Encore merci"), ("_key", &key(103))],
    )
    .await;
    assert_eq!(mails_to("bruno@example.org").await.len(), 2);

    // Léa asks for a daily digest and watches the questions: Bruno's new topic waits for it.
    let questions = app.store.community_categories(ws).await.unwrap()[0]
        .id
        .to_string();
    let response = site_post(
        &app,
        &lea,
        "/c/brand/account",
        &[
            ("name", "Léa Martin"),
            ("bio", "Jardinière"),
            ("lang", "fr"),
            ("frequency", "daily"),
            ("watch", &questions),
        ],
    )
    .await;
    assert_eq!(location(&response), "/c/brand/account?saved=1");
    start(&app, &bruno, "questions", "Des semis qui filent", 104).await;
    assert_eq!(
        mails_to("lea@example.org").await.len(),
        1,
        "no mail at once"
    );
    let now = jardinier_web::unix_now();
    assert_eq!(
        jardinier_site::notify::send_digests(app.store.as_ref(), &app.base, false, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        jardinier_site::notify::send_digests(app.store.as_ref(), &app.base, false, now)
            .await
            .unwrap(),
        0
    );
    let digest = mails_to("lea@example.org").await.remove(0);
    assert_eq!(
        digest.subject, "Bruno a lancé « Des semis qui filent »",
        "in her language"
    );

    // One click from the e-mail (a POST without a form token) stops the e-mails.
    let page = new_client()
        .get(&unsubscribe)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"unsubscribe\""));
    let response = new_client()
        .post(&unsubscribe)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let account = app
        .store
        .community_account_by_email(ws, "lea@example.org")
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(account.email_frequency, "never");
    let _ = path;
}

pub(crate) async fn handle_id(app: &TestApp, email: &str) -> i64 {
    app.store
        .community_account_by_email(ws_id(app).await, email)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

async fn a_member_downloads_their_data_and_deletes_their_account(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let ws = ws_id(&app).await;
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let (path, topic) = start(&app, &lea, "questions", "Un arrosoir en zinc ?", 110).await;
    let response = app.get_with(&lea, "/c/brand/account/export").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("brand-lea.json")
    );
    let data: serde_json::Value = response.json().await.unwrap();
    assert_eq!(data["account"]["email"], "lea@example.org");
    assert_eq!(data["posts"][0]["topic"], "Un arrosoir en zinc ?");
    assert_eq!(data["charter_acceptances"][0]["version"], 1);

    // Without the confirmation nothing happens; with it, the account is gone and its post
    // stays, signed by nobody (the workspace's default).
    let response = site_post(&app, &lea, "/c/brand/account/delete", &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = site_post(&app, &lea, "/c/brand/account/delete", &[("confirm", "yes")]).await;
    assert!(response.text().await.unwrap().contains("Account deleted"));
    assert!(
        app.store
            .community_account_by_email(ws, "lea@example.org")
            .await
            .unwrap()
            .is_none()
    );
    let page = app
        .get_with(&new_client(), &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Le texte.") && page.contains("Former member"));
    assert!(!page.contains(">Léa<"));
    let _ = topic;

    // A workspace that removes posts with their author.
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
    member(&app, &bruno, "Bruno", "bruno@example.org").await;
    let (path, _) = start(&app, &bruno, "questions", "Compost ou terreau ?", 111).await;
    let found = |html: String| html.contains("<mark>Compost</mark> ou terreau ?");
    let search = "/c/brand/search?q=compost";
    assert!(found(
        app.get_with(&new_client(), search)
            .await
            .text()
            .await
            .unwrap()
    ));
    site_post(
        &app,
        &bruno,
        "/c/brand/account/delete",
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(
        app.get_with(&new_client(), &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(!found(
        app.get_with(&new_client(), search)
            .await
            .text()
            .await
            .unwrap()
    ));
    let questions = &app.store.community_categories(ws).await.unwrap()[0];
    assert_eq!(
        questions.topics, 1,
        "the category counts the topic that stays only"
    );
}
