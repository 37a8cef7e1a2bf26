//! Newsletters on both backends: double opt-in, sends written at the campaign's pace, claims,
//! bounces (at sending and later), unsubscribes that cancel what is still queued, counted
//! clicks, and statistics.

use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;

const NOW: i64 = 1_800_000_000;

async fn add(store: &dyn Store, list: i64, email: &str, confirm: Option<&str>) -> Subscribed {
    store
        .subscribe(&NewSubscriber {
            list_id: list,
            email,
            source: if confirm.is_some() { "form" } else { "team" },
            confirm_token_hash: confirm,
            unsubscribe_token: &format!("unsub-{}", email.trim().to_lowercase()),
            now: NOW,
        })
        .await
        .unwrap()
}

async fn newsletter_story(store: &dyn Store) {
    let (_, ws, _) = owner_workspace_source(store, "jardins").await;
    let (_, other, _) = owner_workspace_source(store, "autre").await;
    let list = store
        .create_list(&NewList {
            workspace_id: ws.id,
            name: "La lettre des Jardins",
            public_id: "pub-jardins",
            from_name: "Les Jardins",
            from_address: "lettre@jardins.example",
            footer: "Les Jardins SAS, Lyon",
            language: "fr",
            now: NOW,
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .list_by_public_id("pub-jardins")
            .await
            .unwrap()
            .unwrap()
            .id,
        list.id
    );
    assert!(
        store
            .newsletter_list(other.id, list.id)
            .await
            .unwrap()
            .is_none()
    );

    // Double opt-in: pending until the link is used, once.
    let Subscribed::Added(pending) =
        add(store, list.id, "Lea@Example.org ", Some("hash-lea")).await
    else {
        panic!("a new address is added")
    };
    assert_eq!(
        (pending.email.as_str(), pending.status.as_str()),
        ("lea@example.org", "pending")
    );
    let (confirmed, in_list) = store
        .confirm_subscription("hash-lea", NOW + 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (confirmed.status.as_str(), in_list.id),
        ("subscribed", list.id)
    );
    assert!(
        store
            .confirm_subscription("hash-lea", NOW + 6)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        add(store, list.id, "lea@example.org", Some("hash-again")).await,
        Subscribed::Already(_)
    ));
    add(store, list.id, "sam@example.org", None).await;
    add(store, list.id, "ghost@example.org", None).await;
    add(store, list.id, "late@example.org", Some("hash-late")).await; // never confirms
    let (_, counts) = store.newsletter_lists(ws.id).await.unwrap().remove(0);
    assert_eq!((counts.subscribed, counts.pending), (3, 1));

    // A campaign: three sends spread at 2 per minute, links stored.
    let campaign = store
        .create_campaign(&NewCampaign {
            workspace_id: ws.id,
            list_id: list.id,
            subject: "Nouveautés",
            body_markdown: "Voir [ici](https://jardins.example/new).",
            rate_per_minute: 2,
            author: "Camille",
            now: NOW,
        })
        .await
        .unwrap();
    let links = [(
        "https://jardins.example/new".to_owned(),
        "tok-new".to_owned(),
    )];
    assert_eq!(
        store
            .start_campaign(ws.id, campaign.id, &links, NOW + 10)
            .await
            .unwrap(),
        3
    );
    assert!(matches!(
        store
            .start_campaign(ws.id, campaign.id, &links, NOW + 11)
            .await,
        Err(StoreError::Refused(_))
    ));
    assert_eq!(store.next_send_due().await.unwrap(), Some(NOW + 10));
    // At the start only the first two are due (the pace); the third 30 s later... 60 / 2 = 30 s.
    let first = store.claim_sends(NOW + 10, NOW - 300, 10).await.unwrap();
    assert_eq!(
        first.len(),
        1,
        "the second send is due 30 s after the first"
    );
    let second = store.claim_sends(NOW + 40, NOW - 300, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    let third = store.claim_sends(NOW + 70, NOW - 300, 10).await.unwrap();
    assert_eq!(third.len(), 1);
    let jobs: Vec<SendJob> = first.into_iter().chain(second).chain(third).collect();
    let job = |email: &str| jobs.iter().find(|j| j.email == email).unwrap().clone();
    let lea = job("lea@example.org");
    assert_eq!(lea.campaign.subject, "Nouveautés");
    assert_eq!(lea.list.from_address, "lettre@jardins.example");
    assert_eq!(lea.unsubscribe_token, "unsub-lea@example.org");
    assert_eq!(lea.links[0].token, "tok-new");
    assert!(!lea.in_doubt);
    // Nothing more is due; claimed ones are not claimed twice.
    assert!(
        store
            .claim_sends(NOW + 80, NOW - 300, 10)
            .await
            .unwrap()
            .is_empty()
    );

    store
        .finish_send(lea.id, &SendOutcome::Sent, NOW + 80)
        .await
        .unwrap();
    store
        .finish_send(job("ghost@example.org").id, &SendOutcome::Sent, NOW + 80)
        .await
        .unwrap();
    // Sam's server was down: retried later, then refused the address at once.
    let sam = job("sam@example.org");
    store
        .finish_send(
            sam.id,
            &SendOutcome::Retry {
                error: "421 try later".into(),
                at: NOW + 200,
            },
            NOW + 80,
        )
        .await
        .unwrap();
    let (c, stats, _) = store.campaign(ws.id, campaign.id).await.unwrap().unwrap();
    assert_eq!(c.state, "sending");
    assert_eq!((stats.sent, stats.queued), (2, 1));
    let again = store.claim_sends(NOW + 200, NOW - 300, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    store
        .finish_send(
            again[0].id,
            &SendOutcome::Bounced {
                error: "550 5.1.1 no such user".into(),
            },
            NOW + 200,
        )
        .await
        .unwrap();
    // The bounce of Ghost's message comes back later, by its key.
    assert!(
        store
            .record_bounce(
                &job("ghost@example.org").idempotency_key,
                true,
                "5.1.1",
                NOW + 300
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_bounce("nl999s999", true, "x", NOW)
            .await
            .unwrap()
    );
    // Clicks: counted, nothing else.
    assert_eq!(
        store.click("tok-new").await.unwrap().as_deref(),
        Some("https://jardins.example/new")
    );
    store.click("tok-new").await.unwrap();
    assert_eq!(store.click("tok-unknown").await.unwrap(), None);
    let (c, stats, links) = store.campaign(ws.id, campaign.id).await.unwrap().unwrap();
    assert_eq!(c.state, "sent");
    assert!(c.finished_at.is_some());
    assert_eq!(
        (
            stats.recipients,
            stats.sent,
            stats.bounced,
            stats.queued,
            stats.clicks
        ),
        (3, 1, 2, 0, 2)
    );
    assert_eq!(links[0].clicks, 2);
    let statuses: Vec<(String, String)> = store
        .subscribers(ws.id, list.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.email, s.status))
        .collect();
    assert!(
        statuses.contains(&("ghost@example.org".into(), "bounced".into())),
        "{statuses:?}"
    );
    assert!(statuses.contains(&("sam@example.org".into(), "bounced".into())));
    // A bounced address is not added back silently.
    assert!(matches!(
        add(store, list.id, "sam@example.org", Some("h-sam")).await,
        Subscribed::Bounced(_)
    ));

    // A second campaign goes only to Léa; she unsubscribes before it reaches her.
    let second = store
        .create_campaign(&NewCampaign {
            workspace_id: ws.id,
            list_id: list.id,
            subject: "Deuxième",
            body_markdown: "Bonjour",
            rate_per_minute: 600,
            author: "Camille",
            now: NOW + 400,
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .start_campaign(ws.id, second.id, &[], NOW + 400)
            .await
            .unwrap(),
        1
    );
    let (found, _) = store
        .subscriber_by_unsubscribe_token("unsub-lea@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.email, "lea@example.org");
    let gone = store
        .unsubscribe("unsub-lea@example.org", NOW + 401)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone.status, "unsubscribed");
    // Twice is fine.
    store
        .unsubscribe("unsub-lea@example.org", NOW + 402)
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .claim_sends(NOW + 500, NOW - 300, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (c, stats, _) = store.campaign(ws.id, second.id).await.unwrap().unwrap();
    assert_eq!((c.state.as_str(), stats.sent, stats.failed), ("sent", 0, 1));
    // Coming back through the form asks for confirmation again.
    let Subscribed::Added(back) = add(store, list.id, "lea@example.org", Some("hash-back")).await
    else {
        panic!("an unsubscribed address can sign up again")
    };
    assert_eq!(back.status, "pending");

    // A send cut off by a stop is claimed again, in doubt.
    let third = store
        .create_campaign(&NewCampaign {
            workspace_id: ws.id,
            list_id: list.id,
            subject: "Troisième",
            body_markdown: "Re",
            rate_per_minute: 600,
            author: "Camille",
            now: NOW + 600,
        })
        .await
        .unwrap();
    add(store, list.id, "new@example.org", None).await;
    assert_eq!(
        store
            .start_campaign(ws.id, third.id, &[], NOW + 600)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.claim_sends(NOW + 600, NOW, 10).await.unwrap().len(),
        1
    );
    assert!(
        store
            .claim_sends(NOW + 601, NOW, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let taken = store.claim_sends(NOW + 1_000, NOW + 900, 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert!(taken[0].in_doubt);
}

#[tokio::test]
async fn newsletters_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    newsletter_story(&store).await;
}

#[tokio::test]
async fn newsletters_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    newsletter_story(&store).await;
}
