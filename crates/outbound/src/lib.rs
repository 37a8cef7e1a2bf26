//! What goes out to the channels. Today: replies from the inbox, delivered from the reply outbox
//! (`replies` table) by [`ReplyWorker`]. Publishing (issue 5) will send its posts through the
//! same channel clients.
//!
//! Exactly once: a reply is marked `sending` (attempt counted) and committed before the network
//! call. If the process dies before the outcome is written, the reply is claimed again *in
//! doubt* after [`STALE_AFTER`] seconds, and each channel makes the second attempt harmless:
//! - Mastodon keeps the `Idempotency-Key` header for an hour and answers the first status again;
//! - Bluesky: the record key is derived from the reply, and an in-doubt reply first asks the PDS
//!   whether that record exists;
//! - e-mail keeps the same Message-ID, which receiving servers and mail clients use to drop a
//!   second copy (SMTP has nothing stronger);
//! - webhooks receive the same `Idempotency-Key` header, for the receiver to check.

mod bluesky;
mod community;
mod email;
pub mod event_hooks;
mod mastodon;
mod matrix;
pub mod media;
mod networks;
pub mod newsletter;
pub mod oauth;
pub mod publish;
pub mod results;
mod telegram;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use jardinier_connectors::imap::ImapConfig;
use jardinier_connectors::social::SocialConfig;
use jardinier_store::{ReplyJob, ReplyOutcome, Store, StoreError};

pub use bluesky::tid;
pub use webhook::WebhookReplyConfig;

/// Attempts before a reply is given up and shown as failed; waits double from 30 s to an hour
/// (the schedule every outbox shares).
pub use jardinier_store::outbox::{MAX_ATTEMPTS, retry_delay};
/// A reply still `sending` this long after it was claimed was cut off by a stop: claimed again.
pub const STALE_AFTER: i64 = 300;

/// Why a send did not work, as the conversation shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (network, server error, rate limit).
    #[error("{0}")]
    Retry(String),
    /// Will not work as it is (refused credentials, deleted post, invalid text).
    #[error("{0}")]
    Permanent(String),
}

/// A reply that reached the channel: its id there, and its address when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivered {
    pub remote_id: String,
    pub remote_url: Option<String>,
    /// Something that went wrong after it arrived (a first comment that could not be posted).
    pub note: Option<String>,
}

/// Why a conversation from a source cannot be answered from Jardinier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CannotReply {
    #[error(
        "this Mastodon source has no access token: add one with the write:statuses scope to the source to answer from here"
    )]
    NoMastodonToken,
    #[error(
        "this Bluesky source has no account to answer as: give the source the brand's handle and an app password"
    )]
    NoBlueskyAccount,
    #[error(
        "this mailbox has no outgoing server: add its SMTP settings to the source to answer from here"
    )]
    NoSmtp,
    #[error("this webhook has no reply address: give the source a reply_url that receives answers")]
    NoReplyUrl,
    #[error(
        "conversations from {0} sources cannot be answered from Jardinier; answer them where they were written"
    )]
    NotAnswerable(String),
    #[error("the source's settings are invalid: {0}")]
    Settings(String),
}

impl CannotReply {
    /// The catalogue key of the message shown in the conversation.
    pub fn key(&self) -> &'static str {
        match self {
            CannotReply::NoMastodonToken => "inbox.cannot_reply_mastodon",
            CannotReply::NoBlueskyAccount => "inbox.cannot_reply_bluesky",
            CannotReply::NoSmtp => "inbox.cannot_reply_mail",
            CannotReply::NoReplyUrl => "inbox.cannot_reply_webhook",
            CannotReply::NotAnswerable(_) => "inbox.cannot_reply_kind",
            CannotReply::Settings(_) => "inbox.cannot_reply_settings",
        }
    }
}

