//! Newsletters end to end against real mail servers from Debian's packages: a campaign goes
//! out through Postfix to a Dovecot mailbox with its unsubscribe headers, counted links and the
//! return path that names the send; a message to an address Dovecot does not know is bounced by
//! Postfix to that return path, read back over IMAP, and the address is marked bounced.

use std::sync::Arc;

use jardinier_outbound::newsletter::{
    NewsletterSender, NewsletterSettings, bounce_mailbox, read_bounces,
};
use jardinier_store::testing::{TestDatabase, owner_workspace_source};
use jardinier_store::*;
use jardinier_testkit::dovecot::Dovecot;
use jardinier_testkit::postfix::Postfix;

const DOMAIN: &str = "news.example";
const ANA: &str = "ana@news.example";
const BOUNCES: &str = "bounces@news.example";
const GHOST: &str = "ghost@news.example";

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
async fn a_newsletter_arrives_with_its_unsubscribe_link_and_a_bounce_comes_back() {
    let Some(dovecot) = Dovecot::start_with(&[(ANA, "ana pw"), (BOUNCES, "bounce pw")], true)
    else {
        return;
    };
    let Some(postfix) = Postfix::start(DOMAIN, dovecot.lmtp_port.expect("LMTP")) else {
        return;
    };
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (_, ws, _) = owner_workspace_source(&store, "jardins").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let list = store
        .create_list(&NewList {
            workspace_id: ws.id,
            name: "La lettre des Jardins",
            public_id: "pubjardins",
            from_name: "Les Jardins",
            from_address: "lettre@news.example",
            footer: "Les Jardins SAS, 3 rue des Lilas, Lyon",
            language: "fr",
            now: 1,
        })
        .await
        .unwrap();
    for email in [ANA, GHOST] {
        store
            .subscribe(&NewSubscriber {
                list_id: list.id,
                email,
                source: "team",
                confirm_token_hash: None,
                unsubscribe_token: &format!("unsub{}", email.len()),
                now: 1,
            })
            .await
            .unwrap();
    }
    let campaign = store
        .create_campaign(&NewCampaign {
            workspace_id: ws.id,
            list_id: list.id,
            subject: "Les semis d'automne",
            body_markdown: "# Bonjour !\n\nNos conseils sont [sur le site](https://jardins.example/semis).",
            rate_per_minute: 600,
            author: "Camille",
            now: 1,
        })
        .await
        .unwrap();
    let now = jardinier_outbound::unix_now();
    store
        .start_campaign(
            ws.id,
            campaign.id,
            &[("https://jardins.example/semis".into(), "linksemis".into())],
            now,
        )
        .await
        .unwrap();
    let sender = NewsletterSender::new(
        store.clone(),
        NewsletterSettings {
            smtp_url: format!("smtp://127.0.0.1:{}", postfix.port),
            return_path: BOUNCES.into(),
            base_url: "https://jardinier.example".into(),
        },
    )
    .unwrap();
    assert_eq!(sender.send_due(now, 10).await.unwrap(), 2);
    let (_, stats, _) = store.campaign(ws.id, campaign.id).await.unwrap().unwrap();
    assert_eq!(
        (stats.sent, stats.queued),
        (2, 0),
        "Postfix accepts both (it learns about the ghost later): {}",
        postfix.log()
    );

    // Ana's copy, as her mail client sees it.
    let received = dovecot.wait_for_messages(ANA, 1);
    assert_eq!(received.len(), 1, "{}\n{}", postfix.log(), dovecot.log());
    let raw = String::from_utf8_lossy(&received[0]).replace("\r\n", "\n");
    let parsed = mail_parser::MessageParser::default()
        .parse(received[0].as_slice())
        .unwrap();
    let ana_key = format!("nl{}s1", campaign.id);
    assert_eq!(
        header(&raw, "Return-Path"),
        Some(format!("<bounces+{ana_key}@news.example>").as_str()),
        "{raw}"
    );
    assert_eq!(
        header(&raw, "List-Unsubscribe"),
        Some(format!("<https://jardinier.example/n/u/unsub{}>", ANA.len()).as_str())
    );
    assert_eq!(
        header(&raw, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(
        header(&raw, "Message-ID"),
        Some(format!("<{ana_key}@news.example>").as_str())
    );
    assert!(
        header(&raw, "From")
            .unwrap()
            .contains("lettre@news.example")
    );
    assert_eq!(parsed.subject(), Some("Les semis d'automne"));
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("<h1>Bonjour !</h1>"), "{html}");
    assert!(
        html.contains("href=\"https://jardinier.example/n/l/linksemis\""),
        "{html}"
    );
    assert!(html.contains("Les Jardins SAS, 3 rue des Lilas, Lyon"));
    assert!(html.contains("Se désinscrire"));
    let text = parsed.body_text(0).unwrap();
    assert!(
        text.contains("https://jardinier.example/n/u/unsub"),
        "{text}"
    );

    // The ghost's copy bounced: Postfix reports it to the return path, Dovecot files it in the
    // bounce mailbox, and reading that mailbox marks the send and the address.
    let bounces = dovecot.wait_for_messages(BOUNCES, 1);
    assert_eq!(bounces.len(), 1, "{}\n{}", postfix.log(), dovecot.log());
    let (imap, password) = bounce_mailbox(&format!(
        "imap://{}:{}@127.0.0.1:{}/INBOX?tls=none",
        BOUNCES.replace('@', "%40"),
        "bounce%20pw",
        dovecot.port
    ))
    .unwrap();
    let (cursor, recorded) = read_bounces(store.as_ref(), &imap, &password, BOUNCES, None, now)
        .await
        .unwrap();
    assert_eq!(recorded, 1, "{}", String::from_utf8_lossy(&bounces[0]));
    let (_, stats, _) = store.campaign(ws.id, campaign.id).await.unwrap().unwrap();
    assert_eq!((stats.sent, stats.bounced), (1, 1));
    let ghost = store
        .subscribers(ws.id, list.id, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.email == GHOST)
        .unwrap();
    assert_eq!(ghost.status, "bounced");
    // Read again from the cursor: nothing new.
    let (_, recorded) = read_bounces(
        store.as_ref(),
        &imap,
        &password,
        BOUNCES,
        cursor.as_deref(),
        now,
    )
    .await
    .unwrap();
    assert_eq!(recorded, 0);
}

#[tokio::test]
async fn a_test_send_arrives_marked_as_a_test_and_stays_out_of_the_statistics() {
    const CAMILLE: &str = "camille@news.example";
    let Some(dovecot) = Dovecot::start_with(&[(CAMILLE, "camille pw"), (BOUNCES, "b pw")], true)
    else {
        return;
    };
    let Some(postfix) = Postfix::start(DOMAIN, dovecot.lmtp_port.expect("LMTP")) else {
        return;
    };
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (_, ws, _) = owner_workspace_source(&store, "jardins").await;
    let store: Arc<dyn Store> = Arc::new(store);
    let list = store
        .create_list(&NewList {
            workspace_id: ws.id,
            name: "La lettre des Jardins",
            public_id: "pubjardins",
            from_name: "Les Jardins",
            from_address: "lettre@news.example",
            footer: "Les Jardins SAS, 3 rue des Lilas, Lyon",
            language: "fr",
            now: 1,
        })
        .await
        .unwrap();
    let campaign = store
        .create_campaign(&NewCampaign {
            workspace_id: ws.id,
            list_id: list.id,
            subject: "Les semis",
            body_markdown: "Bonjour",
            rate_per_minute: 600,
            author: "Camille",
            now: 1,
        })
        .await
        .unwrap();
    // The draft is changed, then tested as it is now.
    let edited = store
        .edit_campaign(&CampaignEdit {
            workspace_id: ws.id,
            campaign_id: campaign.id,
            list_id: list.id,
            subject: "Les semis d'automne",
            body_markdown: "Nos conseils sont [sur le site](https://jardins.example/semis).",
            rate_per_minute: 300,
        })
        .await
        .unwrap();
    assert_eq!(
        (edited.subject.as_str(), edited.rate_per_minute),
        ("Les semis d'automne", 300)
    );
    let now = jardinier_outbound::unix_now();
    store
        .queue_test_sends(ws.id, campaign.id, &[CAMILLE.to_owned()], "Camille", now)
        .await
        .unwrap();
    let sender = NewsletterSender::new(
        store.clone(),
        NewsletterSettings {
            smtp_url: format!("smtp://127.0.0.1:{}", postfix.port),
            return_path: BOUNCES.into(),
            base_url: "https://jardinier.example".into(),
        },
    )
    .unwrap();
    assert_eq!(sender.send_due(now, 10).await.unwrap(), 1);
    let tests = store
        .test_sends(ws.id, campaign.id, i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(tests[0].status, "sent", "{}", postfix.log());
    let received = dovecot.wait_for_messages(CAMILLE, 1);
    assert_eq!(received.len(), 1, "{}\n{}", postfix.log(), dovecot.log());
    let raw = String::from_utf8_lossy(&received[0]).replace("\r\n", "\n");
    let parsed = mail_parser::MessageParser::default()
        .parse(received[0].as_slice())
        .unwrap();
    assert_eq!(parsed.subject(), Some("[Test] Les semis d'automne"));
    assert_eq!(
        header(&raw, "List-Unsubscribe"),
        None,
        "no subscriber to take off"
    );
    let html = parsed.body_html(0).unwrap();
    assert!(
        html.contains("href=\"https://jardins.example/semis\""),
        "links not counted: {html}"
    );
    let (campaign, stats, _) = store.campaign(ws.id, campaign.id).await.unwrap().unwrap();
    assert_eq!((campaign.state.as_str(), stats.recipients), ("draft", 0));

    // Once it has gone out, the campaign can no longer be changed.
    store
        .start_campaign(ws.id, campaign.id, &[], now)
        .await
        .unwrap();
    assert!(matches!(
        store
            .edit_campaign(&CampaignEdit {
                workspace_id: ws.id,
                campaign_id: campaign.id,
                list_id: list.id,
                subject: "Trop tard",
                body_markdown: "x",
                rate_per_minute: 300,
            })
            .await,
        Err(StoreError::Refused(_))
    ));
}
