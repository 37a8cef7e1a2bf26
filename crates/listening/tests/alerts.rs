//! Alert rules end to end: history, burst, one grouped alert, deliveries to a local webhook
//! receiver and the mail outbox, acknowledgement. On both backends.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use jardinier_listening::alerts::{AlertEngine, AlertSender};
use jardinier_listening::{Enrichment, IncomingItem, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;

type Inbox = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A local receiver standing in for Slack/ntfy: records requests, answers with `status`.
async fn receiver(status: StatusCode) -> (String, Inbox) {
    let inbox: Inbox = Arc::new(Mutex::new(Vec::new()));
    let recorded = inbox.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let recorded = recorded.clone();
            async move {
                recorded.lock().unwrap().push((headers, body));
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, inbox)
}

fn analysis(text: &str) -> Enrichment {
    let negative = text.contains("malade");
    Enrichment {
        lang: Some("fr".into()),
        sentiment: Some((
            if negative { "negative" } else { "positive" }.into(),
            if negative { -0.8 } else { 0.5 },
        )),
    }
}

fn mention(id: &str, text: &str, at: i64, reach: i64) -> IncomingItem {
    IncomingItem {
        external_id: id.into(),
        text: text.into(),
        published_at: Some(at),
        author_name: Some(format!("Author {id}")),
        author_reach: Some(reach),
        ..Default::default()
    }
}

async fn story(store: Arc<dyn Store>) {
    let (ok_url, inbox) = receiver(StatusCode::OK).await;
    let (broken_url, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    let (refusing_url, _) = receiver(StatusCode::NOT_FOUND).await;
    let (_, ws, source) =
        jardinier_store::testing::owner_workspace_source(store.as_ref(), "b").await;
    let query = store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Brûlerie",
            query_text: "brulerie",
            kind: "brand",
            created_by: None,
            now: 1,
        })
        .await
        .unwrap();
    let channels = format!(
        r#"[{{"kind": "slack", "target": "{ok_url}"}}, {{"kind": "email", "target": "oncall@b.example"}}, {{"kind": "discord", "target": "{broken_url}"}}, {{"kind": "mattermost", "target": "{refusing_url}"}}]"#
    );
    let spike = store
        .create_alert_rule(&NewAlertRule { workspace_id: ws.id, query_id: query.id, kind: "volume_spike", params: r#"{"window_minutes": 10, "history_windows": 6, "min_volume": 8, "lang": "en"}"#, channels: &channels, now: 1 })
        .await
        .unwrap();
    store
        .create_alert_rule(&NewAlertRule {
            workspace_id: ws.id,
            query_id: query.id,
            kind: "high_reach",
            params: r#"{"min_reach": 50000}"#,
            channels: "[]",
            now: 1,
        })
        .await
        .unwrap();

    let engine = Arc::new(AlertEngine::new(store.clone(), "http://jardinier.test"));
    engine.reload().await.unwrap();
    let mut ingestor = Ingestor::new(store.clone(), analysis);
    ingestor.alerts = Some(engine.clone());
    ingestor.reload_queries().await.unwrap();

    let now = 100_000;
    // An hour of calm: two mentions per ten minutes.
    let calm: Vec<IncomingItem> = (0..12)
        .map(|i| {
            mention(
                &format!("calm{i}"),
                &format!("La brulerie, épisode {i}"),
                now - 3_600 + i * 300,
                100,
            )
        })
        .collect();
    ingestor.ingest(&source, calm, now - 600).await.unwrap();
    ingestor.settle_alerts().await;
    assert!(
        store.alerts(ws.id, 10).await.unwrap().is_empty(),
        "calm raises nothing"
    );

    // The burst: twelve mentions within minutes.
    for i in 0..12 {
        let item = mention(
            &format!("burst{i}"),
            &format!("Des clients malades après la brulerie ? #{i}"),
            now - 60 + i,
            200,
        );
        ingestor.ingest(&source, vec![item], now).await.unwrap();
        ingestor.settle_alerts().await;
    }
    let alerts = store.alerts(ws.id, 10).await.unwrap();
    assert_eq!(alerts.len(), 1, "one burst, one alert: {alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert.rule_id, spike.id);
    assert!(
        alert.summary.starts_with("Volume spike on «Brûlerie»: "),
        "{}",
        alert.summary
    );
    // The current window also holds the last calm mention (5 minutes ago): the minimum of 8 is
    // reached at the 7th burst mention, which raises the alert; the other 5 join it.
    assert_eq!(alert.item_count, 1 + 5);

    // Deliveries: the Slack-format receiver gets one message; the broken one is retried later;
    // the refusing one is given up.
    let sender = AlertSender::new(store.clone());
    assert_eq!(sender.send_due(now).await.unwrap(), 1);
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&received[0].1).unwrap();
    assert!(
        body["text"].as_str().unwrap().contains("Volume spike")
            && body["text"].as_str().unwrap().contains("/alerts/ack/")
    );
    let deliveries = store.deliveries_of(alert.id).await.unwrap();
    let states: Vec<(&str, &str)> = deliveries
        .iter()
        .map(|d| (d.channel.as_str(), d.status.as_str()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("slack", "delivered"),
            ("discord", "pending"),
            ("mattermost", "failed")
        ]
    );
    assert!(deliveries[1].last_error.as_deref().unwrap().contains("500"));
    assert_eq!(
        sender.send_due(now + 1).await.unwrap(),
        0,
        "the retry waits"
    );

    // E-mail went through the mail outbox, with the acknowledge link.
    let mail = store
        .recent_mail(5)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.to == "oncall@b.example")
        .expect("alert e-mail");
    assert!(mail.subject.starts_with("[Jardinier alert] Volume spike"));
    let ack_link = mail
        .body_text
        .lines()
        .find(|l| l.contains("/alerts/ack/"))
        .unwrap()
        .trim()
        .to_owned();
    let token = ack_link.rsplit('/').next().unwrap();
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    let acknowledged = store
        .acknowledge_alert(&hash, "Camille", now + 30)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            acknowledged.acknowledged_by.as_deref(),
            acknowledged.acknowledged_at
        ),
        (Some("Camille"), Some(now + 30))
    );

    // Acknowledging takes charge of the burst without ending it: its further mentions join the
    // same alert (one alert per burst, issue 15); an influencer raises its own.
    let before_ack = acknowledged.item_count;
    for i in 0..10 {
        ingestor
            .ingest(
                &source,
                vec![mention(
                    &format!("again{i}"),
                    &format!("brulerie encore {i}"),
                    now + 60 + i,
                    300,
                )],
                now + 70,
            )
            .await
            .unwrap();
        ingestor.settle_alerts().await;
    }
    ingestor
        .ingest(
            &source,
            vec![mention("star", "J'adore la brulerie", now + 80, 120_000)],
            now + 80,
        )
        .await
        .unwrap();
    ingestor.settle_alerts().await;
    let alerts = store.alerts(ws.id, 10).await.unwrap();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert!(
        alerts[0].summary.contains("120000"),
        "{}",
        alerts[0].summary
    );
    assert_eq!(alerts[1].id, acknowledged.id);
    assert!(
        alerts[1].item_count > before_ack,
        "the burst's new mentions are counted on the acknowledged alert: {alerts:?}"
    );
}

