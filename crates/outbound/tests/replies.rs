//! Replies from the inbox to Mastodon, Bluesky and webhooks, against local servers that check
//! each request as the real APIs do (path, auth header, body fields), on SQLite and PostgreSQL.
//! The outbox's promises are tested by cutting the process off mid-send: nobody gets a reply
//! twice, no reply is lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use jardinier_outbound::{ReplyWorker, STALE_AFTER};
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000;

struct Setup {
    store: Arc<dyn Store>,
    ws: i64,
    owner: i64,
    conversation: i64,
}

/// A workspace with one source of `kind` and one conversation opened from its item
/// `external_id` written by `handle`.
async fn setup(
    url: &str,
    kind: &str,
    config: &str,
    secret: &str,
    external_id: &str,
    handle: &str,
) -> Setup {
    setup_titled(url, kind, config, secret, external_id, handle, None).await
}

/// The same, for an item with a title (a direct message is marked by its title).
async fn setup_titled(
    url: &str,
    kind: &str,
    config: &str,
    secret: &str,
    external_id: &str,
    handle: &str,
    title: Option<&str>,
) -> Setup {
    let store = connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, workspace, _) = owner_workspace_source(&store, "brand").await;
    let source = store
        .create_source(&NewSource {
            workspace_id: workspace.id,
            kind,
            name: "channel",
            config,
            secret: Some(secret),
            interval_secs: 900,
            now: NOW,
        })
        .await
        .unwrap();
    let item = NewItem {
        workspace_id: workspace.id,
        source_id: source.id,
        source_kind: kind.into(),
        external_id: external_id.into(),
        url: None,
        site: None,
        author_name: Some("Léa Martin".into()),
        author_handle: Some(handle.into()),
        author_reach: Some(300),
        title: title.map(str::to_owned),
        body: "Ma commande n'est toujours pas arrivée".into(),
        lang: Some("fr".into()),
        sentiment: Some("negative".into()),
        sentiment_score: Some(-0.5),
        published_at: NOW - 60,
        received_at: NOW - 50,
        parent_external_id: None,
        content_hash: "h".into(),
        simhash: None,
        enrichment_error: None,
        terms: vec![],
        quoted_ref: None,
        quote_of: None,
    };
    let outcome = store.insert_items(&[(item, vec![])]).await.unwrap();
    let InsertOutcome::Inserted { id: item_id, .. } = outcome[0] else {
        panic!("{:?}", outcome[0]);
    };
    let conversation = store
        .send_to_inbox(workspace.id, item_id, Some(owner.id), NOW - 40)
        .await
        .unwrap();
    Setup {
        store: Arc::new(store),
        ws: workspace.id,
        owner: owner.id,
        conversation,
    }
}

impl Setup {
    async fn reply(&self, body: &str, key: &str, needs_approval: bool) -> Reply {
        self.store
            .queue_reply(&NewReply {
                workspace_id: self.ws,
                conversation_id: self.conversation,
                author_id: self.owner,
                body,
                close_after: false,
                needs_approval,
                idempotency_key: key,
                now: NOW,
            })
            .await
            .unwrap()
    }

    async fn replies(&self) -> Vec<Reply> {
        self.store
            .replies_of(self.ws, self.conversation)
            .await
            .unwrap()
    }

    async fn events(&self) -> Vec<String> {
        let (_, _, events) = self
            .store
            .conversation(self.ws, self.conversation)
            .await
            .unwrap()
            .unwrap();
        events.into_iter().map(|e| e.kind).collect()
    }
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

// ---------------------------------------------------------------- Mastodon

#[derive(Default)]
struct Mastodon {
    /// Statuses created, by idempotency key (as Mastodon keeps them for an hour).
    statuses: HashMap<String, Value>,
    requests: usize,
    /// Answer 504 after creating the status this many times (a proxy that lost the answer).
    lose_answers: usize,
    refuse_token: bool,
}

type MastodonState = Arc<Mutex<Mastodon>>;

async fn mastodon_post(
    State(state): State<MastodonState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut server = state.lock().unwrap();
    server.requests += 1;
    if server.refuse_token
        || header(&headers, "authorization").as_deref() != Some("Bearer brand-token")
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "The access token is invalid"})),
        );
    }
    let Some(text) = body.get("status").and_then(|s| s.as_str()) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "Validation failed: Text can't be blank"})),
        );
    };
    if body.get("in_reply_to_id").and_then(|s| s.as_str()) != Some("113500000000000002") {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "Record not found"})),
        );
    }
    let key = header(&headers, "idempotency-key").unwrap_or_default();
    let count = server.statuses.len();
    let status = server
        .statuses
        .entry(key)
        .or_insert_with(|| {
            json!({"id": format!("9000{count}"), "url": format!("https://piaille.example/@brand/9000{count}"),
                   "content": text, "in_reply_to_id": body["in_reply_to_id"], "visibility": body["visibility"],
                   "language": body["language"]})
        })
        .clone();
    if server.lose_answers > 0 {
        server.lose_answers -= 1;
        return (StatusCode::GATEWAY_TIMEOUT, Json(json!({})));
    }
    (StatusCode::OK, Json(status))
}

