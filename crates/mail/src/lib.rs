//! Outgoing mail. Nothing sends mail directly: requests write a message into the `mail_outbox`
//! table (in the same transaction as what caused it), and this worker delivers it, so a crash
//! between "invitation created" and "e-mail sent" loses nothing and sends nothing twice.
//!
//! Two transports: SMTP (lettre, any `smtp://` or `smtps://` URL) and `log`, which keeps the
//! message in the database only, shown on the local mail log page: the demo and development
//! default, so that no mail ever leaves the machine unless an admin configures a server.

use std::sync::Arc;
use std::time::Duration;

use jardinier_store::{MailStatus, OutgoingMail, Store};
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum MailError {
    #[error(
        "the mail sender address {0:?} is not a valid mailbox (expected \"Name <address@host>\" or an address)"
    )]
    BadSender(String),
    #[error(
        "the SMTP URL is not valid: {0} (expected smtp://user:password@host:port or smtps://…)"
    )]
    BadSmtpUrl(String),
    #[error("could not read or update the mail outbox: {0}")]
    Store(#[from] jardinier_store::StoreError),
}

/// Where mail goes, as configured. Checking it needs no runtime; the SMTP client (with its
/// connection pool, which spawns a task) is built by [`Mailer::new`], inside the runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Keep mail in the local log; never send.
    Log,
    /// A checked `smtp://` or `smtps://` URL.
    Smtp(String),
}

impl Transport {
    /// `"log"` or an SMTP URL, as written in `jardinier.toml` (`mail.transport`).
    pub fn from_config(value: &str) -> Result<Transport, MailError> {
        let value = value.trim();
        if value == "log" {
            return Ok(Transport::Log);
        }
        AsyncSmtpTransport::<Tokio1Executor>::from_url(value)
            .map(|_| Transport::Smtp(value.to_owned()))
            .map_err(|e| MailError::BadSmtpUrl(e.to_string()))
    }

    pub fn is_log(&self) -> bool {
        matches!(self, Transport::Log)
    }
}

pub struct Mailer {
    pub store: Arc<dyn Store>,
    /// `None` for the log transport.
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    pub from: Mailbox,
}

pub use jardinier_store::outbox::MAX_ATTEMPTS;
use jardinier_store::outbox::retry_delay;

impl Mailer {
    pub fn new(
        store: Arc<dyn Store>,
        transport: Transport,
        from: &str,
    ) -> Result<Mailer, MailError> {
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| MailError::BadSender(from.to_owned()))?;
        let smtp = match transport {
            Transport::Log => None,
            Transport::Smtp(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| MailError::BadSmtpUrl(e.to_string()))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
        };
        Ok(Mailer { store, smtp, from })
    }

    /// Delivers every message that is due; returns how many were delivered (sent or logged).
    pub async fn deliver_due(&self, now: i64) -> Result<usize, MailError> {
        let mut delivered = 0;
        for mail in self.store.due_mail(now, 50).await? {
            match self.deliver(&mail).await {
                Ok(status) => {
                    self.store.mark_mail_delivered(mail.id, status, now).await?;
                    delivered += 1;
                }
                Err((error, permanent)) => {
                    let next = (!permanent && mail.attempts + 1 < MAX_ATTEMPTS)
                        .then(|| now + retry_delay(mail.attempts));
                    tracing::warn!(mail_id = mail.id, to = %mail.to, %error, retry_at = ?next, "mail delivery failed");
                    self.store.mark_mail_failed(mail.id, &error, next).await?;
                }
            }
        }
        Ok(delivered)
    }

    async fn deliver(&self, mail: &OutgoingMail) -> Result<MailStatus, (String, bool)> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| (format!("invalid recipient {:?}: {e}", mail.to), true))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            // A stable Message-ID from the idempotency key lets a receiving server drop the
            // duplicate if a crash made us send twice.
            .message_id(Some(format!("<{}@jardinier>", mail.idempotency_key)))
            .header(ContentType::TEXT_PLAIN);
        // Mail a person may stop receiving: one click in their mail client (RFC 8058).
        if let Some(url) = &mail.list_unsubscribe {
            let raw = |name: &'static str, value: String| {
                HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
            };
            builder = builder
                .raw_header(raw("List-Unsubscribe", format!("<{url}>")))
                .raw_header(raw(
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .body(mail.body_text.clone())
            .map_err(|e| (format!("could not build the message: {e}"), true))?;
        match &self.smtp {
            None => {
                tracing::info!(to = %mail.to, subject = %mail.subject, "mail kept in the local mail log (transport = log)");
                Ok(MailStatus::Logged)
            }
            Some(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(MailStatus::Sent),
                Err(e) => Err((e.to_string(), e.is_permanent())),
            },
        }
    }

    /// Runs until `shutdown` flips to true, delivering due mail every `interval` or as soon as
    /// `wake` is notified (a request just enqueued a message).
    pub async fn run(
        self,
        interval: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(error) = self.deliver_due(unix_now()).await {
                tracing::error!(%error, "mail worker");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = wake.notified() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_config_is_checked() {
        assert!(Transport::from_config("log").unwrap().is_log());
        assert!(Transport::from_config("smtp://localhost:2525").is_ok());
        assert!(Transport::from_config("carrier-pigeon").is_err());
    }
}
