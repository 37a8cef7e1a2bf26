//! Newsletters: the sender that delivers due sends (the newsletter outbox) over SMTP, and the
//! reader of the bounce mailbox.
//!
//! - The rate limit is in the schedule: [`jardinier_store::NewsletterStore::start_campaign`]
//!   spreads the sends at the campaign's rate, so a restart or a second sender cannot exceed it.
//! - Each message has `List-Unsubscribe` (the subscriber's link) with `List-Unsubscribe-Post:
//!   List-Unsubscribe=One-Click` (RFC 8058), a `List-Id`, and a return path carrying the send's
//!   key (`bounces+KEY@domain`), so a bounce names its send.
//! - A send cut off by a stop is sent again with the same Message-ID (SMTP can't be asked
//!   whether the first copy went through; mail clients drop the second copy by that id).
//! - A refusal at RCPT with a 5xx code is a bounce at once; bounces that come back later are
//!   read from the bounce mailbox over IMAP by [`read_bounces`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jardinier_connectors::imap::{ImapConfig, fetch_raw};
use jardinier_i18n::{Lang, Tr};
use jardinier_newsletter::{Footer, message_id, parse_bounce, render, return_path};
use jardinier_store::{SendJob, SendOutcome, Store, StoreError, TestSendJob};
use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{MAX_ATTEMPTS, retry_delay};

/// A send still `sending` this long after its claim was cut off by a stop.
pub const NEWSLETTER_STALE_AFTER: i64 = 300;

/// Where newsletters go out, as the admin configured it.
#[derive(Clone, Debug)]
pub struct NewsletterSettings {
    /// `smtp://…` or `smtps://…` (lettre's URL form).
    pub smtp_url: String,
    /// `bounces@domain`: the envelope sender, tagged per send.
    pub return_path: String,
    /// The product's public address, for unsubscribe and counted links.
    pub base_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NewsletterSendError {
    #[error("the newsletter SMTP URL is not valid: {0} (expected smtp://user:password@host:port)")]
    BadSmtpUrl(String),
    #[error(transparent)]
    ReturnPath(#[from] jardinier_newsletter::NewsletterError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct NewsletterSender {
    store: Arc<dyn Store>,
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    settings: NewsletterSettings,
    started_at: i64,
}

impl NewsletterSender {
    pub fn new(
        store: Arc<dyn Store>,
        settings: NewsletterSettings,
    ) -> Result<NewsletterSender, NewsletterSendError> {
        jardinier_newsletter::check_return_path(&settings.return_path)?;
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|e| NewsletterSendError::BadSmtpUrl(e.to_string()))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(NewsletterSender {
            store,
            smtp,
            settings,
            started_at: crate::unix_now(),
        })
    }

    /// Sends what is due; returns how many sends were finished (any outcome).
    pub async fn send_due(&self, now: i64, limit: i64) -> Result<usize, NewsletterSendError> {
        // Claimed at or before this sender started: cut off by the previous one's stop.
        let stale_before = (now - NEWSLETTER_STALE_AFTER).max(self.started_at + 1);
        let jobs = self.store.claim_sends(now, stale_before, limit).await?;
        let count = jobs.len();
        for job in jobs {
            let outcome = match self.message(&job) {
                Ok(message) => match self.smtp.send(message).await {
                    Ok(_) => SendOutcome::Sent,
                    Err(e) if e.is_permanent() && rejected_recipient(&e) => SendOutcome::Bounced {
                        error: e.to_string(),
                    },
                    Err(e) if e.is_permanent() || job.attempts >= MAX_ATTEMPTS => {
                        SendOutcome::Failed {
                            error: e.to_string(),
                        }
                    }
                    Err(e) => SendOutcome::Retry {
                        error: e.to_string(),
                        at: now + retry_delay(job.attempts - 1),
                    },
                },
                Err(error) => SendOutcome::Failed { error },
            };
            if !matches!(outcome, SendOutcome::Sent) {
                tracing::warn!(send = job.id, to = %job.email, ?outcome, "newsletter send");
            }
            self.store
                .finish_send(job.id, &outcome, crate::unix_now())
                .await?;
        }
        // Test sends: the campaign to the addresses the team chose, before it goes out.
        let tests = self
            .store
            .claim_test_sends(now, stale_before, limit)
            .await?;
        let tested = tests.len();
        for job in tests {
            let outcome = match self.test_message(&job) {
                Ok(message) => match self.smtp.send(message).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_permanent() || job.attempts >= MAX_ATTEMPTS => {
                        Err((e.to_string(), None))
                    }
                    Err(e) => Err((e.to_string(), Some(now + retry_delay(job.attempts - 1)))),
                },
                Err(error) => Err((error, None)),
            };
            if let Err((error, _)) = &outcome {
                tracing::warn!(test_send = job.id, to = %job.email, %error, "newsletter test send");
            }
            self.store
                .finish_test_send(job.id, outcome, crate::unix_now())
                .await?;
        }
        Ok(count + tested)
    }