async fn mastodon_server(state: MastodonState) -> String {
    serve(
        Router::new()
            .route("/api/v1/statuses", post(mastodon_post))
            .with_state(state),
    )
    .await
}

async fn mastodon_setup(url: &str, server: &str) -> Setup {
    let config = json!({"base": server, "search": "BrulerieDuCanal"}).to_string();
    setup(
        url,
        "mastodon",
        &config,
        "brand-token",
        "113500000000000002",
        "@lea@piaille.fr",
    )
    .await
}

async fn mastodon_reply_story(url: &str) {
    let state = MastodonState::default();
    state.lock().unwrap().lose_answers = 1;
    let server = mastodon_server(state.clone()).await;
    let s = mastodon_setup(url, &server).await;
    let worker = ReplyWorker::new(s.store.clone());

    let reply = s
        .reply("Bonjour Léa, je regarde votre commande.", "form-1", false)
        .await;
    assert_eq!(reply.status, ReplyStatus::Queued);
    // The same form sent twice is one reply.
    let again = s
        .reply("Bonjour Léa, je regarde votre commande.", "form-1", false)
        .await;
    assert_eq!(again.id, reply.id);
    let conversation = s
        .store
        .conversation_summary(s.ws, s.conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (conversation.state.as_str(), conversation.assignee_id),
        ("waiting", Some(s.owner)),
        "answering takes the conversation and waits on the person"
    );

    // First attempt: the status is created but the answer is lost (504): retried later.
    assert_eq!(worker.deliver_due(NOW).await.unwrap(), 0);
    let r = &s.replies().await[0];
    assert_eq!((r.status, r.attempts), (ReplyStatus::Queued, 1));
    assert!(r.last_error.as_deref().unwrap().contains("504"), "{r:?}");
    assert!(r.next_attempt_at > NOW);
    // Not due yet.
    assert_eq!(worker.deliver_due(NOW + 1).await.unwrap(), 0);
    assert_eq!(state.lock().unwrap().requests, 1);

    // Second attempt, same Idempotency-Key: Mastodon answers the status it already made.
    assert_eq!(worker.deliver_due(NOW + 60).await.unwrap(), 1);
    let r = &s.replies().await[0];
    assert_eq!(r.status, ReplyStatus::Sent);
    assert_eq!(r.remote_id.as_deref(), Some("90000"));
    assert_eq!(
        r.remote_url.as_deref(),
        Some("https://piaille.example/@brand/90000")
    );
    {
        let server = state.lock().unwrap();
        assert_eq!(server.requests, 2);
        assert_eq!(server.statuses.len(), 1, "one status for two attempts");
        let status = server.statuses.values().next().unwrap();
        assert_eq!(
            status["content"], "@lea@piaille.fr Bonjour Léa, je regarde votre commande.",
            "the person is mentioned, or Mastodon does not notify them"
        );
        assert_eq!(status["visibility"], "public");
        assert_eq!(status["language"], "fr");
    }
    let conversation = s
        .store
        .conversation_summary(s.ws, s.conversation)
        .await
        .unwrap()
        .unwrap();
    let events = s.events().await;
    assert!(events.contains(&"reply_queued".to_owned()), "{events:?}");
    assert!(events.contains(&"reply_sent".to_owned()), "{events:?}");
    let _ = conversation;

    // A stop mid-send: claimed (marked sending, attempt counted), then nothing recorded.
    let second = s.reply("Le colis part demain.", "form-2", false).await;
    let claimed = s
        .store
        .claim_replies(NOW + 100, NOW + 100 - STALE_AFTER, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(!claimed[0].in_doubt);
    // Nothing else claims it while it is being sent…
    assert!(
        s.store
            .claim_replies(NOW + 101, NOW + 101 - STALE_AFTER, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // …until it is stale: then it is sent, once.
    assert_eq!(
        worker
            .deliver_due(NOW + 100 + STALE_AFTER + 1)
            .await
            .unwrap(),
        1
    );
    let replies = s.replies().await;
    let r = replies.iter().find(|r| r.id == second.id).unwrap();
    assert_eq!((r.status, r.attempts), (ReplyStatus::Sent, 2));
    assert_eq!(state.lock().unwrap().statuses.len(), 2);
}

#[tokio::test]
async fn mastodon_replies_are_sent_once_on_sqlite() {
    mastodon_reply_story(&TestDatabase::sqlite().url).await;
}

#[tokio::test]
async fn mastodon_replies_are_sent_once_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    mastodon_reply_story(&db.url).await;
}

#[tokio::test]
async fn a_refused_reply_goes_back_to_the_queue_and_can_be_sent_again() {
    let db = TestDatabase::sqlite();
    let state = MastodonState::default();
    state.lock().unwrap().refuse_token = true;
    let server = mastodon_server(state.clone()).await;
    let s = mastodon_setup(&db.url, &server).await;
    let worker = ReplyWorker::new(s.store.clone());
    s.reply("Bonjour", "k", false).await;
    worker.deliver_due(NOW).await.unwrap();
    let r = &s.replies().await[0];
    assert_eq!(r.status, ReplyStatus::Failed);
    let error = r.last_error.clone().unwrap();
    assert!(
        error.contains("refused the account's credentials"),
        "{error}"
    );
    assert!(error.contains("The access token is invalid"), "{error}");
    // Not answered: back in the queue, for the one who has it.
    let conversation = s
        .store
        .conversation_summary(s.ws, s.conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.state, "assigned");
    assert!(s.events().await.contains(&"reply_failed".to_owned()));
    assert_eq!(conversation.first_response_at, None);

    // The token is fixed; a teammate sends it again.
    state.lock().unwrap().refuse_token = false;
    let retried = s
        .store
        .retry_reply(s.ws, r.id, s.owner, NOW + 10)
        .await
        .unwrap();
    assert_eq!(retried.status, ReplyStatus::Queued);
    assert_eq!(worker.deliver_due(NOW + 10).await.unwrap(), 1);
    let conversation = s
        .store
        .conversation_summary(s.ws, s.conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.first_response_at, Some(NOW + 10));
    // Only a failed reply can be sent again.
    assert!(
        s.store
            .retry_reply(s.ws, r.id, s.owner, NOW + 20)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn replies_waiting_for_approval_are_not_sent_until_approved() {
    let db = TestDatabase::sqlite();
    let state = MastodonState::default();
    let server = mastodon_server(state.clone()).await;
    let s = mastodon_setup(&db.url, &server).await;
    let worker = ReplyWorker::new(s.store.clone());
    let pending = s.reply("Nous vous remboursons.", "a", true).await;
    let refused = s.reply("Vous avez tort.", "b", true).await;
    assert_eq!(pending.status, ReplyStatus::PendingApproval);
    assert_eq!(worker.deliver_due(NOW).await.unwrap(), 0);
    assert_eq!(state.lock().unwrap().requests, 0);
    let conversation = s
        .store
        .conversation_summary(s.ws, s.conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        conversation.state, "new",
        "a reply awaiting approval answers nobody yet"
    );
    assert_eq!(
        s.store.replies_awaiting_approval(s.ws).await.unwrap().len(),
        2
    );

    let approved = s
        .store
        .decide_reply(s.ws, pending.id, true, s.owner, NOW + 5)
        .await
        .unwrap();
    assert_eq!(approved.status, ReplyStatus::Queued);
    assert_eq!(approved.decided_by.as_deref(), Some("Owner"));
    let rejected = s
        .store
        .decide_reply(s.ws, refused.id, false, s.owner, NOW + 5)
        .await
        .unwrap();
    assert_eq!(rejected.status, ReplyStatus::Rejected);
    assert!(
        s.store
            .decide_reply(s.ws, refused.id, true, s.owner, NOW + 6)
            .await
            .is_err(),
        "decided once"
    );
    assert_eq!(worker.deliver_due(NOW + 5).await.unwrap(), 1);
    let contents: Vec<String> = state
        .lock()
        .unwrap()
        .statuses
        .values()
        .map(|s| s["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(contents.len(), 1);
    assert!(contents[0].ends_with("Nous vous remboursons."));
    let events = s.events().await;
    for kind in [
        "reply_pending",
        "reply_approved",
        "reply_rejected",
        "reply_sent",
    ] {
        assert!(events.contains(&kind.to_owned()), "{kind} in {events:?}");
    }
    // Another workspace cannot see or decide these replies.
    assert!(
        s.store
            .decide_reply(s.ws + 1, pending.id, true, s.owner, NOW)
            .await
            .is_err()
    );
    assert!(
        s.store
            .replies_of(s.ws + 1, s.conversation)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------- Bluesky

#[derive(Default)]
struct Bluesky {
    records: HashMap<String, Value>,
    creates: usize,
    lose_answers: usize,
}

type BlueskyState = Arc<Mutex<Bluesky>>;

const PARENT: &str = "at://did:plc:lea/app.bsky.feed.post/3lparent";

async fn create_session(Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    if body["identifier"] == "brulerie.example" && body["password"] == "app-pass-word" {
        (
            StatusCode::OK,
            Json(
                json!({"accessJwt": "jwt-1", "refreshJwt": "r", "handle": "brulerie.example", "did": "did:plc:brand"}),
            ),
        )
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}),
            ),
        )
    }
}

async fn get_posts(Query(q): Query<HashMap<String, String>>) -> Json<Value> {
    // app.bsky.feed.getPosts: postView with the record, whose reply names the thread's root.
    if q.get("uris").map(String::as_str) != Some(PARENT) {
        return Json(json!({"posts": []}));
    }
    Json(json!({"posts": [{
        "uri": PARENT, "cid": "bafyparent",
        "author": {"did": "did:plc:lea", "handle": "lea.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": "Toujours rien reçu", "createdAt": "2026-11-21T08:00:00Z",
                   "reply": {"root": {"uri": "at://did:plc:brand/app.bsky.feed.post/3lroot", "cid": "bafyroot"},
                             "parent": {"uri": "at://did:plc:brand/app.bsky.feed.post/3lroot", "cid": "bafyroot"}}},
        "indexedAt": "2026-11-21T08:00:01Z"}]}))
}

async fn create_record(
    State(state): State<BlueskyState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut server = state.lock().unwrap();
    server.creates += 1;
    if header(&headers, "authorization").as_deref() != Some("Bearer jwt-1") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "AuthMissing"})),
        );
    }
    let record = &body["record"];
    let rkey = body["rkey"].as_str().unwrap_or_default().to_owned();
    let valid = body["repo"] == "did:plc:brand"
        && body["collection"] == "app.bsky.feed.post"
        && rkey.len() == 13
        && record["$type"] == "app.bsky.feed.post"
        && record["text"].is_string()
        && record["createdAt"]
            .as_str()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok())
        && record["reply"]["root"]
            == json!({"uri": "at://did:plc:brand/app.bsky.feed.post/3lroot", "cid": "bafyroot"})
        && record["reply"]["parent"] == json!({"uri": PARENT, "cid": "bafyparent"});
    if !valid {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "InvalidRequest", "message": format!("bad record {body}")})),
        );
    }
    if server.records.contains_key(&rkey) {
        // What the PDS did before it had a named error for it.
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": "InternalServerError"})),
        );
    }
    let uri = format!("at://did:plc:brand/app.bsky.feed.post/{rkey}");
    server.records.insert(
        rkey,
        json!({"uri": uri, "cid": "bafyreply", "value": record}),
    );
    if server.lose_answers > 0 {
        server.lose_answers -= 1;
        return (StatusCode::BAD_GATEWAY, Json(json!({})));
    }
    (
        StatusCode::OK,
        Json(json!({"uri": uri, "cid": "bafyreply"})),
    )
}

