//! Approval in steps over HTTP: a policy with two team steps (any, then all) and the client's
//! link; each step's approvers are told by e-mail; the link is made once the team has approved
//! and works only then; changes asked at any step send the post back to draft and tell its
//! author; a policy without the client schedules the post when the team is done.

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(a_post_goes_through_the_team_then_the_client);

async fn mails_with(app: &TestApp, prefix: &str) -> Vec<(String, String)> {
    app.store
        .recent_mail(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.idempotency_key.starts_with(prefix))
        .map(|m| (m.to, m.body_text))
        .collect()
}

async fn a_post_goes_through_the_team_then_the_client(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let marc = app.member(&ws, "marc@brand.example", Role::Manager).await;
    let eve = app.member(&ws, "eve@brand.example", Role::Editor).await;
    app.login("camille@brand.example").await;
    let (m, e, c) = (
        marc.id.to_string(),
        eve.id.to_string(),
        owner.id.to_string(),
    );

    // A step without approvers is refused, naming it.
    let response = app
        .post(
            "/w/brand/publishing/approvals",
            &[
                ("step0_name", "Rédaction"),
                ("step0_mode", "any"),
                ("client", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("approvals-error"));
    let response = app
        .post(
            "/w/brand/publishing/approvals",
            &[
                ("step0_name", "Rédaction"),
                ("step0_mode", "any"),
                ("step0_approver", &m),
                ("step0_approver", &e),
                ("step1_name", "Direction"),
                ("step1_mode", "all"),
                ("step1_approver", &c),
                ("step1_approver", &m),
                ("client", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let policy = app.store.approval_policy(ws.id).await.unwrap();
    assert_eq!(policy.steps.len(), 2);
    assert!(policy.steps[1].all && policy.client);

    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "discord"),
            ("name", "Discord"),
            ("address", "https://discord.example/h"),
        ],
    )
    .await;
    let channel = app.store.channels(ws.id).await.unwrap()[0].id;
    let draft = |title: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/w/brand/publishing/posts",
                &[
                    ("title", title),
                    (&format!("text_{channel}"), "Nouveau moka"),
                    ("intent", "draft"),
                ],
            )
            .await;
            app.store
                .posts(ws.id, 10)
                .await
                .unwrap()
                .into_iter()
                .find(|(p, _)| p.title == title)
                .unwrap()
                .0
        }
    };
    let post = draft("Moka").await;
    let path = format!("/w/brand/publishing/posts/{}", post.id);
    let when = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(&ws.timezone).unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let response = app
        .post(
            &format!("{path}/approval"),
            &[("when", &when), ("email", "client@shop.example")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let mut told: Vec<String> = mails_with(&app, "approval-step:")
        .await
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    told.sort();
    assert_eq!(told, ["eve@brand.example", "marc@brand.example"]);
    assert!(
        mails_with(&app, "approval:").await.is_empty(),
        "no client link before the team"
    );

    // Camille is not in the first step: no buttons for her, and a vote is refused.
    let (_, page) = app.text(&path).await;
    assert!(page.contains("approval-steps") && !page.contains("vote-approve"));
    let response = app
        .post(&format!("{path}/vote"), &[("decision", "approve")])
        .await;
    assert!(location(&response).contains("approval_not_yours"));

    // Eve passes the first step alone (any); Marc and Camille must both pass the second.
    let eve_client = new_client();
    app.login_with(&eve_client, "eve@brand.example", PASSWORD)
        .await;
    let (_, page) = {
        let r = app.get_with(&eve_client, &path).await;
        (r.status(), r.text().await.unwrap())
    };
    assert!(page.contains("vote-approve"));
    let response = app
        .post_with(
            &eve_client,
            &format!("{path}/vote"),
            &[("decision", "approve")],
        )
        .await;
    assert!(location(&response).contains("approval_next_step"));
    let response = app
        .post_with(
            &eve_client,
            &format!("{path}/vote"),
            &[("decision", "approve")],
        )
        .await;
    assert!(
        location(&response).contains("approval_not_yours"),
        "Eve is not in step 2"
    );
    let told: Vec<String> = mails_with(&app, "approval-step:")
        .await
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    assert!(told.contains(&"camille@brand.example".to_owned()));
    let marc_client = new_client();
    app.login_with(&marc_client, "marc@brand.example", PASSWORD)
        .await;
    let response = app
        .post_with(
            &marc_client,
            &format!("{path}/vote"),
            &[("decision", "approve")],
        )
        .await;
    assert!(
        location(&response).contains("approval_vote_saved"),
        "all are needed"
    );
    let (p, _) = app.store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        (p.state.as_str(), p.approval_step),
        ("pending_approval", Some(1))
    );

    // Camille's approval passes the team: the client's link is made, shown and e-mailed.
    let response = app
        .post(&format!("{path}/vote"), &[("decision", "approve")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let marker = "data-testid=\"approval-link\">";
    let start = page.find(marker).unwrap() + marker.len();
    let link = page[start..].split('<').next().unwrap().to_owned();
    let mailed = mails_with(&app, "approval:").await;
    assert_eq!(mailed.len(), 1);
    assert_eq!(mailed[0].0, "client@shop.example");
    assert!(mailed[0].1.contains(&link));
    let client = new_client();
    let response = client
        .post(&link)
        .form(&[("decision", "approve"), ("_csrf", &app.csrf(&client).await)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (p, _) = app.store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(p.state, "scheduled");
    let kinds: Vec<String> = app
        .store
        .post_events(ws.id, post.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "approval_requested",
            "step_approved",
            "step_approved",
            "step_approved",
            "approved"
        ]
    );

    // Changes asked at the first step: back to draft, the author (Camille) is told.
    let second = draft("Atelier").await;
    let path = format!("/w/brand/publishing/posts/{}", second.id);
    app.post(&format!("{path}/approval"), &[("when", &when)])
        .await;
    let response = app
        .post_with(
            &marc_client,
            &format!("{path}/vote"),
            &[("decision", "changes"), ("comment", "Ajoutez le prix")],
        )
        .await;
    assert!(location(&response).contains("approval_changes_asked"));
    let (p, _) = app.store.post(ws.id, second.id).await.unwrap().unwrap();
    assert_eq!((p.state.as_str(), p.approval_step), ("draft", None));
    let asked = mails_with(&app, "approval-changes:").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].0, "camille@brand.example");
    assert!(asked[0].1.contains("Ajoutez le prix"));

    // Without the client, the team's approval schedules the post.
    app.post(
        "/w/brand/publishing/approvals",
        &[
            ("step0_name", "Relecture"),
            ("step0_mode", "any"),
            ("step0_approver", &m),
        ],
    )
    .await;
    app.post(&format!("{path}/approval"), &[("when", &when)])
        .await;
    let response = app
        .post_with(
            &marc_client,
            &format!("{path}/vote"),
            &[("decision", "approve")],
        )
        .await;
    assert!(location(&response).contains("approval_scheduled"));
    let (p, deliveries) = app.store.post(ws.id, second.id).await.unwrap().unwrap();
    assert_eq!(p.state, "scheduled");
    assert_eq!(deliveries[0].status, "scheduled");
}
