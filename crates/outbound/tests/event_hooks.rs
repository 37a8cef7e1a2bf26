//! Outgoing webhooks end to end (issue 14, item 8): conversations opened and closed reach a
//! local receiver that checks the timed signature; while the receiver is down (nothing
//! listening, then answering 503) the delivery waits longer each time and arrives once it is
//! back; a receiver that never comes back is given up after the last attempt, and can be sent
//! again. Time is passed in, so no test sleeps.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use jardinier_listening::{Enrichment, IncomingItem, Ingestor, SignaturePolicy};
use jardinier_outbound::event_hooks::EventHookSender;
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::Value;

const SECRET: &str = "receiver-secret";

/// What the receiver accepted: (event header, body), and the status it answers with now.
#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<(String, Value)>>,
    answer: AtomicU16,
    refused_signatures: Mutex<usize>,
}

/// Starts the receiver on `port` (which was free until now).
async fn start_receiver(port: u16, receiver: Arc<Receiver>, clock: i64) {
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let receiver = receiver.clone();
            async move {
                let answer = receiver.answer.load(Ordering::SeqCst);
                if answer != 200 {
                    return StatusCode::from_u16(answer).unwrap();
                }
                let signature = headers
                    .get("x-jardinier-signature")
                    .and_then(|v| v.to_str().ok());
                let policy = SignaturePolicy {
                    now: clock,
                    tolerance_seconds: 300,
                    accept_legacy: false,
                };
                if jardinier_listening::verify_timed_signature(
                    SECRET,
                    body.as_bytes(),
                    signature,
                    policy,
                )
                .is_err()
                {
                    *receiver.refused_signatures.lock().unwrap() += 1;
                    return StatusCode::UNAUTHORIZED;
                }
                let event = headers["x-jardinier-event"].to_str().unwrap().to_owned();
                receiver
                    .got
                    .lock()
                    .unwrap()
                    .push((event, serde_json::from_str(&body).unwrap()));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

fn no_analysis(_: &str) -> Enrichment {
    Enrichment::default()
}

async fn run(db: TestDatabase) {
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, source) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let port = jardinier_testkit::free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let events = vec![
        "conversation.opened".to_owned(),
        "conversation.closed".to_owned(),
    ];
    let subscription = store
        .create_webhook(&NewWebhookSubscription {
            workspace_id: ws.id,
            url: &url,
            secret: SECRET,
            events: &events,
            description: "CRM",
            created_by: Some(owner.id),
            now: 900,
        })
        .await
        .unwrap();
    // Another address wants only replies: it gets nothing of what follows.
    let replies_only = store
        .create_webhook(&NewWebhookSubscription {
            workspace_id: ws.id,
            url: "http://127.0.0.1:9/replies",
            secret: "x",
            events: &["reply.sent".to_owned()],
            description: "",
            created_by: None,
            now: 900,
        })
        .await
        .unwrap();

    let ingestor = Ingestor::new(store.clone(), no_analysis);
    let item = ingestor
        .ingest(
            &source,
            vec![IncomingItem {
                external_id: "m1".into(),
                text: "Ma commande 4512 n'est jamais arrivée".into(),
                author_name: Some("Léa Martin".into()),
                ..Default::default()
            }],
            1_000,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    let conversation = store
        .send_to_inbox(ws.id, item, Some(owner.id), 1_000)
        .await
        .unwrap();

    let sender = EventHookSender::new(store.clone());
    let deliveries = || async {
        store
            .webhook_deliveries(ws.id, subscription.id, None, 10)
            .await
            .unwrap()
    };
    // Nothing listens yet.
    assert_eq!(sender.deliver_due(1_000).await.unwrap(), 1);
    let first = deliveries().await.remove(0);
    assert_eq!(
        (first.status, first.attempts, first.last_status),
        (WebhookStatus::Ready, 1, None)
    );
    assert_eq!(first.next_attempt_at, 1_030);
    assert!(
        first
            .last_error
            .as_deref()
            .unwrap()
            .contains("could not reach"),
        "{first:?}"
    );
    assert_eq!(
        sender.deliver_due(1_010).await.unwrap(),
        0,
        "not due before its time"
    );

    // The receiver is back but still failing: it answers 503.
    let receiver = Arc::new(Receiver::default());
    receiver.answer.store(503, Ordering::SeqCst);
    start_receiver(port, receiver.clone(), 1_030).await;
    assert_eq!(sender.deliver_due(1_030).await.unwrap(), 1);
    let second = deliveries().await.remove(0);
    assert_eq!(
        (second.status, second.attempts, second.last_status),
        (WebhookStatus::Ready, 2, Some(503))
    );
    assert_eq!(second.next_attempt_at, 1_090, "the wait doubles");

    // It recovers (its clock is close to the sender's: a signature an hour old is refused).
    receiver.answer.store(200, Ordering::SeqCst);
    assert_eq!(sender.deliver_due(1_090).await.unwrap(), 1);
    let delivered = deliveries().await.remove(0);
    assert_eq!(
        (
            delivered.status,
            delivered.last_status,
            delivered.delivered_at
        ),
        (WebhookStatus::Delivered, Some(204), Some(1_090))
    );
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered once");
    let (event, body) = &got[0];
    assert_eq!(event, "conversation.opened");
    assert_eq!(body["event"], "conversation.opened");
    assert_eq!(body["id"], delivered.id);
    assert_eq!(body["workspace_id"], ws.id);
    assert_eq!(body["data"]["conversation"]["id"], conversation);
    assert_eq!(
        body["data"]["conversation"]["contact"]["name"],
        "Léa Martin"
    );
    assert_eq!(*receiver.refused_signatures.lock().unwrap(), 0);

    // Closing it is the next event, delivered at the next round.
    store
        .change_conversation(
            ws.id,
            conversation,
            &ConversationChange::State("done".into()),
            Some(owner.id),
            1_100,
        )
        .await
        .unwrap();
    assert_eq!(sender.deliver_due(1_100).await.unwrap(), 1);
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(
        got.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(),
        ["conversation.opened", "conversation.closed"]
    );
    assert_eq!(got[1].1["data"]["conversation"]["state"], "done");
    assert!(
        store
            .webhook_deliveries(ws.id, replies_only.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // An address that never answers is given up after the last attempt, then sent again by hand.
    let dead = store
        .create_webhook(&NewWebhookSubscription {
            workspace_id: ws.id,
            url: &format!("http://127.0.0.1:{}/gone", jardinier_testkit::free_port()),
            secret: "x",
            events: &events,
            description: "",
            created_by: None,
            now: 1_200,
        })
        .await
        .unwrap();
    let test_delivery = store
        .queue_webhook_test(ws.id, dead.id, 1_200)
        .await
        .unwrap();
    let mut now = 1_200;
    for _ in 0..20 {
        sender.deliver_due(now).await.unwrap();
        now += 3_600;
    }
    let given_up = store
        .webhook_deliveries(ws.id, dead.id, None, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (given_up.id, given_up.status, given_up.attempts),
        (
            test_delivery,
            WebhookStatus::Failed,
            jardinier_store::outbox::MAX_ATTEMPTS
        )
    );
    let listed = store.webhooks(ws.id).await.unwrap();
    let dead_listed = listed.iter().find(|s| s.id == dead.id).unwrap();
    assert_eq!(
        (
            dead_listed.pending,
            dead_listed.delivered,
            dead_listed.failed
        ),
        (0, 0, 1)
    );
    store
        .redeliver_webhook(ws.id, given_up.id, now)
        .await
        .unwrap();
    let again = store
        .webhook_deliveries(ws.id, dead.id, None, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (again.status, again.attempts, again.next_attempt_at),
        (WebhookStatus::Ready, 0, now)
    );
    // Another workspace cannot send it again, nor see it.
    assert!(
        store
            .redeliver_webhook(ws.id + 1, given_up.id, now)
            .await
            .is_err()
    );
    assert!(
        store
            .webhook_deliveries(ws.id + 1, dead.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn events_reach_a_receiver_that_was_down_once_it_is_back_sqlite() {
    run(TestDatabase::sqlite()).await;
}

#[tokio::test]
async fn events_reach_a_receiver_that_was_down_once_it_is_back_postgres() {
    if let Some(db) = TestDatabase::postgres().await {
        run(db).await;
    }
}
