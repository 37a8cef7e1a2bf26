//! One story of the store, told against SQLite and against PostgreSQL. Every behaviour the web
//! layer relies on (uniqueness, atomic invitation acceptance, the last-owner rule, token scoping,
//! the mail outbox) is asserted here on both backends.

use jardinier_domain::Role;
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;

async fn open(db: &TestDatabase) -> SqlStore {
    let store = connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    // Migrating twice is a no-op (start-up and `jardinier migrate` both run it).
    store.migrate().await.expect("migrate again");
    store
}

fn mail<'a>(key: &'a str, to: &'a str) -> NewMail<'a> {
    NewMail {
        idempotency_key: key,
        to,
        subject: "Sujet",
        body_text: "Corps",
        created_at: 1_000,
        list_unsubscribe: None,
    }
}

async fn story(store: &dyn Store) {
    // Users: e-mail is unique.
    let camille = store
        .create_user(
            &NewUser {
                email: "camille@brulerie.example",
                display_name: "Camille",
                password_hash: "h1",
                lang: Some("fr"),
            },
            1_000,
        )
        .await
        .unwrap();
    let dup = store
        .create_user(
            &NewUser {
                email: "camille@brulerie.example",
                display_name: "Other",
                password_hash: "h",
                lang: None,
            },
            1_000,
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict { what: "email" })),
        "{dup:?}"
    );
    let sam = store
        .create_user(
            &NewUser {
                email: "sam@agency.example",
                display_name: "Sam",
                password_hash: "h2",
                lang: None,
            },
            1_000,
        )
        .await
        .unwrap();
    let (found, hash) = store
        .user_credentials("camille@brulerie.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, hash.as_str(), found.lang.as_deref()),
        (camille.id, "h1", Some("fr"))
    );
    assert!(
        store
            .user_credentials("nobody@x.example")
            .await
            .unwrap()
            .is_none()
    );

    // Workspaces: the creator owns it; slugs are unique.
    let brulerie = store
        .create_workspace(
            &NewWorkspace {
                slug: "brulerie",
                name: "Brûlerie du Canal",
                timezone: "Europe/Paris",
            },
            camille.id,
            1_000,
        )
        .await
        .unwrap();
    let other = store
        .create_workspace(
            &NewWorkspace {
                slug: "other",
                name: "Other Brand",
                timezone: "UTC",
            },
            sam.id,
            1_000,
        )
        .await
        .unwrap();
    let clash = store
        .create_workspace(
            &NewWorkspace {
                slug: "brulerie",
                name: "X",
                timezone: "UTC",
            },
            sam.id,
            1_000,
        )
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict { what: "slug" })));
    assert_eq!(
        store
            .membership(camille.id, "brulerie")
            .await
            .unwrap()
            .map(|(w, r)| (w.name, r)),
        Some(("Brûlerie du Canal".into(), Role::Owner))
    );
    assert!(
        store
            .membership(camille.id, "other")
            .await
            .unwrap()
            .is_none(),
        "no membership leaks across workspaces"
    );

    assert_eq!(
        store
            .workspace_by_slug("other")
            .await
            .unwrap()
            .map(|w| w.id),
        Some(other.id)
    );
    assert!(store.workspace_by_slug("nope").await.unwrap().is_none());

    // The last owner can be neither demoted nor removed.
    let refused = store
        .set_member_role(brulerie.id, camille.id, Role::Editor)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
    assert!(matches!(
        store.remove_member(brulerie.id, camille.id).await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store.remove_member(brulerie.id, sam.id).await,
        Err(StoreError::NotFound { .. })
    ));

    // Invitations: created with their mail in one transaction, accepted once.
    let invitation = store
        .create_invitation(
            &NewInvitation {
                token_hash: "inv-hash",
                workspace_id: brulerie.id,
                email: "sam@agency.example",
                role: Role::Client,
                invited_by: camille.id,
                created_at: 1_000,
                expires_at: 5_000,
            },
            &mail("invite-1", "sam@agency.example"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.pending_invitations(brulerie.id, 2_000).await.unwrap(),
        vec![invitation.clone()]
    );
    assert!(
        store
            .pending_invitations(brulerie.id, 6_000)
            .await
            .unwrap()
            .is_empty(),
        "expired invitations are not pending"
    );
    assert!(
        matches!(
            store.accept_invitation("inv-hash", sam.id, 6_000).await,
            Err(StoreError::NotFound { .. })
        ),
        "expired"
    );
    let joined = store
        .accept_invitation("inv-hash", sam.id, 2_000)
        .await
        .unwrap();
    assert_eq!(joined.id, brulerie.id);
    assert!(
        matches!(
            store.accept_invitation("inv-hash", sam.id, 2_001).await,
            Err(StoreError::NotFound { .. })
        ),
        "used once"
    );
    assert_eq!(
        store
            .membership(sam.id, "brulerie")
            .await
            .unwrap()
            .unwrap()
            .1,
        Role::Client
    );
    let workspaces: Vec<(String, Role)> = store
        .workspaces_of_user(sam.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(w, r)| (w.slug, r))
        .collect();
    assert_eq!(
        workspaces,
        vec![
            ("brulerie".to_owned(), Role::Client),
            ("other".to_owned(), Role::Owner)
        ]
    );

    // Roles change; a second owner makes the first removable.
    store
        .set_member_role(brulerie.id, sam.id, Role::Owner)
        .await
        .unwrap();
    store
        .set_member_role(brulerie.id, camille.id, Role::Manager)
        .await
        .unwrap();
    let refused = store
        .set_member_role(brulerie.id, sam.id, Role::Analyst)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "sam is now the only owner"
    );
    let members: Vec<(String, Role)> = store
        .members(brulerie.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.user.display_name, m.role))
        .collect();
    assert_eq!(
        members,
        vec![
            ("Camille".to_owned(), Role::Manager),
            ("Sam".to_owned(), Role::Owner)
        ]
    );

    // Revoking an invitation of another workspace is not found, whatever the id.
    let second = store
        .create_invitation(
            &NewInvitation {
                token_hash: "inv-2",
                workspace_id: brulerie.id,
                email: "lou@brulerie.example",
                role: Role::Editor,
                invited_by: camille.id,
                created_at: 1_000,
                expires_at: 5_000,
            },
            &mail("invite-2", "lou@brulerie.example"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store.revoke_invitation(other.id, second.id, 1_500).await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .revoke_invitation(brulerie.id, second.id, 1_500)
        .await
        .unwrap();
    assert!(matches!(
        store.accept_invitation("inv-2", sam.id, 1_600).await,
        Err(StoreError::NotFound { .. })
    ));

    // Sessions expire; a password change ends them all.
    store
        .create_session(&NewSession {
            token_hash: "s1",
            user_id: camille.id,
            csrf_token: "c1",
            created_at: 1_000,
            expires_at: 3_000,
        })
        .await
        .unwrap();
    assert_eq!(
        store.session("s1", 2_000).await.unwrap().unwrap().1.id,
        camille.id
    );
    assert!(
        store.session("s1", 3_000).await.unwrap().is_none(),
        "expired"
    );
    store
        .create_session(&NewSession {
            token_hash: "s2",
            user_id: camille.id,
            csrf_token: "c2",
            created_at: 1_000,
            expires_at: 9_000,
        })
        .await
        .unwrap();
    store.set_password_hash(camille.id, "h1-new").await.unwrap();
    assert!(
        store.session("s2", 2_000).await.unwrap().is_none(),
        "sessions end with a password change"
    );
    assert_eq!(
        store
            .user_credentials("camille@brulerie.example")
            .await
            .unwrap()
            .unwrap()
            .1,
        "h1-new"
    );

    // Password resets are single use and expire.
    store
        .create_password_reset(
            &NewPasswordReset {
                token_hash: "r1",
                user_id: camille.id,
                created_at: 1_000,
                expires_at: 2_000,
            },
            &mail("reset-1", "camille@brulerie.example"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.password_reset_user("r1", 1_500).await.unwrap(),
        Some(camille.id)
    );
    assert_eq!(
        store.take_password_reset("r1", 2_500).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.take_password_reset("r1", 1_500).await.unwrap(),
        Some(camille.id)
    );
    assert_eq!(
        store.take_password_reset("r1", 1_501).await.unwrap(),
        None,
        "single use"
    );

    // Sign-in throttle round-trips.
    assert!(
        store
            .login_throttle("email:camille")
            .await
            .unwrap()
            .is_none()
    );
    let state = Throttle {
        failures: 3,
        window_start: 1_000,
        locked_until: Some(1_900),
    };
    store
        .put_login_throttle("email:camille", &state)
        .await
        .unwrap();
    store
        .put_login_throttle(
            "email:camille",
            &Throttle {
                failures: 4,
                ..state
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .login_throttle("email:camille")
            .await
            .unwrap()
            .unwrap()
            .failures,
        4
    );
    store.clear_login_throttle("email:camille").await.unwrap();
    assert!(
        store
            .login_throttle("email:camille")
            .await
            .unwrap()
            .is_none()
    );

    // API tokens act in their own workspace with the owner's current role, until revoked or
    // until the owner leaves the workspace.
    let token = store
        .create_api_token(&NewApiToken {
            workspace_id: brulerie.id,
            user_id: camille.id,
            name: "script",
            token_hash: "t1",
            prefix: "jdn_ab",
            created_at: 1_000,
        })
        .await
        .unwrap();
    let principal = store
        .authenticate_api_token("t1", 1_100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            principal.user.id,
            principal.workspace.slug.as_str(),
            principal.role
        ),
        (camille.id, "brulerie", Role::Manager)
    );
    assert_eq!(
        store.api_tokens(brulerie.id, camille.id).await.unwrap()[0].last_used_at,
        Some(1_100)
    );
    assert!(
        store
            .api_tokens(other.id, camille.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        matches!(
            store
                .revoke_api_token(brulerie.id, sam.id, token.id, 1_200)
                .await,
            Err(StoreError::NotFound { .. })
        ),
        "only the owner revokes"
    );
    store.remove_member(brulerie.id, camille.id).await.unwrap();
    assert!(
        store
            .authenticate_api_token("t1", 1_300)
            .await
            .unwrap()
            .is_none(),
        "left the workspace"
    );
    store
        .add_member(brulerie.id, camille.id, Role::Editor, 1_400)
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_member(brulerie.id, camille.id, Role::Editor, 1_400)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let token = store
        .create_api_token(&NewApiToken {
            workspace_id: brulerie.id,
            user_id: camille.id,
            name: "again",
            token_hash: "t2",
            prefix: "jdn_cd",
            created_at: 1_500,
        })
        .await
        .unwrap();
    store
        .revoke_api_token(brulerie.id, camille.id, token.id, 1_600)
        .await
        .unwrap();
    assert!(
        store
            .authenticate_api_token("t2", 1_700)
            .await
            .unwrap()
            .is_none(),
        "revoked"
    );

    // Mail outbox: idempotent enqueue, due order, delivery and retries.
    store
        .enqueue_mail(&mail("invite-1", "someone@else.example"))
        .await
        .unwrap();
    let due = store.due_mail(1_000, 10).await.unwrap();
    assert_eq!(
        due.iter()
            .map(|m| m.idempotency_key.as_str())
            .collect::<Vec<_>>(),
        vec!["invite-1", "invite-2", "reset-1"]
    );
    assert_eq!(
        due[0].to, "sam@agency.example",
        "the same key enqueued twice keeps the first message"
    );
    store
        .mark_mail_delivered(due[0].id, MailStatus::Sent, 1_010)
        .await
        .unwrap();
    store
        .mark_mail_failed(due[1].id, "connection refused", Some(1_100))
        .await
        .unwrap();
    store
        .mark_mail_failed(due[2].id, "mailbox unavailable", None)
        .await
        .unwrap();
    assert!(
        store.due_mail(1_050, 10).await.unwrap().is_empty(),
        "the retry waits for its time"
    );
    let retry = store.due_mail(1_100, 10).await.unwrap();
    assert_eq!(
        (
            retry.len(),
            retry[0].attempts,
            retry[0].last_error.as_deref()
        ),
        (1, 1, Some("connection refused"))
    );
    let recent = store.recent_mail(10).await.unwrap();
    assert_eq!(
        recent.iter().map(|m| m.status).collect::<Vec<_>>(),
        vec![MailStatus::Failed, MailStatus::Pending, MailStatus::Sent]
    );

    // Audit log, per workspace.
    store
        .record_audit(&NewAudit {
            workspace_id: Some(brulerie.id),
            actor_id: Some(sam.id),
            action: "member.role",
            detail: "Camille → editor",
            at: 1_500,
        })
        .await
        .unwrap();
    let log = store.audit_log(brulerie.id, None, 10).await.unwrap();
    assert_eq!((log.len(), log[0].actor.as_deref()), (1, Some("Sam")));
    assert!(
        store
            .audit_log(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let counts = store.counts(2_000).await.unwrap();
    assert_eq!(
        (counts.users, counts.workspaces, counts.pending_mail),
        (2, 2, 1)
    );
}

#[tokio::test]
async fn store_story_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = open(&db).await;
    assert_eq!(store.backend(), Backend::Sqlite);
    story(&store).await;
}

#[tokio::test]
async fn store_story_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = open(&db).await;
    assert_eq!(store.backend(), Backend::Postgres);
    story(&store).await;
}

#[tokio::test]
async fn unknown_database_urls_are_refused_with_a_hint() {
    let error = connect("mysql://localhost/x").await.err().unwrap();
    assert!(error.to_string().contains("sqlite://"), "{error}");
}

fn item(
    ws: i64,
    source: i64,
    external_id: &str,
    url: Option<&str>,
    body: &str,
    simhash: Option<u64>,
) -> NewItem {
    NewItem {
        workspace_id: ws,
        source_id: source,
        source_kind: "webhook".into(),
        external_id: external_id.into(),
        url: url.map(str::to_owned),
        site: Some("forum.example".into()),
        author_name: Some("Léa".into()),
        author_handle: Some("@lea".into()),
        author_reach: Some(1200),
        title: None,
        body: body.into(),
        lang: Some("fr".into()),
        sentiment: Some("negative".into()),
        sentiment_score: Some(-0.6),
        published_at: 1_000,
        received_at: 1_001,
        parent_external_id: None,
        content_hash: format!("hash-{body}"),
        simhash,
        enrichment_error: None,
        terms: vec![],
        quoted_ref: None,
        quote_of: None,
    }
}

async fn listening_story(store: &dyn Store) {
    let owner = store
        .create_user(
            &NewUser {
                email: "owner@brand.example",
                display_name: "Owner",
                password_hash: "h",
                lang: None,
            },
            1,
        )
        .await
        .unwrap();
    let ws = store
        .create_workspace(
            &NewWorkspace {
                slug: "brand",
                name: "Brand",
                timezone: "UTC",
            },
            owner.id,
            1,
        )
        .await
        .unwrap();
    let other = store
        .create_workspace(
            &NewWorkspace {
                slug: "other",
                name: "Other",
                timezone: "UTC",
            },
            owner.id,
            1,
        )
        .await
        .unwrap();

    let query = store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Brand",
            query_text: "brulerie",
            kind: "brand",
            created_by: Some(owner.id),
            now: 10,
        })
        .await
        .unwrap();
    store
        .update_listening_query(
            ws.id,
            query.id,
            "La marque",
            "brulerie OR #brulerie",
            "brand",
            11,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .update_listening_query(other.id, query.id, "x", "y", "brand", 12)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.listening_queries(ws.id).await.unwrap()[0].query_text,
        "brulerie OR #brulerie"
    );
    assert_eq!(
        store.all_active_queries().await.unwrap(),
        vec![(ws.id, query.id, "brulerie OR #brulerie".to_owned())]
    );

    let source = store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Zapier",
            config: "{}",
            secret: Some("s3cret"),
            interval_secs: 0,
            now: 10,
        })
        .await
        .unwrap();
    let feed = store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "feed",
            name: "Blog",
            config: "{\"url\":\"http://x\"}",
            secret: None,
            interval_secs: 300,
            now: 10,
        })
        .await
        .unwrap();
    assert_eq!(
        (
            source.status.as_str(),
            source.enabled,
            source.secret.as_deref()
        ),
        ("new", true, Some("s3cret"))
    );
    assert_eq!(
        store
            .due_sources(10, 10)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![feed.id],
        "webhooks are not polled"
    );
    store
        .record_fetch(
            feed.id,
            &FetchOutcome {
                now: 20,
                next_fetch_at: 320,
                result: Err("HTTP 503 from the server"),
                etag: None,
                last_modified: None,
                warning: None,
            },
        )
        .await
        .unwrap();
    let failed = store.source_by_id(feed.id).await.unwrap().unwrap();
    assert_eq!(
        (
            failed.status.as_str(),
            failed.failures,
            failed.last_error.as_deref()
        ),
        ("error", 1, Some("HTTP 503 from the server"))
    );
    store
        .record_fetch(
            feed.id,
            &FetchOutcome {
                now: 400,
                next_fetch_at: 700,
                result: Ok(3),
                etag: Some("\"v2\""),
                last_modified: None,
                warning: None,
            },
        )
        .await
        .unwrap();
    let ok = store.source_by_id(feed.id).await.unwrap().unwrap();
    assert_eq!(
        (
            ok.status.as_str(),
            ok.failures,
            ok.etag.as_deref(),
            ok.last_error
        ),
        ("ok", 0, Some("\"v2\""), None)
    );
    assert!(store.due_sources(699, 10).await.unwrap().is_empty());

    let long = "La Brûlerie du Canal a encore raté ma commande, trois semaines sans nouvelles du service client";
    let first = store
        .insert_item(
            &item(
                ws.id,
                source.id,
                "a1",
                Some("https://forum.example/t/1"),
                long,
                Some(0b1011_0000),
            ),
            &[query.id],
        )
        .await
        .unwrap();
    let InsertOutcome::Inserted {
        id: first_id,
        near_duplicate_of: None,
    } = first
    else {
        panic!("{first:?}")
    };
    // The same sender id again: nothing changes.
    assert_eq!(
        store
            .insert_item(&item(ws.id, source.id, "a1", None, "other", None), &[])
            .await
            .unwrap(),
        InsertOutcome::AlreadyReceived { id: first_id }
    );
    // Another id with the same URL: an exact duplicate, counted on the original.
    assert_eq!(
        store
            .insert_item(
                &item(
                    ws.id,
                    source.id,
                    "a2",
                    Some("https://forum.example/t/1"),
                    "x",
                    None
                ),
                &[]
            )
            .await
            .unwrap(),
        InsertOutcome::ExactDuplicate { of: first_id }
    );
    // A repost with two differing bits: stored, linked to the original.
    let repost = store
        .insert_item(
            &item(
                ws.id,
                source.id,
                "a3",
                None,
                "RT: la brulerie du canal a encore rate",
                Some(0b1011_0011),
            ),
            &[query.id],
        )
        .await
        .unwrap();
    assert!(
        matches!(repost, InsertOutcome::Inserted { near_duplicate_of: Some(of), .. } if of == first_id),
        "{repost:?}"
    );
    // Far enough: a new item.
    let other_item = store
        .insert_item(
            &item(
                ws.id,
                source.id,
                "a4",
                None,
                "Super café ce matin",
                Some(0xffff_0000_ffff_0000),
            ),
            &[],
        )
        .await
        .unwrap();
    assert!(matches!(
        other_item,
        InsertOutcome::Inserted {
            near_duplicate_of: None,
            ..
        }
    ));

    let all = |ws_id| ItemFilter {
        workspace_id: ws_id,
        limit: 10,
        ..Default::default()
    };
    let listed = store.items(&all(ws.id)).await.unwrap();
    assert_eq!(listed.len(), 2, "near-duplicates are hidden by default");
    assert_eq!(listed[1].seen_count, 2);
    assert_eq!(listed[1].query_ids, vec![query.id]);
    assert_eq!(
        store
            .items(&ItemFilter {
                include_duplicates: true,
                ..all(ws.id)
            })
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store
            .items(&ItemFilter {
                query_id: Some(query.id),
                include_duplicates: true,
                ..all(ws.id)
            })
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .items(&ItemFilter {
                lang: Some("en".into()),
                ..all(ws.id)
            })
            .await
            .unwrap()
            .len(),
        0
    );
    let page2 = store
        .items(&ItemFilter {
            before_id: Some(listed[0].id),
            ..all(ws.id)
        })
        .await
        .unwrap();
    assert_eq!(
        page2.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![first_id],
        "keyset pagination"
    );
    assert!(
        store.items(&all(other.id)).await.unwrap().is_empty(),
        "items stay in their workspace"
    );

    store
        .correct_sentiment(ws.id, first_id, "neutral")
        .await
        .unwrap();
    assert!(matches!(
        store
            .correct_sentiment(other.id, first_id, "positive")
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let corrected = store
        .items(&ItemFilter {
            sentiment: Some("neutral".into()),
            ..all(ws.id)
        })
        .await
        .unwrap();
    assert_eq!(
        (corrected.len(), corrected[0].sentiment_corrected),
        (1, true)
    );
    assert_eq!(store.sentiment_corrections(ws.id).await.unwrap(), 1);
    // What the workspace's sentiment adjustment learns from: the text as analysed, the label.
    let examples = store
        .sentiment_correction_examples(ws.id, 10)
        .await
        .unwrap();
    assert_eq!(examples.len(), 1);
    assert_eq!(examples[0].1, "neutral");
    assert!(examples[0].0.contains(&corrected[0].body), "{examples:?}");
    assert_eq!(
        store.workspaces_with_corrections().await.unwrap(),
        vec![ws.id]
    );
    assert_eq!(
        store
            .source_by_id(source.id)
            .await
            .unwrap()
            .unwrap()
            .item_count,
        3
    );
    // The archive: stemmed terms, dates and authors narrow the listing.
    let mut archived = item(
        ws.id,
        source.id,
        "arch-1",
        None,
        "Remboursement enfin reçu",
        None,
    );
    archived.terms = vec!["rembours".into(), "enfin".into(), "recu".into()];
    archived.published_at = 5_000;
    archived.author_name = Some("Zoé Archive".into());
    store.insert_item(&archived, &[]).await.unwrap();
    let search = |terms: Vec<Vec<&str>>| ItemFilter {
        terms: terms
            .into_iter()
            .map(|g| g.into_iter().map(str::to_owned).collect())
            .collect(),
        ..all(ws.id)
    };
    let found = store
        .items(&search(vec![vec!["rembours", "remboursement"]]))
        .await
        .unwrap();
    assert_eq!(
        found
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["arch-1"]
    );
    assert!(
        store
            .items(&search(vec![vec!["rembours"], vec!["jamais"]]))
            .await
            .unwrap()
            .is_empty(),
        "every word must match"
    );
    assert_eq!(
        store
            .items(&ItemFilter {
                from: Some(4_000),
                to: Some(6_000),
                ..all(ws.id)
            })
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .items(&ItemFilter {
                author: Some("zoé".into()),
                ..all(ws.id)
            })
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .items(&search(vec![vec!["rembours"]]))
            .await
            .unwrap()
            .iter()
            .all(|i| i.external_id == "arch-1")
    );
    assert!(
        store
            .items(&ItemFilter {
                terms: vec![vec!["rembours".into()]],
                ..all(other.id)
            })
            .await
            .unwrap()
            .is_empty(),
        "terms stay in their workspace"
    );

    // A batch is one transaction; duplicates inside it are seen like any other.
    let batch = vec![
        (
            item(
                ws.id,
                source.id,
                "b1",
                Some("https://forum.example/t/77"),
                "Premier message du lot",
                None,
            ),
            vec![query.id],
        ),
        (
            item(
                ws.id,
                source.id,
                "b2",
                Some("https://forum.example/t/77"),
                "Le même lien",
                None,
            ),
            vec![],
        ),
        (
            item(ws.id, source.id, "b1", None, "Le même identifiant", None),
            vec![],
        ),
    ];
    let outcomes = store.insert_items(&batch).await.unwrap();
    let InsertOutcome::Inserted { id: b1, .. } = outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        &outcomes[1..],
        &[
            InsertOutcome::ExactDuplicate { of: b1 },
            InsertOutcome::AlreadyReceived { id: b1 }
        ]
    );
    assert_eq!(
        store
            .source_by_id(source.id)
            .await
            .unwrap()
            .unwrap()
            .item_count,
        5, // three from before, the archived one, and this batch's one
    );

    store
        .archive_listening_query(ws.id, query.id, 20)
        .await
        .unwrap();
    assert!(store.all_active_queries().await.unwrap().is_empty());
}

