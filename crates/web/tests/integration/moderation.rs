//! Moderation (issue 17) where members post: screening holds a post with a phone number or an
//! insult aimed at someone, refuses one with a word the workspace blocks (the text kept), changes
//! a word it replaces; the team sees why in the queue, words marked, and approves or removes;
//! a decision made on an old version changes nothing.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{community, key, member, site_post, start_with, ws_id};
use crate::helpers::*;

both_backends!(
    screening_holds_refuses_and_a_moderator_decides,
    a_sanction_cites_its_rule_and_ends_by_itself
);

async fn screening_holds_refuses_and_a_moderator_decides(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    for (words, action, argument) in [("concurrent", "block", ""), ("nul", "replace", "décevant")]
    {
        let response = app
            .post(
                "/w/brand/community/moderation/watched",
                &[("words", words), ("action", action), ("argument", argument)],
            )
            .await;
        assert_eq!(
            location(&response),
            "/w/brand/community/moderation?done=moderation_word_watched#watched"
        );
    }
    // A replacement needs its text, and says so next to the field.
    let response = app
        .post(
            "/w/brand/community/moderation/watched",
            &[("words", "nase"), ("action", "replace"), ("argument", " ")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("field-error"));

    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let visitor = new_client();

    // An ordinary post is published at once.
    let (open, _) = start_with(
        &app,
        &lea,
        "questions",
        "Quel terreau ?",
        "Pour des semis de tomates.",
        1,
    )
    .await;
    assert_eq!(app.get_with(&visitor, &open).await.status(), StatusCode::OK);

    // A phone number in public: held, seen by its author with the notice, not by visitors.
    let (held, _) = start_with(
        &app,
        &lea,
        "questions",
        "Échange de graines",
        "Appelez-moi au 06 12 34 56 78 pour les graines.",
        2,
    )
    .await;
    assert!(held.ends_with("?held=phone"), "{held}");
    let mine = app.get_with(&lea, &held).await.text().await.unwrap();
    assert!(
        mine.contains("data-testid=\"held-why\""),
        "the author is told why"
    );
    let shown = app
        .get_with(&visitor, &held.replace("?held=phone", ""))
        .await;
    assert_eq!(shown.status(), StatusCode::NOT_FOUND);
    assert!(mine.contains("06 12 34 56 78") && mine.contains("class=\"notice\""));

    // An insult aimed at someone, disguised: held.
    let response = site_post(
        &app,
        &lea,
        &format!("/c/brand/t/{}/reply", open.split('/').nth(4).unwrap()),
        &[("body", "t'es vraiment qu'un c0nn@rd"), ("_key", &key(3))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // A blocked word: refused with its reason, the text kept in the form, nothing stored.
    let before = app
        .store
        .moderation_queue(ws_id(&app).await, 10)
        .await
        .unwrap()
        .len();
    let response = site_post(
        &app,
        &lea,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Ailleurs"),
            (
                "body",
                "Allez plutôt chez le c0ncurrent, il est moins cher.",
            ),
            ("_key", &key(4)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("moins cher") && page.contains("field-error"),
        "{page}"
    );
    let after = app
        .store
        .moderation_queue(ws_id(&app).await, 10)
        .await
        .unwrap();
    assert_eq!(
        (before, after.len()),
        (2, 2),
        "the refused post is not stored"
    );

    // A replaced word is changed in the published post.
    let (replaced, _) = start_with(
        &app,
        &lea,
        "questions",
        "Mon avis",
        "Ce terreau est nul.",
        5,
    )
    .await;
    let text = app
        .get_with(&visitor, &replaced)
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("Ce terreau est décevant.") && !text.contains("est nul"));

    // The queue: both held posts, oldest first, with why and the words marked.
    let (status, queue) = app.text("/w/brand/community/moderation").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queue.matches("data-testid=\"moderation-item\"").count(), 2);
    assert!(queue.contains("<mark>06 12 34 56 78</mark>"), "{queue}");
    assert!(queue.contains("<mark>c0nn@rd</mark>"));
    let items = app
        .store
        .moderation_queue(ws_id(&app).await, 10)
        .await
        .unwrap();
    assert!(items[0].post_id.is_some());
    assert!(items[0].reasons.contains("\"phone\"") && items[1].reasons.contains("\"insult\""));

    // Approve the phone post: published. The same decision on the old version changes nothing.
    let (phone, insult) = (&items[0], &items[1]);
    let decide = |id: i64, version: i64, decision: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post(
                    &format!("/w/brand/community/moderation/{id}"),
                    &[("version", &version.to_string()), ("decision", decision)],
                )
                .await;
            location(&response)
        }
    };
    assert_eq!(
        decide(phone.id, phone.version, "approve").await,
        "/w/brand/community/moderation?done=moderation_approved"
    );
    assert_eq!(app.get_with(&visitor, &held).await.status(), StatusCode::OK);
    assert_eq!(
        decide(phone.id, phone.version, "remove").await,
        "/w/brand/community/moderation?done=moderation_already_decided"
    );
    assert_eq!(app.get_with(&visitor, &held).await.status(), StatusCode::OK);
    let category = app
        .get_with(&visitor, "/c/brand/categories/questions")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        category.contains("Échange de graines"),
        "an approved topic is listed"
    );

    // Remove the insult: its text is gone for everyone.
    assert_eq!(
        decide(insult.id, insult.version, "remove").await,
        "/w/brand/community/moderation?done=moderation_removed"
    );
    let topic = app.get_with(&lea, &open).await.text().await.unwrap();
    assert!(!topic.contains("c0nn@rd"));
    assert!(
        app.store
            .moderation_queue(ws_id(&app).await, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (_, audit) = app.text("/w/brand/settings/audit").await;
    for action in ["Held post approved", "Held post removed", "Word watched"] {
        assert!(audit.contains(action), "{action} in the audit log");
    }

    // An edit is screened as a new post is: a published post edited to show an e-mail address
    // goes out of sight and back into the queue; a blocked word is refused, the post unchanged.
    let id = replaced.split('/').nth(4).unwrap();
    let edit = format!("/c/brand/t/{id}/posts/1/edit");
    let fields = |body: &'static str| [("title", "Mon avis"), ("tags", ""), ("body", body)];
    let response = site_post(
        &app,
        &lea,
        &edit,
        &fields("Écrivez-moi : lea.jardin@example.org"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&response).contains("held=email"),
        "{}",
        location(&response)
    );
    assert_eq!(
        app.get_with(&visitor, &replaced).await.status(),
        StatusCode::NOT_FOUND
    );
    let items = app
        .store
        .moderation_queue(ws_id(&app).await, 10)
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0].reasons.contains("\"email\""));
    let response = site_post(&app, &lea, &edit, &fields("Le concurrent est mieux.")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mine = app.get_with(&lea, &replaced).await.text().await.unwrap();
    assert!(mine.contains("lea.jardin@example.org") && !mine.contains("Le concurrent"));

    // The same text from another account a moment later: held as a repeat. A new member's
    // post with three links is refused with the limit, the text kept.
    let sam = new_client();
    member(&app, &sam, "Sam", "sam@example.org").await;
    let (again, _) = start_with(
        &app,
        &sam,
        "questions",
        "Terreau encore",
        "Pour des semis de tomates.",
        6,
    )
    .await;
    assert!(again.ends_with("?held=repeated"), "{again}");
    let response = site_post(
        &app,
        &sam,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Mes liens"),
            (
                "body",
                "https://a.example/x https://b.example/y https://c.example/z",
            ),
            ("_key", &key(7)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("c.example/z"));

    // A watched word is tried on the last 30 days' posts before it is switched on: what it
    // would catch, with the words marked; nothing is saved.
    let response = app
        .post(
            "/w/brand/community/moderation/watched",
            &[
                ("words", "tomates"),
                ("action", "hold"),
                ("argument", ""),
                ("try", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("data-testid=\"watch-trial\""), "{page}");
    assert!(page.contains("<mark>tomates</mark>"), "{page}");
    let watched = app.store.watched_words(ws_id(&app).await).await.unwrap();
    assert!(
        watched.iter().all(|w| w.words != "tomates"),
        "a trial saves nothing"
    );
}

async fn a_sanction_cites_its_rule_and_ends_by_itself(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let response = app
        .post(
            "/w/brand/community/charter",
            &[
                ("body_fr", "1. Soyez bienveillants.\n2. Pas d'insultes."),
                ("body_en", "1. Be kind.\n2. No insults."),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let lea = new_client();
    member(&app, &lea, "Léa", "lea@example.org").await;
    let (open, _) = start_with(&app, &lea, "questions", "Semis", "Quand semer ?", 1).await;
    // Léa signed up after the numbered charter: she accepted it then.
    let reply = format!("/c/brand/t/{}/reply", open.split('/').nth(4).unwrap());
    let response = site_post(
        &app,
        &lea,
        &reply,
        &[("body", "t'es qu'un abruti"), ("_key", &key(2))],
    )
    .await;
    assert!(
        location(&response).contains("held=insult"),
        "{}",
        location(&response)
    );
    let item = app
        .store
        .moderation_queue(ws_id(&app).await, 10)
        .await
        .unwrap()[0]
        .clone();

    // A rule the charter does not have, or no message: refused, nothing given.
    let sanction = format!("/w/brand/community/moderation/{}/sanction", item.id);
    let response = app
        .post(
            &sanction,
            &[
                ("kind", "mute"),
                ("days", "1"),
                ("rule", "9"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post(
            &sanction,
            &[
                ("kind", "mute"),
                ("days", "1"),
                ("rule", "2"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let account = item.account_id.unwrap();
    assert!(
        app.store
            .sanctions_of(ws_id(&app).await, account)
            .await
            .unwrap()
            .is_empty()
    );

    // Muted for a day, citing rule 2: told by e-mail; she reads but cannot post.
    let response = app
        .post(
            &sanction,
            &[
                ("kind", "mute"),
                ("days", "1"),
                ("rule", "2"),
                ("reason", "Les insultes n'ont pas leur place ici."),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/community/moderation?done=moderation_sanctioned"
    );
    let mail = app.store.recent_mail(20).await.unwrap();
    let told = mail
        .iter()
        .find(|m| m.to == "lea@example.org" && m.body_text.contains("n'ont pas leur place"))
        .expect("Léa is told");
    assert!(told.body_text.contains('2'), "{}", told.body_text);
    let response = site_post(
        &app,
        &lea,
        &reply,
        &[("body", "Je voulais dire merci."), ("_key", &key(3))],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("n&#39;ont pas leur place") || page.contains("n'ont pas leur place"),
        "{page}"
    );
    assert_eq!(
        app.get_with(&lea, &open).await.status(),
        StatusCode::OK,
        "a muted member reads"
    );
    let (_, audit) = app.text("/w/brand/settings/audit").await;
    assert!(audit.contains("Member muted"));

    // Léa appeals, once; the moderator who muted her cannot decide the appeal, another can.
    assert!(page.contains("data-testid=\"appeal-form\""), "{page}");
    let sanction_id = app
        .store
        .sanctions_of(ws_id(&app).await, account)
        .await
        .unwrap()[0]
        .id;
    let appeal = [
        ("sanction", sanction_id.to_string()),
        ("text", "J'étais en colère, je m'excuse.".to_owned()),
    ];
    let appeal: Vec<(&str, &str)> = appeal.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = site_post(&app, &lea, "/c/brand/appeal", &appeal).await;
    let sent = response.text().await.unwrap();
    assert!(
        sent.contains("Appeal sent") || sent.contains("Appel envoyé"),
        "{sent}"
    );
    let response = site_post(&app, &lea, "/c/brand/appeal", &appeal).await;
    let again = response.text().await.unwrap();
    assert!(
        again.contains("Already appealed") || again.contains("Appel déjà fait"),
        "an appeal on an appeal is refused"
    );
    let queue = app
        .store
        .moderation_queue(ws_id(&app).await, 10)
        .await
        .unwrap();
    let appeal_item = queue
        .iter()
        .find(|i| i.kind == "appeal")
        .expect("the appeal waits")
        .clone();
    let (_, page) = app.text("/w/brand/community/moderation").await;
    assert!(
        page.contains("excuse") && page.contains("data-testid=\"appeal-grant\""),
        "{page}"
    );
    let grant = format!("/w/brand/community/moderation/{}", appeal_item.id);
    let version = appeal_item.version.to_string();
    let response = app
        .post(&grant, &[("version", &version), ("decision", "approve")])
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/community/moderation?done=moderation_appeal_other"
    );
    let ws = app.store.workspace_by_slug("brand").await.unwrap().unwrap();
    app.member(&ws, "dom@brand.example", jardinier_domain::Role::Moderator)
        .await;
    let dom = new_client();
    app.login_with(&dom, "dom@brand.example", PASSWORD).await;
    let response = app
        .post_with(
            &dom,
            &grant,
            &[("version", &version), ("decision", "approve")],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/community/moderation?done=moderation_approved"
    );
    let response = site_post(
        &app,
        &lea,
        &reply,
        &[("body", "Je voulais dire merci."), ("_key", &key(3))],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the appeal lifted the mute"
    );

    // A suspension that ends in two seconds: no posting and no signing in, then both again,
    // with nothing run when it ends.
    let sam = new_client();
    member(&app, &sam, "Sam", "sam@example.org").await;
    let (_, sam_topic) =
        start_with(&app, &sam, "questions", "Arrosage", "Combien d'eau ?", 4).await;
    let sam_account = app
        .store
        .community_topic(ws_id(&app).await, sam_topic)
        .await
        .unwrap()
        .unwrap()
        .author
        .account_id
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    app.store
        .sanction_member(&jardinier_store::NewSanction {
            workspace_id: ws_id(&app).await,
            account_id: sam_account,
            kind: jardinier_store::SanctionKind::Suspend,
            rule: Some(1),
            reason: "Une pause pour se calmer.",
            item_id: None,
            starts_at: now,
            ends_at: Some(now + 2),
            created_by: app
                .store
                .user_credentials("camille@brand.example")
                .await
                .unwrap()
                .unwrap()
                .0
                .id,
        })
        .await
        .unwrap();
    let fields = [
        ("email", "sam@example.org"),
        ("password", "une phrase de passe"),
    ];
    let response = site_post(&app, &new_client(), "/c/brand/signin", &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "suspended: not signed in"
    );
    let response = site_post(
        &app,
        &sam,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Encore"),
            ("body", "Une autre question."),
            ("_key", &key(5)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let response = site_post(
        &app,
        &sam,
        "/c/brand/new",
        &[
            ("category", "questions"),
            ("title", "Encore"),
            ("body", "Une autre question."),
            ("_key", &key(5)),
        ],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the suspension ended by itself"
    );
    let response = site_post(&app, &new_client(), "/c/brand/signin", &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "and Sam signs in again"
    );
}