async fn get_record(
    State(state): State<BlueskyState>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let server = state.lock().unwrap();
    match server
        .records
        .get(q.get("rkey").map(String::as_str).unwrap_or_default())
    {
        Some(record) if q.get("repo").map(String::as_str) == Some("did:plc:brand") => {
            (StatusCode::OK, Json(record.clone()))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "RecordNotFound", "message": "Could not locate record"})),
        ),
    }
}

#[tokio::test]
async fn bluesky_replies_name_the_thread_and_are_posted_once() {
    let db = TestDatabase::sqlite();
    let state = BlueskyState::default();
    state.lock().unwrap().lose_answers = 1;
    let server = serve(
        Router::new()
            .route(
                "/xrpc/com.atproto.server.createSession",
                post(create_session),
            )
            .route("/xrpc/app.bsky.feed.getPosts", get(get_posts))
            .route("/xrpc/com.atproto.repo.createRecord", post(create_record))
            .route("/xrpc/com.atproto.repo.getRecord", get(get_record))
            .with_state(state.clone()),
    )
    .await;
    let config =
        json!({"base": server, "search": "brulerie", "account": "brulerie.example", "pds": server})
            .to_string();
    let s = setup(
        &db.url,
        "bluesky",
        &config,
        "app-pass-word",
        PARENT,
        "@lea.bsky.social",
    )
    .await;
    let worker = ReplyWorker::new(s.store.clone());
    s.reply("Bonjour Léa, nous regardons.", "k1", false).await;
    // The record is made but the answer is lost; the retry finds it instead of posting again.
    assert_eq!(worker.deliver_due(NOW).await.unwrap(), 0);
    assert_eq!(worker.deliver_due(NOW + 60).await.unwrap(), 1);
    let r = &s.replies().await[0];
    assert_eq!(r.status, ReplyStatus::Sent, "{r:?}");
    let server = state.lock().unwrap();
    assert_eq!(server.creates, 1, "the second attempt did not post");
    assert_eq!(server.records.len(), 1);
    let (rkey, record) = server.records.iter().next().unwrap();
    assert_eq!(record["value"]["text"], "Bonjour Léa, nous regardons.");
    assert_eq!(record["value"]["langs"], json!(["fr"]));
    assert_eq!(
        r.remote_id.as_deref(),
        Some(format!("at://did:plc:brand/app.bsky.feed.post/{rkey}").as_str())
    );
    assert_eq!(
        r.remote_url.as_deref(),
        Some(format!("https://bsky.app/profile/brulerie.example/post/{rkey}").as_str())
    );
}