#[tokio::test]
async fn listening_story_on_sqlite() {
    let db = TestDatabase::sqlite();
    listening_story(&open(&db).await).await;
}

#[tokio::test]
async fn listening_story_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    listening_story(&open(&db).await).await;
}

/// Regression: sqlx 0.9's Any driver binds a NULL f64 as a NULL f32. A cached insert first
/// prepared with no sentiment score then refused real scores on the same PostgreSQL connection
/// ("incorrect binary data format in bind parameter 14"), now and then, depending on which
/// pooled connection a batch got.
async fn scores_after_a_missing_score(store: &dyn Store) {
    let (_, ws, source) = jardinier_store::testing::owner_workspace_source(store, "b").await;
    for i in 0..40 {
        let mut it = item(
            ws.id,
            source.id,
            &format!("s{i}"),
            None,
            &format!("message {i}"),
            None,
        );
        it.sentiment_score = (i % 2 == 1).then_some(0.5);
        let outcome = store.insert_item(&it, &[]).await.unwrap();
        assert!(
            matches!(outcome, InsertOutcome::Inserted { .. }),
            "{i}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn scores_after_a_missing_score_on_sqlite() {
    let db = TestDatabase::sqlite();
    scores_after_a_missing_score(&open(&db).await).await;
}

#[tokio::test]
async fn scores_after_a_missing_score_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    scores_after_a_missing_score(&open(&db).await).await;
}

/// On SQLite the writer keeps recent originals' SimHashes in memory; a new process loads them
/// from the database, so a repost arriving after a restart is still linked to its original.
#[tokio::test]
async fn near_duplicates_are_found_after_a_restart() {
    let db = TestDatabase::sqlite();
    let (ws, source, original) = {
        let store = open(&db).await;
        let (_, ws, source) = jardinier_store::testing::owner_workspace_source(&store, "b").await;
        let outcome = store
            .insert_item(
                &item(
                    ws.id,
                    source.id,
                    "o",
                    None,
                    "original",
                    Some(0xdead_beef_0000_ffff),
                ),
                &[],
            )
            .await
            .unwrap();
        let InsertOutcome::Inserted { id, .. } = outcome else {
            panic!("{outcome:?}")
        };
        (ws.id, source.id, id)
    };
    let store = open(&db).await;
    let repost = store
        .insert_item(
            &item(
                ws,
                source,
                "r",
                None,
                "reposted",
                Some(0xdead_beef_0000_fff8),
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        repost,
        InsertOutcome::Inserted {
            id: original + 1,
            near_duplicate_of: Some(original)
        }
    );
}

/// Batches stored at the same time (the SQLite writer commits queued batches together): each is
/// answered with its own outcomes, a batch that fails (here an item of a source that does not
/// exist) fails alone and leaves nothing, and the others are stored whole.
async fn concurrent_batches_fail_alone(store: std::sync::Arc<SqlStore>) {
    let (_, ws, source) = jardinier_store::testing::owner_workspace_source(&*store, "g").await;
    let mut calls = Vec::new();
    for batch in 0..8_i64 {
        let store = store.clone();
        let (ws, source) = (ws.id, source.id);
        calls.push(tokio::spawn(async move {
            let items: Vec<(NewItem, Vec<i64>)> = (0..50)
                .map(|k| {
                    // Batch 3's last item names a source that does not exist.
                    let from = if batch == 3 && k == 49 {
                        999_999
                    } else {
                        source
                    };
                    let body = format!("batch {batch} item {k}");
                    (
                        item(ws, from, &format!("{batch}-{k}"), None, &body, None),
                        vec![],
                    )
                })
                .collect();
            (batch, store.insert_items(&items).await)
        }));
    }
    for call in calls {
        let (batch, result) = call.await.unwrap();
        match result {
            Ok(outcomes) => {
                assert_ne!(batch, 3, "the failing batch is refused");
                assert_eq!(outcomes.len(), 50);
                assert!(
                    outcomes
                        .iter()
                        .all(|o| matches!(o, InsertOutcome::Inserted { .. })),
                    "batch {batch}: {outcomes:?}"
                );
            }
            Err(error) => assert_eq!(batch, 3, "batch {batch} failed: {error}"),
        }
    }
    let stored = store
        .items(&ItemFilter {
            workspace_id: ws.id,
            include_duplicates: true,
            limit: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        7 * 50,
        "every batch but the failing one, whole"
    );
    assert!(stored.iter().all(|i| !i.external_id.starts_with("3-")));
    let source = store.source_by_id(source.id).await.unwrap().unwrap();
    assert_eq!(source.item_count, 7 * 50);
}

#[tokio::test]
async fn concurrent_batches_fail_alone_on_sqlite() {
    let db = TestDatabase::sqlite();
    concurrent_batches_fail_alone(std::sync::Arc::new(open(&db).await)).await;
}

#[tokio::test]
async fn concurrent_batches_fail_alone_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    concurrent_batches_fail_alone(std::sync::Arc::new(open(&db).await)).await;
}

/// Inbox search at scale (issue 21): the newest matching messages (500) are read first and more only
/// when a page is not filled, so open conversations whose matches are older than a thousand
/// newer (closed) ones are still found; the total is counted, and capped with "more".
async fn inbox_search_reads_newest_first_and_goes_further_when_needed(store: &dyn Store) {
    let (_, ws, source) = jardinier_store::testing::owner_workspace_source(store, "scale").await;
    const N: usize = 1_100;
    let batch: Vec<(NewItem, Vec<i64>)> = (0..N)
        .map(|n| {
            let mut it = item(
                ws.id,
                source.id,
                &format!("m{n}"),
                None,
                &format!("moka {n}"),
                None,
            );
            it.terms = vec!["moka".into(), format!("ref{n}")];
            it.content_hash = format!("scale-{n}");
            it.published_at = 10_000 + n as i64;
            (it, Vec::new())
        })
        .collect();
    let mut ids = Vec::new();
    for chunk in batch.chunks(500) {
        for outcome in store.insert_items(chunk).await.unwrap() {
            if let InsertOutcome::Inserted { id, .. } = outcome {
                ids.push(id);
            }
        }
    }
    assert_eq!(ids.len(), N);
    let mut opened = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        opened.push(
            store
                .send_to_inbox(ws.id, *id, None, 20_000 + n as i64)
                .await
                .unwrap(),
        );
    }
    // The queue's counts stop past 1,000.
    let counts = store.inbox_counts(ws.id, 0).await.unwrap();
    assert_eq!(
        (counts.new, counts.assigned),
        (jardinier_store::COUNT_CAP + 1, 0),
        "1,100 new conversations are 'more than 1,000'"
    );
    // The 50 oldest stay open; the 1,050 newest are closed.
    for (n, conversation) in opened.into_iter().enumerate() {
        if n >= 50 {
            store
                .change_conversation(
                    ws.id,
                    conversation,
                    &ConversationChange::State("done".into()),
                    None,
                    30_000,
                )
                .await
                .unwrap();
        }
    }
    let search = |terms: &[&str], state: Option<&str>| ConversationFilter {
        workspace_id: ws.id,
        before: None,
        state: state.map(str::to_owned),
        terms: terms.iter().map(|t| vec![t.to_string()]).collect(),
        limit: 50,
        ..Default::default()
    };
    let open = store.conversations(&search(&["moka"], None)).await.unwrap();
    assert_eq!(open.len(), 50, "found beyond the newest matches read first");
    assert!(open.iter().all(|c| c.state != "done"));
    assert_eq!(
        store
            .count_conversations(&search(&["moka"], None))
            .await
            .unwrap(),
        (50, false)
    );
    let done = store
        .conversations(&search(&["moka"], Some("done")))
        .await
        .unwrap();
    assert_eq!(done.len(), 50, "a page");
    assert!(
        done.windows(2).all(|w| w[0].updated_at >= w[1].updated_at),
        "newest first"
    );
    assert_eq!(
        store
            .count_conversations(&search(&["moka"], Some("done")))
            .await
            .unwrap(),
        (1_000, true),
        "counted up to 1,000, then 'more'"
    );
    // Every word in the same message.
    let one = store
        .conversations(&search(&["moka", "ref7"], None))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert!(
        store
            .conversations(&search(&["moka", "ref1099"], None))
            .await
            .unwrap()
            .is_empty(),
        "ref1099's conversation is closed"
    );
}

#[tokio::test]
async fn inbox_search_at_scale_on_sqlite() {
    let db = TestDatabase::sqlite();
    inbox_search_reads_newest_first_and_goes_further_when_needed(&open(&db).await).await;
}

#[tokio::test]
async fn inbox_search_at_scale_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    inbox_search_reads_newest_first_and_goes_further_when_needed(&open(&db).await).await;
}