/// Whether conversations from this source can be answered from Jardinier, and if not, why.
pub fn can_reply(kind: &str, config: &str, secret: Option<&str>) -> Result<(), CannotReply> {
    let has_secret = secret.is_some_and(|s| !s.is_empty());
    let settings = |e: jardinier_connectors::FetchError| CannotReply::Settings(e.to_string());
    match kind {
        // The brand's own community: answered in the topic, as the teammate.
        "community" => Ok(()),
        "mastodon" => {
            SocialConfig::parse(config).map_err(settings)?;
            has_secret.then_some(()).ok_or(CannotReply::NoMastodonToken)
        }
        "bluesky" => {
            let config = SocialConfig::parse(config).map_err(settings)?;
            (config.account.is_some() && has_secret)
                .then_some(())
                .ok_or(CannotReply::NoBlueskyAccount)
        }
        "imap" => {
            let config = ImapConfig::parse(config).map_err(settings)?;
            config
                .smtp
                .is_some()
                .then_some(())
                .ok_or(CannotReply::NoSmtp)
        }
        // The demo's channels answer through a local stand-in (the demo's /dev/hooks page), stated
        // as such in their names; they are webhooks in all but name.
        kind if kind == "webhook" || kind.starts_with("demo-") => {
            let config = WebhookReplyConfig::parse(config).map_err(CannotReply::Settings)?;
            config
                .reply_url
                .is_some()
                .then_some(())
                .ok_or(CannotReply::NoReplyUrl)
        }
        other => Err(CannotReply::NotAnswerable(other.to_owned())),
    }
}

/// The longest reply a channel takes, in characters (Bluesky counts graphemes; characters
/// are a close, safe bound for the text we send).
pub fn reply_limit(kind: &str) -> Option<usize> {
    match kind {
        "mastodon" => Some(500),
        "bluesky" => Some(300),
        _ => None,
    }
}

/// Delivers due replies from the outbox.
pub struct ReplyWorker {
    store: Arc<dyn Store>,
    client: reqwest::Client,
}

