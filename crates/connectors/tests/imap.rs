//! The IMAP connector against a real Dovecot server (Debian's dovecot-imapd, started by the test):
//! messages delivered to the mailbox become items once, with sender, decoded subject, own words
//! and thread; the cursor follows new mail; a wrong password is stated on the source.

use std::sync::Arc;
use std::time::Duration;

use jardinier_connectors::imap::{ImapConfig, Security, own_words};
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;
use jardinier_testkit::dovecot::Dovecot;

mod common;
use common::setup;

/// A complaint in French: quoted-printable UTF-8 body, RFC 2047 encoded subject and name.
const COMPLAINT: &str = "Return-Path: <lea.martin@exemple.fr>\r
From: =?UTF-8?Q?L=C3=A9a_Martin?= <Lea.Martin@exemple.fr>\r
To: contact@brulerie-du-canal.example\r
Subject: =?UTF-8?Q?Commande_n=C2=B04512_jamais_re=C3=A7ue?=\r
Date: Sat, 21 Nov 2026 09:12:44 +0100\r
Message-ID: <20261121091244.4512@exemple.fr>\r
MIME-Version: 1.0\r
Content-Type: text/plain; charset=UTF-8\r
Content-Transfer-Encoding: quoted-printable\r
\r
Bonjour,\r
\r
J'ai command=C3=A9 un paquet de caf=C3=A9 Br=C3=BBlerie du Canal il y a trois semaines et je n'ai\r
toujours rien re=C3=A7u. C'est inadmissible.\r
\r
-- \r
L=C3=A9a Martin\r
06 12 34 56 78\r
";

/// The brand's answer and her reply, as a mail client writes it: multipart/alternative, the
/// earlier message quoted, threaded by In-Reply-To and References.
const REPLY: &[u8] = b"From: Lea Martin <lea.martin@exemple.fr>\r
To: contact@brulerie-du-canal.example\r
Subject: Re: =?UTF-8?Q?Commande_n=C2=B04512_jamais_re=C3=A7ue?=\r
Date: Sat, 21 Nov 2026 11:40:02 +0100\r
Message-ID: <20261121114002.77@exemple.fr>\r
In-Reply-To: <reponse-4512@brulerie-du-canal.example>\r
References: <20261121091244.4512@exemple.fr> <reponse-4512@brulerie-du-canal.example>\r
MIME-Version: 1.0\r
Content-Type: multipart/alternative; boundary=\"b1\"\r
\r
--b1\r
Content-Type: text/plain; charset=UTF-8\r
\r
Merci, le colis est bien arriv\xC3\xA9 ce matin !\r
\r
Le sam. 21 nov. 2026 \xC3\xA0 10:05, Br\xC3\xBBlerie du Canal a \xC3\xA9crit :\r
> Bonjour L\xC3\xA9a, votre colis part aujourd'hui.\r
\r
--b1\r
Content-Type: text/html; charset=UTF-8\r
\r
<p>Merci, le colis est bien arriv\xC3\xA9 ce matin !</p><blockquote>Bonjour L\xC3\xA9a</blockquote>\r
--b1--\r
";

/// Léa writes again in the same thread, days later.
const FOLLOW_UP: &[u8] = b"From: Lea Martin <lea.martin@exemple.fr>\r
To: contact@brulerie-du-canal.example\r
Subject: Re: Commande 4512\r
Date: Tue, 24 Nov 2026 08:00:00 +0100\r
Message-ID: <20261124080000.1@exemple.fr>\r
In-Reply-To: <20261121114002.77@exemple.fr>\r
References: <20261121091244.4512@exemple.fr> <reponse-4512@brulerie-du-canal.example> <20261121114002.77@exemple.fr>\r
Content-Type: text/plain; charset=UTF-8\r
\r
Finalement il manque un paquet dans le colis.\r
";

