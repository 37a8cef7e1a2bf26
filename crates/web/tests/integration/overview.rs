//! Issue 15, item 1: the overview shows what needs the teammate now — open alerts, new and
//! assigned conversations, posts waiting for their approval or failing, today's posts — and
//! the menu's counts come from `/w/{slug}/work.json`.

use jardinier_domain::{ApprovalPolicy, ApprovalStep, Role};
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::*;
use crate::members::{conversation_with, source};

both_backends!(the_overview_lists_what_needs_the_teammate_now);

async fn the_overview_lists_what_needs_the_teammate_now(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let client = app.member(&ws, "cli@brand.example", Role::Client).await;
    app.login("camille@brand.example").await;

    // Nothing yet: the overview says so.
    let (status, html) = app.text("/w/brand").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"work-nothing\""), "{html}");

    // An open alert.
    app.post(
        "/w/brand/listening/queries",
        &[
            ("name", "Brûlerie"),
            ("kind", "brand"),
            ("query", "brulerie"),
        ],
    )
    .await;
    let query = app.store.listening_queries(ws.id).await.unwrap()[0].id;
    let rule = app
        .store
        .create_alert_rule(&jardinier_store::NewAlertRule {
            workspace_id: ws.id,
            query_id: query,
            kind: "volume_spike",
            params: r#"{"factor": 3.0, "min_volume": 5}"#,
            channels: "[]",
            now: 1,
        })
        .await
        .unwrap();
    app.store
        .create_alert(
            &jardinier_store::NewAlertEvent {
                workspace_id: ws.id,
                rule_id: rule.id,
                query_id: query,
                now: jardinier_web::unix_now(),
                summary: "Pic de mentions",
                item_count: 12,
                first_item_id: None,
                ack_token_hash: "ack-1",
            },
            &[],
            &[],
        )
        .await
        .unwrap();
    // Two new conversations.
    let masto = source(&app, ws.id, "mastodon").await;
    conversation_with(&app, ws.id, &masto, "m1", "@lea@piaille.example").await;
    conversation_with(&app, ws.id, &masto, "m2", "@sam@piaille.example").await;
    // A post waiting at Camille's step, a failed one, and one going out today.
    app.store
        .set_approval_policy(
            ws.id,
            &ApprovalPolicy {
                steps: vec![ApprovalStep {
                    name: "Relecture".into(),
                    all: false,
                    approvers: vec![owner.id],
                }],
                client: false,
            },
            1,
        )
        .await
        .unwrap();
    let _ = client;
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "slack"),
            ("name", "#annonces"),
            ("address", "https://hooks.slack.example/T0/B0/x"),
        ],
    )
    .await;
    let channel = app.store.channels(ws.id).await.unwrap()[0].id;
    let field = format!("text_{channel}");
    let tz = jiff::tz::TimeZone::get(&ws.timezone).unwrap();
    let local = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let now = jiff::Timestamp::now();
    // Later today if there is time left, else now: either way today in the workspace's zone.
    let end_of_day = now
        .to_zoned(tz.clone())
        .date()
        .tomorrow()
        .unwrap()
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp();
    let today = if end_of_day.as_second() - now.as_second() > 600 {
        now + jiff::SignedDuration::from_mins(5)
    } else {
        now
    };
    for (title, intent) in [
        ("Relecture de Noël", "draft"),
        ("Annonce du jour", "schedule"),
    ] {
        app.post(
            "/w/brand/publishing/posts",
            &[
                ("title", title),
                (&field, "Bonjour"),
                ("when", &local(today)),
                ("intent", intent),
            ],
        )
        .await;
    }
    let posts = app.store.posts(ws.id, 10).await.unwrap();
    let draft = posts.iter().find(|(p, _)| p.state == "draft").unwrap().0.id;
    app.post(
        &format!("/w/brand/publishing/posts/{draft}/approval"),
        &[("when", &local(today + jiff::SignedDuration::from_hours(48)))],
    )
    .await;

    let (_, html) = app.text("/w/brand").await;
    assert!(
        html.contains("data-testid=\"work-alerts\"") && html.contains("1 open alert"),
        "{html}"
    );
    assert!(html.contains("2 new conversations"), "{html}");
    assert!(
        html.contains("data-testid=\"work-to-approve\"") && html.contains("Relecture de Noël"),
        "{html}"
    );
    assert!(
        html.contains("data-testid=\"work-today\"") && html.contains("Annonce du jour"),
        "{html}"
    );
    // The menu's counts.
    let counts: Value = app.get("/w/brand/work.json").await.json().await.unwrap();
    assert_eq!(counts["counts"]["listening"], 1);
    assert_eq!(counts["counts"]["inbox"], 2);
    assert_eq!(counts["counts"]["publishing"], 1);
    // In French, with French plurals.
    app.post("/account", &[("display_name", "Camille"), ("lang", "fr")])
        .await;
    let (_, html) = app.text("/w/brand").await;
    assert!(
        html.contains("1 alerte ouverte") && html.contains("2 nouvelles conversations"),
        "{html}"
    );

    // Acknowledged, the alert leaves the list.
    app.store
        .acknowledge_alert("ack-1", "Camille", jardinier_web::unix_now())
        .await
        .unwrap();
    let counts: Value = app.get("/w/brand/work.json").await.json().await.unwrap();
    assert_eq!(counts["counts"]["listening"], 0);
}
