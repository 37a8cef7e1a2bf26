//! The mail worker against a local SMTP server on loopback: delivery, a permanent refusal and
//! an unreachable server. The server below speaks the RFC 5321 dialogue that lettre uses
//! (EHLO, MAIL, RCPT, DATA, QUIT) and records what it receives.

use std::sync::{Arc, Mutex};

use jardinier_mail::{Mailer, Transport};
use jardinier_store::testing::TestDatabase;
use jardinier_store::{MailStatus, NewMail, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Default, Debug)]
struct Received {
    rcpt: Vec<String>,
    data: String,
}

/// Accepts connections; `rcpt_reply` is what it answers to RCPT TO (250 or a refusal).
async fn smtp_server(rcpt_reply: &'static str) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"220 localhost ESMTP test\r\n")
                    .await
                    .unwrap();
                let mut current = Received::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &str = if upper.starts_with("EHLO") {
                        "250-localhost\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        "250 OK\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        current.rcpt.push(line[8..].trim().to_owned());
                        rcpt_reply
                    } else if upper == "DATA" {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            current.data.push_str(&data);
                            current.data.push('\n');
                        }
                        store.lock().unwrap().push(std::mem::take(&mut current));
                        "250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        "250 OK\r\n"
                    };
                    write.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    (port, inbox)
}

async fn store_with_one_mail() -> (TestDatabase, Arc<dyn Store>) {
    let db = TestDatabase::sqlite();
    let store = jardinier_store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    store
        .enqueue_mail(&NewMail {
            idempotency_key: "invite:abc",
            to: "nadia@brand.example",
            subject: "Rejoignez Brûlerie du Canal sur Jardinier",
            body_text: "Bonjour,\n\nAcceptez l'invitation : http://localhost/invite/abc\n",
            created_at: 100,
            list_unsubscribe: None,
        })
        .await
        .unwrap();
    (db, store)
}

#[tokio::test]
async fn due_mail_is_delivered_over_smtp_once() {
    let (port, inbox) = smtp_server("250 OK\r\n").await;
    let (_db, store) = store_with_one_mail().await;
    let transport = Transport::from_config(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let mailer = Mailer::new(
        store.clone(),
        transport,
        "Jardinier <jardinier@brand.example>",
    )
    .unwrap();

    assert_eq!(mailer.deliver_due(200).await.unwrap(), 1);
    assert_eq!(
        mailer.deliver_due(201).await.unwrap(),
        0,
        "delivered mail is not sent again"
    );
    let received = std::mem::take(&mut *inbox.lock().unwrap());
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt, vec!["<nadia@brand.example>"]);
    let data = &received[0].data;
    assert!(
        data.contains("From: Jardinier <jardinier@brand.example>"),
        "{data}"
    );
    assert!(data.contains("To: nadia@brand.example"), "{data}");
    assert!(
        data.contains("Message-ID: <invite:abc@jardinier>"),
        "{data}"
    );
    // RFC 2047: "Brûlerie" travels as an encoded word.
    assert!(
        data.contains("Subject: Rejoignez =?utf-8?b?QnLDu2xlcmll?= du Canal sur Jardinier"),
        "{data}"
    );
    let mail = store.recent_mail(1).await.unwrap().remove(0);
    assert_eq!(
        (mail.status, mail.attempts, mail.sent_at),
        (MailStatus::Sent, 1, Some(200))
    );
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_message_without_retrying() {
    let (port, _) = smtp_server("550 no such user\r\n").await;
    let (_db, store) = store_with_one_mail().await;
    let transport = Transport::from_config(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let mailer = Mailer::new(store.clone(), transport, "jardinier@brand.example").unwrap();
    assert_eq!(mailer.deliver_due(200).await.unwrap(), 0);
    let mail = store.recent_mail(1).await.unwrap().remove(0);
    assert_eq!(mail.status, MailStatus::Failed);
    assert!(mail.last_error.unwrap().contains("no such user"));
}

#[tokio::test]
async fn an_unreachable_server_schedules_a_retry() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (_db, store) = store_with_one_mail().await;
    let transport = Transport::from_config(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let mailer = Mailer::new(store.clone(), transport, "jardinier@brand.example").unwrap();
    assert_eq!(mailer.deliver_due(200).await.unwrap(), 0);
    let mail = store.recent_mail(1).await.unwrap().remove(0);
    assert_eq!((mail.status, mail.attempts), (MailStatus::Pending, 1));
    assert!(
        store.due_mail(229, 10).await.unwrap().is_empty(),
        "waits 30 s"
    );
    assert_eq!(store.due_mail(230, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_log_transport_keeps_mail_local() {
    let (_db, store) = store_with_one_mail().await;
    let mailer = Mailer::new(store.clone(), Transport::Log, "jardinier@brand.example").unwrap();
    assert_eq!(mailer.deliver_due(200).await.unwrap(), 1);
    assert_eq!(
        store.recent_mail(1).await.unwrap()[0].status,
        MailStatus::Logged
    );
    assert!(Mailer::new(store, Transport::Log, "not a mailbox <").is_err());
}
