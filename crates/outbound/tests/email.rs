//! End to end against real mail servers from Debian's packages: Postfix (SMTP) delivering into
//! Dovecot (IMAP). An e-mail to the brand arrives over SMTP, is read over IMAP into a
//! conversation, is answered from the inbox through the SMTP server, and the answer reaches
//! the person's mailbox threaded (In-Reply-To, References); the person's answer to it joins
//! the same conversation and reopens it.

use std::sync::Arc;
use std::time::Duration;

use jardinier_connectors::imap::{ImapConfig, Security, SmtpConfig};
use jardinier_connectors::{Poller, PollerConfig};
use jardinier_listening::{Enrichment, Ingestor};
use jardinier_outbound::ReplyWorker;
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use jardinier_testkit::dovecot::Dovecot;
use jardinier_testkit::postfix::Postfix;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

const BRAND: &str = "contact@example.test";
const LEA: &str = "lea@example.test";

fn analysis(_: &str) -> Enrichment {
    Enrichment::default()
}

/// Léa's mail client: plain SMTP to the domain's server.
async fn lea_sends(postfix: &Postfix, message: Message) {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(postfix.port)
        .build()
        .send(message)
        .await
        .unwrap_or_else(|e| panic!("Postfix refused Léa's mail: {e}\n{}", postfix.log()));
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
}

#[tokio::test]
async fn an_email_is_answered_and_the_answer_arrives_threaded() {
    let Some(dovecot) = Dovecot::start_with(&[(BRAND, "brand pw"), (LEA, "lea pw")], true) else {
        return;
    };
    let Some(postfix) = Postfix::start("example.test", dovecot.lmtp_port.expect("LMTP")) else {
        return;
    };
    lea_sends(
        &postfix,
        Message::builder()
            .from(format!("Léa Martin <{LEA}>").parse().unwrap())
            .to(BRAND.parse().unwrap())
            .subject("Commande 4512 toujours pas recue")
            .message_id(Some("<first-4512@example.test>".into()))
            .header(ContentType::TEXT_PLAIN)
            .body("Bonjour, ma commande 4512 n'est toujours pas arrivée.".to_owned())
            .unwrap(),
    )
    .await;
    assert_eq!(
        dovecot.wait_for_messages(BRAND, 1).len(),
        1,
        "{}",
        postfix.log()
    );

    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (owner, ws, _) = owner_workspace_source(&store, "brand").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let config = serde_json::to_string(&ImapConfig {
        host: "127.0.0.1".into(),
        port: dovecot.port,
        security: Security::None,
        username: BRAND.into(),
        mailbox: "INBOX".into(),
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: postfix.port,
            security: Security::None,
            from: Some(format!("Brûlerie du Canal <{BRAND}>")),
            // A relay that trusts loopback, as Postfix's mynetworks does here.
            login: false,
        }),
        // The contact mailbox: every message goes to the inbox by itself.
        inbox: true,
    })
    .unwrap();
    let source = store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "imap",
            name: "contact@",
            config: &config,
            secret: Some("brand pw"),
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    let poller = Poller::new(
        store.clone(),
        Arc::new(Ingestor::new(store.clone(), analysis)),
        PollerConfig {
            politeness: Duration::ZERO,
            ..Default::default()
        },
    );
    poller.fetch_now(&source).await;
    let items = store
        .items(&ItemFilter {
            workspace_id: ws.id,
            include_duplicates: true,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        items.len(),
        1,
        "{:?}\n{}",
        store.source_by_id(source.id).await,
        dovecot.log()
    );
    assert_eq!(items[0].external_id, "<first-4512@example.test>");
    let now = jardinier_outbound::unix_now();
    let open = store
        .conversations(&ConversationFilter {
            workspace_id: ws.id,
            before: None,
            state: None,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        open.len(),
        1,
        "the mailbox's message opened a conversation by itself"
    );
    let conversation = open[0].id;

    // Answered from the inbox, sent through the SMTP server.
    let reply = store
        .queue_reply(&NewReply {
            workspace_id: ws.id,
            conversation_id: conversation,
            author_id: owner.id,
            body: "Bonjour Léa, votre colis part aujourd'hui.",
            close_after: false,
            needs_approval: false,
            idempotency_key: "reply-4512",
            now,
        })
        .await
        .unwrap();
    assert_eq!(
        ReplyWorker::new(store.clone())
            .deliver_due(now)
            .await
            .unwrap(),
        1
    );
    let sent = &store.replies_of(ws.id, conversation).await.unwrap()[0];
    assert_eq!(sent.id, reply.id);
    assert_eq!(sent.status, ReplyStatus::Sent, "{sent:?}");
    let message_id = sent.remote_id.clone().unwrap();
    assert_eq!(message_id, "<reply.reply-4512@example.test>");

    // It arrives in Léa's mailbox, threaded.
    let received = dovecot.wait_for_messages(LEA, 1);
    assert_eq!(received.len(), 1, "{}\n{}", postfix.log(), dovecot.log());
    let raw = String::from_utf8_lossy(&received[0]).replace("\r\n", "\n");
    assert_eq!(
        header(&raw, "Message-ID"),
        Some(message_id.as_str()),
        "{raw}"
    );
    assert_eq!(
        header(&raw, "In-Reply-To"),
        Some("<first-4512@example.test>"),
        "{raw}"
    );
    assert_eq!(
        header(&raw, "References"),
        Some("<first-4512@example.test>"),
        "{raw}"
    );
    assert_eq!(
        header(&raw, "Subject"),
        Some("Re: Commande 4512 toujours pas recue"),
        "{raw}"
    );
    assert!(header(&raw, "From").unwrap().contains(BRAND), "{raw}");
    assert!(header(&raw, "To").unwrap().contains(LEA), "{raw}");
    assert!(
        raw.contains("Received:"),
        "it went through the SMTP server: {raw}"
    );

    // Léa answers the answer: her message joins the conversation and reopens it.
    lea_sends(
        &postfix,
        Message::builder()
            .from(format!("Léa Martin <{LEA}>").parse().unwrap())
            .to(BRAND.parse().unwrap())
            .subject("Re: Commande 4512 toujours pas recue")
            .message_id(Some("<second-4512@example.test>".into()))
            .in_reply_to(message_id.clone())
            .references(format!("<first-4512@example.test> {message_id}"))
            .header(ContentType::TEXT_PLAIN)
            .body("Merci, je l'ai bien reçu !".to_owned())
            .unwrap(),
    )
    .await;
    assert_eq!(
        dovecot.wait_for_messages(BRAND, 2).len(),
        2,
        "{}",
        postfix.log()
    );
    let source = store.source_by_id(source.id).await.unwrap().unwrap();
    poller.fetch_now(&source).await;
    let (summary, items, _) = store
        .conversation(ws.id, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| i.external_id.as_str())
            .collect::<Vec<_>>(),
        vec!["<first-4512@example.test>", "<second-4512@example.test>"]
    );
    assert_eq!(
        summary.state, "assigned",
        "the person wrote again: reopened for whoever has it"
    );
}