#[tokio::test]
async fn alerts_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    story(Arc::new(store)).await;
}

#[tokio::test]
async fn alerts_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    story(Arc::new(store)).await;
}

#[tokio::test]
async fn the_on_call_person_is_alerted_and_quiet_hours_defer_the_others() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let new_user = |email: &'static str| NewUser {
        email,
        display_name: email,
        password_hash: "h",
        lang: None,
    };
    let lea = store
        .create_user(&new_user("lea@b.example"), 1)
        .await
        .unwrap();
    let sam = store
        .create_user(&new_user("sam@b.example"), 1)
        .await
        .unwrap();
    let ws = store
        .create_workspace(
            &NewWorkspace {
                slug: "b",
                name: "B",
                timezone: "UTC",
            },
            lea.id,
            1,
        )
        .await
        .unwrap();
    store
        .add_member(ws.id, sam.id, jardinier_domain::Role::Editor, 1)
        .await
        .unwrap();
    let query = store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Brand",
            query_text: "brulerie",
            kind: "brand",
            created_by: None,
            now: 1,
        })
        .await
        .unwrap();
    let source = store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "H",
            config: "{}",
            secret: Some("k"),
            interval_secs: 0,
            now: 1,
        })
        .await
        .unwrap();
    // 10:00 UTC on a day; Léa's week first, then Sam's: it is Sam's week.
    let now = 1_795_255_200;
    store
        .set_oncall_rotation(
            &OnCallRotation {
                workspace_id: ws.id,
                user_ids: vec![lea.id, sam.id],
                period_days: 7,
                starts_at: now - 8 * 86_400,
            },
            1,
        )
        .await
        .unwrap();
    // Léa keeps 09:00–12:00 quiet.
    store
        .set_quiet_hours(
            lea.id,
            Some(QuietHours {
                start: 9 * 60,
                end: 12 * 60,
            }),
        )
        .await
        .unwrap();
    let channels = r#"[{"kind": "oncall", "target": ""}, {"kind": "email", "target": "lea@b.example"}, {"kind": "email", "target": "press@agency.example"}]"#;
    store
        .create_alert_rule(&NewAlertRule {
            workspace_id: ws.id,
            query_id: query.id,
            kind: "keyword",
            params: r#"{"query": "intox*"}"#,
            channels,
            now: 1,
        })
        .await
        .unwrap();
    let engine = Arc::new(AlertEngine::new(store.clone(), "http://jardinier.test"));
    engine.reload().await.unwrap();
    let mut ingestor = Ingestor::new(store.clone(), analysis);
    ingestor.alerts = Some(engine);
    ingestor.reload_queries().await.unwrap();
    ingestor
        .ingest(
            &source,
            vec![mention("x", "Intoxication après la brulerie ?", now, 10)],
            now,
        )
        .await
        .unwrap();
    ingestor.settle_alerts().await;

    assert_eq!(
        store.alerts(ws.id, 5).await.unwrap().len(),
        1,
        "the alert was raised"
    );
    let due_now: Vec<String> = store
        .due_mail(now, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.to)
        .collect();
    assert_eq!(
        due_now,
        vec![
            "sam@b.example".to_owned(),
            "press@agency.example".to_owned()
        ],
        "on call, and non-members, at once"
    );
    let after_quiet: Vec<String> = store
        .due_mail(now + 2 * 3600, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.to)
        .collect();
    assert!(
        after_quiet.contains(&"lea@b.example".to_owned()),
        "Léa's copy waits for noon: {after_quiet:?}"
    );
    assert!(
        !store
            .due_mail(now + 2 * 3600 - 1, 10)
            .await
            .unwrap()
            .iter()
            .any(|m| m.to == "lea@b.example")
    );
}