    /// A test send: the campaign as subscribers will get it, its subject marked as a test, its
    /// links not counted and its unsubscribe link inert (the address is no subscriber).
    pub fn test_message(&self, job: &TestSendJob) -> Result<Message, String> {
        let lang = Lang::parse(&job.list.language).unwrap_or(Lang::Fr);
        let tr = Tr::new(lang);
        let out = render(
            &job.campaign.body_markdown,
            &job.campaign.subject,
            &Footer {
                list_name: &job.list.name,
                text: &job.list.footer,
                unsubscribe_label: tr.t("newsletter.unsubscribe_link"),
                unsubscribe_url: &format!("{}/", self.settings.base_url.trim_end_matches('/')),
                lang: lang.code(),
            },
            |url| url.to_owned(),
        );
        let (from_address, to) = addresses(&job.list.from_address, &job.email)?;
        let envelope_from: Address = self
            .settings
            .return_path
            .parse()
            .map_err(|e| format!("the return path is not valid ({e})"))?;
        let envelope = Envelope::new(Some(envelope_from), vec![to.clone()])
            .map_err(|e| format!("no envelope: {e}"))?;
        let id = message_id(&self.settings.return_path, &format!("test-{}", job.id))
            .map_err(|e| e.to_string())?;
        Message::builder()
            .from(Mailbox::new(Some(job.list.from_name.clone()), from_address))
            .to(Mailbox::new(None, to))
            .subject(tr.f(
                "newsletter.test_subject",
                &[("subject", job.campaign.subject.as_str())],
            ))
            .message_id(Some(format!("<{id}>")))
            .envelope(envelope)
            .multipart(MultiPart::alternative_plain_html(out.text, out.html))
            .map_err(|e| format!("could not build the message: {e}"))
    }