/// An English note in ISO-8859-1 with HTML only.
const LATIN1_HTML: &[u8] = b"From: press@magazine.example\r
Subject: Interview request\r
Date: Sun, 22 Nov 2026 08:00:00 +0000\r
Message-ID: <press-1@magazine.example>\r
MIME-Version: 1.0\r
Content-Type: text/html; charset=ISO-8859-1\r
\r
<html><body><p>We loved the caf\xE9 cr\xE8me at Br\xFBlerie du Canal. Could we talk?</p></body></html>\r
";

fn analysis(_: &str) -> Enrichment {
    Enrichment::default()
}

async fn imap_source(store: &Arc<dyn Store>, ws: i64, server: &Dovecot, password: &str) -> Source {
    let config = serde_json::to_string(&ImapConfig {
        host: "127.0.0.1".into(),
        port: server.port,
        security: Security::None,
        username: server.user.clone(),
        mailbox: "INBOX".into(),
        smtp: None,
        inbox: false,
    })
    .unwrap();
    store
        .create_source(&NewSource {
            workspace_id: ws,
            kind: "imap",
            name: "contact@",
            config: &config,
            secret: Some(password),
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap()
}

async fn items_of(store: &Arc<dyn Store>, ws: i64) -> Vec<StoredItem> {
    store
        .items(&ItemFilter {
            workspace_id: ws,
            include_duplicates: true,
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_mailbox_read_over_imap() {
    let Some(mut server) = Dovecot::start("contact@brulerie-du-canal.example", "s3cret mot") else {
        return;
    };
    server.deliver(COMPLAINT.as_bytes());
    server.deliver(REPLY);

    let db = TestDatabase::sqlite();
    let (store, ws) = setup(&db.url).await;
    let poller = Poller::new(
        store.clone(),
        Arc::new(Ingestor::new(store.clone(), analysis)),
        PollerConfig {
            politeness: Duration::ZERO,
            ..Default::default()
        },
    );
    let source = imap_source(&store, ws, &server, "s3cret mot").await;
    poller.fetch_now(&source).await;
    let source = store.source_by_id(source.id).await.unwrap().unwrap();
    assert_eq!(
        (source.status.as_str(), source.item_count),
        ("ok", 2),
        "{:?}\n{}",
        source.last_error,
        server.log()
    );
    let cursor = source.etag.clone().expect("a cursor");
    assert!(cursor.ends_with(":2"), "UIDVALIDITY:last UID, got {cursor}");

    let items = items_of(&store, ws).await;
    let find = |ext: &str| {
        items
            .iter()
            .find(|i| i.external_id == ext)
            .unwrap_or_else(|| panic!("{ext} in {items:#?}"))
            .clone()
    };
    let complaint = find("<20261121091244.4512@exemple.fr>");
    assert_eq!(complaint.author_name.as_deref(), Some("Léa Martin"));
    assert_eq!(
        complaint.author_handle.as_deref(),
        Some("lea.martin@exemple.fr"),
        "addresses are compared in lower case"
    );
    assert_eq!(
        complaint.title.as_deref(),
        Some("Commande n°4512 jamais reçue")
    );
    assert!(
        complaint
            .body
            .contains("toujours rien reçu. C'est inadmissible."),
        "{}",
        complaint.body
    );
    assert!(
        !complaint.body.contains("06 12 34"),
        "the signature is left out: {}",
        complaint.body
    );
    // 09:12:44 +01:00
    assert_eq!(complaint.published_at, 1_795_248_764);

    let reply = find("<20261121114002.77@exemple.fr>");
    assert_eq!(
        reply.body, "Merci, le colis est bien arrivé ce matin !",
        "the plain-text part, without the quote or its attribution"
    );
    assert_eq!(
        reply.parent_external_id.as_deref(),
        Some("<20261121091244.4512@exemple.fr>"),
        "the thread's first message, from References"
    );

    // In the inbox, the e-mail thread is one conversation: a later message of the thread joins
    // the complaint's conversation and reopens it.
    let conversation = store
        .send_to_inbox(ws, complaint.id, None, 10)
        .await
        .unwrap();
    assert_eq!(
        store.send_to_inbox(ws, reply.id, None, 11).await.unwrap(),
        conversation
    );
    store
        .change_conversation(
            ws,
            conversation,
            &ConversationChange::State("done".into()),
            Some(store.members(ws).await.unwrap()[0].user.id),
            12,
        )
        .await
        .unwrap();
    server.deliver(FOLLOW_UP);
    let source = store.source_by_id(source.id).await.unwrap().unwrap();
    poller.fetch_now(&source).await;
    let (thread, items, _) = store.conversation(ws, conversation).await.unwrap().unwrap();
    assert_eq!(
        (thread.state.as_str(), items.len()),
        ("new", 3),
        "the follow-up joined and reopened the conversation"
    );

    // Nothing new: nothing twice. New mail: only it.
    poller.fetch_now(&source).await;
    assert_eq!(items_of(&store, ws).await.len(), 3);
    server.deliver(LATIN1_HTML);
    let source = store.source_by_id(source.id).await.unwrap().unwrap();
    poller.fetch_now(&source).await;
    let source = store.source_by_id(source.id).await.unwrap().unwrap();
    assert_eq!(source.item_count, 4, "{:?}", source.last_error);
    assert!(source.etag.as_deref().unwrap().ends_with(":4"));
    let items = items_of(&store, ws).await;
    let press = items
        .iter()
        .find(|i| i.external_id == "<press-1@magazine.example>")
        .expect("the ISO-8859-1 message");
    assert_eq!(
        press.body,
        "We loved the café crème at Brûlerie du Canal. Could we talk?"
    );
    assert_eq!(press.author_name.as_deref(), Some("press@magazine.example"));

    // A wrong password is said on the source, in words.
    let wrong = imap_source(&store, ws, &server, "not it").await;
    poller.fetch_now(&wrong).await;
    let wrong = store.source_by_id(wrong.id).await.unwrap().unwrap();
    assert_eq!(wrong.status, "error");
    let error = wrong.last_error.unwrap();
    assert!(
        error.contains("refused the user name or password"),
        "{error}"
    );
    assert_eq!(wrong.item_count, 0);
}

#[test]
fn own_words_leave_quotes_and_signatures_out() {
    let cases = [
        ("Hello\n\n> quoted\n> more\nAfter", "Hello\n\nAfter"),
        ("Merci !\nLe 3 mars, Léa a écrit :\n> Bonjour", "Merci !"),
        ("On Mon, Sam wrote:\n> hi\nThanks", "Thanks"),
        ("Text\n-- \nSignature", "Text"),
        ("Only text", "Only text"),
        ("  > all quoted", ""),
    ];
    for (body, expected) in cases {
        assert_eq!(own_words(body), expected, "{body:?}");
    }
}

#[test]
fn settings_are_checked() {
    let ok =
        r#"{"host": "imap.example.org", "port": 993, "security": "tls", "username": "contact"}"#;
    assert_eq!(ImapConfig::parse(ok).unwrap().mailbox, "INBOX");
    for (json, says) in [
        (
            r#"{"host": "imap://x", "port": 993, "security": "tls", "username": "u"}"#,
            "not a server name",
        ),
        (
            r#"{"host": "x", "port": 0, "security": "tls", "username": "u"}"#,
            "port",
        ),
        (
            r#"{"host": "x", "port": 993, "security": "ssl", "username": "u"}"#,
            "unknown variant",
        ),
        (
            r#"{"host": "x", "port": 993, "security": "tls", "username": " "}"#,
            "user name",
        ),
    ] {
        let error = ImapConfig::parse(json).unwrap_err().to_string();
        assert!(error.contains(says), "{json}: {error}");
    }
}