#[tokio::test]
async fn a_wrong_bluesky_password_fails_with_a_reason() {
    let db = TestDatabase::sqlite();
    let server = serve(Router::new().route(
        "/xrpc/com.atproto.server.createSession",
        post(create_session),
    ))
    .await;
    let config =
        json!({"base": server, "search": "b", "account": "brulerie.example", "pds": server})
            .to_string();
    let s = setup(
        &db.url,
        "bluesky",
        &config,
        "wrong",
        PARENT,
        "@lea.bsky.social",
    )
    .await;
    ReplyWorker::new(s.store.clone())
        .deliver_due(NOW)
        .await
        .unwrap();
    s.reply("x", "k", false).await;
    ReplyWorker::new(s.store.clone())
        .deliver_due(NOW)
        .await
        .unwrap();
    let r = &s.replies().await[0];
    assert_eq!(r.status, ReplyStatus::Failed);
    assert!(
        r.last_error
            .as_deref()
            .unwrap()
            .contains("Invalid identifier or password"),
        "{r:?}"
    );
}

// ---------------------------------------------------------------- Webhook

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

#[tokio::test]
async fn webhook_replies_are_signed_and_keyed() {
    let db = TestDatabase::sqlite();
    let seen: Seen = Arc::default();
    let server = serve(
        Router::new()
            .route(
                "/answers",
                post(
                    |State(seen): State<Seen>, headers: HeaderMap, body: String| async move {
                        seen.lock().unwrap().push((headers, body));
                        Json(json!({"id": "msg-77", "url": "https://crm.example/m/77"}))
                    },
                ),
            )
            .with_state(seen.clone()),
    )
    .await;
    let config = json!({"reply_url": format!("{server}/answers")}).to_string();
    let s = setup(
        &db.url,
        "webhook",
        &config,
        "hook-secret",
        "ticket-12",
        "lea@example.org",
    )
    .await;
    s.reply("Merci Léa", "k", false).await;
    assert_eq!(
        ReplyWorker::new(s.store.clone())
            .deliver_due(NOW)
            .await
            .unwrap(),
        1
    );
    let (headers, body) = seen.lock().unwrap()[0].clone();
    let (headers, body) = (&headers, &body);
    assert!(
        jardinier_listening::verify_signature(
            "hook-secret",
            body.as_bytes(),
            header(headers, "x-jardinier-signature").as_deref()
        )
        .is_ok()
    );
    assert_eq!(header(headers, "idempotency-key").as_deref(), Some("k"));
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["in_reply_to"], "ticket-12");
    assert_eq!(body["text"], "Merci Léa");
    assert_eq!(body["to"]["handle"], "lea@example.org");
    let r = &s.replies().await[0];
    assert_eq!(r.remote_id.as_deref(), Some("msg-77"));
}

