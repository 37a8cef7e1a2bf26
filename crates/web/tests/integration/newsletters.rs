//! Newsletters over HTTP: a list is created (its mistakes named), addresses are added in bulk
//! (all or nothing), a stranger signs up through the public form (double opt-in, the robot trap),
//! confirms through the mailed link, a campaign is previewed under its own policy and sent, the
//! unsubscribe link works from the page and one-click (RFC 8058), and counted links redirect.
//! Clients read the newsletters but not the addresses.

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(a_list_fills_up_and_a_newsletter_is_sent);

async fn a_list_fills_up_and_a_newsletter_is_sent(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "cli@brand.example", Role::Client).await;
    app.login("camille@brand.example").await;

    let response = app
        .post(
            "/w/brand/publishing/newsletters/lists",
            &[
                ("name", "La lettre"),
                ("from_name", "La marque"),
                ("from_address", "not an address"),
                ("footer", "La marque SAS, Lyon"),
                ("language", "fr"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("newsletter-error"));
    let response = app
        .post(
            "/w/brand/publishing/newsletters/lists",
            &[
                ("name", "La lettre"),
                ("from_name", "La marque"),
                ("from_address", "lettre@brand.example"),
                ("footer", "La marque SAS, Lyon"),
                ("language", "fr"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (list, _) = app.store.newsletter_lists(ws.id).await.unwrap().remove(0);
    let list_path = format!(
        "/w/brand/publishing/newsletters/lists/{}/subscribers",
        list.id
    );

    // A typo on the second line adds nothing, and says where it is.
    let response = app
        .post(
            &list_path,
            &[
                ("addresses", "ana@example.org\nbob-at-example.org"),
                ("consent", "1"),
            ],
        )
        .await;
    let page = response.text().await.unwrap();
    assert!(page.contains("bob-at-example.org"), "{page}");
    assert!(
        app.store
            .subscribers(ws.id, list.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let response = app
        .post(
            &list_path,
            &[
                ("addresses", "ana@example.org\nbob@example.org"),
                ("consent", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // A stranger signs up through the public form (no session, no CSRF token: it is posted
    // from the brand's site); a robot filling the hidden field gets the same page and no mail.
    let stranger = new_client();
    let form_url = app.url(&format!("/n/{}", list.public_id));
    let page = stranger
        .get(&form_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"website\""),
        "the robot trap is on the form"
    );
    let response = stranger
        .post(&form_url)
        .form(&[
            ("email", "robot@example.org"),
            ("website", "http://spam.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = stranger
        .post(&form_url)
        .form(&[("email", "lea@example.org"), ("website", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Vérifiez votre boîte mail")
    );
    let response = stranger
        .post(&form_url)
        .form(&[("email", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mail = app.store.recent_mail(10).await.unwrap();
    assert!(mail.iter().all(|m| m.to != "robot@example.org"));
    let confirmation = mail.iter().find(|m| m.to == "lea@example.org").unwrap();
    assert!(
        confirmation.subject.contains("La lettre"),
        "{}",
        confirmation.subject
    );
    let link = confirmation
        .body_text
        .split_whitespace()
        .find(|w| w.contains("/n/c/"))
        .unwrap()
        .to_owned();
    // Opening the link (as a mail scanner would) confirms nothing; the button does.
    let page = stranger
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("newsletter-confirm"));
    let statuses = |subscribers: Vec<jardinier_store::Subscriber>| {
        subscribers
            .into_iter()
            .map(|s| (s.email, s.status))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let now = statuses(app.store.subscribers(ws.id, list.id, 10).await.unwrap());
    assert_eq!(now["lea@example.org"], "pending");
    let response = stranger.post(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let now = statuses(app.store.subscribers(ws.id, list.id, 10).await.unwrap());
    assert_eq!(now["lea@example.org"], "subscribed");
    assert_eq!(now.len(), 3, "{now:?}");
    let response = stranger.post(&link).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE, "a used link says so");

    // A campaign: saved, previewed under its own content policy, sent.
    let response = app
        .post(
            "/w/brand/publishing/newsletters/campaigns",
            &[
                ("list", &list.id.to_string()),
                ("subject", "Nouveautés"),
                (
                    "body",
                    "# Bonjour\n\n[Le site](https://brand.example/new) <script>x()</script>",
                ),
                ("rate", "0"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a pace of 0 is refused"
    );
    let response = app
        .post(
            "/w/brand/publishing/newsletters/campaigns",
            &[
                ("list", &list.id.to_string()),
                ("subject", "Nouveautés"),
                (
                    "body",
                    "# Bonjour\n\n[Le site](https://brand.example/new) <script>x()</script>",
                ),
                ("rate", "120"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let campaign_path = location(&response);
    let (status, page) = app.text(&campaign_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("campaign-send"));
    // The draft is changed (a typo keeps what was typed), then tested on a few addresses.
    let response = app
        .post(
            &format!("{campaign_path}/edit"),
            &[
                ("list", &list.id.to_string()),
                ("subject", " "),
                ("body", "Texte revu"),
                ("rate", "120"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("Texte revu"));
    let response = app
        .post(
            &format!("{campaign_path}/edit"),
            &[
                ("list", &list.id.to_string()),
                ("subject", "Nouveautés du mois"),
                (
                    "body",
                    "# Bonjour\n\n[Le site](https://brand.example/new) <script>x()</script>",
                ),
                ("rate", "120"),
            ],
        )
        .await;
    assert!(location(&response).contains("done=newsletter_campaign_saved"));
    let response = app
        .post(
            &format!("{campaign_path}/test"),
            &[("to", "camille@agence.example, pas-une-adresse")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("pas-une-adresse"));
    let response = app
        .post(
            &format!("{campaign_path}/test"),
            &[("to", "camille@agence.example, client@brand.example")],
        )
        .await;
    assert!(location(&response).contains("done=newsletter_test_queued"));
    let campaign_id: i64 = campaign_path.rsplit('/').next().unwrap().parse().unwrap();
    let tests = app
        .store
        .test_sends(ws.id, campaign_id, i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(tests.len(), 2);
    let (_, page) = app.text(&campaign_path).await;
    assert!(page.contains("Nouveautés du mois"));
    assert!(page.contains("data-testid=\"campaign-tests\""), "{page}");
    let preview = app.get(&format!("{campaign_path}/preview")).await;
    let policy = preview
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("default-src 'none'") && !policy.contains("script-src"),
        "{policy}"
    );
    let html = preview.text().await.unwrap();
    assert!(html.contains("<h1>Bonjour</h1>"));
    assert!(html.contains("&lt;script&gt;"), "{html}");
    let response = app.post(&format!("{campaign_path}/send"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let campaign_id: i64 = campaign_path.rsplit('/').next().unwrap().parse().unwrap();
    let (campaign, stats, links) = app
        .store
        .campaign(ws.id, campaign_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((campaign.state.as_str(), stats.recipients), ("sending", 3));
    assert_eq!(links[0].url, "https://brand.example/new");
    let response = app.post(&format!("{campaign_path}/send"), &[]).await;
    assert!(
        response.text().await.unwrap().contains("newsletter-error"),
        "sent once only"
    );

    // A counted link: redirects, counts, keeps nothing else.
    let response = stranger
        .get(app.url(&format!("/n/l/{}", links[0].token)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "https://brand.example/new");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let response = stranger.get(app.url("/n/l/unknown")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Unsubscribing: Ana from the page, Bob one-click as his mail client does (RFC 8058).
    let subscribers = app.store.subscribers(ws.id, list.id, 10).await.unwrap();
    let token = |email: &str| {
        subscribers
            .iter()
            .find(|s| s.email == email)
            .unwrap()
            .unsubscribe_token
            .clone()
    };
    let ana = app.url(&format!("/n/u/{}", token("ana@example.org")));
    let page = stranger
        .get(&ana)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("ana@example.org") && page.contains("newsletter-unsubscribe"));
    assert_eq!(
        stranger.post(&ana).send().await.unwrap().status(),
        StatusCode::OK
    );
    let response = reqwest::Client::new()
        .post(app.url(&format!("/n/u/{}", token("bob@example.org"))))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let now = statuses(app.store.subscribers(ws.id, list.id, 10).await.unwrap());
    assert_eq!(now["ana@example.org"], "unsubscribed");
    assert_eq!(now["bob@example.org"], "unsubscribed");
    let (_, stats, _) = app
        .store
        .campaign(ws.id, campaign_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.failed, 2, "what was queued for them is not sent");

    // The client reads the newsletters, not the addresses, and cannot send.
    let client = new_client();
    app.login_with(&client, "cli@brand.example", PASSWORD).await;
    let response = app
        .get_with(&client, "/w/brand/publishing/newsletters")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Nouveautés") && !page.contains("/publishing/newsletters/lists/"));
    let response = app
        .get_with(
            &client,
            &format!("/w/brand/publishing/newsletters/lists/{}", list.id),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