    /// The e-mail of one send.
    pub fn message(&self, job: &SendJob) -> Result<Message, String> {
        let base = self.settings.base_url.trim_end_matches('/');
        let lang = Lang::parse(&job.list.language).unwrap_or(Lang::Fr);
        let tr = Tr::new(lang);
        let unsubscribe_url = format!("{base}/n/u/{}", job.unsubscribe_token);
        let links: HashMap<&str, &str> = job
            .links
            .iter()
            .map(|l| (l.url.as_str(), l.token.as_str()))
            .collect();
        let out = render(
            &job.campaign.body_markdown,
            &job.campaign.subject,
            &Footer {
                list_name: &job.list.name,
                text: &job.list.footer,
                unsubscribe_label: tr.t("newsletter.unsubscribe_link"),
                unsubscribe_url: &unsubscribe_url,
                lang: lang.code(),
            },
            |url| match links.get(url) {
                Some(token) => format!("{base}/n/l/{token}"),
                None => url.to_owned(),
            },
        );
        let (from_address, to) = addresses(&job.list.from_address, &job.email)?;
        let envelope_from: Address = return_path(&self.settings.return_path, &job.idempotency_key)
            .map_err(|e| e.to_string())?
            .parse()
            .map_err(|e| format!("the return path is not valid ({e})"))?;
        let envelope = Envelope::new(Some(envelope_from), vec![to.clone()])
            .map_err(|e| format!("no envelope: {e}"))?;
        let id = message_id(&self.settings.return_path, &job.idempotency_key)
            .map_err(|e| e.to_string())?;
        let domain = self
            .settings
            .return_path
            .rsplit_once('@')
            .map_or("jardinier", |(_, d)| d);
        let raw = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        Message::builder()
            .from(Mailbox::new(Some(job.list.from_name.clone()), from_address))
            .to(Mailbox::new(None, to))
            .subject(&job.campaign.subject)
            .message_id(Some(format!("<{id}>")))
            .raw_header(raw("List-Unsubscribe", format!("<{unsubscribe_url}>")))
            .raw_header(raw(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .raw_header(raw(
                "List-Id",
                format!("<{}.lists.{domain}>", job.list.public_id),
            ))
            .raw_header(raw("Precedence", "bulk".to_owned()))
            .envelope(envelope)
            .multipart(MultiPart::alternative_plain_html(out.text, out.html))
            .map_err(|e| format!("could not build the message: {e}"))
    }

    /// Runs until `shutdown`, sending due sends and sleeping until the next one is due (at most
    /// `interval`), or until `wake` (a campaign was started).
    pub async fn run(
        self,
        interval: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let mut busy = false;
            match self.send_due(crate::unix_now(), 50).await {
                Ok(n) => busy = n > 0,
                Err(error) => tracing::error!(%error, "newsletter sender"),
            }
            let sleep = if busy {
                Duration::ZERO
            } else {
                let next = match (
                    self.store.next_send_due().await,
                    self.store.next_test_send_due().await,
                ) {
                    (Ok(a), Ok(b)) => Ok(a.into_iter().chain(b).min()),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                };
                match next {
                    Ok(Some(at)) => {
                        Duration::from_secs((at - crate::unix_now()).clamp(0, 3_600) as u64)
                            .min(interval)
                    }
                    _ => interval,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep.max(Duration::from_millis(100))) => {}
                _ = wake.notified() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

/// The list's sender and the recipient, as addresses, or what is wrong with either.
fn addresses(from: &str, to: &str) -> Result<(Address, Address), String> {
    let from_address: Address = from
        .parse()
        .map_err(|e| format!("the list's sender address {from:?} is not valid ({e})"))?;
    let to: Address = to
        .parse()
        .map_err(|e| format!("the address {to:?} is not valid ({e})"))?;
    Ok((from_address, to))
}

/// A 5xx answer to RCPT TO (or a 550-class answer naming the mailbox): the address does not
/// exist there. Other permanent errors (message refused as a whole) are failures, not bounces.
fn rejected_recipient(error: &lettre::transport::smtp::Error) -> bool {
    let text = error.to_string().to_ascii_lowercase();
    [
        "5.1.1",
        "5.1.0",
        "5.1.2",
        "user unknown",
        "mailbox unavailable",
        "no such user",
        "does not exist",
        "doesn't exist",
        "recipient address rejected",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// Reads new messages of the bounce mailbox and records each bounce; returns the new cursor and
/// how many bounces were recorded. Messages that are not bounces of ours are skipped.
pub async fn read_bounces(
    store: &dyn Store,
    imap: &ImapConfig,
    password: &str,
    configured_return_path: &str,
    cursor: Option<&str>,
    now: i64,
) -> Result<(Option<String>, usize), String> {
    let (messages, cursor) = fetch_raw(imap, password, cursor, Duration::from_secs(60))
        .await
        .map_err(|e| e.to_string())?;
    let mut recorded = 0;
    for raw in messages {
        let Some(bounce) = parse_bounce(&raw, configured_return_path) else {
            continue;
        };
        let detail = if bounce.diagnostic.is_empty() {
            bounce.status.clone()
        } else {
            format!("{} ({})", bounce.diagnostic, bounce.status)
        };
        if store
            .record_bounce(&bounce.key, bounce.permanent, &detail, now)
            .await
            .map_err(|e| e.to_string())?
        {
            recorded += 1;
        }
    }
    Ok((cursor, recorded))
}

/// The bounce mailbox from its URL: `imaps://user:password@host:993/INBOX` (TLS),
/// `imap://…:143/INBOX` (STARTTLS), or `imap://…?tls=none` (no encryption: same machine only).
/// Returns the mailbox and its password.
pub fn bounce_mailbox(url: &str) -> Result<(ImapConfig, String), String> {
    use jardinier_connectors::imap::Security;
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("not a URL ({e})"))?;
    let plain = parsed.query_pairs().any(|(k, v)| k == "tls" && v == "none");
    let (security, default_port) = match (parsed.scheme(), plain) {
        ("imaps", _) => (Security::Tls, 993),
        ("imap", true) => (Security::None, 143),
        ("imap", false) => (Security::Starttls, 143),
        (other, _) => return Err(format!("the scheme must be imaps or imap, not {other:?}")),
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| "the user name or password is not valid UTF-8".to_owned())
    };
    let mailbox = decode(parsed.path().trim_start_matches('/'))?;
    let config = serde_json::json!({
        "host": parsed.host_str().unwrap_or_default(),
        "port": parsed.port().unwrap_or(default_port),
        "security": security,
        "username": decode(parsed.username())?,
        "mailbox": if mailbox.is_empty() { "INBOX".to_owned() } else { mailbox },
    });
    let config = ImapConfig::parse(&config.to_string()).map_err(|e| e.to_string())?;
    Ok((config, decode(parsed.password().unwrap_or_default())?))
}

/// Reads the bounce mailbox every `interval` until `shutdown`. The cursor lives in memory: after
/// a restart the mailbox is read again from the start, which records the same bounces again
/// (harmless: a bounce is a state, not a count).
pub async fn run_bounce_reader(
    store: Arc<dyn Store>,
    imap: ImapConfig,
    password: String,
    configured_return_path: String,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut cursor: Option<String> = None;
    loop {
        match read_bounces(
            store.as_ref(),
            &imap,
            &password,
            &configured_return_path,
            cursor.as_deref(),
            crate::unix_now(),
        )
        .await
        {
            Ok((next, recorded)) => {
                if recorded > 0 {
                    tracing::info!(recorded, "newsletter bounces recorded");
                }
                cursor = next;
            }
            Err(error) => tracing::warn!(%error, "could not read the newsletter bounce mailbox"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounce_mailbox_urls_are_read_with_their_security() {
        let (config, password) =
            bounce_mailbox("imaps://bounces%40news.example:p%C3%A4ss@mail.example/Bounces")
                .unwrap();
        assert_eq!(config.host, "mail.example");
        assert_eq!(config.port, 993);
        assert_eq!(config.username, "bounces@news.example");
        assert_eq!(config.mailbox, "Bounces");
        assert_eq!(password, "päss");
        let (config, _) = bounce_mailbox("imap://u:p@127.0.0.1:1143?tls=none").unwrap();
        assert_eq!(config.port, 1143);
        assert_eq!(config.mailbox, "INBOX");
        assert!(matches!(
            config.security,
            jardinier_connectors::imap::Security::None
        ));
        assert!(bounce_mailbox("pop3://u:p@host").is_err());
        assert!(
            bounce_mailbox("imaps://host")
                .unwrap_err()
                .contains("user name")
        );
    }
}