#[tokio::test]
async fn an_answer_to_a_direct_message_stays_direct() {
    let db = TestDatabase::sqlite();
    let state = MastodonState::default();
    let server = mastodon_server(state.clone()).await;
    let config = json!({"base": server, "search": "", "notifications": true}).to_string();
    let s = setup_titled(
        &db.url,
        "mastodon",
        &config,
        "brand-token",
        "113500000000000002",
        "@lea@piaille.fr",
        Some(jardinier_connectors::social::DIRECT_MESSAGE),
    )
    .await;
    s.reply("Je vous réponds en privé.", "dm-1", false).await;
    assert_eq!(
        ReplyWorker::new(s.store.clone())
            .deliver_due(NOW)
            .await
            .unwrap(),
        1
    );
    let visibility = state.lock().unwrap().statuses.values().next().unwrap()["visibility"].clone();
    assert_eq!(visibility, "direct");
}

#[derive(Default)]
struct Chat {
    messages: Vec<Value>,
    sends: usize,
    lose_answers: usize,
}

#[tokio::test]
async fn bluesky_direct_messages_are_answered_in_the_chat_once() {
    let db = TestDatabase::sqlite();
    let chat: Arc<Mutex<Chat>> = Arc::default();
    chat.lock().unwrap().lose_answers = 1;
    let proxied = |headers: &HeaderMap| {
        header(headers, "authorization").as_deref() == Some("Bearer jwt-1")
            && header(headers, "atproto-proxy").as_deref()
                == Some("did:web:api.bsky.chat#bsky_chat")
    };
    let server = serve(
        Router::new()
            .route("/xrpc/com.atproto.server.createSession", post(create_session))
            .route(
                "/xrpc/chat.bsky.convo.sendMessage",
                post(move |State(chat): State<Arc<Mutex<Chat>>>, headers: HeaderMap, Json(body): Json<Value>| async move {
                    if !proxied(&headers) || body["convoId"] != "convo-7" || !body["message"]["text"].is_string() {
                        return (StatusCode::BAD_REQUEST, Json(json!({"error": "InvalidRequest"})));
                    }
                    let mut chat = chat.lock().unwrap();
                    chat.sends += 1;
                    let message = json!({"id": format!("sent-{}", chat.sends), "rev": "r", "text": body["message"]["text"],
                                         "sender": {"did": "did:plc:brand"}, "sentAt": jiff::Timestamp::now().to_string()});
                    chat.messages.push(message.clone());
                    if chat.lose_answers > 0 {
                        chat.lose_answers -= 1;
                        return (StatusCode::BAD_GATEWAY, Json(json!({})));
                    }
                    (StatusCode::OK, Json(message))
                }),
            )
            .route(
                "/xrpc/chat.bsky.convo.getMessages",
                get(move |State(chat): State<Arc<Mutex<Chat>>>, headers: HeaderMap| async move {
                    if !proxied(&headers) {
                        return (StatusCode::BAD_REQUEST, Json(json!({"error": "InvalidRequest"})));
                    }
                    let mut messages = chat.lock().unwrap().messages.clone();
                    messages.reverse();
                    (StatusCode::OK, Json(json!({"messages": messages})))
                }),
            )
            .with_state(chat.clone()),
    )
    .await;
    let config = json!({"base": server, "search": "", "notifications": true, "account": "brulerie.example", "pds": server}).to_string();
    let s = setup_titled(
        &db.url,
        "bluesky",
        &config,
        "app-pass-word",
        "chat:convo-7:m3",
        "@ines.bsky.social",
        Some(jardinier_connectors::social::DIRECT_MESSAGE),
    )
    .await;
    // Replies are written "now" in this test: the in-doubt check compares times.
    let now = jardinier_outbound::unix_now();
    s.store
        .queue_reply(&NewReply {
            workspace_id: s.ws,
            conversation_id: s.conversation,
            author_id: s.owner,
            body: "Nous vous renvoyons la commande 77.",
            close_after: false,
            needs_approval: false,
            idempotency_key: "chat-1",
            now,
        })
        .await
        .unwrap();
    let worker = ReplyWorker::new(s.store.clone());
    assert_eq!(
        worker.deliver_due(now).await.unwrap(),
        0,
        "the answer is lost"
    );
    assert_eq!(worker.deliver_due(now + 60).await.unwrap(), 1);
    let r = &s.replies().await[0];
    assert_eq!(r.status, ReplyStatus::Sent, "{r:?}");
    assert_eq!(r.remote_id.as_deref(), Some("chat:convo-7:sent-1"));
    assert_eq!(
        chat.lock().unwrap().sends,
        1,
        "found in the chat, not sent twice"
    );
}