/// A stop between storing a batch and evaluating its alerts (the evaluator runs after the
/// commit, on its own task): the next start evaluates what was left, once.
async fn backlog_story(store: Arc<dyn Store>) {
    let (_, ws, source) =
        jardinier_store::testing::owner_workspace_source(store.as_ref(), "c").await;
    let query = store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Brûlerie",
            query_text: "brulerie",
            kind: "brand",
            created_by: None,
            now: 1,
        })
        .await
        .unwrap();
    store
        .create_alert_rule(&NewAlertRule {
            workspace_id: ws.id,
            query_id: query.id,
            kind: "keyword",
            params: r#"{"query": "rappel", "lang": "en"}"#,
            channels: r#"[{"kind": "email", "target": "oncall@c.example"}]"#,
            now: 1,
        })
        .await
        .unwrap();
    let now = 1_800_000_000;
    // Before the stop: batches stored the way `ingest` stores them, whose evaluation never ran.
    let before = Ingestor::new(store.clone(), analysis);
    before.reload_queries().await.unwrap();
    let prepared = |id: &str, text: &str, at: i64| {
        let p = before.prepare(&source, mention(id, text, at, 10), at);
        (p.item, p.query_ids)
    };
    let stale = prepared(
        "old",
        "Rappel de la brulerie, il y a deux jours",
        now - 2 * 86_400,
    );
    store.insert_items_for_alerts(&[stale]).await.unwrap();
    let recall = prepared(
        "recall",
        "Rappel produit à la brulerie : lot contaminé",
        now - 5,
    );
    let calm = prepared("calm", "La brulerie ouvre une boutique", now - 5);
    let unmatched = prepared("other", "Rien à voir", now - 5);
    let outcomes = store
        .insert_items_for_alerts(&[recall, calm, unmatched])
        .await
        .unwrap();
    let InsertOutcome::Inserted { id: recall_id, .. } = outcomes[0] else {
        panic!("{outcomes:?}")
    };
    // An import stores without alerts: nothing to evaluate later, even with the watched word.
    let imported = prepared("import", "Rappel de la brulerie en 2019", now - 5);
    store.insert_items(&[imported]).await.unwrap();
    let backlog = store.alert_backlog().await.unwrap();
    assert_eq!(backlog.len(), 2, "{backlog:?}");
    assert_eq!(
        (backlog[1].first_item_id, backlog[1].last_item_id),
        (recall_id, recall_id + 1),
        "the batch's matched items, not the unmatched one"
    );

    // The next start.
    let engine = Arc::new(AlertEngine::new(store.clone(), "http://jardinier.test"));
    engine.reload().await.unwrap();
    let mut after = Ingestor::new(store.clone(), analysis);
    after.alerts = Some(engine);
    after.reload_queries().await.unwrap();
    assert_eq!(
        after.evaluate_backlog(now).await.unwrap(),
        2,
        "the recent batch's two matched mentions; the two-day-old one is dropped"
    );
    let alerts = store.alerts(ws.id, 10).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].first_item_id, Some(recall_id));
    assert!(
        alerts[0].summary.contains("lot contaminé"),
        "{}",
        alerts[0].summary
    );
    assert!(store.alert_backlog().await.unwrap().is_empty());
    assert_eq!(
        after.evaluate_backlog(now).await.unwrap(),
        0,
        "evaluated once"
    );

    // Ingested with alerts, a batch leaves nothing behind once evaluated.
    after
        .ingest(
            &source,
            vec![mention(
                "recall-2",
                "Encore un rappel à la brulerie",
                now,
                10,
            )],
            now,
        )
        .await
        .unwrap();
    after.settle_alerts().await;
    assert!(store.alert_backlog().await.unwrap().is_empty());
    assert_eq!(store.alerts(ws.id, 10).await.unwrap()[0].item_count, 2);
}

#[tokio::test]
async fn a_stop_before_evaluation_delays_the_alert_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    backlog_story(Arc::new(store)).await;
}

#[tokio::test]
async fn a_stop_before_evaluation_delays_the_alert_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    backlog_story(Arc::new(store)).await;
}
