//! Members on both backends: one profile per author identity, merges by hand and automatic
//! (the same verified identity), undo, suggestions, export, and erasure that leaves no trace of
//! the person's identifiers anywhere in the database — checked on SQLite by reading the raw
//! database files, on PostgreSQL by searching every text column of every table.

use jardinier_members::{IdentityKind, parse_identity, suggestions};
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;

const NOW: i64 = 1_800_000_000;

/// Léa's identifiers: none may survive her erasure.
const LEA: [&str; 5] = [
    "lea@example.org",
    "@lea@piaille.example",
    "@lea.bsky.social",
    "Léa Martin",
    // A word only her own mention has: it must leave the archive's index with the mention.
    "zygomorphique",
];

async fn source(store: &dyn Store, ws: i64, kind: &str) -> Source {
    store
        .create_source(&NewSource {
            workspace_id: ws,
            kind,
            name: kind,
            config: "{}",
            secret: None,
            interval_secs: 900,
            now: NOW,
        })
        .await
        .unwrap()
}

async fn item(
    store: &dyn Store,
    source: &Source,
    ext: &str,
    name: &str,
    handle: &str,
    body: &str,
) -> i64 {
    let new = NewItem {
        workspace_id: source.workspace_id,
        source_id: source.id,
        source_kind: source.kind.clone(),
        external_id: ext.into(),
        url: Some(format!("https://example.net/{ext}")),
        site: None,
        author_name: Some(name.into()),
        author_handle: Some(handle.into()),
        author_reach: None,
        title: None,
        body: body.into(),
        lang: Some("fr".into()),
        sentiment: None,
        sentiment_score: None,
        published_at: NOW - 100,
        received_at: NOW - 90,
        parent_external_id: None,
        content_hash: format!("hash-{ext}"),
        simhash: None,
        enrichment_error: None,
        // As the archive stores them: each word folded (an address stays whole).
        terms: body
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect(),
        quoted_ref: None,
        quote_of: None,
    };
    match store.insert_items(&[(new, vec![])]).await.unwrap()[0] {
        InsertOutcome::Inserted { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

async fn member_story(store: &dyn Store) -> i64 {
    let (owner, ws, _) = owner_workspace_source(store, "brand").await;
    let ws = ws.id;
    let mail = source(store, ws, "imap").await;
    let masto = source(store, ws, "mastodon").await;
    let sky = source(store, ws, "bluesky").await;
    let by_mail = item(
        store,
        &mail,
        "<m1@example.org>",
        "Léa Martin",
        "lea@example.org",
        "Ma commande 1042 est en retard",
    )
    .await;
    let by_masto = item(
        store,
        &masto,
        "1101",
        "Léa Martin",
        "@lea@piaille.example",
        "Toujours pas de café zygomorphique",
    )
    .await;
    let by_sky = item(
        store,
        &sky,
        "at://did:plc:lea/app.bsky.feed.post/1",
        "Lea",
        "@lea.bsky.social",
        "Bon, j'attends",
    )
    .await;
    // Sam writes about Léa; an alert e-mail quoted her.
    let sams = item(
        store,
        &masto,
        "1102",
        "Sam",
        "@sam@piaille.example",
        "Courage @lea@piaille.example, Léa Martin a raison (écrivez à lea@example.org)",
    )
    .await;
    store
        .enqueue_mail(&NewMail {
            idempotency_key: "alert-1",
            to: "oncall@brand.example",
            subject: "Alerte : Léa Martin",
            body_text: "Mention de @lea@piaille.example : Toujours pas de café",
            created_at: NOW,
            list_unsubscribe: None,
        })
        .await
        .unwrap();

    let c_mail = store.send_to_inbox(ws, by_mail, None, NOW).await.unwrap();
    let c_masto = store.send_to_inbox(ws, by_masto, None, NOW).await.unwrap();
    let c_sky = store.send_to_inbox(ws, by_sky, None, NOW).await.unwrap();
    store
        .change_conversation(
            ws,
            c_mail,
            &ConversationChange::Note("Léa Martin rappelle demain".into()),
            Some(owner.id),
            NOW,
        )
        .await
        .unwrap();

    // One profile per identity, created with its conversation.
    let people = store.people(ws, None, 50).await.unwrap();
    assert_eq!(people.len(), 3, "{people:#?}");
    let find = |value: &str| {
        people
            .iter()
            .find(|p| p.identities.iter().any(|i| i.identity.value == value))
            .unwrap()
            .person
            .id
    };
    let (p_mail, p_masto, p_sky) = (
        find("lea@example.org"),
        find("@lea@piaille.example"),
        find("@lea.bsky.social"),
    );
    let profile = store.person(ws, p_mail).await.unwrap().unwrap();
    assert!(
        profile.row.identities[0].identity.verified,
        "the mailbox vouches for the sender"
    );
    assert_eq!(profile.conversations.len(), 1);
    assert_eq!(profile.items.len(), 1);
    assert_eq!(
        store.people(ws, Some("PIAILLE"), 50).await.unwrap().len(),
        1,
        "search by identity"
    );

    // Suggestions: the same handle on Mastodon and Bluesky, and lea@… is that handle too
    // (with the same name on the Mastodon profile).
    let (profiles, dismissed) = store.member_profiles(ws).await.unwrap();
    let found = suggestions(&profiles, &dismissed);
    assert_eq!(
        found
            .iter()
            .map(|s| (s.keep, s.absorb, s.likeness.confidence()))
            .collect::<Vec<_>>(),
        vec![
            (p_mail, p_masto, 85),
            (p_mail, p_sky, 60),
            (p_masto, p_sky, 60)
        ]
    );

    // Tags and fields, then a merge by hand and its undoing.
    store
        .update_person(
            ws,
            p_masto,
            "Léa Martin",
            &["fidèle".into()],
            &[("ville".into(), "Lyon".into())],
            NOW,
        )
        .await
        .unwrap();
    let merge = store
        .merge_members(&Merge {
            workspace_id: ws,
            keep: p_mail,
            absorb: p_masto,
            reason: "same_name",
            confidence: 40,
            actor_id: Some(owner.id),
            now: NOW + 1,
        })
        .await
        .unwrap();
    let merged = store.person(ws, p_mail).await.unwrap().unwrap();
    assert_eq!(merged.row.identities.len(), 2);
    assert_eq!(merged.conversations.len(), 2);
    assert_eq!(merged.items.len(), 2, "her mentions from both channels");
    assert_eq!(merged.row.tags, vec!["fidèle".to_owned()]);
    assert_eq!(
        merged.row.person.fields,
        vec![("ville".to_owned(), "Lyon".to_owned())]
    );
    assert_eq!(store.people(ws, None, 50).await.unwrap().len(), 2);
    assert_eq!(
        store
            .undo_merge(ws, merge, owner.id, NOW + 2)
            .await
            .unwrap(),
        p_masto
    );
    let back = store.person(ws, p_mail).await.unwrap().unwrap();
    assert_eq!(
        (back.row.identities.len(), back.conversations.len()),
        (1, 1)
    );
    assert!(back.row.tags.is_empty() && back.row.person.fields.is_empty());
    let masto_again = store.person(ws, p_masto).await.unwrap().unwrap();
    assert_eq!(masto_again.row.tags, vec!["fidèle".to_owned()]);
    assert!(
        store
            .undo_merge(ws, merge, owner.id, NOW + 3)
            .await
            .is_err(),
        "undone once"
    );
    // A separated pair is not suggested again.
    let (profiles, dismissed) = store.member_profiles(ws).await.unwrap();
    assert!(
        !suggestions(&profiles, &dismissed)
            .iter()
            .any(|s| (s.keep, s.absorb) == (p_mail, p_masto))
    );

    // Her verified e-mail typed on the Bluesky profile: the same person, merged by itself.
    let typed = parse_identity("email", "lea@example.org").unwrap();
    let outcome = store
        .add_identity(ws, p_sky, &typed, Some(owner.id), NOW + 4)
        .await
        .unwrap();
    assert!(
        matches!(outcome, AddIdentity::Merged { other, .. } if other == p_mail),
        "{outcome:?}"
    );
    let merged = store.person(ws, p_mail).await.unwrap().unwrap();
    assert_eq!(merged.row.identities.len(), 2);
    assert_eq!(merged.merges[0].reason, "same_verified_identity");
    // An unverified likeness is left to a person.
    let handle = parse_identity("mastodon", "lea@piaille.example").unwrap();
    assert_eq!(
        store
            .add_identity(ws, p_mail, &handle, Some(owner.id), NOW + 5)
            .await
            .unwrap(),
        AddIdentity::Merged {
            merge_id: merged.merges[0].id + 1,
            other: p_masto
        },
        "a Mastodon handle is vouched for by its network"
    );
    let site = parse_identity("website", "lea.example").unwrap();
    assert_eq!(
        store
            .add_identity(ws, p_mail, &site, None, NOW)
            .await
            .unwrap(),
        AddIdentity::Added
    );
    assert_eq!(
        store
            .add_identity(ws, p_mail, &site, None, NOW)
            .await
            .unwrap(),
        AddIdentity::AlreadyThere
    );
    assert_eq!(
        store
            .person(ws, p_mail)
            .await
            .unwrap()
            .unwrap()
            .row
            .identities
            .iter()
            .filter(|i| i.identity.kind == IdentityKind::Website)
            .count(),
        1
    );

    // Export: everything about her, in JSON.
    let export = store.export_member(ws, p_mail).await.unwrap().unwrap();
    let text = export.to_string();
    for needle in [
        "lea@example.org",
        "@lea@piaille.example",
        "@lea.bsky.social",
        "Ma commande 1042",
        "Léa Martin rappelle demain",
    ] {
        assert!(text.contains(needle), "{needle} in {export:#}");
    }
    assert_eq!(export["conversations"].as_array().unwrap().len(), 3);

    // She is on the newsletter too, with a newsletter sent to her.
    let list = store
        .create_list(&NewList {
            workspace_id: ws,
            name: "La lettre",
            public_id: "lettre-brand",
            from_name: "Brand",
            from_address: "lettre@brand.example",
            footer: "Brand SAS",
            language: "fr",
            now: NOW,
        })
        .await
        .unwrap();
    for email in ["Lea@Example.org", "sam@example.org"] {
        store
            .subscribe(&NewSubscriber {
                list_id: list.id,
                email,
                source: "team",
                confirm_token_hash: None,
                unsubscribe_token: &format!("u-{email}"),
                now: NOW,
            })
            .await
            .unwrap();
    }
    let campaign = store
        .create_campaign(&NewCampaign {
            workspace_id: ws,
            list_id: list.id,
            subject: "Nouveautés",
            body_markdown: "Bonjour",
            rate_per_minute: 600,
            author: "Owner",
            now: NOW,
        })
        .await
        .unwrap();
    store
        .start_campaign(ws, campaign.id, &[], NOW)
        .await
        .unwrap();

    // Erasure.
    let erased = store
        .erase_member(ws, p_mail, owner.id, NOW + 10)
        .await
        .unwrap();
    assert_eq!(
        erased,
        Erasure {
            profiles: 3,
            identities: 4,
            items: 3,
            conversations: 3,
            community_accounts: 0
        }
    );
    assert!(store.people(ws, None, 50).await.unwrap().is_empty());
    assert!(
        store
            .conversation_summary(ws, c_masto)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .conversation_summary(ws, c_sky)
            .await
            .unwrap()
            .is_none()
    );
    // Sam's words stay, without her identifiers.
    let stream = store
        .items(&ItemFilter {
            workspace_id: ws,
            include_duplicates: true,
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(stream.iter().map(|i| i.id).collect::<Vec<_>>(), vec![sams]);
    assert_eq!(
        stream[0].body,
        "Courage [effacé], [effacé] a raison (écrivez à [effacé])"
    );
    let audit = store.audit_log(ws, None, 10).await.unwrap();
    assert!(
        audit.iter().any(|a| a.action == "member_erased"),
        "{audit:?}"
    );
    ws
}

#[tokio::test]
async fn members_merge_undo_export_and_erase_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    member_story(&store).await;
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    drop(store);
    // The raw files: the database and what is left of its write-ahead log.
    let mut bytes = std::fs::read(&path).unwrap();
    for extra in ["-wal", "-journal"] {
        if let Ok(more) = std::fs::read(format!("{path}{extra}")) {
            bytes.extend(more);
        }
    }
    for needle in LEA {
        if let Some(at) = bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
        {
            let from = at.saturating_sub(200);
            panic!(
                "{needle:?} is still in the database file at {at}: {:?}",
                String::from_utf8_lossy(&bytes[from..(at + 100).min(bytes.len())])
            );
        }
    }
    // The search itself finds what is there.
    assert!(
        bytes
            .windows(b"@sam@piaille.example".len())
            .any(|w| w == b"@sam@piaille.example")
    );
}

#[tokio::test]
async fn members_merge_undo_export_and_erase_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    member_story(&store).await;
    drop(store);
    // Every text column of every table, searched.
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let columns = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(columns.len() > 40, "{} columns", columns.len());
    let mut sam_found = false;
    for column in &columns {
        let (table, name): (String, String) = (column.get("t"), column.get("c"));
        for needle in LEA.iter().chain(["@sam@piaille.example"].iter()) {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE \"{name}\" LIKE '%' || $1 || '%'"
            )))
            .bind(*needle)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            if *needle == "@sam@piaille.example" {
                sam_found |= n > 0;
            } else {
                assert_eq!(n, 0, "{needle:?} is still in {table}.{name}");
            }
        }
    }
    assert!(sam_found, "the search finds what is there");

    // The raw files of the tables and indexes, when this process can read them (a local
    // server, as on CI).
    sqlx::query("CHECKPOINT").execute(&mut conn).await.unwrap();
    let data_dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let files: Vec<String> = sqlx::query_scalar(
        "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') \
         AND pg_relation_filepath(c.oid) IS NOT NULL",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut read = 0;
    for file in &files {
        let path = std::path::Path::new(&data_dir).join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        read += 1;
        for needle in LEA {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} is still in {}",
                path.display()
            );
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        assert!(read > 20, "CI reads PostgreSQL's files: {read} read");
    } else if read == 0 {
        eprintln!("the PostgreSQL data files are not readable here: only the SQL search ran");
    }
}