impl ReplyWorker {
    pub fn new(store: Arc<dyn Store>) -> ReplyWorker {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!(
                "Jardinier/",
                env!("CARGO_PKG_VERSION"),
                " (inbox; self-hosted)"
            ))
            .build()
            .expect("an HTTP client");
        ReplyWorker { store, client }
    }

    /// Sends every due reply; returns how many reached their channel.
    pub async fn deliver_due(&self, now: i64) -> Result<usize, StoreError> {
        let jobs = self.store.claim_replies(now, now - STALE_AFTER, 20).await?;
        let mut sent = 0;
        for job in jobs {
            let outcome = match self.send(&job).await {
                Ok(delivered) => {
                    sent += 1;
                    ReplyOutcome::Sent {
                        remote_id: delivered.remote_id,
                        remote_url: delivered.remote_url,
                    }
                }
                Err(SendError::Retry(error)) if job.reply.attempts < MAX_ATTEMPTS => {
                    let at = now + retry_delay(job.reply.attempts - 1);
                    tracing::warn!(reply = job.reply.id, %error, retry_at = at, "reply not sent yet");
                    ReplyOutcome::Retry { error, at }
                }
                Err(SendError::Retry(error)) => ReplyOutcome::Failed {
                    error: format!("given up after {MAX_ATTEMPTS} attempts: {error}"),
                },
                Err(SendError::Permanent(error)) => {
                    tracing::warn!(reply = job.reply.id, %error, "reply refused by its channel");
                    ReplyOutcome::Failed { error }
                }
            };
            self.store.finish_reply(job.reply.id, &outcome, now).await?;
        }
        Ok(sent)
    }

    async fn send(&self, job: &ReplyJob) -> Result<Delivered, SendError> {
        let secret = job.source_secret.as_deref().unwrap_or_default();
        let config = |e: jardinier_connectors::FetchError| SendError::Permanent(e.to_string());
        match job.source_kind.as_str() {
            "community" => community::reply(self.store.as_ref(), job, unix_now()).await,
            "mastodon" => {
                let social = SocialConfig::parse(&job.source_config).map_err(config)?;
                mastodon::reply(&self.client, &social, secret, job).await
            }
            "bluesky" => {
                let social = SocialConfig::parse(&job.source_config).map_err(config)?;
                bluesky::reply(&self.client, &social, secret, job).await
            }
            "imap" => {
                let imap = ImapConfig::parse(&job.source_config).map_err(config)?;
                email::reply(&imap, secret, job).await
            }
            kind if kind == "webhook" || kind.starts_with("demo-") => {
                let hook =
                    WebhookReplyConfig::parse(&job.source_config).map_err(SendError::Permanent)?;
                webhook::reply(&self.client, &hook, secret, job).await
            }
            other => Err(SendError::Permanent(format!(
                "{other} sources cannot be answered from Jardinier"
            ))),
        }
    }

    /// Runs until `shutdown` flips to true, sending due replies every `interval` or as soon as
    /// `wake` is notified (a reply was just accepted).
    pub async fn run(
        self,
        interval: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(error) = self.deliver_due(unix_now()).await {
                tracing::error!(%error, "reply worker");
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

/// The answer of an HTTP API as JSON, or why not: refused credentials, a missing post and
/// invalid requests are permanent; time-outs, rate limits and server errors are retried.
async fn json_answer(
    host: &str,
    what: &str,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<serde_json::Value, SendError> {
    let response =
        response.map_err(|e| SendError::Retry(format!("could not reach {host}: {e}")))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    // Mastodon: {"error": "…"}; XRPC: {"error": "Name", "message": "…"}; Matrix: {"errcode",
    // "error"}; Telegram: {"description"}.
    let said = value
        .get("message")
        .or_else(|| value.get("error"))
        .or_else(|| value.get("description"))
        .and_then(|m| m.as_str())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let code = status.as_u16();
    let message = match code {
        401 | 403 => format!(
            "{host} refused the account's credentials when {what} (HTTP {code}{said}); check the source's token or password"
        ),
        404 => format!(
            "{host} does not know what is answered when {what} (HTTP 404{said}): it may have been deleted"
        ),
        _ => format!("{host} answered HTTP {code} when {what}{said}"),
    };
    if code == 408 || code == 429 || status.is_server_error() {
        Err(SendError::Retry(message))
    } else {
        Err(SendError::Permanent(message))
    }
}

fn host_of(base: &str) -> String {
    url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| base.to_owned())
}

/// `base` + `path` (base may end with a slash).
fn endpoint(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
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
    fn sources_say_why_they_cannot_be_answered() {
        let mastodon = r#"{"base":"https://piaille.fr","search":"cafe"}"#;
        assert!(can_reply("mastodon", mastodon, Some("token")).is_ok());
        assert_eq!(
            can_reply("mastodon", mastodon, None),
            Err(CannotReply::NoMastodonToken)
        );
        let bluesky = r#"{"base":"https://public.api.bsky.app","search":"cafe"}"#;
        assert!(
            can_reply("bluesky", bluesky, Some("pw"))
                .unwrap_err()
                .to_string()
                .contains("handle")
        );
        let bluesky =
            r#"{"base":"https://public.api.bsky.app","search":"cafe","account":"brand.example"}"#;
        assert!(can_reply("bluesky", bluesky, Some("pw")).is_ok());
        let imap = r#"{"host":"mail.example","port":993,"security":"tls","username":"contact@brand.example"}"#;
        assert!(
            can_reply("imap", imap, Some("pw"))
                .unwrap_err()
                .to_string()
                .contains("SMTP")
        );
        let imap = r#"{"host":"mail.example","port":993,"security":"tls","username":"contact@brand.example","smtp":{"host":"mail.example","port":587,"security":"starttls"}}"#;
        assert!(can_reply("imap", imap, Some("pw")).is_ok());
        assert!(
            can_reply("webhook", "{}", Some("s"))
                .unwrap_err()
                .to_string()
                .contains("reply_url")
        );
        assert!(
            can_reply(
                "webhook",
                r#"{"reply_url":"https://crm.example/answers"}"#,
                Some("s")
            )
            .is_ok()
        );
        assert!(
            can_reply("feed", "{}", None)
                .unwrap_err()
                .to_string()
                .contains("where they were written")
        );
    }
}
