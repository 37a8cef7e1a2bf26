//! Posts changed until they go out, on both backends: texts and time, approval resets, drafts
//! that keep their date, unscheduling, deleting, and refusals once a delivery has gone.

use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;

const NOW: i64 = 1_800_000_000;

fn edit<'a>(ws: i64, post: i64, variants: &'a [NewVariant], at: Option<i64>) -> PostEdit<'a> {
    PostEdit {
        workspace_id: ws,
        post_id: post,
        title: "Rentrée",
        variants,
        campaign: "",
        tags: &[],
        short_links: &[],
        media: &[],
        first_comment: None,
        poll: None,
        scheduled_at: at,
        draft: false,
        actor: "Camille",
        now: NOW + 10,
    }
}

async fn post_edit_story(store: &dyn Store) {
    let (owner, ws, _) = owner_workspace_source(store, "jardins").await;
    let channel = store
        .create_channel(&NewChannel {
            workspace_id: ws.id,
            kind: "slack",
            name: "#annonces",
            config: r#"{"url": "https://hooks.slack.example/x"}"#,
            secret: None,
            now: NOW,
        })
        .await
        .unwrap();
    let first = [NewVariant::plain(channel.id, "La rentrée arrive")];
    let new_post = |scheduled_at, draft| NewPost {
        workspace_id: ws.id,
        author_id: Some(owner.id),
        title: "Rentrée",
        variants: &first,
        campaign: "",
        tags: &[],
        short_links: &[],
        media: &[],
        first_comment: None,
        poll: None,
        scheduled_at,
        draft,
        now: NOW,
    };

    // A draft keeps the date it aims for, and is not sent.
    let draft = store
        .create_post(&new_post(Some(NOW + 3_600), true))
        .await
        .unwrap();
    assert_eq!(
        (draft.state.as_str(), draft.scheduled_at),
        ("draft", Some(NOW + 3_600))
    );
    assert!(
        store
            .claim_deliveries(NOW + 7_200, NOW, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A scheduled post moved and rewritten stays scheduled (no approval involved).
    let post = store
        .create_post(&new_post(Some(NOW + 3_600), false))
        .await
        .unwrap();
    let second = [NewVariant::plain(channel.id, "La rentrée est là")];
    let done = store
        .edit_post(&edit(ws.id, post.id, &second, Some(NOW + 7_200)))
        .await
        .unwrap();
    assert_eq!(
        done,
        Edited {
            state: "scheduled".into(),
            approval_reset: false
        }
    );
    let (moved, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(moved.scheduled_at, Some(NOW + 7_200));
    assert_eq!(
        (
            deliveries.len(),
            deliveries[0].body.as_str(),
            deliveries[0].due_at
        ),
        (1, "La rentrée est là", Some(NOW + 7_200))
    );
    assert!(
        store
            .claim_deliveries(NOW + 3_600, NOW, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing left at the old time"
    );

    // Waiting for approval: a new time alone keeps it waiting; new words send it back to draft.
    store
        .request_approval(&ApprovalRequest {
            workspace_id: ws.id,
            post_id: draft.id,
            scheduled_at: NOW + 3_600,
            token_hash: Some("hash-1"),
            client_email: None,
            expires_at: NOW + 86_400,
            actor: "Camille",
            now: NOW,
        })
        .await
        .unwrap();
    let kept = store
        .edit_post(&edit(ws.id, draft.id, &first, Some(NOW + 5_000)))
        .await
        .unwrap();
    assert_eq!(kept.state, "pending_approval");
    let reset = store
        .edit_post(&edit(ws.id, draft.id, &second, Some(NOW + 5_000)))
        .await
        .unwrap();
    assert_eq!(
        reset,
        Edited {
            state: "draft".into(),
            approval_reset: true
        }
    );
    assert!(
        store
            .decide_approval("hash-1", true, "", NOW + 20)
            .await
            .is_err(),
        "the old link no longer approves the new words"
    );

    // Approved by the client, then rewritten: back to draft; moved only: still scheduled.
    store
        .request_approval(&ApprovalRequest {
            workspace_id: ws.id,
            post_id: draft.id,
            scheduled_at: NOW + 5_000,
            token_hash: Some("hash-2"),
            client_email: None,
            expires_at: NOW + 86_400,
            actor: "Camille",
            now: NOW + 30,
        })
        .await
        .unwrap();
    store
        .decide_approval("hash-2", true, "", NOW + 40)
        .await
        .unwrap();
    let moved = store
        .edit_post(&edit(ws.id, draft.id, &second, Some(NOW + 6_000)))
        .await
        .unwrap();
    assert_eq!(moved.state, "scheduled");
    let rewritten = store
        .edit_post(&edit(ws.id, draft.id, &first, Some(NOW + 6_000)))
        .await
        .unwrap();
    assert_eq!(
        (rewritten.state.as_str(), rewritten.approval_reset),
        ("draft", true)
    );

    // Unscheduled: a draft again, its time kept, nothing sent.
    store
        .unschedule_post(ws.id, post.id, "Camille", NOW + 50)
        .await
        .unwrap();
    let (back, deliveries) = store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        (back.state.as_str(), back.scheduled_at),
        ("draft", Some(NOW + 7_200))
    );
    assert_eq!(deliveries[0].status, "draft");
    assert!(matches!(
        store
            .unschedule_post(ws.id, post.id, "Camille", NOW + 50)
            .await,
        Err(StoreError::Refused(_))
    ));

    // Once a delivery has gone, the post is history: no edit, no delete.
    let sent = store
        .create_post(&new_post(Some(NOW), false))
        .await
        .unwrap();
    let jobs = store.claim_deliveries(NOW + 1, NOW, 10).await.unwrap();
    let job = jobs.iter().find(|j| j.delivery.post_id == sent.id).unwrap();
    store
        .finish_delivery(
            job.delivery.id,
            &DeliveryOutcome::Sent {
                remote_id: "1".into(),
                remote_url: None,
                note: None,
            },
            NOW + 2,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .edit_post(&edit(ws.id, sent.id, &second, Some(NOW + 9_000)))
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store.delete_post(ws.id, sent.id).await,
        Err(StoreError::Refused(_))
    ));

    // Deleting a post that has not gone out takes its history with it; another workspace's
    // post is not found.
    let (_, other, _) = owner_workspace_source(store, "autre").await;
    assert!(matches!(
        store.delete_post(other.id, post.id).await,
        Err(StoreError::NotFound { .. })
    ));
    store.delete_post(ws.id, post.id).await.unwrap();
    assert!(store.post(ws.id, post.id).await.unwrap().is_none());
    assert!(store.post_events(ws.id, post.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn post_edits_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    post_edit_story(&store).await;
}

#[tokio::test]
async fn post_edits_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    post_edit_story(&store).await;
}
